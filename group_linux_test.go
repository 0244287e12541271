package wait

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// epollTargets returns the descriptors registered in the epoll instance
// epfd, as the kernel lists them in /proc/self/fdinfo ("tfd:" lines).
func epollTargets(t *testing.T, epfd int) []int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(epfd))
	if err != nil {
		t.Skipf("no /proc/self/fdinfo to list the epoll entries: %v", err)
	}
	var fds []int
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "tfd:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("fdinfo line %q: %v", line, err)
			}
			fds = append(fds, n)
		}
	}
	return fds
}

// TestGroupMechanism checks, through the kernel's own listing, that the
// Group's epoll holds its eventfd and the pidfd of each member that has one
// (a member served by the SIGCHLD dispatcher has none), that one Group can
// mix both kinds, and that Close releases the epoll instance and eventfd.
func TestGroupMechanism(t *testing.T) {
	requirePidfd(t)
	g := gNew(t)
	epfd, evfd := g.poll.fd, g.poll.evfd
	hForce(t, false)
	hp, wp := gBlock(t, 1)
	hForce(t, true)
	hs, ws := gBlock(t, 2)
	gAdd(t, g, hp)
	gAdd(t, g, hs)
	pidfd := handlePidfd(hp)
	if pidfd < 0 || handlePidfd(hs) >= 0 {
		t.Fatalf("mechanisms: pidfd member has fd %d, SIGCHLD member %d", pidfd, handlePidfd(hs))
	}
	got := epollTargets(t, epfd)
	if len(got) != 2 || !(got[0] == evfd && got[1] == pidfd || got[0] == pidfd && got[1] == evfd) {
		t.Errorf("epoll entries %v; want the eventfd %d and the member's pidfd %d", got, evfd, pidfd)
	}
	wp.Close()
	ws.Close()
	codes := map[int]int{}
	for range 2 {
		e := gNext(t, g)
		codes[e.Pid] = e.Status.ExitStatus()
	}
	if codes[hp.Pid()] != 1 || codes[hs.Pid()] != 2 {
		t.Errorf("exit codes by pid %v; want %d:1 %d:2", codes, hp.Pid(), hs.Pid())
	}
	if got := epollTargets(t, epfd); len(got) != 1 || got[0] != evfd {
		t.Errorf("after the reap, epoll entries %v; want only the eventfd %d", got, evfd)
	}
	// Every epoll instance (the runtime has one) and eventfd reads alike
	// in /proc/self/fd: count them.
	epTarget, evTarget := fdTarget(t, epfd), fdTarget(t, evfd)
	eps, evs := countFDs(t, epTarget), countFDs(t, evTarget)
	g.Close()
	if n := countFDs(t, epTarget); n != eps-1 {
		t.Errorf("Close: %d descriptors of %s, %d before; want one fewer", n, epTarget, eps)
	}
	if n := countFDs(t, evTarget); n != evs-1 {
		t.Errorf("Close: %d descriptors of %s, %d before; want one fewer", n, evTarget, evs)
	}
}
