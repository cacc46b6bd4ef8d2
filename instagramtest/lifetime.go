package instagramtest

import (
	"fmt"
	"time"
)

// Lifetimes as Instagram documents them.
const (
	codeLifetime         = time.Hour
	shortLifetime        = time.Hour
	defaultLongLifetime  = 60 * 24 * time.Hour
	defaultRefreshMinAge = 24 * time.Hour
	// longExpiresIn is the expires_in Instagram actually reports for a
	// 60-day token (a little under 5184000 seconds).
	longExpiresIn = 5183944
	// tokenRetention keeps an expired token known for a while, so that it
	// is answered "Session has expired" like at Instagram rather than
	// "Cannot parse", whatever the store has pruned meanwhile.
	tokenRetention = 24 * time.Hour
)

// tokenInfo is what the Provider remembers of an access token.
type tokenInfo struct {
	username string
	long     bool
	// otherApp says the token was issued to the second app (OtherClientID),
	// not to the Provider's own.
	otherApp bool
	issued   time.Time
	expires  time.Time
	revoked  revocation // why the token no longer works before it expires
}

func (t tokenInfo) validAt(now time.Time) bool {
	return t.revoked == notRevoked && now.Before(t.expires)
}

// SetClock replaces the Provider's clock, time.Now by default, so that a
// test can share one clock with the code under test and reach expiry
// without sleeping. It decides when codes and tokens were issued and expire,
// the age a refresh demands, and issued_at in signed requests; connection
// idleness (StartClosingIdle) stays on real time. now is called from server
// goroutines, so it must be safe for concurrent use, and it must not call
// the Provider. nil restores time.Now.
func (p *Provider) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// SetLongLifetime shortens (or lengthens) the 60 days a long-lived token
// lives, for the tokens issued by the exchange and the refresh after the
// call; their expires_in says d in whole seconds. Tokens issued before keep
// their lifetime. The 24 hours a token must have lived before it can be
// refreshed do not change with it (see SetRefreshMinAge): a lifetime of 24
// hours or less makes every refresh fail unless the minimum age is lowered
// too. d under a second panics: it is a bug in the calling test.
func (p *Provider) SetLongLifetime(d time.Duration) {
	if d < time.Second {
		panic(fmt.Sprintf("instagramtest: long lifetime %v is under a second", d))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.longLifetime = d
}

// SetRefreshMinAge changes the age, 24 hours at Instagram, a long-lived
// token must reach before it can be refreshed. A negative d panics.
func (p *Provider) SetRefreshMinAge(d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("instagramtest: negative refresh age %v", d))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshMinAge = d
}

// SetRefreshKeepsToken chooses what a successful refresh answers. By
// default it is a new token string, and the refreshed one keeps working
// until its own expiry. With keep set, it is the same string again, its
// lifetime restarted from the refresh (Instagram does both); a client must
// cope with either.
func (p *Provider) SetRefreshKeepsToken(keep bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshKeepsToken = keep
}

// newToken issues an access token of the Provider's own app for username:
// short-lived (1 hour) or long-lived (60 days, or SetLongLifetime).
// expiresIn is what an answer carrying it reports.
func (p *Provider) newToken(username string, long bool) (token string, expiresIn int) {
	return p.issue(tokenInfo{username: username, long: long})
}

// issue stores a new token for t's user, app and kind.
func (p *Provider) issue(t tokenInfo) (token string, expiresIn int) {
	token = randomString("IGAA", 96)
	p.mu.Lock()
	defer p.mu.Unlock()
	return token, p.putToken(token, t)
}

// putToken stores token for t's user, app and kind, as issued now, and
// returns its expires_in. The caller holds p.mu.
func (p *Provider) putToken(token string, t tokenInfo) (expiresIn int) {
	lifetime := shortLifetime
	if t.long {
		lifetime = p.longLifetime
	}
	now := p.now()
	info := tokenInfo{username: t.username, long: t.long, otherApp: t.otherApp, issued: now, expires: now.Add(lifetime)}
	p.tokens.put(token, info, info.expires.Add(tokenRetention), now)
	if lifetime == defaultLongLifetime {
		return longExpiresIn
	}
	return int(lifetime / time.Second)
}

// lookupToken returns what the Provider knows of token, expired or not,
// and the Provider's time to judge it by.
func (p *Provider) lookupToken(token string) (info tokenInfo, found bool, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now = p.now()
	info, found = p.tokens.get(token, now)
	return info, found, now
}
