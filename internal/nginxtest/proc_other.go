//go:build !linux

package nginxtest

import (
	"os"
	"os/exec"
	"syscall"
)

// Elsewhere nginx is signalled as one process; a panicking test may leave
// it running.
func ownProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, hard bool) {
	if hard {
		_ = cmd.Process.Kill()
		return
	}
	_ = cmd.Process.Signal(os.Signal(syscall.SIGTERM))
}
