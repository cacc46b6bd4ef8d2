package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Cookie tossing (behaviour 21, docs/behaviour.md). A page on a sibling
// subdomain can set cookies for the parent domain, and for a longer path,
// which the browser then sends to the site before the site's own. The
// defence is the browser's: it refuses a __Host- cookie that has a Domain
// or a path other than /. So this needs a real browser, on a site that
// runs as in production (Secure cookies, no insecure_cookies): Chromium
// treats http://*.localhost as a secure origin, resolves it to loopback
// itself, and app.site.localhost and evil.site.localhost are siblings
// under site.localhost.

const tossingCaddyfile = `{
	admin off
	auto_https off
	storage file_system %[1]q
}

http://app.site.localhost:%[2]d {
	instagram_auth {
		client_id tossing-app
		client_secret tossing-secret
		authorize_url http://127.0.0.1:%[3]d/oauth/authorize
		token_url http://127.0.0.1:%[3]d/oauth/access_token
		userinfo_url http://127.0.0.1:%[3]d/me
		long_lived_token http://127.0.0.1:%[3]d/access_token
	}
	header Content-Type "text/html; charset=utf-8"
	respond ` + "`" + `<p>Hello, <span id="username">{http.auth.user.instagram_username}</span>
		(<span id="user-id">{http.auth.user.id}</span>)</p>` + "`" + ` 200
}

# The attacker's page on a sibling subdomain: it sets whatever cookie the
# query names, as any page there could.
http://evil.site.localhost:%[2]d {
	header Set-Cookie {query.plant}
	header Content-Type "text/html; charset=utf-8"
	respond ` + "`" + `<p id="sibling">a sibling page</p>` + "`" + ` 200
}

http://127.0.0.1:%[3]d {
	instagram_mock {
		client_id tossing-app
		client_secret tossing-secret
	}
}
`

// tossingSite is a Caddy of its own running tossingCaddyfile.
type tossingSite struct {
	app, evil string       // base URLs
	attacker  *http.Client // outside the browser: no jar, no redirects
}

func startTossingSite(t *testing.T) *tossingSite {
	t.Helper()
	requireBrowser(t)
	port, mockPort := freePort(t), freePort(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(config, fmt.Appendf(nil, tossingCaddyfile, filepath.Join(dir, "storage"), port, mockPort), 0o644); err != nil {
		t.Fatal(err)
	}
	log := new(lockedBuffer)
	cmd := exec.Command(caddyBinary, "run", "--config", config, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = log, log
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		killGroup(cmd, false)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			killGroup(cmd, true)
			<-done
		}
		if t.Failed() {
			t.Logf("Caddy's log:\n%s", log.String())
		}
	})
	s := &tossingSite{
		app:  fmt.Sprintf("http://app.site.localhost:%d", port),
		evil: fmt.Sprintf("http://evil.site.localhost:%d", port),
		attacker: &http.Client{
			Timeout:       5 * time.Second,
			Transport:     &http.Transport{DialContext: dialLoopback},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := s.attacker.Get(s.app + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusFound {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tossing site did not come up:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dialLoopback reaches *.localhost on loopback, as Chromium does, without
// asking a resolver.
func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && strings.HasSuffix(host, ".localhost") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// attackerLogin plays the attacker, mallory, in a browser of her own
// (here: plain HTTP): she starts a login at the site and allows it at
// Instagram. It returns her state cookie and the callback URL with her
// code, not yet visited.
func (s *tossingSite) attackerLogin(t *testing.T) (state *http.Cookie, callback string) {
	t.Helper()
	resp, err := s.attacker.Get(s.app + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "_state_") {
			state = c
		}
	}
	if state == nil {
		t.Fatalf("no state cookie among %q", resp.Header.Values("Set-Cookie"))
	}
	cb, err := instagramtest.Consent(s.attacker, resp.Header.Get("Location"), "mallory", true)
	if err != nil {
		t.Fatal(err)
	}
	return state, strings.TrimSuffix(cb, "#_")
}

// attackerSession completes mallory's login and returns her session
// cookie, valid on the site.
func (s *tossingSite) attackerSession(t *testing.T) *http.Cookie {
	t.Helper()
	state, cb := s.attackerLogin(t)
	req, _ := http.NewRequest(http.MethodGet, cb, nil)
	req.AddCookie(state)
	resp, err := s.attacker.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Value != "" && !strings.Contains(c.Name, "_state_") {
			return c
		}
	}
	t.Fatalf("callback %d set no session: %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	return nil
}

// plant has the sibling page set a cookie in the victim's browser, with
// the attributes given.
func (s *tossingSite) plant(tb *tab, name, value, attributes string) {
	tb.t.Helper()
	cookie := name + "=" + value + "; " + attributes
	tb.do("visit the sibling page planting "+name+" ("+attributes+")",
		chromedp.Navigate(s.evil+"/?plant="+url.QueryEscape(cookie)), chromedp.WaitVisible(chromedp.ID("sibling")))
}

// heldFor lists the names of the cookies the browser would send to u.
func heldFor(tb *tab, u string) []string {
	tb.t.Helper()
	res := get(tb, "read the browser's cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	})
	var out []string
	for _, c := range res.Cookies {
		out = append(out, c.Name+" (domain "+c.Domain+", path "+c.Path+")")
	}
	return out
}

// whoIsLoggedIn opens u and returns the username the site greets, or ""
// when the browser is sent to Instagram's consent page instead.
func whoIsLoggedIn(tb *tab, u string) string {
	tb.t.Helper()
	tb.do("open "+u, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
	if tb.location() != u {
		return "" // redirected: not logged in
	}
	return tb.text("username")
}

// TestTossedStateCookieCannotLogInAsTheAttacker: login CSRF. Mallory starts
// a login and allows it, but does not visit the callback; her sibling page
// plants her state cookie in Vera's browser (for the parent domain, or for
// the callback's longer path), then sends Vera to her callback URL. Vera
// must not end up logged in as Mallory.
func TestTossedStateCookieCannotLogInAsTheAttacker(t *testing.T) {
	s := startTossingSite(t)
	for _, attrs := range []string{
		"Domain=site.localhost; Path=/; Secure; HttpOnly; SameSite=Lax",
		"Domain=site.localhost; Path=/oauth2/instagram/callback; Secure; HttpOnly; SameSite=Lax",
	} {
		t.Run(attrs, func(t *testing.T) {
			state, callback := s.attackerLogin(t)
			_, victim := newBrowser(t)
			s.plant(victim, state.Name, state.Value, attrs)
			held := heldFor(victim, callback)
			victim.do("follow the attacker's link to the callback", chromedp.Navigate(callback), chromedp.WaitReady(chromedp.CSS("body")))
			if who := whoIsLoggedIn(victim, s.app+"/"); who != "" {
				t.Fatalf("login CSRF: after the planted %s the victim is logged in as %q (the browser held %v)", state.Name, who, held)
			}
			for _, c := range held {
				if strings.HasPrefix(c, state.Name+" ") {
					t.Errorf("the browser accepted the planted %s", c)
				}
			}
		})
	}
}

// TestTossedSessionCookieCannotSwapTheAccount: Mallory's sibling page
// plants her own valid session cookie in Vera's browser, under the
// session cookie's name and under the earlier release's default name,
// for the parent domain or a longer path. Vera without a session must not
// become Mallory; Vera logged in must stay Vera.
func TestTossedSessionCookieCannotSwapTheAccount(t *testing.T) {
	s := startTossingSite(t)
	session := s.attackerSession(t)
	names := []string{session.Name}
	if session.Name != "_instagram_auth" {
		names = append(names, "_instagram_auth")
	}
	for _, loggedIn := range []bool{false, true} {
		for _, attrs := range []string{
			"Domain=site.localhost; Path=/; Secure; HttpOnly",
			"Domain=site.localhost; Path=/account; Secure; HttpOnly",
		} {
			t.Run(fmt.Sprintf("victim logged in %v, %s", loggedIn, attrs), func(t *testing.T) {
				_, victim := newBrowser(t)
				want := ""
				if loggedIn {
					victim.do("open the site", chromedp.Navigate(s.app+"/account/"), chromedp.WaitVisible(chromedp.ID("allow")))
					allow(t, victim, "vera", s.app+"/account/")
					want = "vera"
				}
				for _, name := range names {
					s.plant(victim, name, session.Value, attrs)
				}
				if who := whoIsLoggedIn(victim, s.app+"/account/"); who != want {
					t.Fatalf("after the planted session cookies the site greets %q, want %q (the browser held %v)",
						who, want, heldFor(victim, s.app+"/account/"))
				}
			})
		}
	}
}
