package embedded

import (
	"os"
	"syscall"
)

// syncFile makes the file's data durable. fdatasync skips the inode
// timestamp flush that fsync would add; the size change of an append is
// still flushed, which is what recovery needs.
func syncFile(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
