package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// bearerStatus is what an app with token gets from the node.
func (n *node) bearerStatus(token string) int {
	resp, err := n.request(http.MethodGet, "/api", "", "Authorization", "Bearer "+token, "Accept", "application/json")
	if err != nil {
		n.c.t.Errorf("%s: %v", n.name, err)
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Behaviours 31 and 12 with real processes: a deauthorize that one
// instance receives ends the acceptance every instance keeps of the user's
// tokens within the bound, through the revocation records in storage;
// Instagram, asked again, refuses the token. Another user's acceptance is
// kept, not asked again.
func TestClusterBearerEndsWithDeauthorize(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.options = "allow_bearer"
	a, b := c.node("a"), c.node("b")
	gone, stays := c.ig.MintToken("dina", true), c.ig.MintToken("emil", true)
	for _, n := range []*node{a, b} {
		for _, token := range []string{gone, stays} {
			if st := n.bearerStatus(token); st != http.StatusOK {
				t.Fatalf("%s: a valid token: status %d", n.name, st)
			}
		}
	}
	calls := c.ig.UserinfoRequests()

	// The user removes the app: Instagram ends the token and tells one
	// instance.
	start := time.Now()
	c.ig.RevokeToken(gone)
	status, err := c.ig.SendDeauthorize(context.Background(), nil,
		fmt.Sprintf("http://127.0.0.1:%d%s", b.port, defaultDeauthorizePath), instagramtest.UserID("dina"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("deauthorize: %d %v", status, err)
	}
	if st := b.bearerStatus(gone); st != http.StatusUnauthorized {
		t.Errorf("b, which got the callback: status %d, want 401 at once", st)
	}
	waitFor(t, revocationBound, "a refusing the revoked user's token", func() bool {
		return a.bearerStatus(gone) == http.StatusUnauthorized
	})
	t.Logf("the revocation reached a's bearer cache in %v", time.Since(start).Round(100*time.Millisecond))
	for _, n := range []*node{a, b} {
		if st := n.bearerStatus(stays); st != http.StatusOK {
			t.Errorf("%s: another user's token: status %d", n.name, st)
		}
	}
	// Each instance asked once about the revoked token (then kept the
	// refusal), never again about the other.
	if n := c.ig.UserinfoRequests() - calls; n != 2 {
		t.Errorf("%d calls to Instagram after the deauthorize, want 2", n)
	}
}
