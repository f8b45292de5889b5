#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='tyche-run voi: EVPI and partial EVPI against closed forms'
#
# Issue 18.  On the toy study of t/lib/sens-toy.sh, choosing between Off
# (V = 0) and On (V = X ~ N(0,1)) has EVPI = 1/sqrt(2 pi) for either
# sense: the estimate is within 3 standard errors; the partial EVPI of an
# input V does not depend on is 0 within 3 of its errors; the payoff's
# own EVPPI is the EVPI; no EVPPI exceeds the EVPI; candidates from a
# file, the investments and the corners agree; bad candidates files are
# located; the output is byte-identical for any thread count.
. ./test-lib.sh
. "$TEST_DIR/lib/sens-toy.sh"

test_expect_success 'EVPI = 1/sqrt(2 pi) within 3 standard errors' '
	sens_toy toy &&
	tyche-run voi toy --metric V --sense max --samples 10000 >voi.csv &&
	head -2 voi.csv >top &&
	awk -F, "NR == 2 { d = \$6 - 0.3989422804; if (d < 0) d = -d; exit !(\$5 == \"EVPI\" && d < 3 * \$7) }" top &&
	tyche-run voi toy --metric V --sense min --samples 10000 >vmin.csv &&
	awk -F, "NR == 2 { d = \$6 - 0.3989422804; if (d < 0) d = -d; exit !(d < 3 * \$7) }" vmin.csv
'

test_expect_success 'EVPPI: 0 for inputs V ignores, the EVPI for the payoff, never above the EVPI' '
	awk -F, "NR == 2 { evpi = \$6 }
		NR > 2 && \$5 != \"Payoff\" && \$1 != \"table\" && !(\$6 < 3 * \$7) { print \"not 0:\", \$0; bad = 1 }
		NR > 2 && \$5 == \"Payoff\" { pay = \$6 }
		NR > 2 && \$6 > evpi * (1 + 1e-12) { print \"above EVPI:\", \$0; bad = 1 }
		END { d = pay - evpi; if (d < 0) d = -d; exit bad || !(d <= 1e-12 * evpi) }" voi.csv
'

test_expect_success 'candidates from a file, the investments and the corners agree' '
	printf "Candidate,Category,Amount\nOff,Choice,0\nOn,Choice,1\n" >cands.csv &&
	tyche-run voi toy --metric V --sense max --samples 2000 --candidates cands.csv >f.csv &&
	tyche-run voi toy --metric V --sense max --samples 2000 --candidates investments >i.csv &&
	test_cmp i.csv f.csv &&
	tyche-run voi toy --metric V --sense max --samples 2000 --candidates corners --format json >c.json &&
	grep "\"chosen\":\"Choice=Off\",\"candidates\":\[{\"name\":\"Choice=Off\",\"mean\":0},{\"name\":\"Choice=On\"," c.json
'

test_expect_success 'byte-identical for any thread count' '
	tyche-run voi toy --metric V --sense max --samples 3000 --threads 1 >t1.csv &&
	tyche-run voi toy --metric V --sense max --samples 3000 --threads 3 >t3.csv &&
	test_cmp t1.csv t3.csv
'

test_expect_success 'bad candidates and options are located' '
	printf "Candidate,Category,Amount\nA,Choice,0\nB,Nope,1\n" >bad.csv &&
	test_must_fail tyche-run voi toy --metric V --sense max --candidates bad.csv 2>err &&
	grep "^tyche-run voi: bad.csv:3:2: unknown category .Nope.: expected a category of the tranches table$" err &&
	printf "Candidate,Category,Amount\nA,Choice,x\n" >bad2.csv &&
	test_must_fail tyche-run voi toy --metric V --sense max --candidates bad2.csv 2>err &&
	grep "^tyche-run voi: bad2.csv:2:3: .x. is not an amount: expected a number >= 0$" err &&
	printf "Name,Category,Amount\n" >bad3.csv &&
	test_must_fail tyche-run voi toy --metric V --sense max --candidates bad3.csv 2>err &&
	grep "no column .Candidate.: expected the columns Candidate,Category,Amount" err &&
	test_must_fail tyche-run voi toy --metric V --sense max --candidates corners --budget 0.5 2>err &&
	grep "1 candidate within the budget: a decision needs at least two" err &&
	test_must_fail tyche-run voi toy --metric V 2>err &&
	grep "^tyche-run voi: --metric and --sense are required" err &&
	test_must_fail tyche-run voi toy --metric V --sense up 2>err &&
	grep "^tyche-run voi: --sense: .up. is not max or min$" err &&
	test_must_fail tyche-run voi toy --metric Nope --sense max 2>err &&
	grep "unknown metric .Nope." err
'

test_done
