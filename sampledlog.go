package instagramauth

import (
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Refused and failed callbacks are logged sampled (behaviour 22,
// docs/behaviour.md): anyone can make them by the thousand, and a line each would bury the
// log, as an attack review found (20,000 lines in seven seconds). A few
// lines of each kind go through per second; the rest are counted, and the
// next line that goes through says how many it stands for.

const sampledLinesPerSecond = 5

// sampledLog gates one kind of line. The zero value is ready for use.
type sampledLog struct {
	mu       sync.Mutex
	second   int64
	lines    int
	skipped  int
	flushing bool // a flush of the skipped count is scheduled
}

// admit reports whether a line may go out at t, and how many lines of its
// kind were held back since the last one that did; flush asks the caller
// to report the held-back lines a second from now, should no line of the
// kind go out by then.
func (s *sampledLog) admit(t time.Time) (ok bool, skipped int, flush bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := t.Unix(); sec != s.second {
		s.second, s.lines = sec, 0
	}
	if s.lines >= sampledLinesPerSecond {
		s.skipped++
		flush, s.flushing = !s.flushing, true
		return false, 0, flush
	}
	s.lines++
	skipped, s.skipped = s.skipped, 0
	return true, skipped, false
}

// takeSkipped returns the lines held back and not yet reported.
func (s *sampledLog) takeSkipped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	skipped := s.skipped
	s.skipped, s.flushing = 0, false
	return skipped
}

// callbackLogs are the kinds of line a stranger can make the callback
// write at will.
type callbackLogs struct {
	denied, badState, throttled, providerFailed, codeSpent, misconfigured sampledLog
}

// logSampler writes the lines a stranger can make the handler write at
// will, each kind through its gate.
type logSampler struct {
	logger *zap.Logger
	now    func() time.Time
}

// log writes a line through the gate of its kind. Lines of a level
// the logger leaves out are not counted. A burst that ends is still
// accounted for: a second later, one line says how many were held back.
func (ls logSampler) log(gate *sampledLog, level zapcore.Level, msg string, fields ...zap.Field) {
	ce := ls.logger.Check(level, msg)
	if ce == nil {
		return
	}
	ok, skipped, flush := gate.admit(ls.now())
	if flush {
		time.AfterFunc(time.Second, func() { ls.reportSkipped(gate, level, msg) })
	}
	if !ok {
		return
	}
	if skipped > 0 {
		fields = append(fields, zap.Int("similar_not_logged", skipped))
	}
	ce.Write(fields...)
}

func (ls logSampler) reportSkipped(gate *sampledLog, level zapcore.Level, msg string) {
	if skipped := gate.takeSkipped(); skipped > 0 {
		if ce := ls.logger.Check(level, msg); ce != nil {
			ce.Write(zap.Int("similar_not_logged", skipped))
		}
	}
}
