package wait

// procctlArgs lays out procctl(idtype, id, cmd, data) on arm, where the
// 64-bit id_t takes an aligned register pair, so a pad slot follows idtype:
// idtype, pad, id low, id high, cmd, data. The PID is positive, so the high
// word is 0.
func procctlArgs(idtype, id, cmd, data uintptr) [6]uintptr {
	return [6]uintptr{idtype, 0, id, 0, cmd, data}
}
