package wait

import (
	"context"
	"errors"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/procwait/wait/internal/posix"
)

// Handle is one child of this process, waited for without an OS thread per
// waiter. os/exec's Cmd.Wait blocks a thread inside waitid or wait4 for each
// child; a Handle instead parks the waiting goroutine until the kernel says
// the child exited, then reaps it without blocking. How the exit is noticed
// is the OS's mechanism (a childWatch):
//
//   - Linux (5.4 and later): a pidfd per child, in one epoll instance shared
//     by all Handles that sits in the Go runtime's poller, with one
//     dispatcher goroutine for all of them while any is waited for
//     (handle_pidfd.go); the exit is collected with waitid(P_PIDFD).
//   - FreeBSD, OpenBSD, NetBSD, DragonFly and macOS: one kqueue shared by all
//     Handles, with an EVFILT_PROC/NOTE_EXIT registration per child and one
//     dispatcher goroutine for all of them (handle_kqueue.go).
//   - Older Linux kernels and illumos: one dispatcher goroutine fed by
//     SIGCHLD (os/signal) for all Handles (handle_sigchld.go).
//
// # Ownership
//
// A Handle owns its child from Open (or Start) until the child is reaped or
// the Handle is closed, whichever comes first. While it owns the child, a
// running Reap leaves the child to the Handle (see Reap). Once the child is
// reaped, by Wait or by Reap on the Handle's behalf, ownership ends: the PID
// is free again, Open of it fails with ECHILD (as the kernel answers), and a
// new process that reuses it belongs to whoever starts or opens it. Close
// after a Wait that returned the Exit is therefore optional; it only matters
// for a Handle whose child was never reaped.
//
// # Exits only
//
// A Handle reaps only an exit (CLD_EXITED, CLD_KILLED or CLD_DUMPED). Stops,
// continues and ptrace traps are peeked at with WNOWAIT and left for whoever
// waits for them: a child started with SysProcAttr.Ptrace stays its tracer's
// to wait for, and Wait keeps waiting, without polling, until it exits.
//
// # States
//
// A Handle is open until its child is reaped (the Exit, or the error that
// says why it cannot be had, is then final) or it is closed. While open, an
// exit report from the mechanism makes the waiters collect: a report not
// followed by a reapable child (early or stale) renews the mechanism's
// registration. Every change of state closes the channel changed, on which
// waiters park; every mechanism reports exits from a dispatcher of its own
// (Handle.markExited), so no waiter watches for the others.
//
// Every method is safe for concurrent use.
type Handle struct {
	pid int
	sys childWatch // the OS mechanism; fixed after Open

	mu       sync.Mutex
	reaped   bool          // final: exit or err holds the result
	closed   bool          // Close was called
	reported bool          // the mechanism reported an exit not yet collected
	retries  int           // reports renewed while the child was on its way out
	exit     *Exit         // set once reaped with err == nil
	err      error         // why the child's exit cannot be had
	changed  chan struct{} // closed and replaced at every change of state
	done     chan struct{} // Done's channel, made by its first call
	group    *Group        // the Group h is a member of (Group.Add), or nil

	cmd   *command // the command of a Handle made by Start; fixed after Start
	adopt int      // a pidfd from clone for newChildWatch to take over, or -1
}

// childWatch is one OS mechanism's hold on one child; the mechanism reports
// the child's exit to the Handle (Handle.markExited). Its methods run with
// the Handle's lock held; every one is safe to call after release.
type childWatch interface {
	// reap reaps the child if it exited, never consuming a stop or a trap:
	// ok is false while it runs, is stopped or traced.
	reap() (e Exit, ok bool, err error)
	// rearm renews the watch after an exit report that no reapable child
	// followed; false means the child is on its way out: look again later.
	rearm() bool
	// signal sends sig (already checked to fit a C int) to the child.
	signal(sig posix.Signal) error
	// release gives up every descriptor and registration.
	release()
}

// watchPreparer is a mechanism that starts watching only when a Wait needs
// it, under the Handle's lock (pidfdChild enters the epoll of all Handles'
// pidfds then: a Group member that no Wait waits for never does). After an
// error nothing would report the exit.
type watchPreparer interface {
	prepareWatch() error
}

func newHandle(pid int) *Handle {
	return &Handle{pid: pid, changed: make(chan struct{}), adopt: -1}
}

// Open returns a Handle for pid, which must be an unreaped child of this
// process; otherwise it fails with an error wrapping ECHILD. A pid that does
// not fit the C pid_t (or is not positive) is refused with an error wrapping
// EINVAL before any system call. A pid that already has an open Handle is
// refused as well (EBUSY), since two Handles would race to reap one child.
//
// Open cannot protect a child that other code may reap first (a raw Wait4(-1),
// os/exec's Cmd.Wait, SIGCHLD set to SIG_IGN): such a child's status is lost
// to the Handle, whose Wait then fails wrapping ECHILD. To own a child from
// its first instant, create it with Start.
func Open(pid int) (*Handle, error) {
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	return open(pid, false)
}

// open is Open without spawnMu; Start calls it with fresh set while it holds
// spawnMu, for a PID that fork just returned.
func open(pid int, fresh bool) (*Handle, error) {
	if pid <= 0 || pid > math.MaxInt32 {
		return nil, handleErr("open", pid, "not a process ID (pid_t is a positive 32-bit number)", posix.EINVAL)
	}
	return register(newHandle(pid), fresh)
}

// register claims h's child and gives h its mechanism. Start sets h's cmd
// and adopt first.
func register(h *Handle, fresh bool) (*Handle, error) {
	pid := h.pid
	if !claim(h, fresh) {
		return nil, handleErr("open", pid, "the child already has an open Handle", posix.EBUSY)
	}
	sys, err := newChildWatch(h)
	if err != nil {
		disown(h)
		return nil, err
	}
	h.mu.Lock()
	h.sys = sys
	h.mu.Unlock()
	return h, nil
}

// Pid returns the child's process ID.
func (h *Handle) Pid() int { return h.pid }

// Wait waits for the child to exit, reaps it and returns how it ended. Unlike
// os/exec it holds no OS thread while waiting: the goroutine parks until the
// OS reports the exit (see Handle), then the status and resource usage are
// collected with a non-blocking wait call. Stops and ptrace traps are not
// exits: Wait leaves them to the tracer and goes on waiting.
//
// When ctx ends first, Wait returns ctx.Err() and the child is left unreaped:
// a later Wait (or, without a running Reap, any wait call) still gets its
// status. Concurrent and repeated calls all return the same Exit, also after
// Close. A Wait after Close on a child not yet reaped fails with an error
// wrapping os.ErrClosed; a child that other code reaped first makes Wait fail
// with an error wrapping ECHILD. Like os/exec's CommandContext, Wait panics
// on a nil ctx, before it takes any lock.
//
// For a Handle made by Start, Wait also does what cmd.Wait does: it waits
// for the copying of the command's Stdin, Stdout and Stderr (bounded by
// cmd.WaitDelay), closes the pipes and sets cmd.ProcessState. It then
// returns the Exit together with any error cmd.Wait would have returned
// beside a successful exit, wrapped: the error of a copy, exec.ErrWaitDelay,
// the command's Context error once its Cancel ran. A non-zero exit is not an
// error: the Exit says how the child ended. If ctx ends while the I/O is
// still being copied, Wait returns ctx.Err() and a later Wait finishes.
func (h *Handle) Wait(ctx context.Context) (e Exit, err error) {
	if ctx == nil {
		panic("wait: Handle.Wait with a nil Context")
	}
	werr := h.prepareWatch()
	for {
		changed, err := h.await(ctx)
		switch {
		case err != nil:
			return Exit{}, err
		case changed == nil:
			err = h.result(ctx, &e)
			return e, err
		case werr != nil:
			return Exit{}, werr // nothing would report the exit
		}
		parkChanged(ctx, changed)
	}
}

// await is Wait's loop but for the parking: it returns the channel to park
// on until the Handle changes, or nil once the Handle's outcome is final
// (the child reaped, or the Handle closed before), or why Wait ends (ctx's
// error, a failure of the watcher). A goroutine parked in Wait keeps on its
// stack Wait's frame and those of the park; a park that allocates (a
// channel's sudog, and with it a GC assist) needs room below them. So the
// frames are small, the park happens in Wait itself, and what runs before
// it is shallow (next peeks before it collects): the goroutine's stack stays
// at the runtime's minimum size. Exit, a large value, is handled only in
// result, after the wait.
func (h *Handle) await(ctx context.Context) (<-chan struct{}, error) {
	for {
		ctxErr := ctx.Err()
		s := h.next(ctxErr != nil)
		switch s.kind {
		case stepFinal:
			return nil, nil
		case stepCtxEnded:
			return nil, ctxErr
		case stepDelay:
			if err := sleepCtx(ctx, s.delay); err != nil {
				return nil, err
			}
		default:
			return s.changed, nil
		}
	}
}

// prepareWatch lets the mechanism start watching, under the lock, unless
// the outcome is final already. Wait calls it first, with the least on the
// goroutine's stack (see await).
func (h *Handle) prepareWatch() error {
	p, ok := h.sys.(watchPreparer)
	if !ok {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reaped || h.closed {
		return nil
	}
	if err := p.prepareWatch(); err != nil {
		return handleErr("wait", h.pid, "watching the child failed", err)
	}
	return nil
}

// parkChanged parks until changed is closed or ctx ends; a ctx that cannot
// end needs no select (whose frame is larger than a receive's).
func parkChanged(ctx context.Context, changed <-chan struct{}) {
	done := ctx.Done()
	if done == nil {
		<-changed
		return
	}
	select {
	case <-changed:
	case <-done:
	}
}

// result is Wait's answer once await found the outcome final: it stores
// the Exit in e and returns nil, or says why the Exit cannot be had. A
// Handle made by Start finishes its command, as cmd.Wait finishes it (I/O
// copied, Cancel's outcome known).
func (h *Handle) result(ctx context.Context, e *Exit) error {
	h.mu.Lock()
	if h.exit != nil {
		*e = *h.exit
	}
	err := h.err
	if !h.reaped {
		err = h.closedErr("wait") // closed before the exit was collected
	}
	h.mu.Unlock()
	if h.cmd == nil || err != nil {
		return err
	}
	err = h.cmd.finish(ctx, h.pid, *e)
	if errors.Is(err, errWaitCtx) {
		*e = Exit{}
		return ctx.Err()
	}
	return err
}

// Done returns a channel that is closed once the child has exited and its
// Exit is collected: a Wait then returns at once. For a Handle made by
// Start, Done waits for what Wait waits for (the command's I/O copied, its
// pipes closed), so read pipes made with cmd.StdoutPipe before relying on
// Done, as before calling cmd.Wait. Done is also closed when Close ends the
// Handle before the exit (Wait then fails wrapping os.ErrClosed).
//
// The first call starts one goroutine that waits as Wait does, parked
// without a thread of its own; it ends when the channel is closed.
func (h *Handle) Done() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done == nil {
		h.done = make(chan struct{})
		go h.watchDone(h.done)
	}
	return h.done
}

// watchDone is Done's goroutine.
func (h *Handle) watchDone(done chan<- struct{}) {
	_, _ = h.Wait(context.Background())
	close(done)
}

// step is what Wait does next, decided by next under h.mu: return (the
// outcome is final, or ctx ended), look again after delay, or park until
// changed is closed.
type step struct {
	kind    stepKind
	delay   time.Duration
	changed <-chan struct{}
}

type stepKind uint8

const (
	stepPark stepKind = iota
	stepFinal
	stepCtxEnded
	stepDelay
)

// next collects the child if it can and decides Wait's next step. Only this
// package's code runs under the lock, never the caller's Context.
func (h *Handle) next(ctxEnded bool) step {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !ctxEnded && h.mayCollectLocked() {
		h.collectLocked(true)
	}
	switch {
	case h.reaped, h.closed:
		return step{kind: stepFinal}
	case ctxEnded:
		return step{kind: stepCtxEnded}
	case h.reported:
		// An exit report that no reapable child followed: it came early
		// (kqueue's NOTE_EXIT fires before the child is a zombie) or was
		// stale. Renew the watch, then look once more: an exit in between
		// was reported to nobody.
		delay, collected := h.renewLocked()
		switch {
		case delay > 0:
			return step{kind: stepDelay, delay: delay}
		case collected:
			return step{kind: stepFinal}
		}
	}
	return step{changed: h.changed}
}

// mayCollectLocked tells next whether collecting could reap the child: with
// a mechanism that can peek (a pidfd) only once the peek saw an exit (or
// failed, which collecting reports). The peek runs in a small stack frame,
// unlike the collecting.
func (h *Handle) mayCollectLocked() bool {
	if h.reaped || h.closed || h.sys == nil {
		return false
	}
	p, ok := h.sys.(exitPeeker)
	if !ok {
		return true
	}
	exited, err := p.peek()
	return exited || err != nil
}

// renewLocked answers an exit report that no reapable child followed: it
// renews the mechanism's registration and collects once more (an exit in
// between was reported to nobody), saying whether that collected the child.
// A positive delay means the child is on its way out and the registration
// could not be renewed: look again after delay.
func (h *Handle) renewLocked() (delay time.Duration, collected bool) {
	if !h.sys.rearm() {
		h.retries++
		return retryDelay(h.retries), false
	}
	h.reported = false
	return 0, h.collectLocked(true)
}

// retryDelay is how long Wait sleeps before its retry number n of a child
// that was reported exited but is not reapable yet: 1 ms doubling to 64 ms.
func retryDelay(n int) time.Duration {
	return time.Millisecond << min(max(n-1, 0), 6)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Signal sends sig to the child. It never reaches another process that
// reused the child's PID: Linux sends through the pidfd
// (pidfd_send_signal); elsewhere kill(2) runs under the Handle's lock while
// the child is known to be unreaped (and no Reap of this package reaps an
// owned child but through its Handle, under that lock), and an unreaped
// child's PID cannot be reused. After the child was reaped Signal returns an
// error wrapping os.ErrProcessDone; after Close, one wrapping os.ErrClosed. A
// signal number that does not fit the C int (or is negative) is refused with
// an error wrapping EINVAL before any system call; 0 checks that the child
// can be signalled, as kill(2) does.
//
// Like Open, Signal cannot know about a reaping done behind the Handle's
// back by other code (see Open; docs/handle.md says what each OS can tell).
func (h *Handle) Signal(sig posix.Signal) error {
	return h.send("signal", sig, false)
}

// send is Signal, or SignalGroup with group: sig is checked before any
// system call, then sent under h.mu while the child is known unreaped and
// the Handle open.
func (h *Handle) send(op string, sig posix.Signal, group bool) error {
	if sig < 0 || int64(sig) > math.MaxInt32 {
		return handleErr(op, h.pid, "signal number "+strconv.FormatInt(int64(sig), 10)+" does not fit a C int signal", posix.EINVAL)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.reaped:
		return handleErr(op, h.pid, "the child was reaped", os.ErrProcessDone)
	case h.closed:
		return h.closedErr(op)
	case group:
		return signalGroupLocked(h, sig)
	}
	return h.sys.signal(sig)
}

// Close releases the Handle's descriptor and registrations. If the child
// has not been reaped, Close also gives up ownership of it: a running Reap may
// then reap it. Close neither kills nor reaps the child; a child still
// running after Close must be reaped by other means (for a command made with
// Start, cmd.Wait, which also ends os/exec's work for it). Wait and Signal
// after Close fail with an error wrapping os.ErrClosed, except that Wait
// returns the Exit when the child was already reaped before Close, by an
// earlier Wait, by Done's goroutine or by Reap on the Handle's behalf (and,
// for a Start command, finishes the command as it would have). Close after
// a Wait that returned the Exit is optional. Close is idempotent and always
// returns nil.
func (h *Handle) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.changedLocked()
	if !h.reaped {
		h.releaseLocked()
	}
	return nil
}

// collect reaps h's child if it has exited and is not reaped yet (never
// blocking, never consuming a stop), records its Exit for h.Wait and wakes
// h's waiters. Reap calls it for owned children; it is safe to call any
// number of times. It reports whether this call reaped the child.
func (h *Handle) collect() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.collectLocked(false)
}

// collectLocked is collect with h.mu held; byWait says Wait collects (not
// Reap on the Handle's behalf), so a Start command may be finished as
// cmd.Wait finishes it. A closed Handle collects nothing: its child is no
// longer its own.
func (h *Handle) collectLocked(byWait bool) bool {
	if h.reaped || h.closed || h.sys == nil {
		return false
	}
	e, ok, err := h.reapLocked(byWait)
	switch {
	case err != nil:
		h.err = handleErr("wait", h.pid, "the child was reaped by other code, not through its Handle", err)
	case !ok:
		return false
	default:
		x := e // allocated here, once: the Handle keeps no Exit while it waits
		h.exit = &x
	}
	h.reaped = true
	h.changedLocked()
	return err == nil
}

// reapLocked reaps the child if it exited and, when it did (or cannot be
// had any more), releases the OS registrations and ends the ownership in
// the same step, under ownedMu: no Start or Open can claim the recycled PID
// in between, and no release can touch a new Handle's registration.
func (h *Handle) reapLocked(byWait bool) (Exit, bool, error) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	var e Exit
	var ok bool
	var err error
	if h.cmd != nil {
		e, ok, err = h.cmd.reap(h.sys, h.pid, byWait)
	} else {
		e, ok, err = h.sys.reap()
	}
	if ok || err != nil {
		h.sys.release()
		disownLocked(h)
	}
	return e, ok, err
}

// releaseLocked releases the OS registrations and then the ownership, in
// that order and under ownedMu (see reapLocked).
func (h *Handle) releaseLocked() {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	h.sys.release()
	disownLocked(h)
}

// markExited records that the mechanism reported the child's exit (or its
// disappearance) and wakes the waiters, which then collect it.
func (h *Handle) markExited() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reported = true
	h.changedLocked()
}

// changedLocked wakes every goroutine parked on h.changed, and tells h's
// Group, if any, to look at h.
func (h *Handle) changedLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
	if h.group != nil {
		h.group.memberChanged(h)
	}
}

func (h *Handle) closedErr(op string) error {
	return handleErr(op, h.pid, "the Handle is closed", os.ErrClosed)
}

// handleError is an error of a Handle method: "wait: signal pid 42: the
// child was reaped: os: process already finished". It unwraps to err.
type handleError struct {
	op  string
	pid int
	msg string
	err error
}

func handleErr(op string, pid int, msg string, err error) error {
	return &handleError{op: op, pid: pid, msg: msg, err: err}
}

func (e *handleError) Error() string {
	return "wait: " + e.op + " pid " + strconv.Itoa(e.pid) + ": " + e.msg + ": " + e.err.Error()
}

func (e *handleError) Unwrap() error { return e.err }
