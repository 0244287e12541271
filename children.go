package wait

import "sync"

// Child ownership, shared by Handle (handle.go) and Reap (reap.go).
//
// A child is owned while a Handle for it is registered in owned. Ownership
// ends when the child is reaped (by h.Wait, or by Reap on the Handle's
// behalf) or when the Handle is closed, whichever comes first: from then on
// the PID is free, and a new process on it is nobody's until Start or Open
// claims it. The rules that keep every exit status with its rightful waiter:
//
//   - Reap never reaps blindly. It peeks at the next waitable child with
//     waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) and, holding spawnMu
//     exclusively, looks its PID up: an owned child is reaped through its
//     Handle's collect method (the Exit waits in the Handle for h.Wait and
//     never reaches Reap's callback); any other exited child is reaped by its
//     PID and passed to the callback. Reports that are not exits (stops,
//     continues, ptrace traps) are never consumed.
//   - Start holds spawnMu shared from before the fork until the Handle is
//     registered, so a child that exits at once cannot be peeked and taken
//     as an orphan in between.
//   - Every reaping of an owned child goes through h.collect, which reaps at
//     most once under the Handle's lock and, in the same step and under
//     ownedMu, releases the Handle's OS registrations and ends its
//     ownership. So no claim can see the PID owned after its child is gone,
//     and no release of an old Handle can touch a new Handle's registration
//     on a recycled PID.
//
// Lock order: spawnMu, then a Handle's mu, then ownedMu. No lock is held
// while user code (a callback, a Context) runs.
var (
	spawnMu sync.RWMutex

	ownedMu sync.Mutex
	owned   = map[int]*Handle{}
)

// claim registers h as its child's owner. fresh says the PID was just
// returned by fork: a Handle still registered for it is then stale (its
// child was reaped behind its back, or the PID could not have been reused)
// and is replaced. Otherwise an existing owner makes claim fail.
func claim(h *Handle, fresh bool) bool {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	if owned[h.pid] != nil && !fresh {
		return false
	}
	owned[h.pid] = h
	return true
}

// disown removes h's registration, if it still holds it.
func disown(h *Handle) {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	disownLocked(h)
}

func disownLocked(h *Handle) {
	if owned[h.pid] == h {
		delete(owned, h.pid)
	}
}

// ownerOf returns the Handle that owns pid, or nil.
func ownerOf(pid int) *Handle {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	return owned[pid]
}

// ownedCount is the number of owned children.
func ownedCount() int {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	return len(owned)
}
