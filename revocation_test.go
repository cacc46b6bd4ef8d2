package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"testing"
)

func TestRevocationsInMemory(t *testing.T) {
	rv := newRevocations()
	alice := record.Session{ID: record.ID{1}, UserID: "1", Created: 100}
	aliceLater := record.Session{ID: record.ID{2}, UserID: "1", Created: 200}
	bob := record.Session{ID: record.ID{3}, UserID: "2", Created: 100}
	if rv.isRevoked(&alice) {
		t.Fatal("revoked in an empty set")
	}
	if !rv.revokeSession(alice.ID, 1000) || rv.revokeSession(alice.ID, 1000) {
		t.Error("revokeSession: news first, then not")
	}
	if !rv.isRevoked(&alice) || rv.isRevoked(&aliceLater) || rv.isRevoked(&bob) {
		t.Error("a session revocation must end that session only")
	}
	if !rv.revokeUser("1", 150, 2000) {
		t.Error("revokeUser: not news")
	}
	if rv.revokeUser("1", 150, 2000) || rv.revokeUser("1", 120, 2000) {
		t.Error("a replay or an older notBefore is news")
	}
	if rv.isRevoked(&aliceLater) || rv.isRevoked(&bob) {
		t.Error("revokeUser ended a later session or another user's")
	}
	if !rv.revokeUser("1", 201, 2000) || !rv.isRevoked(&aliceLater) {
		t.Error("a later notBefore must end the later session")
	}
	if rv.len() != 2 {
		t.Errorf("len %d, want 2", rv.len())
	}
}

// A user's records merge into one, kept as long as any of them had to be:
// a later notBefore with an earlier end must not shorten the earlier one.
func TestRevokeUserKeepsTheLongestEnd(t *testing.T) {
	rv := newRevocations()
	old := record.Session{ID: record.ID{9}, UserID: "7", Created: 40}
	rv.revokeUser("7", 50, 300) // sessions before 50 last until 300
	rv.revokeUser("7", 100, 200)
	rv.forgetExpired(250)
	if !rv.isRevoked(&old) {
		t.Error("the session ended by the first record came back when the second one expired")
	}
	rv.forgetExpired(301)
	if rv.len() != 0 {
		t.Errorf("%d records left after every end", rv.len())
	}
}

func TestForgetExpired(t *testing.T) {
	rv := newRevocations()
	rv.merge([]revocation{
		{session: record.ID{1}, until: 10},
		{session: record.ID{2}, until: 30},
		{user: "5", notBefore: 5, until: 10},
		{user: "6", notBefore: 5, until: 30},
	})
	rv.forgetExpired(20)
	if rv.len() != 2 || !rv.isRevoked(&record.Session{ID: record.ID{2}}) || !rv.isRevoked(&record.Session{UserID: "6", Created: 1}) {
		t.Errorf("forgetExpired kept the wrong records: %d left", rv.len())
	}
}

// revokeSession and revokeUser add one record to the memory alone, as a
// sync brings them, and report whether that is news (sharedState.revoke
// does the same and writes to storage too).
func (rv *revocations) revokeSession(id record.ID, until int64) bool {
	return rv.merge([]revocation{{session: id, until: until}}) > 0
}

func (rv *revocations) revokeUser(userID string, notBefore, until int64) bool {
	return rv.merge([]revocation{{user: userID, notBefore: notBefore, until: until}}) > 0
}
