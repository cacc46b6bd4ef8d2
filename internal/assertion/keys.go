// Package assertion signs the identity assertions the plugin hands to the
// upstream: short-lived ES256 JWTs, signed with P-256 keys that live in
// Caddy storage, rotate once per cluster, and are published as a JWKS.
//
// No request touches storage: a goroutine reloads the key set every poll
// interval, and requests sign (or reuse a cached assertion) with what
// memory holds.
package assertion

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

const (
	// MinRotation is the shortest period allowed: below it the lead and the
	// poll interval, which are fractions of it, become too short to matter.
	MinRotation = time.Minute

	// startTimeout bounds New, so a dead storage fails the start-up
	// instead of hanging it.
	startTimeout = 30 * time.Second
	// storageOpTimeout bounds each storage call of a poll.
	storageOpTimeout = 10 * time.Second
)

// Config is what New needs. Storage and ClientID are required.
type Config struct {
	Storage  certmagic.Storage
	ClientID string
	// Rotation is how long each key signs; 0 never rotates.
	Rotation time.Duration
	Now      func() time.Time // default time.Now
	Logger   *zap.Logger      // default: no logging
	// Signed, if set, is called after every new signature (not after a
	// cache hit), for the "assertions signed" counter.
	Signed func()
}

// Keys is one app's signing keys and the assertions signed with them.
// The root keeps one per (storage, client_id) for the whole process.
type Keys struct {
	storage   certmagic.Storage
	storeKey  string // the key set's storage key
	lockName  string
	timing    atomic.Pointer[timing] // replaced whole by SetRotation
	retime    chan struct{}          // SetRotation tells run to reset its ticker
	now       func() time.Time
	logger    *zap.Logger
	signed    func()
	set       atomic.Pointer[keySet]
	jwks      atomic.Pointer[jwksCache]
	assertion *cache

	pollMu  sync.Mutex // one poll at a time
	healthy bool       // false from a logged storage failure until a poll succeeds

	running   context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	startOnce sync.Once
	stopOnce  sync.Once
	started   atomic.Bool
}

// New loads the app's key set from storage, creating it under the storage
// lock if there is none, so that instances starting at once agree on one
// set and a restart keeps it. It gives up with an error after
// startTimeout.
func New(cfg Config) (*Keys, error) {
	if cfg.Storage == nil || cfg.ClientID == "" {
		return nil, errors.New("assertion keys need a storage and a client_id")
	}
	if err := checkRotation(cfg.Rotation); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	running, cancel := context.WithCancel(context.Background())
	k := &Keys{
		storage:   cfg.Storage,
		storeKey:  storageKey(cfg.ClientID),
		lockName:  lockName(cfg.ClientID),
		retime:    make(chan struct{}, 1),
		now:       cfg.Now,
		logger:    cfg.Logger,
		signed:    cfg.Signed,
		assertion: newCache(),
		healthy:   true,
		running:   running,
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	k.timing.Store(newTiming(cfg.Rotation))
	ctx, stop := context.WithTimeout(running, startTimeout)
	defer stop()
	if err := k.loadOrCreate(ctx); err != nil {
		cancel()
		return nil, err
	}
	return k, nil
}

// Start runs the poll goroutine until Stop.
func (k *Keys) Start() {
	k.startOnce.Do(func() {
		k.started.Store(true)
		go k.run()
	})
}

// Stop ends the poll goroutine, interrupting a storage call in progress
// where the storage honours its context, and waits for it.
func (k *Keys) Stop() {
	k.stopOnce.Do(func() {
		k.cancel()
		if k.started.Load() {
			<-k.done
		}
	})
}

func (k *Keys) run() {
	defer close(k.done)
	tick := time.NewTicker(k.tm().poll)
	defer tick.Stop()
	for {
		select {
		case <-k.running.Done():
			return
		case <-k.retime:
			tick.Reset(k.tm().poll)
		case <-tick.C:
			k.poll(k.running)
		}
	}
}

func checkRotation(d time.Duration) error {
	if d < 0 || (d > 0 && d < MinRotation) {
		return fmt.Errorf("assertion key rotation %v is shorter than %v", d, MinRotation)
	}
	return nil
}

// SetRotation changes the rotation period from now on: the successor of
// the key signing now is due on the new schedule (made at once, with the
// full lead, if that moment has passed). A reload that changes
// assertion_key_rotation calls it, since the keys outlive the config.
func (k *Keys) SetRotation(d time.Duration) error {
	if err := checkRotation(d); err != nil {
		return err
	}
	k.timing.Store(newTiming(d))
	select {
	case k.retime <- struct{}{}:
	default: // a reset is already pending; it reads the newest timing
	}
	return nil
}

// tm is the schedule in force.
func (k *Keys) tm() timing { return *k.timing.Load() }
