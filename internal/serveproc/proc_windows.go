package serveproc

import (
	"errors"
	"os"
	"syscall"
)

// ProcAttr, set as an exec.Cmd's SysProcAttr, is nothing on Windows: a
// process has no process group to start in, and is not killed when the process
// that started it dies.
func ProcAttr(dieWithParent bool) *syscall.SysProcAttr { return nil }

// Terminate kills a process: Windows has no signal that asks a process to
// stop gracefully.
func Terminate(p *os.Process) error { return p.Kill() }

// dumpStacks cannot be done on Windows, which has no SIGQUIT.
func dumpStacks(p *os.Process) error { return errors.New("no SIGQUIT on windows") }

// killGroup kills the process (on Windows, not the children it started).
func killGroup(p *os.Process) error { return p.Kill() }
