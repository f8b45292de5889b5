# SPDX-License-Identifier: GPL-3.0-or-later
# test-lib.sh - a small git-style TAP harness for command-line tests.
#
#   test_description='...'
#   . ./test-lib.sh
#   test_expect_success 'what it checks' 'commands && more commands'
#   test_done
#
# Each script runs in its own t/trash.<script>/ directory, with the built
# tools first on PATH.  $SHARED is ../shared/reference when present (else
# empty: use test_skip_unless_shared).  $TOP is the repository top.

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$TEST_DIR/.." && pwd)
BUILD=${TYCHE_BUILD:-$TOP/build}
PATH="$BUILD/bin:$PATH"
export PATH TOP BUILD
if [ -n "$TYCHE_SHARED" ] && [ -d "$TYCHE_SHARED" ]; then
	SHARED=$TYCHE_SHARED
elif [ -d "$TOP/../shared/reference/golden" ]; then
	SHARED=$(cd "$TOP/../shared/reference" && pwd)
else
	SHARED=
fi
export SHARED
# ASan/UBSan: any report fails the test (the tool exits non-zero and prints).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
unset TYCHE_MODEL_PATH TYCHE_STORE TYCHE_CONFIG TYCHE_CACHE

TRASH="$TEST_DIR/trash.$TEST_NAME"
rm -rf "$TRASH"
mkdir -p "$TRASH" || exit 1
cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_skipped_all=

say() { printf '# %s\n' "$*"; }

test_expect_success() {
	test_count=$((test_count + 1))
	_desc=$1
	_body=$2
	if [ -n "$test_skipped_all" ]; then
		echo "ok $test_count # skip $_desc ($test_skipped_all)"
		return 0
	fi
	( eval "$_body" ) >"$TRASH/.out.$test_count" 2>&1
	_rc=$?
	if [ $_rc -eq 0 ]; then
		echo "ok $test_count - $_desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $_desc"
		sed -e 's/^/#   /' "$TRASH/.out.$test_count" | tail -n 40
		printf '#   in: %s\n' "$(echo "$_body" | head -n 20 | tr '\n' ' ')"
	fi
}

# test_skip 'desc' 'reason': report a skipped test.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# Skip every remaining test of the script unless ../shared is present.
test_skip_unless_shared() {
	[ -n "$SHARED" ] || test_skipped_all='../shared/reference absent'
}

# The command must fail cleanly: non-zero exit, no signal, no sanitizer report.
test_must_fail() {
	"$@"
	_rc=$?
	if [ $_rc -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $_rc -gt 128 ] || [ $_rc -eq 99 ]; then
		echo "test_must_fail: '$*' died (exit $_rc)" >&2
		return 1
	fi
	return 0
}

# test_expect_code N cmd...: the command exits with exactly N.
test_expect_code() {
	_want=$1
	shift
	"$@"
	_rc=$?
	if [ $_rc -ne "$_want" ]; then
		echo "test_expect_code: '$*' exited $_rc, expected $_want" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_done() {
	if [ $test_count -eq 0 ] && [ -n "$test_skipped_all" ]; then
		echo "1..0 # SKIP $test_skipped_all"
	else
		echo "1..$test_count"
	fi
	cd "$TEST_DIR" || exit 1
	if [ $test_failed -eq 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	exit 1
}
