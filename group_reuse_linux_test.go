package wait

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// The Group's PID-reuse scenario (see lifecycle_linux_test.go): it runs as
// PID 1 of a new PID namespace with its own /proc, and nextPid puts a new
// child on the PID of one just reaped, so every step below meets a recycled
// PID for real. Each part reports whether the reuse happened and fails
// (an error, not a violation) when it did not.

// groupReuseScenario runs the three parts: a new member on the PID of a
// member whose exit Next returned; a member collected by h.Wait whose PID an
// unowned child takes while Reap runs (the member added before its Wait,
// and added only after the reuse); a member collected by h.Wait, still in
// the Group, signalled through its old Handle after the reuse.
func groupReuseScenario(ctx context.Context, rep *lifecycleReport) error {
	if err := groupReuseNext(ctx, rep); err != nil {
		return fmt.Errorf("next: %w", err)
	}
	for _, late := range []bool{false, true} {
		if err := groupReuseUnowned(ctx, rep, late); err != nil {
			return fmt.Errorf("unowned (late add %v): %w", late, err)
		}
	}
	if err := groupReuseSignal(ctx, rep); err != nil {
		return fmt.Errorf("signal: %w", err)
	}
	if n := ownedCount(); n != 0 {
		rep.violate("%d children still owned after every Handle's child was reaped", n)
	}
	return nil
}

// groupReuseNext: member A exits and Next returns its Exit; B, started on
// A's PID, joins the same Group. Next must return B's exit once, with B's
// status, and never A's again.
func groupReuseNext(ctx context.Context, rep *lifecycleReport) error {
	g, hA, done, err := groupAndMember("A", "3", true)
	defer done()
	if err != nil {
		return err
	}
	a := hA.Pid()
	rep.fact("mechanism", mechanismOf(hA))
	if err := checkMechanism(hA); err != nil {
		return err
	}
	eA, err := groupNextWithin(ctx, g, 30*time.Second)
	if err != nil || eA.Pid != a || !eA.Status.Exited() || eA.Status.ExitStatus() != 3 {
		rep.violate("next: Next for member A = %+v, %v; want pid %d, exit status 3", eA, err, a)
		return nil
	}
	if n := g.Len(); n != 0 {
		rep.violate("next: Len after Next returned A's exit = %d; want 0", n)
	}

	// B on A's PID, blocked until its pipe closes, then exit status 7.
	b, err := newScenarioBlockExit(7)
	if err != nil {
		return err
	}
	defer b.w.Close()
	if err := nextPid(a); err != nil {
		return err
	}
	hB, err := Start(b.cmd)
	if b.cmd.Process != nil {
		b.started()
		defer reapByPid(b.cmd.Process.Pid)
	}
	if err != nil {
		return fmt.Errorf("Start of B on the recycled pid %d: %w", a, err)
	}
	rep.fact("next: reused", hB.Pid() == a)
	if hB.Pid() != a {
		return fmt.Errorf("ns_last_pid did not put B on pid %d (got %d)", a, hB.Pid())
	}
	if err := g.Add(hB); err != nil {
		rep.violate("next: Add of B on the recycled pid %d: %v", a, err)
		return nil
	}
	// B runs: nothing is pending, least of all A's exit.
	if e, err := groupNextWithin(ctx, g, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		rep.violate("next: Next while B runs on the recycled pid %d = %+v, %v; want nothing before the deadline (A's exit again, or an exit B never made)", a, e, err)
	}
	if !running(a) {
		rep.violate("next: B on the recycled pid %d was ended or reaped before its pipe closed", a)
	}
	b.w.Close()
	eB, err := groupNextWithin(ctx, g, 30*time.Second)
	rep.fact("next: B", describe(eB, err))
	if err != nil || eB.Pid != a || !eB.Status.Exited() || eB.Status.ExitStatus() != 7 {
		rep.violate("next: Next for B on the recycled pid %d = %+v, %v; want exit status 7 (A's was 3)", a, eB, err)
	}
	if w, err := hB.Wait(ctx); err != nil || w != eB {
		rep.violate("next: B's h.Wait after Next = %+v, %v; want Next's %+v", w, err, eB)
	}
	expectEmptyGroup(ctx, rep, "next", g)
	if w, err := hA.Wait(ctx); err != nil || w != eA {
		rep.violate("next: A's h.Wait after the reuse = %+v, %v; want its own %+v", w, err, eA)
	}
	return nil
}

// groupReuseUnowned: member C's exit is collected by h.Wait (late: C joins
// the Group only after that, and after the reuse), then an unowned child U
// takes C's PID while Reap runs. Next must return C's own Exit once and
// neither return nor reap U; Reap must get U's exit once.
func groupReuseUnowned(ctx context.Context, rep *lifecycleReport, late bool) error {
	tag := "unowned"
	if late {
		tag = "unowned, late add"
	}
	log := newExitLog()
	stop := startReap(ctx, log)
	defer stop()
	g, hC, done, err := groupAndMember("C", "4", !late)
	defer done()
	if err != nil {
		return err
	}
	c := hC.Pid()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	eC, err := hC.Wait(wctx)
	if err != nil || eC.Pid != c || !eC.Status.Exited() || eC.Status.ExitStatus() != 4 {
		rep.violate("%s: h.Wait of member C = %+v, %v; want pid %d, exit status 4", tag, eC, err, c)
		return nil
	}
	if n := g.Len(); !late && n != 1 {
		rep.violate("%s: Len after h.Wait collected C = %d; want 1 (Next has not returned it)", tag, n)
	}

	// U on C's PID, unowned, blocked until its pipe closes, then exit
	// status 5.
	u, err := newScenarioBlockExit(5)
	if err != nil {
		return err
	}
	defer u.w.Close()
	if err := nextPid(c); err != nil {
		return err
	}
	if err := u.cmd.Start(); err != nil {
		return err
	}
	u.started()
	defer reapByPid(u.cmd.Process.Pid)
	rep.fact(tag+": reused", u.cmd.Process.Pid == c)
	if u.cmd.Process.Pid != c {
		return fmt.Errorf("ns_last_pid did not put U on pid %d (got %d)", c, u.cmd.Process.Pid)
	}
	if late {
		if err := g.Add(hC); err != nil {
			rep.violate("%s: Add of C (collected, its pid %d now U's) = %v; want nil", tag, c, err)
			return nil
		}
		// U exits before Next looks: a zombie (or Reap's) on C's PID.
		u.w.Close()
	}
	if h := ownerOf(c); h != nil {
		rep.violate("%s: the recycled pid %d is owned (by the Handle of pid %d) while U, an unowned child, has it", tag, c, h.Pid())
	}
	e, err := groupNextWithin(ctx, g, 30*time.Second)
	if err != nil || e != eC {
		rep.violate("%s: Next = %+v, %v; want C's own Exit %+v (collected by h.Wait), not U's", tag, e, err, eC)
	}
	if !late && !running(c) {
		rep.violate("%s: U on the recycled pid %d was ended or reaped by Next", tag, c)
	}
	expectEmptyGroup(ctx, rep, tag, g)
	if !late {
		if !running(c) {
			rep.violate("%s: U on the recycled pid %d was ended or reaped by the Group", tag, c)
		}
		u.w.Close()
	}
	st := awaitLogged(ctx, log, c)
	rep.fact(tag+": U", st)
	if len(st) != 1 || !st[0].Exited() || st[0].ExitStatus() != 5 {
		rep.violate("%s: U on the recycled pid %d reached Reap's fn as %v; want once, exit status 5", tag, c, st)
	}
	// Reap goes on, and nothing more comes for pid c meanwhile.
	d := scenarioCmd("exit", "6")
	if err := d.Start(); err != nil {
		return err
	}
	defer reapByPid(d.Process.Pid)
	if st := awaitLogged(ctx, log, d.Process.Pid); len(st) != 1 || st[0].ExitStatus() != 6 {
		rep.violate("%s: a later unowned child reached fn as %v; want once, exit status 6", tag, st)
	}
	if st := loggedExits(log, c); len(st) != 1 {
		rep.violate("%s: pid %d reached Reap's fn as %v; want U's exit once", tag, c, st)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		rep.violate("%s: Reap returned %v; want context.Canceled", tag, err)
	}
	return nil
}

// groupReuseSignal: member E's exit is collected by h.Wait, so E is still a
// member (Next has not returned it) but reaped; N, blocked on a pipe, takes
// E's PID. Signal through E's Handle must fail with os.ErrProcessDone and
// leave N running; Next returns E's Exit once, and N is still unreaped.
func groupReuseSignal(ctx context.Context, rep *lifecycleReport) error {
	g, hE, done, err := groupAndMember("E", "2", true)
	defer done()
	if err != nil {
		return err
	}
	e := hE.Pid()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	eE, err := hE.Wait(wctx)
	if err != nil || eE.Pid != e || !eE.Status.Exited() || eE.Status.ExitStatus() != 2 {
		rep.violate("signal: h.Wait of member E = %+v, %v; want pid %d, exit status 2", eE, err, e)
		return nil
	}
	if n := g.Len(); n != 1 {
		rep.violate("signal: Len after h.Wait collected E = %d; want 1", n)
	}

	n, err := newScenarioBlock()
	if err != nil {
		return err
	}
	defer n.w.Close()
	if err := nextPid(e); err != nil {
		return err
	}
	if err := n.cmd.Start(); err != nil {
		return err
	}
	n.started()
	np := n.cmd.Process.Pid
	defer reapByPid(np)
	rep.fact("signal: reused", np == e)
	if np != e {
		return fmt.Errorf("ns_last_pid did not put N on pid %d (got %d)", e, np)
	}
	serr := hE.Signal(syscall.SIGKILL)
	rep.fact("signal: old Handle", serr)
	if !errors.Is(serr, os.ErrProcessDone) {
		rep.violate("signal: Signal through member E's Handle after the reuse of pid %d = %v; want os.ErrProcessDone", e, serr)
	}
	if !running(e) {
		rep.violate("signal: N on the recycled pid %d did not survive the Signal through E's Handle", e)
	}
	if got, err := groupNextWithin(ctx, g, 30*time.Second); err != nil || got != eE {
		rep.violate("signal: Next = %+v, %v; want E's own Exit %+v", got, err, eE)
	}
	expectEmptyGroup(ctx, rep, "signal", g)
	if !running(e) {
		rep.violate("signal: N on the recycled pid %d was ended or reaped by the Group", e)
	}
	// N ends as its pipe says, untouched: exit status 0, reaped here.
	n.w.Close()
	ws, err := awaitReap(wctx, e)
	rep.fact("signal: N", ws)
	if err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		rep.violate("signal: N on the recycled pid %d ended as %v, %v; want exit status 0", e, ws, err)
	}
	return nil
}

// newScenarioBlockExit is newScenarioBlock for a child that exits with code
// once its pipe closes.
func newScenarioBlockExit(code int) (*scenarioBlock, error) {
	b, err := newScenarioBlock()
	if err != nil {
		return nil, err
	}
	b.cmd.Args = append(b.cmd.Args, itoa(code))
	return b, nil
}

// groupNextWithin is g.Next bounded by d.
func groupNextWithin(ctx context.Context, g *Group, d time.Duration) (Exit, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return g.Next(ctx)
}

// expectEmptyGroup reports a violation unless g has no member left and Next
// says so at once (ECHILD): an exit returned now is one returned twice, or
// one that was not a member's.
func expectEmptyGroup(ctx context.Context, rep *lifecycleReport, tag string, g *Group) {
	if n := g.Len(); n != 0 {
		rep.violate("%s: Len after every member's exit = %d; want 0", tag, n)
	}
	if e, err := groupNextWithin(ctx, g, 5*time.Second); !errors.Is(err, syscall.ECHILD) {
		rep.violate("%s: a further Next = %+v, %v; want the empty Group's error wrapping ECHILD", tag, e, err)
	}
}

// awaitLogged is l.await bounded by 30 seconds.
func awaitLogged(ctx context.Context, l *exitLog, pid int) []WaitStatus {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return l.await(ctx, pid)
}

// loggedExits returns the statuses Reap's fn got for pid so far.
func loggedExits(l *exitLog, pid int) []WaitStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]WaitStatus(nil), l.exits[pid]...)
}

// awaitReap reaps pid, an unowned child, once it exits (polling with WNOHANG
// so that ctx bounds it).
func awaitReap(ctx context.Context, pid int) (WaitStatus, error) {
	for {
		var ws WaitStatus
		wpid, err := Wait4(pid, &ws, WNOHANG, nil)
		switch {
		case err != nil:
			return 0, err
		case wpid == pid:
			return ws, nil
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// reapByPid kills and reaps pid if it is still an unreaped child of ours
// (killAndReap); it never signals a pid <= 1. The scenarios defer it for
// each child as soon as it starts, so a later child on a recycled PID is
// cleaned up before the earlier one that had the PID.
func reapByPid(pid int) {
	if pid > 1 {
		killAndReap(pid)
	}
}

// mechanismOf names h's childWatch.
func mechanismOf(h *Handle) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch h.sys.(type) {
	case *pidfdChild:
		return "pidfd"
	case *sigchldChild:
		return "sigchld"
	}
	return fmt.Sprintf("%T", h.sys)
}

// groupAndMember makes a Group and starts member name, a helper that exits
// with code, as a Handle, adding it to the Group when add is set (else the
// scenario adds it later). done reaps the member's PID, then closes the
// Group; the caller defers it at once, also when err is set.
func groupAndMember(name, code string, add bool) (g *Group, h *Handle, done func(), err error) {
	g, err = NewGroup()
	if err != nil {
		return nil, nil, func() {}, err
	}
	h, err = Start(scenarioCmd("exit", code))
	if err != nil {
		return nil, nil, func() { g.Close() }, err
	}
	pid := h.Pid()
	done = func() {
		reapByPid(pid)
		g.Close()
	}
	if add {
		if err := g.Add(h); err != nil {
			return nil, nil, done, fmt.Errorf("Add of %s: %w", name, err)
		}
	}
	return g, h, done, nil
}

// checkMechanism fails unless h uses the backend the scenario was asked to
// test (forceSigchld).
func checkMechanism(h *Handle) error {
	want := "pidfd"
	if forceSigchld.Load() {
		want = "sigchld"
	}
	if got := mechanismOf(h); got != want {
		return fmt.Errorf("the Handle uses %s, not the %s backend under test", got, want)
	}
	return nil
}

// TestGroupReuse (Group and PID reuse): a new member on the PID of one whose
// exit Next returned gets its own exit, once, and the old exit never comes
// back; an unowned child on a collected member's PID is Reap's, never the
// Group's; Signal through a collected member's Handle never reaches the
// process now on its PID. Each part checks that the PID really was reused.
func TestGroupReuse(t *testing.T) {
	eachBackendScenario(t, "groupreuse", true)
}
