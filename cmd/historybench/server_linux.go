package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server get SIGTERM if this process dies without stopping it (killed,
// or a closed pipe on its output), so that no server is left running on a benchmark folder.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
