package instagram

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The bearer check: /me with appsecret_proof; Instagram's refusals of the
// token (another app's, revoked) are refusals, its failures are not; every
// call is observed under its endpoint.
func TestMeRefusalsAndObserver(t *testing.T) {
	const secret = "app-secret"
	var seen []Endpoint
	for _, c := range []struct {
		name, answer string
		status       int
		refusal, ok  bool
	}{
		{"accepted", `{"id":"17841405793187218","username":"alice"}`, 200, false, true},
		{"another app's token", `{"error":{"message":"Invalid appsecret_proof provided in the API argument","type":"GraphMethodException","code":100}}`, 400, true, false},
		{"revoked token", `{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}`, 400, true, false},
		{"rate limited", `{"error":{"message":"Application request limit reached","type":"OAuthException","code":4}}`, 400, false, false},
		{"outage", `{"error":{"message":"unexpected","code":2}}`, 500, false, false},
		{"no id", `{"username":"alice"}`, 200, false, false},
		{"id not digits", `{"id":"x1"}`, 200, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var proof string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				proof = r.URL.Query().Get("appsecret_proof")
				w.WriteHeader(c.status)
				io.WriteString(w, c.answer)
			}))
			defer srv.Close()
			client := New(Config{ClientSecret: secret, UserinfoURL: srv.URL + "/me", Timeout: time.Second, Now: time.Now,
				Observe: func(e Endpoint, _ time.Duration, _ error) { seen = append(seen, e) }})
			p, err := client.Me(context.Background(), "IGAA-token")
			if proof != appSecretProof(secret, "IGAA-token") {
				t.Errorf("proof %q", proof)
			}
			if (err == nil) != c.ok || IsRefusal(err) != c.refusal {
				t.Fatalf("err %v (refusal %v), want ok %v refusal %v", err, IsRefusal(err), c.ok, c.refusal)
			}
			if c.ok && (p.ID != "17841405793187218" || p.Username != "alice") {
				t.Errorf("profile %+v", p)
			}
			if err != nil && strings.Contains(err.Error(), "IGAA") {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
	for _, e := range seen {
		if e != EndpointBearer {
			t.Fatalf("a bearer check observed as endpoint %d", e)
		}
	}
	if len(seen) != 7 {
		t.Errorf("%d calls observed, want 7", len(seen))
	}
	if IsRefusal(errors.New("timed out")) {
		t.Error("a timeout is a refusal")
	}
}
