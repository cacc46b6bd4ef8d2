package integration

// The multi-process harness: real Caddy processes (the dev build of
// cmd/caddy, built once per test run), each with its own Caddyfile and
// ports, sharing one `storage file_system` folder, in front of one
// upstream, logging in against the mock Instagram. A test plays the load
// balancer: every request carries the same Host, whichever instance gets it.

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

const clusterHost = "cluster.test"

// devCaddy is the development Caddy: the standard modules, the plugin and
// the mock Instagram.
const devCaddy = "github.com/b4b0c547/caddy-instagram-auth/cmd/caddy"

var clusterBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// caddyBinary builds the dev Caddy once per test run; TestMain removes it.
func caddyBinary(t *testing.T) string {
	t.Helper()
	b := &clusterBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "instagram-auth-cluster-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "caddy")
		out, err := exec.Command("go", "build", "-o", b.path, devCaddy).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", devCaddy, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func removeCaddyBinary() {
	if clusterBinary.dir != "" {
		_ = os.RemoveAll(clusterBinary.dir)
	}
}

// cluster is a set of Caddy processes sharing storage.
type cluster struct {
	t       *testing.T
	bin     string
	dir     string // storage, configs and logs
	storage string
	ig      *instagramtest.Server
	up      *upstream
	client  *http.Client
	options string   // more lines for every node's instagram_auth block
	runAs   []string // a command that runs Caddy as another user (asNobody), or none
}

func newCluster(t *testing.T) *cluster {
	dir, err := os.MkdirTemp("", "instagram-auth-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{
		t:       t,
		bin:     caddyBinary(t),
		dir:     dir,
		storage: filepath.Join(dir, "storage"),
		ig:      instagramtest.Start(t, testID, testSecret),
		up:      startUpstream(t),
		client: &http.Client{
			Timeout:       15 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster files kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return c
}

// node is one Caddy process of the cluster.
type node struct {
	c                 *cluster
	name              string
	port, admin       int
	config, log, errs string
	cmd               *exec.Cmd
	exited            chan struct{}
}

// node starts a Caddy process and waits until it answers.
func (c *cluster) node(name string) *node {
	return c.nodesAtOnce(name)[0]
}

// nodesAtOnce starts a Caddy process for each name, all before waiting
// for any, so that they start together (and race for what storage holds).
func (c *cluster) nodesAtOnce(names ...string) []*node {
	var nodes []*node
	for _, name := range names {
		n := &node{c: c, name: name, port: freePort(c.t), admin: freePort(c.t),
			config: filepath.Join(c.dir, name+".Caddyfile"), log: filepath.Join(c.dir, name+".log"),
			errs: filepath.Join(c.dir, name+".stderr")}
		n.writeConfig("5s")
		n.launch()
		c.t.Cleanup(n.stop)
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		n.waitReady()
	}
	return nodes
}

// writeConfig writes the node's Caddyfile; timeout is the one option a
// reload changes.
func (n *node) writeConfig(timeout string) {
	c := n.c
	cfg := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	auto_https off
	default_bind 127.0.0.1
	grace_period 1s
	storage file_system %q
	log {
		output file %q
		format json
		level DEBUG
		exclude http.handlers.reverse_proxy http.log.access
	}
}

http://:%d {
	instagram_auth {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		userinfo_url %s
		long_lived_token %s
		insecure_cookies
		login_rate_limit off
		timeout %s
		%s
	}
	reverse_proxy %s
}
`, n.admin, c.storage, n.log, n.port, testID, testSecret, c.ig.AuthorizeURL(), c.ig.TokenURL(),
		c.ig.UserinfoURL(), c.ig.ExchangeURL(), timeout, c.options, strings.TrimPrefix(c.up.URL, "http://"))
	must(c.t, os.WriteFile(n.config, []byte(cfg), 0o600))
	if c.runAs != nil {
		must(c.t, os.Chown(n.config, nobody, nobody)) // Caddy reads it as nobody
	}
}

// start runs the node's Caddy and waits until it answers.
func (n *node) start() {
	n.launch()
	n.waitReady()
}

func (n *node) launch() {
	t := n.c.t
	errs, err := os.OpenFile(n.errs, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	must(t, err)
	defer errs.Close()
	argv := append(slices.Clone(n.c.runAs), n.c.bin, "run", "--adapter", "caddyfile", "--config", n.config)
	n.cmd = exec.Command(argv[0], argv[1:]...) // setpriv execs Caddy: the pid, and SIGTERM, are Caddy's
	n.cmd.Env = append(os.Environ(), "HOME="+n.c.dir, "XDG_DATA_HOME="+n.c.dir+"/xdg", "XDG_CONFIG_HOME="+n.c.dir+"/xdg")
	n.cmd.Stdout, n.cmd.Stderr = errs, errs
	must(t, n.cmd.Start())
	n.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(n.cmd, n.exited)
}

func (n *node) waitReady() {
	t := n.c.t
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := n.request(http.MethodGet, "/", "")
		if err == nil {
			resp.Body.Close()
			if n.c.runAs != nil {
				n.checkUser()
			}
			return
		}
		select {
		case <-n.exited:
			t.Fatalf("%s exited at start:\n%s", n.name, readFile(n.errs))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer: %v\n%s", n.name, err, readFile(n.errs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process as a service manager would (SIGTERM: Caddy cleans
// its modules up), killing it if it takes more than 10 s.
func (n *node) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.exited
		n.c.t.Errorf("%s took over 10 s to stop", n.name)
	}
}

// reload runs `caddy reload` with the node's Caddyfile rewritten.
func (n *node) reload(timeout string) {
	n.writeConfig(timeout)
	out, err := exec.Command(n.c.bin, "reload", "--adapter", "caddyfile", "--config", n.config,
		"--address", fmt.Sprintf("127.0.0.1:%d", n.admin)).CombinedOutput()
	if err != nil {
		n.c.t.Fatalf("caddy reload %s: %v\n%s", n.name, err, out)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
