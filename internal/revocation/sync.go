package revocation

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// Sync keeps an app's revocations in memory and in Caddy storage
// in step, in one goroutine, so that no request ever waits for storage: a
// logout is revoked in memory at once and written in the background; every
// syncInterval the goroutine writes what is still queued and lists the
// newest records the other instances wrote. If storage fails, requests go
// on with what memory holds, writes stay queued and are retried every tick,
// and one error is logged for the whole outage (one line again once it
// ends).
type Sync struct {
	prefix string
	set    *Set
	clock  func() time.Time // the handler's, which tests set

	mu      sync.Mutex
	users   []*User  // the configs using this app's state, newest last
	queue   []Record // written to storage on the next flush
	healthy bool     // false from a logged failure until a round succeeds

	// Used by the goroutine only.
	lastFull, lastForget, nextClean time.Time

	wake, stop, done chan struct{}
	// running ends with Stop: a round in progress (a long queue on
	// a slow storage, a full listing) gives up, so that a reload or a stop
	// waits for the last, bounded flush only.
	running context.Context
	cancel  context.CancelFunc
}

// User is one config's storage and logger: the sync always uses the
// newest config's, since an older one's storage may already be closed.
type User struct {
	Storage certmagic.Storage
	Logger  *zap.Logger
}

const (
	// SyncInterval is how often the newest records are listed: the
	// bound the README promises is twice this.
	SyncInterval       = 5 * time.Second
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

// NewSync makes the sync of set with storage under prefix; now is the
// clock record times are judged by.
func NewSync(prefix string, set *Set, first *User, now func() time.Time) *Sync {
	running, cancel := context.WithCancel(context.Background())
	return &Sync{
		running: running,
		cancel:  cancel,
		prefix:  prefix,
		set:     set,
		clock:   now,
		users:   []*User{first},
		healthy: true,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// Attach makes u the storage the sync uses, until detach.
func (s *Sync) Attach(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.users {
		if have == u {
			return
		}
	}
	s.users = append(s.users, u)
}

func (s *Sync) Detach(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, have := range s.users {
		if have == u && len(s.users) > 1 {
			s.users = append(s.users[:i], s.users[i+1:]...)
			return
		}
	}
}

func (s *Sync) current() *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[len(s.users)-1]
}

// Enqueue asks for rec to be written, at once.
func (s *Sync) Enqueue(rec Record) {
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

// Start reads the records already in storage before the first request
// (bounded by a timeout: a storage that is down must not keep Caddy from
// starting), so a restarted instance refuses logged-out cookies at once,
// then runs the goroutine until Stop.
func (s *Sync) Start() {
	ctx, cancel := context.WithTimeout(context.Background(), initialSyncTimeout)
	defer cancel()
	err := s.sync(ctx, true)
	s.report(err)
	if err == nil {
		s.current().Logger.Debug("revocations loaded from storage", zap.String("storage_prefix", s.prefix),
			zap.Int("records", s.set.Len()))
	}
	s.start()
}

// start runs the goroutine until Stop.
func (s *Sync) start() {
	s.lastFull = time.Now()
	s.nextClean = time.Now().Add(jitter(cleanEvery))
	go s.run()
}

func (s *Sync) run() {
	defer close(s.done)
	tick := time.NewTicker(SyncInterval)
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

// Stop ends the goroutine after a last attempt at the queue.
func (s *Sync) Stop() {
	s.cancel()
	close(s.stop)
	<-s.done
}

// tick is one round: forget, write, list, clean. Forgetting comes first,
// so that memory is trimmed during a storage outage too.
func (s *Sync) tick(ctx context.Context) error {
	if time.Since(s.lastForget) >= forgetEvery {
		s.set.ForgetExpired(s.clock().Unix())
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
func (s *Sync) flush(ctx context.Context) error {
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
		if rec.Until >= t {
			opCtx, cancel := context.WithTimeout(ctx, storageOpTimeout)
			err := u.Storage.Store(opCtx, RecordKey(s.prefix, rec, t), RecordValue(rec))
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
func (s *Sync) sync(ctx context.Context, full bool) error {
	st := s.current().Storage
	t := s.clock().Unix()
	add := func(_ string, recs []Record, _ []string) error {
		live := recs[:0]
		for _, rec := range recs {
			if rec.Until >= t {
				live = append(live, rec)
			}
		}
		s.set.Merge(live)
		return nil
	}
	if full {
		return eachBucket(ctx, st, s.prefix, add)
	}
	for b := bucketOf(t - clockSkew); b <= t+clockSkew; b += BucketWidth {
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
func (s *Sync) report(err error) {
	s.mu.Lock()
	was := s.healthy
	s.healthy = err == nil
	queued := len(s.queue)
	s.mu.Unlock()
	log := s.current().Logger
	switch {
	case err != nil && was:
		log.Error("revocations: storage failed; sessions are served with the revocations in memory, "+
			"logouts are revoked on this instance and written to storage when it is back (retried every "+
			SyncInterval.String()+")", zap.String("storage_prefix", s.prefix), zap.Int("queued", queued), zap.Error(err))
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
