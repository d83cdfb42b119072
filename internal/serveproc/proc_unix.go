//go:build unix

package serveproc

import (
	"os"
	"syscall"
)

// Terminate asks a process to stop gracefully (SIGTERM).
func Terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// dumpStacks makes a Go process write every goroutine's stack to its output
// (SIGQUIT), which says where it hangs.
func dumpStacks(p *os.Process) error { return p.Signal(syscall.SIGQUIT) }

// killGroup kills a process started with ProcAttr and its process group.
func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
