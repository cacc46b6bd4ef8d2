package instagramauth

import (
	"bytes"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

func FuzzOpenPending(f *testing.F) {
	h := fuzzHandler(f)
	h.now = func() time.Time { return unitEpoch.Add(time.Minute) }
	h.wire()
	for v := range fuzzPendings {
		f.Add(v)
		f.Add(v[:len(v)-1])
	}
	f.Add("")
	f.Add(string(record.EncodePending(record.Pending{State: "s", RedirectURI: "/cb", ReturnTo: "/", Created: unitEpoch.Unix()})))
	f.Fuzz(func(t *testing.T, value string) {
		p, ok := h.pending.open(value)
		if ok {
			want, known := fuzzPendings[value]
			if !known {
				t.Fatalf("a value never sealed opened as a state: %q", value)
			}
			if p != want {
				t.Fatalf("seed opened to %+v, want %+v", p, want)
			}
		}
		if _, isSession := fuzzSessions[value]; !isSession {
			if _, _, ok := h.keys.Open(h.cfg.aad.Session, value); ok {
				t.Fatalf("value opened as a session: %q", value)
			}
		}
		for v := range fuzzPendings {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, ok := h.pending.open(m); ok {
					t.Fatalf("mutation %q of a sealed state opened", m)
				}
			}
		}
		if p, ok := record.DecodePending([]byte(value)); ok {
			if enc := record.EncodePending(p); !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodePending(%x) = %+v re-encodes to %x", value, p, enc)
			}
		}
		// A pending login sealed now opens; one created out of the
		// window does not.
		for _, c := range []struct {
			created int64
			live    bool
		}{
			{h.now().Unix(), true},
			{h.now().Unix() - int64(stateLifetime/time.Second) + 1, true},
			{h.now().Unix() - int64(stateLifetime/time.Second), false},
			{h.now().Unix() + 61, false},
		} {
			p := record.Pending{State: value, RedirectURI: value, ReturnTo: value, Created: c.created}
			got, ok := h.pending.open(h.keys.Seal(h.cfg.aad.Pending, record.EncodePending(p)))
			if len(value) < 500 && (ok != c.live || (ok && got != p)) {
				t.Fatalf("pending created %d (now %d): opened %v, want %v", c.created, h.now().Unix(), ok, c.live)
			}
		}
	})
}
