#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='correlations table: Iman-Conover rank correlations'
#
# Issue 18.  With a correlations table, two cells reach their target rank
# correlation within 0.02 at N = 1e4 (for MC and LHS); their marginals
# are the uncorrelated draws, as multisets; the output is byte-identical
# for any thread count; the table is hashed with the study (the surface
# cache notices an edit); every mistake in it is located (unknown cells,
# |rho| > 1, constants, duplicates, a matrix that is not positive
# semi-definite); a workbook takes the table as a sheet "correlations"
# (same draws as the CSV folder, located errors); Sobol indices refuse
# dependent inputs; the value of information takes them (the same EVPI,
# which depends only on the payoff's marginal, and a large partial EVPI
# for a cell that moves with the payoff).
. ./test-lib.sh
. "$TEST_DIR/lib/toy.sh"
. "$TEST_DIR/lib/sens-toy.sh"

# spearman FILE: the rank correlation of M1 and M2 over the samples
spearman() {
	awk -F, "\$5 == \"M1\" { print \$3 \",\" \$6 }" "$1" | sort -t, -k2,2g |
		awk -F, "{ print \$1 \",\" NR }" | sort -t, -k1,1n >r1 &&
	awk -F, "\$5 == \"M2\" { print \$3 \",\" \$6 }" "$1" | sort -t, -k2,2g |
		awk -F, "{ print \$1 \",\" NR }" | sort -t, -k1,1n >r2 &&
	paste -d, r1 r2 | awk -F, "{ n++; a += \$2; b += \$4; aa += \$2 * \$2; bb += \$4 * \$4; ab += \$2 * \$4 }
		END { printf \"%.6f\\n\", (ab - a * b / n) / sqrt((aa - a * a / n) * (bb - b * b / n)) }"
}

test_expect_success 'target rank correlation within 0.02 at N = 1e4, marginals unchanged' '
	toy_context ct "A:S1=st.norm(0, 1)@st.lognorm(0.5, 0, 2)" -- C:T1:S1:0 C:T2:S1:1 &&
	tyche-run evaluate --samples 10000 ct >ind.csv &&
	printf "Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation,Notes\nA,S1,Parameter,M1,Parameter,M2,-0.6,\n" >ct/correlations.csv &&
	tyche-run check ct &&
	tyche-run evaluate --samples 10000 ct >cor.csv &&
	r=$(spearman cor.csv) &&
	echo "achieved $r" &&
	awk -v r="$r" "BEGIN { d = r + 0.6; if (d < 0) d = -d; exit !(d < 0.02) }" &&
	r0=$(spearman ind.csv) &&
	awk -v r="$r0" "BEGIN { exit !(r < 0.05 && r > -0.05) }" &&
	for m in M1 M2; do
		awk -F, -v m=$m "\$5 == m { print \$6 }" ind.csv | sort -g >a &&
		awk -F, -v m=$m "\$5 == m { print \$6 }" cor.csv | sort -g >b &&
		test_cmp a b || return 1
	done &&
	awk -F, "\$5 == \"M2\" { print \$6 }" ind.csv >u1 &&
	awk -F, "\$5 == \"M2\" { print \$6 }" cor.csv >u2 &&
	! test_cmp u1 u2 >/dev/null
'

test_expect_success 'LHS with correlations: the same strata, the target reached' '
	tyche-run evaluate --samples 10000 --design lhs ct >lcor.csv &&
	r=$(spearman lcor.csv) &&
	awk -v r="$r" "BEGIN { d = r + 0.6; if (d < 0) d = -d; exit !(d < 0.02) }" &&
	mv ct/correlations.csv corr.keep &&
	tyche-run evaluate --samples 10000 --design lhs ct >lind.csv &&
	mv corr.keep ct/correlations.csv &&
	awk -F, "\$5 == \"M1\" { print \$6 }" lind.csv | sort -g >a &&
	awk -F, "\$5 == \"M1\" { print \$6 }" lcor.csv | sort -g >b &&
	test_cmp a b
'

test_expect_success 'byte-identical for any thread count; the table is part of the hash' '
	tyche-run evaluate --samples 3000 --threads 1 ct >t1.csv &&
	tyche-run evaluate --samples 3000 --threads 3 --block 64 ct >t3.csv &&
	test_cmp t1.csv t3.csv &&
	tyche-run check ct >h1 &&
	sed -i "s/-0.6/0.3/" ct/correlations.csv &&
	tyche-run check ct >h2 &&
	! test_cmp h1 h2 >/dev/null
'

test_expect_success 'mistakes in the table are located' '
	sens_toy toy &&
	cat >toy/correlations.csv <<-\EOF &&
	Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation,Notes
	Toy,Go,Parameter,X1,Parameter,X9,0.5,
	Toy,Go,Parameter,X1,Parameter,X2,1.5,
	Toy,Base,Parameter,X1,Parameter,X2,0.5,
	Nope,Go,Parameter,X1,Parameter,X2,0.5,
	Toy,Go,Parameter,X1,Parameter,X1,0.5,
	Toy,Go,Parameter,U1,Parameter,U2,0.9,
	Toy,Go,Parameter,U2,Parameter,U1,0.5,
	Toy,Go,Lifetime,Nope,Parameter,U1,0.5,
	EOF
	test_must_fail tyche-run check toy 2>err &&
	cat err &&
	grep "^toy/correlations.csv:2:5: error: unknown cell: Variable .Parameter. with Index .X9.: expected a designs Variable with its Index, or Parameter with a parameter.s name (technology .Toy.)$" err &&
	grep "^toy/correlations.csv:3:7: error: correlation .1.5. is not a number in \[-1, 1\]$" err &&
	grep "^toy/correlations.csv:4:3: error: cell .Parameter X1. of scenario .Base. is a constant: expected an uncertain cell$" err &&
	grep "^toy/correlations.csv:5:1: error: unknown technology .Nope.: expected a technology of the designs table$" err &&
	grep "^toy/correlations.csv:6:5: error: a cell correlated with itself: expected two different cells$" err &&
	grep "^toy/correlations.csv:8:7: error: duplicate pair: these two cells of scenario .Go. already have a correlation$" err &&
	grep "^toy/correlations.csv:9:3: error: unknown cell: Variable .Lifetime. with Index .Nope." err
'

test_expect_success 'a matrix that is not positive semi-definite is located' '
	cat >toy/correlations.csv <<-\EOF &&
	Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation,Notes
	Toy,Go,Parameter,X1,Parameter,X2,0.9,
	Toy,Go,Parameter,X2,Parameter,X3,0.9,
	Toy,Go,Parameter,X1,Parameter,X3,-0.9,
	EOF
	test_must_fail tyche-run check toy 2>err &&
	grep "^toy/correlations.csv:2:7: error: the correlations of scenario .Go. are not a valid correlation matrix (smallest eigenvalue -[0-9.]*): expected a positive semi-definite matrix$" err &&
	printf "Technology,Scenario,Var 1\n" >toy/correlations.csv &&
	test_must_fail tyche-run check toy 2>err &&
	grep "^toy/correlations.csv:1:1: error: no column .Variable 1.: the correlations table needs Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation$" err
'

test_expect_success 'a workbook takes the table as a sheet named correlations' '
	toy_context wb "A:S1=st.norm(0, 1)@st.lognorm(0.5, 0, 2)" -- C:T1:S1:0 C:T2:S1:1 &&
	printf "Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation,Notes\nA,S1,Parameter,M1,Parameter,M2,0.5,\n" >wb/correlations.csv &&
	python3 - wb >desc <<-\PY &&
	import csv, os, sys
	d = sys.argv[1]
	for t in ["designs", "parameters", "indices", "functions", "results", "tranches", "investments", "correlations"]:
	    print("sheet", t)
	    for r, row in enumerate(csv.reader(open(os.path.join(d, t + ".csv")))):
	        for c, v in enumerate(row):
	            if v:
	                print("%s%d inline %s" % (chr(65 + c), r + 1, v))
	PY
	mkxlsx wb.xlsx desc &&
	cp wb/toy.yml . &&
	tyche-run evaluate --samples 2000 wb.xlsx >x.csv &&
	tyche-run evaluate --samples 2000 wb >d.csv &&
	test_cmp d.csv x.csv &&
	r=$(spearman x.csv) &&
	awk -v r="$r" "BEGIN { d = r - 0.5; if (d < 0) d = -d; exit !(d < 0.05) }" &&
	sed -i "s/^G2 inline 0.5$/G2 inline 1.5/" desc &&
	mkxlsx bad.xlsx desc &&
	test_must_fail tyche-run check bad.xlsx 2>err &&
	grep "^bad.xlsx:correlations!G2: error: correlation .1.5. is not a number in \[-1, 1\]$" err
'

test_expect_success 'Sobol indices refuse dependent inputs' '
	printf "Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation\nToy,Go,Parameter,X1,Parameter,X2,0.5\n" >toy/correlations.csv &&
	tyche-run check toy &&
	test_must_fail tyche-run sensitivity toy --scenario Go 2>err &&
	grep "correlations table: Sobol indices assume independent inputs" err
'

test_expect_success 'VOI with correlated inputs: same EVPI, an informative correlated cell' '
	rm toy/correlations.csv &&
	tyche-run voi toy --metric V --sense max --samples 4000 --groups cell >ind.csv &&
	printf "Technology,Scenario,Variable 1,Index 1,Variable 2,Index 2,Correlation\nToy,Go,Parameter,Payoff,Parameter,X1,0.9\n" >toy/correlations.csv &&
	tyche-run voi toy --metric V --sense max --samples 4000 --groups cell >cor.csv &&
	a=$(awk -F, "\$5 == \"EVPI\" { print \$6 }" ind.csv) &&
	b=$(awk -F, "\$5 == \"EVPI\" { print \$6 }" cor.csv) &&
	awk -v a="$a" -v b="$b" "BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-12) }" &&
	awk -F, "\$5 == \"X1\" { exit !(\$6 < 3 * \$7) }" ind.csv &&
	awk -F, -v e="$b" "\$5 == \"X1\" { exit !(\$6 > 10 * \$7 && \$6 > 0.5 * e && \$6 <= e) }" cor.csv
'

test_done
