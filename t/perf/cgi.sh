#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cgi.sh - benchmark tyche.cgi through nginx on loopback, without auth, in
# one run and one nginx, side by side (wrk, 2 threads, 4 connections):
#   floor      a 60-byte C CGI program under fcgiwrap (the cost of a fork,
#              an exec and nginx itself: no CGI can beat it);
#   cgi        tyche.cgi as a CGI program under fcgiwrap, a process per
#              request that loads the cached surface;
#   cgi-info   the same answering GET /contexts/NAME (the page's first
#              request) from the note the first one kept (no table read);
#   fastcgi    tyche.cgi as a FastCGI responder (spawn-fcgi + multiwatch,
#              nproc processes) that serves request after request.
# explore is run in interleaved rounds (the machine is shared: each
# figure is the median over rounds) and reported as req/s and p50 with
# the ratios to the floor.  Then explore through FastCGI behind nginx's
# basic auth with bcrypt, APR1-MD5 and SHA-1 password files (what the
# password check costs per request, doc/deploy.md), plots, explore with
# violins, the CGI process cold start (hyperfine, the program run
# directly) and optimise latency (curl, median of 10) through FastCGI.
#
#   sh t/perf/cgi.sh [BUILD_DIR]   (root; needs nginx, fcgiwrap, spawn-fcgi,
#                                   multiwatch, wrk)
#
# Targets (issue 17): explore as CGI >= 0.6 of the floor's req/s; as
# FastCGI >= 2x the floor and p50 < 2 ms.  (Issue 7: explore p50 < 10 ms
# and >= 200 req/s on 2 cores.)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${TYCHE_BUILD:-$TOP/build}}
DUR=${TYCHE_PERF_SECONDS:-5}
ROUNDS=${TYCHE_PERF_ROUNDS:-3}
export TOP BUILD
. "$TOP/t/lib-cgi.sh"
for tool in nginx fcgiwrap spawn-fcgi multiwatch wrk curl cc; do
	command -v $tool >/dev/null || { echo "cgi.sh: $tool not found" >&2; exit 1; }
done
TYCHE_TEST_SAMPLES=${TYCHE_PERF_SAMPLES:-1000}
CGI_FCGI_CHILDREN=${CGI_FCGI_CHILDREN:-4}
CGI_FASTCGI_CHILDREN=${CGI_FASTCGI_CHILDREN:-$(nproc)}
CGI_NGINX_WORKERS=2
CGI_NO_AUTH=1
CGI_NGINX_FCGIWRAP=1
cgi_setup || exit 1
# The floor: 60 bytes of CGI answer (headers and body) from C.
cat >"$SRV/floor.c" <<'EOT'
#include <stdio.h>
int main(void)
{
	fputs("Content-Type: text/plain\r\n\r\n0123456789012345678901234567890\n", stdout);
	return 0;
}
EOT
cc -O2 -o "$SRV/cgi-bin/floor.cgi" "$SRV/floor.c" || exit 1
test "$("$SRV/cgi-bin/floor.cgi" | wc -c)" = 60 || { echo "cgi.sh: the floor is not 60 bytes" >&2; exit 1; }
chmod 755 "$SRV/cgi-bin/floor.cgi"
# /bench/floor.cgi and /bench/tyche.cgi/... under fcgiwrap; /tyche/tyche.cgi/...
# is the FastCGI responder.
CGI_NGINX_EXTRA="location = /bench/floor.cgi {
	            include /etc/nginx/fastcgi_params;
	            fastcgi_param SCRIPT_FILENAME $SRV/cgi-bin/floor.cgi;
	            fastcgi_pass unix:$SRV/run/fcgiwrap.sock;
	        }
	        location ~ ^/bench/tyche\\.cgi(/.*)?\$ {
	            client_max_body_size 2m;
	            gzip off;
	            include /etc/nginx/fastcgi_params;
	            fastcgi_param SCRIPT_FILENAME $SRV/cgi-bin/tyche.cgi;
	            fastcgi_param SCRIPT_NAME /bench/tyche.cgi;
	            fastcgi_param PATH_INFO \$1;
	            fastcgi_param TYCHE_CONFIG $SRV/tyche.yml;
	            fastcgi_pass unix:$SRV/run/fcgiwrap.sock;
	        }
	        location ~ ^/auth-(?<pwhash>bcrypt|apr1|sha)/tyche\.cgi(?<pi>/.*)?\$ {
	            auth_basic \"Tyche\";
	            auth_basic_user_file $SRV/htpasswd-\$pwhash;
	            include /etc/nginx/fastcgi_params;
	            fastcgi_param SCRIPT_FILENAME $SRV/cgi-bin/tyche.cgi;
	            fastcgi_param SCRIPT_NAME /auth-\$pwhash/tyche.cgi;
	            fastcgi_param PATH_INFO \$pi;
	            fastcgi_param REMOTE_USER \$remote_user;
	            fastcgi_param TYCHE_CONFIG $SRV/tyche.yml;
	            fastcgi_pass unix:$SRV/run/tyche.sock;
	        }"
# Basic auth checks the password on every request: one file per hash
# (htpasswd -B is bcrypt at its default cost 5, -m APR1-MD5, -s SHA-1).
htpasswd -bcB "$SRV/htpasswd-bcrypt" alice alice-pw 2>/dev/null &&
htpasswd -bcm "$SRV/htpasswd-apr1" alice alice-pw 2>/dev/null &&
htpasswd -bcs "$SRV/htpasswd-sha" alice alice-pw 2>/dev/null &&
chmod 644 "$SRV"/htpasswd-* || exit 1
cd "$SRV" && cgi_start_nginx_fastcgi && cgi_warm || { echo "cgi.sh: server did not start" >&2; exit 1; }
cd "$SRV" || exit 1
ROOT="http://127.0.0.1:$PORT"
auth=$(printf 'alice:alice-pw' | base64)

lua() { # lua FILE BODY
	cat >"$1" <<-EOT
	wrk.method = "POST"
	wrk.body = '$2'
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["X-Tyche-Request"] = "1"
	wrk.headers["Authorization"] = "Basic $auth"
	EOT
}
# bench NAME LUA URL: one wrk run; prints a line, keeps NAME.wrk.
bench() {
	wrk -t2 -c4 -d"${DUR}s" --latency ${2:+-s "$2"} "$3" >"$1.wrk" 2>&1
	rps=$(awk '/^Requests\/sec/ {print $2}' "$1.wrk")
	p50=$(awk '$1 == "50%" {print $2}' "$1.wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$1.wrk")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$1.wrk")
	printf '%-24s %8s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
lua explore.lua '{"amounts": {"Stack R&D": 1500000, "Efficiency R&D": 2000000}}'
lua explore-plot.lua '{"amounts": {"Stack R&D": 1500000}, "plot": {"type": "violin"}}'
lua plot.lua '{"type": "box", "metric": "Cost", "amounts": {"Stack R&D": 1500000}}'
lua heat.lua '{"type": "annotated-heatmap", "amounts": {"Stack R&D": 1500000}}'
: >rounds.txt

echo "explore through nginx without auth ($(nproc) cores, $TYCHE_TEST_SAMPLES samples," \
	"$ROUNDS rounds of ${DUR}s; fcgiwrap -c $CGI_FCGI_CHILDREN, FastCGI processes $CGI_FASTCGI_CHILDREN)"
r=1
while [ $r -le "$ROUNDS" ]; do
	for v in floor cgi cgi-info fastcgi; do
		case $v in
		floor) bench "floor.$r" "" "$ROOT/bench/floor.cgi" ;;
		cgi) bench "cgi.$r" explore.lua "$ROOT/bench/tyche.cgi/contexts/electrolysis/explore" ;;
		cgi-info) bench "cgi-info.$r" "" "$ROOT/bench/tyche.cgi/contexts/electrolysis" ;;
		fastcgi) bench "fastcgi.$r" explore.lua "$BASE/tyche.cgi/contexts/electrolysis/explore" ;;
		esac
		echo "$v $rps $p50" >>rounds.txt
	done
	r=$((r + 1))
done
python3 - rounds.txt <<'EOT'
import statistics, sys
def ms(s):
    for u, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if s.endswith(u):
            return float(s[:-len(u)]) * f
    return float("nan")
rows = {}
for line in open(sys.argv[1]):
    v, rps, p50 = line.split()
    rows.setdefault(v, []).append((float(rps), ms(p50)))
med = {v: (statistics.median(r for r, _ in x), statistics.median(p for _, p in x)) for v, x in rows.items()}
f = med["floor"][0]
print("median over rounds:")
for v in ("floor", "cgi", "cgi-info", "fastcgi"):
    print("  %-8s %8.0f req/s  p50 %6.2f ms  %5.2fx the floor" % (v, med[v][0], med[v][1], med[v][0] / f))
ok_cgi = med["cgi"][0] >= 0.6 * f
ok_fcgi = med["fastcgi"][0] >= 2 * f and med["fastcgi"][1] < 2
print("targets: CGI >= 0.6x floor: %s;  FastCGI >= 2x floor and p50 < 2 ms: %s"
      % ("met" if ok_cgi else "NOT met", "met" if ok_fcgi else "NOT met"))
EOT

# The same explore through FastCGI with basic auth: what the password
# check costs per request (nginx checks it in its worker, on every
# request; keep-alive does not spare it).
echo "explore as FastCGI with basic auth (${DUR}s each)"
bench auth-none explore.lua "$BASE/tyche.cgi/contexts/electrolysis/explore"
for h in bcrypt apr1 sha; do
	bench auth-$h explore.lua "$ROOT/auth-$h/tyche.cgi/contexts/electrolysis/explore"
	test "${non2xx:-0}" = 0 || echo "cgi.sh: auth-$h answered non-2xx" >&2
done

echo "tyche.cgi as FastCGI (${DUR}s each)"
bench explore+violins explore-plot.lua "$BASE/tyche.cgi/contexts/electrolysis/explore"
bench plot-box plot.lua "$BASE/tyche.cgi/contexts/electrolysis/plot"
bench plot-heatmap heat.lua "$BASE/tyche.cgi/contexts/electrolysis/plot"

# Cold start: the program alone, a fresh process per run.
if command -v hyperfine >/dev/null; then
	export REQUEST_METHOD=GET HTTP_HOST=localhost TYCHE_CONFIG="$SRV/tyche.yml" REMOTE_USER=alice
	for p in /version /contexts/electrolysis; do
		PATH_INFO=$p hyperfine -N -w 5 -r 100 --export-json cold.json \
			"$SRV/cgi-bin/tyche.cgi" >/dev/null 2>&1 &&
		python3 -c 'import json,sys; r=json.load(open("cold.json"))["results"][0]; print("cold start %-22s mean %.2f ms  median %.2f ms  (as root, page cache warm)" % (sys.argv[1], r["mean"]*1e3, r["median"]*1e3))' "$p"
	done
	unset REQUEST_METHOD TYCHE_CONFIG REMOTE_USER
fi

# Optimise latency (whole request), median of 10.
for m in local global milp; do
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -s -o /dev/null -w '%{time_total}\n' -u alice:alice-pw -H 'Content-Type: application/json' \
			-H 'X-Tyche-Request: 1' --data-binary "{\"metric\": \"Cost\", \"sense\": \"max\", \"budget\": 3000000, \"limits\": [{\"metric\": \"GHG\", \"sense\": \">=\", \"bound\": 0.1}], \"method\": \"$m\"}" \
			"$BASE/tyche.cgi/contexts/electrolysis/optimise"
	done | sort -n | awk -v m=$m '{v[NR]=$1} END {printf "optimise %-8s median %.1f ms  max %.1f ms\n", m, (v[5]+v[6])/2*1000, v[NR]*1000}'
done
