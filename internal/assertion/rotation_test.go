package assertion

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

func TestTimingFollowsThePeriod(t *testing.T) {
	for _, tc := range []struct{ period, lead, poll time.Duration }{
		{DefaultRotation, 10 * time.Minute, 5 * time.Minute},
		{0, 10 * time.Minute, 5 * time.Minute},
		{40 * time.Minute, 10 * time.Minute, 5 * time.Minute},
		{2 * time.Minute, 30 * time.Second, 15 * time.Second},
		{time.Minute, 15 * time.Second, 7500 * time.Millisecond},
	} {
		if got := newTiming(tc.period); got.lead != tc.lead || got.poll != tc.poll {
			t.Errorf("period %v: lead %v poll %v, want %v %v", tc.period, got.lead, got.poll, tc.lead, tc.poll)
		}
		k := &Keys{}
		k.timing.Store(newTiming(tc.period))
		if got := k.JWKSMaxAge(); got != tc.lead-tc.poll {
			t.Errorf("period %v: JWKS max-age %v, want %v", tc.period, got, tc.lead-tc.poll)
		}
	}
}

// keyLife is what a test saw of one key.
type keyLife struct {
	from                 time.Time
	published, gone      [2]time.Time // per instance: first and last seen in its JWKS
	firstSigned, lastExp time.Time
}

func jwksKids(t *testing.T, body []byte) []string {
	var doc struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range doc.Keys {
		out = append(out, k.Kid)
	}
	return out
}

// TestRotationTimeline runs two instances on one storage through several
// short periods, polling each at its own phase, restarting both midway,
// with a verifier that caches the JWKS for L-P.
func TestRotationTimeline(t *testing.T) {
	const period, run, step = 2 * time.Minute, 16 * time.Minute, time.Second
	tm := newTiming(period)
	storage, clock := fileStorage(t), newFakeClock()
	start := clock.now()
	insts := []testInstance{newInstance(t, storage, clock, period), newInstance(t, storage, clock, period)}
	phase := []time.Duration{3 * time.Second, 10 * time.Second}
	lives := map[string]*keyLife{}
	var verifierJWKS []byte
	var fetchedAt time.Time
	fetches := 0

	for elapsed := time.Duration(0); elapsed < run; elapsed += step {
		now := clock.now()
		if elapsed == 7*time.Minute {
			insts = restartBoth(t, storage, clock, period, insts)
		}
		for i, inst := range insts {
			if elapsed >= phase[i] && (elapsed-phase[i])%tm.poll == 0 {
				inst.poll(t.Context())
			}
			seen := jwksKids(t, inst.JWKS())
			for _, kid := range seen {
				l := lives[kid]
				if l == nil {
					l = &keyLife{from: keyFrom(t, inst.Keys, kid)}
					lives[kid] = l
				}
				if l.published[i].IsZero() {
					l.published[i] = now
				}
			}
			for kid, l := range lives {
				if !l.published[i].IsZero() && l.gone[i].IsZero() && !slices.Contains(seen, kid) {
					l.gone[i] = now
				}
			}

			s := subject("17841400000000001", now.Add(time.Hour))
			s.Session[0] = byte(elapsed / step)
			token, _, exp, err := inst.sign(&s, now)
			if err != nil {
				t.Fatal(err)
			}
			if verifierJWKS == nil || now.Sub(fetchedAt) >= tm.lead-tm.poll {
				verifierJWKS, fetchedAt = insts[fetches%2].JWKS(), now
				fetches++
			}
			h, _, err := verify(verifierJWKS, token)
			if err != nil {
				t.Fatalf("at +%v the verifier failed on instance %d's assertion: %v", elapsed, i, err)
			}
			l := lives[h.KeyID]
			if l.firstSigned.IsZero() {
				l.firstSigned = now
			}
			l.lastExp = time.Unix(exp, 0)
		}
		clock.advance(step)
	}

	// One key per period, each signing exactly R after the one before.
	var order []*keyLife
	for _, l := range lives {
		order = append(order, l)
	}
	slices.SortFunc(order, func(a, b *keyLife) int { return a.from.Compare(b.from) })
	if want := int(run/period) + 1; len(order) != want {
		t.Fatalf("%d keys in %v, want %d", len(order), run, want)
	}
	for i, l := range order {
		if want := start.Add(time.Duration(i) * period); !l.from.Equal(want) {
			t.Errorf("key %d signs from %v, want %v", i, l.from, want)
		}
		if l.firstSigned.IsZero() != (i+1 == len(order)) {
			t.Errorf("key %d signed first at %v", i, l.firstSigned)
		}
		for inst := range 2 {
			if i > 0 && !l.firstSigned.IsZero() && l.firstSigned.Sub(l.published[inst]) < tm.lead {
				t.Errorf("key %d: in instance %d's JWKS %v before it signs, want at least %v", i, inst, l.firstSigned.Sub(l.published[inst]), tm.lead)
			}
			if i+1 == len(order) {
				continue
			}
			retire := order[i+1].from.Add(retireAfter)
			switch {
			case !l.gone[inst].IsZero() && !l.gone[inst].After(l.lastExp):
				t.Errorf("key %d left instance %d's JWKS at %v, before its last assertion expired (%v)", i, inst, l.gone[inst], l.lastExp)
			case retire.Before(start.Add(run-step)) && l.gone[inst].IsZero():
				t.Errorf("key %d is still in instance %d's JWKS, past %v", i, inst, retire)
			}
		}
	}
}

func keyFrom(t *testing.T, k *Keys, kid string) time.Time {
	for _, key := range k.set.Load().keys {
		if key.kid == kid {
			return key.from
		}
	}
	t.Fatalf("kid %s published but not in the key set", kid)
	return time.Time{}
}

// restartBoth stops both instances and makes them again from storage: the
// keys and the schedule must be the same.
func restartBoth(t *testing.T, storage certmagic.Storage, clock *fakeClock, period time.Duration, old []testInstance) []testInstance {
	t.Helper()
	was := old[0].Status()
	for _, inst := range old {
		inst.Stop()
	}
	fresh := []testInstance{newInstance(t, storage, clock, period), newInstance(t, storage, clock, period)}
	data, err := storage.Load(t.Context(), storageKey("1234567890"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := parseKeySet(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, inst := range fresh {
		if got := inst.Status(); got.KeyID != was.KeyID || !slices.Equal(kids(inst.Keys), setKids(stored)) {
			t.Fatalf("after a restart: status %+v and keys %v, were %+v and %v", got, kids(inst.Keys), was, kids(old[0].Keys))
		}
	}
	return fresh
}

// noTryLock hides FileStorage's TryLock: the storage of a plugin that has
// only Lock.
type noTryLock struct{ certmagic.Storage }

func TestOneKeyPerPeriodWhenInstancesPollAtOnce(t *testing.T) {
	const period = 2 * time.Minute
	for name, storage := range map[string]certmagic.Storage{
		"TryLock": fileStorage(t),
		"Lock":    noTryLock{fileStorage(t)},
	} {
		t.Run(name, func(t *testing.T) {
			clock := newFakeClock()
			insts := []testInstance{newInstance(t, storage, clock, period), newInstance(t, storage, clock, period)}
			for round := 1; round <= 3; round++ {
				// Both notice at once that the next key is due.
				clock.advance(period)
				var wg sync.WaitGroup
				for _, inst := range insts {
					wg.Go(func() { inst.poll(t.Context()) })
				}
				wg.Wait()
				for _, inst := range insts {
					inst.poll(t.Context()) // the one that lost the lock loads the key
				}
				a, b := kids(insts[0].Keys), kids(insts[1].Keys)
				if !slices.Equal(a, b) || len(a) != round+1 {
					t.Fatalf("round %d: keys %v and %v, want %d in both", round, a, b, round+1)
				}
			}
		})
	}
}

func TestRotationOffKeepsOneKey(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, 0)
	first := kids(k.Keys)
	for range 400 {
		clock.advance(24 * time.Hour)
		k.poll(t.Context())
	}
	if got := kids(k.Keys); !slices.Equal(got, first) {
		t.Fatalf("rotation off, yet keys %v, were %v", got, first)
	}
}

func TestALateClusterRotatesWithTheLead(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	old := newInstance(t, storage, clock, DefaultRotation)
	oldKid := old.Status().KeyID
	old.Stop()

	clock.advance(100 * 24 * time.Hour) // the cluster was down when the next key was due
	k := newInstance(t, storage, clock, DefaultRotation)
	k.poll(t.Context())
	st := k.Status()
	tm := newTiming(DefaultRotation)
	if st.KeyID != oldKid || st.NextKeyID == "" || !st.NextSignsFrom.Equal(clock.now().Add(tm.lead+tm.poll)) {
		t.Fatalf("status %+v: want %s signing until the next key, %v from now", st, oldKid, tm.lead+tm.poll)
	}
	if logs := k.logs.FilterMessageSnippet("assertion key made").Len(); logs != 1 {
		t.Fatalf("%d lines about the new key, want 1", logs)
	}
}

// A reload that changes assertion_key_rotation reaches keys that outlive
// the config: the next key is due on the new schedule.
func TestSetRotationTakesEffectAtOnce(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	k := newInstance(t, storage, clock, DefaultRotation)
	first := k.Status().KeyID
	if err := k.SetRotation(30 * time.Second); err == nil {
		t.Fatal("a rotation under a minute was accepted")
	}
	if k.Status().Rotation != DefaultRotation {
		t.Fatalf("a refused rotation changed the period to %v", k.Status().Rotation)
	}

	if err := k.SetRotation(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := k.JWKSMaxAge(); got != 15*time.Second {
		t.Fatalf("JWKS max-age %v after the change, want 15s", got)
	}
	k.Start()                  // its ticker now runs at the new poll interval
	clock.advance(time.Minute) // the new schedule's due time: R-L-2P after the first key
	k.poll(t.Context())
	st := k.Status()
	if st.KeyID != first || st.NextKeyID == "" || !st.NextSignsFrom.Equal(keyFrom(t, k.Keys, first).Add(2*time.Minute)) {
		t.Fatalf("status %+v: want the next key to sign 2m after the first", st)
	}
	if st.Rotation != 2*time.Minute {
		t.Fatalf("status says rotation %v", st.Rotation)
	}
}
