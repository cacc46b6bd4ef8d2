// Package jwtverify runs the token verifiers of docs/examples — PyJWT,
// jose (Node) and go-jose — exactly as the docs show them, so tests prove
// that clients we did not write accept our identity assertions and refuse
// forged, expired and misdirected ones. It is test tooling: only _test.go
// files import it.
package jwtverify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Snippet names one of the verifiers in docs/examples.
type Snippet string

const (
	// Python is docs/examples/verify.py run by Debian's /usr/bin/python3
	// with python3-jwt (PyJWT) and python3-cryptography.
	Python Snippet = "python"
	// Node is docs/examples/node/verify.mjs with jose from the npm registry.
	Node Snippet = "node"
	// Go is docs/examples/go with go-jose v4.
	Go Snippet = "go"
)

// Snippets lists every verifier, for a test to run each as a subtest.
func Snippets() []Snippet { return []Snippet{Python, Node, Go} }

// Request is what a relying party knows when it checks a token: where the
// site publishes its keys, who issues tokens, and its own origin.
type Request struct {
	JWKSURL  string
	Issuer   string
	Audience string
	Token    string
}

// Refusal is a verifier turning a token down, in its own words.
type Refusal struct {
	Snippet Snippet
	Reason  string
}

func (r *Refusal) Error() string { return fmt.Sprintf("%s refused the token: %s", r.Snippet, r.Reason) }

// refusedPrefix starts the one stderr line every snippet writes when it
// turns a token down; anything else is the harness or the snippet failing.
const refusedPrefix = "token refused: "

// callTimeout bounds one verification, JWKS fetch included.
const callTimeout = 30 * time.Second

// Verifier runs one snippet.
type Verifier struct {
	snippet Snippet
	dir     string   // working directory of the snippet
	argv    []string // the program and its arguments before the request's
}

// New prepares snippet s (Node: npm ci if needed; Go: a build) and returns
// its verifier. When its runtime is missing, t skips with the package to
// install, or fails if E2E_REQUIRE_JWT_CLIENTS=1.
func New(t testing.TB, s Snippet) *Verifier {
	t.Helper()
	examples := examplesDir(t)
	switch s {
	case Python:
		return newPython(t, examples)
	case Node:
		return newNode(t, examples)
	case Go:
		return newGo(t, examples)
	}
	t.Fatalf("jwtverify: unknown snippet %q", s)
	return nil
}

// Verify runs the snippet on req. It returns the claims the snippet
// printed, or a *Refusal. Anything else (a crash, a usage error, output
// that is not JSON) fails t, so a refusal can never be a broken run.
func (v *Verifier) Verify(t testing.TB, req Request) (map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	args := append(append([]string{}, v.argv[1:]...), req.JWKSURL, req.Issuer, req.Audience)
	cmd := exec.CommandContext(ctx, v.argv[0], args...)
	cmd.Dir = v.dir
	cmd.Env = loopbackDirect(os.Environ())
	// The token goes on stdin, never on a command line others can read.
	cmd.Stdin = strings.NewReader(req.Token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		var claims map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &claims); err != nil {
			t.Fatalf("%s printed no claims object (%v): %q", v.snippet, err, stdout.String())
		}
		return claims, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1 && strings.HasPrefix(stderr.String(), refusedPrefix):
		reason := strings.TrimSpace(strings.TrimPrefix(stderr.String(), refusedPrefix))
		return nil, &Refusal{Snippet: v.snippet, Reason: reason}
	}
	t.Fatalf("%s did not run: %v\n%s", v.snippet, err, stderr.String())
	return nil, nil
}

// loopbackDirect keeps HTTP clients that honour proxy variables (Python's
// urllib) from sending requests for the test's 127.0.0.1 servers to a proxy.
func loopbackDirect(env []string) []string {
	direct := "127.0.0.1,localhost"
	for _, name := range []string{"NO_PROXY", "no_proxy"} {
		if old := os.Getenv(name); old != "" {
			env = append(env, name+"="+old+","+direct)
		} else {
			env = append(env, name+"="+direct)
		}
	}
	return env
}

// missing skips t for lack of what, or fails it when the environment says
// these clients are required (CI installs them).
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("E2E_REQUIRE_JWT_CLIENTS") == "1" {
		t.Fatalf("E2E_REQUIRE_JWT_CLIENTS=1 but %s", what)
	}
	t.Skipf("%s (set E2E_REQUIRE_JWT_CLIENTS=1 to fail instead)", what)
}
