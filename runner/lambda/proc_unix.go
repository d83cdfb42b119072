//go:build unix

package lambda

import (
	"os"
	"syscall"
)

// killGroup kills a program started with groupAttr and its process group.
func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
