package wait

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// watchKernel is the first Linux release with pidfd_open and poll on a
// pidfd, all Watch uses.
var watchKernel = [2]int{5, 3}

func init() {
	watchProbe = func(t *testing.T) {
		t.Helper()
		if missing := probePidfdPoll(t); missing != "" {
			missingFeature(t, watchKernel, missing)
		}
	}
}

// probePidfdPoll checks with raw system calls, not the package's code, that
// pidfd_open works and that its descriptor can join an epoll set, as the
// runtime's poller needs.
func probePidfdPoll(t *testing.T) string {
	fd, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		return "pidfd_open: " + err.Error()
	}
	defer unix.Close(fd)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatalf("epoll_create1: %v", err)
	}
	defer unix.Close(ep)
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return "epoll_ctl on a pidfd: " + err.Error()
	}
	return ""
}

// TestWatchHoldsNoThreads parks 200 Watchers (Wait or Done each) of one
// running child and checks that the process gained no thread per Watcher;
// then all of them see the exit.
func TestWatchHoldsNoThreads(t *testing.T) {
	requireWatch(t)
	const n = 200
	pid, stdin := startBlock(t)
	before := hThreads(t)
	ws := make([]*Watcher, n)
	errc := make(chan error, n)
	for i := range ws {
		ws[i] = mustWatch(t, pid)
		if i%2 == 0 {
			go func() { errc <- ws[i].Wait(t.Context()) }()
		} else {
			go func() { <-ws[i].Done(); errc <- nil }()
		}
	}
	if err := awaitGoroutines(nil, n, []string{"IO wait"}, "wait.(*Watcher).park("); err != nil {
		t.Fatal(err)
	}
	if after := hThreads(t); after > before+5 {
		t.Errorf("%d parked Watchers took the process from %d to %d threads", n, before, after)
	}
	stdin.Close()
	for range n {
		if err := <-errc; err != nil {
			t.Errorf("Wait: %v", err)
		}
	}
	wWaitStatus(t, pid, 0)
}

// watchNsHelperEnv runs watchReuseScenario in a re-executed test binary,
// which TestWatchPidReuse starts as PID 1 of a new PID namespace.
const watchNsHelperEnv = "WAIT_WATCHNS_HELPER"

func init() {
	runHelperIf(watchNsHelperEnv, func(string, helperArgs) int {
		if err := watchReuseScenario(); err != nil {
			fmt.Fprintln(os.Stderr, "watch reuse scenario:", err)
			return 1
		}
		return 0
	})
}

// TestWatchPidReuse: a Watcher made while child A ran reports A's exit
// after A was reaped and a new child B took A's PID, although the PID then
// names a running process; a Watcher made for B waits for B.
func TestWatchPidReuse(t *testing.T) {
	requireWatch(t)
	if e := emulator(); e != "" {
		t.Skipf("runs under the user-mode emulator %s, which does not emulate namespaces", e)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: a new PID namespace and writes to /proc/sys/kernel/ns_last_pid")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = childEnv(os.Environ(), watchNsHelperEnv, "reuse")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if cmd.Process == nil && (errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL)) {
		t.Skipf("this system refuses new PID namespaces (clone: %v)", err)
	}
	if err != nil {
		t.Fatalf("scenario: %v\nstderr:\n%s", err, stderr.String())
	}
}

// watchReuseScenario runs as PID 1 of its own PID namespace, where
// ns_last_pid puts a new child on a reaped child's PID at once.
func watchReuseScenario() error {
	if err := mountOwnProc(); err != nil {
		return err
	}
	notYet := func(w *Watcher, who string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := w.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("Wait on the running %s = %v; want context.DeadlineExceeded", who, err)
		}
		return nil
	}
	exited := func(w *Watcher, who string) error {
		ctx, cancel := context.WithTimeout(context.Background(), pollBound)
		defer cancel()
		if err := w.Wait(ctx); err != nil {
			return fmt.Errorf("Wait for the exit of %s = %v; want nil", who, err)
		}
		return nil
	}

	a, err := newScenarioBlock()
	if err != nil {
		return err
	}
	defer a.w.Close()
	if err := a.cmd.Start(); err != nil {
		return err
	}
	a.started()
	pid := a.cmd.Process.Pid
	wA, err := Watch(pid)
	if err != nil {
		killAndReap(pid)
		return err
	}
	defer wA.Close()
	if err := notYet(wA, "child A"); err != nil {
		killAndReap(pid)
		return err
	}
	killAndReap(pid)

	if err := nextPid(pid); err != nil {
		return err
	}
	b, err := newScenarioBlock()
	if err != nil {
		return err
	}
	defer b.w.Close()
	if err := b.cmd.Start(); err != nil {
		return err
	}
	b.started()
	defer killAndReap(b.cmd.Process.Pid)
	if b.cmd.Process.Pid != pid {
		return fmt.Errorf("ns_last_pid did not put the new child on pid %d (got %d)", pid, b.cmd.Process.Pid)
	}
	if err := exited(wA, "child A, whose PID child B now has"); err != nil {
		return err
	}
	wB, err := Watch(pid)
	if err != nil {
		return err
	}
	defer wB.Close()
	if err := notYet(wB, "child B"); err != nil {
		return err
	}
	b.w.Close()
	if err := exited(wB, "child B"); err != nil {
		return err
	}
	var ws WaitStatus
	if wpid, err := Wait4(pid, &ws, 0, nil); err != nil || wpid != pid || ws.ExitStatus() != 0 {
		return fmt.Errorf("Wait4(%d) after B's Watcher = %d, %v, %v; want exit status 0", pid, wpid, ws, err)
	}
	return nil
}

// TestWatchOrphan: a process whose parent exited is re-parented to init (not
// to this test, which is no subreaper), so it is a child of PID 1 that this
// process does not own; Watch still reports its exit, and only once it
// happens.
func TestWatchOrphan(t *testing.T) {
	requireWatch(t)
	sh := newHeldShell(t, "(cat <&3 >/dev/null; exit 6) & echo $!")
	pid := startCmd(t, sh.cmd)
	gpid := sh.grandchild(t)
	wWaitStatus(t, pid, 0) // the shell is gone: its background job is an orphan
	ppid := parentPid(t, gpid)
	if ppid == os.Getpid() || ppid == pid {
		t.Fatalf("orphan %d has parent %d; want it re-parented away from the test (%d) and the shell (%d)", gpid, ppid, os.Getpid(), pid)
	}
	t.Logf("orphan %d re-parented to %d", gpid, ppid)
	w := mustWatch(t, gpid)
	wStillRunning(t, w)
	sh.hold.Close()
	wWait(t, w)
}

// parentPid reads the parent of pid from /proc/<pid>/stat (the field after
// the parenthesised command name and the state).
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return ppid
}
