package instagramauth

import (
	"net/http"
	"net/textproto"
	"slices"
)

// identityHeaders are the request headers that carry the user upstream.
// Clients must never choose them: every copy a client sent, in any case
// and with "_" for "-" (which some upstreams, such as CGI or PHP, read as
// the same name), is deleted before ours are set.
type identityHeaders struct {
	userID, username, token string   // canonical names; token "" when off
	strip                   []string // lower-case names, "_" spelled "-"
}

func newIdentityHeaders(userID, username, token string) identityHeaders {
	ih := identityHeaders{
		userID:   textproto.CanonicalMIMEHeaderKey(userID),
		username: textproto.CanonicalMIMEHeaderKey(username),
	}
	if token != optionOff {
		ih.token = textproto.CanonicalMIMEHeaderKey(token)
	}
	// The default names are stripped too, whatever is configured: an
	// upstream written for the defaults must not be fed an identity a
	// client chose.
	for _, name := range []string{userID, username, token, defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken} {
		if name != optionOff && !slices.Contains(ih.strip, foldName(name)) {
			ih.strip = append(ih.strip, foldName(name))
		}
	}
	return ih
}

// foldName spells a header name the way stripping compares names.
func foldName(name string) string {
	b := []byte(name)
	for i, c := range b {
		b[i] = foldByte(c)
	}
	return string(b)
}

func foldByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	case c == '_':
		return '-'
	}
	return c
}

// sameFolded compares a header name with a folded one without allocating.
func sameFolded(name, folded string) bool {
	if len(name) != len(folded) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if foldByte(name[i]) != folded[i] {
			return false
		}
	}
	return true
}

// removeFrom deletes every client copy of the identity headers.
func (ih *identityHeaders) removeFrom(hdr http.Header) {
	for name := range hdr {
		for _, s := range ih.strip {
			if sameFolded(name, s) {
				delete(hdr, name)
				break
			}
		}
	}
}

// set puts the session's identity on the request, using one backing array
// for the three values.
func (ih *identityHeaders) set(hdr http.Header, s *session) {
	vals := [3]string{s.userID, s.username, s.token}
	backing := vals[:]
	hdr[ih.userID] = backing[0:1:1]
	if s.username != "" {
		hdr[ih.username] = backing[1:2:2]
	}
	if ih.token != "" {
		hdr[ih.token] = backing[2:3:3]
	}
}
