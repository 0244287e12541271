//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/procwait/wait"
	"github.com/procwait/wait/internal/testenv"
)

// The test binary is reapmigrate itself when asMain is set; the tests run it
// as PID 1 of a new PID namespace (clone with CLONE_NEWPID, what `unshare
// --pid --fork` does) and as a subreaper.
const asMain = "WAIT_EXAMPLE_REAPMIGRATE"

func TestMain(m *testing.M) {
	if _, ok := os.LookupEnv(asMain); ok {
		os.Exit(run(os.Stdout))
	}
	os.Exit(m.Run())
}

// TestMigrationExits runs the program where it adopts orphans and checks
// that it exits 0 having verified, line by line: the bytes.Buffer command's
// output and status and cmd.ProcessState; the cancelled CommandContext
// command killed by SIGKILL; the failing command's
// exit status 3 and stderr; Start's error for a missing command; the three
// orphans, each reaped exactly once by Reap with its own exit status (5, 6,
// 7); no owned command in Reap's callback; ReapAll returning nil at the end.
func TestMigrationExits(t *testing.T) {
	for _, placement := range []string{"pid-namespace", "subreaper"} {
		t.Run(placement, func(t *testing.T) {
			exe, err := os.Executable()
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe)
			cmd.Env = append(os.Environ(), asMain+"=1")
			switch placement {
			case "pid-namespace":
				if err := probeNewPID(); err != nil {
					t.Skipf("a new PID namespace is refused here (clone CLONE_NEWPID: %v); the subreaper placement covers the program", err)
				}
				cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
			case "subreaper":
				if emu := testenv.Emulator(); emu != "" {
					t.Skipf("the emulator %s may not emulate a subreaper (qemu-user 7.2 does not)", emu)
				}
				if _, err := wait.IsSubreaper(); err != nil {
					t.Fatalf("IsSubreaper on Linux, which has a child subreaper: %v", err)
				}
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			out := stdout.String()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", ee.ExitCode(), out, stderr.String())
			}
			require.NoError(t, err, "stderr:\n%s", stderr.String())
			for _, want := range []string{
				`ok   buffer: exit status 0, err <nil>, stdout "hello from a buffer\n", stderr "to stderr\n"`,
				"ok   cancelled: signal: killed (shell code 137), err ",
				`ok   failing: exit status 3, err <nil>, stderr "failing on purpose\n"`,
				"ok   missing: Start: ",
				"ok   orphans: the shell exit status 0, err <nil>, left [",
				"ok   ReapAll: <nil> (no child left)",
				"PASS",
			} {
				assert.Contains(t, out, want)
			}
			assert.Equal(t, 3, strings.Count(out, "reaped 1 time(s)"), "orphans reaped exactly once:\n%s", out)
			assert.Equal(t, 4, strings.Count(out, "never reached Reap's callback"), "owned commands checked:\n%s", out)
			assert.NotContains(t, out, "FAIL")
			assert.NotContains(t, out, "note:", "the program must adopt orphans in both placements")
		})
	}
}

// probeNewPID starts /bin/true in a new PID namespace and reaps it.
func probeNewPID() error {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	return cmd.Run()
}
