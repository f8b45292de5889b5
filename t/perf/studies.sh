#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# studies.sh - benchmark a user study end to end through nginx + fcgiwrap:
# the upload and check of the largest reference workbook
# (pv-residential-large.xlsx, POST /studies: unpack, load, compile the
# model, install), then its first explore (cold: no cached surface, the
# surface is built) and warm explores (median of 10).  Each upload is a
# new version (a changed cell), so every cold explore is really cold.
#
#   sh t/perf/studies.sh [BUILD_DIR]    (root; nginx, fcgiwrap, curl;
#                                        ../shared/reference/tyche-xlsx)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${TYCHE_BUILD:-$TOP/build}}
REPS=${TYCHE_PERF_REPS:-5}
export TOP BUILD
BOOK=$TOP/../shared/reference/tyche-xlsx/pv-residential-large.xlsx
[ -f "$BOOK" ] || { echo "studies.sh: $BOOK absent, skipped"; exit 0; }
. "$TOP/t/lib-cgi.sh"
for tool in nginx fcgiwrap curl python3; do
	command -v $tool >/dev/null || { echo "studies.sh: $tool not found" >&2; exit 1; }
done
TYCHE_TEST_SAMPLES=${TYCHE_PERF_SAMPLES:-1000}
CGI_MODELS=$TOP/models
export CGI_MODELS
cgi_setup && cgi_start_nginx && cgi_warm || { echo "studies.sh: server did not start" >&2; exit 1; }
cd "$SRV" || exit 1

# REPS versions of the workbook, each with one number changed
python3 - "$BOOK" "$REPS" <<'PY' || exit 1
import sys, zipfile, re
src, reps = sys.argv[1], int(sys.argv[2])
zin = zipfile.ZipFile(src)
def read(name):
    return zin.read(name)
ss = read("xl/sharedStrings.xml").decode()
m = re.search(r"st\.triang\(0\.5, loc=([0-9.]+)", ss)
for k in range(reps):
    new = ss.replace(m.group(0), "st.triang(0.5, loc=%s" % (float(m.group(1)) * (1 + 0.01 * (k + 1))), 1)
    with zipfile.ZipFile("v%d.xlsx" % k, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            # a fresh ZipInfo: writestr updates the one it is given
            z.writestr(zipfile.ZipInfo(i.filename, i.date_time),
                       new.encode() if i.filename == "xl/sharedStrings.xml" else read(i.filename),
                       compress_type=zipfile.ZIP_DEFLATED)
PY
post() { # post PATH DATA-ARG...; prints "status seconds"
	_p=$1
	shift
	curl -s -o body -w '%{http_code} %{time_total}\n' -u alice:alice-pw -X POST \
		-H 'X-Tyche-Request: 1' "$@" "$BASE/tyche.cgi$_p"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

body='{"amounts": {"Power Electronics": 1000000, "Perovskite": 1000000}}'
: >up.t; : >cold.t; : >warm.t
for k in $(seq 0 $((REPS - 1))); do
	set -- $(post "/studies?filename=pv-large.xlsx" -H 'Content-Type: application/octet-stream' \
		--data-binary @v$k.xlsx)
	[ "$1" = 201 ] || { echo "studies.sh: upload answered $1: $(cat body)" >&2; exit 1; }
	echo "$2" >>up.t
	# cold: the first request builds the surface (503 "warming up" while
	# another process builds it cannot happen here: one client)
	set -- $(post /contexts/alice~pv-large/explore -H 'Content-Type: application/json' --data-binary "$body")
	[ "$1" = 200 ] || { echo "studies.sh: cold explore answered $1: $(cat body)" >&2; exit 1; }
	echo "$2" >>cold.t
	for i in 1 2; do
		set -- $(post /contexts/alice~pv-large/explore -H 'Content-Type: application/json' --data-binary "$body")
		echo "$2" >>warm.t
	done
done
echo "user study pv-residential-large.xlsx ($(wc -c <"$BOOK") bytes) through nginx + fcgiwrap, $TYCHE_TEST_SAMPLES samples, $(nproc) cores, $REPS versions"
printf 'upload + check + install   median %6.1f ms\n' "$(median <up.t | awk '{print $1 * 1000}')"
printf 'first explore (cold)       median %6.1f ms\n' "$(median <cold.t | awk '{print $1 * 1000}')"
printf 'explore (warm)             median %6.1f ms\n' "$(median <warm.t | awk '{print $1 * 1000}')"
