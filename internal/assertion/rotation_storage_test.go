package assertion

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestAStorageOutageLogsOnceAndRequestsGoOn(t *testing.T) {
	storage := &failingStorage{FileStorage: fileStorage(t)}
	clock := newFakeClock()
	k := newInstance(t, storage, clock, 2*time.Minute)
	before := kids(k.Keys)

	storage.set(true)
	for range 10 { // through the moment the next key is due
		clock.advance(15 * time.Second)
		k.poll(t.Context())
		s := subject("17841400000000001", clock.now().Add(time.Hour))
		s.Session[0]++
		if _, err := k.Assertion(s, clock.now()); err != nil {
			t.Fatalf("a request failed during the outage: %v", err)
		}
	}
	if errs := k.logs.FilterLevelExact(zapcore.ErrorLevel).Len(); errs != 1 {
		t.Fatalf("%d error lines for one outage, want 1", errs)
	}
	if got := kids(k.Keys); !slices.Equal(got, before) {
		t.Fatalf("keys changed during the outage: %v", got)
	}

	storage.set(false)
	for range 3 {
		k.poll(t.Context())
	}
	if back := k.logs.FilterMessageSnippet("storage works again").Len(); back != 1 {
		t.Fatalf("%d lines for the end of the outage, want 1: %v", back, k.logs.All())
	}
	if got := kids(k.Keys); len(got) != len(before)+1 {
		t.Fatalf("the overdue key was not made after the outage: %v", got)
	}

	storage.set(true) // a second outage is news again
	k.poll(t.Context())
	if errs := k.logs.FilterLevelExact(zapcore.ErrorLevel).Len(); errs != 2 {
		t.Fatalf("%d error lines after a second outage, want 2", errs)
	}
}

func TestAWipedKeySetIsWrittenBack(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	k := newInstance(t, storage, clock, DefaultRotation)
	before := kids(k.Keys)
	if err := storage.Delete(t.Context(), k.storeKey); err != nil {
		t.Fatal(err)
	}
	k.poll(t.Context())
	restarted := newInstance(t, storage, clock, DefaultRotation)
	if got := kids(restarted.Keys); !slices.Equal(got, before) {
		t.Fatalf("after a wipe storage holds %v, memory held %v", got, before)
	}
	if warned := k.logs.FilterMessageSnippet("missing from storage").Len(); warned != 1 {
		t.Fatalf("%d warnings about the wipe, want 1", warned)
	}
}

func TestAKeySetCorruptedWhileRunningLeavesMemoryAlone(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	k := newInstance(t, storage, clock, DefaultRotation)
	before := kids(k.Keys)
	data, secret := storedDoc(t, func(sk map[string]any) { sk["kid"] = "not-the-kid" })
	if err := storage.Store(t.Context(), k.storeKey, data); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		k.poll(t.Context())
	}
	if got := kids(k.Keys); !slices.Equal(got, before) {
		t.Fatalf("a corrupted key set replaced memory: %v", got)
	}
	errs := k.logs.FilterLevelExact(zapcore.ErrorLevel).All()
	if len(errs) != 1 {
		t.Fatalf("%d error lines, want 1", len(errs))
	}
	buf, err := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()).EncodeEntry(errs[0].Entry, errs[0].Context)
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if !strings.Contains(line, "kid is not the thumbprint") {
		t.Fatalf("the log line %q does not say what is wrong", line)
	}
	for _, leak := range []string{secret, "not-the-kid"} {
		if strings.Contains(line, leak) {
			t.Fatalf("the log line %q quotes stored content", line)
		}
	}
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	if _, err := k.Assertion(s, clock.now()); err != nil {
		t.Fatal(err)
	}
}
