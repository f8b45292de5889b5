#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='explore --se and --until-se: Monte-Carlo standard errors'
#
# Issue 18.  With --se, explore's values are unchanged (bit for bit) and
# each gets its standard error: sd/sqrt(N) for the mean, sqrt(p(1-p)/N)
# for a probability, a keyed bootstrap for quantiles (within 25 % of the
# asymptotic SE of a normal median); --until-se doubles the samples until
# the SE is at most the target and gives the same numbers as a plain run
# at the final N; the output is the same at any thread count.
. ./test-lib.sh
. "$TEST_DIR/lib/sens-toy.sh"

test_expect_success 'values are explore'"'"'s; SE of the mean and of a probability are exact' '
	sens_toy toy &&
	tyche-run explore --se --samples 10000 --amount Choice=1 --statistic "mean,std,q50,p>0" \
		--no-cache toy >se.csv &&
	tyche-run explore --samples 10000 --amount Choice=1 --statistic "mean,std,q50,p>0" \
		--no-cache toy >plain.csv &&
	cut -d, -f1-5,7 se.csv | sed 1s/Value,SE,Units/Value,Units/ >cut.csv &&
	sed 1s/Value,Units/Value,Units/ plain.csv >p2.csv &&
	test_cmp p2.csv cut.csv &&
	head -1 se.csv >hdr &&
	echo "Level,Category,Metric,Statistic,Value,SE,Units" >expect &&
	test_cmp expect hdr &&
	awk -F, "\$3 == \"V\" && \$4 == \"std\" { sd = \$5 } \$3 == \"V\" && \$4 == \"mean\" { se = \$6 }
		\$3 == \"V\" && \$4 == \"p>0\" { p = \$5; sp = \$6 }
		END { a = sd / 100 - se; b = sqrt(p * (1 - p) / 10000) - sp; if (a < 0) a = -a; if (b < 0) b = -b;
		      exit !(a < 1e-12 && b < 1e-12) }" se.csv
'

test_expect_success 'bootstrap SE of a normal median near 0.5 / (phi(0) sqrt(N))' '
	awk -F, "\$3 == \"V\" && \$4 == \"q50\" { r = \$6 / (0.5 / (0.3989422804 * 100)); exit !(r > 0.75 && r < 1.25) }" se.csv
'

test_expect_success '--until-se doubles the samples until the SE is small enough' '
	tyche-run explore --until-se 0.005 --metric V --samples 1000 --amount Choice=1 \
		--statistic mean --no-cache toy >until.csv 2>progress &&
	tail -1 progress >last &&
	grep "N=64000 SE=0.00393[0-9]* target 0.005$" last &&
	test $(wc -l <progress) = 7 &&
	tyche-run explore --se --samples 64000 --amount Choice=1 --statistic mean --no-cache toy >direct.csv &&
	test_cmp direct.csv until.csv
'

test_expect_success '--until-se: a usage error without --metric, an error when out of samples' '
	test_must_fail tyche-run explore --until-se 0.01 --amount Choice=1 toy 2>err &&
	grep "^tyche-run: --until-se needs --metric (the target metric)$" err &&
	test_must_fail tyche-run explore --until-se 0.001 --metric V --samples 100 --max-samples 400 \
		--amount Choice=1 --no-cache toy 2>err &&
	grep "until-se: the standard error of mean of V is [0-9.e-]* at 400 samples, above 0.001; allow more samples (--max-samples)$" err &&
	test_must_fail tyche-run explore --until-se -1 --metric V toy 2>err &&
	grep "^tyche-run: --until-se must be a standard error > 0$" err
'

test_expect_success 'byte-identical for any thread count' '
	tyche-run explore --se --samples 3000 --threads 1 --amount Choice=1 --no-cache --by-category toy >t1.csv &&
	tyche-run explore --se --samples 3000 --threads 3 --amount Choice=1 --no-cache --by-category toy >t3.csv &&
	test_cmp t1.csv t3.csv &&
	grep -c "^category,Choice," t1.csv
'

test_done
