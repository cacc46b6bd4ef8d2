package nginxtest_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/nginxtest"
)

const echoSite = `server {
    listen 127.0.0.1:{{NGINX_PORT}};
    location / { return 200 "{{GREETING}} $http_host"; }
}`

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// Two at once: each has its own port, pid file and temp paths.
func TestStartServesTheSite(t *testing.T) {
	a := nginxtest.Start(t, echoSite, map[string]string{"GREETING": "hello"})
	b := nginxtest.Start(t, echoSite, map[string]string{"GREETING": "bonjour"})
	if got, want := get(t, a.URL+"/"), "hello 127.0.0.1:"+strconv.Itoa(a.Port); got != want {
		t.Errorf("a answered %q, want %q", got, want)
	}
	if got, want := get(t, b.URL+"/"), "bonjour 127.0.0.1:"+strconv.Itoa(b.Port); got != want {
		t.Errorf("b answered %q, want %q", got, want)
	}
	if !strings.Contains(a.ErrorLog(), "start worker process") {
		t.Errorf("error log without nginx's start-up notices:\n%s", a.ErrorLog())
	}
}

func TestCleanupStopsNginx(t *testing.T) {
	var port int
	t.Run("running", func(t *testing.T) {
		port = nginxtest.Start(t, echoSite, map[string]string{"GREETING": "hi"}).Port
	})
	if conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		conn.Close()
		t.Errorf("port %d still answers after the test ended", port)
	}
}

// fatal records Fatalf and ends only its goroutine; the rest is t.
type fatal struct {
	testing.TB
	msg string
}

func (f *fatal) Helper() {}

func (f *fatal) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func startFailure(t *testing.T, site string) string {
	f := &fatal{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nginxtest.Start(f, site, nil)
	}()
	<-done
	return f.msg
}

func TestStartReportsWhyNginxDidNotStart(t *testing.T) {
	for site, want := range map[string]string{
		"server { listen 127.0.0.1:{{NGINX_PORT}}; bogus_directive on; }": `unknown directive "bogus_directive"`,
		"server { listen 80; }":                                      "127.0.0.1:{{NGINX_PORT}} only",
		"server { listen 127.0.0.1:8080; }":                          "127.0.0.1:{{NGINX_PORT}} only",
		"server { listen 127.0.0.1:{{NGINX_PORT}}; root {{ROOT}}; }": "ROOT",
	} {
		if got := startFailure(t, site); !strings.Contains(got, want) {
			t.Errorf("%s: failed with %q, want it to say %q", site, got, want)
		}
	}
}
