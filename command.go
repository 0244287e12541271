package wait

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/procwait/wait/internal/posix"
)

// command is what a Handle made by Start keeps of its exec.Cmd, so that
// h.Wait can do what cmd.Wait does without a thread blocked in a wait call.
//
//   - Stdin, Stdout and Stderr that are not *os.File get pipes made here
//     (cmd.Start sees files, so os/exec starts no copying goroutine of its
//     own); the copies run in goroutines of this package, parked in the
//     runtime's poller, and Wait waits for them, bounded by WaitDelay.
//   - The caller's Cancel is replaced by cancelHook, which runs it in a
//     goroutine of its own: os/exec's context goroutine then never blocks on
//     user code, so cmd.Wait can finish the command under the Handle's lock.
//   - The child is reaped only through cmd.Process (by cmd.Wait, or by
//     cmd.Process.Wait when Reap collects for the Handle), so os/exec's
//     Kill, the default Cancel, cannot reach a recycled PID, and
//     cmd.ProcessState is the real one.
//
// A Handle keeps its command until the child is reaped, so the command
// keeps little: what only the set-up needs (prep), the copying (io) and the
// Cancel hook (cancel) are separate, and nil when unused.
type command struct {
	cmd     *exec.Cmd
	osPidfd bool           // osProcessHasPidfd, asked before any lock (it may probe)
	prep    *commandPrep   // set up by prepare, used by started; nil after
	io      *commandIO     // the copies; nil without
	cancel  *commandCancel // the caller's Cancel; nil if none

	waitOnce sync.Once   // cmd.Wait after an early reap
	doneOnce sync.Once   // sets err
	finished atomic.Bool // err is final
	err      error       // the final error, once finished

	mu         sync.Mutex       // guards the fields below, and those of io and cancel it names
	viaWait    bool             // cmd.Wait reaped the child
	needWait   bool             // Reap reaped: finish must still run cmd.Wait
	waitErr    error            // what that cmd.Wait returned, but an *exec.ExitError
	earlyState *os.ProcessState // from cmd.Process.Wait, when Reap reaped the child
}

// commandPrep is what prepare sets up for started; the Handle does not
// keep it.
type commandPrep struct {
	stdin          io.Reader // the caller's streams, restored after cmd.Start
	stdout, stderr io.Writer
	child          []*os.File // the child's pipe ends, closed in this process after cmd.Start
	parent         []*os.File // this process's pipe ends, handed to commandIO
	copiers        []func() error
	undoSys        func(started bool) int
}

// commandIO is the copying of a command's streams, bounded by WaitDelay.
type commandIO struct {
	waitDelay time.Duration
	parent    []*os.File    // this process's pipe ends, closed by the copies or at WaitDelay
	copied    chan struct{} // closed when every copy has ended
	closeIO   sync.Once

	// Guarded by command.mu.
	running  int       // copies still running
	copyErr  error     // the first copy error
	expired  bool      // WaitDelay closed the pipes
	reapedAt time.Time // when the child was reaped
}

// commandCancel is the caller's Cancel, run by cancelHook.
type commandCancel struct {
	fn func() error

	// Guarded by command.mu.
	at   time.Time     // when cancelHook ran (the Context ended); zero before
	done chan struct{} // closed when fn returned
	err  error         // what it returned
}

// errWaitCtx tells Wait that its own ctx ended while the command finished.
var errWaitCtx = errors.New("wait: the Context of Wait ended")

// errContextEnded stands for the command's Context error where os/exec's
// report of it was lost (see Start).
var errContextEnded = errors.New("its error is unknown: the exit was collected before Wait")

// clonePidfd, when set (Linux), makes cmd.Start return the child's pidfd
// from clone: it adjusts cmd.SysProcAttr and returns the function that
// restores it after cmd.Start and returns the pidfd for the Handle (or -1).
var clonePidfd func(cmd *exec.Cmd) (undo func(started bool) int)

// osProcessHasPidfd reports whether os.Process holds a pidfd (Linux, set
// by handle_linux.go): a second Process.Wait then answers from the
// Process's state, without a wait call that could reach a recycled PID.
// It may probe (fork) the first time and takes spawnMu then: call it with
// no lock held.
var osProcessHasPidfd = func() bool { return false }

// prepare sets cmd up for cmd.Start: pipes for the streams to copy, the
// Cancel hook, and (Linux) the pidfd from clone. On error it has undone
// everything.
func prepare(cmd *exec.Cmd) (*command, error) {
	c := &command{
		cmd:     cmd,
		osPidfd: osProcessHasPidfd(),
		prep:    &commandPrep{stdin: cmd.Stdin, stdout: cmd.Stdout, stderr: cmd.Stderr},
	}
	if err := c.pipes(); err != nil {
		c.restore()
		closeFiles(c.prep.child)
		closeFiles(c.prep.parent)
		return nil, err
	}
	if cmd.Cancel != nil {
		c.cancel = &commandCancel{fn: cmd.Cancel}
		cmd.Cancel = c.cancelHook
	}
	if clonePidfd != nil {
		c.prep.undoSys = clonePidfd(cmd)
	}
	return c, nil
}

// pipes replaces each stream that os/exec would copy by a pipe.
func (c *command) pipes() error {
	cmd, p := c.cmd, c.prep
	if r := cmd.Stdin; r != nil && !isFile(r) {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		cmd.Stdin = pr
		p.child = append(p.child, pr)
		p.parent = append(p.parent, pw)
		p.copiers = append(p.copiers, func() error {
			in := &childInput{f: pw}
			_, err := io.Copy(in, r)
			if err != nil && err == in.err {
				// EPIPE: the child exited without reading it all, which
				// os/exec ignores too (a write to a pipe fails no other way,
				// but after WaitDelay closed it).
				err = nil
			}
			if cerr := pw.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
				err = cerr
			}
			return err
		})
	}
	var outPipe *os.File
	if w := cmd.Stdout; w != nil && !isFile(w) {
		f, err := c.output(w)
		if err != nil {
			return err
		}
		cmd.Stdout, outPipe = f, f
	}
	if w := cmd.Stderr; w != nil && !isFile(w) {
		if outPipe != nil && interfaceEqual(p.stderr, p.stdout) {
			// One writer for both, as os/exec shares it: one pipe, one copy.
			cmd.Stderr = outPipe
		} else {
			f, err := c.output(w)
			if err != nil {
				return err
			}
			cmd.Stderr = f
		}
	}
	return nil
}

// output makes a pipe whose read end is copied into w and returns its write
// end for the child.
func (c *command) output(w io.Writer) (*os.File, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := c.prep
	p.child = append(p.child, pw)
	p.parent = append(p.parent, pr)
	p.copiers = append(p.copiers, func() error {
		_, err := io.Copy(w, pr)
		if cerr := pr.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
			err = cerr
		}
		return err
	})
	return pw, nil
}

// childInput is the write end of the child's stdin pipe; it remembers its
// write error, to tell it from the caller's Reader's.
type childInput struct {
	f   *os.File
	err error
}

func (w *childInput) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func isFile(v any) bool {
	_, ok := v.(*os.File)
	return ok
}

// interfaceEqual is a == b, false where the dynamic types are not comparable.
func interfaceEqual(a, b any) (eq bool) {
	defer func() {
		if recover() != nil {
			eq = false
		}
	}()
	return a == b
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// restore gives the caller's values back to cmd's streams.
func (c *command) restore() {
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = c.prep.stdin, c.prep.stdout, c.prep.stderr
}

// started runs after cmd.Start: it restores the caller's fields, closes the
// child's pipe ends here and, if the child runs, starts the copies. It
// returns the pidfd from clone, or -1. What only the set-up needed is
// dropped: a Group holds many commands.
func (c *command) started(ok bool) int {
	p := c.prep
	c.prep = nil
	fd := -1
	if p.undoSys != nil {
		fd = p.undoSys(ok)
	}
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = p.stdin, p.stdout, p.stderr
	closeFiles(p.child)
	if !ok {
		if c.cancel != nil {
			c.cmd.Cancel = c.cancel.fn
		}
		closeFiles(p.parent)
		return fd
	}
	if len(p.copiers) > 0 {
		c.io = &commandIO{
			waitDelay: c.cmd.WaitDelay,
			parent:    p.parent,
			copied:    make(chan struct{}),
			running:   len(p.copiers),
		}
		for _, copier := range p.copiers {
			go c.copy(copier)
		}
	}
	return fd
}

// closeParent closes this process's pipe ends (Start's clean-up when the
// Handle cannot be made).
func (c *command) closeParent() {
	if c.io != nil {
		closeFiles(c.io.parent)
	}
}

// copy runs one copy and records its end.
func (c *command) copy(copier func() error) {
	err := copier()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.io.copyErr == nil {
		c.io.copyErr = err
	}
	if c.io.running--; c.io.running == 0 {
		close(c.io.copied)
	}
}

// cancelHook is cmd.Cancel while the command runs; os/exec calls it at most
// once, when the Context ends. It runs the caller's Cancel in a goroutine of
// its own and returns at once.
func (c *command) cancelHook() error {
	c.mu.Lock()
	c.cancel.at = time.Now()
	done := make(chan struct{})
	c.cancel.done = done
	c.mu.Unlock()
	go func() {
		err := c.cancel.fn()
		c.mu.Lock()
		c.cancel.err = err
		c.mu.Unlock()
		close(done)
	}()
	return nil
}

// reap reaps the child through cmd.Process once a peek saw it exit, with
// the Handle's lock (and ownedMu) held. Wait's own collect (byWait) uses
// cmd.Wait, which then returns at once: the child is a zombie, os/exec
// copies nothing and its Context goroutine runs no user code. Reap's
// collect leaves the caller's pipes open for h.Wait and reaps with
// cmd.Process.Wait, where a second Process.Wait (inside cmd.Wait, later) is
// harmless; elsewhere it too uses cmd.Wait.
func (c *command) reap(sys childWatch, pid int, byWait bool) (Exit, bool, error) {
	exited, err := peekWatch(sys, pid)
	if err != nil || !exited {
		return Exit{}, false, err
	}
	now := time.Now()
	if byWait || !c.osPidfd {
		err := c.cmd.Wait()
		ps := c.cmd.ProcessState
		if ps == nil && errors.Is(err, posix.EINVAL) {
			// The caller released cmd.Process (its Wait answers EINVAL
			// without a system call, and its Kill reaches nothing): cmd.Wait
			// did the rest, the Handle reaps.
			c.mu.Lock()
			c.reapedLocked(now)
			c.viaWait = true
			c.mu.Unlock()
			return sys.reap()
		}
		if ps == nil {
			return Exit{}, false, err
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = nil
		}
		c.mu.Lock()
		c.reapedLocked(now)
		c.viaWait, c.waitErr = true, err
		c.mu.Unlock()
		e, _ := ExitFromProcessState(ps)
		return e, true, nil
	}
	ps, err := c.cmd.Process.Wait()
	switch {
	case err != nil && errors.Is(err, posix.EINVAL):
		// Released by the caller (see above); cmd.Wait runs in finish.
		c.mu.Lock()
		c.reapedLocked(now)
		c.needWait = true
		c.mu.Unlock()
		return sys.reap()
	case err != nil:
		return Exit{}, false, err
	}
	c.mu.Lock()
	c.reapedLocked(now)
	c.earlyState, c.needWait = ps, true
	c.mu.Unlock()
	e, _ := ExitFromProcessState(ps)
	return e, true, nil
}

// reapedLocked records when the child was reaped, for WaitDelay.
func (c *command) reapedLocked(now time.Time) {
	if c.io != nil {
		c.io.reapedAt = now
	}
}

// exitPeeker is a mechanism that can tell an exit without reaping it
// (pidfdChild); the others are asked by PID, which still names the child
// while the Handle holds it unreaped.
type exitPeeker interface {
	peek() (exited bool, err error)
}

// peekWatch reports whether the child has exited, reaping nothing and
// consuming no stop or trap. Where waitid is missing (OpenBSD before 7.3) it
// answers true, as peekExit does.
func peekWatch(sys childWatch, pid int) (bool, error) {
	if p, ok := sys.(exitPeeker); ok {
		return p.peek()
	}
	if s, ok := sys.(interface{ sameProcess() error }); ok {
		// SIGCHLD: the PID may name a successor once other code reaped
		// the child; the mechanism can tell.
		if err := s.sameProcess(); err != nil {
			return false, err
		}
	}
	return peekExit(pid)
}

// finish waits, once the child is reaped, for what cmd.Wait waits for and
// returns the command's error (nil, or wrapped as described at Handle.Wait).
// It returns errWaitCtx if ctx ends first; a later call goes on.
func (c *command) finish(ctx context.Context, pid int, e Exit) error {
	if c.finished.Load() {
		return c.err
	}
	if err := c.awaitCopies(ctx); err != nil {
		return err
	}
	c.waitOnce.Do(c.waitAfterEarlyReap)
	if err := c.awaitCancel(ctx); err != nil {
		return err
	}
	c.doneOnce.Do(func() {
		c.err = c.result(pid, e)
		c.finished.Store(true)
	})
	return c.err
}

// awaitCopies waits until the copies end. With a WaitDelay, once it has
// passed since the Context ended or the child was reaped (whichever came
// first), it closes this process's pipe ends, as os/exec does, and then
// waits for the copies to notice.
func (c *command) awaitCopies(ctx context.Context) error {
	cio := c.io
	if cio == nil {
		return nil
	}
	var expire <-chan time.Time
	if cio.waitDelay > 0 {
		c.mu.Lock()
		start := cio.reapedAt
		if at := c.cancelAtLocked(); !at.IsZero() && at.Before(start) {
			start = at
		}
		c.mu.Unlock()
		t := time.NewTimer(time.Until(start.Add(cio.waitDelay)))
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-cio.copied:
		return nil
	case <-ctx.Done():
		return errWaitCtx
	case <-expire:
	}
	cio.closeIO.Do(func() {
		c.mu.Lock()
		cio.expired = true
		c.mu.Unlock()
		closeFiles(cio.parent)
	})
	select {
	case <-cio.copied:
		return nil
	case <-ctx.Done():
		return errWaitCtx
	}
}

// cancelAtLocked is when cancelHook ran, or the zero time.
func (c *command) cancelAtLocked() time.Time {
	if c.cancel == nil {
		return time.Time{}
	}
	return c.cancel.at
}

// waitAfterEarlyReap runs cmd.Wait after a reap by cmd.Process.Wait, to end
// os/exec's Context goroutine and close the pipes the caller made with
// StdoutPipe and the like; its own Process.Wait answers from the Process's
// state (see osProcessHasPidfd). Then it sets cmd.ProcessState.
func (c *command) waitAfterEarlyReap() {
	c.mu.Lock()
	ps, need := c.earlyState, c.needWait
	c.mu.Unlock()
	if !need {
		return
	}
	_ = c.cmd.Wait()
	if ps != nil {
		c.cmd.ProcessState = ps
	}
}

// awaitCancel waits until the caller's Cancel, if it ran, has returned.
func (c *command) awaitCancel(ctx context.Context) error {
	if c.cancel == nil {
		return nil
	}
	c.mu.Lock()
	done := c.cancel.done
	c.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errWaitCtx
	}
}

// result is the command's error as cmd.Wait would report it beside an exit
// status of 0 (otherwise cmd.Wait reports the exit, which the Exit says).
func (c *command) result(pid int, e Exit) error {
	if !e.Status.Exited() || e.Status.ExitStatus() != 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	canceled := !c.cancelAtLocked().IsZero()
	err := c.waitErr
	if !c.viaWait && canceled {
		err = errContextEnded
	}
	ctxErr := err == errContextEnded || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if canceled && ctxErr {
		// os/exec's rule for what Cancel returned.
		switch cerr := c.cancel.err; {
		case cerr == nil:
		case errors.Is(cerr, os.ErrProcessDone):
			err = nil
		default:
			return handleErr("wait", pid, "the command's Cancel failed", cerr)
		}
	}
	switch {
	case err != nil && ctxErr:
		return handleErr("wait", pid, "the command's Context ended before it exited", err)
	case err != nil:
		return handleErr("wait", pid, "finishing the command failed", err)
	case c.io != nil && c.io.expired:
		return handleErr("wait", pid, "the command's I/O was not done within its WaitDelay", exec.ErrWaitDelay)
	case c.io != nil && c.io.copyErr != nil:
		return handleErr("wait", pid, "copying the command's I/O failed", c.io.copyErr)
	}
	return nil
}
