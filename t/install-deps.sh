#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install the Debian packages listed in $1 that are not installed yet.
# apt-get update runs once, only when something is missing.  Root runs
# apt-get directly; anyone else goes through sudo.
set -e
list=${1:-deps.txt}
missing=
for p in $(grep -v '^#' "$list" | sed 's/#.*//'); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
