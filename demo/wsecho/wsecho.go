// Package wsecho is a development-only Caddy module for the offline demo:
// websocket_echo, a WebSocket endpoint that sends every message back. It
// stands in for an app's own WebSocket server behind reverse_proxy, so the
// demo shows a WebSocket passing instagram_auth. It is built into the
// development Caddy (cmd/caddy) only, never into the plugin.
//
//	http://:8082 {
//		bind 127.0.0.1
//		websocket_echo
//	}
package wsecho

import (
	"bufio"
	"errors"

	"net"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/net/websocket"
)

func init() {
	caddy.RegisterModule(Echo{})
	httpcaddyfile.RegisterHandlerDirective("websocket_echo", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("websocket_echo", httpcaddyfile.Before, "respond")
}

// maxMessage bounds what the echo reads per message.
const maxMessage = 64 << 10

// Echo answers WebSocket handshakes and echoes each message. It checks
// that the page opening the socket is of the site it asks (Origin against
// Host), as an app should: a cookie-authenticated WebSocket is otherwise
// open to any page the browser shows.
type Echo struct{}

// CaddyModule returns the Caddy module information.
func (Echo) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.websocket_echo",
		New: func() caddy.Module { return new(Echo) },
	}
}

var errNotWebSocket = errors.New("websocket_echo: not a WebSocket handshake over HTTP/1.1")

func (Echo) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	if r.ProtoMajor != 1 || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return caddyhttp.Error(http.StatusBadRequest, errNotWebSocket)
	}
	srv := websocket.Server{Handshake: sameOrigin, Handler: echo}
	srv.ServeHTTP(hijacker{w}, r)
	return nil
}

// sameOrigin refuses (403) a socket opened by a page of another site.
func sameOrigin(config *websocket.Config, r *http.Request) error {
	origin, err := websocket.Origin(config, r)
	if err != nil || origin == nil || origin.Host != r.Host {
		return errors.New("cross-origin WebSocket")
	}
	config.Origin = origin
	return nil
}

// echo sends each message back as it came, until the client leaves.
func echo(ws *websocket.Conn) {
	ws.MaxPayloadBytes = maxMessage
	for {
		var msg string
		if err := websocket.Message.Receive(ws, &msg); err != nil {
			return
		}
		if err := websocket.Message.Send(ws, msg); err != nil {
			return
		}
	}
}

// hijacker hands the connection over through Caddy's wrapped response
// writers, which the websocket package cannot unwrap itself.
type hijacker struct{ http.ResponseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}

// parseCaddyfile reads the directive, which takes no arguments.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var e Echo
	return e, e.UnmarshalCaddyfile(h.Dispenser)
}

// UnmarshalCaddyfile accepts "websocket_echo" alone.
func (*Echo) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() || d.NextBlock(0) {
		return d.Err("websocket_echo takes no arguments")
	}
	return nil
}

// Interface guards
var (
	_ caddyhttp.MiddlewareHandler = Echo{}
	_ caddyfile.Unmarshaler       = (*Echo)(nil)
)
