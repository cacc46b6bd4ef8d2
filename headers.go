package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// identityHeaders are the request headers that carry the user upstream.
// Clients must never choose them: every copy a client sent, in any case
// and with "_" for "-" (which some upstreams, such as CGI or PHP, read as
// the same name), is deleted before ours are set.
type identityHeaders struct {
	userID, username, token string   // canonical names; token "" when off
	assertion               string   // canonical name; "" without assertion_header
	strip                   []string // lower-case names, "_" spelled "-"
	shortest                int      // length of the shortest of strip
}

// assertion is the assertion header's name, "" for none: it has no
// default name to strip when it is off, since a client's copy of a header
// nothing sets is for the upstream to ignore.
func newIdentityHeaders(userID, username, token, assertion string) identityHeaders {
	ih := identityHeaders{
		userID:    textproto.CanonicalMIMEHeaderKey(userID),
		username:  textproto.CanonicalMIMEHeaderKey(username),
		assertion: textproto.CanonicalMIMEHeaderKey(assertion),
	}
	if token != optionOff {
		ih.token = textproto.CanonicalMIMEHeaderKey(token)
	}
	// The default names are stripped too, whatever is configured: an
	// upstream written for the defaults must not be fed an identity a
	// client chose.
	for _, name := range []string{userID, username, token, assertion, defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken} {
		if name != optionOff && name != "" && !slices.Contains(ih.strip, foldName(name)) {
			ih.strip = append(ih.strip, foldName(name))
		}
	}
	ih.shortest = len(ih.strip[0])
	for _, s := range ih.strip {
		ih.shortest = min(ih.shortest, len(s))
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

// stripFrom deletes every client copy of the identity headers from the
// request: from its header; from its trailers, which a proxy passes on as
// the client sent them; and from the tokens of its Connection header, which
// would make a proxy drop, as hop-by-hop, the headers the plugin sets.
func (ih *identityHeaders) stripFrom(r *http.Request) {
	if connection := ih.removeFrom(r.Header); connection != nil {
		ih.removeFromConnection(r.Header, connection)
	}
	if r.Trailer != nil {
		ih.removeFrom(r.Trailer)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &trailerGuard{ReadCloser: r.Body, trailer: r.Trailer, ih: ih}
		}
	}
}

// trailerGuard strips the trailers again once the body is read: only then
// does net/http fill them in, and over HTTP/1 with names the client never
// declared too. It runs before the reader that asked sees the end of the
// body, so a proxy forwarding the trailers finds them clean.
type trailerGuard struct {
	io.ReadCloser
	trailer http.Header
	ih      *identityHeaders
}

func (g *trailerGuard) Read(p []byte) (int, error) {
	n, err := g.ReadCloser.Read(p)
	if err == io.EOF {
		g.ih.removeFrom(g.trailer)
	}
	return n, err
}

// removeFromConnection deletes the identity names, in every spelling,
// from the tokens of the Connection header, keeping the others (such as
// keep-alive or Upgrade) in order. A line is copied only when it names one.
func (ih *identityHeaders) removeFromConnection(hdr http.Header, lines []string) {
	var kept []string
	changed := false
	for i, line := range lines {
		if !ih.namesAnyIn(line) {
			if changed {
				kept = append(kept, line)
			}
			continue
		}
		if !changed {
			kept, changed = append(make([]string, 0, len(lines)), lines[:i]...), true
		}
		if rest := ih.withoutIdentityTokens(line); rest != "" {
			kept = append(kept, rest)
		}
	}
	switch {
	case !changed:
	case len(kept) == 0:
		delete(hdr, "Connection")
	default:
		hdr["Connection"] = kept
	}
}

// nextToken splits the first token off a Connection line, trimmed as
// Caddy's reverse_proxy trims them; "" for an empty element.
func nextToken(line string) (token, rest string) {
	token, rest, _ = strings.Cut(line, ",")
	return textproto.TrimString(token), rest
}

func (ih *identityHeaders) namesAnyIn(line string) bool {
	if len(line) < ih.shortest {
		return false // "keep-alive", "close", "Upgrade": the usual lines
	}
	for token := ""; line != ""; {
		if token, line = nextToken(line); ih.isIdentityName(token) {
			return true
		}
	}
	return false
}

func (ih *identityHeaders) withoutIdentityTokens(line string) string {
	var b strings.Builder
	for token := ""; line != ""; {
		if token, line = nextToken(line); token != "" && !ih.isIdentityName(token) {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(token)
		}
	}
	return b.String()
}

// isIdentityName reports whether name, in any spelling, is one of the
// identity headers.
func (ih *identityHeaders) isIdentityName(name string) bool {
	for _, s := range ih.strip {
		if sameFolded(name, s) {
			return true
		}
	}
	return false
}

// removeFrom deletes every client copy of the identity headers, and
// returns the Connection lines of hdr, found on the way so that the usual
// request pays no lookup of its own for them.
func (ih *identityHeaders) removeFrom(hdr http.Header) (connection []string) {
	for name, values := range hdr {
		if ih.isIdentityName(name) {
			delete(hdr, name)
		} else if name == "Connection" {
			connection = values
		}
	}
	return connection
}

// setAll puts the session's identity on hdr, with its signed assertion
// when there is one, using one backing array for the values.
func (ih *identityHeaders) setAll(hdr http.Header, s *record.Session, assertion string) {
	if assertion == "" || ih.assertion == "" {
		vals := [3]string{s.UserID, s.Username, s.Token}
		ih.put(hdr, vals[:])
		return
	}
	vals := [4]string{s.UserID, s.Username, s.Token, assertion}
	ih.put(hdr, vals[:])
}

// put sets the user id, username and token of vals, and the assertion
// when vals holds a fourth value.
func (ih *identityHeaders) put(hdr http.Header, vals []string) {
	hdr[ih.userID] = vals[0:1:1]
	if vals[1] != "" {
		hdr[ih.username] = vals[1:2:2]
	}
	if ih.token != "" {
		hdr[ih.token] = vals[2:3:3]
	}
	if len(vals) > 3 {
		hdr[ih.assertion] = vals[3:4:4]
	}
}
