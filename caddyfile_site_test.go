package instagramauth

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Tests of where the directive may stand in a Caddyfile: at the top level
// of the site, once per callback path.

func adapt(src string) error {
	// As caddy adapt, validate and run read it: from a file on disk.
	dir, err := os.MkdirTemp("", "caddyfile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		return err
	}
	_, _, err = caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": file})
	return err
}

const minimalBlock = "{\n\t\tclient_id 1\n\t\tclient_secret s\n\t}"

// Inside handle, route or any other block, requests for the callback and
// logout paths would never reach the directive, and the other routes would
// pass the client's identity headers on: refused, with the line.
func TestDirectiveInsideABlockRefused(t *testing.T) {
	for name, site := range map[string]string{
		"handle":       "http://localhost {\n\thandle /admin/* {\n\t\tinstagram_auth " + minimalBlock + "\n\t\treverse_proxy 127.0.0.1:9\n\t}\n}\n",
		"route":        "http://localhost {\n\troute {\n\t\tinstagram_auth " + minimalBlock + "\n\t\treverse_proxy 127.0.0.1:9\n\t}\n}\n",
		"handle_path":  "http://localhost {\n\thandle_path /admin/* {\n\t\tinstagram_auth " + minimalBlock + "\n\t}\n}\n",
		"named route":  "&(app) {\n\tinstagram_auth " + minimalBlock + "\n}\nhttp://localhost {\n\tinvoke app\n}\n",
		"nested twice": "http://localhost {\n\thandle {\n\t\troute /x {\n\t\t\tinstagram_auth " + minimalBlock + "\n\t\t}\n\t}\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			err := adapt(site)
			if err == nil {
				t.Fatal("adapted without error")
			}
			msg := err.Error()
			line := fmt.Sprintf("Caddyfile:%d", 1+strings.Count(site[:strings.Index(site, "instagram_auth")], "\n"))
			for _, want := range []string{"top level", "instagram_auth /admin* {", line} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			// The plugin names the directive's line, once, first. Caddy
			// adds the line where each enclosing block ends, as it does
			// for any error inside a block (docs/load-time-checks.md).
			named := regexp.MustCompile(`Caddyfile:(\d+)`).FindAllStringSubmatch(msg, -1)
			if len(named) == 0 || "Caddyfile:"+named[0][1] != line {
				t.Fatalf("error %q does not name %s first", msg, line)
			}
			src := strings.Split(site, "\n")
			for _, n := range named[1:] {
				i, _ := strconv.Atoi(n[1])
				if i < 1 || i > len(src) || strings.TrimSpace(src[i-1]) != "}" {
					t.Errorf("error %q names line %d, which ends no block", msg, i)
				}
			}
		})
	}
	// What the error advises adapts.
	if err := adapt("http://localhost {\n\tinstagram_auth /admin* " + minimalBlock + "\n\thandle /admin/* {\n\t\treverse_proxy 127.0.0.1:9\n\t}\n}\n"); err != nil {
		t.Errorf("top level with a matcher: %v", err)
	}
	// A snippet imported at the top level is the top level.
	if err := adapt("(auth) {\n\tinstagram_auth " + minimalBlock + "\n}\nhttp://localhost {\n\timport auth\n}\n"); err != nil {
		t.Errorf("imported snippet: %v", err)
	}
	// One snippet imported by two sites: each its own site, with the same
	// paths (as two sites may have), each named by its own addresses.
	twoSites := "(auth) {\n\tinstagram_auth " + minimalBlock + "\n}\n\nhttp://localhost:8001 {\n\timport auth\n}\n\nhttp://localhost:8002 {\n\timport auth\n}\n"
	if err := adapt(twoSites); err != nil {
		t.Errorf("a snippet imported by two sites: %v", err)
	} else if got := sortedSites(adaptSites(t, twoSites, true)); len(got) != 2 || got[0]+" "+got[1] != "http://localhost:8001 http://localhost:8002" {
		t.Errorf("a snippet imported by two sites: sites %q", got)
	}
}

// Two directives of one site with the same callback path: the first would
// serve every callback, judging the second's users by its allow_users.
// Refused at the line of the second. Two sites may use the same path.
func TestSameCallbackTwiceInASite(t *testing.T) {
	second := "\tinstagram_auth /team* {\n\t\tclient_id 2\n\t\tclient_secret t\n\t\tredirect_uri %s\n\t}\n"
	for _, redirect := range []string{defaultRedirectPath, "https://site.example" + defaultRedirectPath} {
		site := "http://localhost {\n\tinstagram_auth /admin* " + minimalBlock + "\n" + fmt.Sprintf(second, redirect) + "}\n"
		err := adapt(site)
		if err == nil {
			t.Fatalf("redirect_uri %s twice: adapted without error", redirect)
		}
		for _, want := range []string{"redirect_uri", defaultRedirectPath, "directive at ", "Caddyfile:2", "Caddyfile:6"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	}
	own := "http://localhost {\n\tinstagram_auth /admin* " + minimalBlock + "\n" + fmt.Sprintf(second, "/oauth2/instagram/team-callback") + "}\n"
	if err := adapt(own); err != nil {
		t.Errorf("each with its own callback: %v", err)
	}
	twoSites := "http://localhost:8001 {\n\tinstagram_auth " + minimalBlock + "\n}\nhttp://localhost:8002 {\n\tinstagram_auth " + minimalBlock + "\n}\n"
	if err := adapt(twoSites); err != nil {
		t.Errorf("two sites, one path each: %v", err)
	}
	// One site block with several addresses is one site.
	oneBlock := "http://a.localhost, http://b.localhost {\n\tinstagram_auth /x* " + minimalBlock + "\n\tinstagram_auth /y* " + minimalBlock + "\n}\n"
	if err := adapt(oneBlock); err == nil || !strings.Contains(err.Error(), "Caddyfile:6") {
		t.Errorf("one block of two addresses: %v, want the second directive refused", err)
	}
}

// The site of a directive is read from the Caddyfile on disk with Caddy's
// own parser. A Caddyfile that is not on disk (posted to the admin API) is
// not checked, nor is one whose file on disk differs from what is adapted:
// a good config is never refused for it.
func TestSameCallbackCheckNeedsTheFile(t *testing.T) {
	second := "\tinstagram_auth /team* {\n\t\tclient_id 2\n\t\tclient_secret t\n\t}\n"
	twice := "http://localhost {\n\tinstagram_auth /admin* " + minimalBlock + "\n" + second + "}\n"
	adapter := caddyconfig.GetAdapter("caddyfile")
	if _, _, err := adapter.Adapt([]byte(twice), map[string]any{"filename": "/nonexistent/Caddyfile"}); err != nil {
		t.Errorf("a Caddyfile not on disk was checked: %v", err)
	}
	stale := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(stale, []byte("http://localhost {\n\trespond ok\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := adapter.Adapt([]byte(twice), map[string]any{"filename": stale}); err != nil {
		t.Errorf("a file on disk that differs from the adapted text was used: %v", err)
	}
}

// Directives with their own cookies cannot share a logout path: the first
// would clear only its own cookie, and the second's user would stay logged
// in after logging out. With the same cookie, one logout serves both.
func TestSharedLogoutPathNeedsSharedCookie(t *testing.T) {
	site := "http://localhost {\n\tinstagram_auth /admin* " + minimalBlock + "\n" +
		"\tinstagram_auth /team* {\n\t\tclient_id 2\n\t\tclient_secret t\n\t\tredirect_uri /team/cb\n%s\t}\n}\n"
	err := adapt(fmt.Sprintf(site, "\t\tcookie_name team_auth\n"))
	if err == nil || !strings.Contains(err.Error(), "logout_path") || !strings.Contains(err.Error(), "Caddyfile:6") {
		t.Errorf("own cookie, shared logout path: %v, want logout_path refused at line 6", err)
	}
	if err := adapt(fmt.Sprintf(site, "\t\tcookie_name team_auth\n\t\tlogout_path /team/logout\n")); err != nil {
		t.Errorf("own cookie, own logout path: %v", err)
	}
	if err := adapt(fmt.Sprintf(site, "")); err != nil {
		t.Errorf("same cookie, shared logout path: %v", err)
	}
}

// adaptSites adapts src as caddy adapt reads it, from a file on disk, and
// returns the handlers' "site" values in the order of the JSON.
// sortedSites spells each directive's site as one string, sorted: the
// adapted JSON holds the servers in a map, so they come in any order.
func sortedSites(sites [][]string) []string {
	out := make([]string, len(sites))
	for i, s := range sites {
		out[i] = strings.Join(s, ", ")
	}
	slices.Sort(out)
	return out
}

func adaptSites(t *testing.T, src string, onDisk bool) [][]string {
	t.Helper()
	file := "/nonexistent/Caddyfile"
	if onDisk {
		file = filepath.Join(t.TempDir(), "Caddyfile")
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": file})
	if err != nil {
		t.Fatal(err)
	}
	var sites [][]string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["handler"] == "instagram_auth" {
				var site []string
				raw, _ := json.Marshal(v["site"])
				_ = json.Unmarshal(raw, &site)
				sites = append(sites, site)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	var cfg any
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	walk(cfg)
	return sites
}

// The adapter writes the addresses of the directive's site block into
// "site", as the Caddyfile spells them, so the start-up line can say which
// site it is for. A Caddyfile not on disk gives none.
func TestAdapterNamesTheSite(t *testing.T) {
	src := "http://localhost:8080, http://127.0.0.1:8080 {\n\tinstagram_auth " + minimalBlock + "\n}\n"
	got := adaptSites(t, src, true)
	if len(got) != 1 || strings.Join(got[0], " ") != "http://localhost:8080 http://127.0.0.1:8080" {
		t.Errorf("site = %q, want the block's two addresses", got)
	}
	if got := adaptSites(t, src, false); len(got) != 1 || got[0] != nil {
		t.Errorf("not on disk: site = %q, want none", got)
	}
}
