package wait

import "sync/atomic"

// forceSigchld makes Open use the SIGCHLD dispatcher even where pidfd works,
// so that the tests cover that path too. It replaces the production choice
// (pidfdUsable) once, at init, before any goroutine reads it.
var forceSigchld atomic.Bool

func init() {
	pidfdUsable = func() bool { return !forceSigchld.Load() && pidfdWorks() }
}

// handlePidfd returns the descriptor of h's pidfd, or -1 if h has none.
func handlePidfd(h *Handle) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.sys.(*pidfdChild); ok {
		return c.fd
	}
	return -1
}
