package instagram

import (
	"net/http"
	"time"
)

// Connections to Instagram. Servers close keep-alive connections that sit
// idle (Apache and Node after 5 s, nginx after 75 s, a reloaded Caddy at
// once); when that happens just as a request goes out on one, Go's
// Transport sends GETs again on a new connection by itself, but returns the
// bare EOF for a POST, since it cannot know whether the server acted on it.
// The token POST spends a single-use code, so it is marked replayable (see
// markReplayable) only for the case Go's Transport can tell apart: a reused
// connection that failed before any byte of an answer, which is a server
// hanging up on an idle connection, never one that read and acted on the
// request.

// idleConnTimeout is shorter than the idle timeouts of common servers, so
// that our side usually closes an idle connection first. Logins are rare
// enough that keeping connections longer would save little.
const idleConnTimeout = 4 * time.Second

// sharedTransport is shared by every client, as http.DefaultTransport
// would be, so that connections outlive config reloads.
var sharedTransport http.RoundTripper = newTransport()

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = idleConnTimeout
	return t
}

// markReplayable lets the Transport send req again on a new connection
// when a reused one failed before any answer. The header's nil value is
// the Transport's documented way to say so without sending it.
func markReplayable(req *http.Request) {
	req.Header["Idempotency-Key"] = nil
}
