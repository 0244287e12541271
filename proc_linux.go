package wait

import (
	"bytes"
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// What Linux's /proc tells about this process's children, for the two
// slow paths that need more than the wait calls give: Reap looking past a
// stop or trap report that heads the kernel's list, and the SIGCHLD path of
// Handle telling its child from a process that reused the PID. Both need a
// /proc of this process's own PID namespace; in a new namespace without a
// fresh proc mount, /proc names other processes and is not used.

// errForeignProc says /proc does not show this process's PID namespace.
var errForeignProc = errors.New("/proc is not mounted for this PID namespace")

// procIsOurs reports whether /proc/self is this process, i.e. /proc was
// mounted in this PID namespace. (Not cached: a new namespace's init mounts
// its own proc after it starts.)
func procIsOurs() bool {
	s, err := os.Readlink("/proc/self")
	return err == nil && s == strconv.Itoa(os.Getpid())
}

// readProcStat returns the fields of /proc/<pid>/stat that follow the command
// name: fields[0] is the state (field 3 of proc(5)), fields[1] the parent.
func readProcStat(pid int) ([][]byte, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, errors.New("malformed /proc/" + strconv.Itoa(pid) + "/stat")
	}
	return bytes.Fields(b[i+1:]), nil
}

// openProcDir opens /proc/<pid> of this PID namespace, or returns nil.
func openProcDir(pid int) *os.File {
	if !procIsOurs() {
		return nil
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return nil
	}
	return f
}

// procDirAlive reports whether the process that dir (an open /proc/<pid>)
// was opened for is still there, a zombie included: once it is reaped, every
// lookup in dir fails with ENOENT.
func procDirAlive(dir *os.File) bool {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(int(dir.Fd()), "stat", &st, 0)
		if err != unix.EINTR {
			return err != unix.ENOENT && err != unix.ESRCH
		}
	}
}

// childPids appends the PIDs of this process's children to buf. It reads
// /proc/self/task/<tid>/children for every thread (Linux 3.5 and later with
// CONFIG_PROC_CHILDREN); without those files it scans /proc for processes
// whose parent is this one.
func childPids(buf []int) ([]int, error) {
	if !procIsOurs() {
		return buf, errForeignProc
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return buf, err
	}
	n := len(buf)
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat("/proc/self/task/" + t.Name()); serr == nil {
				return scanChildPids(buf[:n]) // no CONFIG_PROC_CHILDREN
			}
			continue // the thread exited; its children moved to another
		}
		if err != nil {
			return buf, err
		}
		for _, f := range bytes.Fields(b) {
			if pid, err := strconv.Atoi(string(f)); err == nil {
				buf = append(buf, pid)
			}
		}
	}
	return buf, nil
}

// scanChildPids is childPids from every /proc/<pid>/stat.
func scanChildPids(buf []int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return buf, err
	}
	self := []byte(strconv.Itoa(os.Getpid()))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, err := readProcStat(pid); err == nil && len(f) > 1 && bytes.Equal(f[1], self) {
			buf = append(buf, pid)
		}
	}
	return buf, nil
}
