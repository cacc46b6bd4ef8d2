package record

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
)

func TestSessionEncoding(t *testing.T) {
	for _, s := range []Session{
		{},
		{UserID: "17841405793187218", Username: "alice", Token: "IGQVJ-token_value", Expires: 1767225600},
		{UserID: "123456789012345678901234567890", Expires: -1},
		{UserID: "9007199254740993", Username: "", Token: "", Expires: 0},
		{UserID: "1", Username: "a.b_c", Token: strings.Repeat("t", 300), Expires: 1<<63 - 1},
		{UserID: "\x00\xff", Username: "\n;=", Token: "ü", Expires: -1 << 63},
		{ID: ID{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xfe}, UserID: "17841405793187218", Username: "shop",
			Token: "IGAA", Host: "app.example.com:8443", Created: 1767225600, Issued: 1767229200,
			Expires: 1767225600 + 90*86400, TokenExpires: 1767225600 + 60*86400, LongLived: true},
	} {
		b := EncodeSession(&s)
		got, ok := DecodeSession(b)
		if !ok || got != s {
			t.Fatalf("decodeSession(encodeSession(%+v)) = %+v, %v", s, got, ok)
		}
		if !bytes.Equal(EncodeSession(&got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", s)
		}
	}
}

func TestPendingEncoding(t *testing.T) {
	for _, p := range []Pending{
		{},
		{State: "c3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3Q", RedirectURI: "https://site.example/oauth2/instagram/callback", ReturnTo: "/admin?x=1", Created: 1767225600},
		{State: "s", RedirectURI: "", ReturnTo: "", Created: -5},
		{State: "", RedirectURI: strings.Repeat("u", 200), ReturnTo: "/" + strings.Repeat("r", 1000), Created: 1<<63 - 1},
	} {
		b := EncodePending(p)
		got, ok := DecodePending(b)
		if !ok || got != p {
			t.Fatalf("decodePending(encodePending(%+v)) = %+v, %v", p, got, ok)
		}
		if !bytes.Equal(EncodePending(got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", p)
		}
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	good := EncodeSession(&Session{ID: ID{1, 2, 3}, UserID: "17841405793187218", Username: "alice", Token: "T", Expires: 42})
	goodP := EncodePending(Pending{State: "st", RedirectURI: "https://x/cb", ReturnTo: "/", Created: 42})
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
		if s, ok := DecodeSession(b); ok && !s.Legacy {
			t.Fatalf("decodeSession(%x) = %+v, want failure", b, s)
		}
	}
	for _, b := range malformed(goodP, 9, formatV2, 3) {
		if p, ok := DecodePending(b); ok {
			t.Fatalf("decodePending(%x) = %+v, want failure", b, p)
		}
	}
}

// A record of the earlier format (sessions before format 2) still decodes,
// marked legacy, with what it held.
func TestDecodeSessionFormat1(t *testing.T) {
	v1 := V1{Time: 1796248006, Fields: [3]string{"17841400000000001", "alice", "IGAA-token"}}.Encode()
	s, ok := DecodeSession(v1)
	if !ok || !s.Legacy || s.UserID != "17841400000000001" || s.Username != "alice" || s.Token != "IGAA-token" || s.Expires != 1796248006 {
		t.Fatalf("format 1 record decoded to %+v, %v", s, ok)
	}
}

// A session sealed and opened as a whole, the way cookies carry it: ids
// beyond 2^53 keep every digit.
func TestSessionThroughSeal(t *testing.T) {
	ring, err := seal.NewRing([]string{base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA1}, seal.KeySize))})
	if err != nil {
		t.Fatal(err)
	}
	aad := seal.Bind(seal.SessionPurpose, "_instagram_auth", "app-id")
	s := Session{UserID: "17841405793187219", Username: "alice", Token: "IGAA.secret-token", Expires: 1767225600}
	value := ring.Seal(aad, EncodeSession(&s))
	if strings.Contains(value, s.Token) || strings.Contains(value, s.UserID) || strings.Contains(value, s.Username) {
		t.Fatal("sealed value shows its contents")
	}
	plain, _, ok := ring.Open(aad, value)
	if !ok {
		t.Fatal("open failed")
	}
	got, ok := DecodeSession(plain)
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
