//go:build unix

package wait

import (
	"bufio"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// watchProbe checks, without the code under test, that the OS offers what
// Watch uses, and skips or fails the test if not; watch_linux_test.go sets
// it.
var watchProbe func(t *testing.T)

// requireWatch skips the test where Watch cannot work: on the systems
// without a process exit notification (illumos, AIX), or where the probe
// finds the kernel feature missing (see watchProbe).
func requireWatch(t *testing.T) {
	t.Helper()
	switch runtime.GOOS {
	case "aix", "illumos", "solaris":
		t.Skipf("%s has no notification of another process's exit for Watch", runtime.GOOS)
	}
	if watchProbe != nil {
		watchProbe(t)
	}
}

// mustWatch returns Watch(pid), failing the test on an error, and closes
// the Watcher at cleanup.
func mustWatch(t *testing.T, pid int) *Watcher {
	t.Helper()
	w, err := Watch(pid)
	if err != nil {
		t.Fatalf("Watch(%d): %v", pid, err)
	}
	if w.Pid() != pid {
		t.Errorf("Pid() = %d; want %d", w.Pid(), pid)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// wWait runs w.Wait with a context that ends after pollBound and fails the
// test unless it returns nil with w.Done closed: Wait's nil and Done's close
// both mean the exit was seen.
func wWait(t *testing.T, w *Watcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pollBound)
	defer cancel()
	if err := w.Wait(ctx); err != nil {
		t.Fatalf("Watcher.Wait for pid %d: %v", w.Pid(), err)
	}
	select {
	case <-w.Done():
	default:
		t.Fatalf("Watcher of pid %d: Done not closed after Wait returned", w.Pid())
	}
}

// wStillRunning checks that Wait does not report the exit of a process
// that cannot have exited (it is blocked on a pipe the test holds): Wait
// with a short context must return its error.
func wStillRunning(t *testing.T, w *Watcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on running pid %d = %v; want context.DeadlineExceeded", w.Pid(), err)
	}
	select {
	case <-w.Done():
		t.Fatalf("Done closed for running pid %d", w.Pid())
	default:
	}
}

// wWaitStatus reaps pid (a child of the test that has exited or will) and
// fails unless it exited with code.
func wWaitStatus(t *testing.T, pid, code int) {
	t.Helper()
	var ws WaitStatus
	wpid, err := Wait4(pid, &ws, 0, nil)
	if err != nil || wpid != pid || !ws.Exited() || ws.ExitStatus() != code {
		t.Fatalf("Wait4(%d) = %d, %v, %v; want exit status %d", pid, wpid, ws, err, code)
	}
}

// TestWatchNonChild watches a grandchild of the test: a subshell (blocked
// reading a pipe that only the test can close) of a shell that waits for it
// and exits with its status. Watch reports the grandchild's exit, and the
// shell still gets its status 7, so the Watcher reaped nothing.
func TestWatchNonChild(t *testing.T) {
	requireWatch(t)
	sh := newHeldShell(t, "(cat <&3 >/dev/null; exit 7) & echo $!; wait $!; exit $?")
	pid := startCmd(t, sh.cmd)
	gpid := sh.grandchild(t)
	if err := Waitid(P_PID, gpid, nil, WEXITED|WNOHANG|WNOWAIT); !errors.Is(err, syscall.ECHILD) {
		t.Fatalf("grandchild %d looks like a child of the test: %v", gpid, err)
	}

	w := mustWatch(t, gpid)
	wStillRunning(t, w)
	sh.hold.Close()
	wWait(t, w)
	wWaitStatus(t, pid, 7)
}

// TestWatchOwnChild watches a child of the test: the exit is reported and
// the child is still waitable afterwards, with its own status.
func TestWatchOwnChild(t *testing.T) {
	requireWatch(t)
	pid, stdin := startBlock(t, "5")
	w := mustWatch(t, pid)
	wStillRunning(t, w)
	stdin.Close()
	wWait(t, w)
	stillWaitable(t, pid, "Watcher.Wait")
	wWaitStatus(t, pid, 5)
	wWait(t, w) // the exit stays reported after the reap
}

// TestWatchExited: a PID that no process holds any more fails with ESRCH;
// a zombie child is reported exited at once and stays waitable.
func TestWatchExited(t *testing.T) {
	requireWatch(t)
	t.Run("reaped", func(t *testing.T) {
		pid := zombie(t, "0")
		wWaitStatus(t, pid, 0)
		w, err := Watch(pid)
		if err == nil {
			w.Close()
			// Only another process taking the PID at once explains it.
			if kerr := syscall.Kill(pid, 0); kerr == nil || errors.Is(kerr, syscall.EPERM) {
				t.Skipf("pid %d was reused at once by another process", pid)
			}
		}
		if !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("Watch(reaped pid %d) = %v; want an error wrapping ESRCH", pid, err)
		}
	})
	t.Run("zombie", func(t *testing.T) {
		pid := zombie(t, "3")
		w := mustWatch(t, pid)
		select {
		case <-w.Done():
		case <-time.After(pollBound):
			t.Fatalf("Done not closed for zombie %d", pid)
		}
		wWait(t, w)
		stillWaitable(t, pid, "Watch of the zombie")
		wWaitStatus(t, pid, 3)
	})
}

// TestWatchDone: Done is open while the process runs, closed at its exit,
// and stays closed after Close, when Wait still returns nil.
func TestWatchDone(t *testing.T) {
	requireWatch(t)
	pid, stdin := startBlock(t)
	w := mustWatch(t, pid)
	done := w.Done()
	if w.Done() != done {
		t.Error("Done returned two channels")
	}
	wStillRunning(t, w)
	stdin.Close()
	select {
	case <-done:
	case <-time.After(pollBound):
		t.Fatal("Done not closed after the exit")
	}
	wWaitStatus(t, pid, 0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.Done():
	default:
		t.Error("Done no longer closed after Close")
	}
	if err := w.Wait(context.Background()); err != nil {
		t.Errorf("Wait after the exit and Close = %v; want nil", err)
	}
}

// TestWatchWaitCancel: a Wait whose context ends returns ctx.Err(), and the
// Watcher still reports the exit to a later Wait.
func TestWatchWaitCancel(t *testing.T) {
	requireWatch(t)
	pid, stdin := startBlock(t)
	w := mustWatch(t, pid)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Wait(ctx) }()
	if err := awaitGoroutines(nil, 1, parkedStates, "wait.(*Watcher).Wait(", "TestWatchWaitCancel"); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait after cancel = %v; want context.Canceled", err)
		}
	case <-time.After(pollBound):
		t.Fatal("Wait did not return after its context was cancelled")
	}
	if err := w.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with an ended context = %v; want context.Canceled", err)
	}
	stdin.Close()
	wWait(t, w)
	wWaitStatus(t, pid, 0)
}

// TestWatchClose: Close wakes a parked Wait with os.ErrClosed, ends the
// Watcher's goroutine, leaves Done open and the process alone; later Waits
// fail the same way and Close is idempotent.
func TestWatchClose(t *testing.T) {
	requireWatch(t)
	pid, stdin := startBlock(t, "4")
	w := mustWatch(t, pid)
	done := w.Done()
	errc := make(chan error, 1)
	go func() { errc <- w.Wait(context.Background()) }()
	if err := awaitGoroutines(nil, 1, parkedStates, "wait.(*Watcher).Wait(", "TestWatchClose"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Wait woken by Close = %v; want os.ErrClosed", err)
		}
	case <-time.After(pollBound):
		t.Fatal("Close did not wake Wait")
	}
	if err := w.Wait(context.Background()); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Wait after Close = %v; want os.ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	// The goroutine that parked for Done ends (Linux has one).
	deadline := time.Now().Add(pollBound)
	for {
		n, seen := countGoroutines([]string{""}, "wait.(*Watcher).park(")
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Watcher's goroutine outlived Close: %s", seen)
		}
		time.Sleep(time.Millisecond)
	}
	hRunning(t, pid, "Watcher.Close")
	stdin.Close()
	wWaitStatus(t, pid, 4)
	select {
	case <-done:
		t.Error("Done closed although Close came before the exit")
	default:
	}
}

// TestWatchRefuses: values that are not a pid_t fail with EINVAL.
func TestWatchRefuses(t *testing.T) {
	pids := []int64{0, -1, math.MaxInt32 + 1, math.MinInt32}
	if strconv.IntSize == 64 {
		pids = append(pids, 1<<32+int64(os.Getpid()))
	}
	for _, p := range pids {
		if int64(int(p)) != p {
			continue
		}
		w, err := Watch(int(p))
		if !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Watch(%d) = %v; want EINVAL", p, err)
		}
		if w != nil {
			t.Errorf("Watch(%d) returned a Watcher with its error", p)
			w.Close()
		}
	}
}

// heldShell is /bin/sh -c script with fd 3 the read end of a pipe whose
// write end (hold) only the test holds, and its stdout a pipe read through
// out: the script starts a grandchild that blocks reading fd 3 and prints
// its PID.
type heldShell struct {
	cmd       *exec.Cmd
	hold, out *os.File
	childEnds [2]*os.File
	br        *bufio.Reader // out, once grandchild has read the PID
}

func newHeldShell(t *testing.T, script string) *heldShell {
	t.Helper()
	holdR, holdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		holdR.Close()
		holdW.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		holdW.Close()
		outR.Close()
	})
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.ExtraFiles = []*os.File{holdR}
	cmd.Stdout = outW
	cmd.Stderr = os.Stderr
	return &heldShell{cmd: cmd, hold: holdW, out: outR, childEnds: [2]*os.File{holdR, outW}}
}

// grandchild closes the shell's pipe ends in the test (call it once the
// shell started) and returns the grandchild's PID that the shell printed.
func (s *heldShell) grandchild(t *testing.T) int {
	t.Helper()
	for _, f := range s.childEnds {
		f.Close()
	}
	if err := s.out.SetReadDeadline(time.Now().Add(pollBound)); err != nil {
		t.Fatal(err)
	}
	s.br = bufio.NewReader(s.out)
	line, err := s.br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the grandchild's PID: %q, %v", line, err)
	}
	gpid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the shell printed %q, not a PID", line)
	}
	return gpid
}
