//go:build dragonfly || (freebsd && (amd64 || arm64 || riscv64))

package wait

// procctlArgs lays out procctl(idtype, id, cmd, data) where the 64-bit id_t
// fits one register.
func procctlArgs(idtype, id, cmd, data uintptr) [6]uintptr {
	return [6]uintptr{idtype, id, cmd, data}
}
