package nginxtest

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts nginx in a process group of its own, for stop to
// reach its workers too, and has the kernel send the master SIGTERM if the
// test binary dies first: SIGTERM, not SIGKILL, so that the master takes
// its workers down instead of leaving them holding the port.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// signalGroup sends SIGTERM (SIGKILL when hard) to nginx's process group.
func signalGroup(cmd *exec.Cmd, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
