package abi

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The systems reached through libc: OpenBSD, macOS (darwin) and illumos
// (solaris shares its table). Expected values are restated here from each
// OS's own headers, independently of the tables, so a typo in either fails.

type libcWant struct {
	goos    string
	flags   map[string]uint32
	idtypes map[string]int64
	codes   map[string]int64
	idSize  int
	signed  bool
	arches  []string // every GOARCH Go builds for this OS
	macros  string   // testdata file with the OS's status macros
}

var libcWants = []libcWant{
	{
		goos:    "openbsd",
		flags:   map[string]uint32{"WNOHANG": 0x1, "WUNTRACED": 0x2, "WSTOPPED": 0x2, "WEXITED": 0x4, "WCONTINUED": 0x8, "WNOWAIT": 0x10, "WTRAPPED": 0x20},
		idtypes: map[string]int64{"P_ALL": 0, "P_PGID": 1, "P_PID": 2},
		codes:   map[string]int64{"CLD_EXITED": 1, "CLD_KILLED": 2, "CLD_DUMPED": 3, "CLD_TRAPPED": 4, "CLD_STOPPED": 5, "CLD_CONTINUED": 6},
		idSize:  4, signed: false,
		arches: []string{"386", "amd64", "arm", "arm64", "ppc64", "riscv64"},
		macros: "macros_openbsd.h",
	},
	{
		goos:    "darwin",
		flags:   map[string]uint32{"WNOHANG": 0x1, "WUNTRACED": 0x2, "WEXITED": 0x4, "WSTOPPED": 0x8, "WCONTINUED": 0x10, "WNOWAIT": 0x20},
		idtypes: map[string]int64{"P_ALL": 0, "P_PID": 1, "P_PGID": 2},
		codes:   map[string]int64{"CLD_NOOP": 0, "CLD_EXITED": 1, "CLD_KILLED": 2, "CLD_DUMPED": 3, "CLD_TRAPPED": 4, "CLD_STOPPED": 5, "CLD_CONTINUED": 6},
		idSize:  4, signed: false,
		arches: []string{"amd64", "arm64"},
		macros: "macros_darwin.h",
	},
	{
		goos:    "illumos",
		flags:   map[string]uint32{"WEXITED": 0x1, "WTRAPPED": 0x2, "WUNTRACED": 0x4, "WSTOPPED": 0x4, "WCONTINUED": 0x8, "WNOHANG": 0x40, "WNOWAIT": 0x80},
		idtypes: map[string]int64{"P_PID": 0, "P_PGID": 2, "P_ALL": 7},
		codes:   map[string]int64{"CLD_EXITED": 1, "CLD_KILLED": 2, "CLD_DUMPED": 3, "CLD_TRAPPED": 4, "CLD_STOPPED": 5, "CLD_CONTINUED": 6},
		idSize:  4, signed: true,
		arches: []string{"amd64"},
		macros: "macros_illumos.h",
	},
}

func libcOS(t *testing.T, goos string) *OS {
	t.Helper()
	o, ok := ForOS(goos)
	if !ok {
		t.Fatalf("ForOS(%q): no table", goos)
	}
	return o
}

// TestLibcConstants checks every flag, idtype and CLD_* value against the
// headers, that nothing else is defined, and that the call masks only use
// defined bits.
func TestLibcConstants(t *testing.T) {
	for _, w := range libcWants {
		t.Run(w.goos, func(t *testing.T) {
			o := libcOS(t, w.goos)
			check := func(kind string, got []Const, want map[string]int64) {
				t.Helper()
				if len(got) != len(want) {
					t.Errorf("%s: %d defined, want %d", kind, len(got), len(want))
				}
				for _, c := range got {
					if v, ok := want[c.Name]; !ok || v != c.Value {
						t.Errorf("%s %s = %#x, want %#x (defined: %t)", kind, c.Name, c.Value, v, ok)
					}
					if c.Source == "" || c.Doc == "" {
						t.Errorf("%s %s has no source or doc", kind, c.Name)
					}
				}
			}
			flags := map[string]int64{}
			for n, v := range w.flags {
				flags[n] = int64(v)
			}
			if _, ok := w.flags["WTRAPPED"]; !ok {
				// An OS without WTRAPPED still defines the portable name
				// (DESIGN: on every OS), from the library, on a free bit.
				v, ok := o.Flag("WTRAPPED")
				if !ok {
					t.Fatal("WTRAPPED is not defined")
				}
				for n, f := range w.flags {
					if f&v != 0 {
						t.Errorf("library WTRAPPED %#x overlaps %s %#x", v, n, f)
					}
				}
				flags["WTRAPPED"] = int64(v)
			}
			check("flag", o.Flags, flags)
			check("idtype", o.IDTypes, w.idtypes)
			check("code", o.Codes, w.codes)
			var all uint32
			for _, f := range o.Flags {
				all |= uint32(f.Value)
			}
			for name, m := range map[string]uint32{"Wait4Mask": o.Wait4Mask, "Wait4Implied": o.Wait4Implied, "WaitidMask": o.WaitidMask, "EventMask": o.EventMask} {
				if m&^all != 0 {
					t.Errorf("%s %#x has undefined bits %#x", name, m, m&^all)
				}
			}
			if o.EventMask&^o.WaitidMask != 0 {
				t.Errorf("EventMask %#x not within WaitidMask %#x", o.EventMask, o.WaitidMask)
			}
			if o.Wait4Mask&uint32(flags["WNOWAIT"]) != 0 {
				t.Errorf("Wait4Mask %#x accepts WNOWAIT: no libc wait4 here honours it", o.Wait4Mask)
			}
			if o.IDSize != w.idSize || o.IDSigned != w.signed {
				t.Errorf("id_t: size %d signed %t, want %d %t", o.IDSize, o.IDSigned, w.idSize, w.signed)
			}
			if o.Calls.Wait4 != Libc || o.Calls.Waitid != Libc || o.Calls.Wait6 != Emulated {
				t.Errorf("Calls = %+v, want libc, libc, emulated", o.Calls)
			}
		})
	}
	if s, _ := ForOS("solaris"); s != libcOS(t, "illumos") {
		t.Error(`ForOS("solaris") is not the illumos table`)
	}
}

// TestLibcStatusMacros compares each decoder with that OS's own macros,
// compiled from testdata, on every 16-bit status with a spread of high bits.
func TestLibcStatusMacros(t *testing.T) {
	for _, w := range libcWants {
		t.Run(w.goos, func(t *testing.T) {
			prelude, err := os.ReadFile(filepath.Join("testdata", w.macros))
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstOracle(t, libcOS(t, w.goos), string(prelude))
		})
	}
}

// siginfoWant are the offsets restated from each OS's siginfo.h, computed with
// each ABI's alignment rules (see the table files for the reasoning).
var siginfoWant = []struct {
	goos, arch                                 string
	size, signo, code, errno, pid, uid, status int
}{
	{"openbsd", "386", 128, 0, 4, 8, 12, 16, 32},
	{"openbsd", "amd64", 136, 0, 4, 8, 16, 24, 40},
	{"openbsd", "arm", 136, 0, 4, 8, 16, 24, 40},
	{"openbsd", "arm64", 136, 0, 4, 8, 16, 24, 40},
	{"openbsd", "ppc64", 136, 0, 4, 8, 16, 24, 40},
	{"openbsd", "riscv64", 136, 0, 4, 8, 16, 24, 40},
	{"darwin", "amd64", 104, 0, 8, 4, 12, 16, 20},
	{"darwin", "arm64", 104, 0, 8, 4, 12, 16, 20},
	{"illumos", "amd64", 256, 0, 4, 8, 16, -1, 32},
}

var byteOrders = []Order{LittleEndian, BigEndian}

// TestLibcSiginfo writes a SIGCHLD siginfo_t byte by byte at the header's
// offsets (in both byte orders, over garbage) and checks Decode reads it
// back; then Encode followed by Decode must give the same fields.
func TestLibcSiginfo(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range siginfoWant {
		seen[w.goos+"/"+w.arch] = true
		for _, o := range byteOrders {
			t.Run(w.goos+"/"+w.arch+"/"+o.String(), func(t *testing.T) {
				l, ok := libcOS(t, w.goos).Siginfo[w.arch]
				if !ok {
					t.Fatal("no siginfo layout")
				}
				if l.Size != w.size {
					t.Errorf("Size = %d, want %d", l.Size, w.size)
				}
				b := make([]byte, w.size)
				for i := range b {
					b[i] = 0xa5
				}
				put := func(off int, v uint32) {
					if off >= 0 {
						o.ByteOrder().PutUint32(b[off:], v)
					}
				}
				put(w.signo, 20)
				put(w.code, 5)
				put(w.errno, 0)
				put(w.pid, 0x12345)
				put(w.uid, 0xfffffffe)
				put(w.status, 0x80000017)
				want := SigChld{Signo: 20, Code: 5, Errno: 0, Pid: 0x12345, Status: -0x7fffffe9}
				if w.uid >= 0 {
					want.UID, want.HasUID = -2, true
				}
				if got := l.Decode(b, o); got != want {
					t.Errorf("Decode = %+v, want %+v", got, want)
				}
				if got := l.Decode(b[:w.size-1], o); got != (SigChld{}) {
					t.Errorf("Decode of a short buffer = %+v, want zero", got)
				}
				c := make([]byte, w.size)
				l.Encode(c, o, want)
				if got := l.Decode(c, o); got != want {
					t.Errorf("Decode(Encode(x)) = %+v, want %+v", got, want)
				}
			})
		}
	}
	for _, w := range libcWants {
		for _, a := range w.arches {
			if !seen[w.goos+"/"+a] {
				t.Errorf("%s/%s: no expected siginfo offsets in this test", w.goos, a)
			}
			if _, ok := libcOS(t, w.goos).Siginfo[a]; !ok {
				t.Errorf("%s/%s: no siginfo layout", w.goos, a)
			}
		}
	}
}

// TestLibcRusage builds each struct rusage at the header's offsets and checks
// the conversion, MaxRSS in bytes above all.
func TestLibcRusage(t *testing.T) {
	cases := []struct {
		goos, arch                                         string
		size, secSize, usecOff, usecSize, tvSize, longSize int
		maxRSSUnit                                         int64
	}{
		{"openbsd", "386", 80, 8, 8, 4, 12, 4, 1024},
		{"openbsd", "arm", 88, 8, 8, 4, 16, 4, 1024},
		{"openbsd", "amd64", 144, 8, 8, 8, 16, 8, 1024},
		{"openbsd", "arm64", 144, 8, 8, 8, 16, 8, 1024},
		{"openbsd", "ppc64", 144, 8, 8, 8, 16, 8, 1024},
		{"openbsd", "riscv64", 144, 8, 8, 8, 16, 8, 1024},
		{"darwin", "amd64", 144, 8, 8, 4, 16, 8, 1},
		{"darwin", "arm64", 144, 8, 8, 4, 16, 8, 1},
		{"illumos", "amd64", 144, 8, 8, 8, 16, 8, 1024},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.goos+"/"+c.arch] = true
		for _, o := range byteOrders {
			t.Run(c.goos+"/"+c.arch+"/"+o.String(), func(t *testing.T) {
				l, ok := libcOS(t, c.goos).Rusage[c.arch]
				if !ok {
					t.Fatal("no rusage layout")
				}
				if l.Size != c.size || l.Size < 2*l.TimevalSize+14*l.LongSize {
					t.Errorf("Size = %d, want %d (2 timevals of %d + 14 longs of %d)", l.Size, c.size, l.TimevalSize, l.LongSize)
				}
				b := make([]byte, c.size)
				bo := o.ByteOrder()
				putN := func(off, size int, v int64) {
					if size == 8 {
						bo.PutUint64(b[off:], uint64(v))
					} else {
						bo.PutUint32(b[off:], uint32(v))
					}
				}
				putN(0, c.secSize, 3)
				putN(c.usecOff, c.usecSize, 250000)
				putN(c.tvSize, c.secSize, 1)
				putN(c.tvSize+c.usecOff, c.usecSize, 5)
				for i := 0; i < 14; i++ {
					putN(2*c.tvSize+i*c.longSize, c.longSize, int64(100+i))
				}
				got := l.Decode(b, o)
				want := Rusage{
					UserTime: 3*time.Second + 250*time.Millisecond, SystemTime: time.Second + 5*time.Microsecond,
					MaxRSS:            100 * c.maxRSSUnit,
					IntegralSharedRSS: 101, IntegralDataRSS: 102, IntegralStackRSS: 103,
					MinorFaults: 104, MajorFaults: 105, Swaps: 106, BlockInputs: 107, BlockOutputs: 108,
					MessagesSent: 109, MessagesReceived: 110, SignalsReceived: 111,
					VoluntaryContextSwitches: 112, InvoluntaryContextSwitches: 113,
				}
				if got != want {
					t.Errorf("Decode:\n got  %+v\n want %+v", got, want)
				}
				// PutTimeval and PutLong write what Decode reads.
				c2 := make([]byte, c.size)
				l.PutTimeval(c2, o, 0, 3, 250000)
				l.PutTimeval(c2, o, 1, 1, 5)
				for i := 0; i < 14; i++ {
					l.PutLong(c2, o, i, int64(100+i))
				}
				if got := l.Decode(c2, o); got != want {
					t.Errorf("Decode after PutTimeval/PutLong:\n got  %+v\n want %+v", got, want)
				}
			})
		}
	}
	for _, w := range libcWants {
		for _, a := range w.arches {
			if !seen[w.goos+"/"+a] {
				t.Errorf("%s/%s: no expected rusage layout in this test", w.goos, a)
			}
		}
	}
}

// TestLibcStatusEncoding checks that the status word built from a siginfo
// decodes, by the same OS's macros, as the event the siginfo describes.
func TestLibcStatusEncoding(t *testing.T) {
	encodings := map[string]StatusEncoding{"openbsd": OpenBSDEncoding, "darwin": DarwinEncoding, "illumos": IllumosEncoding}
	for goos, e := range encodings {
		o := libcOS(t, goos)
		for _, v := range []int32{0, 1, 9, 17, 19, 127, 255} {
			for code := int32(1); code <= 6; code++ {
				word, ok := e.Status(code, v)
				if !ok {
					t.Errorf("%s: code %d not encoded", goos, code)
					continue
				}
				d := o.DecodeStatus(word)
				var good bool
				switch code {
				case 1:
					good = d.Exited && d.ExitStatus == int(v) && !d.Signaled && !d.Stopped && !d.Continued
				case 2, 3:
					if v == 0 || v >= 127 { // not a signal number that can kill
						continue
					}
					good = d.Signaled && d.Signal == int(v) && d.CoreDump == (code == 3) && !d.Exited && !d.Stopped
				case 4, 5:
					if v == 0 || v == 19 || v == 255 { // no stop signal; Darwin's SIGCONT word; OpenBSD's continued
						continue
					}
					good = d.Stopped && d.StopSignal == int(v) && !d.Exited && !d.Signaled && !d.Continued
				case 6:
					good = d.Continued && !d.Exited && !d.Stopped
				}
				if !good {
					t.Errorf("%s: code %d status %d -> word %#x decodes as %+v", goos, code, v, word, d)
				}
			}
		}
		if _, ok := e.Status(0, 1); ok {
			t.Errorf("%s: code 0 encoded", goos)
		}
	}
	// OpenBSD keeps the whole exit value in the word (W_EXITCODE is an
	// unmasked shift); macOS and illumos keep 8 bits.
	if w, _ := OpenBSDEncoding.Status(1, 0x1234); w != 0x123400 {
		t.Errorf("OpenBSD exit 0x1234 -> %#x, want 0x123400", w)
	}
	if w, _ := DarwinEncoding.Status(1, 0x1234); w != 0x3400 {
		t.Errorf("Darwin exit 0x1234 -> %#x, want 0x3400", w)
	}
	if w, _ := DarwinEncoding.Status(6, 17); w != 0x137f {
		t.Errorf("Darwin continued -> %#x, want 0x137f", w)
	}
}
