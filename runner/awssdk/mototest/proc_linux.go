package mototest

import "syscall"

// dieWithParent makes the server die with the test binary (Linux's
// parent-death signal).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
