//go:build unix

package wait

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

func TestStatusConversionsRoundTrip(t *testing.T) {
	for _, v := range []uint32{0, 0x300, 0x86, 0x137f, 0xffff, 0x4057f, 0xffffffff} {
		s := WaitStatus(v)
		if got := StatusFromSyscall(s.SyscallWaitStatus()); got != s {
			t.Errorf("%#x via syscall.WaitStatus: %#x", v, uint32(got))
		}
		if got := StatusFromUnix(s.UnixWaitStatus()); got != s {
			t.Errorf("%#x via unix.WaitStatus: %#x", v, uint32(got))
		}
		if uint32(s.SyscallWaitStatus()) != v || uint32(s.UnixWaitStatus()) != v {
			t.Errorf("%#x: conversions changed the word", v)
		}
	}
}

// TestSyscallWaitStatusAgrees compares every method with syscall's and
// x/sys's on every oracle value. Only on Linux do those decode correctly;
// elsewhere they misread "continued" (see the README), which is why this
// package has its own decoder.
func TestSyscallWaitStatusAgrees(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("syscall and x/sys decode continued statuses wrongly on %s", runtime.GOOS)
	}
	bad := 0
	for _, v := range statusValues() {
		s := WaitStatus(v)
		for _, other := range []interface {
			Exited() bool
			ExitStatus() int
			Signaled() bool
			Signal() syscall.Signal
			CoreDump() bool
			Stopped() bool
			StopSignal() syscall.Signal
			Continued() bool
			TrapCause() int
		}{s.SyscallWaitStatus(), s.UnixWaitStatus()} {
			if s.Exited() != other.Exited() || s.ExitStatus() != other.ExitStatus() ||
				s.Signaled() != other.Signaled() || s.Signal() != other.Signal() ||
				s.CoreDump() != other.CoreDump() || s.Stopped() != other.Stopped() ||
				s.StopSignal() != other.StopSignal() || s.Continued() != other.Continued() ||
				s.TrapCause() != other.TrapCause() {
				if bad++; bad <= 10 {
					t.Errorf("%#x: %T decodes differently", v, other)
				}
			}
		}
	}
}

// TestRusageFromSyscallFields fills every field of a syscall.Rusage and a
// unix.Rusage with a distinct value and checks where each lands.
func TestRusageFromSyscallFields(t *testing.T) {
	ru := syscall.Rusage{
		Utime:  syscall.NsecToTimeval(int64(1*time.Second + 500*time.Microsecond)),
		Stime:  syscall.NsecToTimeval(int64(2*time.Second + 7*time.Microsecond)),
		Maxrss: 3, Ixrss: 4, Idrss: 5, Isrss: 6, Minflt: 7, Majflt: 8, Nswap: 9,
		Inblock: 10, Oublock: 11, Msgsnd: 12, Msgrcv: 13, Nsignals: 14, Nvcsw: 15, Nivcsw: 16,
	}
	want := Rusage{
		UserTime: time.Second + 500*time.Microsecond, SystemTime: 2*time.Second + 7*time.Microsecond,
		MaxRSS: 3 * raw.HostRusage.MaxRSSUnit, IntegralSharedRSS: 4, IntegralDataRSS: 5, IntegralStackRSS: 6,
		MinorFaults: 7, MajorFaults: 8, Swaps: 9, BlockInputs: 10, BlockOutputs: 11,
		MessagesSent: 12, MessagesReceived: 13, SignalsReceived: 14,
		VoluntaryContextSwitches: 15, InvoluntaryContextSwitches: 16,
	}
	if got := RusageFromSyscall(&ru); got != want {
		t.Errorf("RusageFromSyscall:\n got  %+v\n want %+v", got, want)
	}
	// unix.Rusage has the same fields and layout.
	uru := (*unix.Rusage)(unsafe.Pointer(&ru))
	if got := RusageFromUnix(uru); got != want {
		t.Errorf("RusageFromUnix:\n got  %+v\n want %+v", got, want)
	}
	if RusageFromSyscall(nil) != (Rusage{}) || RusageFromUnix(nil) != (Rusage{}) {
		t.Error("nil rusage should convert to the zero Rusage")
	}
}

// TestRusageDecodeMatchesSyscall: the wait calls' decoder, internal/abi's
// with the host's byte order, reads each half of a __wrusage as Go's own
// syscall.Rusage sees those bytes, for random values that need no clamping
// (internal/abi's tests and TestSmallRusageSaturates cover the clamps).
func TestRusageDecodeMatchesSyscall(t *testing.T) {
	hostTables(t)
	if int(unsafe.Sizeof(syscall.Rusage{})) != raw.HostRusage.Size {
		t.Skip("syscall.Rusage is not the host's struct rusage (TestRusageSizes fails)")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		var w raw.WRusage
		var want WRusage
		for half, p := range []*Rusage{&want.Self, &want.Children} {
			ru := (*syscall.Rusage)(unsafe.Add(unsafe.Pointer(&w), half*raw.HostRusage.Size))
			*p = randomRusage(rng, ru)
			if got := RusageFromSyscall(ru); got != *p {
				t.Fatalf("RusageFromSyscall(%+v) = %+v, want %+v", *ru, got, *p)
			}
		}
		if got := wrusageOf(&w); got != want {
			t.Fatalf("wrusage() = %+v, syscall.Rusage says %+v", got, want)
		}
		if got := Rusage(w.Self().Decode()); got != want.Self {
			t.Fatalf("rusage() = %+v, syscall.Rusage says %+v", got, want.Self)
		}
	}
}

// randomRusage fills ru, field by field whatever their widths on this
// system, with random values that convert without clamping, and returns the
// conversion worked out from those values.
func randomRusage(rng *rand.Rand, ru *syscall.Rusage) Rusage {
	v := reflect.ValueOf(ru).Elem()
	set := func(name string, x int64) int64 { v.FieldByName(name).SetInt(x); return x }
	timeval := func(name string) time.Duration {
		tv := v.FieldByName(name)
		sec, usec := rng.Int64N(1<<31), rng.Int64N(1e6)
		tv.FieldByName("Sec").SetInt(sec)
		tv.FieldByName("Usec").SetInt(usec)
		return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
	}
	counter := func(name string) int64 { return set(name, int64(int32(rng.Uint32()))) }
	return Rusage{
		UserTime: timeval("Utime"), SystemTime: timeval("Stime"),
		MaxRSS:            set("Maxrss", rng.Int64N(1<<31)) * raw.HostRusage.MaxRSSUnit,
		IntegralSharedRSS: counter("Ixrss"), IntegralDataRSS: counter("Idrss"), IntegralStackRSS: counter("Isrss"),
		MinorFaults: counter("Minflt"), MajorFaults: counter("Majflt"), Swaps: counter("Nswap"),
		BlockInputs: counter("Inblock"), BlockOutputs: counter("Oublock"),
		MessagesSent: counter("Msgsnd"), MessagesReceived: counter("Msgrcv"), SignalsReceived: counter("Nsignals"),
		VoluntaryContextSwitches: counter("Nvcsw"), InvoluntaryContextSwitches: counter("Nivcsw"),
	}
}

func TestRusageSizes(t *testing.T) {
	hostTables(t)
	if got := int(unsafe.Sizeof(syscall.Rusage{})); got != raw.HostRusage.Size {
		t.Errorf("sizeof(syscall.Rusage) = %d, abi RusageLayout.Size %d (%s/%s)", got, raw.HostRusage.Size, runtime.GOOS, runtime.GOARCH)
	}
	if got := int(unsafe.Sizeof(unix.Rusage{})); got != raw.HostRusage.Size {
		t.Errorf("sizeof(unix.Rusage) = %d, abi RusageLayout.Size %d (%s/%s)", got, raw.HostRusage.Size, runtime.GOOS, runtime.GOARCH)
	}
}

// TestExitFromProcessState runs real children through os/exec and compares
// the conversion with what os.ProcessState itself says.
func TestExitFromProcessState(t *testing.T) {
	if _, ok := ExitFromProcessState(nil); ok {
		t.Error("ExitFromProcessState(nil) reported ok")
	}
	for _, c := range []struct {
		mode, arg string
		check     func(WaitStatus) bool
	}{
		{"exit", "3", func(s WaitStatus) bool { return s.Exited() && s.ExitStatus() == 3 }},
		{"raise", itoa(int(syscall.SIGTERM)), func(s WaitStatus) bool { return s.Signaled() && s.Signal() == syscall.SIGTERM }},
		{"burn", "30", func(s WaitStatus) bool { return s.Exited() && s.ExitStatus() == 0 }},
	} {
		cmd := helperCmd(t, c.mode, c.arg)
		_ = cmd.Run() // exec.ExitError for the failing ones; the state is what counts
		ps := cmd.ProcessState
		if ps == nil {
			t.Fatalf("%s %s: did not run", c.mode, c.arg)
		}
		e, ok := ExitFromProcessState(ps)
		if !ok {
			t.Fatalf("%s %s: ExitFromProcessState not ok", c.mode, c.arg)
		}
		if e.Pid != ps.Pid() || !c.check(e.Status) {
			t.Errorf("%s %s: Exit %v, ProcessState %v", c.mode, c.arg, e, ps)
		}
		if ws := ps.Sys().(syscall.WaitStatus); e.Status.SyscallWaitStatus() != ws {
			t.Errorf("%s %s: status %#x, ProcessState's %#x", c.mode, c.arg, uint32(e.Status), uint32(ws))
		}
		if e.Status.ExitStatus() != ps.ExitCode() && e.Status.Exited() {
			t.Errorf("%s %s: ExitStatus %d, ExitCode %d", c.mode, c.arg, e.Status.ExitStatus(), ps.ExitCode())
		}
		if e.Rusage.UserTime != ps.UserTime() || e.Rusage.SystemTime != ps.SystemTime() {
			t.Errorf("%s %s: times %v/%v, ProcessState %v/%v", c.mode, c.arg, e.Rusage.UserTime, e.Rusage.SystemTime, ps.UserTime(), ps.SystemTime())
		}
		if sys := ps.SysUsage().(*syscall.Rusage); e.Rusage.MaxRSS != int64(sys.Maxrss)*raw.HostRusage.MaxRSSUnit || e.Rusage.MaxRSS <= 0 {
			t.Errorf("%s %s: MaxRSS %d, ProcessState %d units of %d", c.mode, c.arg, e.Rusage.MaxRSS, sys.Maxrss, raw.HostRusage.MaxRSSUnit)
		}
		if want := "pid " + itoa(ps.Pid()) + ": " + e.Status.String(); e.String() != want {
			t.Errorf("Exit.String() = %q, want %q", e.String(), want)
		}
	}
}
