//go:build unix

package wait

import (
	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/posix"
)

// signalName is the host's name of sig from x/sys's per-OS, per-architecture
// table, or "". Where x/sys lists signal 6 as SIGIOT (the BSDs and macOS:
// its tables keep the first of two names for one number), the POSIX name
// SIGABRT is returned, as the systems' own kill -l prints it.
func signalName(sig posix.Signal) string {
	name := unix.SignalName(sig)
	if name == "SIGIOT" {
		return "SIGABRT"
	}
	return name
}
