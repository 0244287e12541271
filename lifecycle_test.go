//go:build unix

package wait

import (
	"context"
	"errors"
	"math"
	"os"
	"syscall"
	"testing"
	"time"
)

// Regression tests for the lifecycle rules (see children.go and the Handle
// and Reap docs) that run in the test process: ownership ends at reap,
// values that do not fit the C types are refused before any system call,
// and no lock outlives a panic. The scenarios that need PID reuse, a tracer
// or a running Reap are in lifecycle_linux_test.go.

// TestOwnershipEndsAtReap: a Handle whose Wait returned its child's Exit no
// longer owns the PID, with or without Close; Open of the reaped PID answers
// ECHILD; the Handle keeps returning the same Exit and refuses to signal.
func TestOwnershipEndsAtReap(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		base := ownedCount()
		h := hStart(t, "exit", "3")
		if got := ownerOf(h.Pid()); got != h {
			t.Fatalf("ownerOf(%d) before the exit = %p; want the Handle %p", h.Pid(), got, h)
		}
		e := hWait(t, h)
		if got := ownerOf(h.Pid()); got != nil {
			t.Errorf("ownerOf(%d) after Wait returned the Exit = %p; want nil (ownership ends at reap)", h.Pid(), got)
		}
		if n := ownedCount(); n != base {
			t.Errorf("owned children after Wait = %d; want %d as before Start", n, base)
		}
		if _, err := Open(h.Pid()); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Open of the reaped PID %d = %v; want an error wrapping ECHILD", h.Pid(), err)
		}
		if err := h.Signal(syscall.SIGKILL); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("Signal after the reap = %v; want os.ErrProcessDone", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("Close after Wait: %v", err)
		}
		if e2, err := h.Wait(hCtx(t)); err != nil || e2 != e {
			t.Errorf("Wait after Wait and Close = %+v, %v; want %+v, nil", e2, err, e)
		}
	})
}

// TestOwnedMapReturnsToBaseline: many Handles waited for and never closed
// leave no entry behind.
func TestOwnedMapReturnsToBaseline(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		base := ownedCount()
		for range 20 {
			hWait(t, hStart(t, "exit", "0"))
		}
		if n := ownedCount(); n != base {
			t.Errorf("after 20 unclosed Handles were waited for, %d children are owned; want %d", n, base)
		}
	})
}

// TestOpenRefusesOutOfRange: a PID that does not fit pid_t is refused with
// EINVAL, before any system call could cut it to 32 bits: kill(2) would read
// 1<<33-1 as -1 (every process), pidfd_open would read pid+1<<32 as pid.
func TestOpenRefusesOutOfRange(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, w := hBlock(t)
		pids := []int{math.MinInt, math.MinInt32, -1, 0}
		if wide := int64(math.MaxInt); wide > math.MaxInt32 { // 64-bit int
			for _, v := range []int64{1<<33 - 1, 1 << 32, int64(h.Pid()) + 1<<32, math.MaxInt32 + 1, math.MaxInt} {
				pids = append(pids, int(v))
			}
		}
		for _, pid := range pids {
			h2, err := Open(pid)
			if !errors.Is(err, syscall.EINVAL) || h2 != nil {
				t.Errorf("Open(%d) = %v, %v; want an error wrapping EINVAL", pid, h2, err)
				if h2 != nil {
					h2.Close()
				}
			}
		}
		if got := ownerOf(h.Pid()); got != h {
			t.Errorf("after the refused Opens the child is owned by %p; want %p", got, h)
		}
		hRunning(t, h.Pid(), "refused Opens")
		w.Close()
		if e := hWait(t, h); !e.Status.Exited() || e.Status.ExitStatus() != 0 {
			t.Errorf("Status = %v; want exit status 0", e.Status)
		}
	})
}

// TestSignalRefusesOutOfRange: a signal number that does not fit the C int
// is refused with EINVAL, not truncated (1<<32|15 would be SIGTERM, 1<<32
// the null signal), and reaches nobody.
func TestSignalRefusesOutOfRange(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, w := hBlock(t)
		sigs := []syscall.Signal{-1, syscall.Signal(math.MinInt32), syscall.Signal(math.MinInt)}
		if wide := int64(math.MaxInt); wide > math.MaxInt32 { // 64-bit int
			for _, v := range []int64{1<<32 | int64(syscall.SIGTERM), 1 << 32, 1<<32 | int64(syscall.SIGKILL), math.MaxInt32 + 1, math.MaxInt} {
				sigs = append(sigs, syscall.Signal(v))
			}
		}
		for _, sig := range sigs {
			if err := h.Signal(sig); !errors.Is(err, syscall.EINVAL) {
				t.Errorf("Signal(%#x) = %v; want an error wrapping EINVAL", int64(sig), err)
			}
		}
		hRunning(t, h.Pid(), "refused signals")
		if err := h.Signal(0); err != nil {
			t.Errorf("Signal(0) to a running child: %v", err)
		}
		w.Close()
		if e := hWait(t, h); !e.Status.Exited() || e.Status.ExitStatus() != 0 {
			t.Errorf("Status = %v; want exit status 0 (no signal may have reached the child)", e.Status)
		}
	})
}

// panicCtx is a Context whose methods panic, as a buggy caller's might.
type panicCtx struct{ context.Context }

func (panicCtx) Err() error { panic("panicCtx.Err") }

func (panicCtx) Done() <-chan struct{} { panic("panicCtx.Done") }

// TestWaitPanicsHoldNoLock: Wait(nil) panics before taking any lock, as
// os/exec's CommandContext does, and so does a Context that panics; after
// the panics are recovered, every method of the Handle, a new Handle and the
// SIGCHLD dispatcher still work.
func TestWaitPanicsHoldNoLock(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		h, w := hBlock(t)
		for _, c := range []struct {
			name string
			ctx  context.Context
		}{{"nil", nil}, {"panicking", panicCtx{context.Background()}}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("Wait with a %s Context did not panic", c.name)
					}
				}()
				_, _ = h.Wait(c.ctx)
			}()
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := h.Signal(0); err != nil {
				t.Errorf("Signal after the panics: %v", err)
			}
			h2 := hStart(t, "exit", "4")
			if e := hWait(t, h2); e.Status.ExitStatus() != 4 {
				t.Errorf("a new Handle after the panics: Status = %v", e.Status)
			}
			w.Close()
			if e := hWait(t, h); !e.Status.Exited() {
				t.Errorf("Wait after the panics: Status = %v", e.Status)
			}
			if err := h.Close(); err != nil {
				t.Errorf("Close after the panics: %v", err)
			}
		}()
		select {
		case <-done:
		case <-time.After(hGuard):
			t.Fatal("the Handle is wedged after a recovered panic in Wait")
		}
	})
}

// TestReapNilContextPanics: Reap(nil, fn) panics before it takes a lock or
// catches a signal.
func TestReapNilContextPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Reap with a nil Context did not panic")
		}
	}()
	var nilCtx context.Context // the nil Context is the point
	_ = Reap(nilCtx, nil)
}
