package wait

import (
	"runtime"
	"time"
	"unsafe"

	"github.com/procwait/wait/internal/abi"
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

// rawRusage is room for the largest struct rusage (144 bytes), 8-byte aligned.
type rawRusage [18]uint64

// rawWRusage is a struct __wrusage / struct wrusage: two struct rusage back
// to back, so Children starts at hostRusage.Size.
type rawWRusage [2 * len(rawRusage{})]uint64

var hostRusage = func() abi.RusageLayout {
	if o, ok := abi.ForOS(runtime.GOOS); ok {
		if l, ok := o.Rusage[runtime.GOARCH]; ok {
			return l
		}
	}
	return abi.RusageLayout{Size: 1 << 30} // decodes to zero; a test catches a missing entry
}()

func (r *rawRusage) bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(r)), unsafe.Sizeof(*r))
}

func (r *rawRusage) rusage() Rusage { return decodeRusage(r.bytes()) }

func (r *rawWRusage) bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(r)), unsafe.Sizeof(*r))
}

// self returns the first struct rusage; Linux's waitid fills it alone.
func (r *rawWRusage) self() *rawRusage { return (*rawRusage)(unsafe.Pointer(r)) }

func (r *rawWRusage) wrusage() WRusage {
	b := r.bytes()
	return WRusage{
		Self:     decodeRusage(b),
		Children: decodeRusage(b[min(hostRusage.Size, len(b)):]),
	}
}

// decodeRusage converts the host's struct rusage in b, in the host's byte
// order, without allocating; internal/abi's Decode says how the times and
// MaxRSS saturate.
func decodeRusage(b []byte) Rusage { return Rusage(hostRusage.Decode(b, abi.Native)) }
