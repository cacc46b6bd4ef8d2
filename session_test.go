package instagramauth

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

func FuzzOpenSession(f *testing.F) {
	h := fuzzHandler(f)
	for v := range fuzzSessions {
		f.Add(v)
		f.Add(v[:len(v)-1])
		f.Add(v + "A")
	}
	f.Add("")
	f.Add(string(record.EncodeSession(&record.Session{UserID: "17841405793187218", Username: "alice", Token: "T", Expires: 1})))
	f.Add("\x01\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x31\x00\x00")
	f.Fuzz(func(t *testing.T, value string) {
		plain, nonce, ok := h.keys.Open(h.cfg.aad.Session, value)
		if ok {
			want, known := fuzzSessions[value]
			if !known {
				t.Fatalf("a value never sealed opened: %q", value)
			}
			got, ok := record.DecodeSession(plain)
			if !ok || got != want {
				t.Fatalf("seed opened to %+v %v, want %+v", got, ok, want)
			}
			if len(nonce) != h.keys[0].NonceSize() {
				t.Fatalf("nonce of %d bytes", len(nonce))
			}
		}
		// Never a state value, whatever the input.
		if _, isState := fuzzPendings[value]; !isState {
			if _, _, ok := h.keys.Open(h.cfg.aad.Pending, value); ok {
				t.Fatalf("value opened as a state: %q", value)
			}
		}
		// The input steers a mutation of each sealed value: only the
		// unchanged value opens.
		for v := range fuzzSessions {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, _, ok := h.keys.Open(h.cfg.aad.Session, m); ok {
					t.Fatalf("mutation %q of a sealed value opened", m)
				}
			}
		}
		// decodeSession of arbitrary bytes never panics; what it accepts
		// re-encodes to the very same bytes (one encoding per session).
		if s, ok := record.DecodeSession([]byte(value)); ok {
			enc := record.EncodeSession(&s)
			if s.Legacy {
				enc = record.V1{Time: s.Expires, Fields: [3]string{s.UserID, s.Username, s.Token}}.Encode()
			}
			if !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodeSession(%x) = %+v re-encodes to %x", value, s, enc)
			}
		}
		// Any session seals and opens back to itself.
		s := record.Session{UserID: value, Username: value, Token: value, Host: value, Expires: int64(len(value)),
			Created: -int64(len(value)), Issued: 7, TokenExpires: 1 << 40, LongLived: len(value)%2 == 0}
		copy(s.ID[:], value)
		if p, _, ok := h.keys.Open(h.cfg.aad.Session, h.keys.Seal(h.cfg.aad.Session, record.EncodeSession(&s))); ok {
			if got, ok := record.DecodeSession(p); !ok || got != s {
				t.Fatalf("round trip of %+v gave %+v %v", s, got, ok)
			}
		} else if len(value) < 500 { // small enough to fit maxSealedLen
			t.Fatalf("a freshly sealed session of %d bytes did not open", len(value))
		}
	})
}

// A session duration under a second would be truncated to none: a
// session_idle of 500ms would quietly turn the idle timeout off. Refused,
// with the line and the option.
func TestSubSecondSessionDurationsRefused(t *testing.T) {
	for _, line := range []string{"session_idle 500ms", "session_lifetime 999ms"} {
		option, _, _ := strings.Cut(line, " ")
		cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + line + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
		if err == nil {
			t.Errorf("%s: adapted without error", line)
			continue
		}
		for _, want := range []string{option, "at least 1s", "Caddyfile:5"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", line, err, want)
			}
		}
	}
}

// A revoked copy of the user's own cookie sent first (a host-only cookie
// left from before cookie_domain, say) must not hide the live session:
// every cookie that opens is judged, not only the first.
func TestDeadCopyFirstDoesNotHideLiveSession(t *testing.T) {
	unitFixClock(t, unitEpoch)
	h := unitHandler(t)
	id := instagram.Identity{UserID: "17841400000000001", Username: "alice", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}
	r0 := getWithCookie("http://site.example/", "")
	stale, fresh := h.sessions.start(id, r0), h.sessions.start(id, r0)
	h.shared.revokeSession(stale.ID, stale.Expires)
	name := h.cfg.cookies.session
	r := getWithCookie("http://site.example/", name+"="+sealForTest(h, stale)+"; "+name+"="+sealForTest(h, fresh))
	if s, ok := h.sessions.current(r); !ok || s.ID != fresh.ID {
		t.Errorf("a live session was refused because a revoked copy came first")
	}
	// A dead planted cookie of another user does not lock the user out
	// either; a live one still means no session.
	other := h.sessions.start(instagram.Identity{UserID: "222", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	h.shared.revokeSession(other.ID, other.Expires)
	r = getWithCookie("http://site.example/", name+"="+sealForTest(h, other)+"; "+name+"="+sealForTest(h, fresh))
	if _, ok := h.sessions.current(r); !ok {
		t.Error("a revoked cookie of another user locked the user out")
	}
	live := h.sessions.start(instagram.Identity{UserID: "333", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	r = getWithCookie("http://site.example/", name+"="+sealForTest(h, live)+"; "+name+"="+sealForTest(h, fresh))
	if _, ok := h.sessions.current(r); ok {
		t.Error("live sessions of two users made a session")
	}
}

// Behaviour 7: a session is bound to the request's host, or, when the
// request names none, to an absolute redirect_uri's; with neither there is
// no host to bind to. With cookie_domain sessions are not bound.
func TestHostFor(t *testing.T) {
	h := unitHandler(t)
	noHost := getWithCookie("http://site.example/", "")
	noHost.Host = ""
	for _, c := range []struct {
		hostBound    bool
		callbackHost string
		r            *http.Request
		want         string
		ok           bool
	}{
		{true, "", getWithCookie("http://site.example:8443/", ""), "site.example:8443", true},
		{true, "login.example", getWithCookie("http://site.example/", ""), "site.example", true},
		{true, "login.example", noHost, "login.example", true},
		{true, "", noHost, "", false},
		{false, "", noHost, "", true},
	} {
		h.cfg.cookies.domain, h.cfg.callbackHost = "", c.callbackHost
		if !c.hostBound { // a domain cookie is bound to no host
			h.cfg.cookies.domain = "site.example"
		}
		if got, ok := h.sessions.hostFor(c.r); got != c.want || ok != c.ok {
			t.Errorf("hostBound %v, callback host %q, Host %q: hostFor = %q, %v; want %q, %v",
				c.hostBound, c.callbackHost, c.r.Host, got, ok, c.want, c.ok)
		}
	}
}

// Behaviour 7: on a host-only site only a session of the earlier format
// opens without a host; a current one without a host opens nowhere.
func TestOnlyEarlierSessionsOpenUnbound(t *testing.T) {
	h := unitHandler(t)
	for _, c := range []struct {
		s    record.Session
		host string
		want bool
	}{
		{record.Session{Host: "site.example"}, "site.example", true},
		{record.Session{Host: "SITE.example"}, "site.example", true},
		{record.Session{Host: "site.example"}, "other.example", false},
		{record.Session{Host: ""}, "site.example", false},
		{record.Session{Host: "", Legacy: true}, "site.example", true},
	} {
		if got := h.sessions.forHost(&c.s, c.host); got != c.want {
			t.Errorf("session host %q (legacy %v) on %q: forHost %v, want %v", c.s.Host, c.s.Legacy, c.host, got, c.want)
		}
	}
}
