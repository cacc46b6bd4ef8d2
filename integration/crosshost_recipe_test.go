package integration

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The recipe of docs/identity-and-proxies.md ("One login for many
// subdomains"), as written, in a real Caddy: only what a test machine
// cannot have is changed — example.com becomes example.test on Caddy's
// internal CA and the harness's HTTPS port, the endpoints are the mock's,
// the apps the harness's upstream.
func TestCrossHostRecipe(t *testing.T) {
	h := newHarness(t)
	recipe := docsSnippet(t, "identity-and-proxies.md", "## One login for many subdomains")
	t.Setenv("INSTAGRAM_CLIENT_ID", testID)
	t.Setenv("INSTAGRAM_CLIENT_SECRET", testSecret)
	site := strings.ReplaceAll(recipe, "example.com", "example.test")
	first, rest, _ := strings.Cut(site, "\n")
	var addrs []string
	for a := range strings.SplitSeq(strings.TrimSuffix(first, " {"), ", ") {
		addrs = append(addrs, "https://"+a+":9443")
	}
	site = strings.Join(addrs, ", ") + " {\n\ttls internal\n" + rest
	site = strings.Replace(site, "https://auth.example.test/", "https://auth.example.test:9443/", 1)
	site = strings.Replace(site, "instagram_auth {", fmt.Sprintf("instagram_auth {\n\t\tauthorize_url %s\n\t\ttoken_url %s\n\t\tuserinfo_url %s\n\t\tlong_lived_token %s",
		h.ig.AuthorizeURL(), h.ig.TokenURL(), h.ig.UserinfoURL(), h.ig.ExchangeURL()), 1)
	site = regexp.MustCompile(`127\.0\.0\.1:300[0-9]`).ReplaceAllString(site, strings.TrimPrefix(h.up.URL, "http://"))
	if strings.Count(site, ":9443") != 4 || !strings.Contains(site, "redirect_uri "+crossCallback) {
		t.Fatalf("the recipe no longer has the shape this test adapts:\n%s", site)
	}
	global := h.globalOptions()
	h.load(global + "\n" + site)

	shop, admin := "https://shop.example.test:9443", "https://admin.example.test:9443"
	c := h.crossBrowser(t, shop)
	h.crossLogin(c, shop+"/cart?item=42", "fay", shop+"/cart?item=42")
	if user := h.userAt(c, admin); user != "fay" {
		t.Errorf("admin after the shop's login: upstream saw %q, want fay", user)
	}
	h.do(c, http.MethodGet, admin+"/oauth2/instagram/logout", nil, "Accept", "text/html")
	if user := h.userAt(c, shop); user != "" {
		t.Errorf("shop after logout on admin: upstream saw %q, want no session", user)
	}
}

// docsSnippet is the first caddyfile block after heading in a document of
// docs/.
func docsSnippet(t *testing.T, file, heading string) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(repoRoot, "docs", file))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(md), "\n"+heading+"\n")
	_, block, ok2 := strings.Cut(after, "```caddyfile\n")
	block, _, ok3 := strings.Cut(block, "\n```")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("docs/%s: no caddyfile block after %q", file, heading)
	}
	return block + "\n"
}
