#!/usr/bin/env bash
# Throwaway database servers and an AWS API emulator on loopback, for the
# tests in tests/databases.rs and tests/aws.rs.
#
#   scripts/test-services.sh start   install what is missing, start everything,
#                                    write the env file the tests read
#   scripts/test-services.sh stop    stop everything and delete the state
#   scripts/test-services.sh env     print the env file's path
#
# What runs (each in its own temporary directory, listening on 127.0.0.1 only):
#   PostgreSQL  (Debian package postgresql)   log_statement=all into a log file
#   MariaDB     (Debian package mariadb-server)
#   Redis       (Debian package redis-server)
#   moto        (PyPI moto[server]), the AWS API emulator, with a request log
#
# PostgreSQL and MariaDB refuse to run as root: as root, they run as the
# `postgres` / `mysql` system users their packages create.
#
# State lives in $BLASTRADIUS_SERVICES_DIR (default: $TMPDIR/blastradius-services);
# the tests find the env file at $BLASTRADIUS_SERVICES_DIR/env.
set -euo pipefail

STATE="${BLASTRADIUS_SERVICES_DIR:-${TMPDIR:-/tmp}/blastradius-services}"
ENV_FILE="$STATE/env"
ADMIN_PASSWORD="br-admin-$(date +%s)-$$"

log() { echo "test-services: $*" >&2; }
die() { log "$*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

pg_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/postgres" ] && { echo "$d"; return; }
    done
    command -v postgres >/dev/null 2>&1 && dirname "$(command -v postgres)"
}

have_mariadb() { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; }
mariadbd_bin() { command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd; }
have_redis() { command -v redis-server >/dev/null 2>&1; }
have_moto() { python3 -c 'import moto.server, flask, flask_cors, boto3' >/dev/null 2>&1; }

install_missing() {
    local pkgs=()
    [ -n "$(pg_bindir)" ] || pkgs+=(postgresql)
    have_mariadb || pkgs+=(mariadb-server mariadb-client)
    have_redis || pkgs+=(redis-server)
    command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
    if [ ${#pkgs[@]} -gt 0 ]; then
        is_root || die "missing: ${pkgs[*]} — install them (apt-get install ${pkgs[*]}) or run this as root"
        log "installing ${pkgs[*]}"
        # Keep package scripts from starting system-wide services.
        local policy=/usr/sbin/policy-rc.d made_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
        fi
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
        [ "$made_policy" = 1 ] && rm -f "$policy"
    fi
    if ! have_moto; then
        log "installing moto[server] and boto3 from PyPI"
        python3 -m pip install -q 'moto[server]' boto3 >/dev/null 2>&1 \
            || python3 -m pip install -q --break-system-packages 'moto[server]' boto3 >/dev/null
    fi
}

# Runs a command as the service user (root is refused by PostgreSQL).
as_user() {
    local user=$1
    shift
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$user" -- "$@"
        else
            su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

ensure_user() {
    local user=$1
    is_root || return 0
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
}

wait_for() {
    local what=$1 tries=$2
    shift 2
    local i
    for i in $(seq 1 "$tries"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    die "$what did not start; see $STATE"
}

start_postgres() {
    local bin user port dir
    bin=$(pg_bindir)
    [ -n "$bin" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
    user=$(is_root && echo postgres || id -un)
    ensure_user postgres
    port=$(free_port)
    dir="$STATE/pg"
    mkdir -p "$dir/sock"
    printf '%s\n' "$ADMIN_PASSWORD" >"$STATE/pg-pw"
    is_root && chown -R "$user" "$dir" "$STATE/pg-pw"
    chmod 700 "$dir"
    as_user "$user" "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$STATE/pg-pw" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >"$STATE/pg-initdb.log" 2>&1 \
        || die "initdb failed: $(tail -5 "$STATE/pg-initdb.log")"
    rm -f "$STATE/pg-pw"
    local ssl=()
    if command -v openssl >/dev/null 2>&1; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
            -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >/dev/null 2>&1
        is_root && chown "$user" "$dir/data/server.key" "$dir/data/server.crt"
        chmod 600 "$dir/data/server.key"
        ssl=(-c ssl=on)
    fi
    touch "$STATE/pg.log"
    is_root && chown "$user" "$STATE/pg.log"
    as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$STATE/pg.log" -w -t 30 start -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock \
         -c log_statement=all -c log_connections=on -c fsync=off \
         -c log_line_prefix='%m [%p] app=%a user=%u db=%d ' ${ssl[*]}" >/dev/null \
        || die "PostgreSQL did not start: $(tail -5 "$STATE/pg.log")"
    {
        echo "BR_PG_PORT=$port"
        echo "BR_PG_SOCKET_DIR=$dir/sock"
        echo "BR_PG_LOG=$STATE/pg.log"
        echo "BR_PG_BIN=$bin"
        echo "BR_PG_ADMIN_URL=postgres://postgres:$ADMIN_PASSWORD@127.0.0.1:$port/postgres"
        echo "BR_PG_SSL=$([ ${#ssl[@]} -gt 0 ] && echo on || echo off)"
    } >>"$ENV_FILE"
    log "PostgreSQL on 127.0.0.1:$port"
}

start_mariadb() {
    have_mariadb || die "MariaDB is not installed (apt-get install mariadb-server)"
    local user port dir
    user=$(is_root && echo mysql || id -un)
    ensure_user mysql
    port=$(free_port)
    dir="$STATE/mariadb"
    mkdir -p "$dir/data"
    is_root && chown -R "$user" "$dir"
    local install_db
    install_db=$(command -v mariadb-install-db || command -v mysql_install_db || echo /usr/bin/mariadb-install-db)
    as_user "$user" "$install_db" --no-defaults --datadir="$dir/data" --user="$user" \
        --auth-root-authentication-method=normal --skip-test-db >"$STATE/mariadb-install.log" 2>&1 \
        || die "mariadb-install-db failed: $(tail -5 "$STATE/mariadb-install.log")"
    cat >"$dir/init.sql" <<EOF
CREATE USER IF NOT EXISTS 'br_admin'@'127.0.0.1' IDENTIFIED BY '$ADMIN_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'br_admin'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
    is_root && chown "$user" "$dir/init.sql"
    as_user "$user" "$(mariadbd_bin)" --no-defaults --datadir="$dir/data" --port="$port" \
        --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
        --init-file="$dir/init.sql" --log-error="$STATE/mariadb.log" --skip-log-bin \
        --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --performance-schema=OFF \
        >/dev/null 2>&1 &
    wait_for MariaDB 150 test -S "$dir/mysqld.sock"
    {
        echo "BR_MYSQL_PORT=$port"
        echo "BR_MYSQL_ADMIN_USER=br_admin"
        echo "BR_MYSQL_ADMIN_PASSWORD=$ADMIN_PASSWORD"
        echo "BR_MYSQL_PID_FILE=$dir/mysqld.pid"
    } >>"$ENV_FILE"
    log "MariaDB on 127.0.0.1:$port"
}

start_redis() {
    have_redis || die "Redis is not installed (apt-get install redis-server)"
    local port dir
    port=$(free_port)
    dir="$STATE/redis"
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
        --requirepass "$ADMIN_PASSWORD" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$STATE/redis.log" >/dev/null
    wait_for Redis 50 redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$ADMIN_PASSWORD" ping
    {
        echo "BR_REDIS_PORT=$port"
        echo "BR_REDIS_PASSWORD=$ADMIN_PASSWORD"
        echo "BR_REDIS_PID_FILE=$dir/redis.pid"
    } >>"$ENV_FILE"
    log "Redis on 127.0.0.1:$port"
}

start_moto() {
    have_moto || die "moto is not installed (pip install 'moto[server]' boto3)"
    local port
    port=$(free_port)
    python3 -m moto.server -H 127.0.0.1 -p "$port" >"$STATE/moto.log" 2>&1 &
    echo $! >"$STATE/moto.pid"
    wait_for moto 150 python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')"
    {
        echo "BR_MOTO_URL=http://127.0.0.1:$port"
        echo "BR_MOTO_LOG=$STATE/moto.log"
        echo "BR_MOTO_PID_FILE=$STATE/moto.pid"
    } >>"$ENV_FILE"
    log "moto on 127.0.0.1:$port"
}

stop_all() {
    [ -d "$STATE" ] || return 0
    local bin pidf
    bin=$(pg_bindir || true)
    if [ -d "$STATE/pg/data" ] && [ -n "$bin" ]; then
        as_user "$(is_root && echo postgres || id -un)" "$bin/pg_ctl" -D "$STATE/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    for pidf in "$STATE/mariadb/mysqld.pid" "$STATE/redis/redis.pid" "$STATE/moto.pid"; do
        if [ -f "$pidf" ]; then
            kill "$(cat "$pidf")" 2>/dev/null || true
        fi
    done
    sleep 0.5
    rm -rf "$STATE"
}

case "${1:-}" in
start)
    stop_all
    install_missing
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    : >"$ENV_FILE"
    started=$(date +%s)
    start_postgres
    start_mariadb
    start_redis
    start_moto
    log "all services up in $(( $(date +%s) - started ))s; env file: $ENV_FILE"
    ;;
stop)
    stop_all
    log "stopped"
    ;;
env)
    echo "$ENV_FILE"
    ;;
*)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
