package abi

import (
	"encoding/binary"
	"math/bits"
)

// SiginfoLayout gives the byte offsets of the SIGCHLD fields of one
// architecture's siginfo_t. An offset of -1 marks a field the OS does not fill
// for SIGCHLD.
type SiginfoLayout struct {
	Size                                 int
	Signo, Errno, Code, Pid, UID, Status int
}

// SigChld is the SIGCHLD part of a siginfo_t, as the kernel or libc filled it.
type SigChld struct {
	Signo, Errno, Code, Pid, UID, Status int32
	// HasUID is false where the OS does not fill si_uid for SIGCHLD.
	HasUID bool
}

// Decode reads the SIGCHLD fields from b, which holds a whole siginfo_t in
// byte order o. It does not allocate, and the root package's wait calls use
// it with Native as it is. b shorter than l.Size yields a zero SigChld.
func (l *SiginfoLayout) Decode(b []byte, o Order) SigChld {
	if len(b) < l.Size {
		return SigChld{}
	}
	word := func(off int) int32 { return int32(binary.NativeEndian.Uint32(b[off:])) }
	s := SigChld{Signo: word(l.Signo), Errno: word(l.Errno), Code: word(l.Code), Pid: word(l.Pid), Status: word(l.Status)}
	if l.UID >= 0 {
		s.UID = word(l.UID)
		s.HasUID = true
	}
	if o != Native {
		s = s.reversed()
	}
	return s
}

// reversed returns s with the bytes of each field reversed: read in one
// byte order, it is then in the other.
func (s SigChld) reversed() SigChld {
	r := func(v int32) int32 { return int32(bits.ReverseBytes32(uint32(v))) }
	return SigChld{Signo: r(s.Signo), Errno: r(s.Errno), Code: r(s.Code), Pid: r(s.Pid), UID: r(s.UID), Status: r(s.Status), HasUID: s.HasUID}
}

// Encode writes s into b (at least l.Size bytes) in byte order o; tests use it
// to build the bytes a kernel would write.
func (l *SiginfoLayout) Encode(b []byte, o Order, s SigChld) {
	for _, f := range [...]struct {
		off int
		v   int32
	}{{l.Signo, s.Signo}, {l.Errno, s.Errno}, {l.Code, s.Code}, {l.Pid, s.Pid}, {l.UID, s.UID}, {l.Status, s.Status}} {
		if f.off >= 0 {
			o.putInt(b[f.off:], 4, int64(f.v))
		}
	}
}
