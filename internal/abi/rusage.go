package abi

import (
	"encoding/binary"
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
// allocate. b shorter than l.Size yields a zero Rusage.
func (l *RusageLayout) Decode(b []byte, bo binary.ByteOrder) Rusage {
	if len(b) < l.Size {
		return Rusage{}
	}
	long := func(i int) int64 { return l.signed(b[2*l.TimevalSize+i*l.LongSize:], bo, l.LongSize) }
	return Rusage{
		UserTime:                   l.timeval(b, bo),
		SystemTime:                 l.timeval(b[l.TimevalSize:], bo),
		MaxRSS:                     long(0) * l.MaxRSSUnit,
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

func (l *RusageLayout) timeval(b []byte, bo binary.ByteOrder) time.Duration {
	sec := l.signed(b, bo, l.SecSize)
	usec := l.signed(b[l.UsecOffset:], bo, l.UsecSize)
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
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
