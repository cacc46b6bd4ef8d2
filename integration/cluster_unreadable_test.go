package integration

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
)

// Issue 20, item 2, with real processes run as an unprivileged user (root
// reads every folder): folders Caddy cannot read inside the revocation
// folder — among the records of the ten-minute folder the instances write
// to now (and of the next, should the test cross a boundary), and as a
// ten-minute folder of its own — stop nothing. A logout on A reaches B
// within the bound, a restarted B refuses it from its first request, and
// the failure is counted every round and logged once, not once per round.
// (Before the fix, certmagic's listing failed at the first unreadable
// folder: the logout never reached B.)
func TestClusterLogoutPastAnUnreadableFolder(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.asNobody()
	a, b := c.node("a"), c.node("b")
	victim, bystander := a.mustLogin("gil"), a.mustLogin("hal")

	prefix := filepath.Join(c.storage, filepath.FromSlash(revocation.Prefix(testID, insecureCookieName)))
	now := time.Now().Unix()
	current := now - now%revocation.BucketWidth
	for _, bucket := range []int64{current, current + revocation.BucketWidth} {
		folder := filepath.Join(prefix, strconv.FormatInt(bucket, 10))
		c.mkdirAsCaddy(folder)
		c.unreadable(filepath.Join(folder, "lost+found"))
	}
	c.unreadable(filepath.Join(prefix, strconv.FormatInt(current-6*revocation.BucketWidth, 10)))

	start := time.Now()
	a.logout(victim, false)
	waitFor(t, revocationBound, "the logout reaching b past the unreadable folders", func() bool {
		return b.status(victim) == http.StatusUnauthorized
	})
	t.Logf("the logout reached b in %v", time.Since(start).Round(100*time.Millisecond))
	b.stop()
	b.start()
	if st := b.status(victim); st != http.StatusUnauthorized {
		t.Errorf("restarted b accepts the logged-out session: status %d, want 401", st)
	}
	for _, n := range []*node{a, b} {
		if st := n.status(bystander); st != http.StatusOK {
			t.Errorf("%s refuses a live session: status %d", n.name, st)
		}
	}

	// Three rounds more: counted each round, logged once (then every 5
	// minutes), and no outage.
	time.Sleep(3 * revocation.SyncInterval)
	if n := a.logLines("entries of the revocation folder cannot be read"); n != 1 {
		t.Errorf("a logged the unreadable folders %d times in %v, want once", n, time.Since(start).Round(time.Second))
	}
	if n := a.storageErrors(); n < 3 {
		t.Errorf("a counted %v storage errors, want one at least per round that met the folders", n)
	}
	if n := a.logLines("revocations: storage failed"); n != 0 {
		t.Errorf("a logged %d outages: an unreadable folder is no outage", n)
	}
}

// storageErrors reads caddy_instagram_auth_storage_errors_total from the
// node's admin endpoint.
func (n *node) storageErrors() float64 {
	t := n.c.t
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", n.admin))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "caddy_instagram_auth_storage_errors_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %q", n.name, line)
			}
			return f
		}
	}
	t.Fatalf("%s: no caddy_instagram_auth_storage_errors_total on the admin endpoint", n.name)
	return 0
}
