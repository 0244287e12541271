//go:build unix

package wait

import (
	"bufio"
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

	"github.com/stretchr/testify/assert"
)

// TestReapAll: in a helper that made itself a subreaper, 50 unowned
// children (the test binary blocked on one gate pipe, exiting 10 to 14), a
// shell that backgrounds two subshells blocked on the same gate and exits
// (so they become orphans of the helper) and a child started with Start
// (exit 9) all run when ReapAll starts. ReapAll must not return while they
// live (checked after the shell was reaped and the orphans re-parented), and
// must return nil once the gate is closed and all have exited; fn must have
// seen each unowned child exactly once with its own exit status and never
// the owned one, whose Exit reaches h.Wait; afterwards the kernel reports no
// child and no Handle owns anything.
func TestReapAll(t *testing.T) {
	requireSubreaper(t)
	var rep reapAllReport
	runReapScenario(t, 3*time.Minute, &rep, "reapall", "50")
	t.Logf("report: %+v", rep)
	assert.Empty(t, rep.Problems)
	assert.Equal(t, 50, rep.Plain, "plain children started")
	assert.Equal(t, 2, rep.Orphans, "orphans reported by the shell")
	assert.Equal(t, 2, rep.Reparented, "orphans re-parented to the helper before the release")
	assert.True(t, rep.RunningWhileLive, "ReapAll returned while children were alive")
	assert.Equal(t, "<nil>", rep.ReapAllErr, "ReapAll's result once every child exited")
	assert.Equal(t, 50+1+2, rep.FnCalls, "fn calls: 50 plain children, the shell, its 2 orphans")
	assert.Empty(t, rep.Missing, "unowned children fn never saw")
	assert.Empty(t, rep.Duplicates, "children fn saw more than once")
	assert.Empty(t, rep.Unexpected, "PIDs fn saw that were never started")
	assert.Empty(t, rep.BadStatus, "children fn saw with another status than their own")
	assert.False(t, rep.OwnedInFn, "the owned child reached fn")
	assert.Equal(t, "exit status 9", rep.OwnedWait, "h.Wait of the owned child")
	assert.True(t, rep.NoChildLeft, "waitid(P_ALL) must say ECHILD after ReapAll returned nil")
	assert.Zero(t, rep.OwnedLeft, "Handles still owning a child after ReapAll returned nil")
}

type reapAllReport struct {
	Plain, Orphans, Reparented int
	RunningWhileLive           bool
	ReapAllErr                 string
	FnCalls                    int
	Missing, Duplicates        []int
	Unexpected                 []int
	BadStatus                  []string
	OwnedInFn                  bool
	OwnedWait                  string
	NoChildLeft                bool
	OwnedLeft                  int
	Problems                   []string
}

func reapAllScenario(nPlain int) (rep *reapAllReport, err error) {
	if err := SetSubreaper(true); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// Closing the gate ends every child; on an early return that is the
	// cleanup (no child of a helper outlives it for long).
	defer gateW.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rep = &reapAllReport{}
	want := map[int]int{} // unowned pid -> exit status
	for i := range nPlain {
		code := 10 + i%5
		cmd := selfCmd(exe, helperEnv, "block", itoa(code))
		cmd.Stdin = gateR
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		want[cmd.Process.Pid] = code
		_ = cmd.Process.Release()
		rep.Plain++
	}
	// The orphan maker: two subshells wait on the gate (stdout closed, so
	// that the shell's output ends when the shell does) and it exits.
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	mid := exec.Command("/bin/sh", "-c", `(exec >/dev/null; read x <&3; exit 5) & echo $!; (exec >/dev/null; read x <&3; exit 6) & echo $!`)
	mid.ExtraFiles = []*os.File{gateR}
	mid.Stdout = pw
	if err := mid.Start(); err != nil {
		return nil, err
	}
	pw.Close()
	midPid := mid.Process.Pid // Release sets Process.Pid to -1
	want[midPid] = 0
	_ = mid.Process.Release()
	var orphans []int
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
			orphans = append(orphans, pid)
		}
	}
	pr.Close()
	for i, pid := range orphans {
		want[pid] = 5 + i
	}
	rep.Orphans = len(orphans)

	// The owned child.
	owned := selfCmd(exe, helperEnv, "block", "9")
	owned.Stdin = gateR
	h, err := Start(owned)
	if err != nil {
		return nil, fmt.Errorf("Start: %w", err)
	}
	gateR.Close() // the children hold their own copies
	waited := make(chan string, 1)
	go func() {
		e, err := h.Wait(ctx)
		_ = owned.Process.Release() // after h.Wait: Start's Handle reaps through cmd.Process
		if err == nil && e.Pid != h.Pid() {
			err = fmt.Errorf("h.Wait returned pid %d, not %d", e.Pid, h.Pid())
		}
		waited <- describe(e, err)
	}()

	log := newExitLog()
	reapDone := make(chan error, 1)
	go func() { reapDone <- ReapAll(ctx, log.add) }()

	// The shell is reaped (by ReapAll: fn), its subshells are ours now,
	// and ReapAll goes on: 53 children still run.
	if !waitFor(time.Minute, func() bool { return log.has(midPid) }) {
		rep.Problems = append(rep.Problems, "the orphan-making shell never reached fn")
	}
	self := os.Getpid()
	for _, pid := range orphans {
		if parentOf(pid) == self {
			rep.Reparented++
		}
	}
	select {
	case err := <-reapDone:
		rep.Problems = append(rep.Problems, fmt.Sprintf("ReapAll returned %v while children ran", err))
		reapDone <- err
	default:
		rep.RunningWhileLive = true
	}

	gateW.Close()
	select {
	case err := <-reapDone:
		rep.ReapAllErr = fmt.Sprint(err)
	case <-time.After(time.Minute):
		rep.Problems = append(rep.Problems, "ReapAll did not return within a minute of the release")
		cancel()
		rep.ReapAllErr = fmt.Sprint(<-reapDone)
	}
	select {
	case rep.OwnedWait = <-waited:
	case <-time.After(time.Minute):
		rep.Problems = append(rep.Problems, "h.Wait did not return within a minute of the release")
	}
	rep.NoChildLeft = errors.Is(Waitid(P_ALL, 0, nil, WEXITED|WNOHANG|WNOWAIT), syscall.ECHILD)
	rep.OwnedLeft = ownedCount()

	log.mu.Lock()
	defer log.mu.Unlock()
	rep.FnCalls = log.n
	for pid, sts := range log.exits {
		if pid == h.Pid() {
			rep.OwnedInFn = true
		}
		code, ok := want[pid]
		switch {
		case !ok:
			rep.Unexpected = append(rep.Unexpected, pid)
		case len(sts) > 1:
			rep.Duplicates = append(rep.Duplicates, pid)
		}
		for _, st := range sts {
			if ok && (!st.Exited() || st.ExitStatus() != code) {
				rep.BadStatus = append(rep.BadStatus, fmt.Sprintf("pid %d: %v, want exit status %d", pid, st, code))
			}
		}
	}
	for pid := range want {
		if len(log.exits[pid]) == 0 {
			rep.Missing = append(rep.Missing, pid)
		}
	}
	return rep, nil
}

// TestReapAllBlocked: beside a child blocked reading a pipe and a child
// stopped by SIGSTOP, ReapAll keeps running: it reaps a third child that
// exits meanwhile (fn sees it, so a sweep ran and chose not to return),
// stays parked (over a 300 ms window the helper uses less than half of it
// in CPU time: no polling loop) and has not returned; cancelling its ctx
// makes it return context.Canceled. The stop is not consumed:
// waitid(P_PID, WSTOPPED|WNOHANG) still reports the child stopped by
// SIGSTOP. Then both are killed by PID and reaped with SIGKILL's status.
func TestReapAllBlocked(t *testing.T) {
	var rep reapAllBlockedReport
	runReapScenario(t, 2*time.Minute, &rep, "reapall-blocked")
	t.Logf("report: %+v", rep)
	assert.Empty(t, rep.Problems)
	assert.Equal(t, "exit status 4", rep.Short, "the child that exited while ReapAll ran, as fn saw it")
	assert.True(t, rep.RunningBeforeCancel, "ReapAll returned beside a blocked and a stopped child")
	assert.Less(t, rep.CPUDuringWindow, rep.Window/2, "CPU time used while ReapAll was parked (ns)")
	assert.Equal(t, context.Canceled.Error(), rep.ReapAllErr, "ReapAll's result after cancel")
	assert.Equal(t, "CLD_STOPPED SIGSTOP", rep.StopAfter, "waitid(P_PID, WSTOPPED|WNOHANG) on the stopped child after ReapAll")
	assert.Equal(t, []string{"signal: killed", "signal: killed"}, rep.Killed, "the blocked and the stopped child, killed by PID and reaped")
	assert.Equal(t, 1, rep.FnCalls, "fn calls: only the short child")
}

type reapAllBlockedReport struct {
	Short                   string
	RunningBeforeCancel     bool
	Window, CPUDuringWindow time.Duration
	ReapAllErr              string
	StopAfter               string
	Killed                  []string
	FnCalls                 int
	Problems                []string
}

func reapAllBlockedScenario() (*reapAllBlockedReport, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rep := &reapAllBlockedReport{Window: 300 * time.Millisecond}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer gateW.Close()
	var live []int
	// Whatever happens, no child outlives the helper: kill and reap each by
	// its pid (an unreaped child's pid cannot be reused).
	defer func() {
		for _, pid := range live {
			if killChild(pid, syscall.SIGKILL) == nil {
				_, _ = Wait4(pid, nil, 0, nil)
			}
		}
	}()
	start := func(mode string, args ...string) (int, error) {
		cmd := selfCmd(exe, helperEnv, mode, args...)
		cmd.Stdin = gateR
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		pid := cmd.Process.Pid // Release sets Process.Pid to -1
		_ = cmd.Process.Release()
		return pid, nil
	}
	blocked, err := start("block")
	if err != nil {
		return nil, err
	}
	live = append(live, blocked)
	stopped, err := start("block")
	if err != nil {
		return nil, err
	}
	live = append(live, stopped)
	gateR.Close()
	if err := killChild(stopped, syscall.SIGSTOP); err != nil {
		return nil, err
	}
	// Wait for the stop with a peek that leaves it in place.
	isStopped := func() bool {
		var info Info
		err := Waitid(P_PID, stopped, &info, WSTOPPED|WNOHANG|WNOWAIT)
		return err == nil && info.Pid == stopped && info.Code == CLD_STOPPED
	}
	if !waitFor(time.Minute, isStopped) {
		return nil, fmt.Errorf("child %d never reported its SIGSTOP", stopped)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := newExitLog()
	reapDone := make(chan error, 1)
	go func() { reapDone <- ReapAll(ctx, log.add) }()

	short, err := start("exit", "4")
	if err != nil {
		return nil, err
	}
	if waitFor(time.Minute, func() bool { return log.has(short) }) {
		rep.Short = statusOf(log, short)
	} else {
		rep.Problems = append(rep.Problems, fmt.Sprintf("the short child %d never reached fn", short))
	}

	// Parked, not polling: the CPU time of the whole helper over a window.
	before := cpuTime()
	time.Sleep(rep.Window)
	rep.CPUDuringWindow = cpuTime() - before
	select {
	case err := <-reapDone:
		rep.Problems = append(rep.Problems, fmt.Sprintf("ReapAll returned %v beside a blocked and a stopped child", err))
		reapDone <- err
	default:
		rep.RunningBeforeCancel = true
	}
	cancel()
	select {
	case err := <-reapDone:
		rep.ReapAllErr = fmt.Sprint(err)
	case <-time.After(time.Minute):
		return nil, errors.New("ReapAll did not return within a minute of the cancel")
	}

	// The stop is still there for the parent to see (this consumes it).
	var info Info
	if err := Waitid(P_PID, stopped, &info, WSTOPPED|WNOHANG); err != nil {
		rep.StopAfter = err.Error()
	} else if info.Pid == stopped {
		rep.StopAfter = info.Code.String() + " " + SignalName(syscall.Signal(info.Status))
	}

	for _, pid := range live {
		if err := killChild(pid, syscall.SIGKILL); err != nil {
			return nil, err
		}
		var ws WaitStatus
		if _, err := Wait4(pid, &ws, 0, nil); err != nil {
			rep.Killed = append(rep.Killed, err.Error())
			continue
		}
		rep.Killed = append(rep.Killed, ws.String())
	}
	live = nil
	rep.FnCalls = log.count()
	return rep, nil
}

// killChild sends sig to pid, which must be a single process: kill(2) with
// 0 or a negative pid would signal a process group or every process.
func killChild(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return fmt.Errorf("refusing to signal pid %d: not a single process", pid)
	}
	return syscall.Kill(pid, sig)
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestReapAllCancelled runs in the test process: with a context that has
// already ended ReapAll returns ctx.Err() before any wait call, so it cannot
// take another test's child; a nil Context panics.
func TestReapAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := ReapAll(ctx, func(Exit) { called = true })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, called)
	var nilCtx context.Context // the nil Context is the point
	assert.PanicsWithValue(t, "wait: ReapAll with a nil Context", func() {
		_ = ReapAll(nilCtx, nil)
	})
}
