package integration

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// ownBrowser is a browser with a transport of its own, so that the test's
// connections to the mock never share a pool with anything else.
func ownBrowser(t *testing.T) *http.Client {
	c := newBrowser(t)
	tr := &http.Transport{}
	c.Transport = tr
	t.Cleanup(tr.CloseIdleConnections)
	return c
}

// A token POST sent on a kept-alive connection that the server closed
// while it was idle, just as the request went out, must not fail the
// login: the server never saw it, so it is sent again on a new connection.
func TestTokenPostOnConnectionClosedWhileIdle(t *testing.T) {
	const idle = 200 * time.Millisecond
	h := newHarness(t, func(h *harness) { h.ig = instagramtest.StartClosingIdle(t, testID, testSecret, idle) })
	h.mustLogin(ownBrowser(t), "kai", "/") // leaves Caddy's connections to Instagram idle in the pool
	time.Sleep(3 * idle)
	h.mustLogin(ownBrowser(t), "lea", "/")
	if h.ig.DroppedRequests() == 0 {
		t.Fatal("no request met a connection closed while idle: the test proves nothing")
	}
	if got := h.ig.TokenRequests(); got != 2 {
		t.Errorf("the Provider served %d token requests, want 2: one per login", got)
	}
}

// The single-use code is never sent twice when the server may have acted
// on it: a fresh connection that the server closes without an answer is
// a failed login (502), with exactly one token request sent.
func TestTokenPostNotResentWhenItMayHaveArrived(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var received atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// Read the whole request, then hang up without a word.
			if req, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				req.ParseForm()
				received.Add(1)
			}
			conn.Close()
		}
	}()
	h := newHarness(t)
	h.load(strings.Replace(h.caddyfile(), "token_url "+h.ig.TokenURL(), "token_url http://"+ln.Addr().String()+"/oauth/access_token", 1))
	resp := h.login(ownBrowser(t), "max", "/")
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	if n := received.Load(); n != 1 {
		t.Errorf("the token endpoint received %d requests, want exactly 1", n)
	}
}
