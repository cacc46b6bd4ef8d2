package instagramauth

import (
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Behaviour 34's load-time refusals: caddy adapt names the return_hosts
// line and says what is wrong (docs/load-time-checks.md).
func TestReturnHostsRefusedWithTheLine(t *testing.T) {
	const callback = "redirect_uri https://auth.example.com/oauth2/instagram/callback"
	for _, c := range []struct {
		options []string // before return_hosts, each on a line of its own
		hosts   string
		want    string
	}{
		{[]string{"cookie_domain example.com", callback}, "*", "a bare * would allow every host"},
		{[]string{"cookie_domain example.com", callback}, "app.example.com *", "a bare * would allow every host"},
		{[]string{"cookie_domain example.com", callback}, "*.", `"*." needs a domain after it`},
		{[]string{"cookie_domain example.com", callback}, "*.com", "a domain of at least two labels"},
		{[]string{"cookie_domain co.uk", "redirect_uri https://auth.co.uk/cb"}, "*.co.uk", "public suffix"},
		{[]string{"cookie_domain example.com", callback}, "*.*.example.com", `allowed only as a leading "*." label`},
		{[]string{"cookie_domain example.com", callback}, "app.*.example.com", `allowed only as a leading "*." label`},
		{[]string{callback}, "*.example.com", "needs cookie_domain"},
		{[]string{"cookie_domain example.com", callback}, "*.example.org", `outside cookie_domain "example.com"`},
		{[]string{"cookie_domain example.com", callback}, "evil-example.com", "outside cookie_domain"},
		{[]string{"cookie_domain example.com", callback}, "example.com.evil.net", "outside cookie_domain"},
		{[]string{"cookie_domain shop.example.com", "redirect_uri https://auth.shop.example.com/cb"}, "example.com", "outside cookie_domain"},
		{[]string{"cookie_domain example.com", callback}, "https://app.example.com", "no scheme or path"},
		{[]string{"cookie_domain example.com", callback}, "app.example.com/x", "no scheme or path"},
		{[]string{"cookie_domain example.com", callback}, "user@app.example.com", "userinfo"},
		{[]string{"cookie_domain example.com", callback}, "app.example.com:0443", "without leading zeros"},
		{[]string{"cookie_domain example.com", callback}, "app.example.com:99999", "from 1 to 65535"},
		{[]string{"cookie_domain example.com", callback}, "app_1.example.com", "not a host name"},
		{[]string{"cookie_domain example.com"}, "*.example.com", "needs an absolute redirect_uri"},
		{[]string{"cookie_domain example.com", "redirect_uri /oauth2/instagram/callback"}, "*.example.com", "needs an absolute redirect_uri"},
		{[]string{"cookie_domain example.com", "redirect_uri https://auth.example.org/cb"}, "*.example.com", "auth.example.org is not within cookie_domain"},
		{[]string{"cookie_domain example.com", "redirect_uri https://example.com.evil.net/cb"}, "*.example.com", "not within cookie_domain"},
		{[]string{"cookie_domain example.com", "redirect_uri https://auth_1.example.com/cb"}, "*.example.com", "not a host name browsers reach"},
		{[]string{"cookie_domain example.com", "redirect_uri https://auth.example.com:0443/cb"}, "*.example.com", "not a host name browsers reach"},
	} {
		lines := append(append([]string{"client_id 1", "client_secret s"}, c.options...), "return_hosts "+c.hosts)
		cfg := "example.com {\n\tinstagram_auth {\n\t\t" + strings.Join(lines, "\n\t\t") + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
		if err == nil {
			t.Errorf("return_hosts %s with %v: adapted without error", c.hosts, c.options)
			continue
		}
		line := "Caddyfile:" + strconv.Itoa(2+len(lines)) // the return_hosts line
		for _, want := range []string{"return_hosts", c.want, line} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("return_hosts %s with %v: error %q lacks %q", c.hosts, c.options, err, want)
			}
		}
	}
}

// What return_hosts admits loads: exact hosts, *. patterns, ports, IDNA,
// the callback's own host listed or not.
func TestReturnHostsAccepted(t *testing.T) {
	for _, hosts := range []string{
		"*.example.com",
		"example.com *.example.com",
		"app.example.com:8443 shop.example.com",
		"bücher.example.com",
		"auth.example.com",
	} {
		cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\tcookie_domain example.com\n\t\t" +
			"redirect_uri https://auth.example.com/oauth2/instagram/callback\n\t\treturn_hosts " + hosts + "\n\t}\n}\n"
		if _, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil); err != nil {
			t.Errorf("return_hosts %s: %v", hosts, err)
		}
	}
}
