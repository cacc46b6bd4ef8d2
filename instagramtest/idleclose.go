package instagramtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// StartClosingIdle is Start behind a server whose keep-alive connections
// time out after idle, in the one way that makes a client's POST fail.
//
// A server that closes an idle connection ahead of time does no harm to Go's
// http.Transport: the client's idle connection sees the FIN and leaves the
// pool, and the next request dials afresh (this package's tests show it).
// Requests fail when the server's idle timer fires just as a request
// arrives: the client has written its request on a connection it had every
// reason to think alive, and the server closes it without an answer. For a
// POST the Transport then returns the bare io.EOF (as *url.Error
// `Post "...": EOF`), since it cannot know whether the server acted on it;
// it resends by itself, on a new connection, only the requests it deems
// replayable: GET, HEAD, OPTIONS and TRACE without a body, or any request
// with an Idempotency-Key or X-Idempotency-Key header and a body it can
// rewind.
//
// That moment is made deterministic here: every answer advertises keep-alive
// (no Connection: close) and the connection stays open, but a request that
// arrives on a connection more than idle after its previous answer is read
// in full and the connection closed without an answer. The request never
// reaches the Provider (a code it carries is not used up) and is counted by
// DroppedRequests. The first request on a connection is always served.
// Idleness is measured by the real clock, not SetClock's.
func StartClosingIdle(t testing.TB, clientID, clientSecret string, idle time.Duration) *Server {
	t.Helper()
	p := New(clientID, clientSecret)
	c := &idleCloser{next: p, idle: idle}
	srv := httptest.NewUnstartedServer(c)
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, new(connActivity))
	}
	s := serve(t, p, srv)
	s.closer = c
	return s
}

// DroppedRequests counts the requests a StartClosingIdle server closed the
// connection on without answering; it is 0 for other servers.
func (s *Server) DroppedRequests() int {
	if s.closer == nil {
		return 0
	}
	return int(s.closer.dropped.Load())
}

type connKey struct{}

// connActivity is what the server knows of one connection: when it last
// finished an answer on it, in Unix nanoseconds, or 0 before the first.
type connActivity struct{ lastAnswer atomic.Int64 }

type idleCloser struct {
	next    http.Handler
	idle    time.Duration
	dropped atomic.Int64
}

func (c *idleCloser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn := r.Context().Value(connKey{}).(*connActivity)
	if last := conn.lastAnswer.Load(); last != 0 && time.Since(time.Unix(0, last)) > c.idle {
		c.drop(w, r)
		return
	}
	c.next.ServeHTTP(w, r)
	conn.lastAnswer.Store(time.Now().UnixNano())
}

// drop closes the connection under r without answering. The body is read
// first so that the client has written everything (the production case,
// where the request is already on the wire) and so that the close is a
// clean FIN, not a reset for unread data.
func (c *idleCloser) drop(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	c.dropped.Add(1)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // not HTTP/1, which is all httptest.Server speaks
		http.Error(w, "instagramtest: cannot close the connection: "+err.Error(), http.StatusInternalServerError)
		return
	}
	conn.Close()
}
