package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What a user sees from `caddy adapt` and `caddy validate` (and so from
// `caddy run`, which does both) with the development Caddy: warnings of
// the load, each naming the site and the line, and behaviour 27's line
// naming the site it is for.
func TestCaddyCommandsWarnAtLoad(t *testing.T) {
	bin := caddyBinary(t)
	dir := t.TempDir()
	// Two sites on localhost with the default cookie name; the second has
	// a session_idle the lifetime makes useless.
	caddyfile := `{
	storage file_system ` + filepath.Join(dir, "storage") + `
}

http://localhost:8080 {
	instagram_auth {
		client_id 1
		client_secret s
		insecure_cookies
	}
	respond "shop"
}

http://localhost:8081 {
	instagram_auth {
		client_id 1
		client_secret s
		insecure_cookies
		session_idle 48h
	}
	respond "admin"
}
`
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("caddy %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	adapted := run("adapt", "--config", file)
	shared := lineWith(adapted, "set the same cookie")
	for _, want := range []string{`"level":"warn"`, "http://localhost:8080 (instagram_auth at " + file + ":6)",
		"http://localhost:8081 (at " + file + ":15)", "_instagram_auth", "cookie_name", `"line":15`} {
		if !strings.Contains(shared, want) {
			t.Errorf("caddy adapt: the shared cookie warning lacks %q:\n%s", want, adapted)
		}
	}

	validated := run("validate", "--config", file)
	idle := lineWith(validated, "session_idle is not shorter than session_lifetime")
	for _, want := range []string{`"level":"warn"`, `"site":"http://localhost:8081"`, `"session_idle":"48h"`, `"session_lifetime":"24h"`} {
		if !strings.Contains(idle, want) {
			t.Errorf("caddy validate: the session_idle warning lacks %s:\n%s", want, validated)
		}
	}
	startup := strings.Join(linesWith(validated, startupMessage), "\n")
	for _, site := range []string{"http://localhost:8080", "http://localhost:8081"} {
		if !strings.Contains(startup, `"site":"`+site+`"`) {
			t.Errorf("caddy validate: no start-up line names %s:\n%s", site, validated)
		}
	}
}

// linesWith returns the lines of out that contain s.
func linesWith(out, s string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			lines = append(lines, l)
		}
	}
	return lines
}

// lineWith returns the one line of out that contains s, or "".
func lineWith(out, s string) string {
	if lines := linesWith(out, s); len(lines) == 1 {
		return lines[0]
	}
	return ""
}
