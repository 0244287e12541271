package wait

import (
	"os"

	"golang.org/x/sys/unix"
)

// childPids appends the PIDs of this process's children to buf, from the
// kernel's process table (sysctl kern.proc.all, each kinfo_proc's
// e_ppid). Reap needs it only to look past a stopped child, which macOS's
// waitid(WEXITED) reports first (golang/go#19314).
func childPids(buf []int) ([]int, error) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return buf, err
	}
	self := int32(os.Getpid())
	for i := range procs {
		if procs[i].Eproc.Ppid == self {
			buf = append(buf, int(procs[i].Proc.P_pid))
		}
	}
	return buf, nil
}
