package abi

import (
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procwait/wait/internal/testenv"
)

// The FreeBSD, NetBSD and DragonFly tables, checked on any host against the
// facts in the project's ABI notes (each OS's headers and kernel sources),
// against golang.org/x/sys/unix where it has the same value, and against the
// C macros transcribed into testdata/macros_<os>.h.

var bsdNames = []string{"freebsd", "netbsd", "dragonfly"}

func bsdTable(t *testing.T, name string) *OS {
	t.Helper()
	o, ok := ForOS(name)
	if !ok {
		t.Fatalf("no %s table registered", name)
	}
	return o
}

// TestBSDStatusMatchesHeaders compares each decoder with that OS's own
// macros, compiled by the host C compiler, on 655360 status words.
func TestBSDStatusMatchesHeaders(t *testing.T) {
	for _, name := range bsdNames {
		t.Run(name, func(t *testing.T) {
			prelude, err := os.ReadFile(filepath.Join("testdata", "macros_"+name+".h"))
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstOracle(t, bsdTable(t, name), string(prelude))
		})
	}
}

// TestBSDStatusEncodings pins the words each kernel writes (kern_exit.c:
// exit code << 8, the signal | 0x80 for a core, sig << 8 | 0x7f for a stop,
// and the continued word) to what the decoders make of them.
func TestBSDStatusEncodings(t *testing.T) {
	cases := []struct {
		os   string
		raw  uint32
		want Decoded
	}{
		{"freebsd", 3 << 8, Decoded{Exited: true, ExitStatus: 3}},
		{"freebsd", 0x86, Decoded{Signaled: true, Signal: 6, CoreDump: true, ExitStatus: 0}},
		{"freebsd", 17<<8 | 0x7f, Decoded{Stopped: true, StopSignal: 17, Signal: 0x7f, ExitStatus: 17}},
		{"freebsd", 0x13, Decoded{Continued: true, Signal: 0x13}},
		{"dragonfly", 0x13, Decoded{Continued: true, Signaled: true, Signal: 0x13}},
		{"dragonfly", 3 << 8, Decoded{Exited: true, ExitStatus: 3}},
		{"netbsd", 0xffff, Decoded{Continued: true, Signal: 0x7f, CoreDump: true, ExitStatus: 0xff, StopSignal: 0xff}},
		{"netbsd", 17<<8 | 0x7f, Decoded{Stopped: true, StopSignal: 17, Signal: 0x7f, ExitStatus: 17}},
		{"netbsd", 0x10000 | 3<<8, Decoded{Exited: true, ExitStatus: 3, StopSignal: 3}},
	}
	for _, c := range cases {
		got := bsdTable(t, c.os).DecodeStatus(c.raw)
		// Fill in the macro values the case does not spell out.
		want := c.want
		if c.os != "netbsd" {
			want.ExitStatus = int(int32(c.raw) >> 8)
			want.StopSignal = int(int32(c.raw) >> 8)
		}
		want.Signal = int(c.raw & 0x7f)
		if got != want {
			t.Errorf("%s DecodeStatus(%#x):\n got  %+v\n want %+v", c.os, c.raw, got, want)
		}
	}
}

// bsdFacts are the values of the project's ABI notes (shared/abi/<os>.md), each
// read from the OS's own headers.
var bsdFacts = map[string]struct {
	flags, idtypes map[string]int64
	idSize         int
	idSigned       bool
	calls          Calls
}{
	"freebsd": {
		flags: map[string]int64{"WNOHANG": 1, "WUNTRACED": 2, "WSTOPPED": 2, "WCONTINUED": 4, "WNOWAIT": 8,
			"WEXITED": 0x10, "WTRAPPED": 0x20, "WLINUXCLONE": 0x80000000},
		idtypes: map[string]int64{"P_PID": 0, "P_PPID": 1, "P_PGID": 2, "P_SID": 3, "P_CID": 4, "P_UID": 5, "P_GID": 6,
			"P_ALL": 7, "P_LWPID": 8, "P_TASKID": 9, "P_PROJID": 10, "P_POOLID": 11, "P_JAILID": 12, "P_ZONEID": 12,
			"P_CTID": 13, "P_CPUID": 14, "P_PSETID": 15},
		idSize: 8, idSigned: true,
		calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	},
	"dragonfly": {
		flags: map[string]int64{"WNOHANG": 1, "WUNTRACED": 2, "WSTOPPED": 2, "WCONTINUED": 4, "WNOWAIT": 8,
			"WEXITED": 0x10, "WTRAPPED": 0x20, "WLINUXCLONE": 0x80000000},
		idtypes: map[string]int64{"P_PID": 0, "P_PPID": 1, "P_PGID": 2, "P_SID": 3, "P_CID": 4, "P_UID": 5, "P_GID": 6,
			"P_ALL": 7, "P_LWPID": 8, "P_TASKID": 9, "P_PROJID": 10, "P_POOLID": 11, "P_JAILID": 12,
			"P_CTID": 13, "P_CPUID": 14, "P_PSETID": 15},
		idSize: 8, idSigned: true,
		calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	},
	"netbsd": {
		flags: map[string]int64{"WNOHANG": 1, "WSTOPPED": 2, "WUNTRACED": 2, "WALTSIG": 4, "WALLSIG": 8,
			"WCLONE": 4, "WALL": 8, "WCONTINUED": 0x10, "WEXITED": 0x20, "WTRAPPED": 0x40, "WNOWAIT": 0x10000,
			"WNOZOMBIE": 0x20000},
		idtypes: map[string]int64{"P_MYID": -1, "P_ALL": 0, "P_PID": 1, "P_LWPID": 2, "P_PPID": 3, "P_PGID": 4,
			"P_SID": 5, "P_CID": 6, "P_UID": 7, "P_GID": 8, "P_TASKID": 9, "P_PROJID": 10, "P_POOLID": 11,
			"P_ZONEID": 12, "P_CTID": 13, "P_CPUID": 14, "P_PSETID": 15},
		idSize: 4, idSigned: false,
		calls: Calls{Wait4: Syscall, Waitid: Emulated, Wait6: Syscall},
	},
}

// TestBSDConstants checks every flag and idtype against the notes, both
// ways: nothing missing, nothing extra, no value wrong.
func TestBSDConstants(t *testing.T) {
	for _, name := range bsdNames {
		t.Run(name, func(t *testing.T) {
			o, f := bsdTable(t, name), bsdFacts[name]
			compareConsts(t, "flag", o.Flags, f.flags)
			compareConsts(t, "idtype", o.IDTypes, f.idtypes)
			for i, c := range o.Codes {
				if c.Value != int64(i+1) || !strings.HasPrefix(c.Name, "CLD_") {
					t.Errorf("code %d is %s = %d, want CLD_* = %d", i, c.Name, c.Value, i+1)
				}
			}
			if o.IDSize != f.idSize || o.IDSigned != f.idSigned {
				t.Errorf("id_t is %d bytes signed=%t, want %d signed=%t", o.IDSize, o.IDSigned, f.idSize, f.idSigned)
			}
			if o.Calls != f.calls {
				t.Errorf("calls %+v, want %+v", o.Calls, f.calls)
			}
			for _, cs := range [][]Const{o.Flags, o.IDTypes, o.Codes} {
				for _, c := range cs {
					if c.Doc == "" || !strings.Contains(c.Source, "/") {
						t.Errorf("%s: doc %q, source %q: every entry needs a description and an owner/repo path source", c.Name, c.Doc, c.Source)
					}
				}
			}
		})
	}
}

func compareConsts(t *testing.T, kind string, got []Const, want map[string]int64) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range got {
		if seen[c.Name] {
			t.Errorf("%s %s listed twice", kind, c.Name)
		}
		seen[c.Name] = true
		w, ok := want[c.Name]
		switch {
		case !ok:
			t.Errorf("%s %s = %#x is not in the notes", kind, c.Name, c.Value)
		case w != c.Value:
			t.Errorf("%s %s = %#x, want %#x", kind, c.Name, c.Value, w)
		}
	}
	for n := range want {
		if !seen[n] {
			t.Errorf("%s %s is missing", kind, n)
		}
	}
}

// TestBSDOptionMasks derives each call's accepted bits from the kernels'
// checks by flag name: FreeBSD kern_wait6 and NetBSD find_stopped_child
// (WALLOPTS/WSELECTOPTS), with wait4 adding WEXITED|WTRAPPED first;
// DragonFly as FreeBSD.
func TestBSDOptionMasks(t *testing.T) {
	bits := func(o *OS, names ...string) uint32 {
		var m uint32
		for _, n := range names {
			v, ok := o.Flag(n)
			if !ok {
				t.Fatalf("%s has no flag %s", o.Name, n)
			}
			m |= v
		}
		return m
	}
	fb, nb, df := bsdTable(t, "freebsd"), bsdTable(t, "netbsd"), bsdTable(t, "dragonfly")
	cases := []struct {
		o                          *OS
		wait4, implied, waitid, ev uint32
	}{
		{
			o:       fb,
			wait4:   bits(fb, "WUNTRACED", "WNOHANG", "WCONTINUED", "WNOWAIT", "WEXITED", "WTRAPPED", "WLINUXCLONE"),
			implied: bits(fb, "WEXITED", "WTRAPPED"),
			waitid:  bits(fb, "WUNTRACED", "WNOHANG", "WCONTINUED", "WNOWAIT", "WEXITED", "WTRAPPED", "WLINUXCLONE"),
			ev:      bits(fb, "WEXITED", "WUNTRACED", "WCONTINUED", "WTRAPPED"),
		},
		{
			o:       nb,
			wait4:   bits(nb, "WNOHANG", "WALTSIG", "WALLSIG", "WNOWAIT", "WNOZOMBIE", "WEXITED", "WUNTRACED", "WCONTINUED", "WTRAPPED"),
			implied: bits(nb, "WEXITED", "WTRAPPED"),
			waitid:  bits(nb, "WNOHANG", "WALTSIG", "WALLSIG", "WNOWAIT", "WNOZOMBIE", "WEXITED", "WUNTRACED", "WCONTINUED", "WTRAPPED"),
			ev:      bits(nb, "WEXITED", "WUNTRACED", "WCONTINUED", "WTRAPPED"),
		},
		{
			o:       df,
			wait4:   bits(df, "WUNTRACED", "WNOHANG", "WCONTINUED", "WNOWAIT", "WEXITED", "WTRAPPED", "WLINUXCLONE"),
			implied: bits(df, "WEXITED", "WTRAPPED"),
			waitid:  bits(df, "WUNTRACED", "WNOHANG", "WCONTINUED", "WNOWAIT", "WEXITED", "WTRAPPED", "WLINUXCLONE"),
			ev:      bits(df, "WEXITED", "WUNTRACED", "WCONTINUED", "WTRAPPED"),
		},
	}
	for _, c := range cases {
		o := c.o
		if o.Wait4Mask != c.wait4 || o.Wait4Implied != c.implied || o.WaitidMask != c.waitid || o.EventMask != c.ev {
			t.Errorf("%s masks: wait4 %#x implied %#x waitid %#x event %#x; want %#x %#x %#x %#x",
				o.Name, o.Wait4Mask, o.Wait4Implied, o.WaitidMask, o.EventMask, c.wait4, c.implied, c.waitid, c.ev)
		}
		if o.EventMask&^o.WaitidMask != 0 {
			t.Errorf("%s: event bits %#x that waitid refuses", o.Name, o.EventMask&^o.WaitidMask)
		}
	}
}

// xsysDir returns golang.org/x/sys's unix directory, found with the go tool
// (see goOutput).
func xsysDir(t *testing.T) string {
	t.Helper()
	dir := strings.TrimSpace(string(goOutput(t, "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys")))
	if dir == "" {
		t.Fatal("go list -m golang.org/x/sys printed no module directory")
	}
	return filepath.Join(dir, "unix")
}

// goConsts returns the integer constants declared in a Go source file.
func goConsts(t *testing.T, file string) map[string]int64 {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]int64{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
					if v, ok := constant.Int64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0)); ok {
						consts[n.Name] = v
					}
				}
			}
		}
	}
	return consts
}

// xsysStale are golang.org/x/sys/unix values known to differ from the
// current headers: NetBSD's WSTOPPED is the old _WSTOPPED status byte.
var xsysStale = map[string]bool{"netbsd WSTOPPED": true}

// TestBSDAgainstXSys compares every flag and idtype that x/sys/unix also
// defines for the OS and architecture, and the system call numbers the
// root package takes from x/sys and the standard library.
func TestBSDAgainstXSys(t *testing.T) {
	dir := xsysDir(t)
	for _, name := range bsdNames {
		o := bsdTable(t, name)
		for arch := range o.Siginfo {
			file := filepath.Join(dir, "zerrors_"+name+"_"+arch+".go")
			if _, err := os.Stat(file); err != nil {
				t.Errorf("x/sys has no %s: %v", filepath.Base(file), err)
				continue
			}
			xs := goConsts(t, file)
			matched := 0
			for _, c := range append(append([]Const(nil), o.Flags...), o.IDTypes...) {
				v, ok := xs[c.Name]
				switch {
				case !ok:
				case xsysStale[name+" "+c.Name]:
					t.Logf("%s/%s: x/sys %s = %#x is stale; the header says %#x", name, arch, c.Name, v, c.Value)
				case v != c.Value:
					t.Errorf("%s/%s: %s = %#x here, %#x in x/sys", name, arch, c.Name, c.Value, v)
				default:
					matched++
				}
			}
			if matched == 0 {
				t.Errorf("%s/%s: no constant compared with x/sys", name, arch)
			}
		}
	}
	// wait_<goos>.go reaches wait4 through unix.SYS_WAIT4, and wait6
	// through unix.SYS_WAIT6 (syscall.SYS_WAIT6 on NetBSD, where x/sys
	// lacks it); they must be the numbers of the notes.
	sysnums := []struct {
		file, name string
		want       int64
	}{
		{filepath.Join(dir, "zsysnum_freebsd_amd64.go"), "SYS_WAIT4", 7},
		{filepath.Join(dir, "zsysnum_freebsd_386.go"), "SYS_WAIT6", 532},
		{filepath.Join(dir, "zsysnum_freebsd_arm.go"), "SYS_WAIT6", 532},
		{filepath.Join(dir, "zsysnum_freebsd_riscv64.go"), "SYS_WAIT6", 532},
		{filepath.Join(dir, "zsysnum_netbsd_arm64.go"), "SYS_WAIT4", 449},
		{filepath.Join(goroot(t), "src", "syscall", "zsysnum_netbsd_arm64.go"), "SYS_WAIT6", 481},
		{filepath.Join(goroot(t), "src", "syscall", "zsysnum_netbsd_386.go"), "SYS_WAIT6", 481},
		{filepath.Join(dir, "zsysnum_dragonfly_amd64.go"), "SYS_WAIT4", 7},
		{filepath.Join(dir, "zsysnum_dragonfly_amd64.go"), "SYS_WAIT6", 548},
	}
	for _, s := range sysnums {
		if got, ok := goConsts(t, s.file)[s.name]; got != s.want || !ok {
			t.Errorf("%s: %s = %d (defined %t), want %d", s.file, s.name, got, ok, s.want)
		}
	}
}

// bsdSiginfoFacts are the offsets of the notes, per OS and GOARCH.
var bsdSiginfoFacts = map[string]map[string]SiginfoLayout{
	"freebsd": {
		"386":     {Size: 64, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
		"arm":     {Size: 64, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
		"amd64":   {Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
		"arm64":   {Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
		"riscv64": {Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
	},
	"netbsd": {
		"386":   {Size: 128, Signo: 0, Code: 4, Errno: 8, Pid: 12, UID: 16, Status: 20},
		"arm":   {Size: 128, Signo: 0, Code: 4, Errno: 8, Pid: 12, UID: 16, Status: 20},
		"amd64": {Size: 128, Signo: 0, Code: 4, Errno: 8, Pid: 16, UID: 20, Status: 24},
		"arm64": {Size: 128, Signo: 0, Code: 4, Errno: 8, Pid: 16, UID: 20, Status: 24},
	},
	"dragonfly": {
		"amd64": {Size: 80, Signo: 0, Errno: 4, Code: 8, Pid: 12, UID: 16, Status: 20},
	},
}

// goArchs lists the GOARCH values Go supports for goos.
func goArchs(t *testing.T, goos string) []string {
	t.Helper()
	out := goOutput(t, "tool", "dist", "list")
	var archs []string
	for _, l := range strings.Fields(string(out)) {
		if o, a, ok := strings.Cut(l, "/"); ok && o == goos {
			archs = append(archs, a)
		}
	}
	return archs
}

// TestBSDLayoutsCoverGoTargets checks that every architecture Go supports
// for each OS has a siginfo and an rusage layout (the root package decodes
// nothing on a missing one).
func TestBSDLayoutsCoverGoTargets(t *testing.T) {
	for _, name := range bsdNames {
		o := bsdTable(t, name)
		for _, arch := range goArchs(t, name) {
			if _, ok := o.Siginfo[arch]; !ok {
				t.Errorf("%s/%s: no siginfo layout", name, arch)
			}
			if _, ok := o.Rusage[arch]; !ok {
				t.Errorf("%s/%s: no rusage layout", name, arch)
			}
		}
	}
}

// TestBSDSiginfoDecode builds the bytes a kernel writes for a SIGCHLD, in
// both byte orders, once by hand at the notes' offsets and once with Encode
// over a buffer full of garbage, and decodes them with the table's layout.
// The exit value uses all 32 bits, as FreeBSD's si_status keeps them.
func TestBSDSiginfoDecode(t *testing.T) {
	want := SigChld{Signo: 20, Errno: 0, Code: 1, Pid: 0x12345, UID: 1001, Status: -0x7ffffe01, HasUID: true}
	for _, name := range bsdNames {
		eachLayout(t, name, "siginfo", bsdTable(t, name).Siginfo, bsdSiginfoFacts[name], func(arch string, l, fact SiginfoLayout) {
			for _, order := range byteOrders {
				b := make([]byte, fact.Size)
				for i := range b {
					b[i] = 0xa5
				}
				put := func(off int, v int32) { order.ByteOrder().PutUint32(b[off:], uint32(v)) }
				put(fact.Signo, want.Signo)
				put(fact.Errno, want.Errno)
				put(fact.Code, want.Code)
				put(fact.Pid, want.Pid)
				put(fact.UID, want.UID)
				put(fact.Status, want.Status)
				if got := l.Decode(b, order); got != want {
					t.Errorf("%s/%s %v: decoded %+v, want %+v", name, arch, order, got, want)
				}

				enc := make([]byte, l.Size)
				for i := range enc {
					enc[i] = 0x5a
				}
				l.Encode(enc, order, want)
				if got := l.Decode(enc, order); got != want {
					t.Errorf("%s/%s %v: Encode then Decode gave %+v, want %+v", name, arch, order, got, want)
				}
				if got := l.Decode(enc[:l.Size-1], order); got != (SigChld{}) {
					t.Errorf("%s/%s: a short buffer decoded to %+v, want zero", name, arch, got)
				}
			}
		})
	}
}

// eachLayout checks that an OS's layouts, got, are those of the notes,
// facts, arch by arch, and calls check with each one the table has and the
// notes' (what names the struct in messages).
func eachLayout[L comparable](t *testing.T, name, what string, got, facts map[string]L, check func(arch string, l, fact L)) {
	t.Helper()
	if len(got) != len(facts) {
		t.Errorf("%s: %d %s layouts, the notes give %d", name, len(got), what, len(facts))
	}
	for arch, fact := range facts {
		l, ok := got[arch]
		if !ok {
			t.Errorf("%s/%s: no %s layout", name, arch, what)
			continue
		}
		if l != fact {
			t.Errorf("%s/%s %s layout %+v, want %+v", name, arch, what, l, fact)
		}
		check(arch, l, fact)
	}
}

// bsdRusageFacts are the notes' struct rusage shapes: sizeof, the timeval
// and its tv_usec, and sizeof(long).
var bsdRusageFacts = map[string]map[string]RusageLayout{
	"freebsd": {
		"386":     {Size: 72, SecSize: 4, UsecOffset: 4, UsecSize: 4, TimevalSize: 8, LongSize: 4, MaxRSSUnit: 1024},
		"arm":     {Size: 88, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 4, MaxRSSUnit: 1024},
		"amd64":   {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
		"arm64":   {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
		"riscv64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
	},
	"netbsd": {
		"386":   {Size: 80, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 12, LongSize: 4, MaxRSSUnit: 1024},
		"arm":   {Size: 88, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 4, MaxRSSUnit: 1024},
		"amd64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
		"arm64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 4, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
	},
	"dragonfly": {
		"amd64": {Size: 144, SecSize: 8, UsecOffset: 8, UsecSize: 8, TimevalSize: 16, LongSize: 8, MaxRSSUnit: 1024},
	},
}

// TestBSDRusageDecode writes a struct rusage with PutTimeval and PutLong for
// every layout in both byte orders, over garbage, and checks the portable
// values: durations from timevals, MaxRSS from KiB to bytes, each counter in
// its own slot.
func TestBSDRusageDecode(t *testing.T) {
	for _, name := range bsdNames {
		eachLayout(t, name, "rusage", bsdTable(t, name).Rusage, bsdRusageFacts[name], func(arch string, l, _ RusageLayout) {
			if l.Size != 2*l.TimevalSize+14*l.LongSize {
				t.Errorf("%s/%s: size %d is not two timevals of %d and 14 longs of %d", name, arch, l.Size, l.TimevalSize, l.LongSize)
				return
			}
			for _, order := range byteOrders {
				// Two rusages back to back, as wait6's __wrusage holds
				// them: the second must decode from offset Size.
				b := make([]byte, 2*l.Size)
				for i := range b {
					b[i] = 0xa5
				}
				for k := 0; k < 2; k++ {
					ru := b[k*l.Size:]
					if l.UsecSize < l.TimevalSize-l.UsecOffset {
						// Padding after a 4-byte tv_usec: the kernel
						// leaves it, the decoder must ignore it.
						for _, tv := range []int{0, l.TimevalSize} {
							copy(ru[tv+l.UsecOffset+l.UsecSize:tv+l.TimevalSize], []byte{0xff, 0xff, 0xff, 0xff})
						}
					}
					l.PutTimeval(ru, order, 0, int64(3+k), 250000)
					l.PutTimeval(ru, order, 1, 1, int64(5+k))
					l.PutLong(ru, order, 0, int64(2048*(k+1)))
					for i := 1; i < 14; i++ {
						l.PutLong(ru, order, i, int64(100*k+i))
					}
				}
				for k := 0; k < 2; k++ {
					got := l.Decode(b[k*l.Size:], order)
					want := Rusage{
						UserTime:   time.Duration(3+k)*time.Second + 250*time.Millisecond,
						SystemTime: time.Second + time.Duration(5+k)*time.Microsecond,
						MaxRSS:     int64(2048*(k+1)) * 1024,
					}
					c := []*int64{&want.IntegralSharedRSS, &want.IntegralDataRSS, &want.IntegralStackRSS,
						&want.MinorFaults, &want.MajorFaults, &want.Swaps, &want.BlockInputs, &want.BlockOutputs,
						&want.MessagesSent, &want.MessagesReceived, &want.SignalsReceived,
						&want.VoluntaryContextSwitches, &want.InvoluntaryContextSwitches}
					for i, p := range c {
						*p = int64(100*k + i + 1)
					}
					if got != want {
						t.Errorf("%s/%s %v rusage %d:\n got  %+v\n want %+v", name, arch, order, k, got, want)
					}
				}
			}
		})
	}
}

// TestBSDRusageAgainstXSys computes sizeof(struct rusage), the timeval shape
// and sizeof(long) from x/sys's cgo-generated ztypes_<os>_<arch>.go with the
// gc compiler's sizes for that architecture.
func TestBSDRusageAgainstXSys(t *testing.T) {
	dir := xsysDir(t)
	for _, name := range bsdNames {
		for arch, l := range bsdTable(t, name).Rusage {
			file := filepath.Join(dir, "ztypes_"+name+"_"+arch+".go")
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Errorf("%s/%s: %v", name, arch, err)
				continue
			}
			sizes := types.SizesFor("gc", arch)
			conf := types.Config{Importer: importer.Default(), Sizes: sizes, Error: func(error) {}}
			pkg, _ := conf.Check("unix", fset, []*ast.File{f}, nil)
			lookup := func(n string) *types.Struct {
				obj := pkg.Scope().Lookup(n)
				if obj == nil {
					return nil
				}
				s, _ := obj.Type().Underlying().(*types.Struct)
				return s
			}
			ru, tv := lookup("Rusage"), lookup("Timeval")
			if ru == nil || tv == nil || tv.NumFields() < 2 {
				t.Errorf("%s/%s: x/sys has no Rusage/Timeval structs", name, arch)
				continue
			}
			tvFields := []*types.Var{tv.Field(0), tv.Field(1)}
			offs := sizes.Offsetsof(tvFields)
			got := RusageLayout{
				Size:        int(sizes.Sizeof(ru)),
				SecSize:     int(sizes.Sizeof(tv.Field(0).Type())),
				UsecOffset:  int(offs[1]),
				UsecSize:    int(sizes.Sizeof(tv.Field(1).Type())),
				TimevalSize: int(sizes.Sizeof(tv)),
				LongSize:    int(sizes.Sizeof(ru.Field(2).Type())), // Maxrss, a C long
				MaxRSSUnit:  l.MaxRSSUnit,
			}
			if got != l {
				t.Errorf("%s/%s: layout %+v, x/sys's types give %+v", name, arch, l, got)
			}
		}
	}
}

// goroot asks the go tool for its GOROOT (runtime.GOROOT is deprecated: a
// test binary may run where it was not built).
func goroot(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(string(goOutput(t, "env", "GOROOT")))
}

// goOutput runs the go tool with args and returns its standard output. It
// skips the test, naming where it looked, only if there is no go tool (see
// testenv.GoTool); a go tool that fails fails the test.
func goOutput(t *testing.T, args ...string) []byte {
	t.Helper()
	gotool, err := testenv.GoTool()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(gotool, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", gotool, strings.Join(args, " "), err, stderr.String())
	}
	return out
}
