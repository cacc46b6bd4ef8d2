package instagramauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bearer"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"
	"go.uber.org/zap"
)

// fakeGraph answers /me for the bearer tests: every token names alice
// (id "1") unless refused.
type fakeGraph struct {
	calls   atomic.Int32
	refused atomic.Bool
}

func (g *fakeGraph) check(context.Context, string) (bearer.Identity, error) {
	g.calls.Add(1)
	if g.refused.Load() {
		return bearer.Identity{}, bearer.ErrRefused
	}
	return bearer.Identity{UserID: "1", Username: "alice"}, nil
}

// newTestBearers is the part as wire makes it, asking g, with a login
// rate limit of limit checks a minute per client.
func newTestBearers(g *fakeGraph, limit int) *bearerTokens {
	cfg := &runtimeConfig{allowBearer: true, rateLimit: throttle.Limit{Count: limit, Window: time.Minute}}
	return &bearerTokens{cfg: cfg, cache: bearer.New(g.check, time.Second, now), revoked: revocation.NewSet(),
		throttle: new(throttle.Throttle), sampled: logSampler{logger: zap.NewNop(), now: now}, logs: new(bearerLogs), now: now}
}

func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://site.example/api", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// A revocation of the user makes the kept acceptance stale: the next
// request asks Instagram again, and Instagram's answer (here: refused, as
// after a deauthorize) decides.
func TestBearerStaleAcceptanceAskedAgain(t *testing.T) {
	unitFixClock(t, unitEpoch)
	g := &fakeGraph{}
	bt := newTestBearers(g, 30)
	if res, _ := bt.judge(bearerRequest("tok")); res.status != 0 || res.session.UserID != "1" {
		t.Fatalf("first request: %+v", res)
	}
	bt.revoked.Merge([]revocation.Record{{User: "1", NotBefore: unitEpoch.Unix() + 1, Until: unitEpoch.Unix() + 3600}})
	g.refused.Store(true)
	if res, _ := bt.judge(bearerRequest("tok")); res.status != http.StatusUnauthorized {
		t.Fatalf("after the revocation: status %d, want 401", res.status)
	}
	if n := g.calls.Load(); n != 2 {
		t.Errorf("%d calls to Instagram, want 2", n)
	}
}

// After a logout everywhere Instagram still accepts the token: during the
// record's second each request asks again (and is answered), without
// counting against the client's rate limit; from the next second the
// answer is kept again.
func TestBearerLogoutEverywhereRechecksUnthrottled(t *testing.T) {
	unitFixClock(t, unitEpoch)
	g := &fakeGraph{}
	bt := newTestBearers(g, 1) // one unknown token a minute
	if res, _ := bt.judge(bearerRequest("tok")); res.status != 0 {
		t.Fatalf("first request: status %d", res.status)
	}
	bt.revoked.Merge([]revocation.Record{{User: "1", NotBefore: unitEpoch.Unix() + 1, Until: unitEpoch.Unix() + 3600}})
	for i := range 3 {
		if res, _ := bt.judge(bearerRequest("tok")); res.status != 0 {
			t.Fatalf("request %d in the logout's second: status %d, want it to pass", i+1, res.status)
		}
	}
	unitFixClock(t, unitEpoch.Add(time.Second))
	for range 3 {
		bt.judge(bearerRequest("tok"))
	}
	if n := g.calls.Load(); n != 5 {
		t.Errorf("%d calls to Instagram, want 5: the first, 3 in the logout's second, 1 after", n)
	}
	if res, _ := bt.judge(bearerRequest("other")); res.status != http.StatusTooManyRequests {
		t.Errorf("an unknown token past the limit: status %d, want 429", res.status)
	}
}

// The answers' statuses and what goes with them.
func TestBearerRefusals(t *testing.T) {
	for status, want := range map[int][2]string{
		http.StatusUnauthorized:       {"WWW-Authenticate", `Bearer error="invalid_token"`},
		http.StatusTooManyRequests:    {"Retry-After", "7"},
		http.StatusServiceUnavailable: {"Retry-After", "7"},
		http.StatusForbidden:          {},
		http.StatusBadGateway:         {},
	} {
		res := refusal(status)
		res.retry = 7 * time.Second
		hdr := http.Header{}
		res.setHeaders(hdr)
		if res.status != status || res.err == nil || res.body == "" {
			t.Errorf("refusal(%d) = %+v", status, res)
		}
		if want[0] != "" && hdr.Get(want[0]) != want[1] || want[0] == "" && len(hdr) != 0 {
			t.Errorf("%d: headers %v, want %v", status, hdr, want)
		}
	}
}
