package wait

import (
	"time"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/raw"
)

// Rusage is struct rusage in portable units: times as durations, MaxRSS in
// bytes on every OS (Linux and the BSDs report KiB, macOS bytes), and the
// other counters as the kernel counts them.
type Rusage struct {
	UserTime   time.Duration // ru_utime: CPU time in user mode
	SystemTime time.Duration // ru_stime: CPU time in the kernel
	MaxRSS     int64         // ru_maxrss: peak resident set size, in bytes

	IntegralSharedRSS int64 // ru_ixrss: integral shared memory size (0 on Linux)
	IntegralDataRSS   int64 // ru_idrss: integral unshared data size (0 on Linux)
	IntegralStackRSS  int64 // ru_isrss: integral unshared stack size (0 on Linux)

	MinorFaults int64 // ru_minflt: page faults served without I/O
	MajorFaults int64 // ru_majflt: page faults that needed I/O
	Swaps       int64 // ru_nswap: times swapped out (0 on Linux)

	BlockInputs  int64 // ru_inblock: block input operations
	BlockOutputs int64 // ru_oublock: block output operations

	MessagesSent     int64 // ru_msgsnd: IPC messages sent
	MessagesReceived int64 // ru_msgrcv: IPC messages received
	SignalsReceived  int64 // ru_nsignals: signals received

	VoluntaryContextSwitches   int64 // ru_nvcsw: the process gave up the CPU
	InvoluntaryContextSwitches int64 // ru_nivcsw: the process was preempted
}

// WRusage is wait6(2)'s struct __wrusage: the usage of the child (Self) and of
// the child's reaped descendants (Children). For an exited child the BSD
// kernels count the descendants in Self too, as wait4 does. Where Wait6 is
// emulated, Self is what the kernel reports for the child and Children stays
// zero (see Wait6).
type WRusage struct {
	Self, Children Rusage
}

// wrusageOf decodes a struct __wrusage / struct wrusage without allocating.
func wrusageOf(w *raw.WRusage) WRusage {
	return WRusage{Self: Rusage(w.Self().Decode()), Children: Rusage(w.Children())}
}

// decodeRusage converts the host's struct rusage in b, in the host's byte
// order, without allocating; internal/abi's Decode says how the times and
// MaxRSS saturate.
func decodeRusage(b []byte) Rusage { return Rusage(raw.HostRusage.Decode(b, abi.Native)) }
