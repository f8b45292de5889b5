#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='model language through tyche-eval: values, errors, bytecode'
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'a constant is broadcast to every sample' '
	tyche-eval -n 3 "1 + 2" >actual &&
	printf "3\n3\n3\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'power binds tighter than unary minus, right-associative' '
	tyche-eval "-2^2" >actual &&
	tyche-eval "2^3^2" >>actual &&
	tyche-eval "2^-1" >>actual &&
	printf "%s\n" -4 512 0.5 >expect &&
	test_cmp expect actual
'

test_expect_success 'samples vary; comparisons give 1 or 0, NaN compares false' '
	tyche-eval -n 4 -D "scale=1|2|nan" "scale < 2" >actual &&
	printf "%s\n" 1 0 0 1 >expect &&
	test_cmp expect actual &&
	tyche-eval -n 3 -D "scale=1|2|nan" "scale != scale" >actual &&
	printf "%s\n" 0 0 1 >expect &&
	test_cmp expect actual
'

test_expect_success 'min propagates NaN; division by zero is inf or NaN' '
	tyche-eval -D "p=nan,1" "min(p[1], p[0])" >actual &&
	tyche-eval -D "p=0,1" "p[1] / p[0]" >>actual &&
	tyche-eval -D "p=0,1" "p[0] / p[0]" >>actual &&
	tyche-eval -D "p=0,1" -- "-p[1] / p[0]" >>actual &&
	printf "%s\n" NaN inf NaN -inf >expect &&
	test_cmp expect actual
'

test_expect_success 'left-to-right grouping is kept (0.1 + 0.2 + 0.3)' '
	tyche-eval -D "p=0.1,0.2,0.3" "p[0] + p[1] + p[2]" >actual &&
	tyche-eval -D "p=0.1,0.2,0.3" "p[0] + (p[1] + p[2])" >>actual &&
	printf "%s\n" 0.6000000000000001 0.6 >expect &&
	test_cmp expect actual
'

test_expect_success 'index by name and sum in offset order' '
	tyche-eval --capital Module,Inverter,BoS -D "capital=1e16,1,1" \
		"sum(capital) - capital[Module]" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'an unknown name is a located data error' '
	test_must_fail tyche-eval "y + 1" 2>err &&
	echo "<expr>:1:1: unknown name '\''y'\'': expected a local, a helper parameter or one of scale, cost, p[...], capital[...], lifetime[...], fixed[...], input_raw[...], input[...], input_price[...], output_raw[...], output[...]" >expect &&
	test_cmp expect err
'

test_expect_success 'a syntax error points at the token' '
	test_expect_code 1 tyche-eval "1 + * 2" 2>err &&
	echo "<expr>:1:5: unexpected '\''*'\'': expected a number, a name or '\''('\''" >expect &&
	test_cmp expect err
'

test_expect_success 'cost is out of scope in a capital section' '
	cat >m.yml <<-\EOF &&
	cap:
	  Module: scale * 2
	  Inverter: cost
	EOF
	test_must_fail tyche-eval --capital Module,Inverter m.yml cap capital 2>err &&
	echo "m.yml:3:13: '\''cost'\'' is not available in a capital section" >expect &&
	test_cmp expect err
'

test_expect_success 'a section evaluates with helpers and lets' '
	cat >m.yml <<-\EOF &&
	helpers:
	  npv(rate, n): (1 - 1 / (1 + rate)^(n + 1)) / (1 - 1 / (1 + rate))
	met:
	  let:
	    R: p[0]
	  Cost: npv(R, 2) * scale
	  Jobs: if(R > 0.05, 1, 2)
	EOF
	tyche-eval --metric Cost,Jobs -D "p=0.1" -D "scale=1|2" -n 2 m.yml met metrics >actual &&
	printf "%s\n" 2.735537190082646,1 5.471074380165292,1 >expect &&
	test_cmp expect actual
'

test_expect_success 'the bytecode of a folded expression' '
	tyche-eval --dump-bytecode --role capital "1 / (2 + 3 * 0.16) * scale" >actual &&
	cat >expect <<-\EOF &&
	; section expr (capital): 1 component, 0 locals, stack 1
	   0  LOAD   scale
	   1  MULK   0.40322580645161293
	   2  RET    0 (expr)
	EOF
	test_cmp expect actual
'

test_expect_success 'every model in the library compiles against its context' '
	if test -z "$SHARED"; then exit 0; fi &&
	for m in "$TOP"/models/*.yml; do
		base=$(basename "$m" .yml) &&
		ctx=$SHARED/golden/$(echo "$base" | tr _ -)/inputs-median &&
		tyche-eval --context "$ctx" --dump-bytecode "$m" capital_cost capital >/dev/null &&
		tyche-eval --context "$ctx" --dump-bytecode "$m" fixed_cost fixed >/dev/null || exit 1
	done
'

test_expect_success 'reference check value: simple-electrolysis capital' '
	if test -z "$SHARED"; then exit 0; fi &&
	tyche-eval --context "$SHARED/golden/simple-electrolysis/inputs-median" \
		-D scale=6650 -D p=16,2,18.08,237,0.00015,6650,0.63,1000,0.00108,0.138 \
		"$TOP/models/simple_electrolysis.yml" capital_cost capital >actual &&
	echo 0.63 >expect &&
	test_cmp expect actual
'

test_done
