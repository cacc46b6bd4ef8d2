// Command fakefb stands in for Facebook in bench/compare.sh, so that
// oauth2-proxy's facebook provider can log a user in offline:
//
//	GET  /dialog/oauth       redirects straight back to redirect_uri with a code and the state
//	POST /oauth/access_token answers {"access_token": ...} for that code
//	GET  /me                 answers the profile, with a non-empty email
//	GET  /validate           answers 200 for the token
//
// It checks what it can (client_id, code, bearer token) so that a
// misconfigured oauth2-proxy fails loudly instead of benchmarking an error.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"net/url"
	"time"
)

const (
	code  = "bench-code"
	token = "bench-facebook-token"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (keep it on 127.0.0.1)")
	clientID := flag.String("client-id", "bench-client", "the client_id oauth2-proxy must send")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /dialog/oauth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || back.Host == "" || q.Get("client_id") != *clientID {
			http.Error(w, "bad authorize request", http.StatusBadRequest)
			return
		}
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("code") != code || r.FormValue("client_id") != *clientID {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"access_token": token, "token_type": "bearer", "expires_in": 5184000})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		writeJSON(w, map[string]string{"id": "1", "name": "Bench", "email": "bench@example.com"})
	})
	mux.HandleFunc("GET /validate", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		writeJSON(w, map[string]string{"id": "1"})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

func authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+token || r.URL.Query().Get("access_token") == token
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
