package instagramtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// site is a stand-in for an app's deauthorize and data deletion endpoints:
// it checks each request is what Meta sends and answers status and body.
type site struct {
	t    *testing.T
	body string

	mu       sync.Mutex
	status   int
	payloads []map[string]any
}

func startSite(t *testing.T, status int, body string) (*site, string) {
	st := &site{t: t, status: status, body: body}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	return st, srv.URL
}

func (st *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		st.t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil || len(r.PostForm) != 1 {
		st.t.Errorf("form %v (%v), want signed_request alone", r.PostForm, err)
	}
	payload, err := verifySignedRequest(testSecret, r.PostForm.Get("signed_request"))
	if err != nil {
		st.t.Errorf("signed_request: %v", err)
	}
	st.mu.Lock()
	st.payloads = append(st.payloads, payload)
	status := st.status
	st.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, st.body)
}

func (st *site) setStatus(status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.status = status
}

func (st *site) received() []map[string]any {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.payloads
}

func TestSendDeauthorize(t *testing.T) {
	p := New(testClient, testSecret)
	then := time.Unix(1291836800, 0)
	p.SetClock(func() time.Time { return then })
	st, u := startSite(t, http.StatusOK, "")
	status, err := p.SendDeauthorize(context.Background(), nil, u+"/deauth", UserID("alice"))
	if err != nil || status != 200 {
		t.Fatalf("status %d, %v", status, err)
	}
	got := st.received()
	if len(got) != 1 || got[0]["user_id"] != UserID("alice") || got[0]["algorithm"] != "HMAC-SHA256" ||
		got[0]["issued_at"] != 1291836800.0 || got[0]["expires"] != 1291840400.0 {
		t.Fatalf("payload %v", got)
	}

	// An error status is the site's answer, not a failure to deliver.
	st.setStatus(http.StatusInternalServerError)
	if status, err := p.SendDeauthorize(context.Background(), nil, u, "1"); err != nil || status != 500 {
		t.Fatalf("site error: %d %v", status, err)
	}
	// A redirect is not followed.
	st.setStatus(http.StatusFound)
	if status, err := p.SendDeauthorize(context.Background(), nil, u, "1"); err != nil || status != 302 {
		t.Fatalf("redirect: %d %v", status, err)
	}
	if n := len(st.received()); n != 3 {
		t.Fatalf("site got %d requests, want 3", n)
	}

	// No answer at all.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.SendDeauthorize(ctx, nil, u, "1"); err == nil {
		t.Fatal("cancelled context: no error")
	}
	if _, err := p.SendDeauthorize(context.Background(), nil, "http://127.0.0.1:1/", "1"); err == nil {
		t.Fatal("closed port: no error")
	}
	if _, err := p.SendDeauthorize(context.Background(), nil, "::not a url", "1"); err == nil {
		t.Fatal("bad URL: no error")
	}
}

func TestSendDataDeletion(t *testing.T) {
	p := New(testClient, testSecret)
	st, u := startSite(t, http.StatusOK, `{"url":"https://app.example/deletion?id=abc","confirmation_code":"abc123"}`)
	statusURL, code, err := p.SendDataDeletion(context.Background(), http.DefaultClient, u, UserID("bob"))
	if err != nil || statusURL != "https://app.example/deletion?id=abc" || code != "abc123" {
		t.Fatalf("%q %q %v", statusURL, code, err)
	}
	if got := st.received(); len(got) != 1 || got[0]["user_id"] != UserID("bob") {
		t.Fatalf("payload %v", got)
	}
}

func TestSendDataDeletionRejectsMalformedAnswers(t *testing.T) {
	p := New(testClient, testSecret)
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"error status", 500, `{"url":"https://a.example/","confirmation_code":"x"}`, "answered HTTP 500"},
		{"redirect", 302, "", "answered HTTP 302"},
		{"empty", 200, "", "is not the JSON"},
		{"html", 200, "<html>ok</html>", "is not the JSON"},
		{"trailing junk", 200, `{"url":"https://a.example/","confirmation_code":"x"} x`, "is not the JSON"},
		{"array", 200, `[]`, "is not the JSON"},
		{"numeric code", 200, `{"url":"https://a.example/","confirmation_code":123}`, "is not the JSON"},
		{"no url", 200, `{"confirmation_code":"x"}`, "has no url"},
		{"empty url", 200, `{"url":"","confirmation_code":"x"}`, "has no url"},
		{"no code", 200, `{"url":"https://a.example/"}`, "has no confirmation_code"},
		{"relative url", 200, `{"url":"/deletion","confirmation_code":"x"}`, "not an absolute http(s) URL"},
		{"javascript url", 200, `{"url":"javascript:alert(1)","confirmation_code":"x"}`, "not an absolute http(s) URL"},
		{"cut off", 200, `{"url":"https://a.example/` + strings.Repeat("a", maxCallbackAnswer) + `","confirmation_code":"x"}`, "is not the JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, u := startSite(t, c.status, c.body)
			statusURL, code, err := p.SendDataDeletion(context.Background(), nil, u, "1")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), u) {
				t.Fatalf("err %v, want one naming %q and the URL", err, c.want)
			}
			if statusURL != "" || code != "" {
				t.Fatalf("returned %q %q with the error", statusURL, code)
			}
		})
	}
}
