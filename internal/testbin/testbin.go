// Package testbin builds the repository's commands for tests that run them
// as child processes.
package testbin

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"testing"
)

// Build compiles the command pkg, a path from the repository root such as
// "./cmd/skyledger", into a fresh temporary directory of tb and returns the
// binary's path. The compiler's output goes to stderr; a failed build
// fails the test.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(tb.TempDir(), path.Base(pkg))
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		tb.Fatalf("testbin: go build %s: %v", pkg, err)
	}
	return bin
}
