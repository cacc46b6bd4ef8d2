package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"time"
)

// pendingLogins are the logins in progress: each has a random state, sent
// to Instagram and kept in a sealed cookie of its own, which binds it to
// this browser and to the page the user asked for.
type pendingLogins struct {
	cfg  *runtimeConfig
	keys seal.Ring
	now  func() time.Time
}

const (
	stateLifetime = 10 * time.Minute // how long a login may sit on the consent page
	maxPending    = 4                // logins pending at once per browser (tabs)
	stateBytes    = 32               // entropy of a state
	stateIDLen    = 10               // characters of the state that name its cookie
)

var stateLen = base64.RawURLEncoding.EncodedLen(stateBytes)

// randomState returns a fresh state: 32 bytes from crypto/rand, base64url.
func randomState() string {
	b := make([]byte, stateBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// pendingCookieName gives each pending login a cookie of its own, so tabs
// that start logins at the same moment never overwrite each other's state.
func (pl *pendingLogins) cookieName(state string) string {
	return pl.cfg.cookies.pending + state[:stateIDLen]
}

// isStateShaped accepts only what randomState makes.
func isStateShaped(s string) bool {
	if len(s) != stateLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// isStateID accepts what pendingCookieName puts after the prefix.
func isStateID(id string) bool {
	return len(id) == stateIDLen && ascii.AlnumOr(id, "-_")
}

// setPending seals a pending login into its own cookie.
func (pl *pendingLogins) set(w http.ResponseWriter, p record.Pending) {
	value := pl.keys.Seal(pl.cfg.aad.Pending, record.EncodePending(p))
	pl.cfg.cookies.set(w, pl.cookieName(p.State), value, int(stateLifetime/time.Second))
}

// pendingFor finds and checks the pending login that state names: sealed
// by us, not expired, and holding exactly this state (compared in constant
// time).
func (pl *pendingLogins) find(r *http.Request, state string) (record.Pending, bool) {
	if !isStateShaped(state) {
		return record.Pending{}, false
	}
	scan := cookieScan{lines: sentCookieLines(r), name: pl.cookieName(state)}
	for value, _, ok := scan.next(); ok; value, _, ok = scan.next() {
		p, ok := pl.open(value)
		if ok && subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) == 1 {
			return p, true
		}
	}
	return record.Pending{}, false
}

// openPending opens a state cookie's value if it is ours and still live.
func (pl *pendingLogins) open(value string) (record.Pending, bool) {
	plain, _, ok := pl.keys.Open(pl.cfg.aad.Pending, value)
	if !ok {
		return record.Pending{}, false
	}
	p, ok := record.DecodePending(plain)
	t := pl.now().Unix()
	if !ok || p.Created > t+60 || p.Created+int64(stateLifetime/time.Second) <= t {
		return record.Pending{}, false
	}
	return p, true
}

// forgetPending clears the state cookie a finished or refused login named.
func (pl *pendingLogins) forget(w http.ResponseWriter, r *http.Request, state string) {
	if isStateShaped(state) {
		name := pl.cookieName(state)
		if _, ok := cookieValue(r, name); ok {
			pl.cfg.cookies.clear(w, name)
		}
	}
}

// prunePending expires state cookies that are dead, and the oldest live
// ones beyond maxPending-1, to make room for one more: the Cookie header
// stays bounded however many logins a browser starts. Only names we could
// have made are looked at, each once, and the clearing stops at a few, so
// junk cookies cannot inflate the response.
func (pl *pendingLogins) prune(w http.ResponseWriter, r *http.Request) {
	prefix := pl.cfg.cookies.pending
	if !cookiesMention(r, prefix) {
		return // the usual case: no login pending
	}
	type live struct {
		name    string
		created int64
	}
	var alive []live
	seen := make(map[string]bool)
	clears := 0
	clear := func(name string) {
		if clears < 2*maxPending {
			pl.cfg.cookies.clear(w, name)
			clears++
		}
	}
	sent := &http.Request{Header: http.Header{"Cookie": sentCookieLines(r)}}
	for _, c := range sent.Cookies() {
		id, ok := strings.CutPrefix(c.Name, prefix)
		if !ok || !isStateID(id) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		if p, ok := pl.open(c.Value); ok {
			alive = append(alive, live{c.Name, p.Created})
		} else {
			clear(c.Name)
		}
	}
	if len(alive) < maxPending {
		return
	}
	sort.Slice(alive, func(i, j int) bool { return alive[i].created < alive[j].created })
	for _, c := range alive[:len(alive)-maxPending+1] {
		clear(c.name)
	}
}
