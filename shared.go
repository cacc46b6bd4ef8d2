package instagramauth

import (
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
	usedStates   *expiringSet  // states already spent at the callback
	revocations  *revocations  // sessions and users logged out
	refreshes    *refreshes    // token refreshes in flight and their outcomes
	throttle     loginThrottle // token requests per client and in flight (ratelimit.go)
	callbackLogs callbackLogs  // the sampled lines of refused callbacks (sampledlog.go)
}

func (s *sharedState) Destruct() error {
	return nil
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
	storage := storageOf(ctx)
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
// use. Cleanup gives it back.
func loadSharedState(ctx caddy.Context, h *Handler) (string, *sharedState, error) {
	key := sharedStateKey(ctx, h)
	v, _, err := sharedStates.LoadOrNew(key, func() (caddy.Destructor, error) {
		return &sharedState{
			usedStates:  newExpiringSet(),
			revocations: newRevocations(),
			refreshes:   newRefreshes(),
		}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return key, v.(*sharedState), nil
}
