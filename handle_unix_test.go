//go:build unix && !linux

package wait

import "testing"

type handleBackend struct {
	name string
	use  func(t *testing.T)
}

// handleBackends is the host's one mechanism: kqueue on the BSDs and macOS,
// the SIGCHLD dispatcher elsewhere.
func handleBackends(*testing.T) []handleBackend {
	return []handleBackend{{"native", func(*testing.T) {}}}
}
