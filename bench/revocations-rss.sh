#!/usr/bin/env bash
# bench/revocations-rss.sh — what revocation records cost a real Caddy.
#
# Builds Caddy with the plugin (./cmd/caddy), then starts it twice on
# 127.0.0.1 with instagram_auth and `storage file_system`: once with an empty
# revocation folder, once with RECORDS records in it, written as the plugin
# names them (instagram_auth/<app>/revoked/<bucket>/s-<until>-<id>, and one in
# ten u-<until>-<not before>-<user>). Each time it waits for the listing at
# start (the log line "revocations loaded from storage"), lets the sync poll
# for SETTLE seconds, and reads VmRSS and VmHWM from /proc/<pid>/status. It
# does both REPEAT times, in turn, and prints the medians: an empty Caddy's
# RSS alone varies by several MiB from one start to the next. The difference
# between the medians is what the records cost.
#
#   bench/revocations-rss.sh                   # 100,000 records over a day's 144 folders
#   BUCKETS=1 bench/revocations-rss.sh         # all in the newest folder (a burst)
#   SETTLE=330 bench/revocations-rss.sh        # past the periodic full listing (5 min)
#
# Settings (environment):
#   RECORDS=100000  records in storage
#   BUCKETS=144     ten-minute folders they are spread over, newest first
#   SETTLE=20       seconds to run after the listing at start, before reading
#   REPEAT=3        runs of each
#   PORT=9740       the site's port (127.0.0.1)
#   CADDY=          a Caddy binary to use instead of building ./cmd/caddy
# Needs Go (unless CADDY is set), od, sha256sum and awk.
set -euo pipefail

RECORDS=${RECORDS:-100000}
BUCKETS=${BUCKETS:-144}
SETTLE=${SETTLE:-20}
REPEAT=${REPEAT:-3}
PORT=${PORT:-9740}
CADDY=${CADDY:-}

die() { echo "revocations-rss: $*" >&2; exit 1; }
for v in RECORDS BUCKETS SETTLE REPEAT PORT; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
((BUCKETS >= 1 && BUCKETS <= 1000)) || die "BUCKETS is 1 to 1000"
((REPEAT >= 1)) || die "REPEAT is at least 1"

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/revocations-rss.XXXXXX")
caddy_pid=
cleanup() {
	[[ -z $caddy_pid ]] || kill "$caddy_pid" 2>/dev/null || true
	[[ -z $caddy_pid ]] || wait "$caddy_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [[ -z $CADDY ]]; then
	(cd "$root" && timeout 1200 go build -o "$work/caddy" ./cmd/caddy) || die "building ./cmd/caddy failed"
	CADDY=$work/caddy
fi

# The app's folder: a short hash of the client_id and the cookie name
# (internal/revocation's Prefix).
client_id=rss-app
app=$(printf '%s\0%s' "$client_id" _instagram_auth | sha256sum | cut -c1-16)

# fill writes $RECORDS records under $1, nine in ten sessions and one in ten
# users, spread over $BUCKETS ten-minute folders.
fill() {
	local revoked=$1/instagram_auth/$app/revoked t i=0 id
	t=$(date +%s)
	local until=$((t + 86400)) newest=$((t - t % 600))
	for ((b = 0; b < BUCKETS; b++)); do mkdir -p "$revoked/$((newest - b * 600))"; done
	while read -r id; do
		[[ -n $id ]] || continue
		local dir=$revoked/$((newest - i % BUCKETS * 600))
		if ((i % 10 == 0)); then
			: >"$dir/u-$until-$t-$((17841400000000000 + i))"
		else
			: >"$dir/s-$until-$id"
		fi
		i=$((i + 1))
	done < <(od -An -tx1 -v -N $((RECORDS * 16)) /dev/urandom | tr -d ' \n' | fold -w 32; echo)
	local n
	n=$(find "$revoked" -type f | wc -l)
	[[ $n == "$RECORDS" ]] || die "wrote $n records, want $RECORDS"
}

# measure starts Caddy on storage $1 and writes "VmRSS VmHWM records" (KiB)
# to $work/result once the listing at start is done and SETTLE seconds have
# passed. It runs in this shell, so that the trap stops Caddy on any exit.
measure() {
	local storage=$1 log=$work/caddy-$2.log
	cat >"$work/Caddyfile" <<EOF
{
	admin off
	auto_https off
	default_bind 127.0.0.1
	storage file_system $storage
	log {
		level DEBUG
		output file $log
	}
}
http://127.0.0.1:$PORT {
	instagram_auth {
		client_id $client_id
		client_secret rss-secret
		cookie_secret $(head -c 32 /dev/urandom | base64)
		insecure_cookies
	}
	respond "ok"
}
EOF
	"$CADDY" run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy-$2.out" 2>&1 &
	caddy_pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q 'revocations loaded from storage' "$log" 2>/dev/null && break
		kill -0 "$caddy_pid" 2>/dev/null || die "Caddy exited: $(tail -5 "$work/caddy-$2.out")"
		sleep 0.1
	done
	grep -q 'revocations loaded from storage' "$log" ||
		die "no listing at start within 60 s: $(grep -i revocation "$log" | tail -3)"
	local loaded
	loaded=$(grep -o '"records":[0-9]*' "$log" | head -1 | cut -d: -f2)
	sleep "$SETTLE"
	kill -0 "$caddy_pid" 2>/dev/null || die "Caddy exited during the run"
	if grep -q '"level":"error".*revocations' "$log"; then
		die "the sync logged an error: $(grep '"level":"error".*revocations' "$log" | head -1)"
	fi
	awk -v loaded="$loaded" '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } END { print rss, hwm, loaded }' \
		"/proc/$caddy_pid/status" >"$work/result"
	kill "$caddy_pid"
	wait "$caddy_pid" 2>/dev/null || true
	caddy_pid=
}

mkdir -p "$work/empty" "$work/full"
fill "$work/full"
rss0=() hwm0=() rss1=() hwm1=()
for ((r = 0; r < REPEAT; r++)); do
	measure "$work/empty" "empty-$r"
	read -r rss hwm n <"$work/result"
	rss0+=("$rss") hwm0+=("$hwm")
	measure "$work/full" "full-$r"
	read -r rss hwm n <"$work/result"
	[[ $n == "$RECORDS" ]] || die "Caddy loaded $n records at start, want $RECORDS"
	rss1+=("$rss") hwm1+=("$hwm")
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }
e_rss=$(median "${rss0[@]}") e_hwm=$(median "${hwm0[@]}")
f_rss=$(median "${rss1[@]}") f_hwm=$(median "${hwm1[@]}")
echo "records: $RECORDS in $BUCKETS folders; read $SETTLE s after the listing at start; medians of $REPEAT runs"
echo "empty folder:   VmRSS $(mib "$e_rss"), VmHWM $(mib "$e_hwm")   (runs, VmRSS KiB: ${rss0[*]})"
echo "with records:   VmRSS $(mib "$f_rss"), VmHWM $(mib "$f_hwm")   (runs, VmRSS KiB: ${rss1[*]})"
echo "records cost:   VmRSS +$(mib $((f_rss - e_rss))), VmHWM +$(mib $((f_hwm - e_hwm)))," \
	"$(((f_rss - e_rss) * 1024 / RECORDS)) bytes of RSS per record"
