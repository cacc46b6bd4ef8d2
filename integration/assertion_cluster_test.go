package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Behaviours 28 to 30 across a cluster of real Caddy processes sharing
// `storage file_system`, behind one host name: they start at once and agree
// on one key; with the shortest rotation (1m) the key changes every minute
// for the whole cluster, one instance restarts in the middle, and a
// verifier that keeps the JWKS for as long as its Cache-Control says never
// meets an unknown kid, whichever instance signed and whichever it fetched
// the JWKS from.

// clusterOrigin is the origin every assertion of the cluster names: the
// load balancer's host over plain HTTP.
const clusterOrigin = "http://" + clusterHost

// rotationRun is how long the rotation test watches: the first key signs
// for a minute, then two more each sign in turn.
const rotationRun = 135 * time.Second

// cachingVerifier keeps the JWKS for the max-age it was served with, and
// refuses a kid it does not hold rather than fetching again: a verifier
// that cached it for as long as it was told must not need to.
type cachingVerifier struct {
	t         *testing.T
	set       jose.JSONWebKeySet
	fetched   time.Time
	maxAge    time.Duration
	fetches   int
	published map[string]bool // every kid any JWKS held
}

func (v *cachingVerifier) keys(from *node) (jose.JSONWebKeySet, error) {
	if v.fetches > 0 && time.Since(v.fetched) < v.maxAge {
		return v.set, nil
	}
	resp, err := from.request(http.MethodGet, jwksPath, "")
	if err != nil {
		return v.set, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var set jose.JSONWebKeySet
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &set) != nil || strings.Contains(string(body), `"d"`) {
		return v.set, fmt.Errorf("%s: JWKS status %d: %s", from.name, resp.StatusCode, body)
	}
	secs, ok := strings.CutPrefix(resp.Header.Get("Cache-Control"), "public, max-age=")
	n, err := strconv.Atoi(secs)
	if !ok || err != nil || n <= 0 || n > 300 {
		return v.set, fmt.Errorf("%s: Cache-Control %q", from.name, resp.Header.Get("Cache-Control"))
	}
	v.set, v.fetched, v.maxAge = set, time.Now(), time.Duration(n)*time.Second
	v.fetches++
	for _, k := range set.Keys {
		v.published[k.KeyID] = true
	}
	return set, nil
}

// check verifies the assertion n's upstream got for session, with the JWKS
// as the verifier holds it (fetched from jwksFrom when it is stale), and
// returns its kid.
func (v *cachingVerifier) check(n, jwksFrom *node, session string) (string, error) {
	resp, err := n.request(http.MethodGet, "/", insecureCookieName+"="+session, "Accept", "application/json")
	if err != nil {
		return "", err
	}
	var e echo
	if err := decodeEcho(resp, &e); err != nil {
		return "", fmt.Errorf("%s: %w", n.name, err)
	}
	set, err := v.keys(jwksFrom)
	if err != nil {
		return "", err
	}
	hdr, _, err := verifyAssertionAt(set, e.Header.Get(assertionHeader), clusterOrigin, time.Now())
	if err != nil {
		return hdr.KeyID, fmt.Errorf("%s signed an assertion the verifier refuses (JWKS from %s, %v old): %w",
			n.name, jwksFrom.name, time.Since(v.fetched).Round(time.Millisecond), err)
	}
	return hdr.KeyID, nil
}

func TestAssertionKeysRotateAcrossACluster(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	c.options = "assertion_header " + assertionHeader + "\n\t\tassertion_key_rotation 1m"
	nodes := c.nodesAtOnce("a", "b")
	a, b := nodes[0], nodes[1]

	// Started at once on empty storage: one key, the same on both.
	jwksA, jwksB := readJWKS(t, a), readJWKS(t, b)
	if len(jwksA.Keys) != 1 || jwksA.Keys[0].KeyID != jwksB.Keys[0].KeyID || len(jwksB.Keys) != 1 {
		t.Fatalf("instances started together publish %v and %v: want one and the same key", kidsOf(jwksA), kidsOf(jwksB))
	}

	v := &cachingVerifier{t: t, published: map[string]bool{}}
	old := a.mustLogin("orla") // its assertion is cached and reused: older keys must stay published
	signedBy := map[string]map[string]bool{"a": {}, "b": {}}
	var pairs [][2]string
	start, restarted := time.Now(), false
	for i := 0; time.Since(start) < rotationRun; i++ {
		if !restarted && time.Since(start) > rotationRun/2 {
			b.stop()
			if _, err := v.check(a, a, old); err != nil {
				t.Fatal(err)
			}
			b.start()
			restarted = true
		}
		lb := []*node{a, b}
		first, second := lb[i%2], lb[(i+1)%2]
		if _, err := v.check(first, second, old); err != nil {
			t.Fatal(err)
		}
		// A new session on one instance, used on both: each signs for it now.
		fresh := first.mustLogin(fmt.Sprintf("user%d", i))
		kidA, err := v.check(a, first, fresh)
		if err != nil {
			t.Fatal(err)
		}
		kidB, err := v.check(b, second, fresh)
		if err != nil {
			t.Fatal(err)
		}
		signedBy["a"][kidA], signedBy["b"][kidB] = true, true
		pairs = append(pairs, [2]string{kidA, kidB})
		time.Sleep(2 * time.Second)
	}

	if len(signedBy["a"]) < 3 {
		t.Errorf("in %v with a 1m rotation, a signed with %d keys: want at least 3", rotationRun, len(signedBy["a"]))
	}
	for name, kids := range signedBy {
		for kid := range kids {
			if !v.published[kid] {
				t.Errorf("%s signed with %s, which no JWKS the verifier fetched held", name, kid)
			}
		}
	}
	if err := agreed(pairs); err != nil {
		t.Error(err)
	}
	if v.maxAge != 7*time.Second {
		t.Errorf("the JWKS's max-age is %v: want 7s, a 1m rotation's lead less its poll interval", v.maxAge)
	}
	t.Logf("%d checks, %d JWKS fetches, keys signed: a %d, b %d; published %d",
		4*len(pairs), v.fetches, len(signedBy["a"]), len(signedBy["b"]), len(v.published))
}

// agreed checks that the instances signed one session with the same key,
// but for a pair that straddled the moment a key took over: then the
// second instance already used the new key, which both use next.
func agreed(pairs [][2]string) error {
	for i, p := range pairs {
		if p[0] == p[1] {
			continue
		}
		if i+1 < len(pairs) && pairs[i+1][0] == p[1] && pairs[i+1][1] == p[1] {
			continue
		}
		return fmt.Errorf("the instances disagree on the signing key: %v then %v", p, pairs[min(i+1, len(pairs)-1)])
	}
	return nil
}

func readJWKS(t *testing.T, n *node) jose.JSONWebKeySet {
	t.Helper()
	v := &cachingVerifier{t: t, published: map[string]bool{}}
	set, err := v.keys(n)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func kidsOf(set jose.JSONWebKeySet) []string {
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}
