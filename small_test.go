package wait

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procwait/wait/internal/abi"

	"github.com/procwait/wait/internal/raw"
)

// Regression tests for the small defects of issue 10, item 9: Options.String
// beyond 32 bits, saturating rusage conversion, and the error of the calls on
// systems without the wait family naming runtime.GOOS.

// oldOptionsString is Options.String as it was before values beyond 32 bits
// were kept: the value read as the uint32 the kernel would see. Values that
// fit a C int must still print exactly this.
func oldOptionsString(o Options) string {
	bits := uint32(o)
	if bits == 0 {
		return "0"
	}
	s := ""
	for _, f := range hostFlags {
		v := uint32(f.value)
		if v != 0 && bits&v == v {
			s += "|" + f.name
			bits &^= v
		}
	}
	if bits != 0 {
		s += "|0x" + strconv.FormatUint(uint64(bits), 16)
	}
	return s[1:]
}

// TestSmallOptionsStringBeyond32Bits: bits above the 32 a C int holds, and
// negative values below its range, print in hex instead of vanishing.
func TestSmallOptionsStringBeyond32Bits(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("Options is 32 bits wide here: every value fits a C int")
	}
	// Shift by a variable so that the file compiles where int is 32 bits.
	one, n32, n40, n63, maxU32 := Options(1), 32, 40, 63, int64(math.MaxUint32)
	cases := []struct {
		o    Options
		want string
	}{
		{one << n32, "0x100000000"},
		{one<<n32 | WNOHANG, "WNOHANG|0x100000000"},
		{one<<n40 | one<<n32 | WNOHANG, "WNOHANG|0x10100000000"},
		{one << n63, "0x8000000000000000"},                  // math.MinInt64
		{-one << n32, "0xffffffff00000000"},                 // -1<<32
		{-one<<n32 | WNOHANG, "WNOHANG|0xffffffff00000000"}, // negative, below a C int
		{Options(maxU32 + 1), "0x100000000"},                // just above it
	}
	for _, c := range cases {
		if got := c.o.String(); got != c.want {
			t.Errorf("Options(%#x).String() = %q, want %q", int64(c.o), got, c.want)
		}
	}
	// Just below a C int's range (0xffffffff7fffffff) the host's flags in
	// the low 31 bits print by name and the rest, the 32 high bits among
	// them, in hex: nothing is dropped.
	below := Options(math.MinInt32) - one
	got := below.String()
	if bits, ok := parseOptions(got); !ok || bits != uint64(below) || !strings.Contains(got, "0xffffffff") {
		t.Errorf("Options(%#x).String() = %q, which reads back as %#x", int64(below), got, bits)
	}
}

// parseOptions reads String's output back: host flag names and hex words
// joined by "|".
func parseOptions(s string) (uint64, bool) {
	var bits uint64
	for _, part := range strings.Split(s, "|") {
		if h, ok := strings.CutPrefix(part, "0x"); ok {
			v, err := strconv.ParseUint(h, 16, 64)
			if err != nil {
				return 0, false
			}
			bits |= v
			continue
		}
		v, ok := nameValue(part)
		if !ok {
			return 0, false
		}
		bits |= uint64(uint32(v))
	}
	return bits, true
}

func nameValue(name string) (int64, bool) {
	for _, f := range hostFlags {
		if f.name == name {
			return f.value, true
		}
	}
	return 0, false
}

// TestSmallOptionsStringInRange: every value that fits a C int, signed or
// unsigned, prints as it did before, so a flag written as a negative int
// (bit 31, Linux's WCLONE) still prints by name.
func TestSmallOptionsStringInRange(t *testing.T) {
	values := []int64{0, 1, -1, math.MinInt32, math.MaxInt32, math.MaxUint32, 0x10, 0x80000000, 0x40000000}
	for _, f := range hostFlags {
		values = append(values, f.value, int64(int32(uint32(f.value))), f.value|0x10)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		values = append(values, int64(rng.Uint32()), int64(int32(rng.Uint32())))
	}
	for _, v := range values {
		if strconv.IntSize < 64 && v > math.MaxInt32 {
			v = int64(int32(uint32(v))) // the same 32 bits in a 32-bit int
		}
		o := Options(v)
		if got, want := o.String(), oldOptionsString(o); got != want {
			t.Errorf("Options(%#x).String() = %q, want %q as before", v, got, want)
		}
	}
	for _, f := range hostFlags {
		first, _ := nameOfBits(uint32(f.value))
		for _, v := range []int64{f.value, int64(int32(uint32(f.value)))} {
			if strconv.IntSize < 64 && v > math.MaxInt32 {
				continue
			}
			if got := Options(v).String(); got != first {
				t.Errorf("Options(%#x).String() = %q, want %q", v, got, first)
			}
		}
	}
}

// nameOfBits returns the first host flag whose value is exactly v.
func nameOfBits(v uint32) (string, bool) {
	for _, f := range hostFlags {
		if uint32(f.value) == v {
			return f.name, true
		}
	}
	return "", false
}

// hostRusageBytes builds the struct rusage a kernel would write, in the host
// layout: utime and stime as given, ru_maxrss as given and every other
// counter i+1.
func hostRusageBytes(t *testing.T, usec, uusec, ssec, susec, maxrss int64) *raw.Rusage {
	t.Helper()
	var r raw.Rusage
	if raw.HostRusage.Size > len(r.Bytes()) {
		t.Skipf("no struct rusage layout for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	b := r.Bytes()
	raw.HostRusage.PutTimeval(b, abi.Native, 0, usec, uusec)
	raw.HostRusage.PutTimeval(b, abi.Native, 1, ssec, susec)
	raw.HostRusage.PutLong(b, abi.Native, 0, maxrss)
	for i := 1; i < 14; i++ {
		raw.HostRusage.PutLong(b, abi.Native, i, int64(i+1))
	}
	return &r
}

// TestSmallRusageSaturates decodes struct rusage bytes in the host layout
// whose times and ru_maxrss overflow an int64 of nanoseconds or bytes (or are
// negative): they must clamp to [0, math.MaxInt64], never wrap.
func TestSmallRusageSaturates(t *testing.T) {
	const maxI64 = time.Duration(math.MaxInt64)
	wide := raw.HostRusage.SecSize == 8
	type want struct {
		user, sys time.Duration
		maxRSS    int64
	}
	cases := []struct {
		name                          string
		usec, uusec, ssec, susec, rss int64
		want                          want
	}{
		{"ordinary", 3, 250000, 1, 7, 1000,
			want{3250 * time.Millisecond, time.Second + 7*time.Microsecond, 1000 * raw.HostRusage.MaxRSSUnit}},
		{"zero", 0, 0, 0, 0, 0, want{}},
		{"negative", -1, 5, -1 << 30, 0, -1, want{0, 0, 0}},
	}
	if wide {
		maxSec := int64(math.MaxInt64 / time.Second)
		cases = append(cases, []struct {
			name                          string
			usec, uusec, ssec, susec, rss int64
			want                          want
		}{
			{"tv_sec 1<<62", 1 << 62, 0, math.MaxInt64, 999999, 0, want{maxI64, maxI64, 0}},
			{"largest exact", maxSec, 854775, maxSec, 854776, 0,
				want{time.Duration(maxSec)*time.Second + 854775*time.Microsecond, maxI64, 0}},
			{"usec tips it over", maxSec, 999999, maxSec + 1, 0, 0, want{maxI64, maxI64, 0}},
			{"most negative", math.MinInt64, 999999, math.MinInt64, 0, math.MinInt64, want{0, 0, 0}},
		}...)
	} else {
		// A 32-bit tv_sec cannot overflow a Duration; its extremes must
		// still convert exactly (the positive one) or clamp (the negative).
		cases = append(cases, []struct {
			name                          string
			usec, uusec, ssec, susec, rss int64
			want                          want
		}{
			{"largest tv_sec", math.MaxInt32, 999999, math.MinInt32, 0, 0,
				want{math.MaxInt32*time.Second + 999999*time.Microsecond, 0, 0}},
		}...)
	}
	if raw.HostRusage.LongSize == 8 {
		unit := raw.HostRusage.MaxRSSUnit
		cases = append(cases, []struct {
			name                          string
			usec, uusec, ssec, susec, rss int64
			want                          want
		}{
			{"maxrss 1<<62", 0, 0, 0, 0, 1 << 62, want{0, 0, overOrExact(1<<62, unit)}},
			{"maxrss MaxInt64", 0, 0, 0, 0, math.MaxInt64, want{0, 0, math.MaxInt64}},
			{"maxrss largest exact", 0, 0, 0, 0, math.MaxInt64 / unit, want{0, 0, math.MaxInt64 / unit * unit}},
			{"maxrss one over", 0, 0, 0, 0, math.MaxInt64/unit + 1, want{0, 0, overOrExact(math.MaxInt64/unit+1, unit)}},
		}...)
	} else {
		cases = append(cases, []struct {
			name                          string
			usec, uusec, ssec, susec, rss int64
			want                          want
		}{
			{"maxrss MaxInt32", 0, 0, 0, 0, math.MaxInt32, want{0, 0, math.MaxInt32 * raw.HostRusage.MaxRSSUnit}},
			{"maxrss MinInt32", 0, 0, 0, 0, math.MinInt32, want{0, 0, 0}},
		}...)
	}
	for _, c := range cases {
		r := hostRusageBytes(t, c.usec, c.uusec, c.ssec, c.susec, c.rss)
		got := Rusage(r.Decode())
		if got.UserTime != c.want.user || got.SystemTime != c.want.sys || got.MaxRSS != c.want.maxRSS {
			t.Errorf("%s: UserTime %d, SystemTime %d, MaxRSS %d; want %d, %d, %d",
				c.name, got.UserTime, got.SystemTime, got.MaxRSS, c.want.user, c.want.sys, c.want.maxRSS)
		}
		for i, v := range []int64{got.IntegralSharedRSS, got.IntegralDataRSS, got.IntegralStackRSS,
			got.MinorFaults, got.MajorFaults, got.Swaps, got.BlockInputs, got.BlockOutputs,
			got.MessagesSent, got.MessagesReceived, got.SignalsReceived,
			got.VoluntaryContextSwitches, got.InvoluntaryContextSwitches} {
			if v != int64(i+2) {
				t.Errorf("%s: counter %d = %d, want %d", c.name, i+1, v, i+2)
			}
		}
		// The same bytes as both halves of a __wrusage decode alike.
		var w raw.WRusage
		copy(w.Bytes(), r.Bytes()[:raw.HostRusage.Size])
		copy(w.Bytes()[raw.HostRusage.Size:], r.Bytes()[:raw.HostRusage.Size])
		if wr := wrusageOf(&w); wr.Self != got || wr.Children != got {
			t.Errorf("%s: wrusage %+v, want both %+v", c.name, wr, got)
		}
	}
}

// overOrExact is v units of unit bytes clamped to [0, math.MaxInt64], by
// exact arithmetic (unit is 1024 on Linux and the BSDs, 1 on macOS).
func overOrExact(v, unit int64) int64 {
	p := new(big.Int).Mul(big.NewInt(v), big.NewInt(unit))
	switch {
	case p.Sign() < 0:
		return 0
	case !p.IsInt64():
		return math.MaxInt64
	}
	return p.Int64()
}

// TestSmallRusageDecodeAllocs: decoding stays allocation-free on the hot
// path, saturation included.
func TestSmallRusageDecodeAllocs(t *testing.T) {
	r := hostRusageBytes(t, math.MaxInt32, 999999, -1, 0, math.MaxInt32)
	var w raw.WRusage
	copy(w.Bytes(), r.Bytes()[:raw.HostRusage.Size])
	var sink Rusage
	if n := testing.AllocsPerRun(1000, func() {
		sink = Rusage(r.Decode())
		sink = wrusageOf(&w).Children
		sink = decodeRusage(w.Bytes())
	}); n != 0 {
		t.Errorf("rusage decoding: %v allocations per run, want 0", n)
	}
	_ = sink
}

// TestSmallNotAvailableNamesGOOS: the error of every call on a system without
// the wait family names that system (it said "on unsupported"), names the
// call, and wraps errors.ErrUnsupported without an errno.
func TestSmallNotAvailableNamesGOOS(t *testing.T) {
	for _, goos := range []string{"windows", "plan9", "js", "wasip1"} {
		for _, call := range []string{"wait4", "waitid", "wait6"} {
			err := notAvailable(goos, call)
			if want := call + ": " + call + " is not available on " + goos; err.Error() != want {
				t.Errorf("notAvailable(%q, %q) = %q, want %q", goos, call, err, want)
			}
			checkNotAvailable(t, err, call)
		}
	}
}

func checkNotAvailable(t *testing.T, err error, call string) {
	t.Helper()
	var se *os.SyscallError
	if !errors.As(err, &se) || se.Syscall != call {
		t.Errorf("%v: not an *os.SyscallError for %s", err, call)
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("%v does not wrap errors.ErrUnsupported", err)
	}
	var ae *argError
	if !errors.As(err, &ae) || ae.errno != 0 {
		t.Errorf("%v: want an argError without an errno", err)
	}
}

// TestSmallUnsupportedHostNamesGOOS runs on systems without the wait family
// (for example GOOS=js or wasip1 under their wasm runners) and checks what
// the calls themselves return.
func TestSmallUnsupportedHostNamesGOOS(t *testing.T) {
	if hostWait4 != "missing" || hostWaitid != "missing" || hostWait6 != "missing" {
		t.Skipf("%s has the wait family", runtime.GOOS)
	}
	if hostOS != runtime.GOOS {
		t.Errorf("hostOS = %q, want %q", hostOS, runtime.GOOS)
	}
	var ws WaitStatus
	_, err := Wait4(-1, &ws, WNOHANG, nil)
	if want := "wait4: wait4 is not available on " + runtime.GOOS; err == nil || err.Error() != want {
		t.Errorf("Wait4 = %v, want %q", err, want)
	}
	checkNotAvailable(t, err, "wait4")
	err = Waitid(P_ALL, 0, nil, WEXITED)
	checkNotAvailable(t, err, "waitid")
	_, err = Wait6(P_ALL, 0, nil, WEXITED, nil, nil)
	checkNotAvailable(t, err, "wait6")
}

// BenchmarkRusageDecode decodes a __wrusage whose times and MaxRSS saturate,
// as Wait6 does on every call that asks for it.
func BenchmarkRusageDecode(b *testing.B) {
	var w raw.WRusage
	if raw.HostRusage.Size > len(raw.Rusage{})*8 {
		b.Skipf("no struct rusage layout for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	buf := w.Bytes()
	for _, half := range []int{0, 1} {
		raw.HostRusage.PutTimeval(buf[half*raw.HostRusage.Size:], abi.Native, 0, math.MaxInt64, 999999)
		raw.HostRusage.PutTimeval(buf[half*raw.HostRusage.Size:], abi.Native, 1, 12, 345678)
		raw.HostRusage.PutLong(buf[half*raw.HostRusage.Size:], abi.Native, 0, math.MaxInt64)
	}
	b.ReportAllocs()
	var sink WRusage
	for b.Loop() {
		sink = wrusageOf(&w)
	}
	_ = sink
}
