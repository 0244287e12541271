//go:build unix

package wait

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/procwait/wait/internal/testenv"
)

// These tests spawn real children (the test binary in helper mode) and run
// once per Handle mechanism of the host (hEachBackend). None waits with
// pid -1, P_ALL or Reap.

// groupHelperEnv selects the group tests' own helper modes:
//
//	print N CODE   write N bytes of text to stdout, then exit with CODE
const groupHelperEnv = "WAIT_GROUP_HELPER"

func init() { runHelperIf(groupHelperEnv, runGroupHelper) }

func runGroupHelper(mode string, args helperArgs) int {
	if mode != "print" || len(args) != 2 {
		fmt.Fprintf(os.Stderr, "unknown group helper %q %q\n", mode, args)
		return 125
	}
	if _, err := os.Stdout.WriteString(groupText(args.num(0))); err != nil {
		return 126
	}
	return args.num(1)
}

// groupText is what the print helper writes: n bytes of numbered lines.
func groupText(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()[:n]
}

// gNew returns a new Group, closed at cleanup.
func gNew(t *testing.T) *Group {
	t.Helper()
	g, err := NewGroup()
	if err != nil {
		t.Fatalf("NewGroup: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func gAdd(t *testing.T, g *Group, h *Handle) {
	t.Helper()
	if err := g.Add(h); err != nil {
		t.Fatalf("Add(pid %d): %v", h.Pid(), err)
	}
}

// gNext calls Next with the guard and fails the test on error.
func gNext(t *testing.T, g *Group) Exit {
	t.Helper()
	e, err := g.Next(hCtx(t))
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return e
}

// gBlock starts a block child that exits with code once w is closed.
func gBlock(t *testing.T, code int) (*Handle, interface{ Close() error }) {
	t.Helper()
	cmd, w := blockCmd(t, itoa(code))
	return hStartCmd(t, cmd), w
}

// gParked waits until n goroutines whose stacks contain frame are parked
// in Group.Next (see parkedStates).
func gParked(t *testing.T, n int, frame string) {
	t.Helper()
	if err := awaitGoroutines(nil, n, parkedStates, "wait.(*Group).Next(", frame); err != nil {
		t.Fatalf("Next did not park within %v: %v", pollBound, err)
	}
}

// gAwaitExit blocks (in waitid with WNOWAIT, reaping nothing) until pid has
// exited.
func gAwaitExit(t *testing.T, pid int) {
	t.Helper()
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOWAIT); err != nil || info.Pid != pid {
		t.Fatalf("waiting for %d to exit: info %+v, err %v", pid, info, err)
	}
}

func wantCode(t *testing.T, e Exit, code int) {
	t.Helper()
	if !e.Status.Exited() || e.Status.ExitStatus() != code {
		t.Errorf("pid %d: Status = %v; want exit status %d", e.Pid, e.Status, code)
	}
}

// TestGroupExactlyOnce: 50 members exit in a random order; Next returns
// each exit exactly once, with the member's own exit code, also for the
// members whose h.Wait collected the exit first (with the Exit h.Wait
// returned); then the Group is empty (ECHILD).
func TestGroupExactlyOnce(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		const n = 50
		g := gNew(t)
		hs := make([]*Handle, n)
		ws := make([]interface{ Close() error }, n)
		code := map[int]int{}
		for i := range n {
			hs[i], ws[i] = gBlock(t, i+1)
			code[hs[i].Pid()] = i + 1
			gAdd(t, g, hs[i])
		}
		if g.Len() != n {
			t.Fatalf("Len = %d; want %d", g.Len(), n)
		}
		waited := map[int]Exit{}
		got := map[int]Exit{}
		next := func() {
			e := gNext(t, g)
			if _, dup := got[e.Pid]; dup {
				t.Errorf("Next returned pid %d twice", e.Pid)
			}
			got[e.Pid] = e
		}
		for k, i := range rand.Perm(n) {
			ws[i].Close()
			if k%5 == 0 {
				waited[hs[i].Pid()] = hWait(t, hs[i])
			}
			if k%7 == 3 {
				next() // some exits are returned while others still run
			}
		}
		for len(got) < n {
			next()
		}
		for pid, e := range got {
			c, ok := code[pid]
			if !ok {
				t.Errorf("Next returned pid %d, not a member", pid)
				continue
			}
			wantCode(t, e, c)
			if w, ok := waited[pid]; ok && w != e {
				t.Errorf("pid %d: Next returned %+v; h.Wait had returned %+v", pid, e, w)
			}
		}
		if g.Len() != 0 {
			t.Errorf("Len after every exit = %d; want 0", g.Len())
		}
		if _, err := g.Next(hCtx(t)); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Next after every exit: %v; want ECHILD", err)
		}
		// h.Wait after Next returns the same Exit.
		for _, h := range hs {
			if e := hWait(t, h); e != got[h.Pid()] {
				t.Errorf("pid %d: h.Wait after Next = %+v; Next returned %+v", h.Pid(), e, got[h.Pid()])
			}
		}
	})
}

// TestGroupAddAfterExit: a member added after its child exited (a zombie not
// yet collected; reaped by h.Wait; reaped by collect, which Reap calls on
// the Handle's behalf) is returned by the next Next, once.
func TestGroupAddAfterExit(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		for _, how := range []string{"zombie", "wait", "collect"} {
			t.Run(how, func(t *testing.T) {
				h := hStart(t, "exit", "7")
				gAwaitExit(t, h.Pid())
				var before Exit
				switch how {
				case "wait":
					before = hWait(t, h)
				case "collect":
					if !h.collect() {
						t.Fatal("collect did not reap the exited child")
					}
				}
				g := gNew(t)
				gAdd(t, g, h)
				e := gNext(t, g)
				if e.Pid != h.Pid() {
					t.Fatalf("Next returned pid %d; want %d", e.Pid, h.Pid())
				}
				wantCode(t, e, 7)
				if how == "wait" && e != before {
					t.Errorf("Next = %+v; h.Wait returned %+v", e, before)
				}
				if _, err := g.Next(hCtx(t)); !errors.Is(err, syscall.ECHILD) {
					t.Errorf("second Next: %v; want ECHILD", err)
				}
				if got := hWait(t, h); got != e {
					t.Errorf("h.Wait after Next = %+v; want %+v", got, e)
				}
			})
		}
	})
}

// TestGroupAndWait: h.Wait and Next wait for the same member at once; both
// return the same Exit.
func TestGroupAndWait(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g := gNew(t)
		h, w := gBlock(t, 5)
		gAdd(t, g, h)
		var we Exit
		var werr error
		var wg sync.WaitGroup
		wg.Go(func() { we, werr = h.Wait(hCtx(t)) })
		hParked(t, 1, "wait.TestGroupAndWait")
		type result struct {
			e   Exit
			err error
		}
		nextDone := make(chan result, 1)
		go func() {
			e, err := g.Next(hCtx(t))
			nextDone <- result{e, err}
		}()
		gParked(t, 1, "wait.TestGroupAndWait")
		w.Close()
		r := <-nextDone
		wg.Wait()
		if r.err != nil || werr != nil {
			t.Fatalf("Next: %v; h.Wait: %v", r.err, werr)
		}
		wantCode(t, r.e, 5)
		if r.e != we || r.e.Pid != h.Pid() {
			t.Errorf("Next = %+v; h.Wait = %+v", r.e, we)
		}
	})
}

// TestGroupConcurrentNext: four goroutines call Next until the Group is
// empty; together they get every member's exit exactly once.
func TestGroupConcurrentNext(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		const n, callers = 24, 4
		g := gNew(t)
		code := map[int]int{}
		var ws []interface{ Close() error }
		for i := range n {
			h, w := gBlock(t, 10+i)
			code[h.Pid()] = 10 + i
			ws = append(ws, w)
			gAdd(t, g, h)
		}
		var mu sync.Mutex
		count := map[int]int{}
		var errs []error
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for {
					e, err := g.Next(hCtx(t))
					mu.Lock()
					if err != nil {
						if !errors.Is(err, syscall.ECHILD) {
							errs = append(errs, err)
						}
						mu.Unlock()
						return
					}
					count[e.Pid]++
					if !e.Status.Exited() || e.Status.ExitStatus() != code[e.Pid] {
						errs = append(errs, fmt.Errorf("pid %d: %v; want exit status %d", e.Pid, e.Status, code[e.Pid]))
					}
					mu.Unlock()
				}
			})
		}
		gParked(t, callers, "wait.TestGroupConcurrentNext")
		for _, w := range ws {
			w.Close()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		for pid := range code {
			if count[pid] != 1 {
				t.Errorf("pid %d returned %d times; want once", pid, count[pid])
			}
		}
		if len(count) != n {
			t.Errorf("%d distinct exits returned; want %d", len(count), n)
		}
	})
}

// TestGroupNextContext: when ctx ends, Next returns ctx.Err() (a parked call
// and one whose ctx ended before it), collects nothing and keeps the exit
// for the next call.
func TestGroupNextContext(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g := gNew(t)
		h, w := gBlock(t, 9)
		gAdd(t, g, h)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := g.Next(ctx)
			errc <- err
		}()
		gParked(t, 1, "wait.TestGroupNextContext")
		cancel()
		if err := <-errc; err != context.Canceled {
			t.Fatalf("Next after cancel: %v; want context.Canceled", err)
		}
		hRunning(t, h.Pid(), "a cancelled Next")
		w.Close()
		gAwaitExit(t, h.Pid())
		if _, err := g.Next(ctx); err != context.Canceled {
			t.Fatalf("Next with an ended ctx and an exit pending: %v; want context.Canceled", err)
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 0)
		defer dcancel()
		if _, err := g.Next(dctx); err != context.DeadlineExceeded {
			t.Fatalf("Next past its deadline: %v; want context.DeadlineExceeded", err)
		}
		stillWaitable(t, h.Pid(), "Next calls whose ctx had ended")
		if g.Len() != 1 {
			t.Errorf("Len = %d; want 1", g.Len())
		}
		e := gNext(t, g)
		if e.Pid != h.Pid() {
			t.Fatalf("Next returned pid %d; want %d", e.Pid, h.Pid())
		}
		wantCode(t, e, 9)
	})
}

// TestGroupClose: Close wakes a parked Next (os.ErrClosed); Next, Add and
// Len after Close; Close is idempotent; the members' Handles stay usable
// (h.Wait returns each exit) and may join another Group.
func TestGroupClose(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g, err := NewGroup()
		if err != nil {
			t.Fatal(err)
		}
		h1, w1 := gBlock(t, 1)
		h2, w2 := gBlock(t, 2)
		gAdd(t, g, h1)
		gAdd(t, g, h2)
		errc := make(chan error, 1)
		guard := hCtx(t)
		go func() {
			_, err := g.Next(guard)
			errc <- err
		}()
		gParked(t, 1, "wait.TestGroupClose")
		if err := g.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := <-errc; !errors.Is(err, os.ErrClosed) || guard.Err() != nil {
			t.Errorf("parked Next after Close: %v (its guard: %v); want os.ErrClosed, woken by Close", err, guard.Err())
		}
		if _, err := g.Next(hCtx(t)); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Next after Close: %v; want os.ErrClosed", err)
		}
		h3, w3 := gBlock(t, 3)
		if err := g.Add(h3); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Add after Close: %v; want os.ErrClosed", err)
		}
		if n := g.Len(); n != 0 {
			t.Errorf("Len after Close = %d; want 0", n)
		}
		if err := g.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		// The Handles still work: h1 on its own, h2 in a new Group.
		w1.Close()
		wantCode(t, hWait(t, h1), 1)
		g2 := gNew(t)
		gAdd(t, g2, h2)
		gAdd(t, g2, h3)
		w2.Close()
		w3.Close()
		got := map[int]Exit{}
		for range 2 {
			e := gNext(t, g2)
			got[e.Pid] = e
		}
		wantCode(t, got[h2.Pid()], 2)
		wantCode(t, got[h3.Pid()], 3)
	})
}

// TestGroupAddRefuses: nil, a Handle not made by Open or Start, a member
// added twice, a member of another Group, a closed Handle, a closed Group.
func TestGroupAddRefuses(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g, other := gNew(t), gNew(t)
		if err := g.Add(nil); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Add(nil): %v; want EINVAL", err)
		}
		if err := g.Add(&Handle{}); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Add(&Handle{}): %v; want EINVAL", err)
		}
		h, w := gBlock(t, 0)
		gAdd(t, g, h)
		if err := g.Add(h); !errors.Is(err, syscall.EBUSY) {
			t.Errorf("Add twice: %v; want EBUSY", err)
		}
		if err := other.Add(h); !errors.Is(err, syscall.EBUSY) {
			t.Errorf("Add of another Group's member: %v; want EBUSY", err)
		}
		closed, _ := gBlock(t, 0)
		closed.Close()
		if err := g.Add(closed); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Add of a closed Handle: %v; want os.ErrClosed", err)
		}
		h2, w2 := gBlock(t, 0)
		other.Close()
		if err := other.Add(h2); !errors.Is(err, os.ErrClosed) {
			t.Errorf("Add to a closed Group: %v; want os.ErrClosed", err)
		}
		if g.Len() != 1 {
			t.Errorf("Len = %d after refused Adds; want 1", g.Len())
		}
		// A refused Add leaves the Handle free: h2 joins g.
		gAdd(t, g, h2)
		w.Close()
		w2.Close()
		for range 2 {
			gNext(t, g)
		}
	})
}

// TestGroupEmpty: Next on a new Group fails wrapping ECHILD, saying so; a
// member whose Handle is closed before its exit leaves the Group (Len drops
// at once), and Next then fails the same way, also one parked before.
func TestGroupEmpty(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g := gNew(t)
		_, err := g.Next(hCtx(t))
		if !errors.Is(err, syscall.ECHILD) {
			t.Fatalf("Next on an empty Group: %v; want ECHILD", err)
		}
		if !strings.Contains(err.Error(), "no members") {
			t.Errorf("error %q does not say the Group is empty", err)
		}
		// A member whose Handle is closed leaves at once...
		h0, _ := gBlock(t, 0)
		gAdd(t, g, h0)
		h0.Close()
		if n := g.Len(); n != 0 {
			t.Errorf("Len after the member's Handle closed = %d; want 0", n)
		}
		if _, err := g.Next(hCtx(t)); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Next after the only member's Handle closed: %v; want ECHILD", err)
		}
		// ...also while Next waits for it.
		h, _ := gBlock(t, 0)
		gAdd(t, g, h)
		errc := make(chan error, 1)
		guard := hCtx(t)
		go func() {
			_, err := g.Next(guard)
			errc <- err
		}()
		gParked(t, 1, "wait.TestGroupEmpty")
		h.Close() // gives up the child: it leaves the Group
		if err := <-errc; !errors.Is(err, syscall.ECHILD) || guard.Err() != nil {
			t.Errorf("parked Next after the last member's Handle closed: %v (its guard: %v); want ECHILD, woken by the Close", err, guard.Err())
		}
		if g.Len() != 0 {
			t.Errorf("Len = %d; want 0", g.Len())
		}
	})
}

// TestGroupStartCommands: a Start command with a bytes.Buffer for its
// output (more than a pipe holds): Next's Exit comes after the output was
// copied, cmd.ProcessState is set, h.Done closes, and h.Wait then returns
// the same Exit at once.
func TestGroupStartCommands(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const size = 200 << 10
	hEachBackend(t, func(t *testing.T) {
		g := gNew(t)
		var out bytes.Buffer
		cmd := selfCmd(exe, groupHelperEnv, "print", itoa(size), "3")
		cmd.Stdout = &out
		h := hStartCmd(t, cmd)
		gAdd(t, g, h)
		e := gNext(t, g)
		if e.Pid != h.Pid() {
			t.Fatalf("Next returned pid %d; want %d", e.Pid, h.Pid())
		}
		wantCode(t, e, 3)
		if out.String() != groupText(size) {
			t.Errorf("after Next the buffer holds %d bytes; want the child's %d", out.Len(), size)
		}
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
			t.Errorf("cmd.ProcessState = %v; want exit status 3", cmd.ProcessState)
		}
		select {
		case <-h.Done():
		case <-hCtx(t).Done():
			t.Error("h.Done not closed after Next")
		}
		if got := hWait(t, h); got != e {
			t.Errorf("h.Wait after Next = %+v; want %+v", got, e)
		}
	})
}

// TestGroupStoppedMember: a SIGSTOPped member is not returned (Next parks;
// its stop stays visible to a WSTOPPED waiter); its later exit is.
func TestGroupStoppedMember(t *testing.T) {
	hEachBackend(t, func(t *testing.T) {
		g := gNew(t)
		stopped, ws := gBlock(t, 4)
		other, wo := gBlock(t, 6)
		gAdd(t, g, stopped)
		gAdd(t, g, other)
		if err := stopped.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		var info Info
		if err := Waitid(P_PID, stopped.Pid(), &info, WSTOPPED|WNOWAIT); err != nil || info.Code != CLD_STOPPED {
			t.Fatalf("waiting for the stop: info %+v, err %v", info, err)
		}
		wo.Close()
		if e := gNext(t, g); e.Pid != other.Pid() {
			t.Fatalf("Next returned pid %d (%v); want the other member %d", e.Pid, e.Status, other.Pid())
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			e, err := g.Next(ctx)
			if err == nil {
				err = fmt.Errorf("Next returned %v for a stopped member", e)
			}
			errc <- err
		}()
		gParked(t, 1, "wait.TestGroupStoppedMember")
		cancel()
		if err := <-errc; err != context.Canceled {
			t.Fatalf("Next with only a stopped member: %v; want to park until ctx ends", err)
		}
		info = Info{}
		if err := Waitid(P_PID, stopped.Pid(), &info, WSTOPPED|WNOHANG|WNOWAIT); err != nil || info.Code != CLD_STOPPED {
			t.Errorf("the stop was consumed: info %+v, err %v", info, err)
		}
		if err := stopped.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		ws.Close()
		e := gNext(t, g)
		if e.Pid != stopped.Pid() {
			t.Fatalf("Next returned pid %d; want %d", e.Pid, stopped.Pid())
		}
		wantCode(t, e, 4)
	})
}

// TestGroupNoGoroutinePerMember: 1,000 members (100 under an emulator)
// whose children block on one shared pipe, with a Next parked for them:
// the process gains fewer than 10 goroutines. Then every child exits and
// Next returns each once.
func TestGroupNoGoroutinePerMember(t *testing.T) {
	n := 1000
	if emu := testenv.Emulator(); emu != "" {
		n = 100
	}
	hEachBackend(t, func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		g := gNew(t)
		// Warm up once: the mechanism's one-time dispatcher, if any.
		warm := hStart(t, "exit", "0")
		gAdd(t, g, warm)
		gNext(t, g)
		before := runtime.NumGoroutine()
		hs := make(map[int]bool, n)
		for range n {
			cmd := helperCmd(t, "block")
			cmd.Stdin = r
			cmd.Stderr = nil
			h := hStartCmd(t, cmd)
			hs[h.Pid()] = false
			gAdd(t, g, h)
		}
		r.Close()
		type result struct {
			e   Exit
			err error
		}
		first := make(chan result, 1)
		go func() {
			e, err := g.Next(hCtx(t))
			first <- result{e, err}
		}()
		gParked(t, 1, "wait.TestGroupNoGoroutinePerMember")
		during := runtime.NumGoroutine()
		if during-before >= 10 {
			t.Errorf("%d members with a Next parked: %d goroutines, %d before; want fewer than 10 more", n, during, before)
		}
		t.Logf("%d members with a Next parked: %d goroutines, %d before", n, during, before)
		w.Close()
		res := <-first
		for i := 0; ; i++ {
			if res.err != nil {
				t.Fatalf("Next %d: %v", i, res.err)
			}
			if done, ok := hs[res.e.Pid]; !ok || done {
				t.Fatalf("Next %d returned pid %d: member %v, returned before %v", i, res.e.Pid, ok, done)
			}
			hs[res.e.Pid] = true
			wantCode(t, res.e, 0)
			if i == n-1 {
				break
			}
			res.e, res.err = g.Next(hCtx(t))
		}
		if g.Len() != 0 {
			t.Errorf("Len = %d; want 0", g.Len())
		}
	})
}

// TestNilContextPanicsHoldNoLock: Group.Next and Watcher.Wait panic on a
// nil Context before taking any lock, so after the panic is recovered the
// Group and the Watcher still work: the member's exit is returned once and
// the watched child's exit reported.
func TestNilContextPanicsHoldNoLock(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s(nil) did not panic", name)
			}
		}()
		f()
	}
	g := gNew(t)
	h, w := gBlock(t, 7)
	gAdd(t, g, h)
	mustPanic("Group.Next", func() { g.Next(nil) }) //lint:ignore SA1012 the nil Context is the point
	var watcher *Watcher
	if runtime.GOOS == "linux" {
		requireWatch(t)
		watcher = mustWatch(t, h.Pid())
		mustPanic("Watcher.Wait", func() { watcher.Wait(nil) }) //lint:ignore SA1012 the nil Context is the point
	}
	if n := g.Len(); n != 1 {
		t.Errorf("Len after the panic = %d; want 1", n)
	}
	w.Close()
	if watcher != nil {
		if err := watcher.Wait(hCtx(t)); err != nil {
			t.Errorf("Watcher.Wait after the panic: %v", err)
		}
	}
	wantCode(t, gNext(t, g), 7)
	if _, err := g.Next(hCtx(t)); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("Next after the only exit = %v; want ECHILD", err)
	}
}
