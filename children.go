package wait

import "sync"

// Child ownership, shared by Handle (handle.go) and Reap (reap.go).
//
// A child is owned while a Handle for it is registered here. The rules that
// keep every exit status with its rightful waiter:
//
//   - Reap never reaps blindly with wait4(-1). It peeks at the next waitable
//     child with waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT), then, holding
//     spawnMu exclusively, looks the pid up: an owned child is reaped by
//     calling its Handle's collect method (which stores the Exit for h.Wait
//     and never reaches Reap's callback); any other child is reaped with
//     wait4(pid) and passed to the callback. While no Handle is registered at
//     all, Reap may reap with wait4(-1, WNOHANG) directly: owners register
//     only under spawnMu shared, which Reap holds exclusively, so the owned set
//     cannot grow under it and every child it reaps is unowned.
//   - Start holds spawnMu shared from before the fork until the Handle is
//     registered, so a child that exits at once cannot be peeked and taken as
//     an orphan in between.
//   - Every reaping of an owned child, by h.Wait or by Reap, goes through
//     h.collect, which reaps at most once under the Handle's own lock, so
//     the two can never race each other into ECHILD.
var (
	spawnMu sync.RWMutex

	ownedMu sync.Mutex
	owned   = map[int]*Handle{}
)

// disown removes h's registration, if it still holds it.
func disown(h *Handle) {
	ownedMu.Lock()
	if owned[h.pid] == h {
		delete(owned, h.pid)
	}
	ownedMu.Unlock()
}

// ownerOf returns the Handle that owns pid, or nil.
func ownerOf(pid int) *Handle {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	return owned[pid]
}
