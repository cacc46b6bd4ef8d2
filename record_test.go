package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestSessionEncoding(t *testing.T) {
	for _, s := range []session{
		{},
		{userID: "17841405793187218", username: "alice", token: "IGQVJ-token_value", expires: 1767225600},
		{userID: "123456789012345678901234567890", expires: -1},
		{userID: "9007199254740993", username: "", token: "", expires: 0},
		{userID: "1", username: "a.b_c", token: strings.Repeat("t", 300), expires: 1<<63 - 1},
		{userID: "\x00\xff", username: "\n;=", token: "ü", expires: -1 << 63},
		{id: sessionID{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xfe}, userID: "17841405793187218", username: "shop",
			token: "IGAA", host: "app.example.com:8443", created: 1767225600, issued: 1767229200,
			expires: 1767225600 + 90*86400, tokenExpires: 1767225600 + 60*86400, longLived: true},
	} {
		b := encodeSession(&s)
		got, ok := decodeSession(b)
		if !ok || got != s {
			t.Fatalf("decodeSession(encodeSession(%+v)) = %+v, %v", s, got, ok)
		}
		if !bytes.Equal(encodeSession(&got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", s)
		}
	}
}

func TestPendingEncoding(t *testing.T) {
	for _, p := range []pendingLogin{
		{},
		{state: randomState(), redirectURI: "https://site.example/oauth2/instagram/callback", returnTo: "/admin?x=1", created: 1767225600},
		{state: "s", redirectURI: "", returnTo: "", created: -5},
		{state: "", redirectURI: strings.Repeat("u", 200), returnTo: "/" + strings.Repeat("r", 1000), created: 1<<63 - 1},
	} {
		b := encodePending(p)
		got, ok := decodePending(b)
		if !ok || got != p {
			t.Fatalf("decodePending(encodePending(%+v)) = %+v, %v", p, got, ok)
		}
		if !bytes.Equal(encodePending(got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", p)
		}
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	good := encodeSession(&session{id: sessionID{1, 2, 3}, userID: "17841405793187218", username: "alice", token: "T", expires: 42})
	goodP := encodePending(pendingLogin{state: "st", redirectURI: "https://x/cb", returnTo: "/", created: 42})
	malformed := func(b []byte, fixed int, version byte, fields int) [][]byte {
		var bad [][]byte
		for i := 0; i < len(b); i++ {
			bad = append(bad, b[:i]) // every truncation
		}
		head := b[:fixed]
		empty := func(n int) []byte { return append(bytes.Clone(head), make([]byte, n)...) }
		bad = append(bad,
			append(bytes.Clone(b), 0),         // an extra empty field's worth
			append(bytes.Clone(b), 'x'),       // a trailing byte
			append([]byte{0}, b[1:]...),       // version 0
			append([]byte{version}, b[1:]...), // the other format's version
			append([]byte{0xff}, b[1:]...),    // version 255
			append(bytes.Clone(head), 1, 'a'), // too few fields
			empty(fields-1),                   // one field short
			empty(fields+1),                   // one field too many
			append(bytes.Clone(head), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),       // huge length
			append(bytes.Clone(head), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80), // varint overflow
			append(bytes.Clone(head), 0x80, 0x00, 0, 0),                                                 // overlong (non-minimal) length of 0
			append(bytes.Clone(head), 0x81, 0x00, 'a', 0, 0),                                            // overlong length of 1
		)
		return bad
	}
	const sessionFixed = 1 + 4*8 + 1
	badSessions := malformed(good, sessionFixed, formatV1, 5)
	flags := bytes.Clone(good)
	flags[sessionFixed-1] = 0x80 // an unknown flag
	shortID := append(bytes.Clone(good[:sessionFixed]), appendFields(nil, "short-id", "1", "", "", "")...)
	badSessions = append(badSessions, flags, shortID)
	for _, b := range badSessions {
		if s, ok := decodeSession(b); ok && !s.legacy {
			t.Fatalf("decodeSession(%x) = %+v, want failure", b, s)
		}
	}
	for _, b := range malformed(goodP, 9, formatV2, 3) {
		if p, ok := decodePending(b); ok {
			t.Fatalf("decodePending(%x) = %+v, want failure", b, p)
		}
	}
}

// A record of the earlier format (sessions before format 2) still decodes,
// marked legacy, with what it held.
func TestDecodeSessionFormat1(t *testing.T) {
	v1 := recordV1{time: 1796248006, fields: [3]string{"17841400000000001", "alice", "IGAA-token"}}.encode()
	s, ok := decodeSession(v1)
	if !ok || !s.legacy || s.userID != "17841400000000001" || s.username != "alice" || s.token != "IGAA-token" || s.expires != 1796248006 {
		t.Fatalf("format 1 record decoded to %+v, %v", s, ok)
	}
}

// A session sealed and opened as a whole, the way cookies carry it: ids
// beyond 2^53 keep every digit.
func TestSessionThroughSeal(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(seal.SessionPurpose, insecureCookieName)
	s := session{userID: "17841405793187219", username: "alice", token: "IGAA.secret-token", expires: 1767225600}
	value := ring.Seal(aad, encodeSession(&s))
	if strings.Contains(value, s.token) || strings.Contains(value, s.userID) || strings.Contains(value, s.username) {
		t.Fatal("sealed value shows its contents")
	}
	plain, _, ok := ring.Open(aad, value)
	if !ok {
		t.Fatal("open failed")
	}
	got, ok := decodeSession(plain)
	if !ok || got != s {
		t.Fatalf("got %+v, %v; want %+v", got, ok, s)
	}
}

func TestReadFieldsCanonical(t *testing.T) {
	// Lengths are minimal uvarints: one plaintext, one encoding.
	for _, n := range []int{0, 1, 127, 128, 300, 16384} {
		f := strings.Repeat("z", n)
		b := appendFields(nil, f)
		var out [1]string
		if !readFields(b, out[:]) || out[0] != f {
			t.Fatalf("field of %d bytes did not round-trip", n)
		}
		if want := binary.PutUvarint(make([]byte, binary.MaxVarintLen64), uint64(n)); len(b) != want+n {
			t.Fatalf("length prefix of %d is %d bytes, want %d", n, len(b)-n, want)
		}
	}
}
