package wait

import (
	"math"
	"strconv"
)

// Options are the option flags of Wait4, Waitid and Wait6 (the C calls'
// options argument), with the host OS's own values. The flags every OS has —
// WNOHANG, WUNTRACED, WSTOPPED, WCONTINUED, WEXITED, WTRAPPED and WNOWAIT — are
// defined everywhere; others (Linux's WALL, WCLONE and WNOTHREAD, NetBSD's
// WNOZOMBIE, ...) only where the OS has them. Which call accepts which flag
// differs per OS; each call's documentation says how.
type Options int

// IDType selects what Waitid's and Wait6's id names (the C idtype_t), with the
// host OS's own values. P_PID, P_PGID and P_ALL exist everywhere; P_PIDFD,
// P_SID, P_UID, P_JAILID and the rest only where the OS has them.
type IDType int

// named is one entry of a generated name table.
type named struct {
	name  string
	value int64
}

// String returns the flags' names joined by "|" ("WNOHANG|WUNTRACED"), with any
// bits the host does not know in hex. Where two names share a bit (WUNTRACED
// and WSTOPPED) the first in the OS header's order is used.
//
// A value that fits a C int (as signed or unsigned 32 bits, the range the
// calls accept) is read as the 32-bit word the kernel would see, so a flag
// written as a negative int (bit 31) prints by name. A value outside that
// range keeps all 64 bits, and those the calls would refuse print in hex:
// Options(1<<32|WNOHANG) is "WNOHANG|0x100000000", and a negative value shows
// its two's complement bits ("0xffffffff00000000" for -1<<32).
func (o Options) String() string {
	bits := uint64(uint32(o))
	if int64(o) < math.MinInt32 || int64(o) > math.MaxUint32 {
		bits = uint64(o)
	}
	if bits == 0 {
		return "0"
	}
	s := ""
	for _, f := range hostFlags {
		v := uint64(uint32(f.value))
		if v != 0 && bits&v == v {
			s += "|" + f.name
			bits &^= v
		}
	}
	if bits != 0 {
		s += "|0x" + strconv.FormatUint(bits, 16)
	}
	return s[1:]
}

// String returns the idtype's name ("P_PID"), or "IDType(n)" for a value the
// host does not define.
func (t IDType) String() string {
	if n, ok := nameOf(hostIDTypes[:], int64(t)); ok {
		return n
	}
	return "IDType(" + strconv.Itoa(int(t)) + ")"
}

func nameOf(table []named, v int64) (string, bool) {
	for _, e := range table {
		if e.value == v {
			return e.name, true
		}
	}
	return "", false
}

// knownIDType reports whether the host defines t.
func knownIDType(t IDType) bool {
	_, ok := nameOf(hostIDTypes[:], int64(t))
	return ok
}

// knownOptionBits is the union of every flag the host defines.
var knownOptionBits = func() uint32 {
	var m uint32
	for _, f := range hostFlags {
		m |= uint32(f.value)
	}
	return m
}()

// eventFlagNames names the event flags of which waitid and wait6 need one, by
// their waitid names (WSTOPPED, not its alias WUNTRACED).
var eventFlagNames = func() string {
	s := ""
	for _, f := range hostFlags {
		if uint32(f.value)&hostEventMask != 0 && f.name != "WUNTRACED" {
			s += "|" + f.name
		}
	}
	if s == "" {
		return "(none)"
	}
	return s[1:]
}()
