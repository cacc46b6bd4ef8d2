package nginxtest

import (
	"fmt"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strings"
)

// placeholder is {{NAME}} in a site template.
var placeholder = regexp.MustCompile(`\{\{([A-Z0-9_]+)\}\}`)

// listenAddr is the address of each listen directive (and of any comment
// that looks like one, which errs on the safe side).
var listenAddr = regexp.MustCompile(`(?:^|[\s;{])listen\s+([^\s;]+)`)

// fill replaces each {{NAME}} in template with vars[NAME]. A placeholder
// without a value, or a value without a placeholder, is an error: either
// is a template and a test that have drifted apart.
func fill(template string, vars map[string]string) (string, error) {
	var missing []string
	used := map[string]bool{}
	out := placeholder.ReplaceAllStringFunc(template, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		used[name] = true
		return v
	})
	var unused []string
	for name := range vars {
		if !used[name] {
			unused = append(unused, name)
		}
	}
	slices.Sort(unused)
	switch {
	case len(missing) > 0:
		return "", fmt.Errorf("no value for placeholders %v", missing)
	case len(unused) > 0:
		return "", fmt.Errorf("values for no placeholder: %v", unused)
	case strings.Contains(out, "{{"):
		return "", fmt.Errorf("a placeholder is not {{UPPER_CASE}}: %q", out[strings.Index(out, "{{"):])
	}
	return out, nil
}

// loopbackOnly refuses a site template listening anywhere but
// 127.0.0.1:{{NGINX_PORT}}: a test's nginx must not be reachable from the
// network, nor take a port another test may have.
func loopbackOnly(template string) error {
	matches := listenAddr.FindAllStringSubmatch(template, -1)
	if len(matches) == 0 {
		return fmt.Errorf("no listen directive: listen on 127.0.0.1:{{NGINX_PORT}}")
	}
	for _, m := range matches {
		if m[1] != "127.0.0.1:{{NGINX_PORT}}" {
			return fmt.Errorf("listen %s: a test's nginx listens on 127.0.0.1:{{NGINX_PORT}} only", m[1])
		}
	}
	return nil
}

// mainConfig is nginx.conf around the site: every file nginx writes (pid,
// temp files, access log) in dir, so it runs without root and beside
// other instances; the error log goes to stderr, which the harness keeps.
func mainConfig(dir string) (string, error) {
	q := func(name string) string { return fmt.Sprintf("%q", dir+"/"+name) }
	userLine, err := workerUser()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`# Written by nginxtest for one test.
daemon off;
worker_processes 1;
pid %s;
lock_file %s;
error_log stderr info;
%s
events { worker_connections 128; }
http {
    access_log %s;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    include %s;
}
`, q("nginx.pid"), q("nginx.lock"), userLine, q("access.log"), q("tmp/body"), q("tmp/proxy"),
		q("tmp/fastcgi"), q("tmp/uwsgi"), q("tmp/scgi"), q("site.conf")), nil
}

// workerUser keeps the workers as the current user: run as root, nginx
// would otherwise switch them to nobody, who cannot enter the test's
// private temp directory. Other users cannot switch, and nginx warns.
func workerUser() (string, error) {
	if os.Geteuid() != 0 {
		return "", nil
	}
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("user %s %s;", u.Username, g.Name), nil
}
