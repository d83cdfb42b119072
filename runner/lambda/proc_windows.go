package lambda

import (
	"os"
	"syscall"
)

// groupAttr is nothing on Windows: a program has no process group to start
// in, and is not killed when stepd dies.
func groupAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the program (on Windows, not the children it started).
func killGroup(p *os.Process) error { return p.Kill() }
