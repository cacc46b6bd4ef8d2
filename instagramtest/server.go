package instagramtest

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Server is a Provider listening on 127.0.0.1 for a Go test.
type Server struct {
	*Provider
	URL string // http://127.0.0.1:port, no trailing slash

	srv    *httptest.Server
	closer *idleCloser // StartClosingIdle's, or nil
}

// Start serves a new Provider on a free 127.0.0.1 port until the test ends.
func Start(t testing.TB, clientID, clientSecret string) *Server {
	t.Helper()
	p := New(clientID, clientSecret)
	return serve(t, p, httptest.NewUnstartedServer(p))
}

// serve starts srv for p until the test ends.
func serve(t testing.TB, p *Provider, srv *httptest.Server) *Server {
	srv.Start()
	t.Cleanup(func() {
		// Cut connections first: a handler waiting in a token delay then
		// sees its request cancelled, and Close does not wait for it.
		srv.CloseClientConnections()
		srv.Close()
	})
	return &Server{Provider: p, URL: srv.URL, srv: srv}
}

// AuthorizeURL is where a client sends the browser to log in.
func (s *Server) AuthorizeURL() string { return s.URL + "/oauth/authorize" }

// TokenURL is the authorization code exchange.
func (s *Server) TokenURL() string { return s.URL + "/oauth/access_token" }

// UserinfoURL is the profile endpoint, /me.
func (s *Server) UserinfoURL() string { return s.URL + "/me" }

// ExchangeURL is the long-lived token exchange.
func (s *Server) ExchangeURL() string { return s.URL + "/access_token" }

// RefreshURL is the long-lived token refresh.
func (s *Server) RefreshURL() string { return s.URL + "/refresh_access_token" }

// DevTokenURL is the mock's developer page, which hands out a long-lived
// token for a username.
func (s *Server) DevTokenURL() string { return s.URL + devTokenPath }

// SettingsURL is the mock's "Apps and websites" page, where a user removes
// the app or asks for data deletion.
func (s *Server) SettingsURL() string { return s.URL + settingsPath }

// Consent plays the user at the consent page, over real HTTP and without a
// browser: it GETs authorizeURL (the full URL a client redirected to) with
// client, checks the page is the consent form, and submits it as the Allow
// button (with username) or the Deny button would. It returns the Location
// the provider redirects to, which is the client's callback with code or
// error, without following it. It types username over any the page offers
// from the mock's session cookie ("Continue as"), so it works on both forms
// of the page. client may be nil for http.DefaultClient; its cookie jar and
// transport are used, its redirect policy is not for the submission.
func Consent(client *http.Client, authorizeURL, username string, allow bool) (callbackURL string, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	action, fields, err := fetchConsentForm(client, authorizeURL)
	if err != nil {
		return "", err
	}
	fields.Set("username", username)
	fields.Set("decision", "deny")
	if allow {
		fields.Set("decision", "allow")
	}
	return submitConsent(client, action, fields)
}

// fetchConsentForm GETs the consent page and returns where its form posts
// and the values of its hidden fields.
func fetchConsentForm(client *http.Client, authorizeURL string) (*url.URL, url.Values, error) {
	resp, err := client.Get(authorizeURL)
	if err != nil {
		return nil, nil, fmt.Errorf("consent page: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("consent page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("consent page: status %d: %s", resp.StatusCode, pageMessage(body))
	}
	form, err := parseConsentForm(string(body))
	if err != nil {
		return nil, nil, fmt.Errorf("consent page: %w", err)
	}
	action, err := resp.Request.URL.Parse(form.action)
	if err != nil {
		return nil, nil, fmt.Errorf("consent page: form action: %w", err)
	}
	return action, form.hidden, nil
}

// submitConsent POSTs the decision and returns the redirect's Location.
func submitConsent(client *http.Client, action *url.URL, fields url.Values) (string, error) {
	noFollow := *client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.PostForm(action.String(), fields)
	if err != nil {
		return "", fmt.Errorf("consent decision: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	location := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || location == "" {
		return "", fmt.Errorf("consent decision: status %d: %s", resp.StatusCode, pageMessage(body))
	}
	return location, nil
}

type consentForm struct {
	action string
	hidden url.Values
}

// The page is our own template, so a few regular expressions read it
// reliably; html/template quotes every attribute value with '"' and
// escapes any '"' inside.
var (
	formTag   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	fieldTag  = regexp.MustCompile(`(?i)<(?:input|button)\b([^>]*)>`)
	attribute = regexp.MustCompile(`(?i)([a-z_-]+)="([^"]*)"`)
	alertText = regexp.MustCompile(`(?s)role="alert">(.*?)</p>`)
)

// parseConsentForm checks the page has exactly one POST form with the
// username field and both buttons, and collects its hidden fields.
func parseConsentForm(page string) (consentForm, error) {
	forms := formTag.FindAllStringSubmatch(page, -1)
	if len(forms) != 1 {
		return consentForm{}, fmt.Errorf("want 1 form, found %d", len(forms))
	}
	formAttrs := attributes(forms[0][1])
	if !strings.EqualFold(formAttrs["method"], "post") {
		return consentForm{}, errors.New("form method is not POST")
	}
	form := consentForm{action: formAttrs["action"], hidden: url.Values{}}
	seen := map[string]bool{}
	for _, tag := range fieldTag.FindAllStringSubmatch(forms[0][2], -1) {
		attrs := attributes(tag[1])
		if attrs["type"] == "hidden" {
			form.hidden.Set(attrs["name"], attrs["value"])
		}
		seen[attrs["name"]+"="+attrs["value"]] = true
		seen["#"+attrs["id"]] = true
	}
	for _, want := range []string{"#username", "decision=allow", "decision=deny"} {
		if !seen[want] {
			return consentForm{}, fmt.Errorf("form lacks %s", want)
		}
	}
	return form, nil
}

func attributes(tag string) map[string]string {
	attrs := map[string]string{}
	for _, m := range attribute.FindAllStringSubmatch(tag, -1) {
		attrs[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return attrs
}

// pageMessage extracts the error line of one of our pages for an error
// message, or a short prefix of whatever else answered.
func pageMessage(body []byte) string {
	if m := alertText.FindSubmatch(body); m != nil {
		return html.UnescapeString(string(m[1]))
	}
	const max = 200
	if len(body) > max {
		body = body[:max]
	}
	return strings.TrimSpace(string(body))
}
