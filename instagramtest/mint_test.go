package instagramtest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// meAs calls /me for token with the proof made with secret, and returns
// the status and body.
func meAs(t *testing.T, s *Server, token, secret string) (int, string) {
	t.Helper()
	status, _, body := do(t, "GET", meURL(s.UserinfoURL(), token, AppSecretProof(secret, token), ""), nil)
	return status, body
}

// graphErrorBody is a Graph error answer exactly as the mock writes it.
func graphErrorBody(typ string, code, subcode int, message string) string {
	e := map[string]any{"message": message, "type": typ, "code": code, "fbtrace_id": "A1b2C3"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return string(b)
}

func TestAppSecretProof(t *testing.T) {
	// RFC 4231, test case 2.
	if got := AppSecretProof("Jefe", "what do ya want for nothing?"); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("AppSecretProof = %s", got)
	}
	if AppSecretProof(testSecret, "IGAAx") != proofOf("IGAAx") {
		t.Fatal("AppSecretProof differs from the tests' own proof")
	}
}

func TestMintToken(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	short, long := s.MintToken("alice", false), s.MintToken("alice", true)
	want := `{"id":"` + UserID("alice") + `","username":"alice"}`
	for _, token := range []string{short, long} {
		if status, body := meAs(t, s, token, testSecret); status != 200 || body != want {
			t.Fatalf("/me: %d %s", status, body)
		}
	}
	if !slices.Contains(s.AuthorizedUsers(), "alice") {
		t.Fatal("a minted token's user has not allowed the app")
	}
	advance(time.Hour + time.Second)
	if status, _ := meAs(t, s, short, testSecret); status != 400 {
		t.Fatalf("short-lived token after an hour: %d", status)
	}
	if status, _ := meAs(t, s, long, testSecret); status != 200 {
		t.Fatalf("long-lived token after an hour: %d", status)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MintToken with a bad username did not panic")
		}
	}()
	s.MintToken("Not A Username", true)
}

// A token of another app: our proof is refused as Graph refuses it, with
// code 100 and type GraphMethodException; the other app's proof works.
func TestOtherAppToken(t *testing.T) {
	s := Start(t, testClient, testSecret)
	token := s.MintOtherAppToken("alice", true)
	status, body := meAs(t, s, token, testSecret)
	if want := `{"error":{"code":100,"fbtrace_id":"A1b2C3","message":"Invalid appsecret_proof provided in the API argument","type":"GraphMethodException"}}`; status != 400 || body != want {
		t.Fatalf("our proof for another app's token: %d %s\nwant 400 %s", status, body, want)
	}

	status, body = meAs(t, s, token, OtherClientSecret)
	var me struct{ ID, Username string }
	if status != 200 || json.Unmarshal([]byte(body), &me) != nil || me.Username != "alice" {
		t.Fatalf("the other app's proof: %d %s", status, body)
	}
	if me.ID == UserID("alice") || len(me.ID) != len(UserID("alice")) {
		t.Fatalf("the other app sees id %s, want an app-scoped id of its own, not %s", me.ID, UserID("alice"))
	}
	if slices.Contains(s.AuthorizedUsers(), "alice") {
		t.Fatal("a token of another app counts as allowing ours")
	}

	// Removing our app leaves the other app's tokens alone.
	s.MintToken("alice", true)
	if _, err := s.RemoveApp(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	if status, _ := meAs(t, s, token, OtherClientSecret); status != 200 {
		t.Fatalf("the other app's token after removing ours: %d", status)
	}
}

// Exchange and refresh keep a token's app: only the other app's secret
// exchanges its short-lived token, and the long-lived one is the other
// app's too.
func TestOtherAppTokenExchange(t *testing.T) {
	s := Start(t, testClient, testSecret)
	s.SetRefreshMinAge(0)
	short := s.MintOtherAppToken("bob", false)
	if status, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil); status != 400 ||
		body != graphErrorBody(GraphTypeOAuth, 101, 0, "Error validating client secret.") {
		t.Fatalf("exchange with our secret: %d %s", status, body)
	}
	status, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", OtherClientSecret, short), nil)
	var long longTokenAnswer
	if status != 200 || json.Unmarshal([]byte(body), &long) != nil {
		t.Fatalf("exchange with the other app's secret: %d %s", status, body)
	}
	_, refreshed, _ := refresh(t, s, long.AccessToken)
	for _, token := range []string{long.AccessToken, refreshed.AccessToken} {
		if status, _ := meAs(t, s, token, testSecret); status != 400 {
			t.Fatalf("our proof for the other app's exchanged or refreshed token: %d", status)
		}
		if status, _ := meAs(t, s, token, OtherClientSecret); status != 200 {
			t.Fatalf("its own app's proof: %d", status)
		}
	}
}

// After RemoveApp, /me answers the user's tokens 190 with Facebook's
// "has not authorized application" wording.
func TestRemovedAppTokens(t *testing.T) {
	s := Start(t, testClient, testSecret)
	token := s.MintToken("carol", true)
	if _, err := s.RemoveApp(context.Background(), "carol"); err != nil {
		t.Fatal(err)
	}
	want := graphErrorBody(GraphTypeOAuth, 190, 458, "Error validating access token: The user has not authorized application "+testClient+".")
	if status, body := meAs(t, s, token, testSecret); status != 400 || body != want {
		t.Fatalf("/me after RemoveApp: %d %s\nwant 400 %s", status, body, want)
	}
	if status, _, bad := refresh(t, s, token); status != 400 || bad.Error.Code != 190 || bad.Error.Subcode != 458 {
		t.Fatalf("refresh after RemoveApp: %d %+v", status, bad)
	}
	// Allowing the app again gives working tokens; the old one stays dead.
	fresh := s.MintToken("carol", true)
	if status, _ := meAs(t, s, fresh, testSecret); status != 200 {
		t.Fatalf("a new token after allowing again: %d", status)
	}
	if status, _ := meAs(t, s, token, testSecret); status != 400 {
		t.Fatalf("the old token came back: %d", status)
	}
}

func TestRevokeToken(t *testing.T) {
	s := Start(t, testClient, testSecret)
	revoked, kept := s.MintToken("dave", true), s.MintToken("dave", true)
	short := s.MintToken("dave", false)
	if !s.RevokeToken(revoked) || !s.RevokeToken(short) {
		t.Fatal("RevokeToken did not know a token it issued")
	}
	if s.RevokeToken("IGAAnope") {
		t.Fatal("RevokeToken knew an unknown token")
	}
	want := graphErrorBody(GraphTypeOAuth, 190, 460, MsgSessionInvalidated)
	if status, body := meAs(t, s, revoked, testSecret); status != 400 || body != want {
		t.Fatalf("/me with a revoked token: %d %s\nwant 400 %s", status, body, want)
	}
	if status, _ := meAs(t, s, kept, testSecret); status != 200 {
		t.Fatalf("the user's other token: %d", status)
	}
	if status, _, bad := refresh(t, s, revoked); status != 400 || bad.Error.Subcode != 460 {
		t.Fatalf("refresh of a revoked token: %d %+v", status, bad)
	}
	if status, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil); status != 400 || body != want {
		t.Fatalf("exchange of a revoked token: %d %s", status, body)
	}
}
