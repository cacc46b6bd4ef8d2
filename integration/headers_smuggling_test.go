package integration

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
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

// foldHeader spells a header name as the plugin compares them when it
// strips identity headers: any case, '_' for '-' (docs/behaviour.md).
func foldHeader(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		case c == '_':
			b[i] = '-'
		}
	}
	return string(b)
}

// isIdentityHeader reports whether an upstream could read name as one of
// the default identity headers.
func isIdentityHeader(name string) bool {
	switch foldHeader(name) {
	case "x-instagram-user-id", "x-instagram-username", "x-instagram-access-token":
		return true
	}
	return false
}

// identityIn lists the headers of hdr that any spelling makes an identity
// header, with their values.
func identityIn(hdr http.Header) map[string][]string {
	found := map[string][]string{}
	for name, v := range hdr {
		if isIdentityHeader(name) {
			found[name] = v
		}
	}
	return found
}

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
