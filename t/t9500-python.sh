#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='python/tyche_c: bindings against the CLI, importer, notebook, install'
# Runs the pytest suite of python/tests (every binding against tyche-run,
# located errors, no leak over 1,000 iterations, struct layouts, the model
# importer's round trip on the reference models), executes the notebook
# doc/python-tour.ipynb, and checks both installs (pip, make install-python).
# The interpreter is $TYCHE_PYTHON, else the first python3 that has numpy,
# pandas and pytest (a pyenv python3 on PATH may lack Debian's packages).
. ./test-lib.sh

PY=
for c in "$TYCHE_PYTHON" python3 /usr/bin/python3; do
	[ -n "$c" ] || continue
	if "$c" -c 'import numpy, pandas, pytest' 2>/dev/null; then PY=$c; break; fi
done
[ -n "$PY" ] || test_skipped_all='python3 with numpy, pandas and pytest absent (make deps)'
# An ASan libtyche.so cannot load into an uninstrumented python3 ("ASan
# runtime does not come first"); `make check` without SANITIZE runs these.
[ "${SANITIZE:-}" != 1 ] || test_skipped_all='SANITIZE=1: python3 is not built with ASan'
export TYCHE_LIBRARY="$BUILD/libtyche.so" TYCHE_BUILD="$BUILD" PYTHONPATH="$TOP/python"
export MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
export TYCHE_PYTHON="$PY"

test_expect_success 'bindings: every function equals the CLI; errors located; layouts' '
	"$PY" -m pytest -q -p no:cacheprovider "$TOP/python/tests/test_bindings.py" >out 2>&1 ||
		{ cat out; exit 1; }
'

test_expect_success 'no leak over 1,000 load/evaluate/free (RSS, tracemalloc)' '
	"$PY" -m pytest -q -p no:cacheprovider "$TOP/python/tests/test_leak.py" >out 2>&1 ||
		{ cat out; exit 1; }
'

if [ -n "$SHARED" ] && [ -d "$SHARED/python-models" ]; then
	test_expect_success 'importer: seven reference models reproduce the golden medians; saf_v1; bad constructs' '
		"$PY" -m pytest -q -p no:cacheprovider -rs "$TOP/python/tests/test_import.py" >out 2>&1 ||
			{ cat out; exit 1; } &&
		! grep -i skip out
	'
else
	test_skip 'importer round trip on the reference models' '../shared/reference/python-models absent'
	test_expect_success 'importer: unsupported constructs are listed (no reference needed)' '
		"$PY" -m pytest -q -p no:cacheprovider -k "unsupported or rules" \
			"$TOP/python/tests/test_import.py" >out 2>&1 || { cat out; exit 1; }
	'
fi

test_expect_success 'tyche-run import-model without python3 is a clear error' '
	printf "import numpy as np\n" >m.py &&
	test_expect_code 69 env TYCHE_PYTHON=/nonexistent/python3 tyche-run import-model m.py 2>err &&
	grep "cannot run /nonexistent/python3" err
'

if "$PY" -c 'import nbclient, nbformat, ipykernel, matplotlib' 2>/dev/null; then
	test_expect_success 'the notebook doc/python-tour.ipynb executes cleanly' '
		cp "$TOP/doc/python-tour.ipynb" nb.ipynb &&
		"$PY" "$TOP/python/tests/run_notebook.py" nb.ipynb "$TOP/doc" >out 2>&1 ||
			{ cat out; exit 1; } &&
		grep "errors: 0" out
	'
else
	test_skip 'the notebook executes' 'nbclient, ipykernel or matplotlib absent (make deps)'
fi

test_expect_success 'pip install --no-build-isolation ./python works offline' '
	cp -R "$TOP/python" src &&
	rm -rf src/build src/*.egg-info &&
	TYCHE_LIBDIR="$BUILD" "$PY" -m pip install -q --no-build-isolation --no-index \
		--no-deps --target site ./src >pip.log 2>&1 || { cat pip.log; exit 1; } &&
	grep "LIBDIR = .$BUILD." site/tyche_c/_config.py &&
	(cd site && env -u TYCHE_LIBRARY -u PYTHONPATH "$PY" -c "
import tyche_c as ty
s = ty.Study.load(\"$TOP/examples/electrolysis\")
assert len(s.evaluate(samples=3)) == 3 * len(s.evaluate(samples=1))
print(ty.library_path())" >../lib.out) &&
	grep "^$BUILD/libtyche.so$" lib.out
'

test_expect_success 'make install-python installs the package and the importer' '
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP" --no-print-directory \
		PREFIX="$TRASH/prefix" PYTHON="$PY" install-python >make.log 2>&1 ||
		{ cat make.log; exit 1; } &&
	site=$(ls -d "$TRASH"/prefix/lib/python*/dist-packages) &&
	test -f "$site/tyche_c/study.py" &&
	test -x "$TRASH/prefix/share/tyche/import_model.py" &&
	mkdir -p "$TRASH/prefix/lib" && cp "$BUILD/libtyche.so" "$TRASH/prefix/lib/" &&
	env -u TYCHE_LIBRARY PYTHONPATH="$site" "$PY" -c "
import tyche_c as ty; print(ty.library_path())" >lib.out &&
	grep "^$TRASH/prefix/lib/libtyche.so$" lib.out
'
test_done
