#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# t7303-browser-studies.sh - user studies in headless Chromium through
# nginx + fcgiwrap: upload the reference workbook, see it under My
# studies, explore and optimise it, save a scenario, share it; the
# second user sees the shared study and not the private one; a broken
# workbook shows its located errors; hostile archives are refused with
# their reason and leave nothing on disk; a new version of the study
# makes the loaded scenario show the version badge with both numbers;
# a copied link reopens the same view in a fresh browser context.  The
# TAP comes from t/browser/studies-test.js.  Skipped (TAP) without the
# reference workbooks (../shared) or the browser tools.
test_description='user studies in the browser'
. "$(dirname "$0")"/test-lib.sh
. "$TEST_DIR"/lib-cgi.sh

if [ "$(id -u)" != 0 ] || ! command -v nginx >/dev/null || ! command -v fcgiwrap >/dev/null ||
   ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x "$BUILD/bin/tyche.cgi" ]; then
	echo "1..0 # SKIP needs root, nginx, fcgiwrap, node, chromium and a built tyche.cgi"
	exit 0
fi
if [ ! -d "$TEST_DIR/browser/node_modules/playwright-core" ]; then
	echo "1..0 # SKIP playwright-core not installed (make deps runs t/install-npm.sh)"
	exit 0
fi
if [ -z "$SHARED" ] || [ ! -f "$SHARED/tyche-xlsx/pv-residential-simple.xlsx" ]; then
	echo "1..0 # SKIP the reference workbooks (../shared/reference/tyche-xlsx) are absent"
	exit 0
fi

# The files to upload: the reference workbook, a broken one, a second
# version, a private archive, and hostile archives.
U=$TRASH/uploads
mkdir -p "$U/ely" && cp "$TOP"/examples/electrolysis/* "$U/ely/" &&
(cd "$U" && zip -qr private-ely.zip ely) &&
python3 - "$SHARED/tyche-xlsx/pv-residential-simple.xlsx" "$U" <<'PY' || exit 1
import io, sys, tarfile, zipfile
src, out = sys.argv[1], sys.argv[2]
def edit(dst, old, new):
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            d = zin.read(i.filename)
            if i.filename == "xl/sharedStrings.xml":
                assert old.encode() in d
                d = d.replace(old.encode(), new.encode())
            z.writestr(zipfile.ZipInfo(i.filename, i.date_time), d, compress_type=zipfile.ZIP_DEFLATED)
import shutil
shutil.copy(src, out + "/pv-residential-simple.xlsx")
edit(out + "/broken.xlsx", "st.triang(0.5, loc=110, scale=0.11)", "st.nope(0.5, loc=110, scale=0.11)")
import os
os.mkdir(out + "/v2")
edit(out + "/v2/pv-residential-simple.xlsx", "st.triang(0.5, loc=110, scale=0.11)", "st.triang(0.5, loc=60, scale=0.11)")
with tarfile.open(out + "/traversal.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("../evil.csv"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
with tarfile.open(out + "/symlink.tar.gz", "w:gz") as t:
    i = tarfile.TarInfo("s/designs.csv"); i.type = tarfile.SYMTYPE; i.linkname = "/etc/passwd"; t.addfile(i)
with zipfile.ZipFile(out + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("s/designs.csv", b"0" * (300 << 20))
PY
chmod -R a+rX "$U"

CGI_MODELS=$TOP/models
export CGI_MODELS
if ! { cgi_setup && cgi_start_nginx && cgi_warm; } >setup.log 2>&1; then
	sed 's/^/# /' setup.log
	echo "1..1"
	echo "not ok 1 - nginx and fcgiwrap start"
	exit 1
fi
mkdir -p "$BUILD/t"
timeout 300 node "$TEST_DIR/browser/studies-test.js" "$BASE" "$U" "$BUILD/t/tyche-studies.png" >node.tap
rc=$?
# the hostile uploads left nothing behind (checked before the server
# tree is removed)
n=$(grep -c '^ok \|^not ok ' node.tap)
sed '/^1\.\./d' node.tap
left=$(ls -a "$SRV/store/studies" | grep -c staging)
if [ "$left" = 0 ] && [ ! -e "$SRV/store/evil.csv" ] && [ ! -e "$SRV/evil.csv" ] &&
   [ ! -e "$SRV/store/studies/alice/traversal" ] && [ ! -e "$SRV/store/studies/alice/bomb" ]; then
	echo "ok $((n + 1)) - refused uploads left nothing on disk"
else
	echo "not ok $((n + 1)) - refused uploads left nothing on disk"
	ls -laR "$SRV/store/studies" | sed 's/^/# /'
	rc=1
fi
echo "1..$((n + 1))"
cd "$TEST_DIR" && [ $rc -eq 0 ] && rm -rf "$TRASH"
exit $rc
