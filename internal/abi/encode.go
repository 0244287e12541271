package abi

// StatusEncoding is how an OS builds the wait4 status word of an event that
// waitid describes by si_code and si_status. The systems reached through libc
// (OpenBSD, macOS, illumos) use it to give an emulated Wait6 the status word
// wait4 would have stored for the same event.
type StatusEncoding struct {
	// ValueMask masks si_status before it is shifted into the word: 0xff
	// where the status word keeps 8 bits of the exit value, all ones where
	// the kernel shifts the whole value (OpenBSD).
	ValueMask uint32
	// Continued is the word for CLD_CONTINUED (0xffff, or 0x137f on macOS).
	Continued uint32
}

// Status returns the status word for si_code code and si_status status: the
// exit value << 8; the signal, | 0x80 when it dumped core; the stop signal << 8
// | 0x7f for a stop or trap; Continued. ok is false for any other code.
func (e StatusEncoding) Status(code, status int32) (word uint32, ok bool) {
	v := uint32(status) & e.ValueMask
	switch code {
	case 1: // CLD_EXITED
		return v << 8, true
	case 2: // CLD_KILLED
		return v & low7, true
	case 3: // CLD_DUMPED
		return v&low7 | core, true
	case 4, 5: // CLD_TRAPPED, CLD_STOPPED
		return v<<8 | low7, true
	case 6: // CLD_CONTINUED
		return e.Continued, true
	}
	return 0, false
}
