package integration

// The cluster's clients: requests as a load balancer forwards them (the
// same Host whichever instance gets them), logins through the mock, and
// logouts.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// request sends a request as the load balancer forwards it.
func (n *node) request(method, path, cookie string, header ...string) (*http.Response, error) {
	req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", n.port, path), nil)
	if err != nil {
		return nil, err
	}
	req.Host = clusterHost
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return n.c.client.Do(req)
}

// status is what an API client with the session cookie gets: 200 from the
// upstream, or 401.
func (n *node) status(session string) int {
	resp, err := n.request(http.MethodGet, "/", insecureCookieName+"="+session, "Accept", "application/json")
	if err != nil {
		n.c.t.Errorf("%s: %v", n.name, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// login runs the whole flow on the node and returns the session cookie.
func (n *node) login(username string) (string, error) {
	resp, err := n.request(http.MethodGet, "/", "", "Accept", "text/html")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	var states []string
	for _, ck := range resp.Cookies() {
		states = append(states, ck.Name+"="+ck.Value)
	}
	cb, err := instagramtest.Consent(nil, resp.Header.Get("Location"), username, true)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(stripFragment(cb))
	if err != nil {
		return "", err
	}
	resp, err = n.request(http.MethodGet, u.RequestURI(), strings.Join(states, "; "), "Accept", "text/html")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == insecureCookieName && ck.Value != "" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("%s: callback answered %d without a session", n.name, resp.StatusCode)
}

func (n *node) mustLogin(username string) string {
	n.c.t.Helper()
	s, err := n.login(username)
	if err != nil {
		n.c.t.Fatal(err)
	}
	return s
}

// logout logs the session out on the node (all: every session of the user).
func (n *node) logout(session string, all bool) {
	n.c.t.Helper()
	if err := n.tryLogout(session, all); err != nil {
		n.c.t.Fatal(err)
	}
}

func (n *node) tryLogout(session string, all bool) error {
	path := defaultLogoutPath
	if all {
		path += "?all=1"
	}
	resp, err := n.request(http.MethodGet, path, insecureCookieName+"="+session)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return fmt.Errorf("%s: logout answered %d", n.name, resp.StatusCode)
	}
	return nil
}

// logLines counts the lines of the node's log that contain s.
func (n *node) logLines(s string) int {
	return strings.Count(readFile(n.log), s)
}
