// Command login signs in to a site guarded by instagram_auth through the
// mock Instagram (instagram_mock), the way a browser would, and prints the
// session cookie as "name=value", one line per login:
//
//	protected page (Accept: text/html) -> 302 to the mock's authorize URL
//	GET the consent page -> POST it with decision=allow
//	-> 302 to the callback with code and state -> session cookie, 302 back
//	-> the protected page again, which must now answer 200
//
// bench/compare.sh uses it for the cookie its load sends, and with -n for
// many distinct sessions (user names bench1, bench2, ...) in its memory check.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	site := flag.String("site", "", "a protected URL of the site, e.g. http://127.0.0.1:18403/")
	cookieName := flag.String("cookie", "_instagram_auth", "the session cookie's name")
	n := flag.Int("n", 1, "how many logins (each its own session)")
	parallel := flag.Int("parallel", 4, "logins at once")
	user := flag.String("user", "bench", "user name; with -n > 1 a number is appended")
	flag.Parse()
	if *site == "" || *n < 1 || *parallel < 1 {
		flag.Usage()
		os.Exit(2)
	}

	out := make([]string, *n)
	errs := make([]error, *n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(*parallel, *n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				name := *user
				if *n > 1 {
					name = fmt.Sprintf("%s%d", *user, i+1)
				}
				out[i], errs[i] = login(*site, *cookieName, name)
			}
		}()
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "login:", err)
		os.Exit(1)
	}
	fmt.Println(strings.Join(out, "\n"))
}

func login(site, cookieName, username string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // every hop is checked below
		},
	}

	// 1. The protected page sends a browser to the authorize URL.
	authorize, err := step(c, http.MethodGet, site, nil, http.StatusFound)
	if err != nil {
		return "", fmt.Errorf("protected page: %w", err)
	}
	au, err := url.Parse(authorize)
	if err != nil {
		return "", err
	}
	// 2. The consent page.
	if _, err := step(c, http.MethodGet, authorize, nil, http.StatusOK); err != nil {
		return "", fmt.Errorf("consent page: %w", err)
	}
	// 3. Allow: the form carries the dialog's parameters back.
	form := url.Values{}
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state"} {
		form.Set(k, au.Query().Get(k))
	}
	form.Set("username", username)
	form.Set("decision", "allow")
	post := *au
	post.RawQuery = ""
	callback, err := step(c, http.MethodPost, post.String(), form, http.StatusFound)
	if err != nil {
		return "", fmt.Errorf("consent decision: %w", err)
	}
	// 4. The callback sets the session and sends the browser back.
	callback, _, _ = strings.Cut(callback, "#")
	back, err := step(c, http.MethodGet, callback, nil, http.StatusFound)
	if err != nil {
		return "", fmt.Errorf("callback: %w", err)
	}
	// 5. The page asked for, now with the session.
	backURL, err := url.Parse(callback)
	if err != nil {
		return "", err
	}
	if ref, err := url.Parse(back); err == nil {
		backURL = backURL.ResolveReference(ref)
	}
	if _, err := step(c, http.MethodGet, backURL.String(), nil, http.StatusOK); err != nil {
		return "", fmt.Errorf("page after login: %w", err)
	}
	siteURL, _ := url.Parse(site)
	for _, ck := range jar.Cookies(siteURL) {
		if ck.Name == cookieName {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("no %s cookie after the login", cookieName)
}

// step sends one request and checks its status; it returns the Location.
func step(c *http.Client, method, target string, form url.Values, want int) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode != want {
		return "", fmt.Errorf("%s %s: status %d, want %d: %s", method, target, resp.StatusCode, want, strings.TrimSpace(string(snippet)))
	}
	return resp.Header.Get("Location"), nil
}
