package bearer

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	long := strings.Repeat("A", maxTokenLen)
	cases := []struct {
		name   string
		values []string
		token  string
		kind   Kind
	}{
		{"no header", nil, "", Absent},
		{"empty", []string{""}, "", Absent},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, "", Absent},
		{"another scheme starting like bearer", []string{"Bearerish abc"}, "", Absent},
		{"two basic lines", []string{"Basic a", "Basic b"}, "", Absent},

		{"bearer", []string{"Bearer IGAAbc123"}, "IGAAbc123", Present},
		{"lower case scheme", []string{"bearer x"}, "x", Present},
		{"shouting scheme", []string{"BEARER x"}, "x", Present},
		{"every b64token character", []string{"Bearer aZ09-._~+/=="}, "aZ09-._~+/==", Present},
		{"16 KiB", []string{"Bearer " + long}, long, Present},

		{"scheme alone", []string{"Bearer"}, "", Malformed},
		{"scheme and a space", []string{"Bearer "}, "", Malformed},
		{"two spaces", []string{"Bearer  x"}, "", Malformed},
		{"tab", []string{"Bearer\tx"}, "", Malformed},
		{"trailing space", []string{"Bearer x "}, "", Malformed},
		{"two tokens", []string{"Bearer x y"}, "", Malformed},
		{"comma list", []string{"Bearer x, Basic y"}, "", Malformed},
		{"control character", []string{"Bearer x\x00y"}, "", Malformed},
		{"newline", []string{"Bearer x\ny"}, "", Malformed},
		{"DEL", []string{"Bearer x\x7f"}, "", Malformed},
		{"non-ASCII", []string{"Bearer tök"}, "", Malformed},
		{"quote", []string{`Bearer "x"`}, "", Malformed},
		{"padding only", []string{"Bearer =="}, "", Malformed},
		{"padding inside", []string{"Bearer a=b"}, "", Malformed},
		{"16 KiB + 1", []string{"Bearer " + long + "A"}, "", Malformed},
		{"two bearer lines", []string{"Bearer x", "Bearer x"}, "", Malformed},
		{"bearer and basic lines", []string{"Basic a", "Bearer x"}, "", Malformed},
		{"bearer and an empty line", []string{"Bearer x", ""}, "", Malformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token, kind := Parse(c.values)
			if token != c.token || kind != c.kind {
				t.Fatalf("Parse(%.40q) = %.20q, %v; want %.20q, %v", c.values, token, kind, c.token, c.kind)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"Bearer x", "bearer  x", "Basic x", "Bearer x=", "Bearer\tx"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		token, kind := Parse([]string{v})
		switch kind {
		case Present:
			if !strings.EqualFold(v[:7], "bearer ") || v[7:] != token || !isB64Token(token) {
				t.Fatalf("Parse(%q) accepted %q", v, token)
			}
		case Absent, Malformed:
			if token != "" {
				t.Fatalf("Parse(%q) = %q with kind %v", v, token, kind)
			}
		default:
			t.Fatalf("kind %v", kind)
		}
		for _, c := range []byte(token) {
			if c <= ' ' || c >= 0x7f {
				t.Fatalf("Parse(%q) accepted a token with %q", v, c)
			}
		}
	})
}
