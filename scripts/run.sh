#!/usr/bin/env bash
# scripts/run.sh — what `make run` runs: the provider, then (once its /readyz
# answers) the client, each log line prefixed with its name. Ctrl-C (or
# SIGTERM) stops exactly these two processes — each drains its requests and
# exits 0 — and then this script exits 0. Nothing else is signalled.
#
# Settings: the same environment (and .env) the programs read. BIN (default
# ./bin) is where `make build` put them.
set -uo pipefail
BIN=${BIN:-./bin}
mkdir -p data

# start NAME: run $BIN/NAME in the background with its output prefixed.
# The prefixing sed ignores SIGINT, so a Ctrl-C cannot cut the program's
# last log lines (its shutdown) off; it ends when the program closes its
# output. The program's pid goes into the variable NAME_pid.
start() {
	local name=$1
	"$BIN/$name" > >(trap '' INT; exec sed -u "s/^/[$name] /") 2>&1 &
	printf -v "${name}_pid" '%s' "$!"
}

provider_pid= client_pid=
stop() {
	trap '' INT TERM
	echo "stopping (each program finishes its requests in flight, up to 10 s)..."
	local status=0
	for pid in $client_pid $provider_pid; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $client_pid $provider_pid; do
		wait "$pid" || status=$?
	done
	wait # the log prefixers
	if [ "$status" -eq 0 ]; then echo "stopped."; else echo "a program exited with status $status"; fi
	exit "$status"
}
trap stop INT TERM

start provider
for _ in $(seq 100); do # up to 30 s for the provider's /readyz
	"$BIN/provider" healthcheck 2>/dev/null && break
	kill -0 "$provider_pid" 2>/dev/null || { wait "$provider_pid"; echo "the provider did not start"; exit 1; }
	sleep 0.3
done
start client
for _ in $(seq 100); do
	"$BIN/client" healthcheck 2>/dev/null && break
	kill -0 "$client_pid" 2>/dev/null || { echo "the client did not start"; stop; }
	sleep 0.3
done
origin=${REDIRECT_URI:-http://localhost:3000/callback}
origin=${origin%/callback}
echo "open $origin — sign in as ${OAUTH_USERNAME:-demo} / ${OAUTH_PASSWORD:-demo} (Ctrl-C stops both)"
# Wait for Ctrl-C, or for either program to end on its own.
while kill -0 "$provider_pid" 2>/dev/null && kill -0 "$client_pid" 2>/dev/null; do
	sleep 0.5 & wait $!
done
stop
