package instagramauth

import (
	"errors"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/assertion"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
)

// assertions is the part that vouches for the user to the upstream in a
// signed JWT (behaviours 28 to 30, docs/behaviour.md): it signs the
// assertion of a request that passes (identityHeaders puts it on the
// header assertion_header names), and serves the keys that verify it at
// jwks_path. The Handler holds it only when assertion_header is set; nil,
// it is off.
type assertions struct {
	keys    *assertion.Keys
	origins originMemo
	app     *appKeys
	user    *keysUser
	appName string // the entry of appKeysPool
}

var (
	errNoStorage        = errors.New(optAssertionHeader + " needs Caddy's storage, where the signing keys are kept")
	errAssertionOrigin  = errors.New("the request's host is not a host[:port]: no assertion can name its origin")
	errJWKSMethod       = errors.New("the JWKS answers GET and HEAD only")
	errAssertionSigning = errors.New("the identity assertion could not be signed")
)

// loadAssertions prepares the part for h, or returns nil when
// assertion_header is not set. The keys come from appKeysPool: every
// config of the process that shares the storage and the client_id signs
// with one key set.
func loadAssertions(h *Handler, storage certmagic.Storage) (*assertions, error) {
	if h.cfg.assertionHeader == "" {
		return nil, nil
	}
	if storage == nil {
		return nil, errNoStorage
	}
	u := &keysUser{storage: storage, logger: h.logger, rotation: h.cfg.keyRotation, clientID: h.ClientID}
	name := appKeysName(storage, h.ClientID)
	app, err := loadAppKeys(name, u, h.now)
	if err != nil {
		return nil, err
	}
	return &assertions{
		keys: app.keys, origins: newOriginMemo(), app: app, user: u, appName: name,
	}, nil
}

// release gives the keys back (Cleanup).
func (a *assertions) release() error {
	if a == nil || a.app == nil {
		return nil
	}
	app := a.app
	a.app = nil // once: a second release must not give back another config's reference
	return app.release(a.appName, a.user)
}

// forSession is the assertion of a request that passes with session s,
// which ends at end (unix seconds).
func (a *assertions) forSession(r *http.Request, s *record.Session, end int64) (string, error) {
	return a.sign(r, assertion.Subject{
		Session: s.ID, UserID: s.UserID, Username: s.Username, SessionEnd: time.Unix(end, 0),
	}, s.SeenAt)
}

// sign is the assertion of sub at t (unix seconds, the request's clock
// reading), for the origin the browser reached r on: a cached one while at
// least half of its life is left, else a new one. sub's origin fields are
// filled in here. Every request that passes with an identity (a session, a
// bearer token) asks for one, and goes nowhere without it: a request whose
// origin cannot be named gets 400. The caller puts it on the request for
// the upstream, or on the answer of the auth endpoint, with
// identityHeaders.setAll.
func (a *assertions) sign(r *http.Request, sub assertion.Subject, t int64) (string, error) {
	https, host, ok := a.origins.of(r)
	if !ok {
		return "", caddyhttp.Error(http.StatusBadRequest, errAssertionOrigin)
	}
	sub.HTTPS, sub.Host = https, host
	token, err := a.keys.Assertion(sub, time.Unix(t, 0))
	if err != nil {
		return "", caddyhttp.Error(http.StatusInternalServerError, errors.Join(errAssertionSigning, err))
	}
	return token, nil
}

// serveJWKS answers jwks_path (behaviour 29): the public keys, to anyone,
// for as long as a verifier may keep them.
func (a *assertions) serveJWKS(w http.ResponseWriter, r *http.Request) error {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, errJWKSMethod)
	}
	body := a.keys.JWKS()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", jwksCacheControl(a.keys.JWKSMaxAge()))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body) // a failed write means the client left
	}
	return nil
}

// jwksCacheControl lets verifiers keep the JWKS for 5 minutes, or for
// less when a rotation period under 40 minutes publishes the next key
// less than 10 minutes before it signs: a verifier keeping it for maxAge
// (the lead less the poll interval) still never meets an unknown kid.
func jwksCacheControl(maxAge time.Duration) string {
	secs := min(300, int64(maxAge/time.Second))
	return "public, max-age=" + strconv.FormatInt(secs, 10)
}

// originMemo remembers what the origins requests were last reached on
// parse to, so that a request with a session does not parse its host
// again: the IDNA mapping alone costs about 400 ns, a third of a whole
// authenticated request. Slots are chosen by a hash of the host as sent;
// a slot holds one origin, so a stranger's made-up hosts only replace
// entries, never add to memory.
type originMemo struct {
	seed  maphash.Seed
	slots *[originSlots]atomic.Pointer[originEntry]
}

const originSlots = 64

// originEntry is what requestOrigin made of one scheme and host.
type originEntry struct {
	scheme, raw string // as the request spelled them
	https       bool
	host        string // host[:port], as requestOrigin(r).String() writes it
}

func newOriginMemo() originMemo {
	return originMemo{seed: maphash.MakeSeed(), slots: new([originSlots]atomic.Pointer[originEntry])}
}

// of is the origin of r: exactly requestOrigin(r), split into its scheme
// and its host[:port].
func (m originMemo) of(r *http.Request) (https bool, host string, ok bool) {
	scheme, raw := originOf(r)
	slot := &m.slots[maphash.String(m.seed, raw)%originSlots]
	if e := slot.Load(); e != nil && e.raw == raw && e.scheme == scheme {
		return e.https, e.host, true
	}
	o, ok := target.NewOrigin(scheme, raw)
	if !ok {
		return false, "", false
	}
	full := o.String()
	e := &originEntry{scheme: strings.Clone(scheme), raw: strings.Clone(raw), https: strings.HasPrefix(full, "https://")}
	_, e.host, _ = strings.Cut(full, "://")
	slot.Store(e)
	return e.https, e.host, true
}
