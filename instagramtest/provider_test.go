package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"go/build"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClient   = "app-123"
	testSecret   = "s3cret"
	testRedirect = "http://app.example/oauth2/instagram/callback"
	testScope    = "instagram_business_basic,instagram_business_manage_messages"
)

func authorizeQuery(state string) url.Values {
	return url.Values{
		"client_id":     {testClient},
		"redirect_uri":  {testRedirect},
		"response_type": {"code"},
		"scope":         {testScope},
		"state":         {state},
	}
}

// noFollow is a client that shows redirects instead of following them.
var noFollow = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// do sends a request and returns status, headers and body.
func do(t *testing.T, method, rawURL string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// login consents as username and returns the code from the callback.
func login(t *testing.T, s *Server, username string) string {
	t.Helper()
	cb, err := Consent(nil, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), username, true)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("code")
}

func tokenForm(code string) url.Values {
	return url.Values{
		"client_id":     {testClient},
		"client_secret": {testSecret},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {testRedirect},
		"code":          {code},
	}
}

// shortToken logs username in and returns a short-lived access token.
func shortToken(t *testing.T, s *Server, username string) string {
	t.Helper()
	status, _, body := do(t, "POST", s.TokenURL(), tokenForm(login(t, s, username)))
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &answer) != nil || answer.AccessToken == "" {
		t.Fatalf("token: %d %s", status, body)
	}
	return answer.AccessToken
}

func proofOf(token string) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestUserID(t *testing.T) {
	seen := map[string]string{}
	for i := range 1000 {
		name := "user" + strconv.Itoa(i)
		id := UserID(name)
		if id != UserID(name) {
			t.Fatalf("UserID(%q) not deterministic", name)
		}
		if !regexp.MustCompile(`^[1-9][0-9]{16}$`).MatchString(id) {
			t.Fatalf("UserID(%q) = %q, want 17 digits", name, id)
		}
		n, _ := strconv.ParseUint(id, 10, 64)
		if n <= 1<<53 {
			t.Fatalf("UserID(%q) = %d is not above 2^53", name, n)
		}
		f, _ := strconv.ParseFloat(id, 64)
		if strconv.FormatFloat(f, 'f', 0, 64) == id {
			t.Fatalf("UserID(%q) = %s survives float64", name, id)
		}
		if AccountID(name) == id || len(AccountID(name)) != 17 {
			t.Fatalf("AccountID(%q) = %s, UserID %s", name, AccountID(name), id)
		}
		if other, dup := seen[id]; dup {
			t.Fatalf("UserID(%q) == UserID(%q)", name, other)
		}
		seen[id] = name
	}
}

func TestConsentPage(t *testing.T) {
	s := Start(t, testClient, testSecret)
	hostile := `"><script>alert(1)</script>`
	status, h, body := do(t, "GET", s.AuthorizeURL()+"?"+authorizeQuery(hostile).Encode(), nil)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", status, h.Get("Content-Type"))
	}
	if strings.Contains(body, "<script>") {
		t.Fatalf("state not escaped:\n%s", body)
	}
	for _, want := range []string{
		`<form method="post" action="/oauth/authorize">`,
		`name="username" id="username"`,
		`name="decision" value="allow" id="allow"`,
		`name="decision" value="deny" id="deny"`,
		`name="client_id" value="app-123"`,
		`name="redirect_uri" value="http://app.example/oauth2/instagram/callback"`,
		`name="state" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		"<li>instagram_business_basic</li>",
		"<li>instagram_business_manage_messages</li>",
		"Mock Instagram — offline, for development only",
		"app-123",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(body, "<form"); n != 1 {
		t.Errorf("%d forms", n)
	}
	form, err := parseConsentForm(body)
	if err != nil || form.hidden.Get("state") != hostile {
		t.Errorf("form round trip: %v %q", err, form.hidden.Get("state"))
	}
}

func TestConsentPageRejects(t *testing.T) {
	s := Start(t, testClient, testSecret)
	cases := map[string]struct{ key, value, want string }{
		"unknown client":  {"client_id", "other", "Invalid platform app"},
		"no redirect":     {"redirect_uri", "", "Missing redirect_uri"},
		"relative":        {"redirect_uri", "/cb", "Invalid redirect_uri"},
		"fragment":        {"redirect_uri", testRedirect + "#x", "Invalid redirect_uri"},
		"token flow":      {"response_type", "token", "response_type"},
		"no scope":        {"scope", "", "Missing scope"},
		"only separators": {"scope", " , ", "Missing scope"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			q := authorizeQuery("st")
			q.Set(c.key, c.value)
			status, _, body := do(t, "GET", s.AuthorizeURL()+"?"+q.Encode(), nil)
			if status != 400 || !strings.Contains(body, c.want) {
				t.Fatalf("status %d, want 400 naming %q:\n%s", status, c.want, body)
			}
		})
	}
}

func decide(t *testing.T, s *Server, redirectURI, username, decision string) (int, string, string) {
	t.Helper()
	form := authorizeQuery("xyz ABC/+")
	form.Del("response_type")
	form.Set("redirect_uri", redirectURI)
	form.Set("username", username)
	form.Set("decision", decision)
	status, h, body := do(t, "POST", s.AuthorizeURL(), form)
	return status, h.Get("Location"), body
}

func TestAllow(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, loc, _ := decide(t, s, testRedirect, " Alice.B_1 ", "allow")
	if status != 302 {
		t.Fatalf("status %d", status)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(testRedirect) + `\?code=([A-Za-z0-9_-]+)&state=xyz\+ABC%2F%2B#_$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location %q", loc)
	}
	// The username was lower-cased: the token belongs to alice.b_1.
	status, _, body := do(t, "POST", s.TokenURL(), tokenForm(m[1]))
	if status != 200 || !strings.Contains(body, UserID("alice.b_1")) {
		t.Fatalf("token: %d %s", status, body)
	}

	// A redirect_uri with a query gets '&'.
	_, loc, _ = decide(t, s, testRedirect+"?x=1", "bob", "allow")
	if !strings.HasPrefix(loc, testRedirect+"?x=1&code=") || !strings.HasSuffix(loc, "#_") {
		t.Fatalf("Location %q", loc)
	}
}

func TestAllowRejectsUsername(t *testing.T) {
	s := Start(t, testClient, testSecret)
	for _, name := range []string{"", "a b", "x<y>", strings.Repeat("a", 31)} {
		status, loc, body := decide(t, s, testRedirect, name, "allow")
		if status != 400 || loc != "" || !strings.Contains(body, "Enter an Instagram username") {
			t.Errorf("username %q: status %d, Location %q", name, status, loc)
		}
		if strings.Contains(body, "<y>") {
			t.Errorf("username %q echoed unescaped", name)
		}
	}
	status, _, body := decide(t, s, testRedirect, "alice", "maybe")
	if status != 400 || !strings.Contains(body, "Choose Allow or Deny") {
		t.Errorf("bad decision: %d", status)
	}
	status, _, _ = decide(t, s, "", "alice", "allow")
	if status != 400 {
		t.Errorf("POST without redirect_uri: %d", status)
	}
}

func TestDeny(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, loc, _ := decide(t, s, testRedirect, "", "deny")
	want := testRedirect + "?error=access_denied&error_reason=user_denied" +
		"&error_description=The+user+denied+your+request.&state=xyz+ABC%2F%2B"
	if status != 302 || loc != want {
		t.Fatalf("status %d, Location\n%q want\n%q", status, loc, want)
	}
}

func TestTokenShapes(t *testing.T) {
	s := Start(t, testClient, testSecret)
	id := UserID("alice")
	cases := []struct {
		shape Shape
		want  string // the answer with the token replaced by TOKEN
	}{
		{ShapeFlat, `{"access_token":"TOKEN","user_id":` + id +
			`,"permissions":["instagram_business_basic","instagram_business_manage_messages"]}`},
		{ShapeData, `{"data":[{"access_token":"TOKEN","user_id":"` + id +
			`","permissions":"instagram_business_basic,instagram_business_manage_messages"}]}`},
		{ShapeLegacy, `{"access_token":"TOKEN","user":{"id":"` + id +
			`","username":"alice","full_name":"Alice","profile_picture":"https://mock-instagram.invalid/avatars/alice.jpg"}}`},
	}
	token := regexp.MustCompile(`"access_token":"(IGAA[A-Za-z0-9_-]{96})"`)
	for _, c := range cases {
		t.Run(string(c.shape), func(t *testing.T) {
			s.SetShape(c.shape)
			status, h, body := do(t, "POST", s.TokenURL(), tokenForm(login(t, s, "alice")))
			if status != 200 || h.Get("Content-Type") != "application/json; charset=UTF-8" {
				t.Fatalf("status %d, type %q", status, h.Get("Content-Type"))
			}
			m := token.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no token in %s", body)
			}
			if got := strings.Replace(body, m[1], "TOKEN", 1); got != c.want {
				t.Fatalf("answer\n%s want\n%s", got, c.want)
			}
		})
	}
}

func TestFlatUserIDLosesDigitsAsFloat(t *testing.T) {
	s := Start(t, testClient, testSecret)
	_, _, body := do(t, "POST", s.TokenURL(), tokenForm(login(t, s, "alice")))
	var naive struct {
		UserID float64 `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(body), &naive); err != nil {
		t.Fatal(err)
	}
	if strconv.FormatFloat(naive.UserID, 'f', 0, 64) == UserID("alice") {
		t.Fatal("a float64 decoder gets the id right; the mock would not catch it")
	}
	var careful struct {
		UserID json.Number `json:"user_id"`
	}
	json.Unmarshal([]byte(body), &careful)
	if careful.UserID.String() != UserID("alice") {
		t.Fatalf("json.Number %s", careful.UserID)
	}
}

func TestTokenErrors(t *testing.T) {
	s := Start(t, testClient, testSecret)
	cases := map[string]struct {
		change func(url.Values)
		want   string
	}{
		"wrong client":    {func(f url.Values) { f.Set("client_id", "x") }, MsgInvalidPlatformApp},
		"wrong secret":    {func(f url.Values) { f.Set("client_secret", "x") }, MsgBadClientSecret},
		"grant type":      {func(f url.Values) { f.Set("grant_type", "password") }, MsgUnsupportedGrantType},
		"unknown code":    {func(f url.Values) { f.Set("code", "nope") }, MsgCodeNotFound},
		"no code":         {func(f url.Values) { f.Del("code") }, MsgCodeNotFound},
		"code with #_":    {func(f url.Values) { f.Set("code", f.Get("code")+"#_") }, MsgCodeNotFound},
		"trailing slash":  {func(f url.Values) { f.Set("redirect_uri", testRedirect+"/") }, MsgRedirectURIMismatch},
		"extra query":     {func(f url.Values) { f.Set("redirect_uri", testRedirect+"?a=b") }, MsgRedirectURIMismatch},
		"no redirect_uri": {func(f url.Values) { f.Del("redirect_uri") }, MsgRedirectURIMismatch},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			form := tokenForm(login(t, s, "alice"))
			c.change(form)
			status, _, body := do(t, "POST", s.TokenURL(), form)
			want := `{"code":400,"error_message":"` + c.want + `","error_type":"OAuthException"}`
			if status != 400 || body != want {
				t.Fatalf("%d %s\nwant %s", status, body, want)
			}
		})
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	s := Start(t, testClient, testSecret)
	used := `{"code":400,"error_message":"` + MsgCodeUsed + `","error_type":"OAuthException"}`
	code := login(t, s, "alice")
	if status, _, body := do(t, "POST", s.TokenURL(), tokenForm(code)); status != 200 {
		t.Fatalf("first use: %d %s", status, body)
	}
	if status, _, body := do(t, "POST", s.TokenURL(), tokenForm(code)); status != 400 || body != used {
		t.Fatalf("reuse: %d %s", status, body)
	}

	// A failed attempt burns the code too.
	code = login(t, s, "alice")
	bad := tokenForm(code)
	bad.Set("redirect_uri", testRedirect+"/")
	do(t, "POST", s.TokenURL(), bad)
	if status, _, body := do(t, "POST", s.TokenURL(), tokenForm(code)); status != 400 || body != used {
		t.Fatalf("after failed attempt: %d %s", status, body)
	}

	// A used code is remembered only as long as it would have lived.
	advance := fakeClock(s.Provider)
	code = login(t, s, "alice")
	do(t, "POST", s.TokenURL(), tokenForm(code))
	advance(codeLifetime + time.Second)
	if _, _, body := do(t, "POST", s.TokenURL(), tokenForm(code)); !strings.Contains(body, MsgCodeNotFound) {
		t.Fatalf("long after use: %s", body)
	}
}

// fakeClock stops the Provider's time and returns a function that moves it
// forward. The clock is read by server goroutines, hence the atomic.
func fakeClock(p *Provider) (advance func(time.Duration)) {
	var ns atomic.Int64
	ns.Store(time.Now().UnixNano())
	p.SetClock(func() time.Time { return time.Unix(0, ns.Load()) })
	return func(d time.Duration) { ns.Add(int64(d)) }
}

func TestExpiry(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	code := login(t, s, "alice")
	advance(time.Hour + time.Second)
	if _, _, body := do(t, "POST", s.TokenURL(), tokenForm(code)); !strings.Contains(body, MsgCodeNotFound) {
		t.Fatalf("expired code: %s", body)
	}

	token := shortToken(t, s, "alice")
	advance(time.Hour + time.Second)
	status, _, _ := do(t, "GET", s.UserinfoURL()+"?"+url.Values{
		"access_token": {token}, "appsecret_proof": {proofOf(token)}}.Encode(), nil)
	if status != 400 {
		t.Fatalf("expired token answered %d", status)
	}
}

func meURL(base, token, proof, fields string) string {
	q := url.Values{"access_token": {token}}
	if proof != "" {
		q.Set("appsecret_proof", proof)
	}
	if fields != "" {
		q.Set("fields", fields)
	}
	return base + "?" + q.Encode()
}

func TestMe(t *testing.T) {
	s := Start(t, testClient, testSecret)
	token := shortToken(t, s, "alice")
	badToken := `{"error":{"code":190,"fbtrace_id":"A1b2C3","message":"` + MsgInvalidToken + `","type":"OAuthException"}}`
	badProof := `{"error":{"code":100,"fbtrace_id":"A1b2C3","message":"` + MsgBadProof + `","type":"GraphMethodException"}}`
	noProof := `{"error":{"code":100,"fbtrace_id":"A1b2C3","message":"` + MsgProofRequired + `","type":"GraphMethodException"}}`
	idName := `{"id":"` + UserID("alice") + `","username":"alice"}`
	cases := []struct {
		name, url string
		status    int
		want      string
	}{
		{"default fields", meURL(s.UserinfoURL(), token, proofOf(token), ""), 200, idName},
		{"asked fields", meURL(s.UserinfoURL(), token, proofOf(token), "id,username"), 200, idName},
		{"versioned", meURL(s.URL+"/v25.0/me", token, proofOf(token), "id,username"), 200, idName},
		{"user_id", meURL(s.UserinfoURL(), token, proofOf(token), "user_id"), 200,
			`{"user_id":"` + AccountID("alice") + `"}`},
		{"unknown field", meURL(s.UserinfoURL(), token, proofOf(token), "id,email"), 400, ""},
		{"no proof", meURL(s.UserinfoURL(), token, "", ""), 400, noProof},
		{"wrong proof", meURL(s.UserinfoURL(), token, proofOf(token+"x"), ""), 400, badProof},
		{"bad token", meURL(s.UserinfoURL(), "IGAAnope", proofOf("IGAAnope"), ""), 400, badToken},
		{"no token", s.UserinfoURL(), 400, badToken},
		{"bad version", meURL(s.URL+"/v25/me", token, proofOf(token), ""), 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := do(t, "GET", c.url, nil)
			if status != c.status || (c.want != "" && body != c.want) {
				t.Fatalf("%d %s\nwant %d %s", status, body, c.status, c.want)
			}
		})
	}

	s.SetRequireProof(false)
	if status, _, body := do(t, "GET", meURL(s.UserinfoURL(), token, "", ""), nil); body != idName {
		t.Fatalf("proof not required: %d %s", status, body)
	}
	// A proof that is sent is checked, required or not.
	if status, _, body := do(t, "GET", meURL(s.UserinfoURL(), token, proofOf(token+"x"), ""), nil); body != badProof {
		t.Fatalf("wrong proof, not required: %d %s", status, body)
	}

	req, _ := http.NewRequest("GET", s.UserinfoURL(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("bearer header: %d", resp.StatusCode)
	}
}

func exchangeURL(s *Server, grantType, secret, token string) string {
	return s.ExchangeURL() + "?" + url.Values{
		"grant_type": {grantType}, "client_secret": {secret}, "access_token": {token}}.Encode()
}

func TestExchangeAndRefresh(t *testing.T) {
	s := Start(t, testClient, testSecret)
	short := shortToken(t, s, "alice")
	status, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil)
	var long longTokenAnswer
	if status != 200 || json.Unmarshal([]byte(body), &long) != nil {
		t.Fatalf("exchange: %d %s", status, body)
	}
	if long.TokenType != "bearer" || long.ExpiresIn != 5183944 || long.AccessToken == short {
		t.Fatalf("exchange answer %s", body)
	}
	// The long token works at /me, and lives past the short one's hour.
	fakeClock(s.Provider)(59 * 24 * time.Hour)
	if status, _, body := do(t, "GET", meURL(s.UserinfoURL(), long.AccessToken, proofOf(long.AccessToken), ""), nil); status != 200 {
		t.Fatalf("/me with long token: %d %s", status, body)
	}

	refresh := s.URL + "/refresh_access_token?" + url.Values{
		"grant_type": {"ig_refresh_token"}, "access_token": {long.AccessToken}}.Encode()
	status, _, body = do(t, "GET", refresh, nil)
	var renewed longTokenAnswer
	if status != 200 || json.Unmarshal([]byte(body), &renewed) != nil || renewed.AccessToken == long.AccessToken {
		t.Fatalf("refresh: %d %s", status, body)
	}
	if status, _, _ := do(t, "GET", s.URL+"/refresh_access_token?grant_type=ig_refresh_token&access_token="+short, nil); status != 400 {
		t.Fatalf("refresh of a short token: %d", status)
	}
}

func TestExchangeErrors(t *testing.T) {
	s := Start(t, testClient, testSecret)
	short := shortToken(t, s, "alice")
	_, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil)
	var long longTokenAnswer
	json.Unmarshal([]byte(body), &long)
	cases := map[string]string{
		"grant type":      exchangeURL(s, "authorization_code", testSecret, short),
		"wrong secret":    exchangeURL(s, "ig_exchange_token", "x", short),
		"unknown token":   exchangeURL(s, "ig_exchange_token", testSecret, "IGAAnope"),
		"long token":      exchangeURL(s, "ig_exchange_token", testSecret, long.AccessToken),
		"versioned wrong": s.URL + "/v25.0/access_token",
	}
	for name, u := range cases {
		status, _, body := do(t, "GET", u, nil)
		if status != 400 || !strings.HasPrefix(body, `{"error":{`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	s.SetExchangeFail(true)
	if status, _, _ := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil); status != 400 {
		t.Errorf("SetExchangeFail: %d", status)
	}
	s.SetExchangeFail(false)
	if status, _, _ := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, short), nil); status != 200 {
		t.Errorf("after SetExchangeFail(false): %d", status)
	}
	if n := s.ExchangeRequests(); n != 8 {
		t.Errorf("ExchangeRequests = %d, want 8", n)
	}
}

func TestTokenFault(t *testing.T) {
	s := Start(t, testClient, testSecret)
	big := strings.Repeat("x", 10<<20)
	for _, f := range []struct {
		status int
		body   string
	}{{500, "boom"}, {200, "<html>not json</html>"}, {200, big}} {
		s.SetTokenFault(0, f.status, f.body)
		status, _, body := do(t, "POST", s.TokenURL(), tokenForm(login(t, s, "alice")))
		if status != f.status || body != f.body {
			t.Errorf("fault %d: got %d, %d bytes", f.status, status, len(body))
		}
	}

	// A delay the client gives up on: the handler returns when it leaves.
	s.SetTokenFault(time.Hour, 0, "")
	client := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := client.PostForm(s.TokenURL(), tokenForm("x"))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("delayed answer: err %v after %v", err, time.Since(start))
	}

	// A short delay then a normal answer.
	s.SetTokenFault(50*time.Millisecond, 0, "")
	start = time.Now()
	status, _, body := do(t, "POST", s.TokenURL(), tokenForm(login(t, s, "alice")))
	if status != 200 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("delay then answer: %d %s after %v", status, body, time.Since(start))
	}
	s.SetTokenFault(0, 0, "")
	if n := s.TokenRequests(); n != 5 {
		t.Errorf("TokenRequests = %d, want 5", n)
	}
}

func TestUserinfoFail(t *testing.T) {
	s := Start(t, testClient, testSecret)
	token := shortToken(t, s, "alice")
	s.SetUserinfoFail(true)
	status, _, body := do(t, "GET", meURL(s.UserinfoURL(), token, proofOf(token), ""), nil)
	if status != 500 || !strings.HasPrefix(body, `{"error":{`) {
		t.Fatalf("%d %s", status, body)
	}
	s.SetUserinfoFail(false)
	if status, _, _ := do(t, "GET", meURL(s.UserinfoURL(), token, proofOf(token), ""), nil); status != 200 {
		t.Fatalf("after SetUserinfoFail(false): %d", status)
	}
	if n := s.UserinfoRequests(); n != 2 {
		t.Errorf("UserinfoRequests = %d", n)
	}
}

func TestCountersStartAtZero(t *testing.T) {
	s := Start(t, testClient, testSecret)
	login(t, s, "alice")
	if s.TokenRequests()+s.UserinfoRequests()+s.ExchangeRequests()+s.RefreshRequests() != 0 {
		t.Fatal("consent alone counted a request")
	}
}

func TestRouting(t *testing.T) {
	s := Start(t, testClient, testSecret)
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/nope", 404, ""},
		{"GET", "/", 404, ""},
		{"GET", "/oauth/access_token", 405, "POST"},
		{"POST", "/me", 405, "GET"},
		{"DELETE", "/oauth/authorize", 405, "GET, POST"},
		{"POST", "/v25.0/access_token", 405, "GET"},
		{"GET", "/oauth/authorize/?" + authorizeQuery("s").Encode(), 200, ""},
	}
	for _, c := range cases {
		status, h, body := do(t, c.method, s.URL+c.path, nil)
		if status != c.status || h.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q %s", c.method, c.path, status, h.Get("Allow"), body)
		}
		if status >= 404 && !strings.HasPrefix(body, `{"error":{`) {
			t.Errorf("%s %s: not a Graph error: %s", c.method, c.path, body)
		}
	}
}

func TestSetShapeRejectsUnknown(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	New("a", "b").SetShape("xml")
}

func TestDoesNotImportRootPackage(t *testing.T) {
	// The root package's tests import this one; importing it back would be
	// a cycle that only they would notice.
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if imp == "github.com/b4b0c547/caddy-instagram-auth" {
			t.Fatal("instagramtest imports the root package")
		}
	}
}
