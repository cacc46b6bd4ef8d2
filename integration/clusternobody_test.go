package integration

// The cluster's Caddy run as an unprivileged user: root, as the tests run
// in CI, reads every folder, so a test of what an unreadable folder does
// must run Caddy as someone whom file permissions stop.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// nobody is the user and group id the cluster's Caddy runs as under root.
const nobody = 65534

// asNobody makes the cluster's Caddy processes run as nobody when the tests
// run as root, through setpriv from util-linux (a user other than root
// runs them as itself, whom permissions stop already). It skips the test
// when it cannot. Call it before the first node.
func (c *cluster) asNobody() {
	t := c.t
	if os.Geteuid() != 0 {
		return
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root, who reads every folder, and setpriv (util-linux) is not installed to run Caddy as an unprivileged user")
	}
	c.runAs = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
	// os.MkdirTemp makes 0700 folders: nobody must reach the binary in
	// the shared build folder, and own the cluster's folder (storage,
	// logs, HOME).
	must(t, os.Chmod(filepath.Dir(c.bin), 0o755))
	must(t, os.Chown(c.dir, nobody, nobody))
}

// mkdirAsCaddy makes dir and its missing parents as Caddy would have made
// them: owned by the user it runs as.
func (c *cluster) mkdirAsCaddy(dir string) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	must(c.t, os.MkdirAll(dir, 0o700))
	if c.runAs != nil {
		for _, d := range missing {
			must(c.t, os.Chown(d, nobody, nobody))
		}
	}
}

// unreadable makes dir a folder that Caddy's user cannot open.
func (c *cluster) unreadable(dir string) {
	c.mkdirAsCaddy(dir)
	must(c.t, os.Chmod(dir, 0))
}

// checkUser fails the test unless the node's Caddy runs as the cluster's
// user (its real, effective, saved and file-system ids): run as root, it
// would read the folders a test made unreadable, and the test would prove
// nothing.
func (n *node) checkUser() {
	t := n.c.t
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	must(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if ids, ok := strings.CutPrefix(line, "Uid:"); ok {
			for _, id := range strings.Fields(ids) {
				if id != strconv.Itoa(nobody) {
					t.Fatalf("%s runs as uid %s, want %d (%s)", n.name, strings.Join(strings.Fields(ids), " "), nobody, n.c.runAs[0])
				}
			}
			return
		}
	}
	t.Fatalf("%s: no Uid in /proc/%d/status", n.name, n.cmd.Process.Pid)
}
