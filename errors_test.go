//go:build unix

package wait

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// unknownOption is the lowest option bit the host does not define.
func unknownOption() Options {
	for b := uint32(1); b != 0; b <<= 1 {
		if knownOptionBits&b == 0 {
			return Options(b)
		}
	}
	return 0
}

// TestBadArgumentsReapNothing makes every kind of call the library must refuse,
// each aimed at a real zombie child, and checks the error and that the zombie
// is still there afterwards: a refused call never reaches the kernel with a
// truncated or reinterpreted argument that would reap it.
func TestBadArgumentsReapNothing(t *testing.T) {
	pid := zombie(t, "9")
	unknown := unknownOption()
	if runtime.GOOS == "linux" && unknown != 0x10 {
		t.Errorf("lowest undefined option bit on Linux is %#x, want 0x10", int(unknown))
	}
	type badCall struct {
		name        string
		call        string // the syscall the error must name
		unsupported bool   // wraps errors.ErrUnsupported too
		do          func() error
	}
	wait4 := func(pid int, o Options) func() error {
		return func() error {
			var ws WaitStatus
			wpid, err := Wait4(pid, &ws, o, nil)
			if wpid != 0 || ws != 0 {
				t.Errorf("refused Wait4 returned pid %d, status %#x", wpid, uint32(ws))
			}
			return err
		}
	}
	waitid := func(idtype IDType, id int, o Options) func() error {
		return func() error {
			var info Info
			err := Waitid(idtype, id, &info, o)
			if info != (Info{}) {
				t.Errorf("refused Waitid filled info %+v", info)
			}
			return err
		}
	}
	wait6 := func(idtype IDType, id int, o Options) func() error {
		return func() error {
			var ws WaitStatus
			var info Info
			wpid, err := Wait6(idtype, id, &ws, o, nil, &info)
			if wpid != 0 || ws != 0 || info != (Info{}) {
				t.Errorf("refused Wait6 returned pid %d, status %#x, info %+v", wpid, uint32(ws), info)
			}
			return err
		}
	}
	calls := []badCall{
		{"waitid unknown idtype", "waitid", true, waitid(12345, pid, WEXITED|WNOHANG)},
		{"wait6 unknown idtype", "wait6", true, wait6(-7, pid, WEXITED|WNOHANG)},
		{"wait4 unknown flag", "wait4", true, wait4(pid, WNOHANG|unknown)},
		{"waitid unknown flag", "waitid", true, waitid(P_PID, pid, WEXITED|WNOHANG|unknown)},
		{"wait6 unknown flag", "wait6", true, wait6(P_PID, pid, WEXITED|WNOHANG|unknown)},
		{"wait4 all option bits", "wait4", true, wait4(pid, -1)},
		{"waitid negative P_PID id", "waitid", false, waitid(P_PID, -pid, WEXITED|WNOHANG)},
		{"wait6 negative P_PGID id", "wait6", false, wait6(P_PGID, -1, WEXITED|WNOHANG)},
	}
	if hostEventMask != 0 {
		calls = append(calls,
			badCall{"waitid without event flag", "waitid", false, waitid(P_PID, pid, WNOHANG)},
			badCall{"wait6 without event flag", "wait6", false, wait6(P_PID, pid, WNOHANG|WNOWAIT)},
			badCall{"waitid options 0", "waitid", false, waitid(P_PID, pid, 0)},
		)
	}
	if strconv.IntSize == 64 {
		// Values that a careless conversion to C int or id_t would turn
		// into the zombie's pid or into valid options. (Shifts by a
		// variable, so that 32-bit builds compile this unused branch.)
		w := 32
		minInt := -1 << (strconv.IntSize - 1)
		calls = append(calls,
			badCall{"wait4 pid beyond pid_t", "wait4", false, wait4(pid+1<<w, WNOHANG)},
			badCall{"wait4 pid below pid_t", "wait4", false, wait4(minInt+pid, WNOHANG)},
			badCall{"wait4 options beyond int", "wait4", false, wait4(pid, WNOHANG|Options(1)<<w)},
			badCall{"waitid options beyond int", "waitid", false, waitid(P_PID, pid, WEXITED|WNOHANG|Options(1)<<(w+1))},
			badCall{"wait6 options beyond int", "wait6", false, wait6(P_PID, pid, WEXITED|WNOHANG|Options(1)<<(w+8))},
		)
		if hostIDSize == 4 {
			calls = append(calls,
				badCall{"waitid id beyond id_t", "waitid", false, waitid(P_PID, pid+1<<w, WEXITED|WNOHANG)},
				badCall{"wait6 id beyond id_t", "wait6", false, wait6(P_PID, pid+1<<w, WEXITED|WNOHANG)},
			)
		}
	}
	for _, c := range calls {
		err := c.do()
		var se *os.SyscallError
		switch {
		case err == nil:
			t.Errorf("%s: no error", c.name)
		case !errors.As(err, &se) || se.Syscall != c.call:
			t.Errorf("%s: %v (%T), want *os.SyscallError{Syscall: %q}", c.name, err, err, c.call)
		case !errors.Is(err, syscall.EINVAL):
			t.Errorf("%s: %v does not wrap EINVAL", c.name, err)
		case errors.Is(err, errors.ErrUnsupported) != c.unsupported:
			t.Errorf("%s: %v: wraps ErrUnsupported = %v, want %v", c.name, err, !c.unsupported, c.unsupported)
		case !strings.HasPrefix(err.Error(), c.call+": ") || len(err.Error()) < len(c.call)+12:
			t.Errorf("%s: message %q does not explain itself", c.name, err)
		default:
			t.Logf("%s: %v", c.name, err)
		}
		stillWaitable(t, pid, c.name)
	}
	var ws WaitStatus
	if wpid, err := Wait4(pid, &ws, 0, nil); wpid != pid || err != nil || ws.ExitStatus() != 9 {
		t.Errorf("reaping the zombie at the end: %d, %v, %v", wpid, err, ws)
	}
}

// TestErrorMessages pins the wording of a few refusals.
func TestErrorMessages(t *testing.T) {
	_, err := Wait4(1, nil, unknownOption(), nil)
	want := "wait4: option bits 0x" + strconv.FormatUint(uint64(unknownOption()), 16) + " are not defined on " + hostOS
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("unknown flag: %v, want a message starting %q", err, want)
	}
	err = Waitid(99, 1, nil, WEXITED)
	if err == nil || !strings.Contains(err.Error(), "idtype 99") {
		t.Errorf("unknown idtype: %v, want it named", err)
	}
}

// TestECHILDDoesNotAllocate: "no child left" ends every reaping loop.
func TestECHILDDoesNotAllocate(t *testing.T) {
	self := os.Getpid()
	n := testing.AllocsPerRun(100, func() {
		if _, err := Wait4(self, nil, WNOHANG, nil); !errors.Is(err, syscall.ECHILD) {
			t.Fatalf("Wait4(self): %v", err)
		}
	})
	if n != 0 {
		t.Errorf("Wait4 returning ECHILD allocates %v times", n)
	}
}
