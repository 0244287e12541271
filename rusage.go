package wait

import (
	"encoding/binary"
	"math"
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

// decodeRusage converts the host's struct rusage in b. Like rawSiginfo's
// sigchld it reads native-endian words itself instead of calling
// hostRusage.Decode, whose binary.ByteOrder interface would make b escape
// (an allocation per wait call); a test checks that both decode alike.
//
// The times and MaxRSS saturate rather than wrap: one too large for an int64
// of nanoseconds or bytes becomes math.MaxInt64, and a negative one, which
// no kernel writes, becomes 0 (see timevalDuration and scaleRSS). The other
// counters are copied as the kernel wrote them.
func decodeRusage(b []byte) Rusage {
	l := &hostRusage
	if len(b) < l.Size {
		return Rusage{}
	}
	long := func(i int) int64 { return nativeInt(b[2*l.TimevalSize+i*l.LongSize:], l.LongSize) }
	timeval := func(tv []byte) time.Duration {
		return timevalDuration(nativeInt(tv, l.SecSize), nativeInt(tv[l.UsecOffset:], l.UsecSize))
	}
	return Rusage{
		UserTime:                   timeval(b),
		SystemTime:                 timeval(b[l.TimevalSize:]),
		MaxRSS:                     scaleRSS(long(0), l.MaxRSSUnit),
		IntegralSharedRSS:          long(1),
		IntegralDataRSS:            long(2),
		IntegralStackRSS:           long(3),
		MinorFaults:                long(4),
		MajorFaults:                long(5),
		Swaps:                      long(6),
		BlockInputs:                long(7),
		BlockOutputs:               long(8),
		MessagesSent:               long(9),
		MessagesReceived:           long(10),
		SignalsReceived:            long(11),
		VoluntaryContextSwitches:   long(12),
		InvoluntaryContextSwitches: long(13),
	}
}

// timevalDuration converts a struct timeval's tv_sec and tv_usec to the
// exact time they add up to, clamped to [0, math.MaxInt64] nanoseconds: a
// time past about 292 years saturates instead of wrapping to a negative
// Duration, and a negative time (a negative tv_sec, which no kernel writes
// for CPU time) counts as 0. A tv_usec outside [0, 999999] is added as it is.
func timevalDuration(sec, usec int64) time.Duration {
	const (
		usecPerSec = int64(time.Second / time.Microsecond)
		maxSec     = math.MaxInt64 / int64(time.Second)
	)
	// Move whole seconds from usec into sec, so that usec is in
	// [0, usecPerSec) and the sign of the time is the sign of sec.
	q, r := usec/usecPerSec, usec%usecPerSec
	if r < 0 {
		q, r = q-1, r+usecPerSec
	}
	switch {
	case q > 0 && sec > math.MaxInt64-q:
		return math.MaxInt64
	case q < 0 && sec < math.MinInt64-q:
		return 0
	}
	sec += q
	switch {
	case sec < 0:
		return 0
	case sec > maxSec:
		return math.MaxInt64
	}
	ns, rem := sec*int64(time.Second), r*int64(time.Microsecond)
	if ns > math.MaxInt64-rem {
		return math.MaxInt64
	}
	return time.Duration(ns + rem)
}

// scaleRSS converts ru_maxrss from units of unit bytes to bytes, clamped to
// [0, math.MaxInt64]: a negative size counts as 0, and a product too large
// for an int64 saturates instead of wrapping.
func scaleRSS(v, unit int64) int64 {
	if v <= 0 || unit <= 0 {
		return 0
	}
	if v > math.MaxInt64/unit {
		return math.MaxInt64
	}
	return v * unit
}

// nativeInt reads a signed C integer of size 4 or 8 bytes in the host's byte
// order, sign-extending a 4-byte one.
func nativeInt(b []byte, size int) int64 {
	if size == 8 {
		return int64(binary.NativeEndian.Uint64(b))
	}
	return int64(int32(binary.NativeEndian.Uint32(b)))
}
