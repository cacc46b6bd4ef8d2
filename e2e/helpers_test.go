package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// stepTimeout bounds every browser action: a hung page fails the test
	// with the step's name instead of hanging it.
	stepTimeout = 10 * time.Second
	// startTimeout bounds the browser's start.
	startTimeout = 30 * time.Second
	// The viewport, also the size of the README screenshot.
	viewportWidth, viewportHeight = 1000, 700
)

// chromium is the one browser process the tests share; each test gets a
// browser context of its own in it (a fresh profile, as in a private
// window: no cookie leaks from one test into another).
var chromium struct {
	once    sync.Once
	ctx     context.Context // the browser's first tab; its cancel stops the browser
	cancel  context.CancelFunc
	profile string        // --user-data-dir
	log     *lockedBuffer // the browser's own output
	err     error
}

// startChromium starts the shared browser on first use.
func startChromium() (context.Context, error) {
	chromium.once.Do(func() {
		chromium.log = new(lockedBuffer)
		chromium.profile, chromium.err = os.MkdirTemp("", "instagram-auth-e2e-chromium-")
		if chromium.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.UserDataDir(chromium.profile),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			// Without these a closed network makes Chromium's own
			// background traffic fail in ways that slow or break page loads.
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.WindowSize(viewportWidth, viewportHeight),
			chromedp.CombinedOutput(chromium.log),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		chromium.ctx = ctx
		chromium.cancel = func() {
			cancelCtx()
			cancelAlloc() // waits for the process to end
		}
		if err := firstRun(ctx, cancelAlloc); err != nil {
			chromium.err = fmt.Errorf("start %s: %v\n%s", chromiumPath, err, chromium.log.String())
		}
	})
	return chromium.ctx, chromium.err
}

// stopChromium ends the shared browser, if it was started, and removes its
// profile.
func stopChromium() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
	if chromium.profile != "" {
		os.RemoveAll(chromium.profile)
	}
}

// browser is the test's own browser context.
type browser struct {
	t    *testing.T
	tabs []*tab
}

// tab is one page of the browser.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context // no deadline: each step sets its own
}

// newBrowser opens a fresh browser context for the test and returns its first
// tab. On failure the test's screenshots, page HTML and the browser log are
// saved.
func newBrowser(t *testing.T) (*browser, *tab) {
	t.Helper()
	requireBrowser(t)
	parent, err := startChromium()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	// Cleanups run last-in first-out: the artefacts (registered below) are
	// taken while the context still exists, then it is closed.
	t.Cleanup(cancel)
	if err := firstRun(ctx, cancel); err != nil {
		t.Fatalf("open a browser context: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.saveArtifacts()
		}
	})
	first := &tab{t: t, name: "tab1", ctx: ctx}
	b.tabs = append(b.tabs, first)
	return b, first
}

// newTab opens another tab in the test's browser context (same cookies).
func (b *browser) newTab() *tab {
	b.t.Helper()
	name := fmt.Sprintf("tab%d", len(b.tabs)+1)
	// The browser context's cancel closes every tab of it, after the
	// artefacts are taken; this cancel only ends a tab that does not open in
	// time.
	ctx, cancel := chromedp.NewContext(b.tabs[0].ctx)
	if err := firstRun(ctx, cancel); err != nil {
		b.t.Fatalf("open %s: %v", name, err)
	}
	tb := &tab{t: b.t, name: name, ctx: ctx}
	b.tabs = append(b.tabs, tb)
	return tb
}

// firstRun runs the first action in a chromedp context: the one that starts
// the browser or opens the tab. What it starts lives as long as the context of
// that run (a deadline on it would end the tab with the step), so it gets no
// deadline; a timer cancels the context instead.
func firstRun(ctx context.Context, cancel context.CancelFunc) error {
	timer := time.AfterFunc(startTimeout, cancel)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight))
	if !timer.Stop() {
		return fmt.Errorf("no answer within %v (%v)", startTimeout, err)
	}
	return err
}

// do runs the steps within stepTimeout, failing the test with what on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// get runs one action within stepTimeout and returns its value.
func get[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
	return v
}

// click clicks the element and waits until the page it leads to has loaded;
// it returns that page's HTTP response (after any redirects).
func (tb *tab) click(id string) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		tb.t.Fatalf("%s: click #%s: %v", tb.name, id, err)
	}
	if resp == nil {
		tb.t.Fatalf("%s: click #%s: no response", tb.name, id)
	}
	return resp
}

// location is the URL of the page now shown.
func (tb *tab) location() string {
	tb.t.Helper()
	return get(tb, "read the location", chromedp.Location())
}

// text is the visible text of the element with the id.
func (tb *tab) text(id string) string {
	tb.t.Helper()
	return strings.TrimSpace(get(tb, "read #"+id, chromedp.Text(chromedp.ID(id))))
}

// cookies are the cookies the browser holds for the app, HttpOnly or not,
// as the browser itself (not the page) reports them.
func (tb *tab) cookies() map[string]*network.Cookie {
	tb.t.Helper()
	res := get(tb, "read the browser's cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{appURL + "/"}})
	})
	m := make(map[string]*network.Cookie, len(res.Cookies))
	for _, c := range res.Cookies {
		m[c.Name] = c
	}
	return m
}

// saveArtifacts writes, for each tab, a full-page PNG and the page's HTML,
// and the browser's log, into artifacts/<TestName>/.
func (b *browser) saveArtifacts() {
	t := b.t
	dir := filepath.Join(artifactsDir, filepath.FromSlash(t.Name()))
	if err := errors.Join(os.RemoveAll(dir), os.MkdirAll(dir, 0o755)); err != nil {
		t.Logf("artefacts: %v", err)
		return
	}
	for _, tb := range b.tabs {
		ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
		url, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			url = "(unknown: " + err.Error() + ")"
		}
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
			t.Logf("artefacts: %s: screenshot: %v", tb.name, err)
		} else {
			b.write(filepath.Join(dir, tb.name+".png"), png, "screenshot of "+url)
		}
		if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
			t.Logf("artefacts: %s: page HTML: %v", tb.name, err)
		} else {
			b.write(filepath.Join(dir, tb.name+".html"), []byte("<!-- "+url+" -->\n"+html), "HTML of "+url)
		}
		cancel()
	}
	b.write(filepath.Join(dir, "chromium.log"), []byte(chromium.log.String()), "browser log (shared by all tests)")
}

func (b *browser) write(path string, data []byte, what string) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.t.Logf("artefacts: %v", err)
		return
	}
	b.t.Logf("artefact: %s: %s", what, path)
}
