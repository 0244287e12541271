package abi

import (
	"encoding/binary"
	"math"
	"time"
)

// RusageLayout describes one architecture's struct rusage: two struct timevals
// (ru_utime, ru_stime) followed by 14 C longs, ru_maxrss first.
type RusageLayout struct {
	// Size is sizeof(struct rusage).
	Size int
	// SecSize and UsecSize are the widths of tv_sec and tv_usec; UsecOffset
	// is tv_usec's offset inside the timeval and TimevalSize its size.
	SecSize, UsecOffset, UsecSize, TimevalSize int
	// LongSize is sizeof(long); the 14 counters start at 2*TimevalSize.
	LongSize int
	// MaxRSSUnit is how many bytes one unit of ru_maxrss is (1024 for KiB).
	MaxRSSUnit int64
}

// Rusage is struct rusage converted to portable units: times as durations,
// MaxRSS in bytes, the other counters as the kernel reports them.
type Rusage struct {
	UserTime, SystemTime       time.Duration
	MaxRSS                     int64
	IntegralSharedRSS          int64
	IntegralDataRSS            int64
	IntegralStackRSS           int64
	MinorFaults, MajorFaults   int64
	Swaps                      int64
	BlockInputs, BlockOutputs  int64
	MessagesSent               int64
	MessagesReceived           int64
	SignalsReceived            int64
	VoluntaryContextSwitches   int64
	InvoluntaryContextSwitches int64
}

// Decode converts the struct rusage in b (byte order bo). It does not
// allocate. b shorter than l.Size yields a zero Rusage. The times and MaxRSS
// are clamped to [0, math.MaxInt64] rather than wrapping.
func (l *RusageLayout) Decode(b []byte, bo binary.ByteOrder) Rusage {
	if len(b) < l.Size {
		return Rusage{}
	}
	long := func(i int) int64 { return l.signed(b[2*l.TimevalSize+i*l.LongSize:], bo, l.LongSize) }
	return Rusage{
		UserTime:                   l.timeval(b, bo),
		SystemTime:                 l.timeval(b[l.TimevalSize:], bo),
		MaxRSS:                     clampedProduct(long(0), l.MaxRSSUnit),
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

// timeval converts a struct timeval to the time its fields add up to,
// clamped to [0, math.MaxInt64] nanoseconds: too long a time saturates
// instead of wrapping, and a negative one (no kernel writes it) is 0.
func (l *RusageLayout) timeval(b []byte, bo binary.ByteOrder) time.Duration {
	sec := l.signed(b, bo, l.SecSize)
	usec := l.signed(b[l.UsecOffset:], bo, l.UsecSize)
	// Fold whole seconds of usec into sec, leaving 0 <= usec < 1e6.
	carry := usec / 1e6
	if usec %= 1e6; usec < 0 {
		usec += 1e6
		carry--
	}
	if (carry > 0 && sec > math.MaxInt64-carry) || (carry < 0 && sec < math.MinInt64-carry) {
		if carry > 0 {
			return math.MaxInt64
		}
		return 0
	}
	sec += carry
	if sec < 0 {
		return 0
	}
	return time.Duration(clampedSum(clampedProduct(sec, int64(time.Second)), usec*int64(time.Microsecond)))
}

// clampedProduct is v*unit for unit > 0, clamped to [0, math.MaxInt64].
func clampedProduct(v, unit int64) int64 {
	switch {
	case v <= 0 || unit <= 0:
		return 0
	case v > math.MaxInt64/unit:
		return math.MaxInt64
	}
	return v * unit
}

// clampedSum is a+b for non-negative a and b, clamped to math.MaxInt64.
func clampedSum(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func (l *RusageLayout) signed(b []byte, bo binary.ByteOrder, size int) int64 {
	if size == 8 {
		return int64(bo.Uint64(b))
	}
	return int64(int32(bo.Uint32(b)))
}

// PutLong writes the i-th counter (0 is ru_maxrss) into b; tests use it with
// PutTimeval to build the bytes a kernel would write.
func (l *RusageLayout) PutLong(b []byte, bo binary.ByteOrder, i int, v int64) {
	l.put(b[2*l.TimevalSize+i*l.LongSize:], bo, l.LongSize, v)
}

// PutTimeval writes timeval which (0 utime, 1 stime) into b.
func (l *RusageLayout) PutTimeval(b []byte, bo binary.ByteOrder, which int, sec, usec int64) {
	tv := b[which*l.TimevalSize:]
	l.put(tv, bo, l.SecSize, sec)
	l.put(tv[l.UsecOffset:], bo, l.UsecSize, usec)
}

func (l *RusageLayout) put(b []byte, bo binary.ByteOrder, size int, v int64) {
	if size == 8 {
		bo.PutUint64(b, uint64(v))
		return
	}
	bo.PutUint32(b, uint32(v))
}
