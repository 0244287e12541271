//go:build linux

package wait

import (
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// pidfdGroupKernel is the first Linux release with PIDFD_SIGNAL_PROCESS_GROUP.
var pidfdGroupKernel = [2]int{6, 9}

// signalGroupPaths are SignalGroup's three ways to a group on Linux: the
// pidfd with PIDFD_SIGNAL_PROCESS_GROUP, kill(-pgid) from a pidfd Handle
// (as on kernels before 6.9), and kill(-pgid) from a SIGCHLD Handle.
func signalGroupPaths() []handleBackend {
	return []handleBackend{
		{"pidfd", func(t *testing.T) {
			requirePidfd(t)
			hForce(t, false)
			if !pidfdGroupSignalWorks() {
				missingFeature(t, pidfdGroupKernel, "the PIDFD_SIGNAL_PROCESS_GROUP probe failed")
			}
			sgForceKill(t, false)
		}},
		{"pidfd-kill", func(t *testing.T) {
			requirePidfd(t)
			hForce(t, false)
			sgForceKill(t, true)
		}},
		{"sigchld", func(t *testing.T) {
			hForce(t, true)
			sgForceKill(t, false)
		}},
	}
}

// sgForceKill makes SignalGroup use kill(-pgid) even where the pidfd flag
// works (on), or the production choice (off), until the test ends.
func sgForceKill(t *testing.T, on bool) {
	old := pidfdGroupSignalUsable
	if on {
		pidfdGroupSignalUsable = func() bool { return false }
	} else {
		pidfdGroupSignalUsable = pidfdGroupSignalWorks
	}
	t.Cleanup(func() { pidfdGroupSignalUsable = old })
}

// TestSignalGroup signals the group of a shell started with Setpgid whose
// own child (a grandchild of the test, in the shell's group) holds the
// shell's stdout. The read end of that pipe reaching EOF proves that the
// grandchild died as well; h.Wait shows the shell killed by SIGTERM.
func TestSignalGroup(t *testing.T) {
	for _, p := range signalGroupPaths() {
		t.Run(p.name, func(t *testing.T) {
			p.use(t)
			// The grandchild blocks reading fd 3 (the read end of hold,
			// whose write end only the test has) and prints nothing;
			// the shell prints the grandchild's PID and waits for it.
			sh := newHeldShell(t, "cat <&3 & echo $!; wait")
			cmd := sh.cmd
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			h := hStartCmd(t, cmd)
			if p.name == "pidfd" {
				if _, ok := h.sys.(*pidfdChild); !ok {
					t.Fatalf("the Handle has no pidfd (%T)", h.sys)
				}
			}

			gpid := sh.grandchild(t)
			t.Cleanup(func() { sgReapIfOurs(t, gpid) })
			if pgid, err := unix.Getpgid(gpid); err != nil || pgid != h.Pid() {
				t.Fatalf("grandchild %d is in group %d (%v); want the shell's group %d", gpid, pgid, err, h.Pid())
			}

			if err := h.SignalGroup(0); err != nil {
				t.Errorf("SignalGroup(0) = %v; want nil for a group leader", err)
			}
			if err := h.SignalGroup(syscall.SIGTERM); err != nil {
				t.Fatalf("SignalGroup(SIGTERM) = %v", err)
			}
			// EOF only once every holder of the write end is gone: the
			// shell and the grandchild.
			rest, err := io.ReadAll(sh.br)
			if err != nil {
				t.Fatalf("waiting for EOF on the shell's stdout: %v (the grandchild survived?)", err)
			}
			if len(rest) != 0 {
				t.Errorf("unexpected output %q", rest)
			}
			e := hWait(t, h)
			if !e.Status.Signaled() || e.Status.Signal() != syscall.SIGTERM {
				t.Errorf("the shell ended with %v; want signal SIGTERM", e.Status)
			}
			if err := h.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
				t.Errorf("SignalGroup after Wait = %v; want os.ErrProcessDone", err)
			}
		})
	}
}

// sgReapIfOurs reaps pid if it became a child of the test (when the test
// process is a subreaper, orphans come to it), killing it first by PID.
func sgReapIfOurs(t *testing.T, pid int) {
	t.Helper()
	if err := Waitid(P_PID, pid, nil, WEXITED|WNOHANG|WNOWAIT); err == nil {
		reapChild(t, pid)
	}
}

// TestSignalGroupRefuses checks the refusals: a child that does not lead
// a group (it is in the test's own group) is not signalled, nor anything
// else; signal numbers outside the C int fail with EINVAL; after Close the
// error wraps os.ErrClosed. The child then ends with its own exit code.
func TestSignalGroupRefuses(t *testing.T) {
	for _, p := range signalGroupPaths() {
		t.Run(p.name, func(t *testing.T) {
			p.use(t)
			cmd, stdin := blockCmd(t, "6")
			h := hStartCmd(t, cmd)
			err := h.SignalGroup(syscall.SIGTERM)
			if !errors.Is(err, syscall.ESRCH) {
				t.Errorf("SignalGroup of a child that leads no group = %v; want an error wrapping ESRCH", err)
			}
			if err != nil && !strings.Contains(err.Error(), "does not lead a process group") {
				t.Errorf("the refusal does not say why: %v", err)
			}
			big := int64(math.MaxInt32) + 1
			for _, sig := range []syscall.Signal{-1, syscall.Signal(big)} {
				if err := h.SignalGroup(sig); !errors.Is(err, syscall.EINVAL) {
					t.Errorf("SignalGroup(%d) = %v; want EINVAL", sig, err)
				}
			}
			hRunning(t, h.Pid(), "the refused SignalGroup calls")
			stdin.Close()
			e := hWait(t, h)
			if !e.Status.Exited() || e.Status.ExitStatus() != 6 {
				t.Errorf("the child ended with %v; want exit status 6 (not signalled)", e.Status)
			}
		})
	}
	t.Run("closed", func(t *testing.T) {
		cmd, _ := blockCmd(t)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		h := hStartCmd(t, cmd)
		h.Close()
		if err := h.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrClosed) {
			t.Errorf("SignalGroup after Close = %v; want os.ErrClosed", err)
		}
		hRunning(t, h.Pid(), "SignalGroup after Close")
	})
}
