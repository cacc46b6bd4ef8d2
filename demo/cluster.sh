#!/usr/bin/env bash
# The cluster walk-through of docs/sessions-and-clusters.md, offline: two
# Caddy instances of one site sharing a storage folder (as a shared mount
# would), and the mock Instagram. It logs in on instance A, logs out on
# instance B, and shows A refusing the copied cookie within seconds, and
# both still refusing it after a restart. Run from the repository: demo/cluster.sh
# Ports 8180, 8181 (the two instances) and 8190 (the mock), on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

echo "== building the development Caddy (./cmd/caddy) with demo/build"
caddy=$(demo/build)

for port in 8180 8181; do
	cat > "$dir/$port.Caddyfile" <<EOF
{
	admin off
	auto_https off
	storage file_system $dir/storage
}
http://localhost:$port {
	bind 127.0.0.1
	instagram_auth {
		client_id demo-app
		client_secret demo-secret
		authorize_url http://127.0.0.1:8190/oauth/authorize
		token_url http://127.0.0.1:8190/oauth/access_token
		userinfo_url http://127.0.0.1:8190/me
		long_lived_token http://127.0.0.1:8190/access_token
		insecure_cookies
	}
	respond "{http.auth.user.instagram_username} on instance $port"
}
EOF
done
cat > "$dir/mock.Caddyfile" <<EOF
{
	admin off
	auto_https off
}
http://127.0.0.1:8190 {
	bind 127.0.0.1
	instagram_mock {
		client_id demo-app
		client_secret demo-secret
	}
}
EOF
start() { "$caddy" run --config "$dir/$1.Caddyfile" > "$dir/$1.log" 2>&1 & pids+=($!); }
start mock; start 8180; start 8181
sleep 2

# The load balancer's part: every instance sees the site's one Host,
# localhost:8180 (host-only sessions are bound to the host that issued them).
site=(-H "Host: localhost:8180")
echo "== logging in as alice on instance A (8180), through the mock's consent page"
jar=$dir/jar
location=$(curl -s -o /dev/null -c "$jar" -H 'Accept: text/html' -w '%{redirect_url}' http://localhost:8180/)
param() { sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p" <<<"$location"; }
callback=$(curl -s -o /dev/null -w '%{redirect_url}' http://127.0.0.1:8190/oauth/authorize \
	--data "client_id=demo-app&redirect_uri=$(param redirect_uri)&scope=$(param scope)&state=$(param state)&username=alice&decision=allow")
curl -s -o /dev/null -b "$jar" -c "$jar" "${callback%%#*}"
cookie="_instagram_auth=$(awk '$6 == "_instagram_auth" {print $7}' "$jar")"
ask() { curl -s "${site[@]}" -H "Cookie: $cookie" -H 'Accept: application/json' -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/"; }
echo "A with the session: $(curl -s "${site[@]}" -H "Cookie: $cookie" http://127.0.0.1:8180/)"
echo "B with a copy of it: $(curl -s "${site[@]}" -H "Cookie: $cookie" http://127.0.0.1:8181/)"

echo "== logging out on instance B (8181)"
curl -s -o /dev/null "${site[@]}" -H "Cookie: $cookie" http://127.0.0.1:8181/oauth2/instagram/logout
start_time=$(date +%s%N)
for _ in $(seq 100); do
	if [ "$(ask 8180)" = 401 ]; then
		echo "A refuses the copied cookie after $(( ($(date +%s%N) - start_time) / 1000000 )) ms"
		break
	fi
	sleep 0.2
done

echo "== restarting both instances"
kill "${pids[1]}" "${pids[2]}"; wait "${pids[1]}" "${pids[2]}" 2>/dev/null || true
start 8180; start 8181
sleep 2
echo "after the restart: A answers $(ask 8180), B answers $(ask 8181) (401: refused)"
