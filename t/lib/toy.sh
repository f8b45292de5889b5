# SPDX-License-Identifier: GPL-3.0-or-later
# toy.sh - build small decision contexts whose answers are known exactly.
#
# toy_context DIR TECH:SCEN=M1@M2 ... -- CAT:TRANCHE:SCEN:AMOUNT ...
# Every technology returns its parameters p[0], p[1] as metrics M1, M2
# (capital, fixed and inputs are zero; one output of 1), so a tranche's
# metric values are exactly the numbers given for its scenario.  A value
# may be a distribution (quote it).  Investments: one per tranche.

toy_context() {
	dir=$1
	shift
	mkdir -p "$dir"
	printf 'Technology,Scenario,Variable,Index,Value,Units,Notes\n' >"$dir/designs.csv"
	printf 'Technology,Scenario,Parameter,Offset,Value,Units,Notes\n' >"$dir/parameters.csv"
	printf 'Technology,Type,Index,Offset,Description,Notes\n' >"$dir/indices.csv"
	printf 'Technology,Style,Model,Capital,Fixed,Production,Metrics,Notes\n' >"$dir/functions.csv"
	printf 'Technology,Variable,Index,Units,Notes\n' >"$dir/results.csv"
	printf 'Category,Tranche,Scenario,Amount,Notes\n' >"$dir/tranches.csv"
	printf 'Investment,Category,Tranche,Notes\n' >"$dir/investments.csv"
	cat >"$dir/toy.yml" <<'YML'
capital:
  Equipment: 0
fixed:
  Rent: 0
production:
  Widget: 1
metrics:
  M1: p[0]
  M2: p[1]
YML
	techs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		tech=${1%%:*}
		rest=${1#*:}
		scen=${rest%%=*}
		vals=${rest#*=}
		m1=${vals%%@*}
		m2=${vals#*@}
		for v in "Scale,,1" "Lifetime,Equipment,1" "Input,Nothing,0" \
			"Input efficiency,Nothing,1" "Input price,Nothing,0" \
			"Output efficiency,Widget,1" "Output price,Widget,0"; do
			printf '%s,%s,%s,,,\n' "$tech" "$scen" "$v" >>"$dir/designs.csv"
		done
		printf '%s,%s,M1,0,"%s",,\n%s,%s,M2,1,"%s",,\n' "$tech" "$scen" "$m1" \
			"$tech" "$scen" "$m2" >>"$dir/parameters.csv"
		case " $techs " in
		*" $tech "*) ;;
		*)
			techs="$techs $tech"
			printf '%s,Capital,Equipment,0,,\n%s,Input,Nothing,0,,\n%s,Output,Widget,0,,\n%s,Metric,M1,0,,\n%s,Metric,M2,1,,\n' \
				"$tech" "$tech" "$tech" "$tech" "$tech" >>"$dir/indices.csv"
			printf '%s,numpy,toy,capital,fixed,production,metrics,\n' "$tech" >>"$dir/functions.csv"
			printf '%s,Cost,Cost,$,\n%s,Output,Widget,w,\n%s,Metric,M1,u1,\n%s,Metric,M2,u2,\n' \
				"$tech" "$tech" "$tech" "$tech" >>"$dir/results.csv"
			;;
		esac
		shift
	done
	[ "$1" = -- ] && shift
	while [ $# -gt 0 ]; do
		cat=${1%%:*}
		rest=${1#*:}
		tr=${rest%%:*}
		rest=${rest#*:}
		scen=${rest%%:*}
		amt=${rest#*:}
		printf '%s,%s,%s,"%s",\n' "$cat" "$tr" "$scen" "$amt" >>"$dir/tranches.csv"
		printf 'Only %s,%s,%s,\n' "$tr" "$cat" "$tr" >>"$dir/investments.csv"
		shift
	done
}

# stat_of FILE LEVEL CATEGORY METRIC STAT: the value from explore's CSV.
stat_of() {
	awk -F, -v l="$2" -v c="$3" -v m="$4" -v s="$5" \
		'$1 == l && $2 == c && $3 == m && $4 == s { print $5 }' "$1"
}

# near A B [TOL]: |A - B| <= TOL * max(1, |A|, |B|)
near() {
	awk -v a="$1" -v b="$2" -v t="${3:-1e-12}" 'BEGIN {
		d = a - b; if (d < 0) d = -d;
		m = a < 0 ? -a : a; n = b < 0 ? -b : b; if (n > m) m = n; if (m < 1) m = 1;
		if (d <= t * m) exit 0; print "not near: " a " " b; exit 1 }'
}
