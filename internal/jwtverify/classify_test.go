package jwtverify

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
)

// recorder is a testing.TB whose Fatalf ends only the calling goroutine,
// to watch the harness fail a test.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// shell is a Verifier running script, with the request's arguments as $1..$3.
func shell(script string) *Verifier {
	return &Verifier{snippet: "shell", dir: ".", argv: []string{"/bin/sh", "-c", script, "sh"}}
}

// run calls v.Verify and reports what it returned or why it failed the test.
func run(t *testing.T, v *Verifier, req Request) (claims map[string]any, fatal string, err error) {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		claims, err = v.Verify(rec, req)
	}()
	<-done
	return claims, rec.fatal, err
}

// A verifier that crashes, or exits 1 for another reason, must fail the
// test rather than count as refusing the token.
func TestVerifyTellsRefusalsFromBrokenRuns(t *testing.T) {
	for _, script := range []string{
		`echo 'Traceback (most recent call last):' >&2; exit 1`,
		`echo 'token refused: but the exit status is wrong' >&2; exit 2`,
		`echo 'not json'`,
	} {
		if _, fatal, err := run(t, shell(script), Request{}); fatal == "" {
			t.Errorf("%s: returned %v, want the test failed", script, err)
		}
	}
	_, fatal, err := run(t, shell(`echo 'token refused: bad audience' >&2; exit 1`), Request{})
	var refused *Refusal
	if fatal != "" || !errors.As(err, &refused) || refused.Reason != "bad audience" {
		t.Errorf("refusal: got error %v, fatal %q; want a Refusal for %q", err, fatal, "bad audience")
	}
}

// The token reaches the snippet on stdin, the rest as arguments.
func TestVerifyPassesTheRequest(t *testing.T) {
	req := Request{JWKSURL: "http://127.0.0.1:1/jwks.json", Issuer: "https://site.example",
		Audience: "https://app.example", Token: "a.b.c"}
	script := `read tok; printf '{"stdin":"%s","args":"%s|%s|%s|%s"}' "$tok" "$1" "$2" "$3" "$4"`
	claims, fatal, err := run(t, shell(script), req)
	if err != nil || fatal != "" {
		t.Fatalf("error %v, fatal %q", err, fatal)
	}
	wantArgs := req.JWKSURL + "|" + req.Issuer + "|" + req.Audience + "|"
	if claims["stdin"] != req.Token || claims["args"] != wantArgs {
		t.Errorf("the snippet saw %v, want stdin %q and args %q", claims, req.Token, wantArgs)
	}
}
