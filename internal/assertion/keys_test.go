package assertion

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// fakeClock is the time every instance of a test reads.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testInstance is one Keys and what it logged.
type testInstance struct {
	*Keys
	logs *observer.ObservedLogs
}

func newInstance(t *testing.T, storage certmagic.Storage, clock *fakeClock, rotation time.Duration) testInstance {
	t.Helper()
	inst, err := tryInstance(storage, clock, rotation)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	return inst
}

func tryInstance(storage certmagic.Storage, clock *fakeClock, rotation time.Duration) (testInstance, error) {
	core, logs := observer.New(zapcore.InfoLevel)
	k, err := New(Config{Storage: storage, ClientID: "1234567890", Rotation: rotation, Now: clock.now, Logger: zap.New(core)})
	return testInstance{Keys: k, logs: logs}, err
}

func fileStorage(t testing.TB) *certmagic.FileStorage {
	return &certmagic.FileStorage{Path: t.TempDir()}
}

// kids is the kids of k's key set in order of their start.
func kids(k *Keys) []string { return setKids(k.set.Load()) }

func setKids(set *keySet) []string {
	var out []string
	for _, key := range set.keys {
		out = append(out, key.kid)
	}
	return out
}

func TestInstancesStartingTogetherAgreeOnOneKeySet(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	var wg sync.WaitGroup
	got := make([]testInstance, 2)
	errs := make([]error, 2)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = tryInstance(storage, clock, DefaultRotation) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := kids(got[0].Keys), kids(got[1].Keys)
	if len(a) != 1 || strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("instances disagree: %v and %v", a, b)
	}

	clock.advance(time.Hour)
	restarted := newInstance(t, storage, clock, DefaultRotation)
	if c := kids(restarted.Keys); strings.Join(c, ",") != strings.Join(a, ",") {
		t.Fatalf("after a restart the keys are %v, were %v", c, a)
	}
	st := restarted.Status()
	if st.KeyID != a[0] || st.NextKeyID != "" || st.StorageKey != storageKey("1234567890") || st.Rotation != DefaultRotation {
		t.Fatalf("status %+v", st)
	}
}

func TestNewRefusesARotationShorterThanAMinute(t *testing.T) {
	for _, r := range []time.Duration{-time.Minute, time.Second, 59 * time.Second} {
		if _, err := tryInstance(fileStorage(t), newFakeClock(), r); err == nil {
			t.Errorf("rotation %v accepted", r)
		}
	}
	for _, r := range []time.Duration{0, time.Minute} {
		if _, err := tryInstance(fileStorage(t), newFakeClock(), r); err != nil {
			t.Errorf("rotation %v refused: %v", r, err)
		}
	}
}

// failingStorage fails every call while failing is set.
type failingStorage struct {
	*certmagic.FileStorage
	mu      sync.Mutex
	failing bool
}

var errStorageDown = errors.New("storage down")

func (s *failingStorage) down() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errStorageDown
	}
	return nil
}

func (s *failingStorage) set(failing bool) {
	s.mu.Lock()
	s.failing = failing
	s.mu.Unlock()
}

func (s *failingStorage) Load(ctx context.Context, key string) ([]byte, error) {
	if err := s.down(); err != nil {
		return nil, err
	}
	return s.FileStorage.Load(ctx, key)
}

func (s *failingStorage) Store(ctx context.Context, key string, value []byte) error {
	if err := s.down(); err != nil {
		return err
	}
	return s.FileStorage.Store(ctx, key, value)
}

func (s *failingStorage) Lock(ctx context.Context, name string) error {
	if err := s.down(); err != nil {
		return err
	}
	return s.FileStorage.Lock(ctx, name)
}

func (s *failingStorage) TryLock(ctx context.Context, name string) (bool, error) {
	if err := s.down(); err != nil {
		return false, err
	}
	return s.FileStorage.TryLock(ctx, name)
}

func TestNewFailsWhenStorageFails(t *testing.T) {
	storage := &failingStorage{FileStorage: fileStorage(t), failing: true}
	_, err := tryInstance(storage, newFakeClock(), DefaultRotation)
	if !errors.Is(err, errStorageDown) || !strings.Contains(err.Error(), storageKey("1234567890")) {
		t.Fatalf("New on a failing storage: %v", err)
	}
}

func TestStopEndsThePollGoroutine(t *testing.T) {
	k := newInstance(t, fileStorage(t), newFakeClock(), DefaultRotation)
	k.Start()
	k.Start() // a second Start is harmless
	k.Stop()
	select {
	case <-k.done:
	default:
		t.Fatal("Stop returned with the goroutine still running")
	}
	k.Stop() // and so is a second Stop
}
