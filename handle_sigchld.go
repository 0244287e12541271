//go:build linux || solaris

package wait

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// sigchldChild watches a child through the SIGCHLD dispatcher, which serves
// every Handle where there is neither a pidfd nor kqueue (Linux before 5.4,
// illumos). One goroutine receives SIGCHLD through os/signal and, for each
// signal, peeks at every watched child with waitid(WNOWAIT), reaping
// nothing and consuming no stop, and wakes the Handles whose child exited;
// their waiters then collect. Signals coalesce, but every delivery rescans
// all children, and a Handle registers before its first collect, so no exit
// is missed. The cost is one peek per watched child per SIGCHLD.
type sigchldChild struct {
	h *Handle
	// proc is the child's open /proc/<pid> directory (Linux, nil when
	// /proc is not usable): it names the child itself, not whatever later
	// takes its PID.
	proc *os.File
}

func openSigchld(h *Handle) (childWatch, error) {
	if err := checkChild(h.pid); err != nil {
		return nil, err
	}
	c := &sigchldChild{h: h, proc: openProcDir(h.pid)}
	sigchldAdd(h)
	return c, nil
}

func (c *sigchldChild) reap() (Exit, bool, error) {
	if err := c.sameProcess(); err != nil {
		return Exit{}, false, err
	}
	return reapPid(c.h.pid)
}

// rearm hands the Handle back to the dispatcher.
func (c *sigchldChild) rearm() bool {
	sigchldAdd(c.h)
	return true
}

func (c *sigchldChild) signal(sig syscall.Signal) error {
	if err := c.sameProcess(); err != nil {
		return handleErr("signal", c.h.pid, "the child was reaped by other code", os.ErrProcessDone)
	}
	return killPid(c.h.pid, sig)
}

func (c *sigchldChild) release() {
	sigchldRemove(c.h)
	if c.proc != nil {
		_ = c.proc.Close()
		c.proc = nil
	}
}

// sameProcess fails wrapping ECHILD when the child is gone, reaped by other
// code, so that its PID may now name another process: once the process an
// open /proc/<pid> directory was opened for is reaped, lookups in it fail
// with ENOENT, whoever has the PID now. It cannot tell without a usable
// /proc, and a reap and reuse between this check and the next system call
// remain possible (see docs/handle.md).
func (c *sigchldChild) sameProcess() error {
	if c.proc == nil || procDirAlive(c.proc) {
		return nil
	}
	return fmt.Errorf("the child is gone (its /proc directory is empty), and its PID may name another process: %w", syscall.ECHILD)
}

var sigchld struct {
	once    sync.Once
	mu      sync.Mutex
	handles map[*Handle]struct{}
}

// sigchldAdd starts watching h's child (and the dispatcher, the first time).
func sigchldAdd(h *Handle) {
	sigchld.once.Do(func() {
		sigchld.handles = map[*Handle]struct{}{}
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGCHLD)
		go sigchldLoop(c)
	})
	sigchld.mu.Lock()
	defer sigchld.mu.Unlock()
	sigchld.handles[h] = struct{}{}
}

// sigchldRemove stops watching h's child.
func sigchldRemove(h *Handle) {
	sigchld.mu.Lock()
	defer sigchld.mu.Unlock()
	delete(sigchld.handles, h)
}

func sigchldLoop(c <-chan os.Signal) {
	var batch []*Handle
	for range c {
		batch = batch[:0]
		sigchld.mu.Lock()
		for h := range sigchld.handles {
			batch = append(batch, h)
		}
		sigchld.mu.Unlock()
		for i, h := range batch {
			if exitedPid(h.pid) {
				sigchldRemove(h)
				h.markExited()
			}
			batch[i] = nil
		}
	}
}
