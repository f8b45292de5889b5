#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
test_description='make deb: the Debian packages build, pass lintian, install, work, purge clean'
# Builds tyche, libtyche0 and libtyche-dev with `make deb` (nocheck), runs
# lintian (errors fail; warnings are printed), installs them with dpkg -i,
# runs the installed tyche-run check and doctor on the shipped example,
# verifies every unit with systemd-analyze, every web server snippet with
# nginx -t and apache2 -t, checks that a reinstall keeps an edited
# conffile, and that dpkg -P removes every file, folder, user and group
# the package made (file lists before and after).  Needs root (dpkg); the
# packages are purged at the end whatever happens (trap).
. ./test-lib.sh

if [ "$(id -u)" != 0 ]; then
	test_skipped_all='needs root (dpkg -i)'
elif ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null ||
	! command -v lintian >/dev/null; then
	test_skipped_all='dpkg-dev, debhelper or lintian absent (make deps)'
elif dpkg -s tyche >/dev/null 2>&1 || dpkg -s libtyche0 >/dev/null 2>&1; then
	test_skipped_all='a tyche package is installed already; not touching it'
fi

PKGS="tyche libtyche-dev libtyche0"
DEBS="$TRASH/b-deb/tyche_*.deb $TRASH/b-deb/libtyche0_*.deb $TRASH/b-deb/libtyche-dev_*.deb"
purge() {
	dpkg -P $PKGS >/dev/null 2>&1
	rm -rf "$TRASH/nginx" "$TRASH/apache"
}
[ -n "$test_skipped_all" ] || trap purge EXIT INT TERM

# Files the package could touch, minus dpkg's and man-db's own records
# (not all of /usr, /var or /run: other tests run meanwhile).
snapshot() {
	find /etc /usr/bin /usr/lib /usr/include /usr/share/tyche /usr/share/doc /usr/share/man \
		/lib/systemd /var/lib/tyche /var/lib/systemd /var/cache/tyche /run/tyche -xdev 2>/dev/null |
		grep -v -e '^/var/lib/dpkg/' -e '^/var/cache/man' -e '^/var/cache/debconf' \
			-e '^/var/lib/apt/' -e '^/var/cache/apt/' -e '^/etc/ld.so.cache' \
			-e '^/run/user' -e '^/run/systemd' -e '^/var/lib/systemd/timers' \
			-e '^/var/lib/ucf' -e '^/var/lib/lintian' -e '^/usr/share/info/dir' |
		sort
}

test_expect_success 'make deb builds the three packages' '
	DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" make -C "$TOP" deb BUILD="$TRASH/b" SANITIZE= >build.log 2>&1 ||
		{ tail -n 30 build.log; exit 1; } &&
	ls "$TRASH"/b-deb/tyche_*.deb "$TRASH"/b-deb/libtyche0_*.deb "$TRASH"/b-deb/libtyche-dev_*.deb
'

test_expect_success 'lintian: no errors (warnings listed)' '
	lintian --tag-display-limit 0 $DEBS >lintian.out 2>&1
	cat lintian.out && ! grep "^E:" lintian.out
'
[ -f "$TRASH/lintian.out" ] && grep -v "^running with root\|^A future release" "$TRASH/lintian.out" |
	sed "s/^/# lintian: /"

test_expect_success 'the package holds what a server needs' '
	dpkg-deb -c "$TRASH"/b-deb/tyche_*.deb >contents &&
	for f in ./usr/bin/tyche-run ./usr/bin/tyche-fetch ./usr/bin/tyche-report \
		./usr/lib/cgi-bin/tyche.cgi ./usr/share/tyche/www/index.html \
		./usr/share/tyche/models/simple_electrolysis.yml \
		./usr/share/tyche/examples/electrolysis/designs.csv \
		./usr/share/man/man1/tyche-run.1.gz ./etc/tyche/tyche.yml ./etc/cron.d/tyche-fetch \
		./lib/systemd/system/tyche-fetch.timer ./lib/systemd/system/tyche-fcgi.socket \
		./usr/share/tyche/web/nginx-tyche-fastcgi.conf \
		./usr/share/tyche/web/apache-tyche-fcgid.conf \
		./usr/lib/python3/dist-packages/tyche_c/__init__.py
	do grep -q " $f\$" contents || { echo "missing $f"; exit 1; }; done &&
	dpkg-deb -c "$TRASH"/b-deb/libtyche0_*.deb | grep -q "/usr/lib/libtyche.so.0 -> libtyche.so.0.1" &&
	dpkg-deb -c "$TRASH"/b-deb/libtyche-dev_*.deb | grep -q "pkgconfig/tyche.pc$" &&
	dpkg-deb -I "$TRASH"/b-deb/tyche_*.deb conffiles | grep -qx /etc/tyche/tyche.yml
'

[ -n "$test_skipped_all" ] || snapshot >"$TRASH/before"
[ -n "$test_skipped_all" ] || grep "^tyche:\|www-data" /etc/group /etc/passwd >"$TRASH/ids-before"

test_expect_success 'dpkg -i installs it: user, group, folders with their owners and modes' '
	dpkg -i $DEBS >install.log 2>&1 || { cat install.log; exit 1; } &&
	getent group tyche && getent passwd tyche && id -nG www-data | grep -qw tyche &&
	test "$(stat -c %U:%G:%a /var/lib/tyche/store)" = root:tyche:2770 &&
	test "$(stat -c %U:%G:%a /var/lib/tyche/contexts)" = tyche:tyche:2775 &&
	test "$(stat -c %U:%G:%a /var/cache/tyche)" = www-data:tyche:2770 &&
	pkg-config --exists tyche && test "$(pkg-config --modversion tyche)" = "$(cat "$TOP/VERSION")"
'

test_expect_success 'installed tyche-run check and doctor pass on the shipped example' '
	/usr/bin/tyche-run check /usr/share/tyche/examples/electrolysis &&
	cp -R /usr/share/tyche/examples/electrolysis /var/lib/tyche/contexts/ &&
	env -u TYCHE_CONFIG /usr/bin/tyche-run doctor --offline >doctor.out 2>&1 ||
		{ cat doctor.out; exit 1; } &&
	cat doctor.out &&
	grep "^ok *config reads: /etc/tyche/tyche.yml" doctor.out &&
	grep "^ok *store /var/lib/tyche/store (root:tyche 2770)" doctor.out &&
	! grep "^problem" doctor.out
'

test_expect_success 'doctor names a cache the web server cannot write, and the fix' '
	chmod 0755 /var/cache/tyche && chown root /var/cache/tyche &&
	test_expect_code 1 /usr/bin/tyche-run doctor --offline >doctor.out 2>&1;
	rc=$?
	chown www-data /var/cache/tyche && chmod 2770 /var/cache/tyche &&
	test $rc = 0 && cat doctor.out &&
	grep "^problem  cache /var/cache/tyche .*www-data cannot write" doctor.out &&
	grep "fix: install -d -o www-data -g tyche -m 2770 /var/cache/tyche" doctor.out
'

test_expect_success 'the installed python package loads the installed libtyche' '
	! command -v python3 >/dev/null || ! python3 -c "import numpy" 2>/dev/null ||
	(cd / && env -u PYTHONPATH -u TYCHE_LIBRARY python3 -c "import tyche_c")
'

test_expect_success 'systemd-analyze verify accepts every unit' '
	ls /lib/systemd/system/tyche-* >units && test $(wc -l <units) = 4 &&
	systemd-analyze verify $(cat units) >verify.out 2>&1; rc=$?
	cat verify.out; test $rc = 0 && ! grep -i "tyche-.*\(unknown\|invalid\|fail\)" verify.out
'

test_expect_success 'nginx -t accepts both nginx snippets' '
	for s in cgi fastcgi; do
		mkdir -p "$TRASH/nginx/$s/logs" &&
		cat >"$TRASH/nginx/$s/nginx.conf" <<-NGX &&
		pid $TRASH/nginx/$s/nginx.pid;
		error_log $TRASH/nginx/$s/logs/error.log;
		events {}
		http {
		    include /etc/nginx/mime.types;
		    access_log off;
		    include /usr/share/tyche/web/nginx-tyche-$s.conf;
		}
		NGX
		nginx -t -p "$TRASH/nginx/$s" -c "$TRASH/nginx/$s/nginx.conf" || exit 1
	done
'

test_expect_success 'apache2ctl -t accepts both Apache snippets' '
	m=/usr/lib/apache2/modules &&
	for s in cgi fcgid; do
		mkdir -p "$TRASH/apache/$s" &&
		{
		echo "ServerRoot /etc/apache2"
		echo "ServerName 127.0.0.1"
		echo "Listen 127.0.0.1:1"
		echo "PidFile $TRASH/apache/$s/pid"
		echo "ErrorLog $TRASH/apache/$s/error.log"
		for mod in mpm_event authz_core authz_user authn_core authn_file auth_basic \
			alias mime dir env headers; do
			echo "LoadModule ${mod}_module $m/mod_$mod.so"
		done
		if [ $s = cgi ]; then echo "LoadModule cgid_module $m/mod_cgid.so";
		else echo "LoadModule fcgid_module $m/mod_fcgid.so"; fi
		echo "Include /usr/share/tyche/web/apache-tyche-$s.conf"
		} >"$TRASH/apache/$s/httpd.conf" &&
		APACHE_ARGUMENTS="-f $TRASH/apache/$s/httpd.conf" apache2ctl -t || exit 1
	done
'

test_expect_success 'a reinstall keeps an edited conffile' '
	echo "# edited by the admin" >>/etc/tyche/tyche.yml &&
	dpkg -i "$TRASH"/b-deb/tyche_*.deb >reinstall.log 2>&1 </dev/null ||
		{ cat reinstall.log; exit 1; } &&
	grep -q "edited by the admin" /etc/tyche/tyche.yml &&
	dpkg -r tyche >remove.log 2>&1 && test -f /etc/tyche/tyche.yml &&
	test -d /var/lib/tyche/store &&
	dpkg -i "$TRASH"/b-deb/tyche_*.deb >reinstall.log 2>&1 </dev/null ||
		{ cat reinstall.log; exit 1; } &&
	grep -q "edited by the admin" /etc/tyche/tyche.yml
'

test_expect_success 'dpkg -P removes everything it created' '
	dpkg -P $PKGS >purge.log 2>&1 || { cat purge.log; exit 1; } &&
	snapshot >after &&
	test_cmp before after &&
	grep "^tyche:\|www-data" /etc/group /etc/passwd >ids-after &&
	test_cmp ids-before ids-after
'

test_done
