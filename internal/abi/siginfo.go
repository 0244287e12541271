package abi

import "encoding/binary"

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
// byte order bo. It does not allocate. b shorter than l.Size yields a zero
// SigChld.
func (l *SiginfoLayout) Decode(b []byte, bo binary.ByteOrder) SigChld {
	if len(b) < l.Size {
		return SigChld{}
	}
	s := SigChld{
		Signo:  int32(bo.Uint32(b[l.Signo:])),
		Errno:  int32(bo.Uint32(b[l.Errno:])),
		Code:   int32(bo.Uint32(b[l.Code:])),
		Pid:    int32(bo.Uint32(b[l.Pid:])),
		Status: int32(bo.Uint32(b[l.Status:])),
	}
	if l.UID >= 0 {
		s.UID = int32(bo.Uint32(b[l.UID:]))
		s.HasUID = true
	}
	return s
}

// Encode writes s into b (at least l.Size bytes) in byte order bo; tests use it
// to build the bytes a kernel would write.
func (l *SiginfoLayout) Encode(b []byte, bo binary.ByteOrder, s SigChld) {
	bo.PutUint32(b[l.Signo:], uint32(s.Signo))
	bo.PutUint32(b[l.Errno:], uint32(s.Errno))
	bo.PutUint32(b[l.Code:], uint32(s.Code))
	bo.PutUint32(b[l.Pid:], uint32(s.Pid))
	bo.PutUint32(b[l.Status:], uint32(s.Status))
	if l.UID >= 0 {
		bo.PutUint32(b[l.UID:], uint32(s.UID))
	}
}
