package wait

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type handleBackend struct {
	name string
	use  func(t *testing.T)
}

// handleBackends is the pidfd path (when this kernel has it) and the SIGCHLD
// dispatcher, forced through forceSigchld.
func handleBackends(t *testing.T) []handleBackend {
	var bs []handleBackend
	if pidfdWorks() {
		bs = append(bs, handleBackend{"pidfd", func(t *testing.T) { hForce(t, false) }})
	} else {
		t.Log("this kernel lacks pidfd_open/P_PIDFD: testing only the SIGCHLD dispatcher")
	}
	return append(bs, handleBackend{"sigchld", func(t *testing.T) { hForce(t, true) }})
}

func hForce(t *testing.T, sigchld bool) {
	old := forceSigchld.Swap(sigchld)
	t.Cleanup(func() { forceSigchld.Store(old) })
}

// TestHandleMechanism checks that each backend really is the one it claims.
func TestHandleMechanism(t *testing.T) {
	if !pidfdWorks() {
		t.Skip("no pidfd_open/P_PIDFD (Linux 5.4) on this kernel")
	}
	hForce(t, false)
	h := hStart(t, "exit", "0")
	if !h.sysInline() || h.sys.file == nil {
		t.Errorf("on a pidfd kernel the Handle has no pidfd")
	}
	hWait(t, h)
	hForce(t, true)
	h = hStart(t, "exit", "0")
	if h.sys.file != nil {
		t.Errorf("with forceSigchld the Handle still uses a pidfd")
	}
	hWait(t, h)
}

// hThreads returns this process's OS thread count from /proc.
func hThreads(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("cannot count threads without /proc: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no Threads line in /proc/self/status")
	return 0
}

// TestHandleWaitersHoldNoThreads parks one Wait per child for many children
// and checks that the process gained no thread per waiter (os/exec's
// Cmd.Wait would add one each).
func TestHandleWaitersHoldNoThreads(t *testing.T) {
	const n = 48
	hEachBackend(t, func(t *testing.T) {
		hs := make([]*Handle, n)
		for i := range hs {
			hs[i] = hStart(t, "sleep", "60s")
		}
		before := hThreads(t)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, h := range hs {
			wg.Go(func() {
				ctx := context.Background()
				if i%2 == 1 {
					ctx = hCtx(t)
				}
				_, errs[i] = h.Wait(ctx)
			})
		}
		// Give the waiters time to block; a waiter that held a thread
		// would hold it for the whole minute the children sleep.
		time.Sleep(200 * time.Millisecond)
		during := hThreads(t)
		for _, h := range hs {
			if err := h.Signal(syscall.SIGKILL); err != nil {
				t.Error(err)
			}
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
		}
		if limit := before + runtime.GOMAXPROCS(0) + 4; during > limit {
			t.Errorf("%d parked waiters: %d threads (before: %d); want at most %d", n, during, before, limit)
		}
		t.Logf("%d parked waiters: %d threads, %d before", n, during, before)
	})
}
