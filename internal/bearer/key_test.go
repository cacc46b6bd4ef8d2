package bearer

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestKeyOfIsSHA256(t *testing.T) {
	for _, tok := range []string{"", "IGAAbc", string(make([]byte, 5000))} {
		if KeyOf(tok) != Key(sha256.Sum256([]byte(tok))) {
			t.Fatalf("KeyOf(%.10q) is not its SHA-256", tok)
		}
	}
}

func TestSID(t *testing.T) {
	a, b := KeyOf("IGAAtoken-a"), KeyOf("IGAAtoken-b")
	sid := a.SID()
	if sid != KeyOf("IGAAtoken-a").SID() {
		t.Fatal("SID not stable for one token")
	}
	if sid == b.SID() {
		t.Fatal("two tokens share a SID")
	}
	if bytes.Equal(sid[:], a[:16]) || bytes.Contains([]byte("IGAAtoken-a"), sid[:4]) {
		t.Fatal("SID is a piece of the key or the token")
	}
	if sid == ([16]byte{}) {
		t.Fatal("zero SID")
	}
}
