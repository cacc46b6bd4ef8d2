package instagramauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bearer"
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Bearer tokens for apps (behaviour 31, docs/behaviour.md): with
// allow_bearer, a request without a session that carries
// "Authorization: Bearer <Instagram token>" passes as the user Instagram
// names at /me, asked with this app's appsecret_proof so that a token
// issued to another app is refused by Instagram itself. Answers are kept
// by internal/bearer (by the token's hash, 5 minutes, refusals 1 minute);
// an acceptance asked for before the user's deauthorize, data deletion or
// logout everywhere is stale on every instance that has the revocation
// record, and is asked again. Unknown tokens cost Graph calls only within
// the login throttle (behaviour 22). The token is never logged.

// The messages of bearer refusals, for handle_errors and Caddy's log:
// fixed texts, never the token.
var (
	errInvalidToken  = errors.New("the bearer token is invalid, expired or revoked, or was issued to another app")
	errTokensBusy    = errors.New("too many token checks at once: try again in a moment")
	errTokensLimited = errors.New("too many unknown tokens from this network: try again later")
	errTokenCheck    = errors.New("Instagram could not check the bearer token")
)

// The JSON bodies of bearer refusals, for sites without handle_errors.
const (
	answerInvalidToken jsonAnswer = `{"error":"invalid_token","message":"the bearer token is invalid, expired or revoked, or was issued to another app"}` + "\n"
	answerNotAllowed   jsonAnswer = `{"error":"forbidden","message":"this Instagram account is not allowed"}` + "\n"
	answerTokensBusy   jsonAnswer = `{"error":"busy","message":"too many token checks at once: try again in a moment"}` + "\n"
	answerTokensLimit  jsonAnswer = `{"error":"too_many_requests","message":"too many unknown tokens from this network: try again later"}` + "\n"
	answerTokenCheck   jsonAnswer = `{"error":"bad_gateway","message":"Instagram could not check the bearer token"}` + "\n"
)

// maxBearerAsks bounds how often one request asks Instagram: a second time
// only when the answer it joined was asked before a revocation it knows of.
const maxBearerAsks = 2

// bearerTokens judges the bearer tokens of requests without a session.
type bearerTokens struct {
	cfg      *runtimeConfig
	cache    *bearer.Cache // nil without allow_bearer
	revoked  *revocation.Set
	throttle *throttle.Throttle
	sampled  logSampler
	logs     *bearerLogs
	now      func() time.Time
}

// bearerLogs are the lines a stranger's tokens can cause, sampled.
type bearerLogs struct{ refused, throttled, failed sampledLog }

// newBearerTokens makes the part; without allow_bearer it judges nothing
// and holds no cache.
func newBearerTokens(cfg *runtimeConfig, ig *instagram.Client, timeout time.Duration, revoked *revocation.Set,
	throttle *throttle.Throttle, sampled logSampler, now func() time.Time) bearerTokens {
	bt := bearerTokens{cfg: cfg, revoked: revoked, throttle: throttle, sampled: sampled, logs: new(bearerLogs), now: now}
	if cfg.allowBearer {
		bt.cache = bearer.New(checkAtInstagram(ig), timeout, now)
	}
	return bt
}

// checkAtInstagram is the Checker of the cache: /me with appsecret_proof.
// Instagram's refusals (an invalid, expired or revoked token, code 190; a
// proof that does not match, code 100: another app's token) are kept;
// anything else is a failed check. The client's errors hold no token.
func checkAtInstagram(ig *instagram.Client) bearer.Checker {
	return func(ctx context.Context, token string) (bearer.Identity, error) {
		p, err := ig.Me(ctx, token)
		switch {
		case instagram.IsRefusal(err):
			return bearer.Identity{}, fmt.Errorf("%w: %w", bearer.ErrRefused, err)
		case err != nil:
			return bearer.Identity{}, err
		}
		return bearer.Identity{UserID: p.ID, Username: p.Username}, nil
	}
}

// bearerResult is a bearer token judged: who passes, or the refusal.
type bearerResult struct {
	status int // 0: the request passes as session
	// session is the token's user as a session: what the identity headers
	// (the token header carries the bearer token) and the signed assertion
	// read. Its ID is the token's sid (bearer.Key.SID), never the token or
	// its hash; it starts when Instagram was asked and ends when that
	// answer ages out.
	session record.Session
	err     error      // the refusal's message, for handle_errors
	body    jsonAnswer // the refusal's built-in answer
	retry   time.Duration
}

// judge reads r's Authorization header. offered is false without
// allow_bearer, or when the header holds no Bearer credential: the request
// is then judged as if bearer tokens did not exist.
func (bt *bearerTokens) judge(r *http.Request) (res bearerResult, offered bool) {
	if bt.cache == nil {
		return bearerResult{}, false
	}
	token, kind := bearer.Parse(r.Header["Authorization"])
	switch kind {
	case bearer.Absent:
		return bearerResult{}, false
	case bearer.Malformed: // oversize included: refused before a hash or a call
		return refusal(http.StatusUnauthorized), true
	}
	k := bearer.KeyOf(token)
	v, ok := bt.cache.Lookup(k)
	accepted := ok && !v.Refused // Instagram named its user before: no stranger's junk
	if ok && bt.stale(v) {
		bt.cache.Forget(k)
		ok = false
	}
	if !ok {
		if v, res = bt.ask(r, k, token, accepted); res.status != 0 {
			return res, true
		}
	}
	switch {
	case v.Refused:
		bt.sampled.log(&bt.logs.refused, zapcore.InfoLevel, "bearer token refused by Instagram",
			zap.String("client_ip", clientIP(r)))
		return refusal(http.StatusUnauthorized), true
	case !bt.cfg.allows(v.UserID, v.Username):
		bt.sampled.log(&bt.logs.refused, zapcore.WarnLevel, "bearer token of a user not in allow_users",
			zap.String("user_id", v.UserID), zap.String("username", v.Username))
		return refusal(http.StatusForbidden), true
	}
	return bearerResult{session: tokenSession(v, k, token, bt.now().Unix())}, true
}

// stale reports an acceptance asked for before a revocation of its user:
// Instagram may refuse the token now.
func (bt *bearerTokens) stale(v bearer.Verdict) bool {
	return !v.Refused && bt.revoked.RevokesUser(v.UserID, v.CheckedAt.Unix())
}

// ask asks Instagram about a token the cache does not hold. An unknown
// token is asked within the login throttle: the per-IP count and the
// in-flight bound that keep strangers' junk from driving Graph calls with
// the app's secret. A token accepted before, asked again because a
// revocation of its user made the acceptance stale, is not: an app's
// users behind one address must not meet a 429 for the valid tokens they
// already use. (A "log out everywhere" makes every acceptance of its
// second stale, so each request of that second asks again, one call per
// token at a time; the second after, the answer is kept again.) An answer
// asked for before this request began (a check it joined) that a
// revocation made stale is asked once more.
func (bt *bearerTokens) ask(r *http.Request, k bearer.Key, token string, accepted bool) (bearer.Verdict, bearerResult) {
	began := bt.now()
	for range maxBearerAsks {
		v, res := bt.askOnce(r, k, token, accepted)
		if res.status != 0 || !bt.stale(v) || !v.CheckedAt.Before(began) {
			return v, res
		}
		bt.cache.Forget(k)
		accepted = true
	}
	return bearer.Verdict{}, refusal(http.StatusBadGateway)
}

func (bt *bearerTokens) askOnce(r *http.Request, k bearer.Key, token string, accepted bool) (bearer.Verdict, bearerResult) {
	if !accepted {
		// The one place bearer checks meet the login throttle (internal/throttle).
		client := throttle.ClientKey(clientIP(r))
		status, retry := bt.throttle.Admit(client, bt.cfg.rateLimit, bt.now())
		if status != 0 {
			bt.sampled.log(&bt.logs.throttled, zapcore.WarnLevel, "bearer token check throttled",
				zap.Int("status", status), zap.String("client_ip", clientIP(r)))
			res := refusal(status)
			res.retry = retry
			return bearer.Verdict{}, res
		}
		defer bt.throttle.Leave(client)
	}
	v, err := bt.cache.Check(r.Context(), k, token)
	if err != nil {
		if r.Context().Err() == nil { // a client that left is no failure of Instagram's
			bt.sampled.log(&bt.logs.failed, zapcore.WarnLevel, "bearer token check failed",
				zap.String("client_ip", clientIP(r)), zap.Error(err))
		}
		return bearer.Verdict{}, refusal(http.StatusBadGateway)
	}
	return v, bearerResult{}
}

// tokenSession is an accepted token's user as a session that began when
// Instagram was asked and ends when its answer ages out.
func tokenSession(v bearer.Verdict, k bearer.Key, token string, t int64) record.Session {
	return record.Session{
		ID:       record.ID(k.SID()),
		UserID:   v.UserID,
		Username: v.Username,
		Token:    token,
		Created:  v.CheckedAt.Unix(),
		Issued:   t,
		Expires:  v.Until().Unix(),
		SeenAt:   t,
	}
}

// refusal is the answer of status to a bearer token.
func refusal(status int) bearerResult {
	res := bearerResult{status: status}
	switch status {
	case http.StatusUnauthorized:
		res.err, res.body = errInvalidToken, answerInvalidToken
	case http.StatusForbidden:
		res.err, res.body = errNotAllowed, answerNotAllowed
	case http.StatusTooManyRequests:
		res.err, res.body = errTokensLimited, answerTokensLimit
	case http.StatusServiceUnavailable:
		res.err, res.body = errTokensBusy, answerTokensBusy
	default:
		res.status, res.err, res.body = http.StatusBadGateway, errTokenCheck, answerTokenCheck
	}
	return res
}

// setHeaders adds what a refusal says besides its status: RFC 6750's
// challenge with a 401, when to come back with a 429 or a 503. They go out
// with handle_errors too.
func (res *bearerResult) setHeaders(hdr http.Header) {
	switch res.status {
	case http.StatusUnauthorized:
		hdr.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		hdr.Set("Retry-After", strconv.Itoa(int(res.retry/time.Second)))
	}
}

// serveBearer lets a request without a session through on its bearer
// token, or answers it; handled is false when it carries none.
func (h *Handler) serveBearer(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) (handled bool, err error) {
	res, offered := h.bearers.judge(r)
	if !offered {
		return false, nil
	}
	if res.status != 0 {
		countRequest(outcomeUnauthorized)
		res.setHeaders(w.Header())
		return true, h.refuse(w, r, res.status, res.err, res.body)
	}
	countRequest(outcomeBearer)
	r.Header.Del("Authorization") // the upstream gets the token in the token header, if at all
	if err := h.passIdentity(r, &res.session); err != nil {
		return true, err
	}
	return true, next.ServeHTTP(w, r)
}
