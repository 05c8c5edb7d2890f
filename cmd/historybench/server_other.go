//go:build !linux

package main

import "os/exec"

// dieWithParent has no portable equivalent outside Linux; there the servers are stopped by the
// deferred stops and the interrupt handler only.
func dieWithParent(*exec.Cmd) {}
