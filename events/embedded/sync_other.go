//go:build !linux

package embedded

import "os"

func syncFile(f *os.File) error { return f.Sync() }

// freeBytes is unknown here: preallocation is not capped by free space.
func freeBytes(string) (int64, bool) { return 0, false }
