//go:build unix

package wait

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reap and a subreaper take every child of the process they run in, so
// their tests run in a re-executed copy of the test binary that does nothing
// else: when reapHelperEnv is set, the init below runs the scenario it names,
// prints a JSON report on stdout and exits (0, or 1 with the reason on
// stderr). The test process itself never calls Reap on a live context.
const reapHelperEnv = "WAIT_REAP_HELPER"

func init() { runHelperIf(reapHelperEnv, runReapHelper) }

func runReapHelper(mode string, args helperArgs) int {
	num := args.num
	var rep any
	var err error
	switch mode {
	case "storm":
		rep, err = stormScenario(num(0), num(1), num(2))
	case "ownership":
		rep, err = ownershipScenario()
	case "reapall":
		rep, err = reapAllScenario(args.num(0))
	case "reapall-blocked":
		rep, err = reapAllBlockedScenario()
	case "subreaper":
		rep, err = subreaperScenario()
	case "probe":
		// Can this process become a subreaper? (A helper of its own: the
		// test process must not become one.)
		rep, err = map[string]string{"set": fmt.Sprint(SetSubreaper(true))}, nil
	default:
		err = fmt.Errorf("unknown reap helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "reap helper %s: %v\n", mode, err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runReapScenario runs the helper in mode with a time bound and decodes its
// report into rep. The helper is this test's only child, reaped by its pid
// (exec.CommandContext kills it by pid when the bound passes).
func runReapScenario(t *testing.T, bound time.Duration, rep any, mode string, args ...string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err, "finding the test binary to re-execute")
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = childEnv(os.Environ(), reapHelperEnv, mode)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "helper %s failed (bound %v); stderr:\n%s", mode, bound, stderr.String())
	require.NoError(t, json.Unmarshal(out, rep), "helper output: %s", out)
}

// requireSubreaper skips a test that needs a child subreaper only where the
// environment has none, decided without the code under test: an OS without
// the feature, a user-mode emulator (qemu-user 7.2 does not emulate
// PR_SET_CHILD_SUBREAPER; see emulator) or no /bin/sh to build process
// trees with. Anywhere else IsSubreaper and SetSubreaper must work, and the
// test fails if they do not: a regression must not turn into a skip.
func requireSubreaper(t *testing.T) {
	t.Helper()
	switch runtime.GOOS {
	case "linux", "android", "freebsd", "dragonfly":
	default:
		t.Skipf("needs a child subreaper (prctl or procctl), which %s lacks", runtime.GOOS)
	}
	if emu := emulator(); emu != "" {
		t.Skipf("needs a child subreaper, but runs under the emulator %s, which may not emulate one (qemu-user 7.2 does not)", emu)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("needs /bin/sh to build process trees: %v", err)
	}
	on, err := IsSubreaper()
	require.NoError(t, err, "IsSubreaper on %s, which has a child subreaper", runtime.GOOS)
	if !on {
		// Ask a helper to become one (the test process must not): the get
		// call working does not prove the set call does.
		var probe map[string]string
		runReapScenario(t, time.Minute, &probe, "probe")
		require.Equal(t, "<nil>", probe["set"], "SetSubreaper(true) in a helper on %s, which has a child subreaper", runtime.GOOS)
	}
}

// TestReapStorm is the storm of issue 7: in a helper that made itself a
// subreaper, middles shell processes each fork per grandchildren (subshells
// blocked reading one pipe) and exit at once, so the grandchildren are
// re-parented to the helper; then the pipe's last writer closes and every
// grandchild exits in the same instant, together with owned children started
// through Start. Reap must call fn exactly once per orphan (the middles and
// the grandchildren, counted as a multiset since a PID can be reused), never
// for an owned child, whose exit must reach its Handle; and afterwards no
// child, zombie or not, may be left.
func TestReapStorm(t *testing.T) {
	requireSubreaper(t)
	middles, per, owned := 100, 100, 50
	if testing.Short() {
		middles, per, owned = 10, 100, 10
	}
	var rep stormReport
	runReapScenario(t, 4*time.Minute, &rep, "storm", itoa(middles), itoa(per), itoa(owned))
	t.Logf("storm: %d middles, %d grandchildren, %d owned; reaped %d in %s after the release",
		rep.Middles, rep.Grandchildren, rep.Owned, rep.Reaped, rep.StormTime)

	assert.Empty(t, rep.Timeouts, "conditions the storm helper waited for in vain")
	assert.Equal(t, middles, rep.Middles, "middles started")
	assert.Equal(t, middles*per, rep.Grandchildren, "grandchildren reported by the middles")
	assert.Equal(t, rep.Grandchildren, rep.Reparented, "grandchildren re-parented to the subreaper before the release")
	assert.Equal(t, rep.Middles+rep.Grandchildren, rep.Reaped, "fn calls")
	assert.Empty(t, rep.Lost, "started but never passed to fn (of %d lost)", rep.LostCount)
	assert.Zero(t, rep.LostCount, "lost exits")
	assert.Empty(t, rep.Duplicates, "PIDs passed to fn more often than they were started")
	assert.Empty(t, rep.Unexpected, "PIDs passed to fn that were never started as orphans")
	assert.Zero(t, rep.BadStatus, "orphans whose status was not the expected exit code")
	assert.Zero(t, rep.OwnedInFn, "owned children passed to fn")
	assert.Equal(t, owned, rep.OwnedWaited, "owned children whose Handle.Wait returned exit status 7")
	assert.Empty(t, rep.OwnedErrors)
	assert.Zero(t, rep.Zombies, "zombie children left (from /proc)")
	assert.Zero(t, rep.Children, "children left (from /proc)")
	assert.True(t, rep.NoChildLeft, "waitid(P_ALL, WNOHANG) must say ECHILD after the storm")
	assert.Equal(t, context.Canceled.Error(), rep.ReapErr, "Reap's result after cancel")
}

type stormReport struct {
	Middles, Grandchildren, Owned int
	Reparented                    int
	Reaped                        int
	Lost                          []int // the first few
	LostCount                     int
	Duplicates, Unexpected        []int
	BadStatus                     int
	OwnedInFn, OwnedWaited        int
	OwnedErrors                   []string
	Zombies, Children             int
	NoChildLeft                   bool
	ReapErr                       string
	StormTime                     string
	Timeouts                      []string // what did not happen within its bound
}

// exitLog records what Reap passes to fn.
type exitLog struct {
	mu    sync.Mutex
	exits map[int][]WaitStatus
	n     int
}

func newExitLog() *exitLog { return &exitLog{exits: map[int][]WaitStatus{}} }

func (l *exitLog) add(e Exit) {
	l.mu.Lock()
	l.exits[e.Pid] = append(l.exits[e.Pid], e.Status)
	l.n++
	l.mu.Unlock()
}

func (l *exitLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *exitLog) has(pid int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.exits[pid]) > 0
}

// waitFor polls cond every millisecond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// orphanScript makes the shell fork n subshells that block reading fd 3,
// print each one's PID and exit: the subshells become orphans. A subshell
// exits with status 1 (read's EOF) when the pipe's last writer closes.
func orphanScript(n int) string {
	return `i=0; while [ $i -lt ` + itoa(n) + ` ]; do (exec >/dev/null; read x <&3) & echo $!; i=$((i+1)); done`
}

// startOrphans starts middles shells running orphanScript(per) with gate as
// fd 3 and returns their PIDs and, once every middle has exited, the PIDs of
// their subshells. The middles are plain os/exec children (not owned).
func startOrphans(middles, per int, gate *os.File) (mids, grands []int, err error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer pr.Close()
	read := make(chan []int, 1)
	go func() {
		var pids []int
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
				pids = append(pids, pid)
			}
		}
		read <- pids
	}()
	for range middles {
		cmd := exec.Command("/bin/sh", "-c", orphanScript(per))
		cmd.ExtraFiles = []*os.File{gate}
		cmd.Stdout = pw
		cmd.Stderr = os.Stderr
		if err = cmd.Start(); err != nil {
			break
		}
		mids = append(mids, cmd.Process.Pid)
		_ = cmd.Process.Release() // Reap, not cmd.Wait, collects it
	}
	pw.Close()
	grands = <-read
	return mids, grands, err
}

// procChildren scans /proc for processes whose parent is this process: all
// of them and the zombies among them. ok is false without a Linux /proc.
func procChildren() (children, zombies int, ok bool) {
	self := os.Getpid()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0, false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return 0, 0, false
	}
	for _, ent := range ents {
		if _, err := strconv.Atoi(ent.Name()); err != nil {
			continue
		}
		state, ppid, ok := procStat(ent.Name())
		if !ok || ppid != self {
			continue
		}
		children++
		if state == "Z" {
			zombies++
		}
	}
	return children, zombies, true
}

// procStat reads the state and parent PID of /proc/<pid>/stat.
func procStat(pid string) (state string, ppid int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return "", 0, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0], ppid, err == nil
}

// parentOf returns pid's parent PID from /proc, or -1.
func parentOf(pid int) int {
	if _, ppid, ok := procStat(itoa(pid)); ok {
		return ppid
	}
	return -1
}

func stormScenario(middles, per, nOwned int) (*stormReport, error) {
	if err := SetSubreaper(true); err != nil {
		return nil, err
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer gateR.Close()
	defer gateW.Close() // on an early return, releases whatever was started
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	log := newExitLog()
	reapDone := make(chan error, 1)
	go func() { reapDone <- Reap(ctx, log.add) }()

	rep := &stormReport{Owned: nOwned}
	// Owned children: they block on the gate like the orphans and exit 7.
	type ownedResult struct {
		e   Exit
		err error
	}
	ownedPids := map[int]bool{}
	results := make(chan ownedResult, nOwned)
	for range nOwned {
		cmd := exec.Command("/bin/sh", "-c", "read x <&3; exit 7")
		cmd.ExtraFiles = []*os.File{gateR}
		h, err := Start(cmd)
		if err != nil {
			return nil, fmt.Errorf("Start: %w", err)
		}
		_ = cmd.Process.Release()
		ownedPids[h.Pid()] = true
		go func() {
			e, err := h.Wait(ctx)
			results <- ownedResult{e, err}
		}()
	}

	mids, grands, err := startOrphans(middles, per, gateR)
	if err != nil {
		return nil, fmt.Errorf("starting the middles: %w", err)
	}
	rep.Middles, rep.Grandchildren = len(mids), len(grands)
	// Every middle has exited (its stdout reached EOF); wait until all are
	// reaped so that the grandchildren's parent is settled.
	if !waitFor(time.Minute, func() bool { return log.count() >= len(mids) }) {
		return nil, fmt.Errorf("only %d of %d middles reaped", log.count(), len(mids))
	}
	self := os.Getpid()
	for _, pid := range grands {
		if parentOf(pid) == self {
			rep.Reparented++
		}
	}

	// The storm: every grandchild and owned child sees EOF at once.
	start := time.Now()
	gateW.Close()
	want := len(mids) + len(grands)
	if !waitFor(time.Minute, func() bool { return log.count() >= want }) {
		rep.Timeouts = append(rep.Timeouts, fmt.Sprintf("a minute after the release fn had been called %d times, not %d", log.count(), want))
	}
	rep.StormTime = time.Since(start).Round(time.Millisecond).String()
	for range nOwned {
		r := <-results
		switch {
		case r.err != nil:
			rep.OwnedErrors = append(rep.OwnedErrors, r.err.Error())
		case !ownedPids[r.e.Pid] || r.e.Status.ExitStatus() != 7:
			rep.OwnedErrors = append(rep.OwnedErrors, fmt.Sprintf("Handle.Wait returned %v", r.e))
		default:
			rep.OwnedWaited++
		}
	}
	// Every child is gone, then Reap stops: once it has returned it can
	// call fn no more, so a duplicate call, however late, is in the log.
	noChild := func() bool {
		return errors.Is(Waitid(P_ALL, 0, nil, WEXITED|WNOHANG|WNOWAIT), syscall.ECHILD)
	}
	if !waitFor(time.Minute, noChild) {
		rep.Timeouts = append(rep.Timeouts, "a minute after the release this process still had children")
	}
	cancel()
	if err := <-reapDone; err != nil {
		rep.ReapErr = err.Error()
	}

	log.mu.Lock()
	expect := map[int]int{}
	for _, pid := range mids {
		expect[pid]++
	}
	for _, pid := range grands {
		expect[pid]++
	}
	rep.Reaped = log.n
	isGrand := map[int]bool{}
	for _, pid := range grands {
		isGrand[pid] = true
	}
	for pid, sts := range log.exits {
		if ownedPids[pid] {
			rep.OwnedInFn++
		}
		switch {
		case expect[pid] == 0:
			rep.Unexpected = append(rep.Unexpected, pid)
		case len(sts) > expect[pid]:
			rep.Duplicates = append(rep.Duplicates, pid)
		}
		for _, st := range sts {
			// Grandchildren exit 1 (read's EOF), middles 0; a PID used
			// by both may carry either.
			if !st.Exited() || (st.ExitStatus() != 1 && st.ExitStatus() != 0) ||
				(st.ExitStatus() == 0 && isGrand[pid] && expect[pid] == 1) {
				rep.BadStatus++
			}
		}
	}
	for pid, n := range expect {
		if missing := n - len(log.exits[pid]); missing > 0 {
			rep.LostCount += missing
			if len(rep.Lost) < 10 {
				rep.Lost = append(rep.Lost, pid)
			}
		}
	}
	log.mu.Unlock()

	if c, z, ok := procChildren(); ok {
		rep.Children, rep.Zombies = c, z
	}
	rep.NoChildLeft = noChild()
	return rep, nil
}

// TestReapOwnership checks, in a helper running Reap, that Reap takes
// nothing a Handle owns and everything else:
//
//   - a zombie that exited before Reap started reaches fn in the first sweep;
//   - a child started with Start and one adopted with Open reach h.Wait,
//     never fn;
//   - a child whose h.Wait was cancelled is collected by Reap on its
//     Handle's behalf and its Exit still reaches the next h.Wait;
//   - a child whose Handle was closed is an orphan like any other: fn;
//   - a plain os/exec child is reaped by Reap, and its cmd.Wait then fails
//     with ECHILD: why Cmd.Wait cannot be used beside a reaper;
//   - a peek that finds nothing allocates nothing.
func TestReapOwnership(t *testing.T) {
	requireSubreaper(t)
	var rep ownershipReport
	runReapScenario(t, time.Minute, &rep, "ownership")
	assert.Empty(t, rep.Timeouts, "conditions the ownership helper waited for in vain")
	assert.Equal(t, "exit status 5", rep.EarlyZombie, "zombie present before Reap started, as seen by fn")
	assert.Equal(t, "exit status 6", rep.Started, "Start child, as seen by h.Wait")
	assert.Equal(t, "exit status 8", rep.Opened, "Open child, as seen by h.Wait")
	assert.Equal(t, context.DeadlineExceeded.Error(), rep.CancelledFirst, "first h.Wait with a short deadline")
	assert.Equal(t, "exit status 9", rep.CancelledThen, "h.Wait after Reap collected the child for the Handle")
	assert.Equal(t, "exit status 10", rep.Closed, "child of a closed Handle, as seen by fn")
	assert.Zero(t, rep.OwnedInFn, "owned children passed to fn")
	assert.Equal(t, "exit status 11", rep.ExecReaped, "os/exec child, as seen by fn")
	assert.True(t, rep.ExecWaitECHILD, "cmd.Wait after Reap took the child must fail with ECHILD; got %q", rep.ExecWaitErr)
	assert.Zero(t, rep.PeekAllocs, "allocations of a sweep step that finds no child")
	assert.Equal(t, context.Canceled.Error(), rep.ReapErr)
}

type ownershipReport struct {
	EarlyZombie                   string
	Started, Opened               string
	CancelledFirst, CancelledThen string
	Closed                        string
	OwnedInFn                     int
	ExecReaped                    string
	ExecWaitErr                   string
	ExecWaitECHILD                bool
	PeekAllocs                    float64
	ReapErr                       string
	Timeouts                      []string // what did not happen within its bound
}

// gatedChild makes "read x <&3; exit code" with a fresh gate pipe as fd 3
// and returns the command and the gate's write end: closing it ends the
// child. The parent's copy of the read end is left to the garbage collector.
func gatedChild(code int) (*exec.Cmd, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("/bin/sh", "-c", "read x <&3; exit "+itoa(code))
	cmd.ExtraFiles = []*os.File{r}
	return cmd, w, nil
}

func ownershipScenario() (*ownershipReport, error) {
	rep := &ownershipReport{}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	// Nothing to reap yet: the peek must not allocate.
	rep.PeekAllocs = testing.AllocsPerRun(100, func() { _, _, _ = reapOne() })

	// A zombie that exists before Reap starts.
	early := exec.Command("/bin/sh", "-c", "exit 5")
	if err := early.Start(); err != nil {
		return nil, err
	}
	earlyPid := early.Process.Pid
	_ = early.Process.Release()
	if !waitFor(10*time.Second, func() bool { return exitedPid(earlyPid) }) {
		return nil, fmt.Errorf("child %d did not exit", earlyPid)
	}

	log := newExitLog()
	reapDone := make(chan error, 1)
	go func() { reapDone <- Reap(ctx, log.add) }()
	if !waitFor(10*time.Second, func() bool { return log.has(earlyPid) }) {
		return nil, fmt.Errorf("the early zombie %d never reached fn", earlyPid)
	}
	rep.EarlyZombie = statusOf(log, earlyPid)

	owned := map[int]bool{}
	// Start: owned from the fork on.
	cmd, gate, err := gatedChild(6)
	if err != nil {
		return nil, err
	}
	h, err := Start(cmd)
	if err != nil {
		return nil, err
	}
	owned[h.Pid()] = true
	gate.Close()
	e, err := h.Wait(ctx)
	rep.Started = describe(e, err)

	// Open: a plain child, adopted while it still runs.
	cmd, gate, err = gatedChild(8)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h, err = Open(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	_ = cmd.Process.Release()
	owned[h.Pid()] = true
	gate.Close()
	e, err = h.Wait(ctx)
	rep.Opened = describe(e, err)

	// A cancelled Wait: the exit then happens while only Reap watches.
	cmd, gate, err = gatedChild(9)
	if err != nil {
		return nil, err
	}
	h, err = Start(cmd)
	if err != nil {
		return nil, err
	}
	owned[h.Pid()] = true
	short, stop := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = h.Wait(short)
	stop()
	rep.CancelledFirst = describe(Exit{}, err)
	gate.Close()
	pid := h.Pid()
	// Reap collects it for the Handle: the zombie disappears without fn.
	if !waitFor(10*time.Second, func() bool { return parentOf(pid) != os.Getpid() }) {
		rep.Timeouts = append(rep.Timeouts, fmt.Sprintf("child %d of a cancelled Wait was not collected by Reap within 10s", pid))
	}
	e, err = h.Wait(ctx)
	rep.CancelledThen = describe(e, err)

	// A closed Handle gives its child up.
	cmd, gate, err = gatedChild(10)
	if err != nil {
		return nil, err
	}
	h, err = Start(cmd)
	if err != nil {
		return nil, err
	}
	h.Close()
	gate.Close()
	if waitFor(10*time.Second, func() bool { return log.has(h.Pid()) }) {
		rep.Closed = statusOf(log, h.Pid())
	} else {
		rep.Timeouts = append(rep.Timeouts, fmt.Sprintf("child %d of a closed Handle did not reach fn within 10s", h.Pid()))
	}

	// os/exec's own Wait beside Reap.
	ex := exec.Command("/bin/sh", "-c", "exit 11")
	if err := ex.Start(); err != nil {
		return nil, err
	}
	if waitFor(10*time.Second, func() bool { return log.has(ex.Process.Pid) }) {
		rep.ExecReaped = statusOf(log, ex.Process.Pid)
	} else {
		rep.Timeouts = append(rep.Timeouts, fmt.Sprintf("os/exec child %d did not reach fn within 10s", ex.Process.Pid))
	}
	err = ex.Wait()
	if err != nil {
		rep.ExecWaitErr = err.Error()
	}
	rep.ExecWaitECHILD = errors.Is(err, syscall.ECHILD)

	log.mu.Lock()
	for pid := range log.exits {
		if owned[pid] {
			rep.OwnedInFn++
		}
	}
	log.mu.Unlock()
	cancel()
	if err := <-reapDone; err != nil {
		rep.ReapErr = err.Error()
	}
	return rep, nil
}

func statusOf(l *exitLog, pid int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []string
	for _, st := range l.exits[pid] {
		s = append(s, st.String())
	}
	return strings.Join(s, ", ")
}

func describe(e Exit, err error) string {
	if err != nil {
		return err.Error()
	}
	return e.Status.String()
}

// TestReapCancelled runs in the test process: with a context that has
// already ended Reap returns ctx.Err() before any wait call, so it cannot
// take another test's child.
func TestReapCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := Reap(ctx, func(Exit) { called = true })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, called)
}
