//go:build !linux

package embedded

import "os"

func syncFile(f *os.File) error { return f.Sync() }
