#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cgi.sh - benchmark tyche.cgi through nginx + fcgiwrap on loopback:
# explore and plot requests per second with p50/p99 latency (wrk, 2
# threads, 4 connections), the CGI process cold start (hyperfine, the
# program run directly), and optimise latency (curl, median of 10).
#
#   sh t/perf/cgi.sh [BUILD_DIR]        (root; needs nginx, fcgiwrap, wrk)
#
# Targets (issue 7): explore p50 < 10 ms and >= 200 req/s on 2 cores.
# Every request is a fresh process that loads the context and the cached
# surface, as in production under fcgiwrap; nothing is kept warm but the
# page cache.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${TYCHE_BUILD:-$TOP/build}}
DUR=${TYCHE_PERF_SECONDS:-10}
export TOP BUILD
. "$TOP/t/lib-cgi.sh"
for tool in nginx fcgiwrap wrk curl; do
	command -v $tool >/dev/null || { echo "cgi.sh: $tool not found" >&2; exit 1; }
done
TYCHE_TEST_SAMPLES=${TYCHE_PERF_SAMPLES:-1000}
CGI_FCGI_CHILDREN=${CGI_FCGI_CHILDREN:-4}
CGI_NGINX_WORKERS=2
cgi_setup && cd "$SRV" && cgi_start_nginx && cgi_warm || { echo "cgi.sh: server did not start" >&2; exit 1; }
cd "$SRV" || exit 1
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
bench() { # bench NAME LUA PATH
	wrk -t2 -c4 -d"${DUR}s" --latency -s "$2" "$BASE/tyche.cgi$3" >"$1.wrk" 2>&1
	rps=$(awk '/^Requests\/sec/ {print $2}' "$1.wrk")
	p50=$(awk '$1 == "50%" {print $2}' "$1.wrk")
	p99=$(awk '$1 == "99%" {print $2}' "$1.wrk")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$1.wrk")
	printf '%-22s %8s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
lua explore.lua '{"amounts": {"Stack R&D": 1500000, "Efficiency R&D": 2000000}}'
lua explore-plot.lua '{"amounts": {"Stack R&D": 1500000}, "plot": {"type": "violin"}}'
lua plot.lua '{"type": "box", "metric": "Cost", "amounts": {"Stack R&D": 1500000}}'
lua heat.lua '{"type": "annotated-heatmap", "amounts": {"Stack R&D": 1500000}}'

echo "tyche.cgi through nginx + fcgiwrap ($(nproc) cores, $TYCHE_TEST_SAMPLES samples, ${DUR}s each)"
bench explore explore.lua /contexts/electrolysis/explore
bench explore+violins explore-plot.lua /contexts/electrolysis/explore
bench plot-box plot.lua /contexts/electrolysis/plot
bench plot-heatmap heat.lua /contexts/electrolysis/plot

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
