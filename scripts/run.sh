#!/usr/bin/env bash
# scripts/run.sh — what `make run` runs: the provider, then (once its /readyz
# answers) the client, each log line prefixed with its name. Ctrl-C (or
# SIGTERM) stops exactly these two processes — each drains its requests and
# exits 0 — and then this script exits 0. Nothing else is signalled. The
# README's "Operating it" says what make then reports.
#
# Settings: the same environment (and .env) the programs read. BIN (default
# ./bin) is where `make build` put them.
set -uo pipefail

# in_terminal_foreground: whether standard input is a terminal and this
# script is in its foreground process group, where a typed Ctrl-C lands.
in_terminal_foreground() {
	[ -t 0 ] || return 1
	local ids
	ids=$(ps -o pgid=,tpgid= -p $$ 2>/dev/null) || return 1
	set -- $ids
	[ "$#" -eq 2 ] && [ "$1" = "$2" ]
}

# Under `make run` in a terminal, Ctrl-C is sent to the whole foreground
# process group, make included, and GNU make answers SIGINT by waiting for
# its recipe and then killing itself with SIGINT: status 130, however
# cleanly the recipe stopped. So in a terminal this script runs itself
# again as a job of its own process group and hands that job the terminal
# (what a shell's `fg` does): Ctrl-C then reaches only the job — this
# script's second run and its two programs — and make sees it exit 0. Ctrl-Z
# stops the job, then make too, so the shell's `fg` resumes both. Without a
# terminal (a script, CI) there is no Ctrl-C to redirect: the script runs
# in make's process group and a signal to that group reaches both.
if [ -z "${RUN_SH_PARENT:-}" ] && in_terminal_foreground; then
	set -m # job control: a job gets its own process group and, in the foreground, the terminal
	RUN_SH_PARENT=$$ bash "$0" "$@" &
	fg >/dev/null
	status=$?
	while [ -n "$(jobs -s)" ]; do # the job was stopped (Ctrl-Z)
		kill -TSTP 0               # stop make's group too, this shell included
		fg >/dev/null
		status=$?
	done
	exit "$status"
fi

BIN=${BIN:-./bin}
mkdir -p data

# dotenv NAME: prints the value the .env file of the working directory gives
# NAME, as the programs read it (godotenv), for the plain lines a .env
# holds: NAME=value, after spaces and an optional "export ", the value
# optionally in single or double quotes, an unquoted one cut at its last
# " #" (a comment); the last line for NAME wins. It does not read what godotenv
# also does: "NAME: value", spaces around the "=", escapes and ${VAR} in
# double quotes, a quoted value over several lines.
dotenv() {
	[ -r .env ] || return 0
	local line value= pattern="^[[:space:]]*(export[[:space:]]+)?$1=(.*)$"
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ $pattern ]] || continue
		value=${BASH_REMATCH[2]%$'\r'}
		if [[ $value =~ ^\"([^\"]*)\" || $value =~ ^\'([^\']*)\' ]]; then
			value=${BASH_REMATCH[1]}
		else
			value=${value%[[:space:]]#*}
			value=${value%"${value##*[![:space:]]}"}
		fi
	done <.env
	printf '%s\n' "$value"
}

# setting NAME DEFAULT: prints the value the programs use for NAME: the
# environment's when NAME is set there (it wins over .env), else .env's,
# and DEFAULT when that is empty (an empty setting means its default).
setting() {
	local value
	if [ -n "${!1+set}" ]; then value=${!1}; else value=$(dotenv "$1"); fi
	printf '%s\n' "${value:-$2}"
}

# The programs' own listen addresses, :8080 and :3000, are every interface
# (a container needs that). Here the demo's public passwords stay on this
# machine: each listens on 127.0.0.1 unless PROVIDER_ADDR or CLIENT_ADDR is
# set, in the environment or in .env (then nothing is exported: the
# environment would win over the .env line). IPv4 only, as one address per
# program is what PROVIDER_ADDR holds: where localhost resolves to ::1
# first, browsers, curl and Go's dialer (the client's back channel to
# http://localhost:8080) try 127.0.0.1 at once when ::1 refuses.
# TestE2ERunScriptListensOnLoopback checks that.
[ -n "$(setting PROVIDER_ADDR '')" ] || export PROVIDER_ADDR=127.0.0.1:8080
[ -n "$(setting CLIENT_ADDR '')" ] || export CLIENT_ADDR=127.0.0.1:3000

# start NAME: run $BIN/NAME in the background with its output prefixed,
# under a keeper: a subshell that ignores SIGINT and SIGTERM, waits for the
# program and writes its exit status to data/.NAME.status. The keeper (and
# the prefixing sed, which inherits that) outlives any signal, so neither a
# Ctrl-C nor a signal to the whole process group can cut the program's last
# log lines (its shutdown) off or end it by SIGPIPE as it writes them; and
# the status comes from a wait no signal can cut short: this script's own
# `wait` can come back with 128+n, or -1, instead of the program's status
# when a signal arrives about then (make passes a second SIGTERM on after
# one sent to its whole group). The program itself catches both signals
# (service.ShutdownContext: Go installs its handlers for them whatever it
# inherits). Its pid goes into the variable NAME_pid, the keeper's into
# NAME_keeper.
start() {
	local name=$1
	rm -f "data/.$name.status" "data/.$name.pid"
	(
		trap '' INT TERM
		"$BIN/$name" > >(exec sed -u "s/^/[$name] /") 2>&1 &
		echo "$!" > "data/.$name.pid"
		wait "$!"
		echo "$?" > "data/.$name.status"
	) &
	printf -v "${name}_keeper" '%s' "$!"
	until [ -s "data/.$name.pid" ]; do sleep 0.01; done
	printf -v "${name}_pid" '%s' "$(cat "data/.$name.pid")"
}

# await NAME: returns once NAME's keeper has ended. A signal may cut a
# `wait` short; then it waits again.
await() {
	local keeper=$1_keeper
	while kill -0 "${!keeper}" 2>/dev/null; do
		wait "${!keeper}"
	done
}

provider_pid= client_pid= provider_keeper= client_keeper=
# stop [STATUS]: stops the programs this script started, waits for each
# to end, and exits: with STATUS when given (a program that did not
# start), else 0 if both exited 0, else with the status of one that did not.
stop() {
	trap '' INT TERM
	echo "stopping (each program finishes its requests in flight, up to 10 s)..."
	local status=0
	for pid in $client_pid $provider_pid; do
		kill -TERM "$pid" 2>/dev/null
	done
	local name s
	for name in ${client_pid:+client} ${provider_pid:+provider}; do
		await "$name"
		s=$(cat "data/.$name.status" 2>/dev/null)
		[ "${s:-1}" -eq 0 ] || status=${s:-1}
	done
	if [ "$status" -eq 0 ]; then echo "stopped."; else echo "a program exited with status $status"; fi
	exit "${1:-$status}"
}
trap stop INT TERM

# alive NAME: whether the program NAME this script started still runs.
alive() {
	local pid_var=$1_pid
	kill -0 "${!pid_var}" 2>/dev/null
}

# wait_ready NAME: waits up to 30 s for $BIN/NAME's /readyz (its
# healthcheck) while the program this script started runs: an answer
# counts only while that program is alive, as the health check asks the
# address, whoever listens there. Fails, saying why, if the program exits
# first or is not ready by then.
wait_ready() {
	for _ in $(seq 100); do
		alive "$1" || { echo "the $1 did not start: it exited (its log: the [$1] lines above)"; return 1; }
		"$BIN/$1" healthcheck 2>/dev/null && alive "$1" && return 0
		sleep 0.3
	done
	echo "the $1 did not start: its /readyz was not ready after 30 s (its log: the [$1] lines above)"
	return 1
}

# check_free NAME ADDR: fails, saying so, when something already listens
# on the listen address ADDR of the program NAME (another `make run`,
# say), which would otherwise answer wait_ready's health check for it. As
# the health check does, it asks 127.0.0.1 for an address without a host
# or on every interface.
check_free() {
	local host=${2%:*} port=${2##*:}
	host=${host#\[} host=${host%\]}
	case $host in "" | 0.0.0.0 | ::) host=127.0.0.1 ;; esac
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		echo "the $1 did not start: $2 is in use (another \`make run\`?)"
		return 1
	fi
}

# client_origin prints the origin (scheme, host and port) of the client's
# REDIRECT_URI: where the client serves its pages.
client_origin() {
	local uri rest
	uri=$(setting REDIRECT_URI http://localhost:3000/callback)
	rest=${uri#*://}
	printf '%s\n' "${uri%%://*}://${rest%%[/?#]*}"
}

# sign_in prints whom to sign in as: the demo user's name, and its password
# only when that is the public default "demo": one set in OAUTH_PASSWORD
# is never printed (this output ends up in terminals and CI logs).
sign_in() {
	local user
	user=$(setting OAUTH_USERNAME demo)
	if [ "$(setting OAUTH_PASSWORD demo)" = demo ]; then
		printf '%s / demo\n' "$user"
	else
		printf '%s (with the password you set)\n' "$user"
	fi
}

check_free provider "$(setting PROVIDER_ADDR '')" && check_free client "$(setting CLIENT_ADDR '')" || exit 1
start provider
wait_ready provider || stop 1
start client
wait_ready client || stop 1
echo "open $(client_origin) — sign in as $(sign_in) (Ctrl-C stops both)"
# running: whether both programs, and the first run of this script (if any:
# it ends when make is told to stop with SIGTERM), are still there.
running() {
	kill -0 "$provider_pid" 2>/dev/null && kill -0 "$client_pid" 2>/dev/null &&
		{ [ -z "${RUN_SH_PARENT:-}" ] || kill -0 "$RUN_SH_PARENT" 2>/dev/null; }
}
# Wait for Ctrl-C, or for either program (or the first run) to end.
while running; do
	sleep 0.5 & wait $!
done
stop
