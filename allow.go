package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"fmt"
	"strings"
)

// allow_users: entries of digits only are user ids, others usernames
// (Instagram usernames are case-insensitive, and may be written with @).
// The two never mix: an account whose username is all digits cannot pass
// as the user with that id.

// allowSets splits allow_users into ids and lower-case usernames; both nil
// when everyone is allowed.
func allowSets(users []string) (ids, usernames map[string]struct{}) {
	if len(users) == 0 {
		return nil, nil
	}
	ids, usernames = map[string]struct{}{}, map[string]struct{}{}
	for _, u := range users {
		if instagram.IsUserID(u) {
			ids[u] = struct{}{}
		} else {
			usernames[strings.ToLower(strings.TrimPrefix(u, "@"))] = struct{}{}
		}
	}
	return ids, usernames
}

// allows reports whether allow_users lets this user in.
func (cfg *runtimeConfig) allows(userID, username string) bool {
	if cfg.allowIDs == nil {
		return true
	}
	if _, ok := cfg.allowIDs[userID]; ok {
		return true
	}
	if username == "" || len(cfg.allowUsernames) == 0 {
		return false
	}
	_, ok := cfg.allowUsernames[strings.ToLower(username)]
	return ok
}

// checkAllowedUser accepts an id (digits) or a username (letters, digits,
// dots and underscores, up to 30, with an optional leading @).
func checkAllowedUser(u string) error {
	if hasPlaceholder(u) || instagram.IsUserID(u) {
		return nil
	}
	name := strings.TrimPrefix(u, "@")
	if name == "" || !instagram.IsUsernameShaped(name) {
		return fmt.Errorf("%q is neither an Instagram user id (digits) nor a username", u)
	}
	return nil
}

// allowsUsernames reports whether allow_users names any username.
func allowsUsernames(users []string) bool {
	for _, u := range users {
		if !instagram.IsUserID(u) && !hasPlaceholder(u) {
			return true
		}
	}
	return false
}
