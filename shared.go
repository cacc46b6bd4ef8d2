package instagramauth

import (
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"fmt"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
)

// sharedStates holds what must outlive a config reload: a reload
// provisions the new handlers before the old ones are cleaned up, so an
// entry taken in Provision and released in Cleanup lives on across it, and
// is destructed once no config uses it.
var sharedStates = caddy.NewUsagePool()

// sharedState is the server memory of one app: the handlers of every
// config that share the storage, the client_id and the cookie name share
// it. Handlers of other apps never see it: their sessions and revocations
// are none of its business.
type sharedState struct {
	now          func() time.Time  // the clock of the handler that made it
	usedStates   *expiringSet      // states already spent at the callback
	revocations  *revocation.Set   // sessions and users logged out
	refreshes    *refreshes        // token refreshes in flight and their outcomes
	throttle     throttle.Throttle // token requests per client and in flight
	callbackLogs callbackLogs      // the sampled lines of refused callbacks (sampledlog.go)
	sync         *revocation.Sync  // nil without storage (benchmarks, unit tests)
	metaRefusals sampledLog        // refused Meta callbacks (sampledlog.go)
}

// Destruct stops the sync once no config uses the state, writing what is
// still queued if storage lets it.
func (s *sharedState) Destruct() error {
	if s.sync != nil {
		s.sync.Stop()
	}
	return nil
}

// revokeSession ends the session with that id everywhere: in memory at
// once, in storage in the background. It reports whether that is news.
func (s *sharedState) revokeSession(id record.ID, until int64) bool {
	return s.revoke(revocation.Record{Session: id, Until: until})
}

// revokeUser ends, everywhere, every session of userID that started before
// notBefore. A replay changes nothing and writes nothing.
func (s *sharedState) revokeUser(userID string, notBefore, until int64) bool {
	return s.revoke(revocation.Record{User: userID, NotBefore: notBefore, Until: until})
}

func (s *sharedState) revoke(rec revocation.Record) bool {
	if rec.Until < s.now().Unix() {
		return false // every session it names has ended anyway
	}
	if s.revocations.Merge([]revocation.Record{rec}) == 0 {
		return false
	}
	if s.sync != nil {
		s.sync.Enqueue(rec)
	}
	return true
}

// sharedStateKey names the app a handler serves: the storage it shares
// with other instances, its client_id and its cookie name.
func sharedStateKey(ctx caddy.Context, h *Handler) string {
	return fmt.Sprintf("storage=%s client_id=%q cookie=%q", storageIdentity(ctx), h.ClientID, h.CookieName)
}

// storageIdentity names the storage: Caddy's storages print their location
// (file_system's "FileStorage:<path>"); for one that does not, its type and
// address, which at worst gives each config its own memory, refilled from
// storage.
func storageIdentity(ctx caddy.Context) string {
	return storageName(storageOf(ctx))
}

// storageName names a storage as storageIdentity does.
func storageName(storage certmagic.Storage) string {
	if storage == nil {
		return "none"
	}
	if s, ok := storage.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T@%p", storage, storage)
}

// storageOf is the config's storage, or nil for a context made without a
// config (benchmarks, unit tests), whose Storage method would panic.
func storageOf(ctx caddy.Context) (storage certmagic.Storage) {
	defer func() {
		if recover() != nil {
			storage = nil
		}
	}()
	return ctx.Storage()
}

// loadSharedState takes the handler's entry of the pool, making it on first
// use, and makes this config's storage the one its sync uses. Cleanup gives
// both back (releaseSharedState).
func loadSharedState(ctx caddy.Context, h *Handler) (string, *sharedState, error) {
	key := sharedStateKey(ctx, h)
	var user *revocation.User
	if st := storageOf(ctx); st != nil {
		user = &revocation.User{Storage: st, Logger: h.logger}
	}
	v, _, err := sharedStates.LoadOrNew(key, func() (caddy.Destructor, error) {
		return newSharedState(revocation.Prefix(h.ClientID, h.CookieName), user, h.now), nil
	})
	if err != nil {
		return "", nil, err
	}
	s := v.(*sharedState)
	if s.sync != nil && user != nil {
		s.sync.Attach(user)
		h.storageUser = user
	}
	return key, s, nil
}

// newSharedState makes an app's state. With storage, its revocations are
// read from storage before the first request and kept in step after.
func newSharedState(prefix string, user *revocation.User, now func() time.Time) *sharedState {
	s := &sharedState{now: now, usedStates: newExpiringSet(now), revocations: revocation.NewSet(), refreshes: newRefreshes(now)}
	if user == nil {
		return s
	}
	s.sync = revocation.NewSync(revocation.Config{Prefix: prefix, Set: s.revocations, Now: now, OnStorageError: countStorageError}, user)
	s.sync.Start()
	return s
}

// releaseSharedState gives back what loadSharedState took.
func (h *Handler) releaseSharedState() error {
	if h.sharedKey == "" {
		return nil
	}
	if h.shared.sync != nil && h.storageUser != nil {
		h.shared.sync.Detach(h.storageUser)
	}
	_, err := sharedStates.Delete(h.sharedKey)
	return err
}
