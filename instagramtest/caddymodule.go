package instagramtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

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
//			client_id         demo-app
//			client_secret     demo-secret
//			shape             flat
//			deauthorize_url   http://localhost:8080/instagram/deauthorize
//			data_deletion_url http://localhost:8080/instagram/data-deletion
//		}
//	}
//
// client_id and client_secret are required; the other lines are optional.
// The two URLs are the app's deauthorize callback and data deletion
// request URL as registered with Meta: the mock's /settings/apps page
// (linked from the consent page) calls them with a signed request when a
// user presses "Remove app" or "Request data deletion", and shows what the
// site answered. Placeholders such as {env.SECRET} are resolved in all but
// shape.
//
// It answers every request itself and never calls the next handler.
type Handler struct {
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Shape is flat (the default), data or legacy.
	Shape Shape `json:"shape,omitempty"`
	// DeauthorizeURL is the site's deauthorize callback, an absolute
	// http(s) URL. Without it, removing the app tells no site.
	DeauthorizeURL string `json:"deauthorize_url,omitempty"`
	// DataDeletionURL is the site's data deletion request URL, an absolute
	// http(s) URL. Without it, data deletion cannot be requested.
	DataDeletionURL string `json:"data_deletion_url,omitempty"`

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
	deauthorize := repl.ReplaceKnown(h.DeauthorizeURL, "")
	deletion := repl.ReplaceKnown(h.DataDeletionURL, "")
	if err := validate(clientID, secret, h.Shape); err != nil {
		return err
	}
	if err := validateCallback("deauthorize_url", h.DeauthorizeURL, deauthorize); err != nil {
		return err
	}
	if err := validateCallback("data_deletion_url", h.DataDeletionURL, deletion); err != nil {
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
	h.provider.SetCallbacks(deauthorize, deletion)
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

// validateCallback checks a callback URL as configured (raw) and once its
// placeholders are resolved (value); "" is no callback.
func validateCallback(name, raw, value string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("instagram_mock: %s must be an absolute http(s) URL, not %q", name, value)
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
//		client_id         <id>
//		client_secret     <secret>
//		shape             flat|data|legacy
//		deauthorize_url   <url>
//		data_deletion_url <url>
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
		case "deauthorize_url":
			target = &h.DeauthorizeURL
		case "data_deletion_url":
			target = &h.DataDeletionURL
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
