//go:build unix

package wait

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests spawn real children (the test binary in helper mode, see
// main_test.go) and run once per Handle mechanism of the host
// (handleBackends: on Linux the pidfd and the SIGCHLD dispatcher). None waits
// with pid -1, P_ALL or Reap, so they may share the process with other
// spawning tests; none runs in parallel with another.

// hGuard bounds every wait: a broken Handle fails the test instead of
// hanging it. It is never part of what a test asserts.
const hGuard = 60 * time.Second

func hCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hGuard)
	t.Cleanup(cancel)
	return ctx
}

// hStart starts a helper child with Start; a cleanup closes the Handle and
// kills and reaps the child by its pid if the test did not.
func hStart(t *testing.T, mode string, args ...string) *Handle {
	t.Helper()
	return hStartCmd(t, helperCmd(t, mode, args...))
}

// hBlock starts a "block" helper child with Start (see blockCmd) and returns
// its Handle and the write end of its stdin: the child runs until the test
// closes that, signals it, or the cleanup kills it.
func hBlock(t *testing.T) (*Handle, io.WriteCloser) {
	t.Helper()
	cmd, w := blockCmd(t)
	return hStartCmd(t, cmd), w
}

// hStartCmd starts cmd with Start and registers hStart's cleanup. The
// parent's copy of a blockCmd pipe is closed once the child has it.
func hStartCmd(t *testing.T, cmd *exec.Cmd) *Handle {
	t.Helper()
	h, err := Start(cmd)
	if err != nil {
		t.Fatalf("Start(%v): %v", cmd.Args, err)
	}
	closeChildStdin(cmd)
	if h.Pid() != cmd.Process.Pid {
		t.Errorf("h.Pid() = %d; cmd.Process.Pid = %d", h.Pid(), cmd.Process.Pid)
	}
	t.Cleanup(func() {
		h.Close()
		reapChild(t, h.Pid())
		cmd.Process.Release()
	})
	return h
}

// hParked waits until n goroutines whose stacks contain frame (the name of
// the test function that started them, say) are parked in Handle.Wait
// without a thread (see parkedStates), failing the test if they are not
// within pollBound. Only the test goroutine may call it.
func hParked(t *testing.T, n int, frame string) {
	t.Helper()
	if err := awaitGoroutines(nil, n, parkedStates, "wait.(*Handle).Wait(", frame); err != nil {
		t.Fatalf("waiters did not park in Handle.Wait within %v: %v", pollBound, err)
	}
}

// hOpen opens a Handle for pid and closes it at cleanup.
func hOpen(t *testing.T, pid int) *Handle {
	t.Helper()
	h, err := Open(pid)
	if err != nil {
		t.Fatalf("Open(%d): %v", pid, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// hWait waits with the guard and fails the test on error.
func hWait(t *testing.T, h *Handle) Exit {
	t.Helper()
	e, err := h.Wait(hCtx(t))
	if err != nil {
		t.Fatalf("Wait for pid %d: %v", h.Pid(), err)
	}
	if e.Pid != h.Pid() {
		t.Errorf("Exit.Pid = %d; want %d", e.Pid, h.Pid())
	}
	return e
}

// hRunning fails unless pid is an unreaped child that has not exited.
func hRunning(t *testing.T, pid int, after string) {
	t.Helper()
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT); err != nil || info.Pid != 0 {
		t.Fatalf("after %s: child %d should still run unreaped: info %+v, err %v", after, pid, info, err)
	}
}

// hEachBackend runs f once per Handle mechanism of the host.
func hEachBackend(t *testing.T, f func(t *testing.T)) {
	for _, b := range handleBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			b.use(t)
			f(t)
		})
	}
}

func TestHandleWaitExit(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		for _, code := range []string{"0", "3", "255"} {
			h := hStart(t, "exit", code)
			e := hWait(t, h)
			if !e.Status.Exited() || itoa(e.Status.ExitStatus()) != code {
				t.Errorf("exit %s: Status = %v", code, e.Status)
			}
		}
	})
}

func TestHandleWaitRusage(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h := hStart(t, "burn", "50")
		e := hWait(t, h)
		if !e.Status.Exited() || e.Status.ExitStatus() != 0 {
			t.Fatalf("burn child: Status = %v", e.Status)
		}
		if e.Rusage.UserTime < 50*time.Millisecond {
			t.Errorf("Rusage.UserTime = %v; the child used at least 50ms of user CPU", e.Rusage.UserTime)
		}
		if e.Rusage.MaxRSS <= 0 {
			t.Errorf("Rusage.MaxRSS = %d; want > 0", e.Rusage.MaxRSS)
		}
	})
}

func TestHandleSignal(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)
		if err := h.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("Signal(SIGTERM): %v", err)
		}
		e := hWait(t, h)
		if !e.Status.Signaled() || e.Status.Signal() != syscall.SIGTERM {
			t.Errorf("Status = %v; want killed by SIGTERM", e.Status)
		}
		err := h.Signal(syscall.SIGTERM)
		if !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("Signal after the child was reaped = %v; want an error wrapping os.ErrProcessDone", err)
		}
	})
}

// TestHandleWaitCancel checks that a Wait whose context ends returns
// ctx.Err() and leaves the child waitable: by a later Wait, and (the Handle
// not knowing) by a raw Wait4.
func TestHandleWaitCancel(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)

		// Cancel once the Wait below is parked, so that the cancellation
		// reaches a waiting call rather than one that has yet to look.
		ctx, cancel := context.WithCancel(context.Background())
		returned := make(chan struct{})
		parked := make(chan error, 1)
		go func() {
			parked <- awaitGoroutines(returned, 1, parkedStates, "wait.(*Handle).Wait(", "wait.TestHandleWaitCancel.func")
			cancel()
		}()
		_, err := h.Wait(ctx)
		close(returned)
		if perr := <-parked; perr != nil {
			t.Fatalf("Wait returned %v before it was seen parked: %v", err, perr)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait with a cancelled context = %v; want context.Canceled", err)
		}
		hRunning(t, h.Pid(), "a cancelled Wait")

		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait past its deadline = %v; want context.DeadlineExceeded", err)
		}
		hRunning(t, h.Pid(), "a timed-out Wait")

		// A context that has ended reaps nothing, even a child that exited.
		if err := h.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var info Info
		if err := Waitid(P_PID, h.Pid(), &info, WEXITED|WNOWAIT); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait with an ended context = %v; want context.DeadlineExceeded", err)
		}
		stillWaitable(t, h.Pid(), "Wait with an ended context")

		e := hWait(t, h)
		if !e.Status.Signaled() || e.Status.Signal() != syscall.SIGKILL {
			t.Errorf("Status = %v; want killed by SIGKILL", e.Status)
		}
	})
}

func TestHandleWaitCancelThenWait4(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait = %v; want context.DeadlineExceeded", err)
		}
		if err := h.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var ws WaitStatus
		if wpid, err := Wait4(h.Pid(), &ws, 0, nil); err != nil || wpid != h.Pid() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("Wait4 after a cancelled Wait = %d, %v, %v; want the SIGKILL status", wpid, ws, err)
		}
		// Reaped behind the Handle's back: Wait says so.
		if _, err := h.Wait(hCtx(t)); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Wait after a raw Wait4 reaped the child = %v; want an error wrapping ECHILD", err)
		}
	})
}

// TestHandleManyWaiters checks that concurrent waiters, some of which give
// up half-way, all get the same Exit.
func TestHandleManyWaiters(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)
		const n = 8
		type result struct {
			e   Exit
			err error
		}
		results := make([]result, n)
		quitters := make([]context.CancelFunc, n)
		returned := make([]chan struct{}, n)
		var wg sync.WaitGroup
		for i := range n {
			var ctx context.Context
			switch i % 3 {
			case 0:
				ctx = context.Background() // no per-waiter goroutine
			case 1:
				ctx = hCtx(t)
			case 2: // gives up before the child exits
				ctx, quitters[i] = context.WithCancel(context.Background())
			}
			returned[i] = make(chan struct{})
			wg.Go(func() {
				defer close(returned[i])
				results[i].e, results[i].err = h.Wait(ctx)
			})
		}
		const frame = "wait.TestHandleManyWaiters.func"
		hParked(t, n, frame)
		quit := 0
		for _, q := range quitters {
			if q != nil {
				q()
				quit++
			}
		}
		// The quitters return; the others stay parked and the child runs.
		for i, q := range quitters {
			if q == nil {
				continue
			}
			select {
			case <-returned[i]:
			case <-time.After(hGuard):
				t.Fatalf("waiter %d did not return after its context was cancelled", i)
			}
		}
		hParked(t, n-quit, frame)
		hRunning(t, h.Pid(), "some waiters gave up")
		if err := h.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(hGuard):
			t.Fatal("waiters still blocked after the child was killed")
		}
		for i, r := range results {
			if quitters[i] != nil {
				if r.err != nil && !errors.Is(r.err, context.Canceled) {
					t.Errorf("waiter %d (cancelled): %v", i, r.err)
				}
				continue
			}
			if r.err != nil {
				t.Errorf("waiter %d: %v", i, r.err)
			} else if r.e != results[0].e {
				t.Errorf("waiter %d got %+v; waiter 0 got %+v", i, r.e, results[0].e)
			}
		}
		if !results[0].e.Status.Signaled() || results[0].e.Status.Signal() != syscall.SIGKILL {
			t.Errorf("Status = %v; want killed by SIGKILL", results[0].e.Status)
		}
	})
}

func TestHandleClose(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)
		waited := make(chan error, 1)
		go func() {
			_, err := h.Wait(context.Background())
			waited <- err
		}()
		hParked(t, 1, "wait.TestHandleClose.func")
		if err := h.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		select {
		case err := <-waited:
			if !errors.Is(err, os.ErrClosed) {
				t.Errorf("pending Wait after Close = %v; want an error wrapping os.ErrClosed", err)
			}
		case <-time.After(hGuard):
			t.Fatal("a pending Wait did not return after Close")
		}
		if _, err := h.Wait(hCtx(t)); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Wait after Close = %v; want an error wrapping os.ErrClosed", err)
		}
		if err := h.Signal(syscall.SIGKILL); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Signal after Close = %v; want an error wrapping os.ErrClosed", err)
		}
		// Close neither killed nor reaped the child, and a new Handle may
		// own it.
		hRunning(t, h.Pid(), "Close")
		h2 := hOpen(t, h.Pid())
		if err := h2.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if e := hWait(t, h2); e.Status.Signal() != syscall.SIGKILL {
			t.Errorf("Status = %v; want killed by SIGKILL", e.Status)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		for _, c := range []struct {
			name string
			pid  int
			want error
		}{
			{"self", os.Getpid(), syscall.ECHILD},
			{"parent", os.Getppid(), syscall.ECHILD},
			{"zero", 0, syscall.EINVAL},
			{"negative", -1, syscall.EINVAL},
		} {
			h, err := Open(c.pid)
			if !errors.Is(err, c.want) || h != nil {
				t.Errorf("Open(%s %d) = %v, %v; want an error wrapping %v", c.name, c.pid, h, err, c.want)
			}
		}

		// A child that was reaped already.
		pid := zombie(t, "0")
		if _, err := Wait4(pid, nil, 0, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(pid); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Open of a reaped child = %v; want an error wrapping ECHILD", err)
		}

		// A second Handle for one child.
		h, _ := hBlock(t)
		if h2, err := Open(h.Pid()); !errors.Is(err, syscall.EBUSY) || h2 != nil {
			t.Errorf("second Open of pid %d = %v, %v; want an error wrapping EBUSY", h.Pid(), h2, err)
		}
	})
}

// TestOpenExisting opens children that other code started, one running and
// one that exited before Open (so its exit happened before any registration).
func TestOpenExisting(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		pid := startHelper(t, "exit", "7")
		h := hOpen(t, pid)
		if e := hWait(t, h); e.Status.ExitStatus() != 7 {
			t.Errorf("running child: Status = %v; want exit status 7", e.Status)
		}

		pid = zombie(t, "9")
		h = hOpen(t, pid)
		if e := hWait(t, h); e.Status.ExitStatus() != 9 {
			t.Errorf("exited child: Status = %v; want exit status 9", e.Status)
		}
	})
}

// TestHandleCollect plays Reap's part of the contract (children.go): collect
// reaps an owned zombie exactly once, keeps the Exit for Wait, and wakes a
// parked waiter.
func TestHandleCollect(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		// A zombie nobody waits for: only collect can reap it.
		pid := zombie(t, "9")
		z := hOpen(t, pid)
		if got := ownerOf(pid); got != z {
			t.Fatalf("ownerOf(%d) = %p; want the Handle %p", pid, got, z)
		}
		z.collect()
		if err := Waitid(P_PID, pid, nil, WEXITED|WNOHANG|WNOWAIT); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("collect of a zombie should reap it: Waitid = %v", err)
		}
		if got := ownerOf(pid); got != nil {
			t.Errorf("ownerOf(%d) = %p after collect reaped it; want none", pid, got)
		}
		z.collect()
		if e := hWait(t, z); e.Status.ExitStatus() != 9 {
			t.Errorf("Wait after collect = %v; want exit status 9", e.Status)
		}

		h, _ := hBlock(t)
		h.collect() // running: nothing to do
		hRunning(t, h.Pid(), "collect of a running child")
		if got := ownerOf(h.Pid()); got != h {
			t.Fatalf("ownerOf(%d) = %p; want the Handle %p", h.Pid(), got, h)
		}

		waited := make(chan Exit, 1)
		go func() {
			e, err := h.Wait(context.Background())
			if err != nil {
				t.Errorf("parked Wait: %v", err)
			}
			waited <- e
		}()
		hParked(t, 1, "wait.TestHandleCollect.func")
		if err := h.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// The parked Wait may collect first (its mechanism saw the exit):
		// then these find nothing to do.
		h.collect()
		h.collect()
		var e Exit
		select {
		case e = <-waited:
		case <-time.After(hGuard):
			t.Fatal("Wait did not return after collect")
		}
		if !e.Status.Signaled() || e.Status.Signal() != syscall.SIGKILL {
			t.Errorf("Status = %v; want killed by SIGKILL", e.Status)
		}
		if e2 := hWait(t, h); e2 != e {
			t.Errorf("second Wait = %+v; first = %+v", e2, e)
		}
		if err := Waitid(P_PID, h.Pid(), nil, WEXITED|WNOHANG|WNOWAIT); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("after collect the child should be reaped: Waitid = %v", err)
		}
		h.Close()
		if ownerOf(h.Pid()) != nil {
			t.Errorf("Close left pid %d owned", h.Pid())
		}
	})
}

// TestHandleEarlyExitReport covers an exit reported before the child is
// reapable (kqueue's NOTE_EXIT can fire that early): Wait keeps retrying
// without reaping anything else, gives up when ctx ends, and collects the
// child once it really exits.
func TestHandleEarlyExitReport(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, _ := hBlock(t)
		h.markExited() // a premature report
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait on a running child after an early report = %v; want context.DeadlineExceeded", err)
		}
		hRunning(t, h.Pid(), "Wait after an early report")
		if err := h.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if e := hWait(t, h); e.Status.Signal() != syscall.SIGKILL {
			t.Errorf("Status = %v; want killed by SIGKILL", e.Status)
		}
	})
}
