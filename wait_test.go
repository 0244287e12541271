package wait

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/syscall"
)

func TestIgnoringEINTR(t *testing.T) {
	for _, c := range []struct {
		name      string
		results   []syscall.Errno
		wantCalls int
	}{
		{"success at once", []syscall.Errno{0}, 1},
		{"EINTR three times", []syscall.Errno{syscall.EINTR, syscall.EINTR, syscall.EINTR, 0}, 4},
		{"EINTR then ECHILD", []syscall.Errno{syscall.EINTR, syscall.ECHILD}, 2},
		{"other errors are not retried", []syscall.Errno{syscall.EINVAL, 0}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			var last syscall.Errno
			ignoringEINTR(func() syscall.Errno {
				if calls >= len(c.results) {
					t.Fatalf("called %d times, beyond the script", calls+1)
				}
				last = c.results[calls]
				calls++
				return last
			})
			if calls != c.wantCalls || last == syscall.EINTR {
				t.Errorf("fn called %d times (last %v), want %d and not EINTR", calls, last, c.wantCalls)
			}
		})
	}
}

// hostTables skips unless the host OS has an internal/abi table.
func hostTables(t *testing.T) *abi.OS {
	t.Helper()
	o, ok := abi.ForOS(runtime.GOOS)
	if !ok {
		t.Skipf("internal/abi has no table for %s (no wait family)", runtime.GOOS)
	}
	if _, ok := o.Siginfo[runtime.GOARCH]; !ok {
		t.Fatalf("internal/abi's %s table has no siginfo_t layout for %s", runtime.GOOS, runtime.GOARCH)
	}
	if _, ok := o.Rusage[runtime.GOARCH]; !ok {
		t.Fatalf("internal/abi's %s table has no struct rusage layout for %s", runtime.GOOS, runtime.GOARCH)
	}
	return o
}

// TestSiginfoDecodeMatchesABI: the allocation-free decoder of the wait calls
// reads random siginfo bytes exactly as internal/abi's Decode does.
func TestSiginfoDecodeMatchesABI(t *testing.T) {
	hostTables(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		var r rawSiginfo
		for i := range r {
			r[i] = rng.Uint64()
		}
		want := hostSiginfo.Decode(r.bytes(), binary.NativeEndian)
		if got := r.sigchld(); got != want {
			t.Fatalf("sigchld() = %+v, abi Decode = %+v", got, want)
		}
	}
}

// TestRusageDecodeMatchesABI does the same for struct rusage and __wrusage.
func TestRusageDecodeMatchesABI(t *testing.T) {
	hostTables(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		var r rawWRusage
		for i := range r {
			r[i] = rng.Uint64()
		}
		b := r.bytes()
		want := WRusage{
			Self:     Rusage(hostRusage.Decode(b, binary.NativeEndian)),
			Children: Rusage(hostRusage.Decode(b[hostRusage.Size:], binary.NativeEndian)),
		}
		if got := r.wrusage(); got != want {
			t.Fatalf("wrusage() = %+v, abi Decode = %+v", got, want)
		}
		if got := r.self().rusage(); got != want.Self {
			t.Fatalf("rusage() = %+v, abi Decode = %+v", got, want.Self)
		}
	}
}

// TestInfoFromSiginfo builds siginfo bytes with the host layout and checks
// the Info the calls would return.
func TestInfoFromSiginfo(t *testing.T) {
	hostTables(t)
	var r rawSiginfo
	hostSiginfo.Encode(r.bytes(), binary.NativeEndian, abi.SigChld{
		Signo: 17, Code: int32(CLD_EXITED), Pid: 4242, UID: 1001, Status: 77,
	})
	want := Info{Pid: 4242, UID: 1001, Signo: 17, Code: CLD_EXITED, Status: 77}
	if hostSiginfo.UID < 0 {
		want.UID = -1
	}
	if got := infoFrom(r.sigchld()); got != want {
		t.Errorf("Info = %+v, want %+v", got, want)
	}
}

func TestWaitAllocs(t *testing.T) {
	hostTables(t)
	var r rawSiginfo
	var w rawWRusage
	var info Info
	var ru WRusage
	n := testing.AllocsPerRun(100, func() {
		info = infoFrom(r.sigchld())
		ru = w.wrusage()
	})
	if n != 0 {
		t.Errorf("decoding siginfo and rusage allocates %v times", n)
	}
	_, _ = info, ru
}
