#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='make install: tools, library, header, pkg-config, models'
. ./test-lib.sh

# The default model path is compiled in from PREFIX (TYCHE_PREFIX), so the
# build is done here, in the trash directory, with the PREFIX we install
# to: a build/ made for /usr/local would look for models in the wrong
# place.  The environment of a parent `make test` (MAKEFLAGS, SANITIZE) is
# dropped so this is a plain build of its own.  The unit tests and test
# helpers are not installed, so they are not built (UNITS= HELPERS=): that
# keeps the test near a minute on two cores.
P="$TRASH/prefix"
D="$TRASH/dest"
VERSION=$(cat "$TOP/VERSION")
MAJOR=${VERSION%%.*}

run_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE \
		make -C "$TOP" --no-print-directory -j2 BUILD="$TRASH/build" \
		UNITS= HELPERS= "$@"
}

test_expect_success 'make install PREFIX=... builds and installs' '
	run_make PREFIX="$P" install >"$TRASH/make.log" 2>&1 ||
		{ tail -n 30 "$TRASH/make.log"; exit 1; }
'

test_expect_success 'the tools are in PREFIX/bin and run' '
	for t in "$TOP"/cmd/tyche-*.c; do
		t=$(basename "$t" .c) &&
		test -x "$P/bin/$t" || { echo "missing $P/bin/$t"; exit 1; }
	done &&
	"$P/bin/tyche-run" --version >out &&
	echo "tyche-run $VERSION" >expect &&
	test_cmp expect out &&
	! test -e "$P/bin/tyche-eval" &&
	! test -e "$P/bin/mkxlsx"
'

test_expect_success 'the man pages are in PREFIX/share/man/man1' '
	n=0 &&
	for m in "$TOP"/doc/*.1; do
		cmp "$m" "$P/share/man/man1/$(basename "$m")" || exit 1
		n=$((n + 1))
	done &&
	test $n -ge 2 &&
	test -f "$P/share/man/man1/tyche-run.1"
'

test_expect_success 'libraries and header are in PREFIX/lib and PREFIX/include' '
	test -f "$P/lib/libtyche.a" &&
	test -f "$P/lib/libtyche.so.$VERSION" &&
	test "$(readlink "$P/lib/libtyche.so")" = "libtyche.so.$VERSION" &&
	test "$(readlink "$P/lib/libtyche.so.$MAJOR")" = "libtyche.so.$VERSION" &&
	objdump -p "$P/lib/libtyche.so.$VERSION" | grep "SONAME  *libtyche.so.$MAJOR\$" &&
	cmp "$TOP/lib/tyche.h" "$P/include/tyche.h" &&
	! test -e "$P/include/internal.h"
'

test_expect_success 'tyche.pc points at the installed files' '
	PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --modversion tyche >out &&
	echo "$VERSION" >expect && test_cmp expect out &&
	echo $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs tyche) >out &&
	echo "-I$P/include -L$P/lib -ltyche" >expect && test_cmp expect out
'

# A program using only the installed header: load the installed example
# (its model is beside the tables) and print what the library makes of it.
cat >prog.c <<\EOF
#include <stdio.h>
#include <string.h>
#include <tyche.h>

int main(int argc, char **argv)
{
	tyche_diags d = TYCHE_DIAGS_INIT;
	tyche_context *ctx = NULL;
	tyche_context_summary s;
	int rc;

	if (argc != 2)
		return 2;
	rc = tyche_context_load(&ctx, argv[1], NULL, &d);
	tyche_diags_print(&d, stderr);
	tyche_diags_release(&d);
	if (rc)
		return 1;
	tyche_context_summarize(ctx, &s);
	printf("%s %zu %zu %zu\n", tyche_version(), s.technologies, s.scenarios,
	       s.metrics);
	tyche_context_free(ctx);
	return 0;
}
EOF

test_expect_success 'a program builds against the installed shared library' '
	PKG_CONFIG_PATH="$P/lib/pkgconfig" &&
	export PKG_CONFIG_PATH &&
	cc -std=c11 -Wall -Wextra -Werror -o prog-shared prog.c \
		$(pkg-config --cflags tyche) $(pkg-config --libs tyche) &&
	LD_LIBRARY_PATH="$P/lib" ldd ./prog-shared >ldd.out &&
	grep "libtyche.so.$MAJOR => $P/lib/libtyche.so.$MAJOR" ldd.out &&
	LD_LIBRARY_PATH="$P/lib" ./prog-shared "$P/share/tyche/examples/electrolysis" >out &&
	echo "$VERSION 1 5 3" >expect && test_cmp expect out
'

test_expect_success 'a program builds against the installed static library' '
	PKG_CONFIG_PATH="$P/lib/pkgconfig" &&
	export PKG_CONFIG_PATH &&
	private=$(pkg-config --static --libs-only-l tyche | sed "s/-ltyche\\b//") &&
	cc -std=c11 -Wall -Wextra -Werror -o prog-static prog.c \
		$(pkg-config --cflags tyche) "$P/lib/libtyche.a" $private &&
	ldd ./prog-static >ldd.out &&
	! grep libtyche ldd.out &&
	./prog-static "$P/share/tyche/examples/electrolysis" >out &&
	echo "$VERSION 1 5 3" >expect && test_cmp expect out
'

test_expect_success 'the model library and examples are in PREFIX/share/tyche' '
	for m in "$TOP"/models/*.yml; do
		cmp "$m" "$P/share/tyche/models/$(basename "$m")" || exit 1
	done &&
	test -f "$P/share/tyche/models/simple_electrolysis.yml" &&
	"$P/bin/tyche-run" check "$P/share/tyche/examples/electrolysis" >out &&
	grep "^scenarios: 5$" out
'

test_expect_success 'the default model path is PREFIX/share/tyche/models' '
	mkdir nomodel &&
	cp "$TOP"/examples/electrolysis/*.csv nomodel/ &&
	test_expect_code 65 "$P/bin/tyche-run" check nomodel 2>err &&
	grep "model file .alkaline_electrolysis.yml. not found beside the tables (nomodel) nor on the model path ($P/share/tyche/models); name its folder with --models DIR or TYCHE_MODEL_PATH=DIR\$" err
'

if [ -n "$SHARED" ]; then
	test_expect_success 'installed tyche-run finds the models without --models' '
		"$P/bin/tyche-run" check "$SHARED/tyche/simple-electrolysis" >out &&
		grep "^technologies: 1$" out &&
		"$P/bin/tyche-run" evaluate --samples 2 "$SHARED/tyche/pv-residential-simple" >out &&
		grep "^Technology,Scenario,Sample,Variable,Index,Value,Units" out &&
		LD_LIBRARY_PATH="$P/lib" ./prog-shared "$SHARED/tyche/simple-electrolysis" >out &&
		grep "^$VERSION 1 " out
	'
else
	test_skip 'installed tyche-run finds the models without --models' \
		'../shared/reference absent'
fi

test_expect_success 'make install DESTDIR=... PREFIX=/usr/local stages the tree' '
	run_make DESTDIR="$D" PREFIX=/usr/local STORE=/srv/tyche/store install >"$TRASH/make2.log" 2>&1 ||
		{ tail -n 30 "$TRASH/make2.log"; exit 1; } &&
	U="$D/usr/local" &&
	test -x "$U/bin/tyche-run" &&
	test -f "$U/lib/libtyche.a" &&
	test -f "$U/lib/libtyche.so.$VERSION" &&
	test -L "$U/lib/libtyche.so" &&
	test -L "$U/lib/libtyche.so.$MAJOR" &&
	test -f "$U/include/tyche.h" &&
	test -f "$U/share/man/man1/tyche-run.1" &&
	test -f "$U/share/tyche/models/simple_electrolysis.yml" &&
	test -f "$U/share/tyche/examples/electrolysis/designs.csv" &&
	test "$(stat -c %a "$D/srv/tyche/store" "$D/srv/tyche/store/studies")" = "2770
2770" &&
	grep "^prefix=/usr/local\$" "$U/lib/pkgconfig/tyche.pc" &&
	! grep -r "$D" "$U/lib/pkgconfig/tyche.pc" &&
	echo $(PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_LIBDIR="$U/lib/pkgconfig" \
		pkg-config --cflags --libs tyche) >out &&
	echo "-I$U/include -L$U/lib -ltyche" >expect && test_cmp expect out &&
	! test -e "$D$P"
'

# The build above was made for PREFIX=$P; installing for /usr/local must
# rebuild what has the prefix compiled in, not ship tools that look in $P.
test_expect_success 'the staged tools look for models in the new PREFIX' '
	test_expect_code 65 "$D/usr/local/bin/tyche-run" check nomodel 2>err &&
	grep "not found beside the tables (nomodel) nor on the model path (/usr/local/share/tyche/models); name its folder" err
'

test_done
