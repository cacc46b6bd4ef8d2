package wsecho

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/websocket"
)

func startEcho(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := (Echo{}).ServeHTTP(w, r, nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestEcho(t *testing.T) {
	host := startEcho(t)
	ws, err := websocket.Dial("ws://"+host+"/ws/echo", "", "http://"+host)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, msg := range []string{"hello", "", strings.Repeat("x", 5000)} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil || got != msg {
			t.Fatalf("sent %.20q, got %.20q (%v)", msg, got, err)
		}
	}
}

func TestEchoRefusesOtherOrigins(t *testing.T) {
	host := startEcho(t)
	if _, err := websocket.Dial("ws://"+host+"/ws/echo", "", "http://evil.example"); err == nil {
		t.Fatal("a page of another site opened the socket")
	}
	resp, err := http.Get("http://" + host + "/ws/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain GET: status %d, want 400", resp.StatusCode)
	}
}
