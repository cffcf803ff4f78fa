// Package testfs gives tests a real small file system to fill: a tmpfs of a
// given size, for disk-full fault injection.
package testfs

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inNamespace marks the re-executed test binary (see Tmpfs).
const inNamespace = "SKYLEDGER_TESTFS_USERNS"

// Tmpfs mounts a tmpfs of size (mount(8) syntax: "1m") on a fresh directory
// and returns it with ok true; the caller runs its test there. Mounting
// needs root. As root (CI) it mounts in place. Otherwise it runs this very
// test again in a new user and mount namespace where the test binary is root
// (unshare --map-root-user), requires that run to pass, and returns ok
// false: the caller returns at once, its assertions having run in the child.
// The test never goes unrun.
func Tmpfs(t *testing.T, size string) (dir string, ok bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		require.Empty(t, os.Getenv(inNamespace), "root in the new user namespace")
		cmd := exec.Command("unshare", "--user", "--map-root-user", "--mount",
			os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), inNamespace+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s as root of a user namespace (needs unshare and unprivileged user namespaces):\n%s", t.Name(), out)
		t.Logf("ran as root of a user namespace:\n%s", out)
		return "", false
	}
	dir = t.TempDir()
	require.NoError(t, syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"), "mount a %s tmpfs on %s", size, dir)
	// Lazy: the mount goes even if something still holds a file; before
	// TempDir's removal (cleanups run last-in first-out).
	t.Cleanup(func() { assert.NoError(t, syscall.Unmount(dir, syscall.MNT_DETACH)) })
	return dir, true
}
