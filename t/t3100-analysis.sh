#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tranches, investments and the response surface'
. ./test-lib.sh
. "$TEST_DIR/lib/toy.sh"
export TYCHE_CACHE="$TRASH/cache"

# explore CTX AMOUNTS...: statistics into out.csv
explore() {
	ctx=$1
	shift
	set -- $(for a in "$@"; do printf -- '--amount=%s ' "$a"; done)
	# --extrapolate: these tests check the surface beyond the largest
	# tranche amount, which tyche-run refuses without it
	tyche-run explore --extrapolate --samples 4 --statistic mean,std,min,max --by-category \
		"$@" "$ctx" >out.csv
}

test_expect_success 'linear: interpolation between and beyond the tranches' '
	toy_context lin T:None=0@0 T:Low=10@-1 T:High=20@-2 -- \
		A:a0:None:0 A:a1:Low:1e6 A:a2:High:2e6 &&
	explore lin A=1.5e6 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 15 &&
	near "$(stat_of out.csv portfolio "" M2 mean)" -1.5 &&
	near "$(stat_of out.csv portfolio "" M1 std)" 0 &&
	explore lin A=3e6 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 30 &&
	explore lin A=0 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 0
'

test_expect_success 'convex piecewise: each segment and both extrapolations' '
	toy_context cvx T:S0=1@0 T:S1=11@0 T:S2=13@0 -- \
		A:a0:S0:1e6 A:a1:S1:2e6 A:a2:S2:4e6 &&
	explore cvx A=1.5e6 && near "$(stat_of out.csv portfolio "" M1 mean)" 6 &&
	explore cvx A=3e6 && near "$(stat_of out.csv portfolio "" M1 mean)" 12 &&
	explore cvx A=5e6 && near "$(stat_of out.csv portfolio "" M1 mean)" 14 &&
	explore cvx A=0 && near "$(stat_of out.csv portfolio "" M1 mean)" -9 &&
	explore cvx A=2e6 && near "$(stat_of out.csv portfolio "" M1 mean)" 11
'

test_expect_success 'several categories add up; by-category parts are shown' '
	toy_context two T:Base=0@0 T:A1=10@1 T:B1=5@2 -- \
		A:a0:Base:0 A:a1:A1:1e6 B:b0:Base:0 B:b1:B1:2e6 &&
	explore two A=1e6 B=1e6 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 12.5 &&
	near "$(stat_of out.csv portfolio "" M2 mean)" 2 &&
	near "$(stat_of out.csv category A M1 mean)" 10 &&
	near "$(stat_of out.csv category B M1 mean)" 2.5
'

test_expect_success 'two technologies sharing a scenario name are summed' '
	toy_context techs T:Base=0@0 T:Up=10@0 U:Base=0@0 U:Up=1@0 -- \
		A:a0:Base:0 A:a1:Up:1e6 &&
	explore techs A=0.5e6 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 5.5 &&
	tyche-run tranches --samples 1 techs >tr.csv &&
	grep "^A,a1,Up,T,1,M1,1000000,10,u1$" tr.csv &&
	grep "^A,a1,Up,U,1,M1,1000000,1,u1$" tr.csv
'

test_expect_success 'uncertain tranche amounts are sampled per sample' '
	toy_context unc T:Base=0@0 T:Up=10@0 -- \
		A:a0:Base:0 "A:a1:Up:st.uniform(1e6, 1e6)" &&
	tyche-run tranches --samples 4 unc >tr.csv &&
	awk -F, "\$2 == \"a1\" && \$6 == \"M1\" { print \$7 }" tr.csv | sort -g >amts &&
	test $(sort -u amts | wc -l) = 4 &&
	explore unc A=1e6 &&
	near "$(stat_of out.csv portfolio "" M1 max)" "$(awk "NR == 1 { printf \"%.17g\", 1e7 / \$1 }" amts)" &&
	near "$(stat_of out.csv portfolio "" M1 min)" "$(awk "END { printf \"%.17g\", 1e7 / \$1 }" amts)"
'

test_expect_success 'investments: amount and metrics summed over their tranches' '
	tyche-run investments --samples 1 two >inv.csv &&
	head -n 1 inv.csv >hdr &&
	echo "Investment,Technology,Sample,Index,Amount,Value,Units" >expect &&
	test_cmp expect hdr &&
	grep "^Only a1,T,1,M1,1000000,10,u1$" inv.csv &&
	grep "^Only b1,T,1,M2,2000000,2,u2$" inv.csv
'

test_expect_success 'an unknown category or a negative amount lists the categories' '
	test_expect_code 64 tyche-run explore --amount "C=1" two 2>err &&
	grep "unknown category .C.; the categories are .A. (max 1e+06), .B. (max 2e+06)" err &&
	test_expect_code 64 tyche-run explore --amount "A=-1" two 2>err &&
	grep "expected CATEGORY=AMOUNT with an amount >= 0" err
'

test_expect_success 'statistics by name: quantiles, var, cvar, probability' '
	toy_context st T:Base=0@0 "T:Up=st.uniform(0, 1)@0" -- A:a0:Base:0 A:a1:Up:1 &&
	tyche-run explore --samples 20000 --amount A=1 \
		--statistic "mean,q10,q0.9,var95,cvar95,p>0.5,p<0.25" st >out.csv &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 0.5 0.01 &&
	near "$(stat_of out.csv portfolio "" M1 q10)" 0.1 0.01 &&
	near "$(stat_of out.csv portfolio "" M1 q0.9)" 0.9 0.01 &&
	near "$(stat_of out.csv portfolio "" M1 var95)" 0.05 0.01 &&
	near "$(stat_of out.csv portfolio "" M1 cvar95)" 0.025 0.01 &&
	near "$(stat_of out.csv portfolio "" M1 "p>0.5")" 0.5 0.02 &&
	near "$(stat_of out.csv portfolio "" M1 "p<0.25")" 0.25 0.02 &&
	test_expect_code 64 tyche-run explore --statistic q200 st 2>err &&
	grep "unknown statistic .q200." err
'

test_expect_success 'pv-residential-simple: explore at half of every maximum (median inputs)' '
	test -n "$SHARED" || { echo "# skipped: no ../shared"; exit 0; } &&
	g="$SHARED/golden/pv-residential-simple" &&
	tyche-run explore --models "$TOP/models" --samples 3 --statistic mean,std \
		--amount "Module R&D=2.25e6" --amount "Inverter R&D=1.5e6" --amount "BoS R&D=4.5e5" \
		"$g/inputs-median" >out.csv &&
	for m in LCOE Labor GHG; do
		want=$(awk -F, -v m=$m "\$4 == \"Metric\" && \$5 == m &&
			(\$2 ~ /^(Module|Inverter|BoS) (Slow|Moderate) Progress$/) { s += \$6 }
			END { printf \"%.17g\", s / 2 }" "$g/scenarios-median.csv") &&
		near "$(stat_of out.csv portfolio "" $m mean)" "$want" 1e-12 &&
		near "$(stat_of out.csv portfolio "" $m std)" 0 || exit 1
	done
'

test_expect_success 'cache: a corrupt, truncated or stale file is rebuilt, never trusted' '
	rm -rf cache two2 && cp -R two two2 &&
	explore two2 A=1e6 B=1e6 && cp out.csv ref.csv &&
	f=$(ls cache/*.tysurf) && cp "$f" good &&
	printf "\377" | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null &&
	! cmp -s good "$f" &&
	explore two2 A=1e6 B=1e6 && test_cmp ref.csv out.csv && cmp good "$f" &&
	head -c 100 good >"$f" &&
	explore two2 A=1e6 B=1e6 && test_cmp ref.csv out.csv && cmp good "$f" &&
	printf "junk" >"$f" &&
	explore two2 A=1e6 B=1e6 && test_cmp ref.csv out.csv && cmp good "$f" &&
	sed -i "s/^T,A1,M1,0,\"10\"/T,A1,M1,0,\"20\"/" two2/parameters.csv &&
	explore two2 A=1e6 B=1e6 &&
	near "$(stat_of out.csv portfolio "" M1 mean)" 22.5 &&
	test $(ls cache/*.tysurf | wc -l) = 2
'

test_expect_success 'no cache directory: still works' '
	tyche-run explore --no-cache --samples 4 --amount A=1e6 two >nc.csv &&
	near "$(stat_of nc.csv portfolio "" M1 mean)" 10
'
test_done
