// Package e2e holds the end-to-end test of the offline demo (demo/Caddyfile)
// in a real headless Chromium. It has no code of its own; see browser_test.go.
//
// The test builds the development Caddy (./cmd/caddy), runs it with the demo
// Caddyfile — the app on http://localhost:8080 and the mock Instagram on
// http://127.0.0.1:8081, two different sites, and the app's WebSocket echo on
// 127.0.0.1:8082 — and drives Chromium through the login, the denial, the
// logout and the re-authentication after it, and the page's single-page app
// (whoami, fetch() with and without a session, a WebSocket).
//
//	go test ./e2e/
//
// Environment:
//
//	CHROMIUM_PATH=/path/to/chromium  the browser to run (default: chromium on PATH)
//	E2E_REQUIRE_CHROMIUM=1           fail, not skip, when there is no browser (CI)
//	E2E_SCREENSHOT=docs/demo.png     save a screenshot of the logged-in demo page;
//	                                 a relative path is taken from the repository root
//
// When a test fails, its screenshot, page HTML and browser log are saved in
// e2e/artifacts/<TestName>/, and the demo's Caddy log in e2e/artifacts/caddy.log.
// The demo's ports 8080, 8081, 8082 (its WebSocket echo) and 2019 (its
// admin endpoint, serving /metrics) must be free while the test runs.
package e2e
