package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
	"github.com/b4b0c547/caddy-instagram-auth/internal/storagetest"
)

// Behaviour 12 with real processes: what one instance revokes, every
// instance sharing the storage refuses within revocationBound, and after
// restarts and reloads. These tests run the real binary, with the real
// sync interval, and wait for the bound with deadlines; they run in
// parallel with each other (their own ports and storage), not with the
// in-process tests, which own Caddy's fixed ports.

// revocationBound is the README's promise.
const revocationBound = 10 * time.Second

func TestClusterLogoutReachesEveryInstance(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	loggedOut := a.mustLogin("ana")
	live := b.mustLogin("ben")
	everywhere1, everywhere2 := a.mustLogin("cara"), b.mustLogin("cara")
	removed := a.mustLogin("dina")
	for _, n := range []*node{a, b} {
		for _, s := range []string{loggedOut, live, everywhere2, removed} {
			if st := n.status(s); st != http.StatusOK {
				t.Fatalf("%s: a session made by either instance: status %d, want 200", n.name, st)
			}
		}
	}

	// Logout on B of a session made on A; logout everywhere on A; Meta's
	// deauthorize callback on B.
	start := time.Now()
	b.logout(loggedOut, false)
	a.logout(everywhere1, true)
	status, err := c.ig.SendDeauthorize(context.Background(), nil,
		fmt.Sprintf("http://127.0.0.1:%d%s", b.port, defaultDeauthorizePath), instagramtest.UserID("dina"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("deauthorize: %d %v", status, err)
	}
	if b.status(loggedOut) != http.StatusUnauthorized || a.status(everywhere2) != http.StatusUnauthorized {
		t.Error("the instance that logged out still accepts the session")
	}
	waitFor(t, revocationBound, "refusal on the other instance", func() bool {
		return a.status(loggedOut) == http.StatusUnauthorized && b.status(everywhere2) == http.StatusUnauthorized &&
			a.status(removed) == http.StatusUnauthorized
	})
	t.Logf("revocations reached the other instance in %v", time.Since(start).Round(100*time.Millisecond))
	checkAll := func(when string) {
		t.Helper()
		for _, n := range []*node{a, b} {
			for _, s := range []string{loggedOut, everywhere2, removed} {
				if st := n.status(s); st != http.StatusUnauthorized {
					t.Errorf("%s %s: a revoked session: status %d, want 401", when, n.name, st)
				}
			}
			if st := n.status(live); st != http.StatusOK {
				t.Errorf("%s %s: a live session: status %d, want 200", when, n.name, st)
			}
		}
	}
	checkAll("after the bound")

	// Both restarted: only storage remembers; the first request already
	// gets the answer.
	a.stop()
	b.stop()
	a.start()
	b.start()
	checkAll("after a restart")
	a.reload("6s")
	checkAll("after caddy reload")
	if n := a.logLines("revocations: storage failed"); n != 0 {
		t.Errorf("a logged %d storage failures", n)
	}
}

// Storage made unwritable mid-run: sessions are still served, a logout
// still clears the cookie and is refused where it was made, the error is
// logged once for the outage, and once storage is back the logout reaches
// the other instance.
func TestClusterStorageOutage(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	a, b := c.node("a"), c.node("b")
	victim, bystander := a.mustLogin("eve"), a.mustLogin("fay")

	// The tests run as root, whom file permissions do not stop: the
	// revocation folder is replaced by a file instead (breakStorage), so
	// every write into it fails with ENOTDIR, as a full or failed disk
	// would make them fail.
	repair := storagetest.Break(t, c.storage, revocation.Prefix(testID, insecureCookieName))
	a.logout(victim, false)
	if st := a.status(victim); st != http.StatusUnauthorized {
		t.Errorf("storage down: the instance that logged out accepts the session: %d", st)
	}
	for _, n := range []*node{a, b} {
		if st := n.status(bystander); st != http.StatusOK {
			t.Errorf("storage down: %s refuses a live session: %d", n.name, st)
		}
	}
	waitFor(t, 3*revocation.SyncInterval, "two retries of the write", func() bool {
		return a.logLines("revocations: storage still failing") >= 2
	})
	if n := a.logLines("revocations: storage failed"); n != 1 {
		t.Errorf("a logged the outage %d times, want once", n)
	}
	if st := b.status(victim); st != http.StatusOK {
		t.Logf("b refused the session during the outage (%d): the outage did not stop the write", st)
	}

	repair()
	waitFor(t, revocation.SyncInterval+revocationBound, "the queued logout reaching b", func() bool {
		return b.status(victim) == http.StatusUnauthorized
	})
	waitFor(t, 5*time.Second, "the end of the outage in a's log", func() bool {
		return a.logLines("revocations: storage works again") == 1
	})
	for _, n := range []*node{a, b} {
		if st := n.status(bystander); st != http.StatusOK {
			t.Errorf("after the outage %s refuses a live session: %d", n.name, st)
		}
	}
	if n := a.logLines("revocations: storage failed"); n != 1 {
		t.Errorf("a logged the outage %d times, want once", n)
	}
}

// 300 logins and 200 logouts across three instances, each logout on
// another instance than its login: after the bound no revoked cookie is
// accepted anywhere, and at no time is a live one refused. Each user has
// three sessions, one of them live, so a logout ends its session only.
func TestClusterManyLoginsAndLogouts(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	nodes := []*node{c.node("a"), c.node("b"), c.node("c")}
	const sessions = 300
	cookies := make([]string, sessions)
	revoked := func(i int) bool { return i%3 != 0 }
	parallel(t, sessions, func(i int) error {
		var err error
		cookies[i], err = nodes[i%3].login(fmt.Sprintf("user%03d", i%100))
		return err
	})
	parallel(t, sessions, func(i int) error {
		if revoked(i) {
			return nodes[(i+1)%3].tryLogout(cookies[i], false)
		}
		return nil
	})
	lastLogout := time.Now()

	// pass checks every cookie on every instance; it fails the test at
	// once for a live cookie refused, and counts revoked ones accepted.
	pass := func() (accepted int) {
		var n atomic.Int64
		parallel(t, sessions*len(nodes), func(k int) error {
			i, nd := k/len(nodes), nodes[k%len(nodes)]
			st := nd.status(cookies[i])
			switch {
			case revoked(i) && st == http.StatusOK:
				n.Add(1)
			case !revoked(i) && st != http.StatusOK:
				return fmt.Errorf("%s refused live session %d: status %d", nd.name, i, st)
			}
			return nil
		})
		return int(n.Load())
	}
	for accepted := pass(); accepted > 0; accepted = pass() {
		if time.Since(lastLogout) > revocationBound {
			t.Fatalf("%d revoked cookies still accepted %v after the last logout", accepted, revocationBound)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("every revocation everywhere within %v of the last logout", time.Since(lastLogout).Round(100*time.Millisecond))
	if accepted := pass(); accepted != 0 {
		t.Errorf("after the bound, %d revoked cookies accepted", accepted)
	}
}

// parallel runs f(0..n-1) on a few goroutines, failing the test with the
// first error.
func parallel(t *testing.T, n int, f func(int) error) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		once  sync.Once
		first error
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
