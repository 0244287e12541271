package wait

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/posix"
	"github.com/procwait/wait/internal/testenv"
)

// statusValues are the oracle's values (see internal/abi/oracle_test.go):
// every low 16-bit status word, alone and with a spread of high halves.
func statusValues() []uint32 {
	highs := []uint32{0, 0x00010000, 0x00030000, 0x00800000, 0x00ff0000, 0x12340000, 0x7fff0000, 0x80000000, 0xdead0000, 0xffff0000}
	vals := make([]uint32, 0, len(highs)<<16)
	for _, h := range highs {
		for low := uint32(0); low <= 0xffff; low++ {
			vals = append(vals, h|low)
		}
	}
	return vals
}

// hostDecoder is the internal/abi table whose rules WaitStatus follows.
func hostDecoder(t *testing.T) *abi.OS {
	t.Helper()
	if o, ok := abi.ForOS(runtime.GOOS); ok {
		return o
	}
	// Systems without the wait family decode by Linux's rules (wait_other.go).
	o, _ := abi.ForOS("linux")
	return o
}

// TestMethodsMatchDecodeStatus checks every WaitStatus method and WIF*
// function against ForOS(runtime.GOOS).DecodeStatus, with the conventions of
// the API: each number is -1 (and CoreDump false) unless its predicate holds.
func TestMethodsMatchDecodeStatus(t *testing.T) {
	o := hostDecoder(t)
	bad := 0
	for _, v := range statusValues() {
		s := WaitStatus(v)
		d := o.DecodeStatus(v)
		want := Decoded{
			Exited: d.Exited, ExitStatus: -1,
			Signaled: d.Signaled, Signal: -1,
			CoreDump: d.Signaled && d.CoreDump,
			Stopped:  d.Stopped, StopSignal: -1,
			Continued: d.Continued,
		}
		if d.Exited {
			want.ExitStatus = d.ExitStatus
		}
		if d.Signaled {
			want.Signal = d.Signal
		}
		if d.Stopped {
			want.StopSignal = d.StopSignal
		}
		got := Decoded{
			Exited: s.Exited(), ExitStatus: s.ExitStatus(),
			Signaled: s.Signaled(), Signal: int(s.Signal()),
			CoreDump: s.CoreDump(),
			Stopped:  s.Stopped(), StopSignal: int(s.StopSignal()),
			Continued: s.Continued(),
		}
		macros := Decoded{
			Exited: WIFEXITED(s), ExitStatus: WEXITSTATUS(s),
			Signaled: WIFSIGNALED(s), Signal: int(WTERMSIG(s)),
			CoreDump: WCOREDUMP(s),
			Stopped:  WIFSTOPPED(s), StopSignal: int(WSTOPSIG(s)),
			Continued: WIFCONTINUED(s),
		}
		if got != want || macros != got {
			if bad++; bad <= 10 {
				t.Errorf("%#x:\n methods %+v\n W*      %+v\n want    %+v (from %s DecodeStatus %+v)", v, got, macros, want, o.Name, d)
			}
		}
		if tc := s.TrapCause(); tc != -1 && (!s.Stopped() || s.StopSignal() != sigtrap) {
			t.Fatalf("%#x: TrapCause %d without a SIGTRAP stop", v, tc)
		}
	}
	if bad > 10 {
		t.Errorf("... and %d more", bad-10)
	}
}

// sigtrap is SIGTRAP, 5 on every Unix (the internal syscall stand-in has no SIGTRAP for plan9).
const sigtrap = posix.Signal(5)

// Decoded is abi.Decoded, for brevity.
type Decoded = abi.Decoded

// TestDecodeDoesNotAllocate: the decoding methods and functions are free.
func TestDecodeDoesNotAllocate(t *testing.T) {
	var n int
	var b bool
	allocs := testing.AllocsPerRun(100, func() {
		for _, s := range [...]WaitStatus{0x0300, 0x0009, 0x0086, 0x137f, 0xffff, 0x4057f} {
			b = s.Exited() != s.Signaled() != s.CoreDump() != s.Stopped() != s.Continued()
			n += s.ExitStatus() + int(s.Signal()) + int(s.StopSignal()) + s.TrapCause()
			b = b != WIFEXITED(s) != WIFSIGNALED(s) != WCOREDUMP(s) != WIFSTOPPED(s) != WIFCONTINUED(s)
			n += WEXITSTATUS(s) + int(WTERMSIG(s)) + int(WSTOPSIG(s))
		}
	})
	if allocs != 0 {
		t.Errorf("decoding allocates %v times per run", allocs)
	}
	_, _ = n, b
}

// goTool returns the go command (see testenv.GoTool) and skips the test,
// naming where it looked, if there is none.
func goTool(t *testing.T) string {
	t.Helper()
	path, err := testenv.GoTool()
	if err != nil {
		t.Skipf("no go tool to report the inliner's decisions: %v", err)
	}
	return path
}

// TestDecodeInlinable asks the compiler (go build -gcflags=-m, for this
// test's own GOOS/GOARCH) whether every decoding method and WIF* function can
// be inlined into callers.
func TestDecodeInlinable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool; skipped in -short mode")
	}
	gotool := goTool(t)
	cmd := exec.Command(gotool, "build", "-gcflags=-m", ".")
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		// The go tool is there, so this is the package failing to build.
		t.Fatalf("%s build -gcflags=-m failed (%v); cannot read the inliner's decisions:\n%s", gotool, err, out)
	}
	names := []string{
		"WaitStatus.Exited", "WaitStatus.ExitStatus", "WaitStatus.Signaled", "WaitStatus.Signal",
		"WaitStatus.CoreDump", "WaitStatus.Stopped", "WaitStatus.StopSignal", "WaitStatus.Continued",
		"WaitStatus.TrapCause",
		"WIFEXITED", "WEXITSTATUS", "WIFSIGNALED", "WTERMSIG", "WCOREDUMP", "WIFSTOPPED", "WSTOPSIG", "WIFCONTINUED",
	}
	for _, n := range names {
		if !strings.Contains(string(out), ": can inline "+n+"\n") {
			t.Errorf("the compiler cannot inline %s", n)
		}
	}
}

// TestStatusString pins String on Linux status words.
func TestStatusString(t *testing.T) {
	if o := hostDecoder(t); o.Name != "linux" {
		t.Skipf("the words below are Linux's; %s encodes stops and continues differently", o.Name)
	}
	for _, c := range []struct {
		s    WaitStatus
		want string
	}{
		{0x0000, "exit status 0"},
		{0xff00, "exit status 255"},
		{0x0009, "signal: killed"},
		{0x0086, "signal: aborted (core dumped)"},
		{0x137f, "stop signal: " + posix.Signal(0x13).String()}, // SIGSTOP, but SIGPWR on MIPS
		{0x057f, "stop signal: trace/breakpoint trap"},
		{0x4057f, "stop signal: trace/breakpoint trap (trap 4)"},
		{0x80057f, "stop signal: trace/breakpoint trap (trap 128)"},
		{0xffff, "continued"},
		{0x12ff, "status 0x12ff"}, // low byte 0xff, not 0xffff: none of the predicates
	} {
		if got := c.s.String(); got != c.want {
			t.Errorf("WaitStatus(%#x).String() = %q, want %q", uint32(c.s), got, c.want)
		}
	}
}

// TestShellCode pins ShellCode on Linux status words: the exit status, 128+N
// for a death by signal N with or without a core, 128+N for a stop (ptrace
// stops included), -1 for continued and for a word that is none of these. On
// every host it checks, for every 16-bit word, that ShellCode never disagrees
// with the predicates (a continued word is never a signal, not even
// DragonFly's 0x13), and it contrasts os.ProcessState.ExitCode's -1.
func TestShellCode(t *testing.T) {
	for _, v := range statusValues()[:1<<16] {
		s := WaitStatus(v)
		want := -1
		switch {
		case s.Continued():
		case s.Exited():
			want = s.ExitStatus()
		case s.Signaled():
			want = 128 + int(s.Signal())
		case s.Stopped():
			want = 128 + int(s.StopSignal())
		}
		if got := s.ShellCode(); got != want {
			t.Fatalf("WaitStatus(%#x).ShellCode() = %d, want %d (%v)", v, got, want, s)
		}
	}
	if o := hostDecoder(t); o.Name != "linux" {
		t.Skipf("the words below are Linux's; %s encodes stops and continues differently", o.Name)
	}
	for _, c := range []struct {
		s    WaitStatus
		want int
	}{
		{0x0000, 0},
		{0x0300, 3},
		{0xff00, 255},
		{0x0009, 128 + 9},    // SIGKILL
		{0x000f, 128 + 15},   // SIGTERM
		{0x008b, 128 + 11},   // SIGSEGV, core dumped
		{0x0086, 128 + 6},    // SIGABRT, core dumped
		{0x137f, 128 + 0x13}, // stopped by signal 19 (SIGSTOP on x86)
		{0x057f, 128 + 5},    // SIGTRAP stop
		{0x4057f, 128 + 5},   // ptrace event stop
		{0xffff, -1},         // continued
		{0x12ff, -1},         // none of the predicates
		{0x007f, 128},        // WIFSTOPPED with WSTOPSIG 0: a stop word no kernel makes
	} {
		if got := c.s.ShellCode(); got != c.want {
			t.Errorf("WaitStatus(%#x).ShellCode() = %d, want %d", uint32(c.s), got, c.want)
		}
	}
}

// TestExitString: the zero Exit, which Handle.Wait returns beside an error,
// prints as "no exit", not as a process 0 that exited with status 0; any
// other Exit names its pid and status.
func TestExitString(t *testing.T) {
	if got := (Exit{}).String(); got != "no exit" {
		t.Errorf("Exit{}.String() = %q, want %q", got, "no exit")
	}
	if o := hostDecoder(t); o.Name != "linux" {
		t.Skipf("the words below are Linux's")
	}
	for _, c := range []struct {
		e    Exit
		want string
	}{
		{Exit{Pid: 42, Status: 0x0300}, "pid 42: exit status 3"},
		{Exit{Pid: 7}, "pid 7: exit status 0"},
		{Exit{Pid: 9, Status: 0x0009}, "pid 9: signal: killed"},
		{Exit{Rusage: Rusage{MaxRSS: 1}}, "pid 0: exit status 0"}, // not the zero value
	} {
		if got := c.e.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.e, got, c.want)
		}
	}
}
