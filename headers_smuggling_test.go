package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 24: no identity smuggled in through trailers, none dropped
// through Connection. The attacks go through a real Caddy and
// reverse_proxy, written as raw HTTP/1.1 so that nothing on the client side
// tidies them up.

// trailerEcho is an upstream that reads the whole body, then answers with
// the headers and the trailers it got: request trailers arrive only once
// the body has been read.
func trailerEcho(t *testing.T) string {
	return strings.TrimPrefix(newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct{ Header, Trailer http.Header }{r.Header, r.Trailer})
	})), "http://")
}

// rawExchange writes a request as bytes on a fresh connection to the site
// (so nothing on the client side normalises it) and reads the answer.
func rawExchange(t *testing.T, raw string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(sitePort), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, strings.ReplaceAll(raw, "\n", "\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// identityIn lists the headers of hdr that any spelling makes an identity
// header (clause 2's folding), with their values.
func identityIn(hdr http.Header) map[string][]string {
	found := map[string][]string{}
	for name, v := range hdr {
		switch foldName(name) {
		case "x-instagram-user-id", "x-instagram-username", "x-instagram-access-token":
			found[name] = v
		}
	}
	return found
}

// Behaviour 24: a chunked request whose trailers carry identity headers,
// in any spelling, declared or not, never reaches the upstream with them:
// with a session, and without one on a path the directive does not guard.
func TestTrailersCannotCarryIdentity(t *testing.T) {
	up := trailerEcho(t)
	h := newHarness(t, withMatcher("/private*"), withSite("handle /echo-trailers* {\n\treverse_proxy "+up+"\n}"))
	h.mustLogin(h.client, "tina", "/private")
	session := sessionCookie(h.client)
	for name, cookie := range map[string]string{"with a session": session, "without a session": ""} {
		t.Run(name, func(t *testing.T) {
			raw := "POST /echo-trailers HTTP/1.1\nHost: localhost:9080\nAccept: application/json\n" +
				"Content-Type: text/plain\nTransfer-Encoding: chunked\n" +
				"Trailer: X-Instagram-User-Id, X_Instagram_Username, x-instagram-access-token\n"
			if cookie != "" {
				raw += "Cookie: " + insecureCookieName + "=" + cookie + "\n"
			}
			raw += "\n5\nhello\n0\nX-Instagram-User-Id: 99999\nX_Instagram_Username: mallory\n" +
				"x-instagram-access-token: forged\nX-INSTAGRAM_USER_ID: 88888\nX-Other-Trailer: kept\n\n"
			resp := rawExchange(t, raw)
			var got struct{ Header, Trailer http.Header }
			if body := readAll(t, resp); resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
			if forged := identityIn(got.Trailer); len(forged) > 0 {
				t.Errorf("the upstream got identity trailers %v", forged)
			}
			if got.Trailer.Get("X-Other-Trailer") != "kept" {
				t.Errorf("another trailer was lost: %v", got.Trailer)
			}
			wantID := ""
			if cookie != "" {
				wantID = instagramtest.UserID("tina")
			}
			if id := got.Header.Values("X-Instagram-User-Id"); len(id) > 1 || got.Header.Get("X-Instagram-User-Id") != wantID {
				t.Errorf("the upstream got user id headers %q, want %q", id, wantID)
			}
		})
	}
}

// Behaviour 24: a client cannot name the identity headers in Connection to
// make reverse_proxy drop, as hop-by-hop, what the plugin set; other
// tokens of Connection keep their meaning.
func TestConnectionCannotDropIdentity(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "uma", "/")
	for _, connection := range []string{
		"X-Instagram-User-Id, X-Instagram-Access-Token, X-Instagram-Username",
		"keep-alive, x_instagram_user_id,X-INSTAGRAM-ACCESS-TOKEN , x-instagram_username, X-Hop",
	} {
		resp := rawExchange(t, "GET / HTTP/1.1\nHost: localhost:9080\nAccept: application/json\n"+
			"Cookie: "+insecureCookieName+"="+sessionCookie(h.client)+"\n"+
			"Connection: "+connection+"\nX-Hop: dropped as hop-by-hop\n\n")
		e := h.upstreamSaw(resp)
		if got, want := e.Header.Get("X-Instagram-User-Id"), instagramtest.UserID("uma"); got != want {
			t.Errorf("Connection: %s: the upstream got user id %q, want %q", connection, got, want)
		}
		if e.Header.Get("X-Instagram-Username") != "uma" || e.Header.Get("X-Instagram-Access-Token") == "" {
			t.Errorf("Connection: %s: username %q, token present %v", connection,
				e.Header.Get("X-Instagram-Username"), e.Header.Get("X-Instagram-Access-Token") != "")
		}
		if strings.Contains(connection, "X-Hop") && e.Header.Get("X-Hop") != "" {
			t.Errorf("Connection: %s: X-Hop, named in Connection, reached the upstream", connection)
		}
	}
}

func TestRemoveFromConnection(t *testing.T) {
	ih := unitDefaultHeaders()
	for _, tc := range []struct {
		in   []string
		want []string // nil: no Connection header left
	}{
		{[]string{"keep-alive"}, []string{"keep-alive"}},
		{[]string{"X-Instagram-User-Id"}, nil},
		{[]string{"x_instagram_user_id , X-INSTAGRAM-ACCESS-TOKEN"}, nil},
		{[]string{"keep-alive, X-Instagram-Username, Upgrade"}, []string{"keep-alive, Upgrade"}},
		{[]string{"Upgrade", "X-Instagram-User-Id,\tx-instagram_username", "close"}, []string{"Upgrade", "close"}},
		{[]string{",,X-Instagram-User-Id,,X-Hop,"}, []string{"X-Hop"}},
		{[]string{"X-Instagram-User-Ids, X-Instagram"}, []string{"X-Instagram-User-Ids, X-Instagram"}},
		{[]string{""}, []string{""}},
	} {
		hdr := http.Header{"Connection": slices.Clone(tc.in)}
		ih.removeFromConnection(hdr, hdr["Connection"])
		if got, ok := hdr["Connection"]; !slices.Equal(got, tc.want) || ok != (tc.want != nil) {
			t.Errorf("Connection %q became %q (present %v), want %q", tc.in, got, ok, tc.want)
		}
	}
}

// FuzzConnectionTokens: whatever the client's Connection lines, once the
// plugin has cleaned them and set the identity, a proxy that drops the
// headers Connection names (as Caddy's reverse_proxy does) keeps the
// identity; every other token survives, in order; a line that names no
// identity header is left exactly as sent.
func FuzzConnectionTokens(f *testing.F) {
	for _, seed := range [][2]string{
		{"keep-alive", ""},
		{"X-Instagram-User-Id, X-Instagram-Access-Token", "Upgrade"},
		{"keep-alive, x_instagram_username,X-INSTAGRAM-ACCESS-TOKEN ", "close"},
		{",, X-Instagram-User-Id\t,", "X-Hop, x-instagram-user_id"},
		{"X-Instagram-User-Ids", "X-Instagram"},
	} {
		f.Add(seed[0], seed[1])
	}
	ih := unitDefaultHeaders()
	others := func(lines []string) (kept []string) {
		for _, line := range lines {
			for _, tok := range strings.Split(line, ",") {
				if tok = textproto.TrimString(tok); tok != "" && identityIn(http.Header{tok: nil}) == nil {
					kept = append(kept, tok)
				}
			}
		}
		return kept
	}
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		sent := []string{line1, line2}
		hdr := http.Header{"Connection": slices.Clone(sent)}
		ih.removeFromConnection(hdr, hdr["Connection"])
		got := hdr["Connection"]
		if !slices.Equal(others(got), others(sent)) {
			t.Fatalf("%q became %q: other tokens %q, want %q", sent, got, others(got), others(sent))
		}
		for i, line := range got {
			if j := slices.Index(sent, line); j < 0 && others([]string{line}) != nil && !strings.Contains(line, ", ") {
				t.Fatalf("line %d %q of %q is neither as sent nor rebuilt", i, line, got)
			}
		}
		if len(others(sent)) == len(strings.Split(line1+","+line2, ",")) && !slices.Equal(got, sent) {
			t.Fatalf("%q named no identity header but became %q", sent, got)
		}
		// What a proxy does next: the identity is set, then every header
		// Connection names is dropped as hop-by-hop.
		ih.set(hdr, &record.Session{UserID: "1", Username: "u", Token: "T"})
		for _, line := range hdr["Connection"] {
			for _, tok := range strings.Split(line, ",") {
				if tok = textproto.TrimString(tok); tok != "" {
					hdr.Del(tok)
				}
			}
		}
		if hdr.Get(defaultHeaderUserID) != "1" || hdr.Get(defaultHeaderUsername) != "u" || hdr.Get(defaultHeaderToken) != "T" {
			t.Fatalf("Connection %q (cleaned to %q) made a proxy drop the identity: %v", sent, got, hdr)
		}
	})
}
