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
// and an error is logged when the outage starts and every few minutes
// while it lasts, never once per round (trouble.go). An entry of the
// revocation folder that cannot be read is skipped, the rest applies
// (listing.go).
type Sync struct {
	prefix  string
	set     *Set
	clock   func() time.Time // the handler's, which tests set
	onError func()           // Config.OnStorageError, never nil

	mu    sync.Mutex
	users []*User  // the configs using this app's state, newest last
	queue []Record // written to storage on the next flush

	// Used by the goroutine only.
	lastFull, lastForget, nextClean time.Time
	trouble                         trouble

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
	// bound behaviour 12 promises (docs/behaviour.md) is twice this.
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

// Config is what a sync is made of, besides the storage of its first
// user.
type Config struct {
	Prefix string // the app's folder (Prefix)
	Set    *Set   // the memory it keeps in step
	// Now is the clock record times are judged by, and the log's pace.
	Now func() time.Time
	// OnStorageError, if set, is called for each storage operation that
	// failed and each entry of the revocation folder skipped as
	// unreadable: the root counts them in a metric.
	OnStorageError func()
}

// NewSync makes the sync of cfg.Set with the storage of first.
func NewSync(cfg Config, first *User) *Sync {
	running, cancel := context.WithCancel(context.Background())
	onError := cfg.OnStorageError
	if onError == nil {
		onError = func() {}
	}
	return &Sync{
		running: running,
		cancel:  cancel,
		prefix:  cfg.Prefix,
		set:     cfg.Set,
		clock:   cfg.Now,
		onError: onError,
		users:   []*User{first},
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
	l := s.listing()
	t := s.clock().Unix()
	add := func(_ string, b *listed) error {
		live := b.recs[:0]
		for _, rec := range b.recs {
			if rec.Until >= t {
				live = append(live, rec)
			}
		}
		s.set.Merge(live)
		return nil
	}
	if full {
		skipped := s.trouble.skipsTotal
		err := l.eachBucket(ctx, add, nil)
		s.trouble.fullReadEach = err == nil && s.trouble.skipsTotal == skipped
		return err
	}
	for b := bucketOf(t - clockSkew); b <= t+clockSkew; b += BucketWidth {
		key := bucketKey(s.prefix, b)
		if _, err := l.bucket(ctx, key, func(b *listed) error { return add(key, b) }); err != nil {
			return err
		}
	}
	return nil
}

// listing reads the current storage, reporting what it skips.
func (s *Sync) listing() *listing {
	return &listing{st: s.current().Storage, prefix: s.prefix, skip: s.skip}
}

// jitter spreads d over [d, 1.25 d), so instances started together do not
// clean at the same moment.
func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/4)
}
