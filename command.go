package wait

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
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
type command struct {
	cmd       *exec.Cmd
	waitDelay time.Duration
	cancel    func() error // the caller's Cancel; nil if none
	osPidfd   bool         // osProcessHasPidfd, asked before any lock (it may probe)

	// Set up by prepare, used by started.
	stdin          io.Reader // the caller's streams, restored after cmd.Start
	stdout, stderr io.Writer
	child          []*os.File // the child's pipe ends, closed in this process after cmd.Start
	parent         []*os.File // this process's pipe ends, closed by the copies or at WaitDelay
	copiers        []func() error
	undoSys        func(started bool) int

	copied   chan struct{} // closed when every copy has ended; nil without copies
	closeIO  sync.Once
	finished chan struct{} // closed when err is final
	waitOnce sync.Once     // cmd.Wait after an early reap
	doneOnce sync.Once

	mu         sync.Mutex
	running    int           // copies still running
	copyErr    error         // the first copy error
	expired    bool          // WaitDelay closed the pipes
	cancelAt   time.Time     // when cancelHook ran (the Context ended)
	cancelDone chan struct{} // closed when the caller's Cancel returned
	cancelErr  error         // what it returned
	reapedAt   time.Time
	viaWait    bool             // cmd.Wait reaped the child
	waitErr    error            // what that cmd.Wait returned, but an *exec.ExitError
	earlyState *os.ProcessState // from cmd.Process.Wait, when Reap reaped the child
	needWait   bool             // Reap reaped: finish must still run cmd.Wait
	err        error            // the final error, once finished is closed
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
		cmd:       cmd,
		waitDelay: cmd.WaitDelay,
		stdin:     cmd.Stdin,
		stdout:    cmd.Stdout,
		stderr:    cmd.Stderr,
		finished:  make(chan struct{}),
		osPidfd:   osProcessHasPidfd(),
	}
	if err := c.pipes(); err != nil {
		c.restore()
		closeFiles(c.child)
		closeFiles(c.parent)
		return nil, err
	}
	if cmd.Cancel != nil {
		c.cancel = cmd.Cancel
		cmd.Cancel = c.cancelHook
	}
	if clonePidfd != nil {
		c.undoSys = clonePidfd(cmd)
	}
	return c, nil
}

// pipes replaces each stream that os/exec would copy by a pipe.
func (c *command) pipes() error {
	cmd := c.cmd
	if r := cmd.Stdin; r != nil && !isFile(r) {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		cmd.Stdin = pr
		c.child = append(c.child, pr)
		c.parent = append(c.parent, pw)
		c.copiers = append(c.copiers, func() error {
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
		if outPipe != nil && interfaceEqual(c.stderr, c.stdout) {
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
	c.child = append(c.child, pw)
	c.parent = append(c.parent, pr)
	c.copiers = append(c.copiers, func() error {
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
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = c.stdin, c.stdout, c.stderr
}

// started runs after cmd.Start: it restores the caller's fields, closes the
// child's pipe ends here and, if the child runs, starts the copies. It
// returns the pidfd from clone, or -1.
func (c *command) started(ok bool) int {
	fd := -1
	if c.undoSys != nil {
		fd = c.undoSys(ok)
		c.undoSys = nil // drop the copied SysProcAttr: a Group holds many commands
	}
	c.restore()
	closeFiles(c.child)
	c.child = nil
	if !ok {
		if c.cancel != nil {
			c.cmd.Cancel = c.cancel
		}
		closeFiles(c.parent)
		return fd
	}
	if len(c.copiers) > 0 {
		c.copied = make(chan struct{})
		c.running = len(c.copiers)
		for _, copier := range c.copiers {
			go c.copy(copier)
		}
	}
	c.copiers = nil
	return fd
}

// copy runs one copy and records its end.
func (c *command) copy(copier func() error) {
	err := copier()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.copyErr == nil {
		c.copyErr = err
	}
	if c.running--; c.running == 0 {
		close(c.copied)
	}
}

// cancelHook is cmd.Cancel while the command runs; os/exec calls it at most
// once, when the Context ends. It runs the caller's Cancel in a goroutine of
// its own and returns at once.
func (c *command) cancelHook() error {
	c.mu.Lock()
	c.cancelAt = time.Now()
	done := make(chan struct{})
	c.cancelDone = done
	c.mu.Unlock()
	go func() {
		err := c.cancel()
		c.mu.Lock()
		c.cancelErr = err
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
			c.reapedAt, c.viaWait = now, true
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
		c.reapedAt, c.viaWait, c.waitErr = now, true, err
		c.mu.Unlock()
		e, _ := ExitFromProcessState(ps)
		return e, true, nil
	}
	ps, err := c.cmd.Process.Wait()
	switch {
	case err != nil && errors.Is(err, posix.EINVAL):
		// Released by the caller (see above); cmd.Wait runs in finish.
		c.mu.Lock()
		c.reapedAt, c.needWait = now, true
		c.mu.Unlock()
		return sys.reap()
	case err != nil:
		return Exit{}, false, err
	}
	c.mu.Lock()
	c.reapedAt, c.earlyState, c.needWait = now, ps, true
	c.mu.Unlock()
	e, _ := ExitFromProcessState(ps)
	return e, true, nil
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
	select {
	case <-c.finished:
		return c.err
	default:
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
		close(c.finished)
	})
	return c.err
}

// awaitCopies waits until the copies end. With a WaitDelay, once it has
// passed since the Context ended or the child was reaped (whichever came
// first), it closes this process's pipe ends, as os/exec does, and then
// waits for the copies to notice.
func (c *command) awaitCopies(ctx context.Context) error {
	if c.copied == nil {
		return nil
	}
	var expire <-chan time.Time
	if c.waitDelay > 0 {
		c.mu.Lock()
		start := c.reapedAt
		if !c.cancelAt.IsZero() && c.cancelAt.Before(start) {
			start = c.cancelAt
		}
		c.mu.Unlock()
		t := time.NewTimer(time.Until(start.Add(c.waitDelay)))
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-c.copied:
		return nil
	case <-ctx.Done():
		return errWaitCtx
	case <-expire:
	}
	c.closeIO.Do(func() {
		c.mu.Lock()
		c.expired = true
		c.mu.Unlock()
		closeFiles(c.parent)
	})
	select {
	case <-c.copied:
		return nil
	case <-ctx.Done():
		return errWaitCtx
	}
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
	c.mu.Lock()
	done := c.cancelDone
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
	canceled := !c.cancelAt.IsZero()
	err := c.waitErr
	if !c.viaWait && canceled {
		err = errContextEnded
	}
	ctxErr := err == errContextEnded || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if canceled && ctxErr {
		// os/exec's rule for what Cancel returned.
		switch {
		case c.cancelErr == nil:
		case errors.Is(c.cancelErr, os.ErrProcessDone):
			err = nil
		default:
			return handleErr("wait", pid, "the command's Cancel failed", c.cancelErr)
		}
	}
	switch {
	case err != nil && ctxErr:
		return handleErr("wait", pid, "the command's Context ended before it exited", err)
	case err != nil:
		return handleErr("wait", pid, "finishing the command failed", err)
	case c.expired:
		return handleErr("wait", pid, "the command's I/O was not done within its WaitDelay", exec.ErrWaitDelay)
	case c.copyErr != nil:
		return handleErr("wait", pid, "copying the command's I/O failed", c.copyErr)
	}
	return nil
}
