package integration

import (
	"net/http"
	"strings"
	"testing"
)

// Fetch metadata of requests that are not the site's own: a link or an
// <img> on another site or a sibling subdomain, an <img> or a frame on the
// site itself, and either header alone.
var notOwnFetches = map[string][]string{
	"another site's link":         {"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"},
	"another site's <img>":        {"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"},
	"a sibling subdomain's <img>": {"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"},
	"a sibling subdomain's link":  {"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"},
	"an <img> on the site":        {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"},
	"a frame on the site":         {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "iframe"},
	"cross-site alone":            {"Sec-Fetch-Site", "cross-site"},
	"a <script> alone":            {"Sec-Fetch-Dest", "script"},
	"two Sec-Fetch-Site values":   {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Site", "cross-site"},
}

// Behaviour 12: a logout, with or without ?all=1, that the browser's
// fetch metadata marks as not the site's own answers 403 with a page that
// says why, clears no cookie and ends nothing, here or on the user's other
// devices.
func TestLogoutFromElsewhereRefused(t *testing.T) {
	h := newHarness(t)
	phone, laptop := newBrowser(t), newBrowser(t)
	h.mustLogin(phone, "rita", "/")
	h.mustLogin(laptop, "rita", "/")
	for what, fetch := range notOwnFetches {
		for _, query := range []string{"?all=1", ""} {
			resp := h.do(phone, http.MethodGet, siteURL+defaultLogoutPath+query, nil, fetch...)
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "still logged in") {
				t.Errorf("logout%s from %s: status %d, body %q; want the 403 page", query, what, resp.StatusCode, body)
			}
			if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("logout%s from %s set cookies: %q", query, what, sc)
			}
		}
	}
	for name, c := range map[string]*http.Client{"the browser itself": phone, "the user's other device": laptop} {
		if s := h.apiStatusWith(c); s != http.StatusOK {
			t.Errorf("%s after the refused logouts: status %d, want 200", name, s)
		}
	}
}

// Behaviour 12: the site's own logouts still work: its Log out link, the
// address typed in, its own fetch(), and a request without fetch metadata
// (a script, an older browser).
func TestLogoutOfTheSiteItself(t *testing.T) {
	h := newHarness(t)
	for what, fetch := range map[string][]string{
		"the site's link":       {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"},
		"typed in":              {"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"},
		"the site's fetch()":    {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty"},
		"without fetch headers": nil,
	} {
		for _, query := range []string{"", "?all=1"} {
			c := newBrowser(t)
			h.mustLogin(c, "sid", "/")
			resp := h.do(c, http.MethodGet, siteURL+defaultLogoutPath+query, nil, fetch...)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
				t.Errorf("logout%s from %s: status %d to %q, want 302 to /", query, what, resp.StatusCode, resp.Header.Get("Location"))
			}
			if s := h.apiStatusWith(c); s != http.StatusUnauthorized {
				t.Errorf("after logout%s from %s: status %d, want 401", query, what, s)
			}
		}
	}
}

// Behaviour 20: with handle_errors, the refused logout is the site's own
// 403 page, and still ends nothing.
func TestLogoutFromElsewhereThroughHandleErrors(t *testing.T) {
	h := newHarness(t, withSite(customErrors))
	h.mustLogin(h.client, "tom", "/")
	resp := h.do(h.client, http.MethodGet, siteURL+defaultLogoutPath+"?all=1", nil, notOwnFetches["another site's <img>"]...)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(body, "custom 403: ") {
		t.Errorf("a refused logout with handle_errors: status %d, body %q; want the site's 403", resp.StatusCode, body)
	}
	if s := h.apiStatusWith(h.client); s != http.StatusOK {
		t.Errorf("after the refused logout: status %d, want 200", s)
	}
}
