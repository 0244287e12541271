//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/procwait/wait"
	"github.com/procwait/wait/internal/testenv"
)

// The test binary is init itself when initEnv is set: every test runs it as
// a child, either as PID 1 of a new PID namespace (what `unshare --pid
// --fork` does: clone with CLONE_NEWPID) or, where namespaces are refused, as
// an ordinary process that makes itself a subreaper.
const initEnv = "WAIT_EXAMPLE_INIT"

func TestMain(m *testing.M) {
	if _, ok := os.LookupEnv(initEnv); ok {
		os.Exit(run(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// placements are the two ways init runs in the tests.
var placements = []string{"pid-namespace", "subreaper"}

// initCmd returns a command running init with args as PID 1 of a new PID
// namespace or as a subreaper, skipping the test when that is impossible.
func initCmd(t *testing.T, ctx context.Context, placement string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), initEnv+"=1")
	switch placement {
	case "pid-namespace":
		if err := probeNewPID(); err != nil {
			t.Skipf("a new PID namespace is refused here (clone CLONE_NEWPID: %v); the subreaper placement covers init", err)
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
	return cmd
}

// probeNewPID starts /bin/true in a new PID namespace and reaps it.
func probeNewPID() error {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	return cmd.Run()
}

// exitCodeOf runs cmd to its end and returns its exit code.
func exitCodeOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// TestExitCode: init exits with the command's exit status, 128+N when
// signal N killed it, 127 when the command does not exist and 2 without one.
func TestExitCode(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"exit 3", []string{"/bin/sh", "-c", "exit 3"}, 3},
		{"exit 0", []string{"/bin/sh", "-c", "exit 0"}, 0},
		{"SIGKILL", []string{"/bin/sh", "-c", "kill -KILL $$"}, 128 + 9},
		{"SIGTERM", []string{"/bin/sh", "-c", "kill -TERM $$"}, 128 + 15},
		{"missing", []string{"/nonexistent/command"}, 127},
		{"no command", nil, 2},
	}
	for _, placement := range placements {
		for _, c := range cases {
			t.Run(placement+"/"+c.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := initCmd(t, ctx, placement, c.args...)
				assert.Equal(t, c.want, exitCodeOf(t, cmd))
			})
		}
	}
}

// TestReapsOrphans: the command leaves three orphans (shells started by a
// shell that exits at once), which exit with 5, 6 and 7 while the command
// still runs; each writes its PID to the file $PIDS first. The command exits
// (with 3) only once all three are gone, that is reaped by init (kill -0
// succeeds on a zombie), so the test does not depend on timing. init must reap
// each (its -v log names their statuses) and exit with the command's code.
func TestReapsOrphans(t *testing.T) {
	script := `sh -c 'for c in 5 6 7; do sh -c "echo \$\$ >>\"\$PIDS\"; exit $c" & done'
while [ "$(wc -l <"$PIDS")" -lt 3 ]; do sleep 0.05; done
for p in $(cat "$PIDS"); do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
exit 3`
	re := regexp.MustCompile(`reaped orphan pid (\d+): exit status (\d+)`)
	for _, placement := range placements {
		t.Run(placement, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			pids := filepath.Join(t.TempDir(), "pids")
			require.NoError(t, os.WriteFile(pids, nil, 0o644))
			cmd := initCmd(t, ctx, placement, "-v", "/bin/sh", "-c", script)
			cmd.Env = append(cmd.Env, "PIDS="+pids)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			assert.Equal(t, 3, exitCodeOf(t, cmd), "init's exit code; stderr:\n%s", stderr.String())
			var codes []int
			for _, m := range re.FindAllStringSubmatch(stderr.String(), -1) {
				code, _ := strconv.Atoi(m[2])
				codes = append(codes, code)
			}
			slices.Sort(codes)
			assert.Equal(t, []int{5, 6, 7}, codes, "orphans reaped; stderr:\n%s", stderr.String())
		})
	}
}

// TestForwardsSignals: a SIGTERM sent to init reaches the command, whose trap
// exits 42; a SIGUSR1 reaches it too (its trap prints a line) without ending
// init.
func TestForwardsSignals(t *testing.T) {
	script := `trap 'echo usr1' USR1; trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`
	for _, placement := range placements {
		t.Run(placement, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := initCmd(t, ctx, placement, "/bin/sh", "-c", script)
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(out)
			require.True(t, lines.Scan(), "no output from the command")
			require.Equal(t, "ready", lines.Text())
			require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
			require.True(t, lines.Scan(), "no output after SIGUSR1")
			assert.Equal(t, "usr1", lines.Text())
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			for lines.Scan() {
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 42, ee.ExitCode())
		})
	}
}
