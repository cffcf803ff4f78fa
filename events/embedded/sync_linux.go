package embedded

import (
	"os"
	"syscall"
)

// syncFile makes the file's data durable. fdatasync skips the inode
// timestamp flush that fsync would add; the size change of an append is
// still flushed, which is what recovery needs.
func syncFile(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

// freeBytes is the space an unprivileged writer may still use on the file
// system holding dir (ok false: unknown).
func freeBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * st.Bsize, true
}
