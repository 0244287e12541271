package wait

import (
	"os"
	"strconv"
)

// Exit is how a child ended: what Handle.Wait returns and what Reap passes to
// its callback.
type Exit struct {
	Pid    int
	Status WaitStatus
	Rusage Rusage
}

// String describes the exit: "pid 42: exit status 3". The zero Exit, which
// Handle.Wait returns beside an error, says "no exit" rather than pass for a
// process 0 that exited with status 0.
func (e Exit) String() string {
	if e == (Exit{}) {
		return "no exit"
	}
	return "pid " + strconv.Itoa(e.Pid) + ": " + e.Status.String()
}

// ExitFromProcessState converts what os/exec's Cmd.Wait or os.Process.Wait
// returned. ok is false for a nil ps, or where ps carries no Unix status.
func ExitFromProcessState(ps *os.ProcessState) (e Exit, ok bool) {
	if ps == nil {
		return Exit{}, false
	}
	st, ok := statusFromSys(ps.Sys())
	if !ok {
		return Exit{}, false
	}
	ru, _ := rusageFromSys(ps.SysUsage())
	return Exit{Pid: ps.Pid(), Status: st, Rusage: ru}, true
}
