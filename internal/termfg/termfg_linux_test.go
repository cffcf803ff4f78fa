//go:build linux

package termfg_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/skyledger/skyledger/internal/termfg"
)

// TestMain doubles as the helper process: with TERMFG_HELPER set it takes
// the foreground, says READY, and exits 0 on the first SIGINT.
func TestMain(m *testing.M) {
	if os.Getenv("TERMFG_HELPER") == "1" {
		restore := termfg.Take()
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		fmt.Println("READY")
		<-ch
		restore()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openPTY opens a pseudo-terminal pair (master, slave path).
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	require.NoError(t, err, "pseudo-terminals")
	t.Cleanup(func() { _ = m.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	return m, "/dev/pts/" + strconv.Itoa(n)
}

// A shell runs the helper as make runs a recipe (same process group, no job
// control). Ctrl-C on the terminal must reach the helper alone: the shell
// survives and reports the helper's exit status 0. Without Take the shell
// would be interrupted too, as make is.
func TestCtrlCReachesTheForegroundTakerAlone(t *testing.T) {
	m, slavePath := openPTY(t)
	slave, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	require.NoError(t, err)
	defer slave.Close()

	sh := exec.Command("/bin/sh", "-c", `"$0" -test.run=^$; echo "HELPER-EXIT $?"; echo SHELL-ALIVE`, os.Args[0])
	sh.Env = append(os.Environ(), "TERMFG_HELPER=1")
	sh.Stdin, sh.Stdout, sh.Stderr = slave, slave, slave
	sh.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, sh.Start())
	t.Cleanup(func() { _ = sh.Process.Kill() })

	// the terminal's output, read in the background (a pty master has no read deadline)
	chunks := make(chan []byte, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			if n > 0 {
				chunks <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				close(chunks)
				return
			}
		}
	}()
	var out bytes.Buffer
	read := func(want string) {
		timeout := time.After(30 * time.Second)
		for !strings.Contains(out.String(), want) {
			select {
			case c, ok := <-chunks:
				require.True(t, ok, "terminal closed while waiting for %q; got %q", want, out.String())
				out.Write(c)
			case <-timeout:
				require.FailNow(t, "timeout", "waiting for %q; got %q", want, out.String())
			}
		}
	}
	read("READY")
	_, err = m.Write([]byte{3}) // Ctrl-C
	require.NoError(t, err)
	read("SHELL-ALIVE")
	require.Contains(t, out.String(), "HELPER-EXIT 0")
	require.NoError(t, sh.Wait())
}
