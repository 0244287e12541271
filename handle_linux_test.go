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

	"golang.org/x/sys/unix"
)

type handleBackend struct {
	name string
	use  func(t *testing.T)
}

// handleBackends is the pidfd path and the SIGCHLD dispatcher, forced
// through forceSigchld. Where the package finds no working pidfd support
// (pidfdWorks), the pidfd subtests skip naming the reason if the
// environment explains it (see requirePidfd) and the test fails if not.
func handleBackends(t *testing.T) []handleBackend {
	return []handleBackend{
		{"pidfd", func(t *testing.T) {
			requirePidfd(t)
			hForce(t, false)
		}},
		{"sigchld", func(t *testing.T) { hForce(t, true) }},
	}
}

// pidfdKernel is the first Linux release with everything the pidfd path
// uses: pidfd_send_signal (5.1), pidfd_open (5.3) and waitid P_PIDFD (5.4).
var pidfdKernel = [2]int{5, 4}

// kernelRelease returns the running kernel's version (major, minor) as
// uname reports it, failing the test if it cannot be read or parsed.
func kernelRelease(t *testing.T) (release string, version [2]int) {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatalf("uname: %v", err)
	}
	release = unix.ByteSliceToString(u.Release[:])
	// "6.18.0-1-amd64", "5.4.0", "4.19.0+"...
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		t.Fatalf("cannot parse the kernel release %q", release)
	}
	for i := range 2 {
		digits := strings.TrimRightFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' })
		n, err := strconv.Atoi(digits)
		if err != nil {
			t.Fatalf("cannot parse the kernel release %q: %v", release, err)
		}
		version[i] = n
	}
	return release, version
}

// requirePidfd returns if the package's pidfd probe (pidfdWorks) succeeds,
// and otherwise skips or fails the test as missingFeature decides: on a
// native 5.4+ kernel a failing probe is a bug.
func requirePidfd(t *testing.T) {
	t.Helper()
	if !pidfdWorks() {
		missingFeature(t, pidfdKernel, "the pidfd probe (pidfdWorks) failed")
	}
}

// missingFeature is for a test that found a kernel feature missing (what
// describes how). It skips the test where the environment explains that,
// decided without the code under test: a kernel older than since by uname,
// or a user-mode emulator such as qemu-user (see emulator), which may not
// implement the feature. Anywhere else it fails the test.
func missingFeature(t *testing.T, since [2]int, what string) {
	t.Helper()
	release, v := kernelRelease(t)
	if v[0] < since[0] || v[0] == since[0] && v[1] < since[1] {
		t.Skipf("%s: kernel %s predates Linux %d.%d, which added what the test needs", what, release, since[0], since[1])
	}
	if emu := emulator(); emu != "" {
		t.Skipf("%s: running under the emulator %s, which may lack it", what, emu)
	}
	t.Fatalf("%s on native Linux %s, which has had it since %d.%d", what, release, since[0], since[1])
}

func hForce(t *testing.T, sigchld bool) {
	old := forceSigchld.Swap(sigchld)
	t.Cleanup(func() { forceSigchld.Store(old) })
}

// TestHandleMechanism checks that each backend really is the one it claims.
func TestHandleMechanism(t *testing.T) {
	requirePidfd(t)
	hForce(t, false)
	h := hStart(t, "exit", "0")
	if _, ok := h.sys.(*pidfdChild); !ok {
		t.Errorf("on a pidfd kernel the Handle has no pidfd")
	}
	hWait(t, h)
	hForce(t, true)
	h = hStart(t, "exit", "0")
	if _, ok := h.sys.(*sigchldChild); !ok {
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
			hs[i], _ = hBlock(t)
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
		// Every waiter must park without a thread (a goroutine blocked in
		// a system call shows "syscall" and never counts): the children
		// run until killed, so a waiter holding a thread would hold it
		// as long as this takes.
		hParked(t, n, "wait.TestHandleWaitersHoldNoThreads.func")
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
