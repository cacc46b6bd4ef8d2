package instagramauth

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

func unitDefaultHeaders() identityHeaders {
	return newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken)
}

func TestRemoveFromStripsEverySpelling(t *testing.T) {
	ih := unitDefaultHeaders()
	spoofed := []string{
		"X-Instagram-User-Id",
		"x-instagram-user-id",
		"X-INSTAGRAM-USER-ID",
		"X_INSTAGRAM_USER_ID",
		"x_instagram_user_id",
		"X-Instagram_User-Id",
		"X_Instagram-User_Id",
		"X-Instagram-Username",
		"x_instagram_username",
		"X-INSTAGRAM_USERNAME",
		"X-Instagram-Access-Token",
		"x_instagram_access_token",
		"X-Instagram-Access_Token",
	}
	kept := map[string][]string{
		"X-Instagram-User-Idx":   {"k1"},
		"X-Instagram-User":       {"k2"},
		"X-Other":                {"k3"},
		"Instagram-User-Id":      {"k4"},
		"X-Instagram-User-Id-2":  {"k5"},
		"Xinstagram-User-Id":     {"k6"},
		"X-Instagram-Usernames":  {"k7"},
		"X-Instagram.User.Id":    {"k8"},
		"Authorization":          {"Bearer x"},
		"X-Instagram-Access-Tok": {"k9"},
	}

	hdr := http.Header{}
	for _, name := range spoofed {
		// Raw map keys, as a client's non-canonical spelling may arrive
		// (HTTP/2 lower case, or a name with "_" that Go leaves alone).
		hdr[name] = []string{"666"}
	}
	hdr.Add("X-Instagram-User-Id", "777") // and canonical via Add
	for k, v := range kept {
		hdr[k] = v
	}
	ih.removeFrom(hdr)
	for _, name := range spoofed {
		if _, ok := hdr[name]; ok {
			t.Errorf("client header %q survived", name)
		}
	}
	if !reflect.DeepEqual(map[string][]string(hdr), kept) {
		t.Errorf("unrelated headers changed:\n got %v\nwant %v", hdr, kept)
	}
}

func TestRemoveFromCustomNames(t *testing.T) {
	ih := newIdentityHeaders("Remote-User", "remote_name", "X-Token")
	hdr := http.Header{
		"Remote-User":              {"a"},
		"REMOTE_USER":              {"b"},
		"Remote-Name":              {"c"},
		"remote-name":              {"d"},
		"X_TOKEN":                  {"e"},
		"X-Instagram-User-Id":      {"default name, not configured: still stripped"},
		"X-Instagram-Access-Token": {"default token name, not configured: still stripped"},
		"Remote-Users":             {"kept"},
	}
	ih.removeFrom(hdr)
	var left []string
	for k := range hdr {
		left = append(left, k)
	}
	sort.Strings(left)
	want := []string{"Remote-Users"}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

func TestRemoveFromWithTokenOff(t *testing.T) {
	// header_token off: no token goes upstream, but a client copy of the
	// default token header is still removed.
	ih := newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, optionOff)
	hdr := http.Header{
		"X-Instagram-Access-Token": {"forged"},
		"x_instagram_access_token": {"forged"},
		"X-Instagram-User-Id":      {"forged"},
		"Off":                      {"kept"},
	}
	ih.removeFrom(hdr)
	if len(hdr) != 1 || hdr.Get("Off") != "kept" {
		t.Errorf("after removeFrom: %v", hdr)
	}

	// A custom token name: both it and the default name are stripped, so
	// an upstream written for the default is never fed a client's token.
	ih = newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, "X-Custom-Token")
	hdr = http.Header{"X-Instagram-Access-Token": {"forged"}, "X-Custom-Token": {"forged"}, "Other": {"kept"}}
	ih.removeFrom(hdr)
	if len(hdr) != 1 || hdr.Get("Other") != "kept" {
		t.Errorf("custom token name: after removeFrom: %v", hdr)
	}
}

func TestRemoveFromEmptyAndNil(t *testing.T) {
	ih := unitDefaultHeaders()
	ih.removeFrom(nil)
	hdr := http.Header{}
	ih.removeFrom(hdr)
	if len(hdr) != 0 {
		t.Errorf("empty header grew: %v", hdr)
	}
}

func TestSetHeaders(t *testing.T) {
	s := &session{userID: "17841405793187218", username: "alice", token: "TOKEN", expires: 1}

	hdr := http.Header{}
	ih := unitDefaultHeaders()
	ih.set(hdr, s)
	want := http.Header{
		"X-Instagram-User-Id":      {"17841405793187218"},
		"X-Instagram-Username":     {"alice"},
		"X-Instagram-Access-Token": {"TOKEN"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set: got %v, want %v", hdr, want)
	}

	// No username: no username header at all (not an empty one).
	hdr = http.Header{}
	ih.set(hdr, &session{userID: "1", token: "T"})
	if _, ok := hdr["X-Instagram-Username"]; ok || len(hdr) != 2 {
		t.Errorf("set without username: %v", hdr)
	}

	// Token off: no token header.
	ih = newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, optionOff)
	hdr = http.Header{}
	ih.set(hdr, s)
	want = http.Header{
		"X-Instagram-User-Id":  {"17841405793187218"},
		"X-Instagram-Username": {"alice"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set with token off: got %v, want %v", hdr, want)
	}

	// Custom names are set canonical, whatever their configured case.
	ih = newIdentityHeaders("remote-user", "REMOTE-NAME", "x-token")
	hdr = http.Header{}
	ih.set(hdr, s)
	want = http.Header{
		"Remote-User": {"17841405793187218"},
		"Remote-Name": {"alice"},
		"X-Token":     {"TOKEN"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set with custom names: got %v, want %v", hdr, want)
	}
	if hdr.Get("remote-user") != s.userID {
		t.Error("Get cannot find the user id header")
	}

	// Appending to one header must not change another (shared backing).
	hdr.Add("Remote-User", "extra")
	if hdr.Get("Remote-Name") != "alice" || hdr.Get("X-Token") != "TOKEN" {
		t.Errorf("Add to one header changed another: %v", hdr)
	}
}

// Strip then set, as ServeHTTP does: only our values reach the upstream.
func TestStripThenSet(t *testing.T) {
	ih := unitDefaultHeaders()
	hdr := http.Header{
		"X-Instagram-User-Id":  {"1", "2"},
		"x_instagram_username": {"mallory"},
		"X_Instagram_Username": {"mallory"},
	}
	ih.removeFrom(hdr)
	ih.set(hdr, &session{userID: "42", token: "T"})
	want := http.Header{
		"X-Instagram-User-Id":      {"42"},
		"X-Instagram-Access-Token": {"T"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("got %v, want %v", hdr, want)
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"X-Instagram-User-Id": "x-instagram-user-id",
		"X_INSTAGRAM_USER_ID": "x-instagram-user-id",
		"a_b-C":               "a-b-c",
		"":                    "",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
		if !sameFolded(in, want) {
			t.Errorf("sameFolded(%q, %q) = false", in, want)
		}
	}
	if sameFolded("x-instagram-user-i", "x-instagram-user-id") || sameFolded("y-instagram-user-id", "x-instagram-user-id") {
		t.Error("sameFolded matched different names")
	}
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
		ih.set(hdr, &session{userID: "1", username: "u", token: "T"})
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

// The hot path pays for the trailers and Connection only what it must: a
// request without trailers, over HTTP/1.1 with Connection: keep-alive as
// browsers send it. Run with
//
//	go test -run '^$' -bench StripFrom -benchmem .
func BenchmarkStripFrom(b *testing.B) {
	ih := unitDefaultHeaders()
	for name, extra := range map[string][]string{"no Connection": nil, "keep-alive": {"Connection", "keep-alive"}} {
		b.Run(name, func(b *testing.B) {
			r := benchRequest(b, "/dashboard", append([]string{"Accept", "text/html", "Cookie", "a=1"}, extra...)...)
			b.ReportAllocs()
			for b.Loop() {
				ih.stripFrom(r)
			}
			if r.Header.Get("User-Agent") == "" || len(extra) > 0 && r.Header.Get("Connection") != "keep-alive" {
				b.Fatal("stripFrom removed a header that is not an identity header")
			}
		})
	}
}
