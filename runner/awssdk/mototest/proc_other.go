//go:build !linux

package mototest

import "syscall"

// dieWithParent is nothing outside Linux, which alone has a parent-death
// signal: there, a test binary that is killed leaves its server running.
func dieWithParent() *syscall.SysProcAttr { return nil }
