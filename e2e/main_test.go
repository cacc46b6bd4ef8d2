package e2e

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The demo's fixed addresses (demo/Caddyfile). localhost and 127.0.0.1 are
// different sites to a browser, as the app and Instagram are in production.
const (
	appURL      = "http://localhost:8080"
	providerURL = "http://127.0.0.1:8081"
	metricsURL  = "http://localhost:2019/metrics" // the demo's admin endpoint
	callbackURL = appURL + "/oauth2/instagram/callback"
	authorize   = providerURL + "/oauth/authorize"
	cookieName  = "_instagram_auth"
)

const (
	envChromium        = "CHROMIUM_PATH"
	envRequireChromium = "E2E_REQUIRE_CHROMIUM"
	envScreenshot      = "E2E_SCREENSHOT"
)

// repoRoot is the module root, seen from this package's folder (go test runs
// in it).
const repoRoot = ".."

var (
	// chromiumPath is the browser to run; chromiumErr says why there is none.
	chromiumPath string
	chromiumErr  error
	// demoErr says why the demo could not be started, if it could not.
	demoErr error
	// artifactsDir receives what failed tests leave behind.
	artifactsDir string
	// caddyBinary is the development Caddy startDemo built, for tests that
	// run a Caddy of their own.
	caddyBinary string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if abs, err := filepath.Abs("artifacts"); err == nil {
		artifactsDir = abs
	} else {
		artifactsDir = "artifacts"
	}
	chromiumPath, chromiumErr = findChromium()
	if chromiumErr != nil {
		// Every test skips (or fails, under E2E_REQUIRE_CHROMIUM): no need
		// to build and start the demo.
		return m.Run()
	}
	d, err := startDemo()
	if err != nil {
		demoErr = err
		return m.Run()
	}
	code := m.Run()
	stopChromium()
	d.stop()
	if code != 0 {
		d.saveLog()
	}
	d.cleanup()
	return code
}

// findChromium returns the browser named by CHROMIUM_PATH, or else the first
// Chromium or Chrome on PATH.
func findChromium() (string, error) {
	const hint = "install the Debian package chromium (apt-get install chromium) or point " + envChromium + " at a Chromium or Chrome"
	if p := os.Getenv(envChromium); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner // "stat <path>: no such file or directory"
			}
			return "", fmt.Errorf("chromium not found: %s=%s: %v; %s", envChromium, p, err, hint)
		}
		return found, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if found, err := exec.LookPath(name); err == nil {
			return found, nil
		}
	}
	return "", errors.New("chromium not found on PATH; " + hint)
}

// requireBrowser skips the test when there is no browser, or fails it when
// E2E_REQUIRE_CHROMIUM asks for one (as .ci/run does), and fails it when the
// demo did not start.
func requireBrowser(t *testing.T) {
	t.Helper()
	if chromiumErr != nil {
		if required() {
			t.Fatalf("%v (%s is set: failing, not skipping)", chromiumErr, envRequireChromium)
		}
		t.Skipf("%v (skipping; %s=1 makes this a failure)", chromiumErr, envRequireChromium)
	}
	if demoErr != nil {
		t.Fatalf("demo did not start: %v", demoErr)
	}
}

func required() bool {
	v := strings.TrimSpace(os.Getenv(envRequireChromium))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// demo is the development Caddy running demo/Caddyfile.
type demo struct {
	tmp  string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{} // closed when the process has exited
}

func startDemo() (*demo, error) {
	// A port another process holds makes Caddy fail; say which port and
	// why, not "connection refused". The demo binds 127.0.0.1 only (its
	// admin endpoint localhost).
	for _, port := range []string{"8080", "8081", "8082", "2019"} {
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			return nil, fmt.Errorf("port %s is in use (is the demo already running?): %v", port, err)
		}
		l.Close()
	}
	tmp, err := os.MkdirTemp("", "instagram-auth-e2e-")
	if err != nil {
		return nil, err
	}
	d := &demo{tmp: tmp, log: new(lockedBuffer), done: make(chan struct{})}
	bin := filepath.Join(tmp, "caddy")
	build := exec.Command("go", "build", "-o", bin, "./cmd/caddy")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		d.cleanup()
		return nil, fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
	}
	caddyBinary = bin
	d.cmd = exec.Command(bin, "run", "--config", filepath.Join("demo", "Caddyfile"))
	d.cmd.Dir = repoRoot
	d.cmd.Env = append(os.Environ(),
		"DEMO_STORAGE="+filepath.Join(tmp, "storage"),
		// Keep Caddy's autosave and data out of the user's home.
		"XDG_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"XDG_DATA_HOME="+filepath.Join(tmp, "data"),
	)
	d.cmd.Stdout = d.log
	d.cmd.Stderr = d.log
	setProcessGroup(d.cmd)
	if err := d.cmd.Start(); err != nil {
		d.cleanup()
		return nil, err
	}
	go func() {
		d.cmd.Wait()
		close(d.done)
	}()
	if err := d.waitReady(30 * time.Second); err != nil {
		d.stop()
		d.saveLog()
		d.cleanup()
		return nil, err
	}
	return d, nil
}

// waitReady polls until the app answers with the redirect to the login and
// the mock provider answers at all.
func (d *demo) waitReady(timeout time.Duration) error {
	client := &http.Client{
		Timeout:       2 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ready := func(url string, want int) bool {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return want == 0 || resp.StatusCode == want
	}
	deadline := time.Now().Add(timeout)
	for {
		if ready(appURL+"/", http.StatusFound) && ready(providerURL+"/", 0) {
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("caddy exited early: %v\n%s", d.cmd.ProcessState, d.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo not answering on %s and %s after %v\n%s", appURL, providerURL, timeout, d.log.String())
		}
	}
}

// stop ends Caddy and anything it started: SIGTERM to the process group,
// SIGKILL if it is still there after a few seconds.
func (d *demo) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	killGroup(d.cmd, false)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		killGroup(d.cmd, true)
		<-d.done
	}
}

// saveLog keeps Caddy's log in the artefacts folder after a failure.
func (d *demo) saveLog() {
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		return
	}
	p := filepath.Join(artifactsDir, "caddy.log")
	if os.WriteFile(p, []byte(d.log.String()), 0o644) == nil {
		fmt.Fprintf(os.Stderr, "e2e: the demo's Caddy log is in %s\n", p)
	}
}

func (d *demo) cleanup() { os.RemoveAll(d.tmp) }

// lockedBuffer is an io.Writer that several goroutines may write and read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
