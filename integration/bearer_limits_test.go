package integration

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 31: who may pass with a token, what a token changes where, and
// what strangers' tokens and a failing Instagram cost.

func TestBearerAllowUsers(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer", "allow_users "+instagramtest.UserID("ines")+" jules"))
	for _, user := range []string{"ines", "jules"} {
		h.upstreamSaw(h.bearerCall("/", h.ig.MintToken(user, true)))
	}
	resp := h.bearerCall("/", h.ig.MintToken("kai", true), "Accept", "text/html")
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"error":"forbidden"`) ||
		resp.Header.Get("Location") != "" || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a user not allowed: status %d, body %s, headers %v", resp.StatusCode, body, resp.Header)
	}
	if n := h.up.calls.Load(); n != 2 {
		t.Errorf("the upstream was called %d times, want 2", n)
	}
}

// Without allow_bearer, and outside the directive's matcher, an
// Authorization header changes nothing: it is the site's own business.
func TestBearerIgnoredWhereNotAllowed(t *testing.T) {
	token := "IGAA" + strings.Repeat("t", 150)
	t.Run("without allow_bearer", func(t *testing.T) {
		h := newHarness(t)
		valid := h.ig.MintToken("lena", true)
		resp := h.bearerCall("/api", valid)
		if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) ||
			resp.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("API call with a token: status %d, body %s", resp.StatusCode, body)
		}
		resp = h.do(appClient, http.MethodGet, siteURL+"/page", nil, "Authorization", "Bearer junk junk", "Accept", "text/html")
		if resp.StatusCode != http.StatusFound {
			t.Errorf("page load with a malformed Authorization: status %d, want the login's 302", resp.StatusCode)
		}
		h.mustLogin(h.client, "lena", "/")
		e := h.upstreamSaw(h.get("/", "Authorization", "Bearer "+token))
		if e.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("with a session: the upstream saw Authorization %q", e.Header.Get("Authorization"))
		}
		if n := h.ig.UserinfoRequests(); n != 1 { // the login's
			t.Errorf("%d calls to /me, want only the login's", n)
		}
	})
	t.Run("outside the matcher", func(t *testing.T) {
		h := newHarness(t, withMatcher("/private/*"), withOptions("allow_bearer"))
		e := h.upstreamSaw(h.bearerCall("/public/api", token))
		if e.Header.Get("Authorization") != "Bearer "+token || e.Header.Get(defaultHeaderUserID) != "" {
			t.Errorf("outside the matcher: the upstream saw %v", e.Header)
		}
		if n := h.ig.UserinfoRequests(); n != 0 {
			t.Errorf("%d calls to /me outside the matcher", n)
		}
	})
}

// Instagram failing or timing out is a 502, not kept: the next request
// asks again.
func TestBearerInstagramFailing(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer", "timeout 1s"))
	token := h.ig.MintToken("mara", true)
	h.ig.SetUserinfoFail(true)
	resp := h.bearerCall("/", token)
	if body := readAll(t, resp); resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, `"bad_gateway"`) {
		t.Errorf("Instagram failing: status %d, body %s", resp.StatusCode, body)
	}
	h.ig.SetUserinfoFail(false)
	h.upstreamSaw(h.bearerCall("/", token))

	gate := startTokenGate(t, h.ig.UserinfoURL()) // holds /me past the timeout
	h.load(strings.Replace(h.caddyfile(), "userinfo_url "+h.ig.UserinfoURL(), "userinfo_url "+gate.URL, 1))
	start := time.Now()
	resp = h.bearerCall("/", h.ig.MintToken("mara", true))
	if resp.StatusCode != http.StatusBadGateway || time.Since(start) > 5*time.Second {
		t.Errorf("Instagram hanging: status %d after %v, want 502 after the 1s timeout", resp.StatusCode, time.Since(start))
	}
}

// Strangers' tokens cost Graph calls only within login_rate_limit per
// client IP; a known token is not counted.
func TestBearerUnknownTokensThrottled(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer", "login_rate_limit 3 1m"))
	known := h.ig.MintToken("nils", true)
	h.upstreamSaw(h.bearerCall("/", known)) // the first of the 3
	for i := range 2 {
		checkInvalidToken(t, h.bearerCall("/", fmt.Sprintf("IGAAjunk%d", i)), "junk")
	}
	resp := h.bearerCall("/", "IGAAjunk-over")
	if body := readAll(t, resp); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `"too_many_requests"`) {
		t.Fatalf("the 4th unknown token: status %d, body %s; want 429", resp.StatusCode, body)
	}
	retryAfter(t, resp, 1, 66)
	if n := h.ig.UserinfoRequests(); n != 3 {
		t.Errorf("%d calls to Instagram, want 3", n)
	}
	h.upstreamSaw(h.bearerCall("/", known)) // answered from memory
}

// Token checks share the token requests' in-flight bound (behaviour 22):
// one client has at most its share of them waiting for Instagram at once;
// beyond it, 429 with Retry-After and no call. (The bound of 32 in all is
// TestTokenRequestsInFlightAreBounded's.)
func TestBearerChecksInFlightBounded(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer", "login_rate_limit off", "timeout 30s"))
	gate := startTokenGate(t, h.ig.UserinfoURL())
	h.load(strings.Replace(h.caddyfile(), "userinfo_url "+h.ig.UserinfoURL(), "userinfo_url "+gate.URL, 1))
	const callers = maxTokenRequestsPerClient + 8
	answers := make(chan *http.Response, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, siteURL+"/", nil)
			req.Header.Set("Authorization", fmt.Sprintf("Bearer IGAAheld%d", i))
			resp, err := appClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			answers <- resp
		})
	}
	t.Cleanup(func() { gate.open(); wg.Wait() })
	refused := 0
	deadline := time.After(20 * time.Second)
	for int(gate.held.Load())+refused < callers {
		select {
		case resp := <-answers:
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("while checks are held: status %d, want 429", resp.StatusCode)
			}
			retryAfter(t, resp, 1, 10)
			refused++
		case <-deadline:
			t.Fatalf("after 20s: %d checks held, %d answered 429", gate.held.Load(), refused)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if held := gate.held.Load(); held != maxTokenRequestsPerClient || refused != callers-maxTokenRequestsPerClient {
		t.Errorf("%d checks reached Instagram at once, %d answered 429; want %d and %d",
			held, refused, maxTokenRequestsPerClient, callers-maxTokenRequestsPerClient)
	}
	gate.open()
	wg.Wait()
}

// The token never reaches the log, whatever became of it; what happened
// does.
func TestBearerTokensNotLogged(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer", "header_token off", "login_rate_limit 4 1m"))
	tokens := []string{
		h.ig.MintToken("olaf", true), h.ig.MintOtherAppToken("olaf", true), "IGAAunknown-" + strings.Repeat("u", 40),
	}
	h.upstreamSaw(h.bearerCall("/", tokens[0]))
	checkInvalidToken(t, h.bearerCall("/", tokens[1]), "another app's")
	checkInvalidToken(t, h.bearerCall("/", tokens[2]), "unknown")
	h.ig.SetUserinfoFail(true)
	failing := h.ig.MintToken("olaf", true)
	tokens = append(tokens, failing)
	h.bearerCall("/", failing)
	throttled := "IGAAthrottled-" + strings.Repeat("t", 40)
	tokens = append(tokens, throttled)
	h.bearerCall("/", throttled)
	log := readLog(t, h.logFile, "bearer token check throttled")
	for _, want := range []string{"bearer token refused by Instagram", "bearer token check failed", "bearer token check throttled"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	for _, line := range strings.Split(log, "\n") {
		for _, token := range tokens {
			if strings.Contains(line, token) || strings.Contains(line, token[:20]) {
				t.Errorf("a log entry holds a token: %s", logSource(line))
			}
		}
	}
}
