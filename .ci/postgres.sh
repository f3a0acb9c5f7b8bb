#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests and prints its URL:
#
#   TEST_DATABASE_URL=$(bash .ci/postgres.sh) go test ./internal/store/...
#
# The server listens on 127.0.0.1 only, on the first free port from
# $PGPORT_START (default 55432), with trust authentication; fsync is off,
# since nothing in it has to survive. Its data is in
# $TMPDIR/oauth-reference-postgres.PORT, a directory made with mkdir before
# initdb runs: mkdir fails when the directory exists, so two jobs starting
# at once cannot both claim a port, and the second moves on to the next.
# The server keeps running after this script exits;
#
#   bash .ci/postgres.sh stop "$TEST_DATABASE_URL"    # or: stop PORT
#
# stops that server alone (and removes its data, releasing the port): never
# another one, such as a concurrent CI job's or a developer's long-lived
# test database. When pg_ctl cannot stop it, stop says so, keeps the data
# and exits 1.
#
# Run as root (CI), it runs PostgreSQL as the "postgres" user, and installs
# the Debian package first if no PostgreSQL is there. Run as anyone else, it
# runs PostgreSQL as that user.
set -euo pipefail

db=oauth_test
state_dir=${TMPDIR:-/tmp}

log() { echo "postgres.sh: $*" >&2; }

# pg_bin prints the bin directory of the newest installed PostgreSQL.
pg_bin() {
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [[ -z $dir && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "installing postgresql"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 ||
			{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; }
		dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	if [[ -z $dir ]]; then
		log "no PostgreSQL under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
		exit 1
	fi
	echo "$dir"
}

# as_owner runs a command as the user who owns the server.
as_owner() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# claim_dir is the directory that holds the data of the server on port $1:
# whoever made it owns that port.
claim_dir() { echo "$state_dir/oauth-reference-postgres.$1"; }

# stop URL|PORT: stops the server that start printed URL for (the one on
# PORT), found by the directory start claimed for its port, and removes its
# data.
stop() {
	local port=${1:-} base
	port=${port##*@127.0.0.1:} port=${port%%/*}
	base=$(claim_dir "$port")
	if [[ ! $port =~ ^[0-9]+$ || ! -d $base/data ]]; then
		log "no server this script started for '${1:-}' (${base}); usage: postgres.sh stop URL|PORT"
		exit 2
	fi
	if ! as_owner "$(pg_bin)/pg_ctl" stop -D "$base/data" -m fast >&2; then
		log "could not stop the server on port $port; its data is left in $base"
		exit 1
	fi
	rm -rf "$base"
}

# abandon DIR BIN stops the half-started server whose claimed directory is
# DIR, if it runs, with pg_ctl from BIN, and removes DIR, so a start that
# fails releases its port.
abandon() {
	as_owner "$2/pg_ctl" stop -D "$1/data" -m immediate >/dev/null 2>&1 || true
	rm -rf "$1"
}

start() {
	local bin port base data
	bin=$(pg_bin)
	port=${PGPORT_START:-55432}
	# The port is claimed (mkdir) before initdb, which takes seconds.
	while ! port_free "$port" || ! mkdir "$(claim_dir "$port")" 2>/dev/null; do
		port=$((port + 1))
	done
	base=$(claim_dir "$port")
	data=$base/data
	# (expanded now: the trap runs outside this function, without its locals)
	trap "abandon $(printf '%q %q' "$base" "$bin")" EXIT
	if [[ $(id -u) == 0 ]]; then
		chown postgres: "$base"
	fi
	as_owner "$bin/initdb" --pgdata="$data" --username=postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
	as_owner "$bin/pg_ctl" start --wait --pgdata="$data" --log="$base/server.log" \
		--options="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$base' \
			-c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
	"$bin/createdb" --host=127.0.0.1 --port="$port" --username=postgres "$db" >&2
	trap - EXIT
	log "started on 127.0.0.1:$port, data in $data; stop with: bash .ci/postgres.sh stop $port"
	echo "postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
}

case ${1:-start} in
start) start ;;
stop) stop "${2:-}" ;;
*)
	log "usage: postgres.sh [start | stop URL|PORT]"
	exit 2
	;;
esac
