package instagramauth

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// revocationSync keeps an app's revocations in memory and in Caddy storage
// in step, in one goroutine, so that no request ever waits for storage: a
// logout is revoked in memory at once and written in the background; every
// syncInterval the goroutine writes what is still queued and lists the
// newest records the other instances wrote. If storage fails, requests go
// on with what memory holds, writes stay queued and are retried every tick,
// and one error is logged for the whole outage (one line again once it
// ends).
type revocationSync struct {
	prefix string
	rv     *revocations
	// clock is the plugin's clock as it was when the sync was made: the
	// goroutine never reads the package variable, which tests replace.
	clock func() time.Time

	mu      sync.Mutex
	users   []*storageUser // the configs using this app's state, newest last
	queue   []revocation   // written to storage on the next flush
	healthy bool           // false from a logged failure until a round succeeds

	// Used by the goroutine only.
	lastFull, lastForget, nextClean time.Time

	wake, stop, done chan struct{}
	// running ends with stopAndFlush: a round in progress (a long queue on
	// a slow storage, a full listing) gives up, so that a reload or a stop
	// waits for the last, bounded flush only.
	running context.Context
	cancel  context.CancelFunc
}

// storageUser is one config's storage and logger: the sync always uses the
// newest config's, since an older one's storage may already be closed.
type storageUser struct {
	storage certmagic.Storage
	logger  *zap.Logger
}

const (
	syncInterval       = 5 * time.Second // the bound of the README is twice this
	fullSyncEvery      = 5 * time.Minute
	cleanEvery         = 5 * time.Minute
	forgetEvery        = time.Minute
	storageOpTimeout   = 5 * time.Second
	initialSyncTimeout = 5 * time.Second
	finalFlushTimeout  = 2 * time.Second
	maxQueued          = 100_000
	// cleanGrace is how long past its end a record is kept in storage, so
	// an instance whose clock lags still has it.
	cleanGrace = 5 * 60
)

func newRevocationSync(prefix string, rv *revocations, first *storageUser) *revocationSync {
	running, cancel := context.WithCancel(context.Background())
	return &revocationSync{
		running: running,
		cancel:  cancel,
		prefix:  prefix,
		rv:      rv,
		clock:   now,
		users:   []*storageUser{first},
		healthy: true,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// attach makes u the storage the sync uses, until detach.
func (s *revocationSync) attach(u *storageUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.users {
		if have == u {
			return
		}
	}
	s.users = append(s.users, u)
}

func (s *revocationSync) detach(u *storageUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, have := range s.users {
		if have == u && len(s.users) > 1 {
			s.users = append(s.users[:i], s.users[i+1:]...)
			return
		}
	}
}

func (s *revocationSync) current() *storageUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[len(s.users)-1]
}

// enqueue asks for rec to be written, at once.
func (s *revocationSync) enqueue(rec revocation) {
	s.mu.Lock()
	if len(s.queue) >= maxQueued {
		// Storage has been down for long: the oldest stay revoked here only.
		s.queue = s.queue[1:]
	}
	s.queue = append(s.queue, rec)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// start runs the goroutine until stopAndFlush.
func (s *revocationSync) start() {
	s.lastFull = time.Now()
	s.nextClean = time.Now().Add(jitter(cleanEvery))
	go s.run()
}

func (s *revocationSync) run() {
	defer close(s.done)
	tick := time.NewTicker(syncInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			ctx, cancel := context.WithTimeout(context.Background(), finalFlushTimeout)
			s.report(s.flush(ctx))
			cancel()
			return
		case <-s.wake:
			if err := s.flush(s.running); err != nil && s.running.Err() == nil {
				s.report(err)
			}
		case <-tick.C:
			if err := s.tick(s.running); s.running.Err() == nil {
				s.report(err)
			}
		}
	}
}

// stopAndFlush ends the goroutine after a last attempt at the queue.
func (s *revocationSync) stopAndFlush() {
	s.cancel()
	close(s.stop)
	<-s.done
}

// tick is one round: forget, write, list, clean. Forgetting comes first,
// so that memory is trimmed during a storage outage too.
func (s *revocationSync) tick(ctx context.Context) error {
	if time.Since(s.lastForget) >= forgetEvery {
		s.rv.forgetExpired(s.clock().Unix())
		s.lastForget = time.Now()
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	full := time.Since(s.lastFull) >= fullSyncEvery
	if err := s.sync(ctx, full); err != nil {
		return err
	}
	if full {
		s.lastFull = time.Now()
	}
	if time.Now().After(s.nextClean) {
		s.nextClean = time.Now().Add(jitter(cleanEvery))
		return s.clean(ctx)
	}
	return nil
}

// flush writes the queue, oldest first, stopping at the first failure or
// when ctx ends.
func (s *revocationSync) flush(ctx context.Context) error {
	u := s.current()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return nil
		}
		rec := s.queue[0]
		s.mu.Unlock()
		t := s.clock().Unix()
		if rec.until >= t {
			opCtx, cancel := context.WithTimeout(ctx, storageOpTimeout)
			err := u.storage.Store(opCtx, recordKey(s.prefix, rec, t), recordValue(rec))
			cancel()
			if err != nil {
				return err
			}
		}
		s.mu.Lock()
		s.queue = s.queue[1:]
		s.mu.Unlock()
	}
}

// sync adds to memory what storage holds: every record (full), or those of
// the buckets another instance may be writing to now.
func (s *revocationSync) sync(ctx context.Context, full bool) error {
	st := s.current().storage
	t := s.clock().Unix()
	add := func(_ string, recs []revocation, _ []string) error {
		live := recs[:0]
		for _, rec := range recs {
			if rec.until >= t {
				live = append(live, rec)
			}
		}
		s.rv.merge(live)
		return nil
	}
	if full {
		return eachBucket(ctx, st, s.prefix, add)
	}
	for b := bucketOf(t - clockSkew); b <= t+clockSkew; b += bucketWidth {
		key := bucketKey(s.prefix, b)
		recs, keys, err := listRecords(ctx, st, key)
		if err != nil {
			return err
		}
		_ = add(key, recs, keys)
	}
	return nil
}

// report logs the first failure of an outage and its end, never one line
// per request or per retry.
func (s *revocationSync) report(err error) {
	s.mu.Lock()
	was := s.healthy
	s.healthy = err == nil
	queued := len(s.queue)
	s.mu.Unlock()
	log := s.current().logger
	switch {
	case err != nil && was:
		log.Error("revocations: storage failed; sessions are served with the revocations in memory, "+
			"logouts are revoked on this instance and written to storage when it is back (retried every "+
			syncInterval.String()+")", zap.String("storage_prefix", s.prefix), zap.Int("queued", queued), zap.Error(err))
	case err != nil:
		log.Debug("revocations: storage still failing", zap.Int("queued", queued), zap.Error(err))
	case err == nil && !was:
		log.Info("revocations: storage works again; queued logouts written", zap.String("storage_prefix", s.prefix))
	}
}

// jitter spreads d over [d, 1.25 d), so instances started together do not
// clean at the same moment.
func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/4)
}
