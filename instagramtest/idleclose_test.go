package instagramtest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testIdle = 150 * time.Millisecond

// post sends form to rawURL with client (extra headers as name, value
// pairs) and reports whether the connection was a reused one. The answer
// is read to the end, so that the connection goes back to the pool.
func post(client *http.Client, rawURL string, form url.Values, header ...string) (status int, reused bool, err error) {
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, err := http.NewRequest("POST", rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, false, err
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, reused, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, reused, err
	}
	if resp.Close || resp.Header.Get("Connection") != "" {
		return resp.StatusCode, reused, errors.New("the answer does not keep the connection alive")
	}
	return resp.StatusCode, reused, nil
}

// keepAliveClient is a plain client, with the default transport's
// settings but a pool of its own, so that no other test's connections mix
// in.
func keepAliveClient(t *testing.T) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestClosingIdleFailsAPost: a POST sent on a connection that has been idle
// longer than the server allows fails with EOF, deterministically; Go's
// Transport does not resend it.
func TestClosingIdleFailsAPost(t *testing.T) {
	t.Parallel() // each mostly sleeps
	s := StartClosingIdle(t, testClient, testSecret, testIdle)
	client := keepAliveClient(t)

	first, second := tokenForm(login(t, s, "alice")), tokenForm(login(t, s, "alice"))
	if status, reused, err := post(client, s.TokenURL(), first); status != 200 || reused || err != nil {
		t.Fatalf("first POST: %d, reused %v, %v", status, reused, err)
	}
	// Within the idle time the connection serves again.
	if status, reused, err := post(client, s.TokenURL(), second); status != 200 || !reused || err != nil {
		t.Fatalf("second POST, at once: %d, reused %v, %v", status, reused, err)
	}

	for i := range 3 { // every time, not just sometimes
		form := tokenForm(login(t, s, "alice"))
		time.Sleep(3 * testIdle)
		// Counted from here: login's own client has idle connections too.
		dropped := s.DroppedRequests()
		_, reused, err := post(client, s.TokenURL(), form)
		var uerr *url.Error
		if !errors.As(err, &uerr) || uerr.Err != io.EOF || !reused {
			t.Fatalf("round %d: POST after a pause: reused %v, error %v; want the bare io.EOF on the reused connection", i, reused, err)
		}
		t.Logf("round %d: %v", i, err)
		if n := s.DroppedRequests() - dropped; n != 1 {
			t.Fatalf("%d requests dropped, want 1", n)
		}
		// The Provider never saw it, so the code is still good: sent again,
		// on a new connection, it works.
		if status, reused, err := post(client, s.TokenURL(), form); status != 200 || reused || err != nil {
			t.Fatalf("round %d: the same POST again: %d, reused %v, %v", i, status, reused, err)
		}
	}
	if n := s.TokenRequests(); n != 5 {
		t.Fatalf("TokenRequests = %d, want 5: dropped requests must not reach the Provider", n)
	}
}

// TestClosingIdleReplayable: the Transport does resend by itself what it
// deems replayable, so such requests never see the failure.
func TestClosingIdleReplayable(t *testing.T) {
	t.Parallel() // each mostly sleeps
	s := StartClosingIdle(t, testClient, testSecret, testIdle)
	client := keepAliveClient(t)
	token := shortToken(t, s, "alice") // through another client

	get := func() error {
		resp, err := client.Get(meURL(s.UserinfoURL(), token, proofOf(token), ""))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return errors.New(resp.Status)
		}
		return nil
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	form := tokenForm(login(t, s, "alice")) // for later, before the pauses
	time.Sleep(3 * testIdle)
	dropped := s.DroppedRequests()
	if err := get(); err != nil {
		t.Fatalf("GET after a pause: %v", err)
	}
	if n := s.DroppedRequests() - dropped; n != 1 {
		t.Fatalf("%d requests dropped, want 1: the GET was not sent on the stale connection", n)
	}

	// A POST with an Idempotency-Key is resent too.
	time.Sleep(3 * testIdle)
	dropped = s.DroppedRequests()
	status, _, err := post(client, s.TokenURL(), form, "Idempotency-Key", "k1")
	if n := s.DroppedRequests() - dropped; status != 200 || err != nil || n != 1 {
		t.Fatalf("POST with Idempotency-Key: %d %v, %d dropped", status, err, n)
	}
}

// TestEarlyIdleCloseIsHarmless: a server that closes idle connections
// ahead of time (net/http's own IdleTimeout) never fails a POST: the
// Transport notices the close and dials again. This is why
// StartClosingIdle closes on the late request instead.
func TestEarlyIdleCloseIsHarmless(t *testing.T) {
	t.Parallel() // each mostly sleeps
	p := New(testClient, testSecret)
	srv := httptest.NewUnstartedServer(p)
	srv.Config.IdleTimeout = testIdle
	s := serve(t, p, srv)
	client := keepAliveClient(t)
	for i := range 3 {
		status, reused, err := post(client, s.TokenURL(), tokenForm(login(t, s, "alice")))
		if status != 200 || err != nil || reused {
			t.Fatalf("POST %d: %d, reused %v, %v", i, status, reused, err)
		}
		time.Sleep(3 * testIdle)
	}
}

func TestDroppedRequestsZeroForStart(t *testing.T) {
	if n := Start(t, testClient, testSecret).DroppedRequests(); n != 0 {
		t.Fatal(n)
	}
}
