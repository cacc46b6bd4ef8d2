package e2e

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in a process group of its own, so that stopping
// it stops whatever it started too, and has the kernel kill it if the test
// binary dies first (a panic skips TestMain's cleanup).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGTERM (or SIGKILL when hard) to cmd's process group.
func killGroup(cmd *exec.Cmd, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
