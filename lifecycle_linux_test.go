package wait

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Lifecycle scenarios that need a process of their own: a new PID
// namespace whose next PID the scenario sets through
// /proc/sys/kernel/ns_last_pid (so a reaped child's PID is reused at once),
// a running Reap, or a tracer. Each runs in a re-executed copy of the test
// binary (nsHelperEnv) that prints a JSON report of what it saw; the test
// asserts on the report.

const nsHelperEnv = "WAIT_LIFECYCLE_HELPER"

func init() {
	runHelperIf(nsHelperEnv, func(mode string, _ helperArgs) int {
		rep, err := runLifecycleScenario(mode)
		if err != nil {
			fmt.Fprintf(os.Stderr, "lifecycle helper %s: %v\n", mode, err)
			return 1
		}
		if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
			return 1
		}
		return 0
	})
}

// lifecycleReport is what every scenario reports: the facts it checked, by
// name, and the violations it found.
type lifecycleReport struct {
	Facts      map[string]string
	Violations []string
}

func (r *lifecycleReport) fact(k string, v any) { r.Facts[k] = fmt.Sprint(v) }

func (r *lifecycleReport) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

func runLifecycleScenario(mode string) (*lifecycleReport, error) {
	rep := &lifecycleReport{Facts: map[string]string{}}
	name, backend, _ := strings.Cut(mode, "/")
	forceSigchld.Store(backend == "sigchld")
	if name == "reuse" || name == "foreign" || name == "groupreuse" {
		if err := mountOwnProc(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	switch name {
	case "reuse":
		err = reuseScenario(ctx, rep)
	case "foreign":
		err = foreignReapScenario(ctx, rep)
	case "groupreuse":
		err = groupReuseScenario(ctx, rep)
	case "trace":
		err = traceReapScenario(ctx, rep)
	case "panic":
		err = reapPanicScenario(ctx, rep)
	default:
		err = fmt.Errorf("unknown scenario %q", mode)
	}
	return rep, err
}

// mountOwnProc gives this process (init of a new PID and mount namespace) a
// /proc of its own PID namespace, so that /proc/<pid> and ns_last_pid speak
// of its processes.
func mountOwnProc() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting proc: %w", err)
	}
	return nil
}

// nextPid makes the next fork in this PID namespace return pid (when it is
// free).
func nextPid(pid int) error {
	return os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(itoa(pid-1)), 0)
}

// scenarioCmd is helperCmd for a scenario: the test binary in a helper mode.
func scenarioCmd(mode string, args ...string) *exec.Cmd {
	exe, _ := os.Executable()
	return selfCmd(exe, helperEnv, mode, args...) // no scenario in the child
}

// scenarioBlock is blockCmd for a scenario: the child reads stdin until the
// returned write end is closed. The parent's read end is closed by start.
type scenarioBlock struct {
	cmd  *exec.Cmd
	r, w *os.File
}

func newScenarioBlock() (*scenarioBlock, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := scenarioCmd("block")
	cmd.Stdin = r
	return &scenarioBlock{cmd: cmd, r: r, w: w}, nil
}

// started closes the parent's copy of the read end once the child has one.
func (b *scenarioBlock) started() { b.r.Close() }

// running reports whether pid is an unreaped child that has not exited, by
// a peek that reaps and consumes nothing.
func running(pid int) bool {
	var info Info
	err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT)
	return err == nil && info.Pid == 0
}

// killAndReap ends pid, an unreaped child of ours (so the PID is not reused
// while we signal it).
func killAndReap(pid int) {
	if running(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_, _ = Wait4(pid, nil, 0, nil)
}

// await polls until pid reached l (Reap's fn) or ctx ends, and returns
// its statuses.
func (l *exitLog) await(ctx context.Context, pid int) []WaitStatus {
	for ctx.Err() == nil {
		l.mu.Lock()
		s := l.exits[pid]
		l.mu.Unlock()
		if len(s) > 0 {
			return s
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// startReap runs Reap into log until the returned stop is called (once or
// more); stop returns Reap's result.
func startReap(ctx context.Context, log *exitLog) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Reap(ctx, log.add) }()
	return sync.OnceValue(func() error {
		cancel()
		return <-done
	})
}

// reuseScenario: with Reap running, a child waited for through its Handle
// and never closed; its PID then goes to a new Start (which must work) and
// then to an unowned child (whose exit must reach fn, not the old Handle).
func reuseScenario(ctx context.Context, rep *lifecycleReport) error {
	log := newExitLog()
	stop := startReap(ctx, log)
	defer stop()

	hA, err := Start(scenarioCmd("exit", "3"))
	if err != nil {
		return err
	}
	a := hA.Pid()
	eA, err := hA.Wait(ctx)
	if err != nil || eA.Status.ExitStatus() != 3 {
		rep.violate("first child: Wait = %v, %v; want exit status 3", eA.Status, err)
	}
	if ownerOf(a) != nil {
		rep.violate("pid %d still owned after Wait returned its Exit", a)
	}
	if _, err := Open(a); !errors.Is(err, syscall.ECHILD) {
		rep.violate("Open of the reaped pid %d = %v; want ECHILD", a, err)
	}

	// A new owned child on the same PID.
	b, err := newScenarioBlock()
	if err != nil {
		return err
	}
	if err := nextPid(a); err != nil {
		return err
	}
	hB, err := Start(b.cmd)
	if b.cmd.Process != nil {
		b.started()
		defer killAndReap(b.cmd.Process.Pid)
	}
	if err != nil {
		rep.violate("Start of a child on the recycled pid %d: %v", a, err)
		return nil
	}
	rep.fact("reused", hB.Pid() == a)
	if hB.Pid() != a {
		return fmt.Errorf("ns_last_pid did not put the new child on pid %d (got %d)", a, hB.Pid())
	}
	if err := hA.Signal(syscall.SIGKILL); !errors.Is(err, os.ErrProcessDone) {
		rep.violate("old Handle's Signal after reuse = %v; want os.ErrProcessDone", err)
	}
	if !running(a) {
		rep.violate("the new child on pid %d did not survive the old Handle's Signal", a)
	}
	if e, err := hA.Wait(ctx); err != nil || e != eA {
		rep.violate("old Handle's Wait after reuse = %+v, %v; want its own %+v", e, err, eA)
	}
	b.w.Close()
	if e, err := hB.Wait(ctx); err != nil || !e.Status.Exited() || e.Status.ExitStatus() != 0 || e.Pid != a {
		rep.violate("new Handle on the recycled pid: Wait = %+v, %v; want pid %d exit status 0", e, err, a)
	}

	// An unowned child on the same PID: Reap's, not a stale Handle's.
	if err := nextPid(a); err != nil {
		return err
	}
	c := scenarioCmd("exit", "5")
	if err := c.Start(); err != nil {
		return err
	}
	rep.fact("unowned reused", c.Process.Pid == a)
	if st := log.await(ctx, c.Process.Pid); len(st) != 1 || st[0].ExitStatus() != 5 {
		rep.violate("unowned child on the recycled pid %d reached fn as %v; want once, exit status 5", c.Process.Pid, st)
	}
	// And nothing stalls behind it.
	d := scenarioCmd("exit", "6")
	if err := d.Start(); err != nil {
		return err
	}
	if st := log.await(ctx, d.Process.Pid); len(st) != 1 || st[0].ExitStatus() != 6 {
		rep.violate("a later unowned child reached fn as %v; want exit status 6", st)
	}
	if n := ownedCount(); n != 0 {
		rep.violate("%d children still owned after every Handle's child was reaped", n)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		rep.violate("Reap returned %v; want context.Canceled", err)
	}
	return nil
}

// foreignReapScenario: on the SIGCHLD path, other code reaps an owned child
// (a misuse the docs warn about) and its PID is reused by a new child. The
// Handle must say ECHILD, never reap or signal the new process.
func foreignReapScenario(ctx context.Context, rep *lifecycleReport) error {
	a, err := newScenarioBlock()
	if err != nil {
		return err
	}
	hA, err := Start(a.cmd)
	if err != nil {
		return err
	}
	a.started()
	pid := hA.Pid()
	if err := hA.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	if _, err := Wait4(pid, nil, 0, nil); err != nil { // the foreign reap
		return err
	}
	b, err := newScenarioBlock()
	if err != nil {
		return err
	}
	if err := nextPid(pid); err != nil {
		return err
	}
	if err := b.cmd.Start(); err != nil {
		return err
	}
	b.started()
	defer killAndReap(b.cmd.Process.Pid)
	if b.cmd.Process.Pid != pid {
		return fmt.Errorf("ns_last_pid did not put the new child on pid %d (got %d)", pid, b.cmd.Process.Pid)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e, err := hA.Wait(wctx)
	rep.fact("wait", describe(e, err))
	if !errors.Is(err, syscall.ECHILD) {
		rep.violate("Wait after a foreign reap and reuse of pid %d = %+v, %v; want an error wrapping ECHILD", pid, e, err)
	}
	if !running(pid) {
		rep.violate("the new process on pid %d was reaped or ended by the old Handle's Wait", pid)
	}
	if err := hA.Signal(syscall.SIGTERM); err == nil {
		rep.violate("Signal after a foreign reap and reuse succeeded; it must not reach the new process")
	}
	if !running(pid) {
		rep.violate("the new process on pid %d was signalled through the old Handle", pid)
	}
	return nil
}

// traceReapScenario: with Reap running and this goroutine's thread as the
// tracer, an owned and an unowned child stop at their exec with SIGTRAP.
// Reap must reap an unowned child that exits behind them (nothing stalls),
// leave both traps for the tracer, and deliver each traced child's exit to
// its owner once the tracer lets it go.
func traceReapScenario(ctx context.Context, rep *lifecycleReport) error {
	runtime.LockOSThread() // ptrace requests come from the tracer thread
	defer runtime.UnlockOSThread()
	log := newExitLog()
	stop := startReap(ctx, log)
	defer stop()

	traced := func(code string) *exec.Cmd {
		c := scenarioCmd("exit", code)
		c.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
		return c
	}
	owned := traced("8")
	h, err := Start(owned)
	if err != nil {
		return err
	}
	defer killAndReap(h.Pid())
	unowned := traced("9")
	if err := unowned.Start(); err != nil {
		return err
	}
	u := unowned.Process.Pid
	defer killAndReap(u)
	waited := make(chan Exit, 1)
	go func() {
		e, err := h.Wait(ctx)
		if err != nil {
			rep.violate("owned traced child: Wait: %v", err)
		}
		waited <- e
	}()
	for _, pid := range []int{h.Pid(), u} {
		if !awaitState(ctx, pid, "t") {
			return fmt.Errorf("traced child %d never reached its exec trap", pid)
		}
	}
	// The owned child's Wait parks while its child sits in the trap: it
	// never sleeps in a retry loop (no polling).
	if err := awaitGoroutines(ctx.Done(), 1, parkedStates, "wait.(*Handle).Wait("); err != nil {
		rep.violate("Wait on a stopped tracee is not parked: %v", err)
	}
	for range 20 {
		for _, g := range goroutineDump() {
			if strings.Contains(g, "wait.(*Handle).Wait(") && strings.Contains(g, "wait.sleepCtx(") {
				rep.violate("Wait on a stopped tracee polls: %s", g)
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	// An exit behind the two traps.
	x := scenarioCmd("exit", "4")
	if err := x.Start(); err != nil {
		return err
	}
	if st := log.await(ctx, x.Process.Pid); len(st) != 1 || st[0].ExitStatus() != 4 {
		rep.violate("an exit behind two ptrace stops reached fn as %v; want exit status 4 (Reap stalled)", st)
	}
	// The tracer's reports are still there, and the tracer takes them.
	for _, pid := range []int{h.Pid(), u} {
		var info Info
		if err := Waitid(P_PID, pid, &info, WEXITED|WSTOPPED|WNOHANG|WNOWAIT); err != nil || info.Code != CLD_TRAPPED {
			rep.violate("the exec trap of traced child %d is gone before its tracer looked: %v, %v", pid, info, err)
			continue
		}
		var ws WaitStatus
		if wpid, err := Wait4(pid, &ws, WNOHANG, nil); err != nil || wpid != pid || ws.StopSignal() != syscall.SIGTRAP {
			rep.violate("tracer's wait4 for %d = %d, %v, %v; want the SIGTRAP stop", pid, wpid, ws, err)
		}
		if err := unix.PtraceDetach(pid); err != nil {
			return fmt.Errorf("PTRACE_DETACH %d: %w", pid, err)
		}
	}
	select {
	case e := <-waited:
		rep.fact("owned", e.Status)
		if !e.Status.Exited() || e.Status.ExitStatus() != 8 {
			rep.violate("owned traced child's Wait = %v; want exit status 8 (not the trap)", e.Status)
		}
	case <-ctx.Done():
		rep.violate("owned traced child's Wait never returned")
	}
	if st := log.await(ctx, u); len(st) != 1 || st[0].ExitStatus() != 9 {
		rep.violate("unowned traced child reached fn as %v; want once, exit status 9", st)
	}
	if log.has(h.Pid()) {
		rep.violate("the owned traced child reached fn")
	}
	return nil
}

// awaitState polls /proc until pid's state is st (such as "t", tracing
// stop) or ctx ends.
func awaitState(ctx context.Context, pid int, st string) bool {
	for ctx.Err() == nil {
		if f, err := readProcStat(pid); err == nil && len(f) > 0 && string(f[0]) == st {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// reapPanicScenario: fn panics; Reap's panic is recovered by the caller.
// No lock may be left held: Start, Handle.Wait and a new Reap still work.
func reapPanicScenario(ctx context.Context, rep *lifecycleReport) error {
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_ = Reap(ctx, func(Exit) { panic("fn panics") })
	}()
	c := scenarioCmd("exit", "1")
	if err := c.Start(); err != nil {
		return err
	}
	select {
	case v := <-panicked:
		rep.fact("recovered", v)
	case <-ctx.Done():
		return errors.New("fn never ran")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h, err := Start(scenarioCmd("exit", "2"))
		if err != nil {
			rep.violate("Start after a panic in fn: %v", err)
			return
		}
		if e, err := h.Wait(ctx); err != nil || e.Status.ExitStatus() != 2 {
			rep.violate("Wait after a panic in fn = %v, %v", e.Status, err)
		}
		log := newExitLog()
		stop := startReap(ctx, log)
		defer stop()
		d := scenarioCmd("exit", "3")
		if err := d.Start(); err != nil {
			rep.violate("starting a child: %v", err)
			return
		}
		if st := log.await(ctx, d.Process.Pid); len(st) != 1 {
			rep.violate("a new Reap after the panic reached fn with %v", st)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		rep.violate("Start or Reap wedged after a panic in Reap's fn")
	}
	return nil
}

// runLifecycle runs scenario mode in a helper process and fails the test
// on each violation it reports. pidns puts the helper in new PID and mount
// namespaces.
func runLifecycle(t *testing.T, mode string, pidns bool) *lifecycleReport {
	t.Helper()
	if e := emulator(); e != "" {
		t.Skipf("runs under the user-mode emulator %s, which emulates neither ptrace nor namespaces", e)
	}
	if pidns && os.Geteuid() != 0 {
		t.Skip("needs root: a new PID namespace and writes to /proc/sys/kernel/ns_last_pid")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = childEnv(os.Environ(), nsHelperEnv, mode)
	if pidns {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if pidns && cmd.Process == nil && (errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL)) {
		t.Skipf("this system refuses new PID namespaces (clone: %v)", err)
	}
	if err != nil {
		t.Fatalf("scenario %s: %v\nstderr:\n%s", mode, err, stderr.String())
	}
	var rep lifecycleReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("scenario %s printed %q: %v", mode, out, err)
	}
	t.Logf("%s: %v", mode, rep.Facts)
	for _, v := range rep.Violations {
		t.Error(v)
	}
	return &rep
}

// eachBackendScenario runs the lifecycle scenario name (see runLifecycle)
// once for each backend, pidfd and sigchld, as subtests named after them.
func eachBackendScenario(t *testing.T, name string, pidns bool) {
	t.Helper()
	for _, b := range []string{"pidfd", "sigchld"} {
		t.Run(b, func(t *testing.T) {
			if b == "pidfd" {
				requirePidfd(t)
			}
			runLifecycle(t, name+"/"+b, pidns)
		})
	}
}

// TestReuseAfterWait (defect: a reaped Handle kept its PID until Close):
// Start on the recycled PID works, the old Handle neither signals nor
// reports the new child, and an unowned child on the PID reaches Reap.
func TestReuseAfterWait(t *testing.T) {
	eachBackendScenario(t, "reuse", true)
}

// TestForeignReapThenReuse (defect: on the SIGCHLD path a Handle whose child
// other code reaped went on to reap the process that reused the PID).
func TestForeignReapThenReuse(t *testing.T) {
	runLifecycle(t, "foreign/sigchld", true)
}

// TestReapLeavesTraps (defect: Handle and Reap consumed ptrace stops, and a
// trap at the head of the kernel's list stalled Reap).
func TestReapLeavesTraps(t *testing.T) {
	eachBackendScenario(t, "trace", false)
}

// TestReapPanicHoldsNoLock (defect: a recovered panic wedged Start and
// Reap).
func TestReapPanicHoldsNoLock(t *testing.T) {
	runLifecycle(t, "panic/pidfd", false)
}
