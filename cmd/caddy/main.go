// Command caddy is a development build of Caddy: the standard modules, the
// instagram_auth plugin, the mock Instagram (instagram_mock) that the
// offline demo and the benchmarks log in against, the demo's WebSocket
// echo (websocket_echo) and the demo app's check of the signed assertion
// (the templates function verifyInstagramAssertion). Production builds use
// xcaddy and never include the mock, the echo or the check.
//
//	go run ./cmd/caddy run --config demo/Caddyfile
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/b4b0c547/caddy-instagram-auth"
	_ "github.com/b4b0c547/caddy-instagram-auth/demo/assertioncheck"
	_ "github.com/b4b0c547/caddy-instagram-auth/demo/wsecho"
	_ "github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

func main() {
	caddycmd.Main()
}
