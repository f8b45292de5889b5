#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='--design mc|lhs|qmc: sampling designs of every evaluation'
#
# Issue 18.  --design mc is the default, byte for byte; LHS and QMC
# draws are the same bits at any thread count and block size; explore
# and the report record the design and the surface cache keeps designs
# apart; an
# unknown design is a usage error.  (Stratification and convergence are
# checked in t/unit/u-sens.c.)
. ./test-lib.sh
. "$TEST_DIR/lib/sens-toy.sh"

test_expect_success 'mc is the default, byte for byte' '
	sens_toy toy &&
	tyche-run evaluate --samples 300 toy >default.csv &&
	tyche-run evaluate --samples 300 --design mc toy >mc.csv &&
	test_cmp default.csv mc.csv
'

for d in lhs qmc; do
	test_expect_success "$d: the same bits at any thread count and block size" "
		tyche-run evaluate --samples 1000 --design $d --threads 1 toy >$d-1.csv &&
		tyche-run evaluate --samples 1000 --design $d --threads 3 --block 64 toy >$d-3.csv &&
		tyche-run evaluate --samples 1000 --design $d --block 1000 toy >$d-0.csv &&
		test_cmp $d-1.csv $d-3.csv &&
		test_cmp $d-1.csv $d-0.csv &&
		! test_cmp default.csv $d-1.csv >/dev/null
	"
done

test_expect_success 'explore records the design; the cache keeps designs apart' '
	tyche-run explore --samples 200 --amount Choice=1 --cache cache --format json toy >mc.json &&
	tyche-run explore --samples 200 --amount Choice=1 --cache cache --design lhs --format json toy >lhs.json &&
	tyche-run explore --samples 200 --amount Choice=1 --cache cache --format json toy >mc2.json &&
	test_cmp mc.json mc2.json &&
	! grep "\"design\"" mc.json &&
	grep "\"seed\":1,\"design\":\"lhs\",\"amounts\":" lhs.json &&
	test $(ls cache | grep -c "tysurf$") = 2 &&
	tyche-run explore --samples 200 --amount Choice=1 --no-cache --design lhs --format json toy >lhs2.json &&
	test_cmp lhs.json lhs2.json
'

test_expect_success 'LHS mean of a N(0,1) payoff: within a tenth of the MC error (end to end)' '
	tyche-run explore --samples 500 --design lhs --amount Choice=1 --no-cache --statistic mean toy >lhsmean.csv &&
	grep "^portfolio,,V,mean," lhsmean.csv >v &&
	awk -F, "{ v = \$5; if (v < 0) v = -v; exit !(v < 0.1 / sqrt(500)) }" v
'

test_expect_success 'the report records a design other than mc' '
	tyche-report toy --metric V --amount Choice=1 --design qmc --samples 300 --output q.html &&
	grep "<dt>Design</dt><dd>qmc" q.html &&
	grep "300 samples, seed 1, design qmc, libtyche" q.html &&
	tyche-report toy --metric V --amount Choice=1 --samples 300 --output m.html &&
	! grep "<dt>Design</dt>" m.html
'

test_expect_success 'an unknown design is a usage error' '
	test_must_fail tyche-run evaluate --design sobol toy 2>err &&
	grep "^tyche-run: --design: .sobol. is not mc, lhs or qmc$" err
'

test_done
