//go:build unix && !linux

package serveproc

import "syscall"

// ProcAttr, set as an exec.Cmd's SysProcAttr, starts the process in a process
// group of its own, so that killing the group kills its children too. Only
// Linux can kill it when the process that started it dies, so dieWithParent
// does nothing here.
func ProcAttr(dieWithParent bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
