#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# serve.sh - `make serve`: try the browser UI on this machine.  Starts
# nginx + fcgiwrap on 127.0.0.1:8080 (TYCHE_SERVE_PORT) with the bundled
# example context, in single-user mode without a password (loopback only),
# and leaves them running.  Stop them with `sh t/serve.sh stop`.  The
# config keeps allowed_hosts at its loopback default (localhost, 127.0.0.1,
# ::1), so the CGI answers only URLs naming this machine by those names.
#
#   sh t/serve.sh [BUILD_DIR]     start (the Makefile passes its BUILD)
#   sh t/serve.sh stop            stop and remove the temp tree
TOP=$(cd "$(dirname "$0")/.." && pwd)
STATE=${TMPDIR:-/tmp}/tyche-serve.state

if [ "$1" = stop ]; then
	[ -f "$STATE" ] || { echo "serve.sh: nothing to stop" >&2; exit 0; }
	. "$STATE"
	. "$TOP/t/lib-cgi.sh"
	cgi_stop
	rm -f "$STATE"
	echo "Tyche test server stopped."
	exit 0
fi
if [ -f "$STATE" ]; then
	echo "serve.sh: already running ($STATE); stop it with: sh t/serve.sh stop" >&2
	exit 1
fi
BUILD=${1:-$TOP/build}
export TOP BUILD
[ -x "$BUILD/bin/tyche.cgi" ] || { echo "serve.sh: build first (make all)" >&2; exit 1; }
. "$TOP/t/lib-cgi.sh"
port=${TYCHE_SERVE_PORT:-8080}
cgi_setup true || exit 1
trap - EXIT
CGI_NO_AUTH=1
if ! cgi_start_nginx "$port"; then
	cgi_stop
	echo "serve.sh: nginx did not start on 127.0.0.1:$port (is the port taken?)" >&2
	exit 1
fi
printf 'SRV=%s\nCGI_PIDS="%s"\nCGI_PGIDS="%s"\n' "$SRV" "$CGI_PIDS" "$CGI_PGIDS" >"$STATE"
echo "Tyche is at http://127.0.0.1:$port/tyche/ (single user, example context"
echo "'electrolysis'; files in $SRV)."
echo "Stop it with: sh t/serve.sh stop"
