//go:build linux

package wait

import (
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// pidfdChild watches a child through a pidfd. The pidfd names the child
// itself, so nothing done through it can reach a process that reused the
// PID. The exit is noticed by pidfdPoll, one epoll instance for every
// Handle in the runtime's poller (the pidfd enters it when Wait first runs:
// a Group member that no Wait waits for is watched through the Group's
// epoll alone); waitid(P_PIDFD) then collects it.
type pidfdChild struct {
	h      *Handle
	fd     int  // the pidfd; -1 once released
	polled bool // fd is in pidfdPoll
	// exited records that a peek saw the exit, so that the collect that
	// follows (Wait peeks first) does not peek again: a zombie stays one
	// until it is reaped, and a reap by other code makes the reap fail with
	// the error the peek would have had. Read and written under the
	// Handle's lock.
	exited bool
}

// openPidfd opens the child's pidfd: pidfd_open(pid, 0) then O_NONBLOCK,
// because PIDFD_NONBLOCK (5.10) is not translated by qemu-user on MIPS,
// where it differs from x86's value.
func openPidfd(h *Handle) (childWatch, error) {
	fd, err := unix.PidfdOpen(h.pid, 0)
	if err != nil {
		if err == unix.ESRCH {
			return nil, handleErr("open", h.pid, "no such process", syscall.ECHILD)
		}
		return nil, handleErr("open", h.pid, "pidfd_open failed", os.NewSyscallError("pidfd_open", err))
	}
	return adoptPidfd(h, fd)
}

// adoptPidfd makes fd, the child's pidfd (from pidfd_open or from clone),
// the Handle's: it checks that the child is ours and unreaped and makes fd
// non-blocking. It closes fd on error. The fd enters pidfdPoll when Wait
// first needs it (prepareWatch).
func adoptPidfd(h *Handle, fd int) (childWatch, error) {
	var si raw.Siginfo
	if e := raw.Waitid(int(P_PIDFD), fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		unix.Close(fd)
		if e == syscall.ECHILD {
			return nil, handleErr("open", h.pid, "not a child of this process (or reaped already)", syscallError("waitid", e))
		}
		return nil, handleErr("open", h.pid, "waitid(P_PIDFD) failed", syscallError("waitid", e))
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, handleErr("open", h.pid, "fcntl failed", os.NewSyscallError("fcntl", err))
	}
	return &pidfdChild{h: h, fd: fd}, nil
}

// prepareWatch puts the pidfd in pidfdPoll, once, before a waiter parks; it
// runs with the Handle's lock held, so no release runs meanwhile. An exit
// before it is reported all the same: epoll reports a descriptor that is
// readable when it is added.
func (c *pidfdChild) prepareWatch() error {
	if c.polled || c.fd < 0 {
		return nil
	}
	if err := pidfds.add(c.fd, c.h); err != nil {
		return err
	}
	c.polled = true
	return nil
}

// reap peeks first (WNOWAIT): Linux reports a tracee's ptrace stops to its
// tracer under WEXITED alone, and a wait without WNOWAIT would consume them.
// A zombie stays a zombie, so the reap that follows a peek that saw an exit
// reaps that exit.
func (c *pidfdChild) reap() (Exit, bool, error) {
	if exited, err := c.peek(); err != nil || !exited {
		return Exit{}, false, err
	}
	// Linux's wait6 is waitid with an rusage: call it so, and say so.
	var si raw.Siginfo
	var ru raw.Rusage
	if e := raw.WaitidRusage(int(P_PIDFD), c.fd, &si, uint32(WEXITED|WNOHANG), &ru); e != 0 {
		return Exit{}, false, syscallError("waitid", e)
	}
	s := si.SigChld()
	if s.Pid == 0 {
		return Exit{}, false, nil
	}
	return Exit{Pid: c.h.pid, Status: WaitStatus(raw.StatusFromSiginfo(s.Code, s.Status)), Rusage: Rusage(ru.Decode())}, true, nil
}

// peek reports whether the child has exited, with a WNOWAIT waitid on the
// pidfd: nothing is reaped and no stop or trap consumed. Start's commands
// use it to reap through os/exec instead (see command.reap).
func (c *pidfdChild) peek() (bool, error) {
	if c.fd < 0 {
		return false, nil
	}
	if c.exited {
		return true, nil
	}
	var si raw.Siginfo
	if e := raw.Waitid(int(P_PIDFD), c.fd, &si, uint32(WEXITED|WNOHANG|WNOWAIT)); e != 0 {
		return false, syscallError("waitid", e)
	}
	s := si.SigChld()
	c.exited = s.Pid != 0 && isExit(Code(s.Code))
	return c.exited, nil
}

// rearm needs nothing: the pidfd stays in pidfdPoll, which reports every
// wake-up of the pidfd (edge-triggered).
func (c *pidfdChild) rearm() bool { return true }

func (c *pidfdChild) signal(sig syscall.Signal) error {
	err := unix.PidfdSendSignal(c.fd, sig, nil, 0)
	switch {
	case err == unix.ESRCH:
		return handleErr("signal", c.h.pid, "the child is gone", os.ErrProcessDone)
	case err != nil:
		return os.NewSyscallError("pidfd_send_signal", err)
	}
	return nil
}

// release takes the pidfd out of pidfdPoll and closes it.
func (c *pidfdChild) release() {
	if c.fd < 0 {
		return
	}
	fd := c.fd
	c.fd = -1
	if c.polled {
		pidfds.remove(fd)
	}
	unix.Close(fd)
}

// pidfds is the epoll instance of the Handles' pidfds.
var pidfds pidfdPoll

// pidfdPoll is one epoll instance with the pidfd of every Handle that a
// waiter waits for (EPOLLIN, edge-triggered: a pidfd turns readable when its
// process exits, and the kernel wakes its waiters again if a tracer lets a
// traced zombie go). The epoll descriptor sits in the runtime's poller, and
// one goroutine parks there for all Handles, reporting each exit to its
// Handle (markExited), whose waiters then collect it. The goroutine runs
// while a pidfd is registered; a waiter costs no OS thread, no os.File and
// no poller entry of its own.
type pidfdPoll struct {
	mu          sync.Mutex
	polledEpoll           // the epoll instance; file is nil until first used
	byFd        []*Handle // the Handle of each registered pidfd, by descriptor
	n           int       // registered pidfds
	running     bool      // the dispatcher goroutine runs
}

// add registers fd, h's pidfd, and starts the dispatcher if needed.
func (p *pidfdPoll) add(fd int, h *Handle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file == nil {
		ep, err := newPolledEpoll()
		if err != nil {
			return err
		}
		p.polledEpoll = ep
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	if fd >= len(p.byFd) {
		p.byFd = append(p.byFd, make([]*Handle, fd+1-len(p.byFd))...)
	}
	p.byFd[fd] = h
	p.n++
	if !p.running {
		p.running = true
		go p.run()
	}
	return nil
}

// remove unregisters fd before it is closed; the dispatcher stops once no
// pidfd is left (a past read deadline wakes it).
func (p *pidfdPoll) remove(fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil)
	p.byFd[fd] = nil
	p.n--
	if p.n == 0 && p.running {
		_ = p.file.SetReadDeadline(time.Unix(1, 0))
	}
}

// run is the dispatcher: it parks in the poller until a registered pidfd
// turns readable and reports it to its Handle, until no pidfd is left.
func (p *pidfdPoll) run() {
	var evs [64]unix.EpollEvent
	var hs [64]*Handle
	for {
		k := 0
		err := p.rc.Read(func(fd uintptr) bool {
			n, err := unix.EpollWait(int(fd), evs[:], 0)
			if err != nil || n <= 0 {
				return false // nothing (EINTR, or no event): park
			}
			p.mu.Lock()
			for _, ev := range evs[:n] {
				if h := p.lookupLocked(int(ev.Fd)); h != nil {
					hs[k] = h
					k++
				}
			}
			p.mu.Unlock()
			return true
		})
		// Outside p.mu: markExited takes the Handle's lock, and release
		// (under it) takes p.mu. A Handle released meanwhile, or one that
		// took over a closed pidfd's number, gets a report that its
		// waiters find stale, as Handle.next expects.
		for i := range hs[:k] {
			hs[i].markExited()
			hs[i] = nil
		}
		if err != nil {
			// The past deadline set by remove (the only error possible:
			// the epoll descriptor is never closed).
			p.mu.Lock()
			_ = p.file.SetReadDeadline(time.Time{})
			if p.n == 0 {
				p.running = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		}
	}
}

func (p *pidfdPoll) lookupLocked(fd int) *Handle {
	if fd < 0 || fd >= len(p.byFd) {
		return nil
	}
	return p.byFd[fd]
}
