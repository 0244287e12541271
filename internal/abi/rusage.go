package abi

import (
	"math"
	"slices"
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
// MaxRSS in bytes, the other counters as the kernel reports them. It has the
// fields of the root package's public Rusage, in the same order, so that the
// root converts one into the other at no cost; the public type documents
// them.
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

// Decode converts the struct rusage in b, in byte order o. It does not
// allocate, and the root package's wait calls use it with Native as it is.
// b shorter than l.Size yields a zero Rusage.
//
// The times and MaxRSS saturate rather than wrap: one too large for an int64
// of nanoseconds or bytes becomes math.MaxInt64, and a negative one, which
// no kernel writes, becomes 0 (see timevalDuration and scaleRSS). The other
// counters are copied as the kernel wrote them.
func (l *RusageLayout) Decode(b []byte, o Order) Rusage {
	if len(b) < l.Size {
		return Rusage{}
	}
	if o != Native {
		return l.decodeReversed(b)
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

// maxRusageSize is the largest struct rusage of any table (the tests decode
// every table in both byte orders, so one larger would fail there).
const maxRusageSize = 144

// decodeReversed decodes b, which is in the other byte order than the
// host's, from a copy with every field's bytes reversed.
func (l *RusageLayout) decodeReversed(b []byte) Rusage {
	var c [maxRusageSize]byte
	if l.Size > len(c) {
		return Rusage{}
	}
	copy(c[:], b[:l.Size])
	for _, tv := range [...]int{0, l.TimevalSize} {
		slices.Reverse(c[tv : tv+l.SecSize])
		slices.Reverse(c[tv+l.UsecOffset : tv+l.UsecOffset+l.UsecSize])
	}
	for i := range 14 {
		off := 2*l.TimevalSize + i*l.LongSize
		slices.Reverse(c[off : off+l.LongSize])
	}
	return l.Decode(c[:], Native)
}

// timevalDuration converts a struct timeval's tv_sec and tv_usec to the
// exact time they add up to, clamped to [0, math.MaxInt64] nanoseconds: a
// time past about 292 years saturates instead of wrapping to a negative
// Duration, and a negative time (a negative tv_sec, which no kernel writes
// for CPU time) counts as 0. A tv_usec outside [0, 999999] is added as it is.
// It is kept small enough for the compiler to inline into Decode.
func timevalDuration(sec, usec int64) time.Duration {
	const (
		usecPerSec = int64(time.Second / time.Microsecond)
		maxSec     = math.MaxInt64 / int64(time.Second)
	)
	// Move whole seconds from usec into sec, so that usec is in
	// [0, usecPerSec) and the sign of the time is the sign of sec. The
	// carry is below 2^44 either way, so clamping sec to ±2^62 first keeps
	// the sum exact without changing which side of [0, maxSec] it falls.
	q, r := usec/usecPerSec, usec%usecPerSec
	if r < 0 {
		q, r = q-1, r+usecPerSec
	}
	sec = min(max(sec, -1<<62), 1<<62) + q
	switch {
	case sec < 0:
		return 0
	case sec > maxSec:
		return math.MaxInt64
	}
	return time.Duration(min(sec*int64(time.Second), math.MaxInt64-r*int64(time.Microsecond)) + r*int64(time.Microsecond))
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

// PutLong writes the i-th counter (0 is ru_maxrss) into b in byte order o;
// tests use it with PutTimeval to build the bytes a kernel would write.
func (l *RusageLayout) PutLong(b []byte, o Order, i int, v int64) {
	o.putInt(b[2*l.TimevalSize+i*l.LongSize:], l.LongSize, v)
}

// PutTimeval writes timeval which (0 utime, 1 stime) into b in byte order o.
func (l *RusageLayout) PutTimeval(b []byte, o Order, which int, sec, usec int64) {
	tv := b[which*l.TimevalSize:]
	o.putInt(tv, l.SecSize, sec)
	o.putInt(tv[l.UsecOffset:], l.UsecSize, usec)
}
