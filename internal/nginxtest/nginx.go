// Package nginxtest runs Debian's nginx as a child process for one test,
// in front of the test's own servers, so tests prove recipes with an
// nginx we did not write. It is test tooling: only _test.go files import it.
package nginxtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// debianNginx is where Debian's nginx package puts the binary.
	debianNginx = "/usr/sbin/nginx"
	// startTimeout bounds the wait for a new nginx to answer.
	startTimeout = 10 * time.Second
	// stopTimeout is how long nginx gets to stop before it is killed.
	stopTimeout = 10 * time.Second
	// attempts bounds the retries when another process takes the free
	// port between choosing it and nginx binding it.
	attempts = 3
)

// errPortTaken is a start that failed only because the port was taken.
var errPortTaken = errors.New("port taken")

// Server is a running nginx.
type Server struct {
	URL  string // http://127.0.0.1:Port
	Port int

	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start runs nginx with site, the text of an http-context configuration
// (server blocks) whose {{NGINX_PORT}} is replaced by the free port nginx
// listens on and every other {{NAME}} by vars[NAME]. It returns once nginx
// answers; t's cleanup stops it, and shows its error log if t failed.
// Without nginx, t skips naming Debian's package, or fails if
// E2E_REQUIRE_NGINX=1.
func Start(t testing.TB, site string, vars map[string]string) *Server {
	t.Helper()
	bin := findNginx(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf, err := mainConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for range attempts {
		s, err := launch(t, bin, dir, site, vars)
		if errors.Is(err, errPortTaken) {
			continue
		}
		if err != nil {
			t.Fatalf("nginx: %v", err)
		}
		t.Cleanup(func() {
			s.stop(t)
			if t.Failed() {
				t.Logf("nginx error log:\n%s", s.ErrorLog())
			}
		})
		return s
	}
	t.Fatalf("nginx: the port was taken %d times in a row", attempts)
	return nil
}

// ErrorLog is what nginx has logged so far: its stderr, where the
// configuration sends the error log.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
	return string(b)
}

// launch writes site for a free port and starts nginx on it.
func launch(t testing.TB, bin, dir, site string, vars map[string]string) (*Server, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	all := map[string]string{"NGINX_PORT": strconv.Itoa(port)}
	for k, v := range vars {
		all[k] = v
	}
	if err := loopbackOnly(site); err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	text, err := fill(site, all)
	if err != nil {
		return nil, fmt.Errorf("site: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte(text), 0o600); err != nil {
		return nil, err
	}
	stderr, err := os.Create(filepath.Join(dir, "error.log"))
	if err != nil {
		return nil, err
	}
	defer stderr.Close() // nginx has its own copy
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, dir: dir, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"))
	s.cmd.Stdout, s.cmd.Stderr = stderr, stderr
	ownProcessGroup(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitAnswer(); err != nil {
		s.stop(t)
		if strings.Contains(s.ErrorLog(), "Address already in use") {
			return nil, errPortTaken
		}
		return nil, fmt.Errorf("%w\n%s", err, s.ErrorLog())
	}
	return s, nil
}

// waitAnswer waits until nginx answers a request. The request has no Host
// header, so nginx itself answers 400 before any location (and any of the
// test's servers behind it) is involved.
func (s *Server) waitAnswer() error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("exited at start: %v", s.cmd.ProcessState)
		default:
		}
		if answers(s.Port) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no answer on port %d within %v", s.Port, startTimeout)
}

func answers(port int) bool {
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "HTTP/")
}

// stop asks nginx to stop (SIGTERM: fast shutdown, workers included) and
// kills its process group if it has not within stopTimeout.
func (s *Server) stop(t testing.TB) {
	t.Helper()
	signalGroup(s.cmd, false)
	select {
	case <-s.exited:
		return
	case <-time.After(stopTimeout):
	}
	t.Errorf("nginx did not stop within %v: killed", stopTimeout)
	signalGroup(s.cmd, true)
	<-s.exited
}

// freePort is a port nothing listens on now, for nginx to take.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func findNginx(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(debianNginx); err == nil {
		return debianNginx
	}
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin
	}
	if os.Getenv("E2E_REQUIRE_NGINX") == "1" {
		t.Fatalf("E2E_REQUIRE_NGINX=1 but nginx is not installed: apt install nginx")
	}
	t.Skipf("nginx is not installed: apt install nginx (Debian's package nginx); set E2E_REQUIRE_NGINX=1 to fail instead")
	return ""
}
