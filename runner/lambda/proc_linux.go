package lambda

import "syscall"

// groupAttr starts a program in a process group of its own (so that killing
// it kills a shell's children too), and kills it when stepd dies: a program
// whose stepd is gone has no one to report to, and its task runs again when
// the task is adopted.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
