package wait

// procctlArgs lays out procctl(idtype, id, cmd, data) on 386, where the
// 64-bit id_t takes two stack slots, low word first: idtype, id low, id high,
// cmd, data. The PID is positive, so the high word is 0.
func procctlArgs(idtype, id, cmd, data uintptr) [6]uintptr {
	return [6]uintptr{idtype, id, 0, cmd, data}
}
