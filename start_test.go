//go:build unix

package wait

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests start real children with Start and check that h.Wait does what
// cmd.Wait does for them. The shell and cat stand in for programs whose
// output is the point; blocked children read a pipe until the test closes it.

// shCmd returns /bin/sh -c script.
func shCmd(t *testing.T, script string, args ...string) *exec.Cmd {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("no /bin/sh: %v", err)
	}
	return exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, args...)...)
}

// goroutinesBack polls (bounded) until the number of goroutines is back to
// base, and fails the test if it is not.
func goroutinesBack(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(pollBound)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d, want at most %d as before the command:\n%s", runtime.NumGoroutine(), base, strings.Join(goroutineDump(), "\n\n"))
		}
		time.Sleep(time.Millisecond)
	}
}

func TestStartBuffers(t *testing.T) {
	t.Run("separate", func(t *testing.T) {
		var out, errb bytes.Buffer
		cmd := shCmd(t, `cat; echo to-stderr >&2`)
		cmd.Stdin = strings.NewReader("from stdin\n")
		cmd.Stdout, cmd.Stderr = &out, &errb
		h := hStartCmd(t, cmd)
		e := hWait(t, h)
		if !e.Status.Exited() || e.Status.ExitStatus() != 0 {
			t.Errorf("Exit = %v; want exit status 0", e)
		}
		if out.String() != "from stdin\n" || errb.String() != "to-stderr\n" {
			t.Errorf("stdout %q, stderr %q; want %q, %q", out.String(), errb.String(), "from stdin\n", "to-stderr\n")
		}
		if cmd.ProcessState == nil || cmd.ProcessState.Pid() != h.Pid() || !cmd.ProcessState.Success() {
			t.Errorf("cmd.ProcessState = %v; want the child's successful exit", cmd.ProcessState)
		}
		if cmd.Stdout != &out || cmd.Stderr != &errb {
			t.Errorf("Start did not give back the caller's Stdout and Stderr")
		}
	})
	t.Run("shared", func(t *testing.T) {
		var both bytes.Buffer
		cmd := shCmd(t, `echo one; echo two >&2; echo three`)
		cmd.Stdout, cmd.Stderr = &both, &both
		hWait(t, hStartCmd(t, cmd))
		if both.String() != "one\ntwo\nthree\n" {
			t.Errorf("shared output %q; want %q", both.String(), "one\ntwo\nthree\n")
		}
	})
}

func TestStartNonZeroExit(t *testing.T) {
	var out bytes.Buffer
	cmd := helperCmd(t, "exit", "3")
	cmd.Stdout = &out
	e, err := hStartCmd(t, cmd).Wait(hCtx(t))
	if err != nil || !e.Status.Exited() || e.Status.ExitStatus() != 3 {
		t.Errorf("Wait = %v, %v; want exit status 3 and no error", e, err)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("cmd.ProcessState = %v; want exit status 3", cmd.ProcessState)
	}
}

var errBrokenWriter = errors.New("broken writer")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBrokenWriter }

func TestStartCopyError(t *testing.T) {
	cmd := shCmd(t, `echo lost`)
	cmd.Stdout = brokenWriter{}
	h := hStartCmd(t, cmd)
	e, err := h.Wait(hCtx(t))
	if !errors.Is(err, errBrokenWriter) || e.Pid != h.Pid() || e.Status.ExitStatus() != 0 {
		t.Errorf("Wait = %v, %v; want the exit and an error wrapping %v", e, err, errBrokenWriter)
	}
	// Repeated: the same answer.
	if _, err2 := h.Wait(hCtx(t)); !errors.Is(err2, errBrokenWriter) {
		t.Errorf("second Wait error %v; want the copy error again", err2)
	}
}

func TestStartCommandContext(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cancel func(h **Handle, cmd *exec.Cmd) func() error
		want   syscall.Signal
	}{
		{"default", nil, syscall.SIGKILL},
		{"custom kill", func(_ **Handle, cmd *exec.Cmd) func() error {
			return func() error { return cmd.Process.Kill() }
		}, syscall.SIGKILL},
		{"h.Signal", func(h **Handle, _ *exec.Cmd) func() error {
			return func() error { return (*h).Signal(syscall.SIGTERM) }
		}, syscall.SIGTERM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			cmd := helperCmd(t, "block")
			cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
			cmd.Env = childEnv(os.Environ(), helperEnv, "block")
			cmd.Stdin = r
			var out bytes.Buffer
			cmd.Stdout = &out
			var h *Handle
			var ran atomic.Int32
			var inner func() error
			if tc.cancel != nil {
				inner = tc.cancel(&h, cmd)
			} else {
				inner = cmd.Cancel
			}
			cmd.Cancel = func() error { ran.Add(1); return inner() }
			cmd.WaitDelay = 30 * time.Second // not reached: the child dies of Cancel
			hh, err := Start(cmd)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			h = hh
			t.Cleanup(func() { reapChild(t, hh.Pid()) })
			hRunning(t, h.Pid(), "Start")
			cancel()
			e, err := h.Wait(hCtx(t))
			if err != nil || !e.Status.Signaled() || e.Status.Signal() != tc.want {
				t.Errorf("Wait = %v, %v; want death by %v and no error", e, err, tc.want)
			}
			if n := ran.Load(); n != 1 {
				t.Errorf("Cancel ran %d times; want 1", n)
			}
			if cmd.ProcessState == nil || cmd.ProcessState.Pid() != h.Pid() {
				t.Errorf("cmd.ProcessState = %v", cmd.ProcessState)
			}
			w.Close()
			goroutinesBack(t, base)
		})
	}
}

// TestStartContextEndsAfterExit0: a child that exits 0 after its Context
// ended and its Cancel ran reports the Context's error, as cmd.Wait does.
func TestStartContextEndsAfterExit0(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/cat")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = r
	cmd.Cancel = func() error { return w.Close() } // cat then exits 0
	h, err := Start(cmd)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reapChild(t, h.Pid()) })
	cancel()
	e, err := h.Wait(hCtx(t))
	if !errors.Is(err, context.Canceled) || e.Status.ExitStatus() != 0 {
		t.Errorf("Wait = %v, %v; want exit status 0 and an error wrapping context.Canceled", e, err)
	}
}

func TestStartWaitDelayKills(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `trap "" TERM; echo ready; cat`)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = r
	var h *Handle
	cmd.Cancel = func() error { return h.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 50 * time.Millisecond
	h, err = Start(cmd)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reapChild(t, h.Pid()) })
	line := make([]byte, 6)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "ready\n" {
		t.Fatalf("reading the child's ready line: %q, %v", line, err)
	}
	cancel()
	e, err := h.Wait(hCtx(t))
	if err != nil || e.Status.Signal() != syscall.SIGKILL {
		t.Errorf("Wait = %v, %v; want SIGKILL after WaitDelay (the child ignores SIGTERM)", e, err)
	}
}

func TestStartWaitDelayIO(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The grandchild cat holds stdout open after its parent exits 0; it
	// reads the pipe (fd 3) until the test closes it.
	cmd := shCmd(t, `cat <&3 & echo $!`)
	cmd.ExtraFiles = []*os.File{r}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.WaitDelay = 100 * time.Millisecond
	h := hStartCmd(t, cmd)
	r.Close()
	e, err := h.Wait(hCtx(t))
	if !errors.Is(err, exec.ErrWaitDelay) || e.Status.ExitStatus() != 0 {
		t.Errorf("Wait = %v, %v; want exit status 0 and an error wrapping exec.ErrWaitDelay", e, err)
	}
	pid, perr := strconv.Atoi(strings.TrimSpace(out.String()))
	if perr != nil {
		t.Fatalf("grandchild's pid: %q: %v", out.String(), perr)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL) // not our child: init reaps it
	w.Close()
}

func TestStartRefused(t *testing.T) {
	if _, err := Start(nil); err == nil {
		t.Error("Start(nil) succeeded")
	}
	closed := func(t *testing.T, name string, p io.ReadCloser) {
		t.Helper()
		if _, err := p.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s: the caller's StdoutPipe after the refused Start: read error %v; want os.ErrClosed", name, err)
		}
	}

	cmd := exec.Command("/nonexistent/program")
	p, _ := cmd.StdoutPipe()
	cmd.Stderr = &bytes.Buffer{}
	if h, err := Start(cmd); err == nil || h != nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start of a missing program = %v, %v; want an error wrapping os.ErrNotExist", h, err)
	}
	closed(t, "missing program", p)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd = exec.CommandContext(ctx, "/bin/cat")
	p, _ = cmd.StdoutPipe()
	cmd.Stdin = strings.NewReader("x")
	if h, err := Start(cmd); !errors.Is(err, context.Canceled) || h != nil || cmd.Process != nil {
		t.Errorf("Start with a done Context = %v, %v (process %v); want context.Canceled", h, err, cmd.Process)
	}
	closed(t, "done Context", p)

	// Already started: refused, and the running command is left alone.
	cmd, w := blockCmd(t)
	p, _ = cmd.StdoutPipe()
	h := hStartCmd(t, cmd)
	if h2, err := Start(cmd); err == nil || h2 != nil {
		t.Errorf("second Start = %v, %v; want an error", h2, err)
	}
	w.Close()
	if _, err := io.ReadAll(p); err != nil {
		t.Errorf("the first command's pipe after a refused second Start: %v", err)
	}
	hWait(t, h)
}

func TestHandleDone(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		for _, how := range []string{"Open", "Start"} {
			t.Run(how, func(t *testing.T) {
				var h *Handle
				var w io.WriteCloser
				if how == "Open" {
					var pid int
					pid, w = startBlock(t, "4")
					h = hOpen(t, pid)
				} else {
					cmd, ww := blockCmd(t, "4")
					h, w = hStartCmd(t, cmd), ww
				}
				done := h.Done()
				if h.Done() != done {
					t.Error("Done returned another channel")
				}
				select {
				case <-done:
					t.Fatal("Done closed while the child runs")
				default:
				}
				hRunning(t, h.Pid(), "Done")
				w.Close()
				select {
				case <-done:
				case <-time.After(hGuard):
					t.Fatal("Done not closed after the exit")
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				e, err := h.Wait(ctx)
				if err != nil || e.Pid != h.Pid() || e.Status.ExitStatus() != 4 {
					t.Errorf("Wait after Done with a cancelled ctx = %v, %v; want exit status 4", e, err)
				}
			})
		}
	})
}
