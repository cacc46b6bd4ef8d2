package revocation

import (
	"time"

	"go.uber.org/zap"
)

// troubleLogEvery is how often a storage failure that lasts is logged
// again at error level: often enough to be seen in any recent stretch of
// the log, never once per round (every 5 s).
const troubleLogEvery = 5 * time.Minute

// trouble is what the sync knows of storage failures, to keep them visible
// while they last. Two kinds: a round that failed (storage down: writes
// stay queued), and entries of the revocation folder skipped because they
// cannot be read (the records in them do not apply, the rest do). Each
// failure is counted through Config.OnStorageError; lines are paced by
// troubleLogEvery. Used by Start and then by the goroutine only.
type trouble struct {
	down         bool      // the last round failed
	downLogged   time.Time // when the outage was last logged as an error
	skipped      int       // entries skipped since the last line
	firstKey     string    // the first of them, and why
	firstErr     error
	skipsLogged  time.Time // when skips were last logged; zero once they ended
	skipsTotal   int       // ever, to tell whether a full listing skipped any
	fullReadEach bool      // a full listing since the last report skipped nothing, nor anything after it
}

// skip reports an entry left out of a listing.
func (s *Sync) skip(key string, err error) {
	s.onError()
	tr := &s.trouble
	tr.fullReadEach = false // a clean-up after the full listing may skip
	if tr.skipped == 0 {
		tr.firstKey, tr.firstErr = key, err
	}
	tr.skipped++
	tr.skipsTotal++
}

// report ends a round: err is the round's failure, if it failed. It logs
// the start of an outage or of skipped entries at once, again every
// troubleLogEvery while it lasts (at debug level in between), and their
// end once.
func (s *Sync) report(err error) {
	t := s.clock()
	log := s.current().Logger.With(zap.String("storage_prefix", s.prefix))
	s.reportSkips(t, log)
	tr := &s.trouble
	if err == nil {
		if tr.down {
			log.Info("revocations: storage works again; queued logouts written")
		}
		tr.down = false
		return
	}
	s.onError()
	s.mu.Lock()
	queued := len(s.queue)
	s.mu.Unlock()
	switch {
	case !tr.down:
		log.Error("revocations: storage failed; sessions are served with the revocations in memory, "+
			"logouts are revoked on this instance and written to storage when it is back (retried every "+
			SyncInterval.String()+")", zap.Int("queued", queued), zap.Error(err))
		tr.downLogged = t
	case t.Sub(tr.downLogged) >= troubleLogEvery:
		log.Error("revocations: storage still failing", zap.Int("queued", queued), zap.Error(err))
		tr.downLogged = t
	default:
		log.Debug("revocations: storage still failing", zap.Int("queued", queued), zap.Error(err))
	}
	tr.down = true
}

func (s *Sync) reportSkips(t time.Time, log *zap.Logger) {
	tr := &s.trouble
	over := tr.fullReadEach
	tr.fullReadEach = false
	switch {
	case over:
		// Whatever was skipped before, the last full listing read it all.
		if !tr.skipsLogged.IsZero() {
			log.Info("revocations: every entry of the revocation folder can be read again")
		}
		tr.skipsLogged, tr.skipped = time.Time{}, 0
	case tr.skipped > 0 && (tr.skipsLogged.IsZero() || t.Sub(tr.skipsLogged) >= troubleLogEvery):
		log.Error("revocations: entries of the revocation folder cannot be read and are skipped; "+
			"the records in them do not apply, the others do",
			zap.Int("skipped", tr.skipped), zap.String("entry", tr.firstKey), zap.Error(tr.firstErr))
		tr.skipsLogged, tr.skipped = t, 0
	case tr.skipped > 0:
		// Counted on until the next line.
		log.Debug("revocations: entries of the revocation folder still skipped", zap.Int("skipped", tr.skipped),
			zap.String("entry", tr.firstKey), zap.Error(tr.firstErr))
	}
}
