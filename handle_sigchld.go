//go:build unix && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package wait

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// The SIGCHLD dispatcher serves every Handle where there is neither a pidfd
// nor kqueue (Linux before 5.4, illumos). One goroutine receives SIGCHLD
// through os/signal and, for each signal, peeks at every watched child with
// waitid(WNOWAIT) — reaping nothing, consuming no stop — and wakes the
// Handles whose child exited; their waiters then collect. Signals coalesce, but every delivery
// rescans all children, and a Handle registers before its first collect, so
// no exit is missed. The cost is one peek per watched child per SIGCHLD.
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
	sigchld.handles[h] = struct{}{}
	sigchld.mu.Unlock()
}

// sigchldRemove stops watching h's child.
func sigchldRemove(h *Handle) {
	sigchld.mu.Lock()
	delete(sigchld.handles, h)
	sigchld.mu.Unlock()
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
