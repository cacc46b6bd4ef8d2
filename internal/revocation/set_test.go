package revocation

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"testing"
)

func TestRevocationsInMemory(t *testing.T) {
	rv := NewSet()
	alice := record.Session{ID: record.ID{1}, UserID: "1", Created: 100}
	aliceLater := record.Session{ID: record.ID{2}, UserID: "1", Created: 200}
	bob := record.Session{ID: record.ID{3}, UserID: "2", Created: 100}
	if rv.IsRevoked(&alice) {
		t.Fatal("revoked in an empty set")
	}
	if !rv.revokeSession(alice.ID, 1000) || rv.revokeSession(alice.ID, 1000) {
		t.Error("revokeSession: news first, then not")
	}
	if !rv.IsRevoked(&alice) || rv.IsRevoked(&aliceLater) || rv.IsRevoked(&bob) {
		t.Error("a session revocation must end that session only")
	}
	if !rv.revokeUser("1", 150, 2000) {
		t.Error("revokeUser: not news")
	}
	if rv.revokeUser("1", 150, 2000) || rv.revokeUser("1", 120, 2000) {
		t.Error("a replay or an older notBefore is news")
	}
	if rv.IsRevoked(&aliceLater) || rv.IsRevoked(&bob) {
		t.Error("revokeUser ended a later session or another user's")
	}
	if !rv.revokeUser("1", 201, 2000) || !rv.IsRevoked(&aliceLater) {
		t.Error("a later notBefore must end the later session")
	}
	if rv.Len() != 2 {
		t.Errorf("len %d, want 2", rv.Len())
	}
}

// A user's records merge into one, kept as long as any of them had to be:
// a later notBefore with an earlier end must not shorten the earlier one.
func TestRevokeUserKeepsTheLongestEnd(t *testing.T) {
	rv := NewSet()
	old := record.Session{ID: record.ID{9}, UserID: "7", Created: 40}
	rv.revokeUser("7", 50, 300) // sessions before 50 last until 300
	rv.revokeUser("7", 100, 200)
	rv.ForgetExpired(250)
	if !rv.IsRevoked(&old) {
		t.Error("the session ended by the first record came back when the second one expired")
	}
	rv.ForgetExpired(301)
	if rv.Len() != 0 {
		t.Errorf("%d records left after every end", rv.Len())
	}
}

func TestForgetExpired(t *testing.T) {
	rv := NewSet()
	rv.Merge([]Record{
		{Session: record.ID{1}, Until: 10},
		{Session: record.ID{2}, Until: 30},
		{User: "5", NotBefore: 5, Until: 10},
		{User: "6", NotBefore: 5, Until: 30},
	})
	rv.ForgetExpired(20)
	if rv.Len() != 2 || !rv.IsRevoked(&record.Session{ID: record.ID{2}}) || !rv.IsRevoked(&record.Session{UserID: "6", Created: 1}) {
		t.Errorf("forgetExpired kept the wrong records: %d left", rv.Len())
	}
}

// revokeSession and revokeUser add one record to the memory alone, as a
// sync brings them, and report whether that is news (sharedState.revoke
// does the same and writes to storage too).
func (rv *Set) revokeSession(id record.ID, until int64) bool {
	return rv.Merge([]Record{{Session: id, Until: until}}) > 0
}

func (rv *Set) revokeUser(userID string, notBefore, until int64) bool {
	return rv.Merge([]Record{{User: userID, NotBefore: notBefore, Until: until}}) > 0
}

// RevokesUser answers for a user record only, by the same rule as a
// session's login time: what began before notBefore is revoked.
func TestRevokesUser(t *testing.T) {
	rv := NewSet()
	if rv.RevokesUser("1", 0) {
		t.Fatal("an empty set revokes")
	}
	rv.revokeSession(record.ID{1}, 1000) // a session record names no user
	rv.revokeUser("1", 150, 2000)
	for _, c := range []struct {
		user string
		at   int64
		want bool
	}{
		{"1", 0, true}, {"1", 149, true}, {"1", 150, false}, {"1", 151, false},
		{"2", 0, false}, {"", 0, false},
	} {
		if got := rv.RevokesUser(c.user, c.at); got != c.want {
			t.Errorf("RevokesUser(%q, %d) = %v, want %v", c.user, c.at, got, c.want)
		}
	}
	rv.revokeUser("1", 300, 2000) // a later logout everywhere moves the line
	if !rv.RevokesUser("1", 299) || rv.RevokesUser("1", 300) {
		t.Error("the later record does not move the line")
	}
	rv.ForgetExpired(2001)
	if rv.RevokesUser("1", 0) {
		t.Error("an expired record still revokes")
	}
}
