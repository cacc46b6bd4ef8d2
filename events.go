package instagramauth

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
)

// Caddy events (behaviour 26, docs/behaviour.md), for the subscribers of the
// config's events app: an exec or webhook handler, say. Events carry who,
// never a token, a code or a cookie, and cost nothing when nothing listens.

const (
	eventLogin   = "instagram_login"
	eventLogout  = "instagram_logout"
	eventRevoked = "instagram_session_revoked"
)

// eventEmitter is the config's events app and the handler's own context,
// which names the handler as the events' origin and ends with the config.
type eventEmitter struct {
	app *caddyevents.App // nil: no events app
	ctx caddy.Context
}

// newEventEmitter finds the config's events app, if it has one. Caddy's
// HTTP app always loads one, with no subscriptions unless configured.
func newEventEmitter(ctx caddy.Context) eventEmitter {
	app, err := ctx.AppIfConfigured("events")
	if err != nil {
		return eventEmitter{}
	}
	events, _ := app.(*caddyevents.App)
	return eventEmitter{app: events, ctx: ctx}
}

// emit sends the event synchronously, as Caddy's events are, and only if
// something can observe it: the data is not even built otherwise.
func (e *eventEmitter) emit(name, userID, username string, source string) {
	if e.app == nil || !e.app.ShouldEmit(name) {
		return
	}
	data := map[string]any{"user_id": userID, "username": username}
	if source != "" {
		data["source"] = source
	}
	e.app.Emit(e.ctx, name, data)
}

// login: a user logged in (a new session).
func (e *eventEmitter) login(userID, username string) {
	e.emit(eventLogin, userID, username, "")
}

// logout: a user logged out at logout_path.
func (e *eventEmitter) logout(userID, username string) {
	e.emit(eventLogout, userID, username, "")
}

// revoked: sessions of a user ended from elsewhere (logout everywhere,
// Meta's callbacks, which know the user id only: username may be "").
func (e *eventEmitter) revoked(userID, username string, source revocationSource) {
	e.emit(eventRevoked, userID, username, revocationSources[source])
}
