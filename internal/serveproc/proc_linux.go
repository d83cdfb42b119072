package serveproc

import "syscall"

// ProcAttr, set as an exec.Cmd's SysProcAttr, starts the process in a process
// group of its own, so that killing the group kills its children (command
// functions) too; with dieWithParent, Linux's parent-death signal kills it
// when the process that started it dies.
func ProcAttr(dieWithParent bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if dieWithParent {
		attr.Pdeathsig = syscall.SIGKILL
	}
	return attr
}
