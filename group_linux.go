package wait

import (
	"context"
	"encoding/binary"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// groupPoll is a Group's epoll instance: the members' pidfds (EPOLLIN,
// edge-triggered, each with its member's token as data) and an eventfd
// (token 0, level-triggered) that wakes the waiting Next call. The epoll
// descriptor is itself pollable, so it sits in the runtime's poller and the
// waiting goroutine parks there without a thread.
//
// A pidfd turns readable when its process exits; the kernel wakes its
// waiters again if a tracer lets a traced zombie go, and an edge-triggered
// entry reports every such wake-up. When the Handle's pidfd is closed (the
// child reaped, the Handle closed) its entry goes with it; the Handle's
// hook (changedLocked) reports those changes instead.
type groupPoll struct {
	polledEpoll
	evfd int
}

func newGroupPoll() (*groupPoll, error) {
	ep, err := newPolledEpoll()
	if err != nil {
		return nil, err
	}
	// The eventfd is made non-blocking with fcntl too (see newPolledEpoll).
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		ep.file.Close()
		return nil, os.NewSyscallError("eventfd", err)
	}
	fail := func(call string, err error) (*groupPoll, error) {
		ep.file.Close()
		unix.Close(evfd)
		return nil, os.NewSyscallError(call, err)
	}
	if err := unix.SetNonblock(evfd, true); err != nil {
		return fail("fcntl", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	if err := unix.EpollCtl(ep.fd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		return fail("epoll_ctl", err)
	}
	return &groupPoll{polledEpoll: ep, evfd: evfd}, nil
}

// add registers h's pidfd, if it has one, with token tok; h.mu and the
// Group's lock are held, and the Group is open. ok is false for a Handle
// without a pidfd, whose exit its dispatcher reports.
func (p *groupPoll) add(h *Handle, tok uint32) (ok bool, err error) {
	c, isPidfd := h.sys.(*pidfdChild)
	if !isPidfd || c.fd < 0 {
		return false, nil
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(tok)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return false, os.NewSyscallError("epoll_ctl", err)
	}
	return true, nil
}

// wait parks until the epoll instance reports something, queues the
// members it names in g, and returns; ctx's end interrupts it (with a past
// read deadline, armed only when ctx can end), Close with an error.
func (p *groupPoll) wait(ctx context.Context, g *Group) error {
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			_ = p.file.SetReadDeadline(time.Unix(1, 0))
			close(fired)
		})
	}
	var evs [64]unix.EpollEvent
	var toks [64]uint32
	var werr error
	err := p.rc.Read(func(fd uintptr) bool {
		got := false
		for {
			n, err := unix.EpollWait(int(fd), evs[:], 0)
			switch {
			case err == unix.EINTR:
				continue
			case err != nil:
				werr = os.NewSyscallError("epoll_wait", err)
				return true
			case n == 0:
				return got
			}
			got = true
			k := 0
			for i := range evs[:n] {
				if tok := uint32(evs[i].Fd); tok != 0 {
					toks[k] = tok
					k++
				} else {
					p.drain()
				}
			}
			g.fromPoller(toks[:k])
			if n < len(evs) {
				return true
			}
		}
	})
	if stop != nil && !stop() {
		<-fired
		_ = p.file.SetReadDeadline(time.Time{})
	}
	switch {
	case werr != nil:
		return werr
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	}
	return err
}

// fromPoller queues the members whose epoll tokens the poller reported.
func (g *Group) fromPoller(toks []uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, tok := range toks {
		if h := g.tokens[tok]; h != nil {
			g.queueLocked(h, false)
		}
	}
}

// drain resets the eventfd's counter.
func (p *groupPoll) drain() {
	var b [8]byte
	for {
		if _, err := unix.Read(p.evfd, b[:]); err != unix.EINTR {
			return
		}
	}
}

// wake makes the waiting Next call return from wait (the Group's lock is
// held and the Group open, so evfd is).
func (p *groupPoll) wake() {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	for {
		// EAGAIN (the counter at its maximum) still leaves it readable.
		if _, err := unix.Write(p.evfd, b[:]); err != unix.EINTR {
			return
		}
	}
}

// close releases the epoll instance (waking a parked wait, which the runtime
// lets return before the descriptor goes) and the eventfd.
func (p *groupPoll) close() {
	_ = p.file.Close()
	unix.Close(p.evfd)
}
