// Command screenshot retakes docs/demo.png, the picture of the offline demo
// that the README shows: it logs in as alice at the mock Instagram's consent
// page in headless Chromium and saves the demo's page once its single-page
// app has settled. Run it from the repository:
//
//	go run ./e2e/cmd/screenshot
//
// It uses the demo when one is already running (demo/run), and otherwise
// builds it with demo/build, starts it with a storage folder of its own and
// stops it afterwards. Chromium is CHROMIUM_PATH, or chromium on PATH
// (Debian: apt-get install chromium).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	appURL = "http://localhost:8080" // demo/Caddyfile's app
	// The e2e tests' viewport, so the picture matches what they see.
	width, height = 1000, 700
)

func main() {
	out := flag.String("out", "docs/demo.png", "where to write the PNG, from the repository root")
	user := flag.String("user", "alice", "the username typed at the mock's consent page")
	flag.Parse()
	if err := run(*out, *user); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot:", err)
		os.Exit(1)
	}
}

func run(out, user string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if !answers(appURL) {
		stop, err := startDemo(root)
		if err != nil {
			return err
		}
		defer stop()
	}
	png, err := shoot(user)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "screenshot: %s written (%d bytes, %dx%d)\n", out, len(png), width, height)
	return nil
}

// repoRoot is the first folder up from here that holds demo/Caddyfile.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "demo", "Caddyfile")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the repository: no demo/Caddyfile above the current folder")
		}
		dir = parent
	}
}

// answers reports whether anything answers HTTP at url.
func answers(url string) bool {
	c := http.Client{
		Timeout:       time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// startDemo builds and starts the demo in a process group of its own, with
// its storage and Caddy's own files in a temporary folder, and returns what
// stops it again.
func startDemo(root string) (stop func(), err error) {
	fmt.Fprintln(os.Stderr, "screenshot: no demo on", appURL+"; building and starting one")
	build := exec.Command(filepath.Join(root, "demo", "build"))
	build.Dir, build.Stderr = root, os.Stderr
	bin, err := build.Output()
	if err != nil {
		return nil, fmt.Errorf("demo/build: %v", err)
	}
	tmp, err := os.MkdirTemp("", "instagram-auth-screenshot-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(root, strings.TrimSpace(string(bin))), "run", "--config", "demo/Caddyfile")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DEMO_STORAGE="+filepath.Join(tmp, "storage"),
		"XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "XDG_DATA_HOME="+filepath.Join(tmp, "data"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	stop = func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
		os.RemoveAll(tmp)
	}
	for deadline := time.Now().Add(30 * time.Second); !answers(appURL); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("the demo did not answer on %s within 30 s:\n%s", appURL, log.String())
		}
	}
	return stop, nil
}

// shoot logs in at the consent page and captures the demo's page once its
// script has asked whoami, called the API and heard the WebSocket echo.
func shoot(user string) ([]byte, error) {
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "chromium"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	settled := `["whoami-user", "api", "ws"].every(id => {
		const t = document.getElementById(id)?.textContent.trim() ?? "";
		return t !== "" && t !== "…" && !t.startsWith("connecting");
	})`
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height),
		chromedp.Navigate(appURL+"/"),
		chromedp.WaitVisible(chromedp.ID("allow")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.Click(chromedp.ID("allow")),
		chromedp.WaitVisible(chromedp.ID("user-id")),
	)
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %v", user, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](settled)); err != nil {
		return nil, fmt.Errorf("wait for the page's script: %v", err)
	}
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}
