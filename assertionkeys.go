package instagramauth

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/assertion"
	"github.com/b4b0c547/caddy-instagram-auth/internal/storagelock"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// appKeysPool holds each app's assertion signing keys for the whole
// process: the handlers of every config that share the storage and the
// client_id use one key set (behaviour 30), which a reload keeps (the new
// config takes its entry before the old one gives it back) and which stops
// polling storage once no config uses it.
var appKeysPool = caddy.NewUsagePool()

// appKeys is one app's entry in the pool: its keys, and the handlers using
// them, in the order they were provisioned. The newest handler's storage,
// logger and rotation are the ones in force, so that a reload hands the
// keys the new config's (the old config's storage may be closed once it
// unloads), and a reload that fails gives the old config's back.
type appKeys struct {
	keys *assertion.Keys

	mu    sync.Mutex
	users []*keysUser
	locks map[string]certmagic.Storage // held storage locks, by name: the storage that took each
}

// keysUser is what one handler lends the keys.
type keysUser struct {
	storage  certmagic.Storage
	logger   *zap.Logger
	rotation time.Duration
	clientID string
}

// appKeysName names the pool entry: storage and client_id, as the key set
// in storage is named by the client_id. The rotation is not part of it:
// one key set has one schedule (the newest config's; see attach).
func appKeysName(storage certmagic.Storage, clientID string) string {
	return fmt.Sprintf("storage=%s client_id=%q", storageName(storage), clientID)
}

// loadAppKeys takes the app's entry, making the keys on first use (which
// reads them from storage, or makes the first key there under the storage
// lock), and lends them u.
func loadAppKeys(name string, u *keysUser, now func() time.Time) (*appKeys, error) {
	v, loaded, err := appKeysPool.LoadOrNew(name, func() (caddy.Destructor, error) {
		a := &appKeys{users: []*keysUser{u}, locks: map[string]certmagic.Storage{}}
		keys, err := assertion.New(assertion.Config{
			Storage: storageRelay{a}, ClientID: u.clientID, Rotation: u.rotation, Now: now,
			Logger: zap.New(loggerRelay{a}).Named(u.logger.Name()), Signed: countAssertionSigned,
		})
		if err != nil {
			return nil, err
		}
		a.keys = keys
		keys.Start()
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	a := v.(*appKeys)
	if loaded {
		a.attach(u)
	}
	return a, nil
}

// release gives back what loadAppKeys took.
func (a *appKeys) release(name string, u *keysUser) error {
	a.detach(u)
	_, err := appKeysPool.Delete(name)
	return err
}

// Destruct stops the keys' poll goroutine once no config uses them.
func (a *appKeys) Destruct() error {
	a.keys.Stop()
	return nil
}

// attach puts u's storage, logger and rotation in force.
func (a *appKeys) attach(u *keysUser) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.current().rotation
	a.users = append(a.users, u)
	a.applyRotation(was)
}

// detach takes u's back; the newest handler left is in force again.
func (a *appKeys) detach(u *keysUser) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.current().rotation
	if i := slices.Index(a.users, u); i >= 0 && len(a.users) > 1 {
		a.users = slices.Delete(a.users, i, i+1)
	}
	a.applyRotation(was)
}

// applyRotation gives the keys the rotation of the handler in force, if it
// is not was. A reload that changes assertion_key_rotation lands here, and
// so do two sites of one app that ask for different periods: they cannot
// have both, since they share one key set. Called with mu held.
func (a *appKeys) applyRotation(was time.Duration) {
	u := a.current()
	if u.rotation == was {
		return
	}
	if err := a.keys.SetRotation(u.rotation); err != nil {
		u.logger.Error("assertion_key_rotation not applied", zap.Error(err))
		return
	}
	u.logger.Warn("sites that share the storage and the client_id share one assertion key set, rotated on one "+
		"schedule: it is now this config's (give every such site the same assertion_key_rotation)",
		zap.String("client_id", u.clientID), zap.String("rotation", rotationName(u.rotation)),
		zap.String("was", rotationName(was)))
}

func rotationName(d time.Duration) string {
	if d == 0 {
		return optionOff
	}
	return d.String()
}

func (a *appKeys) current() *keysUser { return a.users[len(a.users)-1] }

func (a *appKeys) currentUser() *keysUser {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current()
}

// storageRelay is the storage the keys are given: the storage of the
// handler in force. A lock is released on the storage that took it.
type storageRelay struct{ a *appKeys }

func (s storageRelay) st() certmagic.Storage { return s.a.currentUser().storage }

func (s storageRelay) Lock(ctx context.Context, name string) error {
	st := s.st()
	if err := st.Lock(ctx, name); err != nil {
		return err
	}
	s.held(name, st)
	return nil
}

// TryLock is the storage's own where it has one; else a lock awaited for
// at most lockWait, since the keys only try when a rotation is due and
// another instance holding the lock is making it.
func (s storageRelay) TryLock(ctx context.Context, name string) (bool, error) {
	st := s.st()
	locked, err := storagelock.Try(ctx, st, name, relayLockWait)
	if locked {
		s.held(name, st)
	}
	return locked, err
}

// relayLockWait bounds TryLock on a storage that has none.
const relayLockWait = 10 * time.Second

func (s storageRelay) held(name string, st certmagic.Storage) {
	s.a.mu.Lock()
	s.a.locks[name] = st
	s.a.mu.Unlock()
}

func (s storageRelay) Unlock(ctx context.Context, name string) error {
	s.a.mu.Lock()
	st, ok := s.a.locks[name]
	delete(s.a.locks, name)
	s.a.mu.Unlock()
	if !ok {
		st = s.st()
	}
	return st.Unlock(ctx, name)
}

func (s storageRelay) Store(ctx context.Context, key string, value []byte) error {
	return s.st().Store(ctx, key, value)
}

func (s storageRelay) Load(ctx context.Context, key string) ([]byte, error) {
	return s.st().Load(ctx, key)
}

func (s storageRelay) Delete(ctx context.Context, key string) error { return s.st().Delete(ctx, key) }

func (s storageRelay) Exists(ctx context.Context, key string) bool { return s.st().Exists(ctx, key) }

func (s storageRelay) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	return s.st().List(ctx, path, recursive)
}

func (s storageRelay) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	return s.st().Stat(ctx, key)
}

// loggerRelay writes the keys' log lines with the logger of the handler in
// force: an unloaded config's log may be closed.
type loggerRelay struct{ a *appKeys }

func (l loggerRelay) core() zapcore.Core { return l.a.currentUser().logger.Core() }

func (l loggerRelay) Enabled(level zapcore.Level) bool { return l.core().Enabled(level) }
func (l loggerRelay) With(fields []zapcore.Field) zapcore.Core {
	return l.core().With(fields)
}
func (l loggerRelay) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return l.core().Check(e, ce)
}
func (l loggerRelay) Write(e zapcore.Entry, fields []zapcore.Field) error {
	return l.core().Write(e, fields)
}
func (l loggerRelay) Sync() error { return l.core().Sync() }

var (
	_ certmagic.Storage   = storageRelay{}
	_ certmagic.TryLocker = storageRelay{}
	_ zapcore.Core        = loggerRelay{}
)
