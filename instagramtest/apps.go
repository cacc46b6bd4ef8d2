package instagramtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// appUser is a user who has allowed the app, as Instagram's "Apps and
// websites" settings list them.
type appUser struct {
	username   string
	authorized time.Time
	removed    time.Time // zero while the app is installed
}

// usersKept is how long the Provider remembers a user who allowed the app:
// for as long as it runs, in practice; maxUsers bounds the memory.
const usersKept = 100 * 365 * 24 * time.Hour

// ErrUnknownUser is returned by RemoveApp for a user who does not have the
// app installed, and by RequestDataDeletion for one who never allowed it.
var ErrUnknownUser = errors.New("instagramtest: this user has not authorized the app")

// SetCallbacks sets the app's deauthorize callback URL and data deletion
// request URL, as registered in Meta's app dashboard, for RemoveApp,
// RequestDataDeletion and the settings page. "" means none is registered.
func (p *Provider) SetCallbacks(deauthorizeURL, dataDeletionURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deauthorizeURL, p.dataDeletionURL = deauthorizeURL, dataDeletionURL
}

// recordAuthorization remembers that username allowed the app.
func (p *Provider) recordAuthorization(username string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.users.put(username, appUser{username: username, authorized: now}, now.Add(usersKept), now)
}

// AuthorizedUsers returns the users who have the app installed: they
// pressed Allow and have not removed it since. The latest comes first.
func (p *Provider) AuthorizedUsers() []string {
	var names []string
	for _, u := range p.appUsers() {
		if u.removed.IsZero() {
			names = append(names, u.username)
		}
	}
	return names
}

// appUsers returns every user the Provider remembers, removed or not,
// the latest to allow the app first.
func (p *Provider) appUsers() []appUser {
	p.mu.Lock()
	users := p.users.values()
	p.mu.Unlock()
	slices.SortFunc(users, func(a, b appUser) int {
		return cmp.Or(b.authorized.Compare(a.authorized), cmp.Compare(a.username, b.username))
	})
	return users
}

// RemoveApp is the user pressing "Remove" in Instagram's settings: the
// user's tokens and pending codes stop working at once (a token is then
// answered GraphCodeInvalidToken with MsgAppNotAuthorized), and the site's
// deauthorize callback (SetCallbacks) receives a signed request for the
// user's app-scoped id, as from Meta. It returns the status the site
// answered, or 0 with no error when no callback is registered.
func (p *Provider) RemoveApp(ctx context.Context, username string) (status int, err error) {
	callback, err := p.revoke(username)
	if err != nil || callback == "" {
		return 0, err
	}
	return p.SendDeauthorize(ctx, nil, callback, UserID(username))
}

// revoke marks username's app removed, revokes the user's tokens, forgets
// their codes, and returns the deauthorize callback URL.
func (p *Provider) revoke(username string) (callback string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	u, ok := p.users.get(username, now)
	if !ok || !u.removed.IsZero() {
		return "", fmt.Errorf("%w: %s", ErrUnknownUser, username)
	}
	u.removed = now
	p.users.put(username, u, now.Add(usersKept), now)
	p.revokeUserTokens(username)
	p.codes.deleteIf(func(g grant) bool { return g.username == username })
	return p.deauthorizeURL, nil
}

// RequestDataDeletion is the user asking, in Instagram's settings, for the
// app to delete their data (with the app installed or after removing it):
// the site's data deletion URL (SetCallbacks) receives a signed request as
// from Meta, and must answer the status page and confirmation code; see
// SendDataDeletion.
func (p *Provider) RequestDataDeletion(ctx context.Context, username string) (statusURL, confirmationCode string, err error) {
	callback, err := p.deletionCallback(username)
	if err != nil {
		return "", "", err
	}
	return p.SendDataDeletion(ctx, nil, callback, UserID(username))
}

// deletionCallback returns the data deletion URL, if username may ask.
func (p *Provider) deletionCallback(username string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, known := p.users.get(username, p.now()); !known {
		return "", fmt.Errorf("%w: %s", ErrUnknownUser, username)
	}
	if p.dataDeletionURL == "" {
		return "", errors.New("instagramtest: no data deletion URL is registered (data_deletion_url)")
	}
	return p.dataDeletionURL, nil
}
