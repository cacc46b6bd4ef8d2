package bearer

import (
	"strings"

	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
)

// Kind says what a request's Authorization header lines offer.
type Kind int

const (
	// Absent: no Authorization header, or only other schemes (Basic, a
	// Digest...). The request offers no bearer token and is judged as if
	// bearer tokens were not allowed.
	Absent Kind = iota
	// Malformed: a Bearer credential that is not exactly one well-formed
	// token on exactly one header line. It is refused (401) without asking
	// Instagram.
	Malformed
	// Present: exactly one well-formed token, worth a check.
	Present
)

// maxTokenLen bounds a token. Instagram's are a few hundred bytes; a
// longer one is refused before it costs a hash or a call.
const maxTokenLen = 16 << 10

const scheme = "Bearer"

// Parse reads the values of a request's Authorization header, as
// r.Header["Authorization"] holds them, and returns the token when there
// is exactly one well-formed one. It is strict on purpose: the credential
// must be exactly "Bearer", one space, and one token of RFC 6750's
// b64token characters (letters, digits, "-._~+/", then any "=" padding).
// Stricter than RFC 6750's 1*SP, a second space is malformed: proxies that
// read "Bearer  x" differently must not disagree about which token this
// request carries. Likewise a second header line next to a Bearer one is
// malformed, not a choice between them. It allocates nothing.
func Parse(values []string) (token string, kind Kind) {
	offered := false
	for _, v := range values {
		offered = offered || hasBearerScheme(v)
	}
	switch {
	case !offered:
		return "", Absent
	case len(values) != 1:
		return "", Malformed
	}
	token, ok := strings.CutPrefix(values[0][len(scheme):], " ")
	if !ok || !isB64Token(token) {
		return "", Malformed
	}
	return token, Present
}

// hasBearerScheme reports whether v's auth-scheme, the leading run of
// token characters, is Bearer in any case: "Bearer\tx" names the Bearer
// scheme (and is malformed), "Bearerx y" names another one.
func hasBearerScheme(v string) bool {
	return len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) &&
		(len(v) == len(scheme) || !ascii.IsTchar(v[len(scheme)]))
}

// isB64Token reports whether t is RFC 6750's b64token, at most maxTokenLen
// bytes long.
func isB64Token(t string) bool {
	if len(t) == 0 || len(t) > maxTokenLen {
		return false
	}
	i := 0
	for i < len(t) && isB64Char(t[i]) {
		i++
	}
	if i == 0 {
		return false // all padding
	}
	for i < len(t) && t[i] == '=' {
		i++
	}
	return i == len(t)
}

func isB64Char(c byte) bool {
	return ascii.IsAlnum(c) || strings.IndexByte("-._~+/", c) >= 0
}
