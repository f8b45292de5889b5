#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh - build every t/fuzz/fuzz-NAME.c as a libFuzzer binary against all
# of lib/*.c (ASan + UBSan) and run each for $FUZZ_SECONDS (default 180),
# seeded from t/fuzz/corpus-NAME/ when that directory exists.  An input
# that runs longer than $FUZZ_TIMEOUT seconds (default 10) is a failure:
# a hang is a bug here, as a crash is.  fuzz-cgi.c also links cgi/*.c
# except tyche-cgi.c (the file that holds only main()) and cgi-fastcgi.c
# (the FastCGI accept loop, the only file that needs libfcgi).
#
#   sh t/fuzz/run.sh            all targets
#   sh t/fuzz/run.sh dist csv   only fuzz-dist.c and fuzz-csv.c
#
# New units found while fuzzing go to a scratch corpus in the build dir,
# never into the seed corpus in the repo: libFuzzer writes into the FIRST
# corpus directory it is given, so the scratch one must come first.
# Exit status: 0 when no target crashed, 1 otherwise (artifacts are kept in
# $FUZZ_BUILD/artifacts-NAME/).  A lib/ file that does not compile is
# skipped with a warning; only the targets that need it then fail to link.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-180}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_BUILD=${FUZZ_BUILD:-${TYCHE_BUILD:-$TOP/build}/fuzz}
CLANG=${CLANG:-clang}
PKGS="libcurl libcjson yaml-0.1 zlib gsl nlopt libarchive expat libsodium"
PKG_CFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null || echo "-I/usr/include/cjson")
PKG_LIBS=$(pkg-config --libs $PKGS 2>/dev/null ||
	echo "-lcurl -lcjson -lyaml -lz -lgsl -lgslcblas -lm -lnlopt -larchive -lexpat -lsodium")
LIBS="$PKG_LIBS -lglpk -lpthread -lm"
VERSION=$(cat "$TOP/VERSION" 2>/dev/null || echo 0.0.0)
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g
	-fno-omit-frame-pointer -ffp-contract=off -I$TOP/lib $PKG_CFLAGS
	-DTYCHE_VERSION_STR=\"$VERSION\" -DTYCHE_PREFIX=\"/usr/local\""
SAN=address,undefined

command -v "$CLANG" >/dev/null 2>&1 || { echo "run.sh: $CLANG not found" >&2; exit 2; }
mkdir -p "$FUZZ_BUILD/lib" || exit 2

# The library, once, instrumented for coverage but without a main().
objs=
for src in "$TOP"/lib/*.c; do
	obj="$FUZZ_BUILD/lib/$(basename "$src" .c).o"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	   [ -n "$(find "$TOP/lib" -name '*.h' -newer "$obj" 2>/dev/null)" ]; then
		if ! $CLANG $CFLAGS -fsanitize=fuzzer-no-link,$SAN -c -o "$obj" "$src" \
			2>"$obj.err"; then
			# someone's file mid-edit: targets that need it fail to link
			echo "run.sh: warning: skipping $src (does not compile, see $obj.err)" >&2
			rm -f "$obj"
			continue
		fi
	fi
	objs="$objs $obj"
done

# The CGI without its main(), for fuzz-cgi.c.
mkdir -p "$FUZZ_BUILD/cgi" || exit 2
cgi_objs=
for src in "$TOP"/cgi/*.c; do
	case $(basename "$src") in tyche-cgi.c | cgi-fastcgi.c) continue ;; esac
	obj="$FUZZ_BUILD/cgi/$(basename "$src" .c).o"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	   [ -n "$(find "$TOP/lib" "$TOP/cgi" -name '*.h' -newer "$obj" 2>/dev/null)" ]; then
		if ! $CLANG $CFLAGS -I"$TOP/cgi" -fsanitize=fuzzer-no-link,$SAN -c -o "$obj" "$src" \
			2>"$obj.err"; then
			echo "run.sh: warning: skipping $src (does not compile, see $obj.err)" >&2
			rm -f "$obj"
			continue
		fi
	fi
	cgi_objs="$cgi_objs $obj"
done

# An archive, so that each target links only the members it needs.
lib="$FUZZ_BUILD/libtyche-fuzz.a"
rm -f "$lib"
# shellcheck disable=SC2086
ar rcs "$lib" $objs || exit 2

if [ $# -gt 0 ]; then
	targets=
	for n in "$@"; do targets="$targets $TOP/t/fuzz/fuzz-$n.c"; done
else
	targets=$(ls "$TOP"/t/fuzz/fuzz-*.c 2>/dev/null)
fi

status=0
for src in $targets; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	bin="$FUZZ_BUILD/fuzz-$name"
	scratch="$FUZZ_BUILD/corpus-$name"
	art="$FUZZ_BUILD/artifacts-$name"
	seeds="$TOP/t/fuzz/corpus-$name"
	mkdir -p "$scratch" "$art"
	extra=
	[ "$name" = cgi ] && extra="-I$TOP/cgi $cgi_objs"
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS -fsanitize=fuzzer,$SAN -o "$bin" "$src" $extra "$lib" $LIBS; then
		echo "fuzz-$name: build failed" >&2
		status=1
		continue
	fi
	[ -d "$seeds" ] || seeds=
	echo "fuzz-$name: ${FUZZ_SECONDS}s"
	# shellcheck disable=SC2086
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -print_final_stats=1 \
		-artifact_prefix="$art/" "$scratch" $seeds >"$FUZZ_BUILD/fuzz-$name.log" 2>&1; then
		echo "fuzz-$name: FAILED, see $FUZZ_BUILD/fuzz-$name.log and $art/" >&2
		tail -30 "$FUZZ_BUILD/fuzz-$name.log" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
			"$FUZZ_BUILD/fuzz-$name.log" | sed "s/^/fuzz-$name: /"
	fi
done
exit $status
