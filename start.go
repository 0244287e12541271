package wait

import (
	"errors"
	"os"
	"os/exec"
)

// Start runs cmd.Start and returns a Handle that owns the child: Reap never
// takes it, and its status reaches h.Wait. Start takes every command that
// cmd.Start takes, and h.Wait then does what cmd.Wait does (see
// Handle.Wait), without an OS thread per waiting child:
//
//   - Stdin, Stdout and Stderr may be any io.Reader or io.Writer (a
//     bytes.Buffer, say). Start gives the child pipes and copies them in
//     goroutines parked in the runtime's poller; h.Wait waits for the copies
//     and closes the pipes, as cmd.Wait does, also those made with
//     cmd.StdoutPipe and the like. A Stdout and Stderr that are the same
//     writer share one pipe, as with os/exec.
//   - exec.CommandContext, Cancel and WaitDelay work as with os/exec: when
//     the Context ends, Cancel runs (once, in a goroutine of its own, so it
//     may call h.Signal), and WaitDelay bounds both the wait for the child
//     after that and the wait for its I/O. Start leaves a function of its own
//     in cmd.Cancel that runs the caller's. The child is reaped only through
//     cmd.Process, so its Kill, the default Cancel, never reaches a recycled
//     PID.
//   - cmd.ProcessState is set when h.Wait returns the Exit (unless the caller
//     released cmd.Process: the Handle then reaps the child itself).
//
// Use h.Wait, not cmd.Wait, for such a command: cmd.Wait would block a
// thread and reap the child behind the Handle's back.
//
// Where it differs from cmd.Wait, beside a running Reap only: when Reap
// collects the exit before h.Wait, on Linux (where os.Process holds a pidfd)
// it leaves the pipes for h.Wait, but a child that exited 0 after its Context
// ended then makes h.Wait report an error that does not wrap the Context's
// error (os/exec's report of it is lost). Where os.Process holds no pidfd
// (other systems, emulators without clone(CLONE_PIDFD)), Reap finishes the
// command as cmd.Wait would, so pipes made with cmd.StdoutPipe are closed
// at that moment.
//
// On Linux the Handle's pidfd comes from clone itself (SysProcAttr.PidFD) where
// the kernel supports it, so no process that reaps children behind the
// Handle's back can make it open a recycled PID. Start sets that on a copy of
// cmd.SysProcAttr, which it gives back after cmd.Start; a PidFD that the
// caller set stays theirs (Start takes a duplicate). On Linux cmd.Process
// holds a pidfd of its own until it is garbage-collected; calling
// cmd.Process.Release after h.Wait frees it at once.
//
// A refused Start leaves nothing open: when cmd.Start fails, os/exec closes
// the pipes made with cmd.StdoutPipe and the like, and so does Start with its
// own. The error names every problem found (errors.Join). A command that was
// already started is refused and left untouched.
//
// Start holds the lock that Reap takes before reaping an unowned child from
// before the fork until the Handle is registered, so a child that exits at
// once still reaches h.Wait.
func Start(cmd *exec.Cmd) (*Handle, error) {
	if cmd == nil {
		return nil, errors.New("wait: Start of a nil *exec.Cmd")
	}
	if cmd.Process != nil {
		return nil, errors.New("wait: Start " + cmd.Path + ": already started")
	}
	c, perr := prepare(cmd)
	if perr != nil {
		// Let cmd.Start fail too, so that os/exec closes what the caller
		// made for it, as it does when Start fails.
		orig := cmd.Err
		cmd.Err = errors.Join(orig, perr)
		serr := cmd.Start()
		cmd.Err = orig
		if orig != nil && !errors.Is(serr, orig) {
			return nil, errors.Join(orig, perr, serr)
		}
		return nil, errors.Join(orig, perr)
	}

	spawnMu.RLock()
	defer spawnMu.RUnlock()
	err := cmd.Start()
	fd := c.started(err == nil)
	if err != nil {
		return nil, err
	}
	h := newHandle(cmd.Process.Pid)
	h.cmd, h.adopt = c, fd
	if _, err := register(h, true); err != nil {
		if h.adopt >= 0 {
			_ = os.NewFile(uintptr(h.adopt), "pidfd").Close()
		}
		// Not expected for a child just started; leave nothing behind.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		c.closeParent()
		return nil, err
	}
	return h, nil
}
