package nginxtest

import (
	"strings"
	"testing"
)

func TestFill(t *testing.T) {
	got, err := fill("listen 127.0.0.1:{{NGINX_PORT}}; proxy_pass http://127.0.0.1:{{APP_PORT}}; $host",
		map[string]string{"NGINX_PORT": "8080", "APP_PORT": "9090"})
	if want := "listen 127.0.0.1:8080; proxy_pass http://127.0.0.1:9090; $host"; err != nil || got != want {
		t.Errorf("fill = %q, %v; want %q", got, err, want)
	}
	for _, c := range []struct {
		template string
		vars     map[string]string
		err      string
	}{
		{"{{NGINX_PORT}} {{APP_PORT}}", map[string]string{"NGINX_PORT": "1"}, "APP_PORT"},
		{"{{NGINX_PORT}}", map[string]string{"NGINX_PORT": "1", "APP_PROT": "2"}, "APP_PROT"},
		{"{{NGINX_PORT}} {{app_port}}", map[string]string{"NGINX_PORT": "1"}, "{{app_port}}"},
	} {
		if _, err := fill(c.template, c.vars); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("fill(%q, %v) = %v, want an error naming %s", c.template, c.vars, err, c.err)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	ok := "server {\n  listen 127.0.0.1:{{NGINX_PORT}};\n}\nserver {\n\tlisten 127.0.0.1:{{NGINX_PORT}} default_server;\n}"
	if err := loopbackOnly(ok); err != nil {
		t.Errorf("loopback site refused: %v", err)
	}
	for _, site := range []string{
		"server {\n  listen 8080;\n}",
		"server {\n  listen 127.0.0.1:{{NGINX_PORT}};\n}\nserver {\n  listen 0.0.0.0:{{NGINX_PORT}};\n}",
		"server {\n  listen [::]:{{NGINX_PORT}};\n}",
		"server {\n  listen 127.0.0.10:{{NGINX_PORT}};\n}",
		"server {\n  listen 127.0.0.1:8080;\n}",
		"server { listen {{NGINX_PORT}}; }",
		"server { root /srv;listen 8080; }",
		"server { root /srv; }",
	} {
		if err := loopbackOnly(site); err == nil {
			t.Errorf("accepted %q", site)
		}
	}
}
