// Command caddy is a development build of Caddy: the standard modules, the
// instagram_auth plugin, the mock Instagram (instagram_mock) that the
// offline demo and the benchmarks log in against, and the demo's WebSocket
// echo (websocket_echo). Production builds use xcaddy and never include
// the mock or the echo.
//
//	go run ./cmd/caddy run --config demo/Caddyfile
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/b4b0c547/caddy-instagram-auth"
	_ "github.com/b4b0c547/caddy-instagram-auth/demo/wsecho"
	_ "github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

func main() {
	caddycmd.Main()
}
