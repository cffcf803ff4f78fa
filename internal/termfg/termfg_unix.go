//go:build linux || darwin || freebsd

package termfg

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Take moves the process into its own process group and makes that group
// the terminal's foreground, when stdin is a terminal whose foreground is
// the process's current group (started by make from a shell). The returned
// function gives the terminal back; it is a no-op when nothing was taken.
// SIGTTOU is ignored so the hand-back works from a background group.
func Take() (restore func()) {
	fd := int(os.Stdin.Fd())
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != syscall.Getpgrp() || syscall.Getpid() == syscall.Getpgrp() {
		// not a terminal, not in the foreground, or already a group leader
		// (a shell's job): nothing to do
		return func() {}
	}
	signal.Ignore(syscall.SIGTTOU)
	if err := syscall.Setpgid(0, 0); err != nil {
		return func() {}
	}
	if err := setFG(fd, syscall.Getpgrp()); err != nil {
		_ = syscall.Setpgid(0, fg)
		return func() {}
	}
	return func() { _ = setFG(fd, fg) }
}

func setFG(fd, pgrp int) error {
	return unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
}
