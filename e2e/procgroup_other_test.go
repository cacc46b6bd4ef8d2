//go:build !linux

package e2e

import "os/exec"

// Elsewhere the demo is simply killed; a panicking test may leave it running.
func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
