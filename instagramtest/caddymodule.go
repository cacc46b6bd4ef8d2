package instagramtest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(Handler{})
	httpcaddyfile.RegisterHandlerDirective("instagram_mock", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("instagram_mock", httpcaddyfile.Before, "respond")
}

// Handler serves a Provider from Caddy, for the offline demo:
//
//	http://127.0.0.1:8081 {
//		instagram_mock {
//			client_id     demo-app
//			client_secret demo-secret
//			shape         flat
//		}
//	}
//
// It answers every request itself and never calls the next handler.
type Handler struct {
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Shape is flat (the default), data or legacy.
	Shape Shape `json:"shape,omitempty"`

	key      string
	provider *Provider
}

// providers outlives configurations: a reload provisions the new Handler
// before the old one is cleaned up, so the Provider and the codes and tokens
// it issued survive, and it is dropped once no configuration uses it.
var providers = caddy.NewUsagePool()

// pooledProvider lets a Provider live in a caddy.UsagePool, which wants a
// Destructor; a Provider holds nothing that needs closing.
type pooledProvider struct{ *Provider }

func (pooledProvider) Destruct() error { return nil }

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.instagram_mock",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision finds or creates the Provider for this client_id and secret.
// Placeholders such as {env.SECRET} are resolved first.
func (h *Handler) Provision(caddy.Context) error {
	repl := caddy.NewReplacer()
	clientID := repl.ReplaceKnown(h.ClientID, "")
	secret := repl.ReplaceKnown(h.ClientSecret, "")
	if err := validate(clientID, secret, h.Shape); err != nil {
		return err
	}
	h.key = clientID + "\x00" + secret
	v, _, err := providers.LoadOrNew(h.key, func() (caddy.Destructor, error) {
		return pooledProvider{New(clientID, secret)}, nil
	})
	if err != nil {
		return err
	}
	h.provider = v.(pooledProvider).Provider
	// Always set: a reload that drops the shape line means flat again.
	shape := h.Shape
	if shape == "" {
		shape = ShapeFlat
	}
	h.provider.SetShape(shape)
	return nil
}

func validate(clientID, secret string, shape Shape) error {
	switch {
	case clientID == "":
		return errors.New("instagram_mock: client_id is required")
	case secret == "":
		return errors.New("instagram_mock: client_secret is required")
	case shape != "" && !shape.valid():
		return fmt.Errorf("instagram_mock: shape must be flat, data or legacy, not %q", shape)
	}
	return nil
}

// Cleanup releases this configuration's hold on the Provider.
func (h *Handler) Cleanup() error {
	if h.provider == nil {
		return nil
	}
	_, err := providers.Delete(h.key)
	return err
}

// ServeHTTP answers the request as Instagram would; it is terminal.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	h.provider.ServeHTTP(w, r)
	return nil
}

// UnmarshalCaddyfile reads:
//
//	instagram_mock {
//		client_id     <id>
//		client_secret <secret>
//		shape         flat|data|legacy
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		name := d.Val()
		var value string
		if !d.AllArgs(&value) {
			return d.Errf("instagram_mock: %s needs exactly one argument", name)
		}
		var target *string
		switch name {
		case "client_id":
			target = &h.ClientID
		case "client_secret":
			target = &h.ClientSecret
		case "shape":
			if !Shape(value).valid() {
				return d.Errf("instagram_mock: shape must be flat, data or legacy, not %q", value)
			}
			target = (*string)(&h.Shape)
		default:
			return d.Errf("instagram_mock: unknown subdirective %q", name)
		}
		if *target != "" {
			return d.Errf("instagram_mock: %s given twice", name)
		}
		*target = value
	}
	return nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
