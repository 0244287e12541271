//go:build unix

package wait

import (
	"context"
	"errors"
	"syscall"
)

// ReapAll is Reap that also ends when no child is left: it reaps every child
// of this process that exits, calling fn once for each one that no Handle
// owns (a child owned by a Handle is reaped on the Handle's behalf and its
// Exit reaches h.Wait, never fn), and returns nil as soon as the kernel
// reports that this process has no child at all, or ctx.Err() when ctx ends
// first. Its rules are Reap's: fn runs on ReapAll's goroutine outside every
// lock, only exits are reaped (stops, continues and ptrace traps are never
// consumed), nothing stalls it, and it panics on a nil ctx.
//
// It is the end of an init's or a subreaper's life: after the main command
// exited and the survivors were signalled, ReapAll with a deadline collects
// them and says when the last one is gone:
//
//	cancelReap()                           // stop the long-running Reap
//	_ = syscall.Kill(-1, syscall.SIGTERM)  // only as PID 1 of a PID namespace: all of it
//	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//	defer cancel()
//	if err := wait.ReapAll(ctx, logOrphan); err != nil {
//		_ = syscall.Kill(-1, syscall.SIGKILL) // some survivor ignored SIGTERM
//		_ = wait.ReapAll(context.Background(), logOrphan)
//	}
//
// "No child" is the kernel's answer ECHILD to the peek that Reap makes
// anyway, waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT), asked while no Start or
// Open is between its fork (or lookup) and the registration of its Handle. A
// child that runs, is stopped or is traced keeps ReapAll waiting (a zombie
// does not: it is reaped, for its Handle if one owns it). While children run,
// ReapAll parks until the next SIGCHLD, as Reap does; it never polls. A Handle still
// registered when the kernel says ECHILD had its child reaped by other code:
// ReapAll ends that Handle's ownership (its Wait fails wrapping ECHILD, as it
// would anyway), so no owned child is left unreaped when ReapAll returns nil.
// A child started after ReapAll looked is not its concern.
//
// On Linux, a clone child whose exit signal is not SIGCHLD is invisible to
// waitid without __WALL: ReapAll neither reaps nor waits for it. Like Reap,
// ReapAll catches SIGCHLD with os/signal while it runs; do not run it beside
// Reap (one reaper per process).
func ReapAll(ctx context.Context, fn func(Exit)) error {
	if ctx == nil {
		panic("wait: ReapAll with a nil Context")
	}
	return reapLoop(ctx, fn, true)
}

// noChildLeft reports whether this process has no child at all: the P_ALL
// peek answers ECHILD while spawnMu is held, so no Start is between its
// fork and its claim. Handles still registered then lost their child to
// other code; their ownership ends here, through the Handle as always.
func noChildLeft() (bool, error) {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	_, _, err := peek(P_ALL, 0)
	switch {
	case errors.Is(err, syscall.ECHILD):
	case err != nil:
		return false, err
	default:
		return false, nil
	}
	for _, h := range ownedHandles() {
		h.collect()
	}
	return true, nil
}

// ownedHandles returns the Handles that own a child, or nil when none does.
func ownedHandles() []*Handle {
	ownedMu.Lock()
	defer ownedMu.Unlock()
	if len(owned) == 0 {
		return nil
	}
	hs := make([]*Handle, 0, len(owned))
	for _, h := range owned {
		hs = append(hs, h)
	}
	return hs
}
