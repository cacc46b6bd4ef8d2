package instagramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxCallbackAnswer bounds what the mock reads of a site's answer.
const maxCallbackAnswer = 64 << 10

// callbackClient is what the Provider calls sites with when the caller
// gives no client. It does not follow redirects, so a site that answers
// its callback with one shows as such rather than as the page it leads to.
var callbackClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// SendDeauthorize does what Meta does when a user removes the app: it POSTs
// to callbackURL the form field signed_request for userID (the app-scoped
// id, UserID(username)), signed with the Provider's client secret and
// issued now by its clock. It returns the status the site answered; err is
// set only when there was no answer, or it broke off. Meta ignores the answer's body, and so
// does this. client nil means one with a 10-second timeout that does not
// follow redirects.
func (p *Provider) SendDeauthorize(ctx context.Context, client *http.Client, callbackURL, userID string) (status int, err error) {
	status, _, err = p.postSignedRequest(ctx, client, callbackURL, userID)
	return status, err
}

// SendDataDeletion does what Meta does when a user asks for the app to
// delete their data: it POSTs signed_request to callbackURL like
// SendDeauthorize, and reads the answer Meta requires, the JSON
// {"url":"<status page>","confirmation_code":"<code>"}. Any answer but a
// 2xx with that JSON, both strings present and url an absolute http(s) URL,
// is an error saying what is wrong.
func (p *Provider) SendDataDeletion(ctx context.Context, client *http.Client, callbackURL, userID string) (statusURL, confirmationCode string, err error) {
	_, statusURL, confirmationCode, err = p.sendDataDeletion(ctx, client, callbackURL, userID)
	return statusURL, confirmationCode, err
}

// sendDataDeletion is SendDataDeletion that also returns the status, for
// the settings page to show.
func (p *Provider) sendDataDeletion(ctx context.Context, client *http.Client, callbackURL, userID string) (status int, statusURL, code string, err error) {
	status, body, err := p.postSignedRequest(ctx, client, callbackURL, userID)
	if err != nil {
		return status, "", "", err
	}
	statusURL, code, err = parseDeletionAnswer(status, body)
	if err != nil {
		return status, "", "", fmt.Errorf("instagramtest: data deletion callback %s: %w", callbackURL, err)
	}
	return status, statusURL, code, nil
}

func parseDeletionAnswer(status int, body []byte) (statusURL, code string, err error) {
	if status < 200 || status > 299 {
		return "", "", fmt.Errorf("answered HTTP %d, want 200 with JSON: %s", status, excerpt(body))
	}
	var answer struct {
		URL              *string `json:"url"`
		ConfirmationCode *string `json:"confirmation_code"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", "", fmt.Errorf(`answer is not the JSON {"url":"..","confirmation_code":".."} Meta requires (%v): %s`, err, excerpt(body))
	}
	switch {
	case answer.URL == nil || *answer.URL == "":
		return "", "", fmt.Errorf("answer has no url: %s", excerpt(body))
	case answer.ConfirmationCode == nil || *answer.ConfirmationCode == "":
		return "", "", fmt.Errorf("answer has no confirmation_code: %s", excerpt(body))
	}
	u, err := url.Parse(*answer.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("url %q is not an absolute http(s) URL a user can open", *answer.URL)
	}
	return *answer.URL, *answer.ConfirmationCode, nil
}

// postSignedRequest POSTs signed_request for userID and returns the answer.
func (p *Provider) postSignedRequest(ctx context.Context, client *http.Client, callbackURL, userID string) (int, []byte, error) {
	if client == nil {
		client = callbackClient
	}
	p.mu.Lock()
	now := p.now()
	p.mu.Unlock()
	form := url.Values{"signed_request": {SignedRequest(p.clientSecret, userID, now)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, fmt.Errorf("instagramtest: callback URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "instagramtest (mock Meta callback)")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("instagramtest: callback: %w", err)
	}
	defer resp.Body.Close()
	// A longer answer is cut, which no JSON survives.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCallbackAnswer))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("instagramtest: callback %s answered HTTP %d, then: %w", callbackURL, resp.StatusCode, err)
	}
	return resp.StatusCode, body, nil
}

// excerpt quotes the start of a body for an error message.
func excerpt(body []byte) string {
	const max = 200
	if len(body) > max {
		return fmt.Sprintf("%q...", body[:max])
	}
	return fmt.Sprintf("%q", body)
}
