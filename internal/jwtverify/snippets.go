package jwtverify

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debianPython is Debian's interpreter: the one python3-jwt installs into,
// whatever python3 comes first on PATH (pyenv, a virtualenv).
const debianPython = "/usr/bin/python3"

// module is the go.mod line that marks the repository's root.
const module = "module github.com/b4b0c547/caddy-instagram-auth\n"

func newPython(t testing.TB, examples string) *Verifier {
	t.Helper()
	// -I: Debian's packages only, not a user's pip installs or PYTHONPATH.
	check := exec.Command(debianPython, "-I", "-c", "import jwt, cryptography")
	if out, err := check.CombinedOutput(); err != nil {
		missing(t, "PyJWT is missing from "+debianPython+": apt install python3-jwt python3-cryptography ("+
			strings.TrimSpace(string(out))+" "+err.Error()+")")
	}
	return &Verifier{snippet: Python, dir: examples,
		argv: []string{debianPython, "-I", filepath.Join(examples, "verify.py")}}
}

func newNode(t testing.TB, examples string) *Verifier {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not installed (Node.js 20 or later, with npm, for the npm package jose)")
	}
	dir := filepath.Join(examples, "node")
	if err := installJose(dir); err != nil {
		missing(t, "the npm package jose could not be installed: "+err.Error())
	}
	return &Verifier{snippet: Node, dir: dir, argv: []string{node, filepath.Join(dir, "verify.mjs")}}
}

func newGo(t testing.TB, examples string) *Verifier {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "verify")
	// go test puts its own go first on PATH.
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(examples, "go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building docs/examples/go: %v\n%s", err, out)
	}
	return &Verifier{snippet: Go, dir: build.Dir, argv: []string{bin}}
}

// installJose runs npm ci in dir unless node_modules is there and at least
// as new as package-lock.json; other test binaries doing the same wait.
func installJose(dir string) error {
	name := fmt.Sprintf("caddy-instagram-auth-npm-ci-%d.lock", os.Getuid())
	unlock, err := lockFile(filepath.Join(os.TempDir(), name))
	if err != nil {
		return err
	}
	defer unlock()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	// npm writes this copy of the lock file last, so it dates the install.
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci: %w\n%s", err, bytes.TrimSpace(out))
	}
	return nil
}

// examplesDir finds docs/examples from the working directory of whichever
// package's test is running (the root, internal/..., e2e).
func examplesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(mod, []byte(module)) {
			return filepath.Join(dir, "docs", "examples")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("jwtverify: no go.mod starting %q above the working directory", strings.TrimSpace(module))
		}
		dir = parent
	}
}
