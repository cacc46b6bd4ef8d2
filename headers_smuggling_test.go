package instagramauth

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

// Behaviour 24: no identity dropped through Connection, whatever tokens a
// client names there. The attacks through a real Caddy and reverse_proxy
// are in integration/headers_smuggling_test.go.

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
