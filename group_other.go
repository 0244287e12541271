//go:build !linux

package wait

import "context"

// groupPoll is a Group's own poller, which only Linux has (an epoll instance
// of pidfds, group_linux.go). Elsewhere the dispatcher that serves each
// member's Handle (kqueue, SIGCHLD) reports the exit through the Handle's
// hook, and Next waits for that.
type groupPoll struct{}

func newGroupPoll() (*groupPoll, error) { return nil, nil }

func (p *groupPoll) add(*Handle, uint32) (bool, error) { return false, nil }

func (p *groupPoll) wait(context.Context, *Group) error { return nil }

func (p *groupPoll) wake() {}

func (p *groupPoll) close() {}
