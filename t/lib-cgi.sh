# SPDX-License-Identifier: GPL-3.0-or-later
# lib-cgi.sh - start real web servers around tyche.cgi for the t7* tests,
# t/serve.sh and t/perf/cgi.sh: Debian's apache2 (mod_cgid, basic auth) or
# nginx + fcgiwrap (auth_basic), each on a loopback port with its own temp
# ServerRoot / prefix, the CGI and the page copied into it, running as
# www-data.  tyche.cgi as a FastCGI responder: nginx + spawn-fcgi (with
# multiwatch restarting a process that exits after its last request), or
# systemd's socket activation, or Apache + mod_fcgid.
#
# Sourced after test-lib.sh (or alone with TOP and BUILD set).  Call
# cgi_setup, then cgi_start_apache, cgi_start_nginx, cgi_start_apache_fcgid
# or cgi_start_nginx_fastcgi; cgi_stop runs from an EXIT trap, so a
# failing test never leaves a server behind.
#
# Why copies under /tmp and not the build tree: the servers run the CGI as
# www-data, which must be able to read every directory above it, and the
# store and cache must be writable by it alone (as in production).

cgi_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# cgi_setup [single_user]: the server tree in $SRV, users alice and bob
# (passwords alice-pw, bob-pw) in $SRV/htpasswd.  CGI_CONTEXTS=DIR serves
# that folder of studies in place (else a copy of the bundled example);
# CGI_MODELS=PATH sets the config's model path.
cgi_setup() {
	SRV=$(mktemp -d /tmp/tyche-srv.XXXXXX) || return 1
	chmod 755 "$SRV"
	mkdir -p "$SRV/contexts" "$SRV/store" "$SRV/cache" "$SRV/www" "$SRV/cgi-bin" "$SRV/run" || return 1
	if [ -z "$CGI_CONTEXTS" ]; then
		cp -R "$TOP/examples/electrolysis" "$SRV/contexts/" || return 1
	fi
	cp "$TOP"/www/* "$SRV/www/" &&
	cp "$BUILD/bin/tyche.cgi" "$SRV/cgi-bin/tyche.cgi" || return 1
	if [ "$(id -u)" = 0 ]; then
		chown www-data:www-data "$SRV/store" "$SRV/cache" "$SRV/run"
	fi
	chmod -R a+rX "$SRV"
	cat >"$SRV/tyche.yml" <<-EOF
	# tyche.cgi test config
	contexts: ${CGI_CONTEXTS:-$SRV/contexts}
	store: $SRV/store
	cache: $SRV/cache
	single_user: ${1:-false}
	defaults:
	  samples: ${TYCHE_TEST_SAMPLES:-500}
	  seed: ${CGI_SEED:-7}
	EOF
	# CGI_MODELS: a model search path for the CGI (serve.sh: the tree's models/)
	[ -z "$CGI_MODELS" ] || echo "models: $CGI_MODELS" >>"$SRV/tyche.yml"
	htpasswd -bcB "$SRV/htpasswd" alice alice-pw 2>/dev/null &&
	htpasswd -bB "$SRV/htpasswd" bob bob-pw 2>/dev/null &&
	chmod 644 "$SRV/htpasswd" "$SRV/tyche.yml"
	CGI_PIDS=
	CGI_PGIDS=
	trap cgi_stop EXIT
}

cgi_stop() {
	for _p in $CGI_PGIDS; do
		kill -TERM "-$_p" 2>/dev/null
	done
	for _p in $CGI_PIDS; do
		kill "$_p" 2>/dev/null
	done
	for _p in $CGI_PIDS; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
	done
	for _p in $CGI_PGIDS; do
		kill -KILL "-$_p" 2>/dev/null
	done
	CGI_PIDS=
	CGI_PGIDS=
	if [ -n "$SRV" ] && [ -z "$CGI_KEEP" ]; then
		rm -rf "$SRV"
	fi
}

# cgi_wait_port PORT: up to 10 s for something to listen there.
cgi_wait_port() {
	_i=0
	while [ $_i -lt 100 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "nothing listens on 127.0.0.1:$1" >&2
	return 1
}

# The response headers every page answer carries (the CGI sets its own).
CGI_PAGE_CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

# The parts of httpd.conf that differ between mod_cgid and mod_fcgid.
# mod_fcgid: FcgidMaxRequestsPerProcess <= the program's own limit
# (TYCHE_FCGI_MAX_REQUESTS, default 10000), as its manual asks of
# PHP_FCGI_MAX_REQUESTS, so that the module, not the program, ends a
# process and never hands a request to one that is exiting.
cgi_apache_backend_modules() {
	if [ "$CGI_APACHE_MODE" = fcgid ]; then
		mkdir -p "$SRV/run/fcgid"
		[ "$(id -u)" = 0 ] && chown www-data:www-data "$SRV/run/fcgid"
		cat <<-EOF
		LoadModule fcgid_module $_m/mod_fcgid.so
		FcgidIPCDir "$SRV/run/fcgid"
		FcgidProcessTableFile "$SRV/run/fcgid_shm"
		FcgidMaxProcessesPerClass ${CGI_FCGI_CHILDREN:-2}
		FcgidMaxRequestsPerProcess ${CGI_FCGID_MAX_REQUESTS:-10000}
		FcgidInitialEnv TYCHE_FCGI_MAX_REQUESTS ${TYCHE_FCGI_MAX_REQUESTS:-10000}
		FcgidMaxRequestLen 4194304
		FcgidIOTimeout 120
		EOF
	else
		echo "LoadModule cgid_module $_m/mod_cgid.so"
		echo "ScriptSock \"$SRV/run/cgid.sock\""
	fi
}
cgi_apache_backend_alias() {
	if [ "$CGI_APACHE_MODE" = fcgid ]; then
		echo "Alias /tyche/tyche.cgi \"$SRV/cgi-bin/tyche.cgi\""
	else
		echo "ScriptAlias /tyche/tyche.cgi \"$SRV/cgi-bin/tyche.cgi\""
	fi
}

cgi_start_apache_fcgid() {
	CGI_APACHE_MODE=fcgid
	cgi_start_apache "$@"
}

cgi_start_apache() {
	PORT=${1:-$(cgi_free_port)}
	_m=/usr/lib/apache2/modules
	mkdir -p "$SRV/apache/logs"
	cat >"$SRV/apache/httpd.conf" <<-EOF
	ServerRoot "$SRV/apache"
	ServerName 127.0.0.1
	Listen 127.0.0.1:$PORT
	PidFile "$SRV/apache/httpd.pid"
	ErrorLog "$SRV/apache/logs/error.log"
	LogLevel warn
	User www-data
	Group www-data
	LoadModule mpm_event_module $_m/mod_mpm_event.so
	LoadModule authz_core_module $_m/mod_authz_core.so
	LoadModule authz_user_module $_m/mod_authz_user.so
	LoadModule authn_core_module $_m/mod_authn_core.so
	LoadModule authn_file_module $_m/mod_authn_file.so
	LoadModule auth_basic_module $_m/mod_auth_basic.so
	LoadModule alias_module $_m/mod_alias.so
	LoadModule mime_module $_m/mod_mime.so
	LoadModule dir_module $_m/mod_dir.so
	LoadModule env_module $_m/mod_env.so
	LoadModule headers_module $_m/mod_headers.so
	$(cgi_apache_backend_modules)
	TypesConfig /etc/mime.types
	StartServers 1
	ServerLimit 2
	ThreadsPerChild 16
	MaxRequestWorkers 32
	LimitRequestBody 4194304
	DocumentRoot "$SRV/www"
	<Directory />
	    Require all denied
	    AllowOverride None
	</Directory>
	$(cgi_apache_backend_alias)
	Alias /tyche/ "$SRV/www/"
	<Location /tyche/>
	    AuthType Basic
	    AuthName "Tyche"
	    AuthBasicProvider file
	    AuthUserFile "$SRV/htpasswd"
	    Require valid-user
	</Location>
	<Directory "$SRV/www">
	    Require all granted
	    DirectoryIndex index.html
	    Header always set Content-Security-Policy "$CGI_PAGE_CSP"
	    Header always set X-Content-Type-Options nosniff
	    Header always set Referrer-Policy no-referrer
	    Header always set X-Frame-Options DENY
	</Directory>
	<Files "tyche.cgi">
	    Require all granted
	    SetEnv TYCHE_CONFIG "$SRV/tyche.yml"
	    Options +ExecCGI
	    $( [ "$CGI_APACHE_MODE" = fcgid ] && echo 'SetHandler fcgid-script' )
	    $( [ "$CGI_APACHE_MODE" = fcgid ] && echo 'AcceptPathInfo On' )
	</Files>
	<Directory "$SRV/cgi-bin">
	    Require all granted
	</Directory>
	EOF
	apache2 -t -f "$SRV/apache/httpd.conf" 2>&1 | grep -v "Syntax OK" >&2
	apache2 -f "$SRV/apache/httpd.conf" -DFOREGROUND </dev/null >/dev/null \
		2>>"$SRV/apache/logs/error.log" &
	CGI_PIDS="$CGI_PIDS $!"
	BASE="http://127.0.0.1:$PORT/tyche"
	cgi_wait_port "$PORT"
}

# cgi_spawn_fastcgi: tyche.cgi itself as the FastCGI responder on
# $SRV/run/tyche.sock.  spawn-fcgi binds the socket and execs multiwatch,
# which keeps $CGI_FCGI_CHILDREN copies of tyche.cgi accepting on it and
# starts a new one when one exits (after TYCHE_FCGI_MAX_REQUESTS requests,
# and TYCHE_FCGI_MIN_SECONDS at the earliest);
# the socket stays open in multiwatch, so no connection is refused
# meanwhile.  multiwatch gives up on a child that dies 3 times (-r) each
# within -t ms of its start (10 s by default, which a process that exits
# after its 1000th request at 1000 req/s would hit): -t 500 here, and the
# tests that restart every few requests raise -r.  $CGI_FCGI_PGID is the
# process group (multiwatch's pid).
#
# CGI_FCGI_LAUNCH=systemd: systemd's own socket activation instead, as the
# shipped units do it (t7006): systemd-socket-activate --inetd binds the
# socket and, at the first connection, execs tyche.cgi with the listening
# socket on standard input (StandardInput=socket, Accept=no), with the
# environment in $CGI_FCGI_ENV (NAME=VALUE words).  One process, and no
# restart after it exits (systemd's Restart=always is not emulated).
cgi_spawn_fastcgi() {
	mkdir -p "$SRV/nginx/logs"
	_asuser=
	[ "$(id -u)" = 0 ] && _asuser='setpriv --reuid=www-data --regid=www-data --init-groups'
	rm -f "$SRV/run/tyche.sock"
	if [ "$CGI_FCGI_LAUNCH" = systemd ]; then
		_env=
		for _e in $CGI_FCGI_ENV; do
			_env="$_env -E $_e"
		done
		setsid $_asuser systemd-socket-activate --inetd -l "$SRV/run/tyche.sock" \
			$_env -E TYCHE_CONFIG="$SRV/tyche.yml" "$SRV/cgi-bin/tyche.cgi" \
			</dev/null >>"$SRV/nginx/logs/tyche-fcgi.log" 2>&1 &
	else
		setsid $_asuser env TYCHE_CONFIG="$SRV/tyche.yml" \
			TYCHE_FCGI_MAX_REQUESTS="${TYCHE_FCGI_MAX_REQUESTS:-10000}" \
			TYCHE_FCGI_MIN_SECONDS="${TYCHE_FCGI_MIN_SECONDS:-2}" \
			spawn-fcgi -n -s "$SRV/run/tyche.sock" -M 0600 -- \
			/usr/bin/multiwatch -f "${CGI_FASTCGI_CHILDREN:-${CGI_FCGI_CHILDREN:-2}}" -t 500 \
			-r "${CGI_MULTIWATCH_RETRIES:-3}" -- "$SRV/cgi-bin/tyche.cgi" \
			</dev/null >>"$SRV/nginx/logs/tyche-fcgi.log" 2>&1 &
	fi
	CGI_FCGI_PGID=$!
	CGI_PGIDS="$CGI_PGIDS $CGI_FCGI_PGID"
	_i=0
	while [ ! -S "$SRV/run/tyche.sock" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# cgi_stop_fastcgi: end the spawn-fcgi/multiwatch group (idle processes
# exit at once on SIGTERM).
cgi_stop_fastcgi() {
	kill -TERM "-$CGI_FCGI_PGID" 2>/dev/null
	_i=0
	while kill -0 "-$CGI_FCGI_PGID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "-$CGI_FCGI_PGID" 2>/dev/null
	CGI_PGIDS=$(echo "$CGI_PGIDS" | tr ' ' '\n' | grep -vx "$CGI_FCGI_PGID" | tr '\n' ' ')
}

# cgi_fastcgi_pids: the tyche.cgi processes serving now, one pid a line.
cgi_fastcgi_pids() {
	pgrep -g "$CGI_FCGI_PGID" -x tyche.cgi | sort -n
}

cgi_start_nginx_fastcgi() {
	CGI_NGINX_MODE=fastcgi
	cgi_start_nginx "$@"
}

cgi_start_nginx() {
	PORT=${1:-$(cgi_free_port)}
	mkdir -p "$SRV/nginx/tmp" "$SRV/nginx/logs"
	# fcgiwrap runs unless tyche.cgi is the FastCGI responder itself, and
	# then too with CGI_NGINX_FCGIWRAP=1 (t/perf/cgi.sh: both side by
	# side, the CGI ones at locations given in $CGI_NGINX_EXTRA).
	if [ "$CGI_NGINX_MODE" != fastcgi ] || [ -n "$CGI_NGINX_FCGIWRAP" ]; then
		# setsid: fcgiwrap and its children form one process group that
		# cgi_stop signals as a whole; setpriv execs (no wrapper process).
		_asuser=
		[ "$(id -u)" = 0 ] && _asuser='setpriv --reuid=www-data --regid=www-data --init-groups'
		setsid $_asuser fcgiwrap -c "${CGI_FCGI_CHILDREN:-2}" -s "unix:$SRV/run/fcgiwrap.sock" \
			</dev/null >>"$SRV/nginx/logs/fcgiwrap.log" 2>&1 &
		CGI_PGIDS="$CGI_PGIDS $!"
		_sock=$SRV/run/fcgiwrap.sock
	fi
	if [ "$CGI_NGINX_MODE" = fastcgi ]; then
		cgi_spawn_fastcgi
		_sock=$SRV/run/tyche.sock
	fi
	cat >"$SRV/nginx/nginx.conf" <<-EOF
	$( [ "$(id -u)" = 0 ] && echo 'user www-data;' )
	worker_processes ${CGI_NGINX_WORKERS:-1};
	pid $SRV/nginx/nginx.pid;
	error_log $SRV/nginx/logs/error.log warn;
	daemon off;
	events { worker_connections 512; }
	http {
	    include /etc/nginx/mime.types;
	    access_log off;
	    client_body_temp_path $SRV/nginx/tmp/body;
	    fastcgi_temp_path $SRV/nginx/tmp/fastcgi;
	    proxy_temp_path $SRV/nginx/tmp/proxy;
	    uwsgi_temp_path $SRV/nginx/tmp/uwsgi;
	    scgi_temp_path $SRV/nginx/tmp/scgi;
	    server {
	        listen 127.0.0.1:$PORT;
	        server_name 127.0.0.1;
	        $( [ -z "$CGI_NO_AUTH" ] && echo 'auth_basic "Tyche";' )
	        $( [ -z "$CGI_NO_AUTH" ] && echo "auth_basic_user_file $SRV/htpasswd;" )
	        ${CGI_NGINX_EXTRA:-}
	        location = / { return 302 /tyche/; }
	        location / { return 404; }
	        location /tyche/ {
	            alias $SRV/www/;
	            index index.html;
	            add_header Content-Security-Policy "$CGI_PAGE_CSP" always;
	            add_header X-Content-Type-Options nosniff always;
	            add_header Referrer-Policy no-referrer always;
	            add_header X-Frame-Options DENY always;
	        }
	        location ~ ^/tyche/tyche\.cgi(/.*)?\$ {
	            client_max_body_size 32m;   # study uploads; the CGI stops JSON at 2 MiB
	            gzip off;
	            include /etc/nginx/fastcgi_params;
	            fastcgi_param SCRIPT_FILENAME $SRV/cgi-bin/tyche.cgi;
	            fastcgi_param SCRIPT_NAME /tyche/tyche.cgi;
	            fastcgi_param PATH_INFO \$1;
	            fastcgi_param REMOTE_USER \$remote_user;
	            fastcgi_param TYCHE_CONFIG $SRV/tyche.yml;
	            fastcgi_pass unix:$_sock;
	        }
	    }
	}
	EOF
	_i=0
	while { [ ! -S "$_sock" ] || { [ -n "$CGI_NGINX_FCGIWRAP" ] &&
		[ ! -S "$SRV/run/fcgiwrap.sock" ]; }; } && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	nginx -p "$SRV/nginx" -e "$SRV/nginx/logs/error.log" -c "$SRV/nginx/nginx.conf" \
		</dev/null >>"$SRV/nginx/logs/error.log" 2>&1 &
	CGI_PIDS="$CGI_PIDS $!"
	BASE="http://127.0.0.1:$PORT/tyche"
	cgi_wait_port "$PORT"
}

# api USER METHOD PATH [BODY]: curl the API as USER; the body of the
# answer goes to ./body, the status to stdout.  POSTs carry the custom
# header and no Origin (as a same-origin fetch by a non-browser client).
api() {
	_u=$1 _m=$2 _p=$3
	shift 3
	if [ "$_m" = POST ]; then
		curl -s -o body -w '%{http_code}' -u "$_u:$_u-pw" -X POST \
			-H 'Content-Type: application/json' -H 'X-Tyche-Request: 1' \
			--data-binary "${1-}" "$BASE/tyche.cgi$_p"
	else
		curl -s -o body -w '%{http_code}' -u "$_u:$_u-pw" "$BASE/tyche.cgi$_p"
	fi
}

# json EXPR <body: evaluate a Python expression on the parsed JSON as j.
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v, sort_keys=True))' "$1"
}

# Wait up to 30 s while the first request builds the surface (503s).
cgi_warm() {
	_i=0
	while [ $_i -lt 150 ]; do
		_s=$(api alice GET /contexts/electrolysis)
		[ "$_s" = 200 ] && return 0
		[ "$_s" = 503 ] || { echo "warm-up: status $_s" >&2; cat body >&2; return 1; }
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
