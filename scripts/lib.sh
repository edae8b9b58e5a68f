# shellcheck shell=bash
# Shared helpers for scripts/quickstart, scripts/check and tests/system/run.
# Source it from bash; every function is safe under `set -euo pipefail`.
#
# Everything started here listens on 127.0.0.1 only (or on unix sockets).

# Absolute path of the source tree (the directory holding scripts/).
HL_SRCDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Daemons (mariadbd, lighttpd) live in sbin, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

# Debian packages needed to build, run and test hookline.
HL_PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libfcgi-dev libfcgi-bin libcurl4-openssl-dev libmariadb-dev libjson-c-dev
	libssl-dev clearsilver-dev check
	mariadb-server mariadb-client lighttpd apache2 libapache2-mod-fcgid
	tidy libjwt-dev curl python3 valgrind ca-certificates procps openssl
	nodejs npm chromium
)

hl_log() { printf '==> %s\n' "$*" >&2; }
hl_warn() { printf 'warning: %s\n' "$*" >&2; }
hl_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Python used by the helpers and the system tests: Debian's, when present.
hl_python() {
	if [ -n "${HL_PYTHON:-}" ]; then
		printf '%s\n' "$HL_PYTHON"
	elif [ -x /usr/bin/python3 ]; then
		printf '%s\n' /usr/bin/python3
	else
		command -v python3 || printf '%s\n' python3
	fi
}

# hl_need_root_or_explain WHAT [COMMAND...]
# Returns when running as root; otherwise explains what needs root, shows the
# command to run (with sudo) and exits 1.
hl_need_root_or_explain() {
	local what="${1:-this step}"
	shift || true
	if [ "$(id -u)" -eq 0 ]; then
		return 0
	fi
	{
		printf 'error: %s needs root.\n' "$what"
		if [ "$#" -gt 0 ]; then
			printf 'Run this as root (or with sudo), then run me again:\n\n'
			printf '    sudo %s\n\n' "$*"
		fi
	} >&2
	exit 1
}

# hl_missing_packages: prints the packages of HL_PACKAGES that are not installed.
# A package whose command is already provided otherwise counts as present: a
# nodejs from another repository that bundles npm (and Conflicts: npm), or a
# chromium installed by other means.
hl_missing_packages() {
	local p status
	for p in "${HL_PACKAGES[@]}"; do
		status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
		if [ "$status" = "installed" ]; then
			continue
		fi
		case "$p" in
			npm|chromium)
				if command -v "$p" >/dev/null 2>&1; then continue; fi
				;;
		esac
		printf '%s\n' "$p"
	done
}

# hl_install_packages: installs the missing Debian packages (root only).
# HOOKLINE_SKIP_INSTALL=1 skips the step.
hl_install_packages() {
	if [ "${HOOKLINE_SKIP_INSTALL:-0}" = 1 ]; then
		hl_log "HOOKLINE_SKIP_INSTALL=1: not checking Debian packages"
		return 0
	fi
	if ! command -v dpkg-query >/dev/null 2>&1; then
		hl_warn "dpkg-query not found (not Debian?): install the equivalents of: ${HL_PACKAGES[*]}"
		return 0
	fi
	local missing
	mapfile -t missing < <(hl_missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		hl_log "all ${#HL_PACKAGES[@]} Debian packages are installed"
		return 0
	fi
	hl_log "missing Debian packages: ${missing[*]}"
	hl_need_root_or_explain "installing Debian packages" \
		"apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	if [ -z "${HL_APT_UPDATED:-}" ]; then
		apt-get update
		HL_APT_UPDATED=1
	fi
	# Packages like lighttpd and mariadb-server start their system service
	# on install (lighttpd on *:80). hookline runs its own private servers
	# on 127.0.0.1 only, so forbid service starts while installing.
	local policy=/usr/sbin/policy-rc.d own_policy=0 apt_rc=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# written by hookline scripts/lib.sh during apt-get install\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || apt_rc=$?
	if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi
	if [ "$apt_rc" -ne 0 ]; then hl_die "apt-get install failed (exit $apt_rc)"; fi
	mapfile -t missing < <(hl_missing_packages)
	if [ "${#missing[@]}" -ne 0 ]; then
		hl_die "still missing after apt-get install: ${missing[*]}"
	fi
}

# hl_build [--sanitizers]: in-tree autotools build at the repository root.
#   autoreconf -fi when configure is missing or older than configure.ac or a
#   Makefile.am, ./configure when there is no Makefile (or the sanitizer choice
#   changed), then make -j2.
hl_build() {
	local want_san=no
	while [ "$#" -gt 0 ]; do
		case "$1" in
			--sanitizers) want_san=yes ;;
			*) hl_die "hl_build: unknown option $1" ;;
		esac
		shift
	done
	# Explicit "|| exit 1" everywhere: callers may run us inside an `if` or a
	# pipeline, where `set -e` does not apply.
	(
		cd "$HL_SRCDIR" || exit 1
		[ -f configure.ac ] || hl_die "no configure.ac in $HL_SRCDIR"
		regen=no
		if [ ! -x configure ] || [ configure.ac -nt configure ]; then
			regen=yes
		else
			while IFS= read -r f; do
				if [ "$f" -nt configure ]; then regen=yes; fi
			done < <(find . -name Makefile.am -not -path './tests/system/tmp.*' -not -path './var/*')
		fi
		if [ "$regen" = yes ]; then
			hl_log "autoreconf -fi"
			mkdir -p m4 || exit 1
			autoreconf -fi || hl_die "autoreconf failed"
		fi
		args=()
		if [ "$want_san" = yes ]; then args+=(--enable-sanitizers); fi
		have_san=no
		if [ -f Makefile ] && [ -x config.status ]; then
			case "$(./config.status --config 2>/dev/null || true)" in
				*--enable-sanitizers*) have_san=yes ;;
			esac
		fi
		if [ ! -f Makefile ] || [ "$regen" = yes ] || [ "$have_san" != "$want_san" ]; then
			hl_log "./configure ${args[*]:-}"
			./configure "${args[@]}" || hl_die "./configure failed (see config.log)"
		fi
		hl_log "make -j2"
		make -j2 || hl_die "make failed"
	)
}

# hl_free_port: prints a TCP port that is free on 127.0.0.1 right now.
hl_free_port() {
	"$(hl_python)" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# hl_port_in_use PORT: true when something listens on 127.0.0.1:PORT.
hl_port_in_use() {
	"$(hl_python)" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
finally:
    s.close()
sys.exit(1)
EOF
}

# hl_pid_alive PIDFILE: true when PIDFILE names a running process.
hl_pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid="$(tr -dc '0-9' <"$1")"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# hl_kill_pidfile PIDFILE NAME [TIMEOUT]: SIGTERM the process (or, when the
# file says "pgid N", its process group), wait for it to go, then SIGKILL.
hl_kill_pidfile() {
	local file="$1" name="$2" timeout="${3:-30}" pid target i
	[ -s "$file" ] || return 0
	pid="$(tr -dc '0-9' <"$file")"
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		rm -f "$file"
		return 0
	fi
	target="$pid"
	if grep -q '^pgid' "$file"; then target="-$pid"; fi
	kill -TERM -- "$target" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		hl_warn "$name (pid $pid) did not stop in ${timeout}s: SIGKILL"
		kill -KILL -- "$target" 2>/dev/null || true
	fi
	rm -f "$file"
}

# Client invocations for a private instance (no option files read).
hl_mariadb_client() { # hl_mariadb_client SOCKET [ARGS...]
	local sock="$1"
	shift
	mariadb --no-defaults --socket="$sock" -uroot "$@"
}

# hl_mariadb_start DIR PORT [DBNAME]
#   A private MariaDB: data in DIR/data, socket DIR/mysqld.sock, TCP on
#   127.0.0.1:PORT, log DIR/mysqld.err. Does nothing but ensure the database
#   when it is already running. Creates DBNAME (default hookline).
hl_mariadb_start() {
	local dir="$1" port="$2" db="${3:-hookline}"
	mkdir -p "$dir"
	dir="$(cd "$dir" && pwd)"
	local sock="$dir/mysqld.sock" pidf="$dir/mysqld.pid" errlog="$dir/mysqld.err"
	if [ "${#sock}" -gt 100 ]; then
		hl_die "MariaDB socket path too long for a unix socket (${#sock} > 100): $sock"
	fi
	local userarg=()
	if [ "$(id -u)" -eq 0 ]; then userarg=(--user=root); fi

	if hl_pid_alive "$pidf" && mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
		hl_log "MariaDB already running (pid $(cat "$pidf"), socket $sock)"
	else
		if [ ! -d "$dir/data/mysql" ]; then
			hl_log "initialising MariaDB data directory $dir/data"
			rm -rf "$dir/data"
			# Its own tmpdir: two instances bootstrapping at once (the
			# lighttpd and Apache suites under make -j2) must not meet in
			# /tmp (one lost the other's temporary tables).
			mkdir -p "$dir/tmp"
			if ! mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
				--datadir="$dir/data" "${userarg[@]}" --skip-test-db \
				--tmpdir="$dir/tmp" \
				--skip-name-resolve >"$dir/install-db.log" 2>&1; then
				cat "$dir/install-db.log" >&2
				hl_die "mariadb-install-db failed"
			fi
		fi
		if hl_port_in_use "$port"; then
			hl_die "port 127.0.0.1:$port is already in use: choose another MariaDB port"
		fi
		rm -f "$sock" "$pidf"
		hl_log "starting MariaDB on 127.0.0.1:$port (socket $sock)"
		# Own session and no inherited stdio: callers piping our output
		# (make check | tee) must not wait for the daemon. setsid -w keeps $!
		# alive exactly as long as mariadbd, whether or not setsid forks.
		mkdir -p "$dir/tmp"
		setsid -w mariadbd --no-defaults "${userarg[@]}" \
			--datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$sock" --port="$port" \
			--bind-address=127.0.0.1 --pid-file="$pidf" --log-error="$errlog" \
			--innodb-buffer-pool-size=64M --skip-name-resolve \
			</dev/null >>"$dir/mysqld.out" 2>&1 &
		local daemon=$! i ok=no
		for ((i = 0; i < 600; i++)); do
			if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
				ok=yes
				break
			fi
			if ! kill -0 "$daemon" 2>/dev/null; then break; fi
			sleep 0.1
		done
		if [ "$ok" != yes ]; then
			printf -- '--- %s ---\n' "$errlog" >&2
			tail -n 50 "$errlog" >&2 2>/dev/null || true
			kill -TERM "$daemon" 2>/dev/null || true
			hl_die "MariaDB did not answer on $sock within 60 s"
		fi
		# mariadbd writes the pid file itself; make sure it exists.
		[ -s "$pidf" ] || printf '%s\n' "$daemon" >"$pidf"
	fi
	if ! hl_mariadb_client "$sock" -e \
		"CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"; then
		hl_die "cannot create database $db as root over $sock"
	fi
}

# hl_mariadb_stop DIR
hl_mariadb_stop() {
	local dir="$1"
	if hl_pid_alive "$dir/mysqld.pid"; then
		hl_log "stopping MariaDB (pid $(cat "$dir/mysqld.pid"))"
	fi
	hl_kill_pidfile "$dir/mysqld.pid" MariaDB 60
}

# hl_write_config FILE VARDIR SOCKET [DBNAME] [EXTRA_FILE]
#   Writes the HDF configuration. The master key lives in VARDIR/master.key
#   and is generated once, so encrypted data stays readable across runs.
#   EXTRA_FILE (optional) is appended: settings a test run needs.
hl_write_config() {
	local file="$1" vardir="$2" sock="$3" db="${4:-hookline}" extra="${5:-}"
	mkdir -p "$vardir" "$(dirname "$file")"
	vardir="$(cd "$vardir" && pwd)"
	local keyfile="$vardir/master.key" key prev=
	if [ ! -s "$keyfile" ]; then
		(umask 077 && head -c32 /dev/urandom | base64 >"$keyfile")
	fi
	key="$(tr -d ' \n\r\t' <"$keyfile")"
	# During a master key rotation: the key the new one replaces.
	if [ -s "$keyfile.previous" ]; then
		prev="$(tr -d ' \n\r\t' <"$keyfile.previous")"
	fi
	local tmp="$file.tmp.$$"
	(
		umask 077
		cat >"$tmp" <<EOF
# hookline configuration (ClearSilver HDF), written by scripts/lib.sh.
# The master key below is kept in $keyfile and this file is written
# from it at each start: the stored secrets are encrypted with it. To change
# it, see "Rotating the master key" in docs/operations.md (the key replaced
# goes in $keyfile.previous until hooklinectl rekey has run).
Database.Socket = $sock
Database.User = root
Database.Password =
Database.Name = $db
Paths.Templates = $HL_SRCDIR/templates
Paths.Static = $HL_SRCDIR/static
Paths.Sql = $HL_SRCDIR/sql
Security.MasterKey = $key
Security.PreviousMasterKey = $prev
Security.RequireHttps = 0
# DEVELOPMENT SETTING: the dashboard is served over plain http on 127.0.0.1,
# so the session cookie must not be Secure-only. Production keeps the default 1.
Security.CookieSecure = 0
# DEVELOPMENT SETTING: allow deliveries to loopback receivers. In production
# leave Delivery.AllowCidrs empty so private and loopback addresses are refused.
Delivery.AllowCidrs = 127.0.0.0/8, ::1/128
Delivery.RetrySchedule = 0,5s,5m,30m,2h,5h,10h,10h
Log.Level = info
EOF
		if [ -n "$extra" ]; then cat "$extra" >>"$tmp"; fi
	)
	mv -f "$tmp" "$file"
}

# hl_lighttpd_start VARDIR PORT CONFIG_FILE FCGI_BINARY [EXTRA_FILE]
#   lighttpd on 127.0.0.1:PORT; /webhook and /webhooks/... go to the FastCGI
#   app (the app routes on REQUEST_URI). Waits until HTTP answers.
#   EXTRA_FILE: lines appended to lighttpd's configuration.
hl_lighttpd_start() {
	local vardir="$1" port="$2" config="$3" fcgi="$4" extra="${5:-}"
	mkdir -p "$vardir/www" "$vardir/run" "$vardir/log"
	vardir="$(cd "$vardir" && pwd)"
	case "$config" in /*) ;; *) config="$(pwd)/$config" ;; esac
	case "$fcgi" in /*) ;; *) fcgi="$(pwd)/$fcgi" ;; esac
	[ -x "$fcgi" ] || hl_die "FastCGI binary not found or not executable: $fcgi"
	local conf="$vardir/lighttpd.conf" pidf="$vardir/run/lighttpd.pid"
	# Sanitizer builds: the FastCGI children get the report settings too.
	local sanitizer_env=""
	if [ -n "${ASAN_OPTIONS:-}" ]; then sanitizer_env+=", \"ASAN_OPTIONS\" => \"$ASAN_OPTIONS\""; fi
	if [ -n "${UBSAN_OPTIONS:-}" ]; then sanitizer_env+=", \"UBSAN_OPTIONS\" => \"$UBSAN_OPTIONS\""; fi
	local errlog="$vardir/log/lighttpd-error.log"
	local sock="$vardir/run/hookline-fcgi.sock"
	if [ "${#sock}" -gt 100 ]; then
		hl_die "FastCGI socket path too long for a unix socket (${#sock} > 100): $sock"
	fi
	if hl_pid_alive "$pidf"; then
		hl_die "lighttpd already running (pid $(cat "$pidf")): stop it first"
	fi
	if hl_port_in_use "$port"; then
		hl_die "port 127.0.0.1:$port is already in use: choose another HTTP port"
	fi
	cat >"$conf" <<EOF
# Written by scripts/lib.sh: a private development server on loopback only.
server.modules = ("mod_fastcgi", "mod_accesslog")
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$vardir/www"
server.errorlog = "$errlog"
# Standard error of the FastCGI processes (hookline.fcgi logs there);
# without it lighttpd sends it to /dev/null.
server.breakagelog = "$vardir/log/hookline-fcgi.log"
accesslog.filename = "$vardir/log/lighttpd-access.log"
server.pid-file = "$pidf"
server.tag = "hookline-dev"
# "/webhook" also matches "/webhooks/...": the app routes on REQUEST_URI.
fastcgi.server = (
	"/webhook" => ((
		"socket" => "$sock",
		"bin-path" => "$fcgi",
		"max-procs" => 4,
		"bin-environment" => ("HOOKLINE_CONFIG" => "$config"$sanitizer_env),
		"check-local" => "disable"
	))
)
EOF
	if [ -n "$extra" ]; then cat "$extra" >>"$conf"; fi
	lighttpd -tt -f "$conf" >&2 || hl_die "invalid lighttpd configuration $conf"
	hl_log "starting lighttpd on http://127.0.0.1:$port"
	# lighttpd daemonises; no inherited stdio for the daemon or its children.
	if ! lighttpd -f "$conf" </dev/null >>"$vardir/log/lighttpd-start.log" 2>&1; then
		cat "$vardir/log/lighttpd-start.log" >&2 || true
		tail -n 50 "$errlog" >&2 2>/dev/null || true
		hl_die "lighttpd failed to start"
	fi
	local i code
	for ((i = 0; i < 300; i++)); do
		code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			"http://127.0.0.1:$port/webhooks/events" 2>/dev/null || true)"
		if [ -n "$code" ] && [ "$code" != 000 ]; then
			return 0
		fi
		sleep 0.1
	done
	printf -- '--- %s ---\n' "$errlog" >&2
	tail -n 50 "$errlog" >&2 2>/dev/null || true
	hl_lighttpd_stop "$vardir"
	hl_die "lighttpd did not answer on 127.0.0.1:$port within 30 s"
}

# hl_lighttpd_stop VARDIR (lighttpd stops the FastCGI processes it spawned)
hl_lighttpd_stop() {
	local vardir="$1"
	if hl_pid_alive "$vardir/run/lighttpd.pid"; then
		hl_log "stopping lighttpd (pid $(cat "$vardir/run/lighttpd.pid"))"
	fi
	hl_kill_pidfile "$vardir/run/lighttpd.pid" lighttpd 30
	rm -f "$vardir"/run/hookline-fcgi.sock*
}

# hl_apache_start VARDIR PORT CONFIG_FILE FCGI_BINARY [EXTRA_FILE]: Apache httpd with
# mod_fcgid in front of hookline.fcgi, the second deployment target (see
# docs/operations.md). Loopback only; Apache refuses to serve as root, so the
# FastCGI processes run as www-data and need read access to the config,
# templates and the MariaDB socket directory. EXTRA_FILE (optional): lines
# appended to Apache's configuration.
hl_apache_start() {
	local vardir="$1" port="$2" config="$3" fcgi="$4" extra="${5:-}"
	local mods=/usr/lib/apache2/modules
	mkdir -p "$vardir/www" "$vardir/run/fcgid" "$vardir/log"
	vardir="$(cd "$vardir" && pwd)"
	case "$config" in /*) ;; *) config="$(pwd)/$config" ;; esac
	case "$fcgi" in /*) ;; *) fcgi="$(pwd)/$fcgi" ;; esac
	local conf="$vardir/apache.conf" pidf="$vardir/run/apache.pid"
	local errlog="$vardir/log/apache-error.log"
	# Sanitizer builds: the report settings without log_path (the FastCGI
	# processes run as www-data and may not write there); mod_fcgid puts
	# their standard error in the error log.
	local sanitizer_env="" var val
	for var in ASAN_OPTIONS UBSAN_OPTIONS; do
		val="${!var:-}"
		[ -n "$val" ] || continue
		val="$(printf '%s' "$val" | sed -e 's/log_path=[^:]*:\{0,1\}//' -e 's/:$//')"
		sanitizer_env+="FcgidInitialEnv $var \"$val\""$'\n'
	done
	if hl_port_in_use "$port"; then
		hl_die "port 127.0.0.1:$port is already in use: choose another HTTP port"
	fi
	chown www-data "$vardir/run/fcgid"
	chmod o+x "$vardir" "$vardir/run"
	chmod o+r "$config"
	cat >"$conf" <<EOF2
# Written by scripts/lib.sh: Apache + mod_fcgid on loopback only.
ServerRoot "$vardir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$pidf"
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule alias_module $mods/mod_alias.so
LoadModule fcgid_module $mods/mod_fcgid.so
ErrorLog "$errlog"
LogFormat "%h %t \"%r\" %>s %b %D" timed
CustomLog "$vardir/log/apache-access.log" timed
DocumentRoot "$vardir/www"
FcgidIPCDir "$vardir/run/fcgid"
FcgidProcessTableFile "$vardir/run/fcgid/shm"
# At least Web.MaxBodyBytes: the 128 KiB default answers larger bodies with 500.
FcgidMaxRequestLen 2097152
FcgidMaxProcessesPerClass 4
FcgidInitialEnv HOOKLINE_CONFIG "$config"
${sanitizer_env}AliasMatch "^/webhooks?(/.*)?\$" "$fcgi"
<Directory "$(dirname "$fcgi")">
	<Files "$(basename "$fcgi")">
		SetHandler fcgid-script
		Options +ExecCGI
		# Pass the Authorization header to the application.
		CGIPassAuth On
		Require all granted
	</Files>
</Directory>
EOF2
	if [ -n "$extra" ]; then cat "$extra" >>"$conf"; fi
	apache2 -t -f "$conf" >&2 2>&1 || hl_die "invalid Apache configuration $conf"
	hl_log "starting Apache (mod_fcgid) on http://127.0.0.1:$port"
	apache2 -f "$conf" -k start </dev/null >>"$vardir/log/apache-start.log" 2>&1 ||
		{ cat "$vardir/log/apache-start.log" >&2; hl_die "Apache failed to start"; }
	local i code
	for ((i = 0; i < 300; i++)); do
		code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			"http://127.0.0.1:$port/webhooks/events" 2>/dev/null || true)"
		if [ -n "$code" ] && [ "$code" != 000 ]; then
			return 0
		fi
		sleep 0.1
	done
	tail -n 50 "$errlog" >&2 2>/dev/null || true
	hl_apache_stop "$vardir"
	hl_die "Apache did not answer on 127.0.0.1:$port within 30 s"
}

hl_apache_stop() {
	local vardir="$1"
	[ -f "$vardir/apache.conf" ] || return 0
	if [ -f "$vardir/run/apache.pid" ]; then
		apache2 -f "$vardir/apache.conf" -k stop >/dev/null 2>&1 || true
		hl_kill_pidfile "$vardir/run/apache.pid" Apache 30 >/dev/null 2>&1 || true
	fi
}
