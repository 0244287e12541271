package wait

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/procwait/wait/internal/posix"
)

// Group waits for the exits of many children together: Next returns the
// next exit of any member, each once, with no goroutine per member and no
// thread blocked in a wait call. A supervisor or worker pool that would
// otherwise park one goroutine in Handle.Wait per child parks one (or a
// few) in Next instead.
//
// How the exits are noticed is the members' own mechanism (see Handle):
//
//   - Linux: the Group holds one epoll instance with every member's pidfd
//     (EPOLLIN, edge-triggered), and that epoll descriptor sits in the Go
//     runtime's poller: one Next call parks there for all members, without
//     a thread. An eventfd in the same epoll wakes it when Add, Close or a
//     member's Handle has news.
//   - Where a member has no pidfd (the SIGCHLD dispatcher on older Linux
//     kernels and illumos, the kqueue dispatcher on the BSDs and macOS), the
//     dispatcher that already serves the Handle reports its exit, and the
//     Handle passes the report on to its Group.
//
// A member's exit is collected through its Handle, by the same steps as
// Handle.Wait: ownership and Reap's rules hold, a command made by Start is
// finished as cmd.Wait finishes it, and Next returns what h.Wait returns.
// The Handle stays usable: h.Wait and h.Done still work, before and after
// Next (h.Wait then returns the same Exit at once), and an exit collected
// first by h.Wait, or by Reap on the Handle's behalf, is still returned by
// Next, once.
//
// Every method is safe for concurrent use; concurrent Next calls each get a
// different exit.
type Group struct {
	mu      sync.Mutex
	closed  bool
	members map[*Handle]*member // members whose exit Next has not returned
	ready   []*Handle           // members to look at, each at most once (member.queued)
	tokens  map[uint32]*Handle  // epoll tokens of members with a pidfd (Linux)
	lastTok uint32
	changed chan struct{} // closed and replaced when ready grows or a poller stops
	polling bool          // a Next call waits in poll for all callers
	poll    *groupPoll    // the OS's poller (Linux: epoll); nil where there is none
}

// member is what a Group keeps of one member.
type member struct {
	tok    uint32 // its epoll token, 0 if it has none
	queued bool   // in the ready queue
	taken  bool   // a Next call is looking at it
	again  bool   // news arrived while it was taken: look again
}

// NewGroup returns an empty Group. On Linux it creates the Group's epoll
// instance and eventfd; elsewhere it allocates nothing of the OS.
func NewGroup() (*Group, error) {
	p, err := newGroupPoll()
	if err != nil {
		return nil, groupErr("new", "cannot create the Group's poller", err)
	}
	return &Group{
		members: map[*Handle]*member{},
		tokens:  map[uint32]*Handle{},
		changed: make(chan struct{}),
		poll:    p,
	}, nil
}

// Add makes h a member: Next will return its exit once. The exit of a child
// that has exited already (a zombie not yet collected, or one reaped by
// h.Wait or by Reap on h's behalf) is pending at once: Next returns it
// without waiting, after any exits pending before it. h stays usable,
// and Add takes nothing from it: h.Wait, h.Done, h.Signal and h.Close work
// as before.
//
// A Handle belongs to one Group at most, until Next has returned its exit
// (it may then be added again, to any Group, which returns the exit once
// more) or the Group is closed. Add of a Handle that is a member already, of
// this Group or another, fails with an error wrapping EBUSY; of a nil
// Handle, or one not made by Open or Start, with one wrapping EINVAL; of a
// closed Handle, or to a closed Group, with one wrapping os.ErrClosed.
func (g *Group) Add(h *Handle) error {
	if h == nil {
		return groupErr("add", "a nil Handle", posix.EINVAL)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.sys == nil:
		return handleErr("group add", h.pid, "not a Handle made by Open or Start", posix.EINVAL)
	case h.closed:
		return h.closedErr("group add")
	case h.group == g:
		return handleErr("group add", h.pid, "the Handle is a member of this Group already", posix.EBUSY)
	case h.group != nil:
		return handleErr("group add", h.pid, "the Handle is a member of another Group", posix.EBUSY)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return groupErr("add", "the Group is closed", os.ErrClosed)
	}
	m := &member{}
	if g.poll != nil && !h.reaped {
		tok := g.newTokenLocked()
		ok, err := g.poll.add(h, tok)
		if err != nil {
			return handleErr("group add", h.pid, "cannot watch the child", err)
		}
		if ok {
			m.tok = tok
			g.tokens[tok] = h
		}
	}
	g.members[h] = m
	h.group = g
	// One look at once: the exit may be in already (a zombie, a report the
	// dispatcher made before Add, a collect by h.Wait or Reap).
	g.queueLocked(h, true)
	return nil
}

// newTokenLocked returns an epoll token that no member holds, never 0 (the
// eventfd's).
func (g *Group) newTokenLocked() uint32 {
	for {
		g.lastTok++
		if g.lastTok != 0 && g.tokens[g.lastTok] == nil {
			return g.lastTok
		}
	}
}

// Next waits for the next exit of any member that Next has not returned yet,
// collects it (through the member's Handle, as h.Wait does) and returns it:
// the member then leaves the Group. It returns exactly what h.Wait returns
// for that member: the Exit, and for a command made by Start any error
// cmd.Wait would have reported beside a successful exit; for a child that
// other code reaped behind its Handle's back, the zero Exit and an error
// wrapping ECHILD that names its PID. Stops and continues are not exits: a
// stopped member stays a member.
//
// Next on a Group without members fails with an error wrapping ECHILD, as
// waitid(2) does for a process without children. A member whose Handle is
// closed before its exit was collected leaves the Group without an exit
// (Close gave up the child). When ctx ends, Next returns ctx.Err() and
// collects nothing more: pending exits wait for the next call. After Close,
// and in a Next that Close interrupts, it fails with an error wrapping
// os.ErrClosed. Like Handle.Wait, Next panics on a nil ctx.
func (g *Group) Next(ctx context.Context) (Exit, error) {
	if ctx == nil {
		panic("wait: Group.Next with a nil Context")
	}
	for {
		g.mu.Lock()
		switch {
		case g.closed:
			g.mu.Unlock()
			return Exit{}, groupErr("next", "the Group is closed", os.ErrClosed)
		case len(g.members) == 0:
			g.mu.Unlock()
			return Exit{}, groupErr("next", "the Group has no members", posix.ECHILD)
		}
		if err := ctx.Err(); err != nil {
			g.mu.Unlock()
			return Exit{}, err
		}
		if h := g.takeLocked(); h != nil {
			g.mu.Unlock()
			if ok, e, err := g.try(ctx, h); ok {
				return e, err
			}
			continue
		}
		if g.poll != nil && !g.polling {
			// This call waits in the poller for every caller.
			g.polling = true
			g.mu.Unlock()
			perr := g.poll.wait(ctx, g)
			g.mu.Lock()
			g.polling = false
			g.changedLocked() // another caller may take over
			closed := g.closed
			g.mu.Unlock()
			if perr != nil && !closed && ctx.Err() == nil {
				return Exit{}, groupErr("next", "waiting for the members failed", perr)
			}
			continue
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
}

// try looks at the member h, taken from the ready queue: ok is true when Next
// returns what try returns.
func (g *Group) try(ctx context.Context, h *Handle) (ok bool, e Exit, err error) {
	switch st, delay := h.groupCheck(); st {
	case memberRunning:
		g.untake(h, false)
		return false, Exit{}, nil
	case memberRetry:
		// Reported exited but not reapable yet (kqueue's early NOTE_EXIT):
		// look again shortly, as Handle.Wait does.
		g.untake(h, false)
		time.AfterFunc(delay, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.group == g {
				g.memberChanged(h)
			}
		})
		return false, Exit{}, nil
	case memberLeft:
		g.leave(h)
		return false, Exit{}, nil
	}
	// Collected: h.Wait returns the Exit at once, after finishing a Start
	// command's I/O as cmd.Wait does.
	e, err = h.Wait(ctx)
	if cerr := ctx.Err(); cerr != nil && err == cerr {
		g.untake(h, true) // the exit stays pending, first in line
		return true, Exit{}, cerr
	}
	g.leave(h)
	return true, e, err
}

// memberState is what groupCheck found.
type memberState int

const (
	memberRunning memberState = iota // no exit yet
	memberExited                     // reaped: the Exit (or its error) is final
	memberLeft                       // closed before the exit was collected
	memberRetry                      // reported but not reapable yet: look again after the delay
)

// groupCheck collects the child if it exited, as Handle.Wait's next step
// does (a Start command is reaped through cmd.Wait), and says what became of
// it, never blocking.
func (h *Handle) groupCheck() (memberState, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.collectLocked(true)
	switch {
	case h.reaped:
		return memberExited, 0
	case h.closed:
		return memberLeft, 0
	case h.reported:
		// As in Handle.next: renew the report's registration, then look
		// once more.
		delay, collected := h.renewLocked()
		switch {
		case delay > 0:
			return memberRetry, delay
		case collected:
			return memberExited, 0
		}
	}
	return memberRunning, 0
}

// memberChanged is the hook of Handle.changedLocked, called with h.mu held:
// h has news (a dispatcher's exit report, a collect by h.Wait or Reap), so
// Next looks at it. A Handle closed before its exit was collected leaves
// the Group at once.
func (g *Group) memberChanged(h *Handle) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if h.closed && !h.reaped {
		if h.group == g {
			h.group = nil
		}
		g.removeLocked(h)
		return
	}
	g.queueLocked(h, true)
}

// queueLocked puts the member h in the ready queue (once) and wakes the
// waiting Next calls; wake says the poller must be woken too (not when the
// poller itself queues).
func (g *Group) queueLocked(h *Handle, wake bool) {
	m := g.members[h]
	switch {
	case m == nil || g.closed:
		return
	case m.taken:
		m.again = true
		return
	case m.queued:
		return
	}
	m.queued = true
	g.ready = append(g.ready, h)
	g.changedLocked()
	if wake && g.polling {
		g.poll.wake()
	}
}

// takeLocked takes the first member of the ready queue for one Next call,
// or returns nil.
func (g *Group) takeLocked() *Handle {
	for len(g.ready) > 0 {
		h := g.ready[0]
		g.ready[0] = nil
		g.ready = g.ready[1:]
		if m := g.members[h]; m != nil && m.queued {
			m.queued, m.taken, m.again = false, true, false
			return h
		}
	}
	g.ready = nil
	return nil
}

// untake gives a taken member back: first in line when pending (its exit
// is collected but not returned), else queued again only if news arrived
// meanwhile.
func (g *Group) untake(h *Handle, pending bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.members[h]
	if m == nil {
		return
	}
	m.taken = false
	switch {
	case pending:
		m.queued = true
		g.ready = append([]*Handle{h}, g.ready...)
		g.changedLocked()
	case m.again:
		g.queueLocked(h, true)
	}
}

// leave ends h's membership: Next returned its exit, or its Handle was
// closed first.
func (g *Group) leave(h *Handle) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.group == g {
		h.group = nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.removeLocked(h)
}

// removeLocked forgets the member h, if it is one.
func (g *Group) removeLocked(h *Handle) {
	if m := g.members[h]; m != nil {
		delete(g.members, h)
		if m.tok != 0 {
			delete(g.tokens, m.tok)
		}
		g.changedLocked() // the last member gone: waiting calls say so
		if g.polling {
			g.poll.wake()
		}
	}
}

// changedLocked wakes every Next call parked on g.changed.
func (g *Group) changedLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// Len returns the number of members: Handles added whose exit Next has not
// returned yet, less those closed before their exit was collected. It is 0
// after Close.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.members)
}

// Close releases the Group: its epoll instance and eventfd on Linux, and
// every membership. It wakes the Next calls waiting, which fail with an
// error wrapping os.ErrClosed, as do later calls of Next and Add. The
// members' Handles are not closed: they stay usable (h.Wait still returns
// each exit, also one Next would have returned), and may join another Group.
// Close is idempotent and always returns nil.
func (g *Group) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	members := make([]*Handle, 0, len(g.members))
	for h := range g.members {
		members = append(members, h)
	}
	clear(g.members)
	clear(g.tokens)
	g.ready = nil
	g.changedLocked()
	g.mu.Unlock()
	// Outside g.mu: closing the epoll descriptor waits for a Next parked on
	// it, which may be queueing under g.mu.
	if g.poll != nil {
		g.poll.close()
	}
	for _, h := range members {
		h.mu.Lock()
		if h.group == g {
			h.group = nil
		}
		h.mu.Unlock()
	}
	return nil
}

// groupError is an error of a Group method that concerns no one member:
// "wait: group next: the Group has no members: no child processes".
type groupError struct {
	op  string
	msg string
	err error
}

func groupErr(op, msg string, err error) error {
	return &groupError{op: op, msg: msg, err: err}
}

func (e *groupError) Error() string {
	return "wait: group " + e.op + ": " + e.msg + ": " + e.err.Error()
}

func (e *groupError) Unwrap() error { return e.err }
