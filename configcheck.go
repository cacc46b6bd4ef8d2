package instagramauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
	"github.com/b4b0c547/caddy-instagram-auth/internal/assertion"
	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"
	"github.com/caddyserver/caddy/v2"
)

// The checks of single option values, each returning an error that says
// what is wrong and what to write instead. validate (config.go) applies them.

func hasPlaceholder(s string) bool { return strings.Contains(s, "{") }

// checkEndpoint accepts an absolute http(s) URL, or "off" where allowed.
func checkEndpoint(raw string, offAllowed bool) error {
	if hasPlaceholder(raw) || (offAllowed && raw == optionOff) {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		hint := ""
		if offAllowed {
			hint = ", or off"
		}
		return fmt.Errorf("%q is not an absolute http(s) URL%s", raw, hint)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a fragment", raw)
	}
	return nil
}

// checkRedirectURI accepts an absolute http(s) URL or a path.
func checkRedirectURI(raw string) error {
	switch {
	case hasPlaceholder(raw):
		return nil
	case strings.HasPrefix(raw, "/"):
		return checkPath(raw)
	case !strings.Contains(raw, "://"):
		return fmt.Errorf("%q is neither an absolute URL nor a path: a path starts with / (write /%s)", raw, raw)
	}
	if err := checkEndpoint(raw, false); err != nil {
		return err
	}
	if u, _ := url.Parse(raw); u.RawQuery != "" {
		return fmt.Errorf("%q has a query: Instagram refuses a redirect_uri that differs from the registered one", raw)
	}
	return nil
}

func checkPath(p string) error {
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not a path beginning with /", p)
	}
	return nil
}

// checkLogoutRedirect accepts a path on this site or an absolute URL.
func checkLogoutRedirect(raw string) error {
	if hasPlaceholder(raw) {
		return nil
	}
	if strings.HasPrefix(raw, "/") {
		if target.Path(raw) != raw {
			return fmt.Errorf("%q is not a path on this site", raw)
		}
		return nil
	}
	return checkEndpoint(raw, false)
}

// retiredScopes were replaced in 2025 by the instagram_business_* names;
// Instagram refuses them.
var retiredScopes = map[string]string{
	"basic":                        "instagram_business_basic",
	"user_profile":                 "instagram_business_basic",
	"user_media":                   "instagram_business_basic",
	"business_basic":               "instagram_business_basic",
	"business_manage_messages":     "instagram_business_manage_messages",
	"business_manage_comments":     "instagram_business_manage_comments",
	"business_content_publish":     "instagram_business_content_publish",
	"business_manage_insights":     "instagram_business_manage_insights",
	"instagram_graph_user_profile": "instagram_business_basic",
	"instagram_graph_user_media":   "instagram_business_basic",
}

// facebookLoginScopes are the Instagram permissions of Facebook Login
// (the Instagram Graph API reached through a Facebook Page), which
// Instagram Login refuses.
var facebookLoginScopes = map[string]string{
	"instagram_basic":           "instagram_business_basic",
	"instagram_manage_messages": "instagram_business_manage_messages",
	"instagram_manage_comments": "instagram_business_manage_comments",
	"instagram_content_publish": "instagram_business_content_publish",
	"instagram_manage_insights": "instagram_business_manage_insights",
}

func checkScope(s string) error {
	if replacement, retired := retiredScopes[s]; retired {
		return fmt.Errorf("%q is a retired Instagram scope: write %s", s, replacement)
	}
	if replacement, ok := facebookLoginScopes[s]; ok {
		return fmt.Errorf("%q is a Facebook Login permission, which Instagram Login refuses: write %s", s, replacement)
	}
	if s == "" || strings.ContainsAny(s, ", ") {
		return fmt.Errorf("%q is not one scope: give scopes as separate arguments", s)
	}
	return nil
}

func checkPositive(d caddy.Duration) error {
	if d <= 0 {
		return errors.New("must be positive")
	}
	return nil
}

// checkSessionDuration accepts a session duration of a second or more:
// sessions count in whole seconds, so less would be truncated to nothing
// (a session_idle of 500ms would turn the idle timeout off).
func checkSessionDuration(d caddy.Duration) error {
	if err := checkPositive(d); err != nil {
		return err
	}
	if time.Duration(d) < time.Second {
		return errors.New("must be at least 1s: sessions count in whole seconds")
	}
	return nil
}

// parseRateLimit reads login_rate_limit: at most Count token requests per
// client IP in any Window; off is a Count of 0, no per-IP limit.
func parseRateLimit(raw string) (throttle.Limit, error) {
	if raw == optionOff {
		return throttle.Limit{}, nil
	}
	countText, windowText, ok := strings.Cut(strings.TrimSpace(raw), " ")
	count, err := strconv.Atoi(countText)
	if !ok || err != nil || count <= 0 {
		return throttle.Limit{}, fmt.Errorf("%q is not <count> <duration> (such as 30 1m) or off", raw)
	}
	window, err := caddy.ParseDuration(strings.TrimSpace(windowText))
	if err != nil || window <= 0 {
		return throttle.Limit{}, fmt.Errorf("%q: bad duration %q (such as 1m)", raw, windowText)
	}
	return throttle.Limit{Count: count, Window: window}, nil
}

func checkRateLimit(raw string) error {
	_, err := parseRateLimit(raw)
	return err
}

// checkCookieName refuses names a browser would drop: __Host- needs
// Secure and no Domain, __Secure- needs Secure. Browsers match the
// prefixes in any case (RFC 6265bis), so "__HOST-x" is held to the same.
func checkCookieName(name, domain string, insecure bool) error {
	if err := checkHTTPName(name); err != nil {
		return err
	}
	host, secure := hasCookiePrefix(name, "__Host-"), hasCookiePrefix(name, "__Secure-")
	switch {
	case host && domain != "":
		return fmt.Errorf("%q: browsers drop a __Host- cookie that has a Domain; with cookie_domain use a __Secure- name", name)
	case host && insecure:
		return fmt.Errorf("%q: browsers drop a __Host- cookie without Secure, which insecure_cookies removes", name)
	case secure && insecure:
		return fmt.Errorf("%q: browsers drop a __Secure- cookie without Secure, which insecure_cookies removes", name)
	}
	return nil
}

// hasCookiePrefix matches a cookie prefix as browsers do, in any case.
func hasCookiePrefix(name, prefix string) bool {
	return len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}

func checkCookieDomain(domain string) error {
	if domain == "" || hasPlaceholder(domain) {
		return nil
	}
	c := http.Cookie{Name: "x", Value: "y", Domain: domain}
	if c.Valid() != nil {
		return fmt.Errorf("%q is not a valid cookie domain", domain)
	}
	return nil
}

var errEmptyName = errors.New("empty name")

// checkHTTPName accepts an HTTP token: a valid header or cookie name.
func checkHTTPName(name string) error {
	if name == "" {
		return errEmptyName
	}
	for i := 0; i < len(name); i++ {
		if !ascii.IsTchar(name[i]) {
			return fmt.Errorf("%q is not a valid name", name)
		}
	}
	return nil
}

// keyRotation reads assertion_key_rotation: 0 for off.
func keyRotation(raw string) (time.Duration, error) {
	if raw == optionOff {
		return 0, nil
	}
	d, err := caddy.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: write it as one word, such as 30d or 12h, or off", raw)
	}
	if d < assertion.MinRotation {
		return 0, fmt.Errorf("%q is shorter than %v: verifiers could not keep up with the keys", raw, assertion.MinRotation)
	}
	return d, nil
}

func checkKeyRotation(raw string) error {
	_, err := keyRotation(raw)
	return err
}

// checkReturnHosts: return_hosts works only with cookie_domain, which
// carries the login's cookies across the hosts, and with one absolute
// redirect_uri on a host within it, the one URI registered with Instagram.
func checkReturnHosts(h *Handler) error {
	if len(h.ReturnHosts) == 0 || slices.ContainsFunc(h.ReturnHosts, hasPlaceholder) || hasPlaceholder(h.CookieDomain) {
		return nil // nothing to check, or checked once Provision has resolved it
	}
	if h.CookieDomain == "" {
		return errors.New("needs " + optCookieDomain + ": the login's cookies must reach every host it names")
	}
	if _, err := target.ParsePatterns(h.ReturnHosts, h.CookieDomain); err != nil {
		return err
	}
	cb := callbackHost(h.RedirectURI)
	if cb == "" || hasPlaceholder(h.RedirectURI) {
		if hasPlaceholder(h.RedirectURI) {
			return nil
		}
		return errors.New("needs an absolute " + optRedirectURI + " on one host within " + optCookieDomain +
			": the one redirect URI registered with Instagram, shared by every host")
	}
	if !domainHolds(h.CookieDomain, hostOnly(cb)) {
		return fmt.Errorf("%s's host %s is not within %s %s: the callback could not read the login's cookie",
			optRedirectURI, hostOnly(cb), optCookieDomain, h.CookieDomain)
	}
	// Return targets are judged on the callback's origin as browsers read
	// it: one that does not read (a "_", a port with a leading zero) would
	// make every login come back as if from another host.
	scheme, _, _ := strings.Cut(h.RedirectURI, "://")
	if _, ok := target.NewOrigin(scheme, cb); !ok {
		return fmt.Errorf("%s's host %s is not a host name browsers reach (letters, digits, hyphens; a port without leading zeros)",
			optRedirectURI, cb)
	}
	return nil
}

// domainHolds reports whether a cookie for domain is sent to host.
func domainHolds(domain, host string) bool {
	d := strings.ToLower(strings.TrimPrefix(domain, "."))
	return d != "" && (host == d || strings.HasSuffix(host, "."+d))
}
