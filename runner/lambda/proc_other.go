//go:build unix && !linux

package lambda

import "syscall"

// groupAttr starts a program in a process group of its own (so that killing
// it kills a shell's children too). Only Linux can kill it when stepd dies.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
