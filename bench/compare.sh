#!/usr/bin/env bash
# bench/compare.sh: the same load, side by side, against three set-ups in
# front of one upstream, all on 127.0.0.1:
#
#   (a) Caddy reverse_proxy, no auth
#   (b) Caddy instagram_auth (this plugin) with a valid session cookie
#   (c) Caddy forward_auth to oauth2-proxy v7.15.4 holding a valid session
#   (d) with FLOOR=1: Caddy reverse_proxy setting the very headers (b) sets,
#       with request_header and no auth: what forwarding them costs Caddy,
#       the floor under (b)
#   (e) with CLUSTER=1: (b) as a cluster member: session_idle on, and its
#       storage holding 10,000 revocations (a busy day of logouts), which
#       it keeps in memory and syncs in the background
#   (f) with ASSERTION=1: (b) with assertion_header: every request also
#       carries the signed assertion (one per session, cached, signed again
#       when half of its 5 minutes are gone)
#   (g) with BEARER=1: Caddy instagram_auth with allow_bearer, requests
#       carrying an app's Instagram token (Authorization: Bearer, from the
#       mock's developer page) and no cookie: answered from the plugin's
#       memory of Instagram's answer, asked once per process
#
# Each set-up is its own Caddy process, started afresh every round and
# warmed up unrecorded. The load is wrk with a fixed number of connections
# for a fixed time, alternated round by round (a b c, b c a, c a b, ...),
# and the ratios are medians of per-round ratios, so that drift of the
# machine, and any one process's luck, hits the three alike. Every answer that is not a 200
# is counted (a 302 to a login page included); any at all makes the run
# INVALID (exit status 1). The CPU time each set-up's processes spent per
# request is shown too: it is steadier than req/s when other work shares the
# machine (the share of CPU other processes took is printed). Then the Caddy
# processes' RSS is read around 100,000 requests at (a) and at (b), with one
# session and then cycling many (the plugin keeps no per-session state).
#
# The last line printed is: ratios: plugin/bare=0.93 plugin/oauth2-proxy=4.10
#
# Usage: bench/compare.sh          (from anywhere; needs Go, curl, and wrk,
#                                   which it installs with apt-get if missing)
# Environment:
#   ROUNDS=21          rounds (each runs a, b and c once)
#   DURATION=3         seconds of load per set-up per round
#   CONNECTIONS=16     wrk connections;  THREADS=2  wrk threads
#   WARMUP=2           seconds of load per set-up once, before round 1
#   FLOOR=0            1: measure (d) too, and print plugin/floor
#   CLUSTER=0          1: measure (e) too, and print cluster/bare
#   ASSERTION=0        1: measure (f) too, and print assertion/bare
#   BEARER=0           1: measure (g) too, and print bearer/bare
#   RESTART=1          new Caddy processes for (a), (b) and (c) every round,
#                      each warmed for ROUND_WARMUP=1 s unrecorded (0: one
#                      process per set-up for the whole run)
#   MEM_REQUESTS=100000  requests per memory measurement (0: skip it)
#   SESSIONS=1000      distinct sessions for the memory check over sessions
#   BASE_PORT=18400    ports BASE_PORT+1 .. BASE_PORT+11 are used
#   CADDY=path         a Caddy with the plugin and instagram_mock
#                      (default: go build ./cmd/caddy into bench/.cache/)
#   OAUTH2_PROXY=path  an oauth2-proxy binary (default: built once from the Go
#                      module proxy, about 3 minutes, kept in bench/.cache/)
#   KEEP_WORK=1        keep the temporary directory (configs, logs; it is
#                      kept anyway when the script fails)
# Exit status: 0 done, 1 INVALID (some answer was not a 200), 2 failed.
set -euo pipefail

readonly OAUTH2_PROXY_VERSION=v7.15.4

ROUNDS=${ROUNDS:-21}
DURATION=${DURATION:-3}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2}
RESTART=${RESTART:-1}
FLOOR=${FLOOR:-0}
CLUSTER=${CLUSTER:-0}
ASSERTION=${ASSERTION:-0}
BEARER=${BEARER:-0}
ROUND_WARMUP=${ROUND_WARMUP:-1}
MEM_REQUESTS=${MEM_REQUESTS:-100000}
SESSIONS=${SESSIONS:-1000}
BASE_PORT=${BASE_PORT:-18400}
CADDY=${CADDY:-}
OAUTH2_PROXY=${OAUTH2_PROXY:-}
KEEP_WORK=${KEEP_WORK:-}

die() {
	echo "compare.sh: $*" >&2
	exit 2
}
note() { echo "compare.sh: $*" >&2; }

for v in ROUNDS DURATION CONNECTIONS THREADS WARMUP RESTART FLOOR CLUSTER ASSERTION BEARER ROUND_WARMUP MEM_REQUESTS SESSIONS BASE_PORT; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((ROUNDS >= 1 && DURATION >= 1 && CONNECTIONS >= 1 && THREADS >= 1 && ROUND_WARMUP >= 1)) ||
	die "ROUNDS, DURATION, CONNECTIONS, THREADS and ROUND_WARMUP must be at least 1"
((RESTART <= 1)) || die "RESTART is 1 (new Caddy processes every round) or 0"
((FLOOR <= 1)) || die "FLOOR is 1 (measure set-up (d) too) or 0"
setups=(a b c)
((FLOOR == 0)) || setups+=(d)
((CLUSTER <= 1)) || die "CLUSTER is 1 (measure set-up (e) too) or 0"
((CLUSTER == 0)) || setups+=(e)
((ASSERTION <= 1)) || die "ASSERTION is 1 (measure set-up (f) too) or 0"
((ASSERTION == 0)) || setups+=(f)
((BEARER <= 1)) || die "BEARER is 1 (measure set-up (g) too) or 0"
((BEARER == 0)) || setups+=(g)
((CONNECTIONS >= THREADS)) || die "CONNECTIONS must be at least THREADS"
((DURATION <= 600 && WARMUP <= 600 && ROUNDS <= 1000)) ||
	die "DURATION and WARMUP are at most 600 s, ROUNDS at most 1000"
((SESSIONS >= 1 && SESSIONS <= 100000)) || die "SESSIONS must be between 1 and 100000"
((BASE_PORT >= 1024 && BASE_PORT <= 65000)) || die "BASE_PORT must be between 1024 and 65000"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cache=$here/.cache
started=$SECONDS
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- cleanup: every process this script starts is in pids --------------------
pids=()
declare -A pid=() # by name, for the servers
work=
o2p_build=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local p i
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	# Ten seconds to stop, then SIGKILL.
	for ((i = 0; i < 100; i++)); do
		for p in "${pids[@]}"; do
			if kill -0 "$p" 2>/dev/null; then
				sleep 0.1
				continue 2
			fi
		done
		break
	done
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[[ -z $o2p_build ]] || rm -rf "$o2p_build"
	if [[ -n $work ]]; then
		if [[ -n $KEEP_WORK || $rc == 2 ]]; then
			note "kept $work (configs and logs)"
		else
			rm -rf "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

work=$(mktemp -d "${TMPDIR:-/tmp}/caddy-instagram-bench.XXXXXX")
mkdir -p "$cache" "$work/bin" "$work/xdg"

# --- tools --------------------------------------------------------------------
command -v go >/dev/null || die "Go is needed (https://go.dev/dl/)"
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
if ! command -v wrk >/dev/null; then
	note "installing wrk with apt-get"
	sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get install -y -qq wrk >/dev/null 2>&1 ||
		{ "${sudo[@]}" apt-get update -qq >/dev/null && "${sudo[@]}" apt-get install -y -qq wrk >/dev/null; } ||
		die "could not install wrk"
fi

# oauth2-proxy: built once from the Go module proxy, in a scratch module under
# a temporary directory, then kept in bench/.cache/ (git-ignored).
o2p_cached=$cache/oauth2-proxy-$OAUTH2_PROXY_VERSION
o2p_build_pid=
if [[ -z $OAUTH2_PROXY && ! -x $o2p_cached ]]; then
	note "building oauth2-proxy $OAUTH2_PROXY_VERSION from the Go module proxy (once, a few minutes)"
	o2p_build=$(mktemp -d "${TMPDIR:-/tmp}/oauth2-proxy-build.XXXXXX")
	(
		cd "$o2p_build"
		go mod init bench.local/oauth2-proxy
		timeout 1500 go get -tool "github.com/oauth2-proxy/oauth2-proxy/v7@$OAUTH2_PROXY_VERSION"
		GOBIN=$o2p_build/bin timeout 1500 go install github.com/oauth2-proxy/oauth2-proxy/v7
	) >"$work/oauth2-proxy-build.log" 2>&1 &
	o2p_build_pid=$!
	pids+=("$o2p_build_pid")
fi

if [[ -z $CADDY ]]; then
	[[ -f $root/cmd/caddy/main.go ]] || die "no $root/cmd/caddy to build; set CADDY=/path/to/caddy"
	note "building Caddy with the plugin (./cmd/caddy)"
	(cd "$root" && timeout 1200 go build -o "$cache/caddy" ./cmd/caddy) || die "building ./cmd/caddy failed"
	CADDY=$cache/caddy
fi
[[ -x $CADDY ]] || die "CADDY=$CADDY is not an executable"
(cd "$root" && timeout 600 go build -o "$work/bin/" ./bench/upstream ./bench/fakefb ./bench/login) ||
	die "building the bench helpers failed"

if [[ -n $o2p_build_pid ]]; then
	if ! wait "$o2p_build_pid"; then
		tail -n 20 "$work/oauth2-proxy-build.log" >&2
		die "building oauth2-proxy failed"
	fi
	kept=()
	for pid in "${pids[@]}"; do
		[[ $pid == "$o2p_build_pid" ]] || kept+=("$pid")
	done
	pids=("${kept[@]}")
	mv "$o2p_build/bin/oauth2-proxy" "$o2p_cached"
	rm -rf "$o2p_build"
	o2p_build=
fi
OAUTH2_PROXY=${OAUTH2_PROXY:-$o2p_cached}
[[ -x $OAUTH2_PROXY ]] || die "OAUTH2_PROXY=$OAUTH2_PROXY is not an executable"

# --- servers ------------------------------------------------------------------
p_up=$((BASE_PORT + 1))   # upstream
p_a=$((BASE_PORT + 2))    # (a) bare Caddy
p_b=$((BASE_PORT + 3))    # (b) Caddy + instagram_auth
p_c=$((BASE_PORT + 4))    # (c) Caddy + forward_auth
p_mock=$((BASE_PORT + 5)) # mock Instagram (its own Caddy, out of (b)'s RSS)
p_fb=$((BASE_PORT + 6))   # fake Facebook for oauth2-proxy
p_o2p=$((BASE_PORT + 7))  # oauth2-proxy
p_d=$((BASE_PORT + 8))    # (d) Caddy + request_header, with FLOOR=1
p_e=$((BASE_PORT + 9))    # (e) Caddy + instagram_auth as a cluster member, with CLUSTER=1
p_f=$((BASE_PORT + 10))   # (f) Caddy + instagram_auth with assertion_header, with ASSERTION=1
p_g=$((BASE_PORT + 11))   # (g) Caddy + instagram_auth with allow_bearer, with BEARER=1

for p in "$p_up" "$p_a" "$p_b" "$p_c" "$p_mock" "$p_fb" "$p_o2p" "$p_d" "$p_e" "$p_f" "$p_g"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		die "port $p on 127.0.0.1 is taken; choose other ports with BASE_PORT="
	fi
done

# start NAME CMD...: runs CMD in the background, logging to $work/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=("$!")
	pid[$name]=$!
}

# ready NAME URL: waits (10 s at most) until URL answers at all.
ready() {
	local name=$1 url=$2 i
	for ((i = 0; i < 100; i++)); do
		if curl -s -o /dev/null --max-time 1 "$url"; then
			return 0
		fi
		if ! kill -0 "${pid[$name]}" 2>/dev/null; then
			tail -n 20 "$work/$name.log" >&2
			die "$name exited at start"
		fi
		sleep 0.1
	done
	tail -n 20 "$work/$name.log" >&2
	die "$name did not answer at $url within 10 s"
}

caddy_secret=$(head -c 32 /dev/urandom | base64)
o2p_secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') # 32 bytes of text

cat >"$work/a.Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1
}
http://127.0.0.1:$p_a {
	reverse_proxy 127.0.0.1:$p_up
}
EOF
# plugin_site writes the Caddyfile $1 of a set-up of instagram_auth on
# port $2, against the mock: (b); (e), (f) and (g) are (b) with the global
# options $3 and the instagram_auth lines $4 added.
plugin_site() {
	cat >"$work/$1.Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1$3
}
http://127.0.0.1:$2 {
	instagram_auth {
		client_id bench-app
		client_secret bench-secret
		authorize_url http://127.0.0.1:$p_mock/oauth/authorize
		token_url http://127.0.0.1:$p_mock/oauth/access_token
		userinfo_url http://127.0.0.1:$p_mock/me
		long_lived_token http://127.0.0.1:$p_mock/access_token
		cookie_secret $caddy_secret
		insecure_cookies$4
	}
	reverse_proxy 127.0.0.1:$p_up
}
EOF
}
nl=$'\n\t\t' # a new line of the instagram_auth block
# The script logs in 1,000 sessions from one address: no login_rate_limit.
plugin_site b "$p_b" "" "${nl}login_rate_limit off"
cat >"$work/c.Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1
}
http://127.0.0.1:$p_c {
	forward_auth 127.0.0.1:$p_o2p {
		uri /oauth2/auth
		copy_headers X-Auth-Request-User X-Auth-Request-Email
	}
	reverse_proxy 127.0.0.1:$p_up
}
EOF
# (d) sets the headers (b) sets, values of the same shape (the login below
# is user "bench": a 17-digit id, and the mock's 100-character tokens), and
# takes the cookie out as (b) does.
cat >"$work/d.Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1
}
http://127.0.0.1:$p_d {
	request_header X-Instagram-User-Id 17841400000000001
	request_header X-Instagram-Username bench
	request_header X-Instagram-Access-Token IGAA$(head -c 72 /dev/urandom | base64 -w0 | tr '+/' '-_')
	request_header -Cookie
	reverse_proxy 127.0.0.1:$p_up
}
EOF
# (e) is (b) with session_idle, and storage of its own (as a shared mount
# would be) holding 10,000 revocation records of this app, written as the
# plugin names them: instagram_auth/<app>/revoked/<bucket>/s-<until>-<id>.
plugin_site e "$p_e" $'\n\tstorage file_system '"$work/shared" "${nl}session_idle 1h${nl}login_rate_limit off"
# (f) is (b) with the signed assertion on.
plugin_site f "$p_f" "" "${nl}login_rate_limit off${nl}assertion_header X-Instagram-Assertion"
# (g) is (b) with allow_bearer; its requests carry a token, not a cookie.
plugin_site g "$p_g" "" "${nl}allow_bearer"
if ((CLUSTER)); then
	# A day of logouts, spread over the day's 144 ten-minute folders as the
	# instances would have written them: every 5 s (e) lists the newest one
	# or two, every 5 minutes all of them.
	app=$(printf 'bench-app\0_instagram_auth' | sha256sum | cut -c1-16)
	t=$(date +%s)
	revoked=$work/shared/instagram_auth/$app/revoked
	for ((i = 0; i < 144; i++)); do
		mkdir -p "$revoked/$((t - t % 600 - i * 600))"
	done
	{ od -An -tx1 -v -N $((10000 * 16)) /dev/urandom | tr -d ' \n' | fold -w 32 && echo; } | {
		i=0
		while read -r id; do
			if [[ -n $id ]]; then
				: >"$revoked/$((t - t % 600 - i % 144 * 600))/s-$((t + 86400))-$id"
				i=$((i + 1))
			fi
		done
	}
	[[ $(find "$revoked" -type f | wc -l) == 10000 ]] || die "could not write the 10,000 revocations of (e)"
fi
cat >"$work/mock.Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1
}
http://127.0.0.1:$p_mock {
	instagram_mock {
		client_id bench-app
		client_secret bench-secret
	}
}
EOF

# Caddy's storage and autosave go to the temporary directory; env execs
# Caddy, so the process started is Caddy itself (its RSS is read below).
caddy=(env "XDG_DATA_HOME=$work/xdg/data" "XDG_CONFIG_HOME=$work/xdg/config" "$CADDY" run --adapter caddyfile --config)

note "starting the upstream, the providers, oauth2-proxy, the mock and one Caddy process per set-up (${setups[*]})"
start upstream "$work/bin/upstream" -addr "127.0.0.1:$p_up"
start fakefb "$work/bin/fakefb" -addr "127.0.0.1:$p_fb" -client-id bench-client
start o2p "$OAUTH2_PROXY" \
	--http-address="127.0.0.1:$p_o2p" \
	--provider=facebook \
	--client-id=bench-client \
	--client-secret=bench-secret \
	--login-url="http://127.0.0.1:$p_fb/dialog/oauth" \
	--redeem-url="http://127.0.0.1:$p_fb/oauth/access_token" \
	--profile-url="http://127.0.0.1:$p_fb/me" \
	--validate-url="http://127.0.0.1:$p_fb/validate" \
	--redirect-url="http://127.0.0.1:$p_o2p/oauth2/callback" \
	--cookie-secret="$o2p_secret" \
	--cookie-secure=false \
	--email-domain='*' \
	--upstream=static://200 \
	--set-xauthrequest \
	--skip-provider-button \
	--request-logging=false
start mock "${caddy[@]}" "$work/mock.Caddyfile"

# The set-ups' own processes, whose CPU time is read around each load: the
# Caddy of each, and for (c) oauth2-proxy too.
declare -A procs=()

# start_setups / stop_setups: the set-ups' Caddy processes. They are
# started afresh every round (see RESTART): one process keeps its own small
# bias for its whole life (two identical bare Caddy processes differed by 4%
# here), which alternation alone cannot cancel; new processes each round
# turn that bias into noise that the median of the rounds removes.
declare -A url=([a]="http://127.0.0.1:$p_a/" [b]="http://127.0.0.1:$p_b/" [c]="http://127.0.0.1:$p_c/" [d]="http://127.0.0.1:$p_d/" [e]="http://127.0.0.1:$p_e/" [f]="http://127.0.0.1:$p_f/"
	[g]="http://127.0.0.1:$p_g/")
start_setups() {
	local s
	for s in "${setups[@]}"; do
		start "$s" "${caddy[@]}" "$work/$s.Caddyfile"
	done
	for s in "${setups[@]}"; do
		ready "$s" "${url[$s]}"
		procs[$s]=${pid[$s]}
	done
	procs[c]+=" ${pid[o2p]}"
}
stop_setups() {
	local s p kept=() stopped=" "
	for s in "${setups[@]}"; do
		kill "${pid[$s]}" 2>/dev/null || true
		stopped+="${pid[$s]} "
	done
	for s in "${setups[@]}"; do
		wait "${pid[$s]}" 2>/dev/null || true
	done
	# Forget the stopped pids, so that cleanup never signals a reused one.
	for p in "${pids[@]}"; do
		[[ $stopped == *" $p "* ]] || kept+=("$p")
	done
	pids=("${kept[@]}")
}

ready upstream "http://127.0.0.1:$p_up/"
ready fakefb "http://127.0.0.1:$p_fb/"
ready o2p "http://127.0.0.1:$p_o2p/ping"
ready mock "http://127.0.0.1:$p_mock/"
start_setups

# --- sessions -----------------------------------------------------------------
# (b): through the mock Instagram, as a browser would.
cookie_b=$(timeout 60 "$work/bin/login" -site "http://127.0.0.1:$p_b/") || die "logging in to (b) failed"
# (c): through oauth2-proxy and the fake Facebook, with curl and a cookie jar.
jar=$work/o2p.jar
code=$(curl -sS --max-time 10 -L --max-redirs 5 -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$p_o2p/oauth2/start?rd=%2F") || die "logging in to oauth2-proxy failed"
[[ $code == 200 ]] || die "logging in to oauth2-proxy ended in status $code (see $work/o2p.log)"
o2p_value=$(awk -F '\t' '$6 == "_oauth2_proxy" { print $7 }' "$jar")
[[ -n $o2p_value ]] || die "oauth2-proxy set no _oauth2_proxy cookie"
cookie_c="_oauth2_proxy=$o2p_value"

declare -A cookie name header
# (a) gets the very request (b) gets: the difference is the plugin alone.
cookie=([a]="$cookie_b" [b]="$cookie_b" [c]="$cookie_c" [d]="$cookie_b" [g]="")
name=([a]="(a) reverse_proxy, no auth" [b]="(b) instagram_auth" [c]="(c) forward_auth+oauth2-proxy" [d]="(d) the same headers, no auth"
	[e]="(e) cluster member, idle on" [f]="(f) instagram_auth + assertion" [g]="(g) bearer token, allow_bearer")
# (g): an app's token of the mock's app, as its developer page hands out.
if ((BEARER)); then
	token_g=$(curl -sS --max-time 10 "http://127.0.0.1:$p_mock/dev/token?username=bench&format=text") ||
		die "the mock's developer page gave no token"
	[[ $token_g =~ ^[A-Za-z0-9._~+/-]+=*$ ]] || die "the mock's developer page answered $token_g, not a token"
	header[g]="Authorization: Bearer $token_g"
fi
# (e): a session of its own (sessions are bound to host and port). With
# session_idle its cookie is sealed again once a minute of use, and a
# browser sends the new one; wrk cannot, so (e) logs in afresh each round
# instead, which keeps every load under a minute of the cookie's seal.
login_e() {
	((CLUSTER)) || return 0
	cookie[e]=$(timeout 60 "$work/bin/login" -site "${url[e]}") || die "logging in to (e) failed"
}
login_e
# (f): a session of its own too (host and port).
if ((ASSERTION)); then
	cookie[f]=$(timeout 60 "$work/bin/login" -site "${url[f]}") || die "logging in to (f) failed"
fi

status() { # URL [COOKIE [HEADER]]
	local args=(-s -o /dev/null --max-time 5 -w '%{http_code}' -H 'Accept: text/html')
	[[ -z ${2:-} ]] || args+=(-H "Cookie: $2")
	[[ -z ${3:-} ]] || args+=(-H "$3")
	curl "${args[@]}" "$1"
}
for s in "${setups[@]}"; do
	code=$(status "${url[$s]}" "${cookie[$s]}" "${header[$s]:-}")
	[[ $code == 200 ]] || die "${name[$s]}: status $code with its session, want 200"
done
# Without a session, (b) and (c) must refuse: else the load would measure an open door.
code=$(status "${url[b]}")
[[ $code == 302 ]] || die "(b) without a session answered $code, want 302 to the login"
code=$(status "${url[c]}")
[[ $code == 401 ]] || die "(c) without a session answered $code, want 401"
if ((BEARER)); then
	code=$(status "${url[g]}")
	[[ $code == 302 ]] || die "(g) without a token answered $code, want 302 to the login"
	code=$(status "${url[g]}" "" "Authorization: Bearer ${token_g}x")
	[[ $code == 401 ]] || die "(g) with a token Instagram refuses answered $code, want 401"
fi

# --- load ---------------------------------------------------------------------
# load URL COOKIE SECONDS [HEADER]: one wrk run; prints its BENCH line.
# An empty COOKIE sends none ((g) carries its token in HEADER instead).
load() {
	local out args=(-H 'Accept: text/html')
	[[ -z $2 ]] || args+=(-H "Cookie: $2")
	[[ -z ${4:-} ]] || args+=(-H "$4")
	out=$(timeout $(($3 + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" \
		-s "$here/count.lua" "${args[@]}" "$1" 2>&1) ||
		die "wrk failed: $out"
	grep '^BENCH ' <<<"$out" || die "no BENCH line from wrk: $out"
}

# field KEY LINE: the value of KEY=value in a BENCH line.
field() {
	local kv
	for kv in $2; do
		if [[ $kv == "$1="* ]]; then
			echo "${kv#*=}"
			return
		fi
	done
	die "no $1 in: $2"
}

# One line per wrk run:
# round setup rps p50_us p99_us non200 errors first_non200 requests cpu_ticks
results=$work/results
: >"$results"
bad=0
record() { # ROUND SETUP BENCH-LINE [CPU-TICKS]
	local n e
	n=$(field non200 "$3")
	e=$(field errors "$3")
	echo "$1 $2 $(field rps "$3") $(field p50_us "$3") $(field p99_us "$3") $n $e $(field first_non200 "$3") $(field requests "$3") ${4:-0}" >>"$results"
	if ((n + e > 0)); then
		bad=$((bad + n + e))
		note "$2 round $1: $n non-200 answers (first: $(field first_non200 "$3")), $e socket errors"
	fi
}

# CPU time, in clock ticks: of given processes, and of the whole machine.
# The set-ups' own processes give a CPU cost per request that other load on
# the machine hardly disturbs; the machine's total tells how busy it was.
clk_tck=$(getconf CLK_TCK)
ticks() { # PID...: their user+system time
	local p st sum=0 f
	for p in "$@"; do
		st=$(<"/proc/$p/stat")
		read -r -a f <<<"${st##*) }"
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}
ours() { # this script, what it ran and reaped (wrk, curl, ...), and its servers
	local st f
	st=$(<"/proc/$$/stat")
	read -r -a f <<<"${st##*) }"
	echo $((f[11] + f[12] + f[13] + f[14] + $(ticks "${pids[@]}")))
}
machine() { # busy and total ticks of all CPUs
	awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6 }' /proc/stat
}
measure() { # ROUND SETUP SECONDS
	local t0 t1 line
	# shellcheck disable=SC2086 # procs holds a list of pids
	t0=$(ticks ${procs[$2]})
	line=$(load "${url[$2]}" "${cookie[$2]}" "$3" "${header[$2]:-}")
	# shellcheck disable=SC2086
	t1=$(ticks ${procs[$2]})
	record "$1" "$2" "$line" $((t1 - t0))
}

if ((WARMUP > 0)); then
	note "warm-up: ${WARMUP}s per set-up"
	for s in "${setups[@]}"; do
		measure 0 "$s" "$WARMUP"
	done
fi

note "$ROUNDS rounds of ${setups[*]}, ${DURATION}s each, $CONNECTIONS connections, $THREADS wrk threads"
read -r busy0 total0 < <(machine)
ours0=$(ours)
n_setups=${#setups[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	if ((RESTART && r > 1)); then
		stop_setups
		start_setups
		login_e
		for s in "${setups[@]}"; do # fresh processes: warm them, unrecorded (round 0)
			measure 0 "$s" "$ROUND_WARMUP"
		done
	fi
	# The order turns each round (a b c, b c a, c a b), so that no set-up
	# always runs first or last.
	for ((i = 0; i < n_setups; i++)); do
		measure "$r" "${setups[(r + i - 1) % n_setups]}" "$DURATION"
	done
	note "$(awk -v r="$r" -v n="$ROUNDS" '$1 == r { v[$2] = $3 }
		END { printf "round %d/%d: a=%.0f b=%.0f c=%.0f req/s  b/a=%.2f b/c=%.2f", r, n, v["a"], v["b"], v["c"], v["b"] / v["a"], v["b"] / v["c"];
			if ("d" in v) printf "  d=%.0f b/d=%.2f", v["d"], v["b"] / v["d"];
			if ("e" in v) printf "  e=%.0f e/a=%.2f", v["e"], v["e"] / v["a"];
			if ("f" in v) printf "  f=%.0f f/a=%.2f", v["f"], v["f"] / v["a"];
			if ("g" in v) printf "  g=%.0f g/a=%.2f", v["g"], v["g"] / v["a"] }' "$results")"
done

read -r busy1 total1 < <(machine)
ours1=$(ours)
# Percent of all CPUs used by other processes during the rounds.
foreign=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v o=$((ours1 - ours0)) \
	'BEGIN { f = (t > 0 ? (b - o) / t * 100 : 0); printf "%.0f", (f < 0 ? 0 : f) }')
ours_pct=$(awk -v t=$((total1 - total0)) -v o=$((ours1 - ours0)) 'BEGIN { printf "%.0f", (t > 0 ? o / t * 100 : 0) }')

median() { # numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
column_of() { # SETUP COLUMN: that column over the measured rounds
	awk -v s="$1" -v c="$2" '$1 + 0 > 0 && $2 == s { print $c }' "$results"
}

# --- memory -------------------------------------------------------------------
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# burst SETUP COOKIE [COOKIE-FILE]: MEM_REQUESTS requests; sets answered.
# Each wrk thread stops after its share, but wrk itself waits out -d: so -d
# is sized from the rounds' rate, and a short burst is topped up (5 at most).
burst() {
	local rps left secs line try
	rps=$(column_of "$1" 3 | median)
	answered=0
	for ((try = 0; try < 5 && answered < MEM_REQUESTS; try++)); do
		left=$((MEM_REQUESTS - answered))
		secs=$(awk -v n="$left" -v r="$rps" 'BEGIN { printf "%d", n / r * 1.25 + 2 }')
		line=$(BENCH_STOP_AFTER=$(((left + THREADS - 1) / THREADS)) BENCH_COOKIE_FILE=${3:-} \
			load "${url[$1]}" "$2" "$secs")
		record mem "$1" "$line"
		answered=$((answered + $(field requests "$line")))
	done
}

mem_report=()
if ((MEM_REQUESTS > 0)); then
	note "memory: $MEM_REQUESTS requests with one session, then $MEM_REQUESTS cycling $SESSIONS sessions, at (a) and at (b)"
	a0=$(rss_kb "${pid[a]}")
	burst a "${cookie[a]}"
	a1=$(rss_kb "${pid[a]}") a1n=$answered
	b0=$(rss_kb "${pid[b]}")
	burst b "${cookie[b]}"
	b1=$(rss_kb "${pid[b]}") b1n=$answered
	timeout 600 "$work/bin/login" -site "${url[b]}" -n "$SESSIONS" -parallel 2 >"$work/sessions" ||
		die "logging in $SESSIONS sessions to (b) failed"
	b2=$(rss_kb "${pid[b]}")
	burst b "${cookie[b]}" "$work/sessions"
	b3=$(rss_kb "${pid[b]}") b3n=$answered
	# The control: the very same requests through (a).
	burst a "${cookie[a]}" "$work/sessions"
	a2=$(rss_kb "${pid[a]}") a2n=$answered
	mem_report+=("(a) no auth: VmRSS $(mib "$a0") after the rounds, $(mib "$a1") after $a1n requests (1 session), $(mib "$a2") after $a2n requests cycling $SESSIONS sessions")
	mem_report+=("(b) plugin:  VmRSS $(mib "$b0") after the rounds, $(mib "$b1") after $b1n requests (1 session), $(mib "$b3") after $b3n requests cycling $SESSIONS sessions ($(mib "$b2") after their logins)")
fi

# --- report -------------------------------------------------------------------
elapsed=$((SECONDS - started))
echo "compare.sh: $ROUNDS rounds x ${DURATION}s per set-up, $CONNECTIONS connections, $THREADS wrk threads, $(nproc) CPUs; took $((elapsed / 60))m$((elapsed % 60))s"
echo "cpu: during the rounds the bench used ${ours_pct}% of the CPUs, other processes ${foreign}% (load average at start: $load_at_start)"
if ((foreign > 10)); then
	echo "warning: other work kept the machine busy: req/s and its ratios are noisy; CPU/req is the steadier figure"
fi
for line in "${mem_report[@]}"; do
	echo "memory $line"
done

cpu_per_req() { # SETUP: microseconds of its own processes' CPU per request, over the rounds
	awk -v s="$1" -v hz="$clk_tck" '$1 + 0 > 0 && $2 == s { t += $10; n += $9 } END { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }' "$results"
}
printf '%-32s %8s %9s %9s %9s %8s\n' "setup (median of rounds)" "req/s" "p50" "p99" "CPU/req" "non-200"
declare -A cpu
for s in "${setups[@]}"; do
	rps=$(column_of "$s" 3 | median)
	p50=$(column_of "$s" 4 | median)
	p99=$(column_of "$s" 5 | median)
	cpu[$s]=$(cpu_per_req "$s")
	n=$(awk -v s="$s" '$2 == s { n += $6 } END { print n + 0 }' "$results")
	printf '%-32s %8.0f %7.2fms %7.2fms %7.0fus %8d\n' "${name[$s]}" "$rps" \
		"$(awk -v u="$p50" 'BEGIN { print u / 1000 }')" "$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "${cpu[$s]}" "$n"
done
echo "(CPU/req: the set-up's own processes, Caddy and for (c) oauth2-proxy too, over all rounds; non-200: every run)"
per_round() { # X Y: the ratio of X's to Y's req/s, one a round
	awk -v x="$1" -v y="$2" '$1 + 0 > 0 { v[$1, $2] = $3; r[$1] = 1 } END { for (i in r) print v[i, x] / v[i, y] }' "$results"
}
spread() { # the per-round ratios on stdin: min, quartiles, max
	sort -g | awk '{ v[NR] = $1 } END { printf "min %.2f, quartiles %.2f %.2f, max %.2f", v[1], v[int((NR + 3) / 4)], v[NR + 1 - int((NR + 3) / 4)], v[NR] }'
}
echo "per-round req/s plugin/bare: $(per_round b a | spread); plugin/oauth2-proxy: $(per_round b c | spread)"
awk -v a="${cpu[a]}" -v b="${cpu[b]}" -v c="${cpu[c]}" \
	'BEGIN { printf "CPU per request: plugin/bare=%.2f oauth2-proxy/plugin=%.2f\n", b / a, c / b }'
if ((CLUSTER)); then
	awk -v a="${cpu[a]}" -v e="${cpu[e]}" -v m="$(per_round e a | median)" -v s="$(per_round e a | spread)" -v eb="$(per_round e b | median)" \
		'BEGIN { printf "cluster: (e) session_idle, 10,000 revocations in memory: req/s cluster/bare=%.2f (per round: %s), cluster/plugin=%.2f, CPU per request cluster/bare=%.2f\n", m, s, eb, e / a }'
fi
if ((ASSERTION)); then
	awk -v a="${cpu[a]}" -v b="${cpu[b]}" -v f="${cpu[f]}" -v m="$(per_round f a | median)" -v s="$(per_round f a | spread)" -v fb="$(per_round f b | median)" \
		'BEGIN { printf "assertion: (f) assertion_header on: req/s assertion/bare=%.2f (per round: %s), assertion/plugin=%.2f, CPU per request assertion/bare=%.2f assertion/plugin=%.2f\n", m, s, fb, f / a, f / b }'
fi
if ((BEARER)); then
	awk -v a="${cpu[a]}" -v g="${cpu[g]}" -v m="$(per_round g a | median)" -v s="$(per_round g a | spread)" -v gb="$(per_round g b | median)" \
		'BEGIN { printf "bearer: (g) a token in memory, no cookie: req/s bearer/bare=%.2f (per round: %s), bearer/plugin=%.2f, CPU per request bearer/bare=%.2f\n", m, s, gb, g / a }'
fi
if ((FLOOR)); then
	awk -v b="${cpu[b]}" -v d="${cpu[d]}" -v m="$(per_round b d | median)" -v s="$(per_round b d | spread)" \
		'BEGIN { printf "floor: (d) sets the same headers, no auth: req/s plugin/(d)=%.2f (per round: %s), CPU per request plugin/(d)=%.2f\n", m, s, b / d }'
fi
ratio_ba=$(per_round b a | median)
ratio_bc=$(per_round b c | median)
if ((bad > 0)); then
	echo "INVALID: $bad answers were not 200 or failed (see above); the figures do not count"
fi
printf 'ratios: plugin/bare=%.2f plugin/oauth2-proxy=%.2f\n' "$ratio_ba" "$ratio_bc"
((bad == 0)) || exit 1
