package wait

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/procwait/wait/internal/abi"

	"github.com/procwait/wait/internal/raw"
)

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

// TestSiginfoDecodeMatchesABI: the wait calls' decoder, internal/abi's
// with the host's byte order, reads random siginfo bytes as the machine's
// own loads of the layout's int32 fields read them.
func TestSiginfoDecodeMatchesABI(t *testing.T) {
	hostTables(t)
	l := raw.HostSiginfo
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		var r raw.Siginfo
		for i := range r {
			r[i] = rng.Uint64()
		}
		load := func(off int) int32 { return *(*int32)(unsafe.Add(unsafe.Pointer(&r), off)) }
		want := abi.SigChld{Signo: load(l.Signo), Errno: load(l.Errno), Code: load(l.Code), Pid: load(l.Pid), Status: load(l.Status)}
		if l.UID >= 0 {
			want.UID, want.HasUID = load(l.UID), true
		}
		if got := r.SigChld(); got != want {
			t.Fatalf("sigchld() = %+v, native loads %+v", got, want)
		}
	}
}

// TestInfoFromSiginfo builds siginfo bytes with the host layout and checks
// the Info the calls would return.
func TestInfoFromSiginfo(t *testing.T) {
	hostTables(t)
	var r raw.Siginfo
	raw.HostSiginfo.Encode(r.Bytes(), abi.Native, abi.SigChld{
		Signo: 17, Code: int32(CLD_EXITED), Pid: 4242, UID: 1001, Status: 77,
	})
	want := Info{Pid: 4242, UID: 1001, Signo: 17, Code: CLD_EXITED, Status: 77}
	if raw.HostSiginfo.UID < 0 {
		want.UID = -1
	}
	if got := infoFrom(r.SigChld()); got != want {
		t.Errorf("Info = %+v, want %+v", got, want)
	}
}

func TestWaitAllocs(t *testing.T) {
	hostTables(t)
	var r raw.Siginfo
	var w raw.WRusage
	var info Info
	var ru WRusage
	n := testing.AllocsPerRun(100, func() {
		info = infoFrom(r.SigChld())
		ru = wrusageOf(&w)
	})
	if n != 0 {
		t.Errorf("decoding siginfo and rusage allocates %v times", n)
	}
	_, _ = info, ru
}
