package xcheck

import (
	"fmt"
	"go/constant"
	"path"
	"sort"
	"strings"

	"github.com/procwait/wait/internal/abi"
)

// finding is one comparison: an agreement, a mismatch, or a mismatch that a
// staleGo entry explains.
type finding struct {
	// keys are the internal/abi entries the comparison depends on, such as
	// "Flags/WNOHANG" or "Siginfo[amd64]/Pid" (none for comparisons of
	// two Go sources or of the library's code with the notes).
	keys []string
	// source is what was compared: "x/sys", "syscall", "os",
	// "internal/syscall/unix", "runtime" (Go-side sources), "notes" (the
	// project's ABI notes, in tables_test.go), "library" (the root
	// package's own files, generated from or built on internal/abi) or
	// "internal/raw" (the library's internal/raw: its generated constants,
	// buffers and trampolines).
	source string
	// what is the kind of fact: const, offset, size, syscall, split, asm.
	what  string
	ok    bool
	stale *stale
	msg   string
}

type result struct {
	t    target
	fs   []finding
	logs []string // what was deliberately not compared, and why
	info []string // what a passing comparison found, for -v
}

func (r *result) log(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *result) add(f finding) { r.fs = append(r.fs, f) }

func (r *result) bad(what, source string, keys []string, format string, args ...any) {
	r.add(finding{keys: keys, source: source, what: what, msg: fmt.Sprintf(format, args...)})
}

// cmp records the comparison of a (described by ad) with b (bd).
func (r *result) cmp(what, source string, keys []string, a int64, ad string, b int64, bd string) bool {
	ok := a == b
	f := finding{keys: keys, source: source, what: what, ok: ok}
	if !ok {
		f.msg = fmt.Sprintf("%s = %s, but %s = %s", ad, hex(a), bd, hex(b))
	}
	r.add(f)
	return ok
}

func (r *result) mismatches() []finding {
	var bad []finding
	for _, f := range r.fs {
		if !f.ok {
			bad = append(bad, f)
		}
	}
	return bad
}

func hex(v int64) string {
	if v < 0 {
		return fmt.Sprintf("-%#x", -v)
	}
	return fmt.Sprintf("%#x", v)
}

// category is how messages and counts name a Go-side source.
func category(label string) string {
	if label == xsysPath {
		return "x/sys"
	}
	return label
}

// goSources are the categories that count as a second, independent source.
var goSources = map[string]bool{"x/sys": true, "syscall": true, "os": true, "internal/syscall/unix": true, "runtime": true}

func findStale(goos, name, source string, goValue, abiValue int64) *stale {
	for i := range staleGo {
		s := &staleGo[i]
		if s.goos == goos && s.name == name && s.source == source && s.goValue == goValue && s.abiValue == abiValue {
			return s
		}
	}
	return nil
}

// sameFlag compares an option bit mask as the C int it is: internal/abi
// keeps 0x80000000 positive, Go's typed Options constants keep it negative.
func sameFlag(a, b int64) bool { return uint32(a) == uint32(b) && (b>>32 == 0 || b>>32 == -1) }

// check compares the facts of one target with the OS table o.
func check(f *facts, o *abi.OS) *result {
	r := &result{t: f.target}
	abiDesc := func(group, name, src string) string {
		return fmt.Sprintf("internal/abi ForOS(%q).%s %s (cites %s)", f.goos, group, name, src)
	}
	checkConsts(r, f, o, abiDesc)
	checkRawConsts(r, f, o, abiDesc)
	checkLibraryTables(r, f, o)
	checkSiginfo(r, f, o)
	checkRusage(r, f, o)
	checkKevent(r, f)
	checkSyscalls(r, f)
	checkNotesConsts(r, f)
	checkSplit(r, f, o)
	checkIDHandoff(r, f)
	if f.dist {
		checkTrampolines(r, f)
	} else if _, libc := notesLibc[f.goos]; libc {
		r.log("trampolines: %s is not a Go port, so the library has no assembly for it", f.target)
	}
	return r
}

type constGroup struct {
	kind string
	cs   []abi.Const
	flag bool
}

func groups(o *abi.OS) []constGroup {
	return []constGroup{{"Flags", o.Flags, true}, {"IDTypes", o.IDTypes, false}, {"Codes", o.Codes, false}}
}

// checkConsts compares every flag, idtype and code of internal/abi with each
// Go source that defines the same name (a leading "_" dropped: os's _P_PID),
// and with the root package's typed constant of that name.
func checkConsts(r *result, f *facts, o *abi.OS, abiDesc func(string, string, string) string) {
	for _, name := range waitOptionNames {
		if _, ok := find(o.Flags, name); ok {
			continue
		}
		for _, s := range f.sources() {
			if v, ok := s.consts[name]; ok {
				r.log("%s (%s) defines %s = %s, which internal/abi ForOS(%q).Flags does not have", s.label, v.pos, name, hex(v.v), f.goos)
			}
		}
	}
	for _, g := range groups(o) {
		for _, c := range g.cs {
			key := []string{g.kind + "/" + c.Name}
			ad := abiDesc(g.kind, c.Name, c.Source)
			if c.Source != "library" { // a value the library defines has no OS source
				for _, s := range f.sources() {
					gv, ok := s.consts[c.Name]
					if !ok {
						continue
					}
					eq := gv.v == c.Value
					if g.flag {
						eq = sameFlag(c.Value, gv.v)
					}
					fd := finding{keys: key, source: category(s.label), what: "const", ok: eq}
					if !eq {
						fd.msg = fmt.Sprintf("%s = %s, but %s (%s) %s = %s", ad, hex(c.Value), s.label, gv.pos, c.Name, hex(gv.v))
						if st := findStale(f.goos, c.Name, s.label, gv.v, c.Value); st != nil {
							fd.ok, fd.stale = true, st
						}
					}
					r.add(fd)
				}
			}
			lv, ok := f.lib.typed[g.kind][c.Name]
			if !ok {
				r.bad("const", "library", key, "%s = %s, but the root package defines no %s for %s", ad, hex(c.Value), c.Name, f.target)
				continue
			}
			fd := finding{keys: key, source: "library", what: "const", ok: sameFlag(c.Value, lv.v)}
			if !g.flag {
				fd.ok = c.Value == lv.v
			}
			if !fd.ok {
				fd.msg = fmt.Sprintf("%s = %s, but the root package (%s) %s = %s", ad, hex(c.Value), lv.pos, c.Name, hex(lv.v))
			}
			r.add(fd)
		}
		for _, name := range sortedKeys(f.lib.typed[g.kind]) {
			if _, ok := find(g.cs, name); !ok {
				lv := f.lib.typed[g.kind][name]
				r.bad("const", "library", []string{g.kind + "/" + name}, "the root package (%s) defines %s = %s for %s, which internal/abi ForOS(%q).%s lacks", lv.pos, name, hex(lv.v), f.target, f.goos, g.kind)
			}
		}
	}
}

// checkRawConsts compares internal/raw's generated constants (zabi_<goos>.go:
// the kernel's flags, idtypes and codes, untyped, under their C names) with
// internal/abi, name for name both ways, and with every Go source that
// defines the same name (a staleGo entry explains a known difference).
func checkRawConsts(r *result, f *facts, o *abi.OS, abiDesc func(string, string, string) string) {
	raw := f.raw
	seen := map[string]bool{}
	for _, g := range groups(o) {
		for _, c := range g.cs {
			seen[c.Name] = true
			key := []string{g.kind + "/" + c.Name}
			ad := abiDesc(g.kind, c.Name, c.Source)
			rv, ok := raw.untyped[c.Name]
			if !ok {
				r.bad("const", raw.source, key, "%s = %s, but internal/raw defines no constant %s for %s (files: %s)", ad, hex(c.Value), c.Name, f.target, strings.Join(raw.files, " "))
				continue
			}
			fd := finding{keys: key, source: raw.source, what: "const", ok: rv.v == c.Value}
			if !fd.ok {
				fd.msg = fmt.Sprintf("%s = %s, but internal/raw (%s) %s = %s", ad, hex(c.Value), rv.pos, c.Name, hex(rv.v))
			}
			r.add(fd)
		}
	}
	for _, name := range sortedKeys(raw.untyped) {
		rv := raw.untyped[name]
		if !seen[name] {
			r.bad("const", raw.source, nil, "internal/raw (%s) defines %s = %s for %s, which internal/abi ForOS(%q) has in none of Flags, IDTypes and Codes", rv.pos, name, hex(rv.v), f.target, f.goos)
		}
		// The Go sources, directly: the value internal/raw passes to the
		// kernel against the one Go's own code and x/sys use.
		for _, s := range f.sources() {
			gv, ok := s.consts[name]
			if !ok {
				continue
			}
			eq := gv.v == rv.v
			if strings.HasPrefix(name, "W") {
				eq = sameFlag(rv.v, gv.v)
			}
			fd := finding{source: category(s.label), what: "const", ok: eq}
			if !eq {
				fd.msg = fmt.Sprintf("internal/raw (%s) %s = %s, but %s (%s) %s = %s", rv.pos, name, hex(rv.v), s.label, gv.pos, name, hex(gv.v))
				if st := findStale(f.goos, name, s.label, gv.v, rv.v); st != nil {
					fd.ok, fd.stale = true, st
				}
			}
			r.add(fd)
		}
	}
}

// waitOptionNames are the option flag names any system's <sys/wait.h> uses;
// one a Go source defines for an OS whose internal/abi table lacks it is
// logged (OpenBSD's obsolete WALTSIG, for instance, is WEXITED's bit now).
var waitOptionNames = []string{"WNOHANG", "WUNTRACED", "WSTOPPED", "WEXITED", "WCONTINUED", "WNOWAIT", "WTRAPPED",
	"WALL", "WCLONE", "WNOTHREAD", "WALTSIG", "WALLSIG", "WNOZOMBIE", "WOPTSCHECKED", "WLINUXCLONE"}

func find(cs []abi.Const, name string) (abi.Const, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c, true
		}
	}
	return abi.Const{}, false
}

// checkLibraryTables compares the root package's generated host tables and
// scalars (hostFlags, hostWait4Mask, hostIDSize, ...) with internal/abi.
func checkLibraryTables(r *result, f *facts, o *abi.OS) {
	for _, g := range groups(o) {
		table, ok := f.lib.tables[g.kind]
		if !ok {
			r.bad("const", "library", nil, "the root package has no host%s table for %s (renamed? update xcheck)", g.kind, f.target)
			continue
		}
		seen := map[string]bool{}
		for _, e := range table {
			seen[e.name] = true
			key := []string{g.kind + "/" + e.name}
			c, ok := find(g.cs, e.name)
			if !ok {
				r.bad("const", "library", key, "the root package's host%s (%s) has %s, which internal/abi ForOS(%q) lacks", g.kind, e.pos, e.name, f.goos)
				continue
			}
			r.cmp("const", "library", key, c.Value&0xffffffff, fmt.Sprintf("internal/abi ForOS(%q).%s %s", f.goos, g.kind, c.Name), e.v&0xffffffff, fmt.Sprintf("the root package's host%s entry (%s)", g.kind, e.pos))
		}
		for _, c := range g.cs {
			if !seen[c.Name] {
				r.bad("const", "library", []string{g.kind + "/" + c.Name}, "internal/abi ForOS(%q).%s has %s, which the root package's host%s table for %s lacks", f.goos, g.kind, c.Name, g.kind, f.target)
			}
		}
	}
	ints := []struct {
		name, key string
		want      int64
	}{
		{"hostWait4Mask", "Wait4Mask", int64(o.Wait4Mask)},
		{"hostWait4Implied", "Wait4Implied", int64(o.Wait4Implied)},
		{"hostWaitidMask", "WaitidMask", int64(o.WaitidMask)},
		{"hostEventMask", "EventMask", int64(o.EventMask)},
		{"hostIDSize", "IDSize", int64(o.IDSize)},
	}
	for _, s := range ints {
		v, ok := intVal(f.lib.scalars[s.name])
		if !ok {
			r.bad("const", "library", []string{s.key}, "the root package has no integer constant %s for %s (renamed? update xcheck)", s.name, f.target)
			continue
		}
		r.cmp("const", "library", []string{s.key}, int64(uint32(v)), fmt.Sprintf("the root package's %s for %s", s.name, f.target), int64(uint32(s.want)), fmt.Sprintf("internal/abi ForOS(%q).%s", f.goos, s.key))
	}
	strs := []struct{ name, key, want string }{
		{"hostOS", "Name", o.Name},
		{"hostWait4", "Calls", o.Calls.Wait4.String()},
		{"hostWaitid", "Calls", o.Calls.Waitid.String()},
		{"hostWait6", "Calls", o.Calls.Wait6.String()},
	}
	for _, s := range strs {
		v := f.lib.scalars[s.name]
		if v == nil || v.Kind() != constant.String {
			r.bad("const", "library", []string{s.key}, "the root package has no string constant %s for %s", s.name, f.target)
			continue
		}
		got := constant.StringVal(v)
		fd := finding{keys: []string{s.key}, source: "library", what: "const", ok: got == s.want}
		if !fd.ok {
			fd.msg = fmt.Sprintf("the root package's %s for %s = %q, but internal/abi ForOS(%q) says %q", s.name, f.target, got, f.goos, s.want)
		}
		r.add(fd)
	}
	if v := f.lib.scalars["hostIDSigned"]; v != nil && v.Kind() == constant.Bool {
		fd := finding{keys: []string{"IDSigned"}, source: "library", what: "const", ok: constant.BoolVal(v) == o.IDSigned}
		if !fd.ok {
			fd.msg = fmt.Sprintf("the root package's hostIDSigned for %s = %v, but internal/abi ForOS(%q).IDSigned = %v", f.target, constant.BoolVal(v), f.goos, o.IDSigned)
		}
		r.add(fd)
	}
}

// checkSiginfo compares the siginfo_t layout with x/sys' Siginfo and
// internal/syscall/unix's SiginfoChild (Linux), the runtime's siginfo (every
// OS), and internal/raw's buffer.
func checkSiginfo(r *result, f *facts, o *abi.OS) {
	l, ok := o.Siginfo[f.goarch]
	pre := fmt.Sprintf("Siginfo[%s]/", f.goarch)
	if !ok {
		r.bad("offset", "library", []string{pre + "Size"}, "internal/abi ForOS(%q) has no siginfo_t layout for %s", f.goos, f.goarch)
		return
	}
	ad := func(field string) string {
		return fmt.Sprintf("internal/abi ForOS(%q).Siginfo[%q].%s", f.goos, f.goarch, field)
	}
	type src struct {
		s                        *srcFacts
		typ                      string
		signo, errno, code, pid  []string
		uid, status              []string
		sizeOK                   bool
		unionFirstArrayAfterCode bool
		unionNames               []string
	}
	srcs := []src{
		{s: f.xsys, typ: "Siginfo", signo: []string{"Signo"}, errno: []string{"Errno"}, code: []string{"Code"}, sizeOK: true, unionFirstArrayAfterCode: true},
		// Go's own waitid on Linux (os, through internal/syscall/unix)
		// reads the SIGCHLD member whole.
		{s: f.isu, typ: "SiginfoChild", signo: []string{"Signo"}, errno: []string{"Errno"}, code: []string{"Code"},
			pid: []string{"Pid"}, uid: []string{"Uid"}, status: []string{"Status"}, sizeOK: true},
		{s: f.rt, typ: "siginfo", signo: []string{"si_signo", "_signo"}, errno: []string{"si_errno", "_errno"}, code: []string{"si_code", "_code"},
			pid: []string{"si_pid"}, uid: []string{"si_uid"}, status: []string{"si_status"},
			sizeOK: runtimeSiginfoPartial[f.goos] == "", unionNames: []string{"si_addr", "_data", "_reason", "__data"}},
	}
	for _, s := range srcs {
		if s.s == nil {
			continue
		}
		st, ok := s.s.types[s.typ]
		if !ok {
			continue
		}
		cat := category(s.s.label)
		gd := func(field string) string { return fmt.Sprintf("%s.%s (%s) %s", s.s.label, s.typ, st.pos, field) }
		if s.sizeOK {
			r.cmp("size", cat, []string{pre + "Size"}, int64(l.Size), ad("Size"), st.size, gd("size"))
		}
		for _, fl := range []struct {
			names []string
			abi   string
			off   int
		}{{s.signo, "Signo", l.Signo}, {s.errno, "Errno", l.Errno}, {s.code, "Code", l.Code}, {s.uid, "UID", l.UID}, {s.status, "Status", l.Status}} {
			if fl.off < 0 || len(fl.names) == 0 {
				continue
			}
			if sf, ok := st.field(fl.names...); ok {
				r.cmp("offset", cat, []string{pre + fl.abi}, int64(fl.off), ad(fl.abi), sf.off, gd(sf.name+" offset"))
			}
		}
		// si_pid is the first member of the union that follows the three
		// ints (and a pad on LP64): where a source hides the union in a
		// byte array, its start is si_pid's offset.
		pid, pidDesc, ok := int64(0), "", false
		if sf, found := st.field(s.pid...); found && len(s.pid) > 0 {
			pid, pidDesc, ok = sf.off, gd(sf.name+" offset"), true
		} else if s.unionFirstArrayAfterCode {
			code, _ := st.field(s.code...)
			for _, sf := range st.fields {
				if sf.off > code.off && sf.isArray {
					pid, pidDesc, ok = sf.off, gd("union (the first array after Code) offset"), true
					break
				}
			}
		} else if sf, found := st.field(s.unionNames...); found {
			pid, pidDesc, ok = sf.off, gd(sf.name+" (the union's start) offset"), true
		}
		if ok {
			r.cmp("offset", cat, []string{pre + "Pid"}, int64(l.Pid), ad("Pid"), pid, pidDesc)
		}
	}
	if n, ok := f.raw.sizes["Siginfo"]; !ok {
		r.bad("size", f.raw.source, nil, "internal/raw has no Siginfo type for %s (renamed? update xcheck)", f.target)
	} else if n < int64(l.Size) {
		r.bad("size", f.raw.source, []string{pre + "Size"}, "%s = %d, but internal/raw's Siginfo holds only %d bytes", ad("Size"), l.Size, n)
	} else {
		r.add(finding{keys: []string{pre + "Size"}, source: f.raw.source, what: "size", ok: true})
	}
}

// rusageFields are struct rusage's members in order, as x/sys and syscall
// name them.
var rusageFields = []string{"Utime", "Stime", "Maxrss", "Ixrss", "Idrss", "Isrss", "Minflt", "Majflt", "Nswap", "Inblock", "Oublock", "Msgsnd", "Msgrcv", "Nsignals", "Nvcsw", "Nivcsw"}

// checkRusage compares struct rusage and struct timeval with x/sys' and
// syscall's Rusage and Timeval, and internal/raw's buffers.
func checkRusage(r *result, f *facts, o *abi.OS) {
	l, ok := o.Rusage[f.goarch]
	pre := fmt.Sprintf("Rusage[%s]/", f.goarch)
	if !ok {
		r.bad("offset", "library", []string{pre + "Size"}, "internal/abi ForOS(%q) has no struct rusage layout for %s", f.goos, f.goarch)
		return
	}
	ad := func(field string) string {
		return fmt.Sprintf("internal/abi ForOS(%q).Rusage[%q].%s", f.goos, f.goarch, field)
	}
	for _, s := range []*srcFacts{f.xsys, f.std} {
		ru, ok1 := s.types["Rusage"]
		tv, ok2 := s.types["Timeval"]
		if !ok1 || !ok2 {
			continue
		}
		cat := category(s.label)
		gd := func(typ, field string, pos string) string {
			return fmt.Sprintf("%s.%s (%s) %s", s.label, typ, pos, field)
		}
		r.cmp("size", cat, []string{pre + "Size"}, int64(l.Size), ad("Size"), ru.size, gd("Rusage", "size", ru.pos))
		r.cmp("size", cat, []string{pre + "TimevalSize"}, int64(l.TimevalSize), ad("TimevalSize"), tv.size, gd("Timeval", "size", tv.pos))
		if len(tv.fields) > 0 {
			r.cmp("size", cat, []string{pre + "SecSize"}, int64(l.SecSize), ad("SecSize"), tv.fields[0].size, gd("Timeval", tv.fields[0].name+" size", tv.pos))
		}
		if us, ok := tv.field("Usec"); ok {
			r.cmp("offset", cat, []string{pre + "UsecOffset"}, int64(l.UsecOffset), ad("UsecOffset"), us.off, gd("Timeval", "Usec offset", tv.pos))
			r.cmp("size", cat, []string{pre + "UsecSize"}, int64(l.UsecSize), ad("UsecSize"), us.size, gd("Timeval", "Usec size", tv.pos))
		}
		for i, name := range rusageFields {
			rf, ok := ru.field(name)
			if !ok {
				r.bad("offset", cat, nil, "%s.Rusage (%s) has no field %s", s.label, ru.pos, name)
				continue
			}
			switch i {
			case 0:
				r.cmp("offset", cat, nil, 0, "ru_utime's offset", rf.off, gd("Rusage", "Utime offset", ru.pos))
			case 1:
				r.cmp("offset", cat, []string{pre + "TimevalSize"}, int64(l.TimevalSize), ad("TimevalSize")+" (ru_stime's offset)", rf.off, gd("Rusage", "Stime offset", ru.pos))
			default:
				want := int64(2*l.TimevalSize + (i-2)*l.LongSize)
				r.cmp("offset", cat, []string{pre + "TimevalSize", pre + "LongSize"}, want, fmt.Sprintf("2*%s + %d*%s", ad("TimevalSize"), i-2, ad("LongSize")), rf.off, gd("Rusage", name+" offset", ru.pos))
				r.cmp("size", cat, []string{pre + "LongSize"}, int64(l.LongSize), ad("LongSize"), rf.size, gd("Rusage", name+" size", ru.pos))
			}
		}
	}
	for _, b := range []struct {
		name string
		want int64
	}{{"Rusage", int64(l.Size)}, {"WRusage", 2 * int64(l.Size)}} {
		if n, ok := f.raw.sizes[b.name]; !ok {
			r.bad("size", f.raw.source, nil, "internal/raw has no %s type for %s (renamed? update xcheck)", b.name, f.target)
		} else if n < b.want {
			r.bad("size", f.raw.source, []string{pre + "Size"}, "%s needs %d bytes, but internal/raw's %s holds only %d", b.name, b.want, b.name, n)
		} else {
			r.add(finding{keys: []string{pre + "Size"}, source: f.raw.source, what: "size", ok: true})
		}
	}
}

// checkKevent compares struct kevent as x/sys, syscall and the runtime
// declare it, and checks that udata is pointer-sized: the library stores a
// pointer there, or on NetBSD (intptr_t udata) a uintptr token.
func checkKevent(r *result, f *facts) {
	x, ok := f.xsys.types["Kevent_t"]
	if !ok {
		if _, kq := notesConsts[f.goos]["EVFILT_PROC"]; kq {
			r.bad("kevent", "x/sys", nil, "%s has no Kevent_t for %s", xsysPath, f.target)
		}
		return
	}
	if u, ok := x.field("Udata"); !ok {
		r.bad("kevent", "x/sys", nil, "%s.Kevent_t (%s) has no Udata for %s", xsysPath, x.pos, f.target)
	} else {
		r.cmp("kevent", "x/sys", nil, f.ptrSize, fmt.Sprintf("the pointer size of %s", f.target), u.size, fmt.Sprintf("%s.Kevent_t (%s) Udata size", xsysPath, x.pos))
	}
	for _, o := range []struct {
		s   *srcFacts
		typ string
	}{{f.std, "Kevent_t"}, {f.rt, "keventt"}} {
		k, ok := o.s.types[o.typ]
		if !ok {
			continue
		}
		// syscall's Kevent_t goes with syscall's own kevent system call,
		// which on FreeBSD is still the FreeBSD 11 compat entry (363, the
		// struct without ext[4]) where x/sys calls kevent 560.
		if o.s == f.std {
			xn, okx := f.xsys.consts["SYS_KEVENT"]
			sn, oks := f.std.consts["SYS_KEVENT"]
			if okx && oks && xn.v != sn.v {
				r.log("struct kevent: x/sys' Kevent_t not compared with syscall's: they go with different kevent system calls (x/sys %d, %s; syscall %d, %s)", xn.v, xn.pos, sn.v, sn.pos)
				continue
			}
		}
		cat := category(o.s.label)
		r.cmp("kevent", cat, nil, x.size, fmt.Sprintf("%s.Kevent_t (%s) size", xsysPath, x.pos), k.size, fmt.Sprintf("%s.%s (%s) size", o.s.label, o.typ, k.pos))
		for _, xf := range x.fields {
			kf, ok := k.field(xf.name, strings.ToLower(xf.name))
			if !ok || xf.name == "_" {
				continue
			}
			r.cmp("kevent", cat, nil, xf.off, fmt.Sprintf("%s.Kevent_t %s offset", xsysPath, xf.name), kf.off, fmt.Sprintf("%s.%s (%s) %s offset", o.s.label, o.typ, k.pos, kf.name))
			r.cmp("kevent", cat, nil, xf.size, fmt.Sprintf("%s.Kevent_t %s size", xsysPath, xf.name), kf.size, fmt.Sprintf("%s.%s (%s) %s size", o.s.label, o.typ, k.pos, kf.name))
		}
	}
}

func notesSyscall(goos, goarch, role string) (int64, bool) {
	if m, ok := notesSyscalls[goos+"/"+goarch]; ok {
		v, ok := m[role]
		return v, ok
	}
	v, ok := notesSyscalls[goos][role]
	return v, ok
}

// checkSyscalls compares the system call numbers the library passes (wait4,
// wait6 and waitid in internal/raw, procctl in the root package) with the
// notes and with x/sys and syscall, and the notes' numbers with x/sys and
// syscall whether or not the library uses them.
func checkSyscalls(r *result, f *facts) {
	src := notesSyscallSource[f.goos]
	used := map[string]bool{}
	for _, c := range f.libCalls() {
		role := c.role
		used[role] = true
		trap := path.Base(c.trapPkg) + "." + c.trapName
		if c.trapPkg == c.lib.label {
			trap = c.trapName // the package's own constant or table entry
		}
		ld := fmt.Sprintf("%s's %s (%s) passes %s", c.lib.name, c.fn, c.pos, trap)
		agreed := []string{fmt.Sprintf("%s = %d", ld, c.trap)}
		want, ok := notesSyscall(f.goos, f.goarch, role)
		if !ok {
			r.bad("syscall", "notes", nil, "%s = %d, a %s call the notes give no number for on %s", ld, c.trap, role, f.target)
		} else if r.cmp("syscall", "notes", nil, c.trap, ld, want, fmt.Sprintf("%s's %s number per %s", f.target, role, src)) {
			agreed = append(agreed, "the notes")
		}
		for _, s := range []*srcFacts{f.xsys, f.std} {
			if s.label == c.trapPkg {
				continue // the same constant
			}
			for _, name := range roleNames[role] {
				if v, ok := s.consts[name]; ok {
					if r.cmp("syscall", category(s.label), nil, c.trap, ld, v.v, fmt.Sprintf("%s (%s) %s", s.label, v.pos, name)) {
						agreed = append(agreed, fmt.Sprintf("%s.%s (%s)", path.Base(s.label), name, v.pos))
					}
				}
			}
		}
		r.info = append(r.info, strings.Join(agreed, ", as do "))
	}
	for _, role := range requiredCalls[f.goos] {
		if !used[role] {
			r.bad("syscall", "library", nil, "neither the root package nor internal/raw makes a raw %s system call for %s", role, f.target)
		}
		want, _ := notesSyscall(f.goos, f.goarch, role)
		for _, name := range roleNames[role] {
			for _, s := range []*srcFacts{f.xsys, f.std} {
				if v, ok := s.consts[name]; ok {
					r.cmp("syscall", category(s.label), nil, v.v, fmt.Sprintf("%s (%s) %s", s.label, v.pos, name), want, fmt.Sprintf("%s's %s number per %s", f.target, role, src))
				}
			}
		}
	}
}

// checkNotesConsts compares the kqueue and prctl constants the library takes
// from x/sys with the notes and the other Go sources, and every flag or
// idtype the library takes from x/sys or syscall with internal/abi.
func checkNotesConsts(r *result, f *facts) {
	for _, name := range sortedKeys(notesConsts[f.goos]) {
		want := notesConsts[f.goos][name]
		nd := fmt.Sprintf("%s's %s per shared/abi/%s.md", f.goos, name, f.goos)
		for _, s := range f.sources() {
			if v, ok := s.consts[name]; ok {
				r.cmp("const", category(s.label), nil, v.v, fmt.Sprintf("%s (%s) %s", s.label, v.pos, name), want, nd)
			}
		}
	}
	o, _ := abi.ForOS(f.goos)
	for _, l := range f.libs() {
		for _, key := range sortedKeys(l.uses) {
			u := l.uses[key]
			ud := fmt.Sprintf("%s (%s) uses %s.%s", l.name, u.pos, u.pkg, u.name)
			if want, ok := notesConsts[f.goos][u.name]; ok {
				r.cmp("const", "notes", nil, u.v, ud, want, fmt.Sprintf("%s's %s per shared/abi/%s.md", f.goos, u.name, f.goos))
			}
			if o == nil {
				continue
			}
			for _, g := range groups(o) {
				if c, ok := find(g.cs, u.name); ok {
					r.cmp("const", l.source, []string{g.kind + "/" + c.Name}, u.v&0xffffffff, ud, c.Value&0xffffffff, fmt.Sprintf("internal/abi ForOS(%q).%s %s", f.goos, g.kind, c.Name))
				}
			}
		}
	}
}

// splitShape describes how a call passes idtype and id: the argument after
// the trap is idtype; then come pad zero words, the id, and hi zero words
// (the id's high word, when it takes two).
type splitShape struct {
	pad, hi, id int // id is the index of the id's (low) word
	rest        []sysArg
}

func shapeOf(args []sysArg) (splitShape, bool) {
	var s splitShape
	i := 1
	for i < len(args) && args[i].isConst && args[i].val == 0 {
		s.pad++
		i++
	}
	if i >= len(args) {
		return s, false
	}
	s.id = i
	for i++; i < len(args) && args[i].isConst && args[i].val == 0; i++ {
		s.hi++
	}
	s.rest = args[i:]
	return s, true
}

func (s splitShape) String() string {
	w := []string{"idtype"}
	for range s.pad {
		w = append(w, "pad")
	}
	if s.hi == 0 {
		w = append(w, "id")
	} else {
		w = append(w, "id(low)")
		for range s.hi {
			w = append(w, "id(high)=0")
		}
	}
	return strings.Join(w, ", ")
}

func viaString(via string) string {
	if via == "" {
		return ""
	}
	return ", through" + via
}

func argList(args []sysArg) string {
	var s []string
	for _, a := range args {
		s = append(s, a.src)
	}
	return strings.Join(s, ", ")
}

// checkSplit compares how wait6 and procctl pass the 64-bit id_t with how
// Go's os package passes it to wait6 (os/wait6_<goos>*.go): one register on
// 64-bit systems, two words low first on 386, a pad slot and a register
// pair on arm. It also checks the number of words against internal/abi's
// IDSize, and procctl's idtype against P_PID.
func checkSplit(r *result, f *facts, o *abi.OS) {
	if _, ok := notesSyscall(f.goos, f.goarch, "wait6"); !ok {
		return
	}
	var ref *sysCall
	for i := range f.os.calls {
		if f.os.calls[i].role == "wait6" {
			ref = &f.os.calls[i]
		}
	}
	if ref == nil {
		r.bad("split", "os", nil, "Go's os package makes no wait6 call for %s: nothing to compare the id_t layout with", f.target)
		return
	}
	rs, ok := shapeOf(ref.args)
	if !ok {
		r.bad("split", "os", nil, "cannot read the id_t layout of Go's os wait6 call (%s)", ref.pos)
		return
	}
	refDesc := fmt.Sprintf("Go's os.%s (%s) passes %s (%s)", ref.fn, ref.pos, rs, argList(ref.args))
	words := int64(1 + rs.hi)
	wantWords := (int64(o.IDSize) + f.ptrSize - 1) / f.ptrSize
	r.cmp("split", "os", []string{"IDSize"}, wantWords, fmt.Sprintf("internal/abi ForOS(%q).IDSize = %d on %d-byte registers: words", f.goos, o.IDSize, f.ptrSize), words, refDesc+": words")
	pid, hasPID := find(o.IDTypes, "P_PID")
	found := map[string]bool{}
	for _, c := range f.libCalls() {
		role := c.role
		if role != "wait6" && role != "procctl" {
			continue
		}
		found[role] = true
		s, ok := shapeOf(c.args)
		ld := fmt.Sprintf("%s's %s (%s%s) passes %s (%s)", c.lib.name, c.fn, c.pos, viaString(c.via), s, argList(c.args))
		if !ok || s.pad != rs.pad || s.hi != rs.hi {
			r.bad("split", "os", nil, "%s: %s, but %s", f.target, ld, refDesc)
		} else {
			r.add(finding{source: "os", what: "split", ok: true})
			r.info = append(r.info, fmt.Sprintf("%s; as %s", ld, refDesc))
		}
		// idtype: a value of type IDType, or procctl's constant P_PID.
		switch a := c.args[0]; {
		case a.isConst && hasPID:
			r.cmp("split", c.lib.source, []string{"IDTypes/P_PID"}, a.val, fmt.Sprintf("%s's %s (%s) idtype %s", c.lib.name, c.fn, c.pos, a.src), pid.Value, fmt.Sprintf("internal/abi ForOS(%q).IDTypes P_PID", f.goos))
		case !a.idType:
			r.bad("split", c.lib.source, nil, "%s: the first argument %s is neither an IDType (internal/raw: the idtype parameter) nor a constant", ld, a.src)
		}
		if c.args[s.id].idType {
			r.bad("split", c.lib.source, nil, "%s: the id word %s is an IDType (internal/raw: the idtype parameter)", ld, c.args[s.id].src)
		}
		// After the id: wait6 takes status, options, wrusage and info,
		// procctl takes com and data; the rest of the slots must be 0.
		n := map[string]int{"wait6": 4, "procctl": 2}[role]
		if len(s.rest) < n {
			r.bad("split", c.lib.source, nil, "%s: %d arguments after the id, want %d", ld, len(s.rest), n)
			continue
		}
		for _, a := range s.rest[n:] {
			if !a.isConst || a.val != 0 {
				r.bad("split", c.lib.source, nil, "%s: %d arguments after the id, want %d and then zeros", ld, len(s.rest), n)
				break
			}
		}
	}
	for _, role := range []string{"wait6", "procctl"} {
		if _, ok := notesSyscall(f.goos, f.goarch, role); ok && !found[role] {
			r.bad("split", "library", nil, "neither the root package nor internal/raw makes a %s call for %s", role, f.target)
		}
	}
}

// checkIDHandoff checks that every call of an internal/raw function taking
// (idtype, id, ...), from the root package or within internal/raw, passes an
// idtype (an IDType value, the caller's own idtype, or a P_* constant) first
// and an id second: the system calls' own argument order is checked above
// (checkSplit, the trampolines), and this follows idtype and id from the root
// package's IDType down to them.
func checkIDHandoff(r *result, f *facts) {
	n := 0
	for _, l := range f.libs() {
		for _, c := range l.idCalls {
			n++
			cd := fmt.Sprintf("%s's %s (%s) calls internal/raw's %s(%s, %s, ...)", l.name, c.fn, c.pos, c.callee, c.idtype.src, c.id.src)
			switch {
			case !c.idtype.idType:
				r.bad("split", l.source, nil, "%s: %s: the idtype slot gets %s, neither an IDType, an idtype variable nor a P_* constant", f.target, cd, c.idtype.src)
			case c.id.idType:
				r.bad("split", l.source, nil, "%s: %s: the id slot gets %s, an idtype", f.target, cd, c.id.src)
			default:
				r.add(finding{source: l.source, what: "split", ok: true})
			}
		}
	}
	if n == 0 {
		r.bad("split", "library", nil, "%s: no call of internal/raw's Waitid or Wait6 found (renamed? update xcheck)", f.target)
	}
}

// checkTrampolines checks the libc systems' assembly trampolines against the
// Go declarations, //go:cgo_import_dynamic and //go:linkname lines, and
// x/sys' trampolines and imports for the same libc functions, in each of
// the library's packages (internal/raw holds them all now; the root package
// must then hold none that fails these checks). Between them the packages
// must import every function the notes list, and have assembly.
func checkTrampolines(r *result, f *facts) {
	want, ok := notesLibc[f.goos]
	if !ok {
		return
	}
	imported := map[string]string{}
	var asmFiles []string
	for _, lib := range f.libs() {
		checkTrampolinesIn(r, f, lib, want.lib)
		for _, d := range lib.dynImps {
			if d.lib == want.lib {
				imported[d.local] = d.pos
			}
		}
		for _, af := range lib.asm {
			asmFiles = append(asmFiles, af.path)
		}
	}
	for _, fn := range want.funcs {
		if _, found := imported["libc_"+fn]; !found {
			r.bad("asm", "library", nil, "%s: neither the root package nor internal/raw has a //go:cgo_import_dynamic of %s from %q", f.target, fn, want.lib)
		}
	}
	if len(asmFiles) == 0 {
		r.bad("asm", "library", nil, "%s: neither the root package nor internal/raw has assembly for this libc system (internal/raw's files: %s)", f.target, strings.Join(f.raw.files, " "))
	}
}

// checkTrampolinesIn checks the trampolines, imports and links of one of
// the library's packages; wantLib is the C library the notes name.
func checkTrampolinesIn(r *result, f *facts, lib *libFacts, wantLib string) {
	imps := map[string]dynImport{}
	for _, d := range lib.dynImps {
		imps[d.local] = d
	}
	xImps := map[string]dynImport{} // by remote name
	for _, d := range f.xsys.dynImps {
		xImps[d.remote] = d
	}
	used := map[string]bool{}
	fail := func(format string, args ...any) {
		r.bad("asm", lib.source, nil, "%s: %s: "+format, append([]any{f.target, lib.name}, args...)...)
	}
	pass := func(source, format string, args ...any) {
		r.add(finding{source: source, what: "asm", ok: true})
		r.info = append(r.info, fmt.Sprintf(format, args...))
	}

	// The imports: the notes' library, x/sys' library for the same
	// function (or for wait4, which x/sys imports on every libc system),
	// and the libc_<name> naming that ties an import to its trampoline.
	for _, d := range lib.dynImps {
		if d.lib != wantLib {
			fail("//go:cgo_import_dynamic %s %s %q (%s) imports from %q; the notes say %q", d.local, d.remote, d.lib, d.pos, d.lib, wantLib)
		} else {
			pass("notes", "//go:cgo_import_dynamic %s %s (%s) imports from %q, as the notes say", d.local, d.remote, d.pos, d.lib)
		}
		ref, found := xImps[d.remote]
		if !found {
			ref, found = xImps["wait4"]
		}
		if !found {
			fail("x/sys imports neither %s nor wait4 to compare %s (%s) with", d.remote, d.local, d.pos)
		} else if ref.lib != d.lib {
			fail("%s imports %s from %q (%s), but x/sys imports %s from %q (%s)", lib.name, d.remote, d.lib, d.pos, ref.remote, ref.lib, ref.pos)
		} else {
			pass("x/sys", "%s comes from %q as x/sys' %s does (%s)", d.remote, d.lib, ref.remote, ref.pos)
		}
		if d.local != "libc_"+d.remote {
			fail("//go:cgo_import_dynamic (%s) binds %s to %s; the trampolines and x/sys expect libc_%s", d.pos, d.local, d.remote, d.remote)
		}
	}

	xText := map[string]asmText{}
	xGlobl := map[string]asmGlobl{}
	for _, af := range f.xsys.asm {
		for _, t := range af.texts {
			xText[t.sym] = t
		}
		for _, g := range af.globls {
			xGlobl[g.sym] = g
		}
	}
	globls := map[string]asmGlobl{}
	datas := map[string]asmData{}
	var texts []asmText
	for _, af := range lib.asm {
		texts = append(texts, af.texts...)
		for _, g := range af.globls {
			globls[g.sym] = g
		}
		for _, d := range af.datas {
			datas[d.sym] = d
		}
	}
	for _, t := range texts {
		switch {
		case strings.HasSuffix(t.sym, "_trampoline<>"):
			name := strings.TrimSuffix(t.sym, "_trampoline<>")
			addr := "." + name + "_trampoline_addr"
			if len(t.targets) != 1 || t.targets[0] != name {
				fail("TEXT %s (%s) branches to %v; a trampoline must jump to %s alone", t.sym, t.pos, t.targets, name)
			}
			for _, target := range t.targets {
				used[target] = true
				if _, found := imps[target]; !found {
					fail("TEXT %s (%s) jumps to %s, which no //go:cgo_import_dynamic line imports", t.sym, t.pos, target)
				}
			}
			d, found := datas[addr]
			if !found || d.value != t.sym {
				fail("no DATA %s(SB) holding $%s(SB) beside TEXT %s (%s)", addr, t.sym, t.sym, t.pos)
			}
			g, found := globls[addr]
			if !found {
				fail("no GLOBL %s(SB) for TEXT %s (%s)", addr, t.sym, t.pos)
			} else {
				r.cmp("asm", lib.source, nil, g.size, fmt.Sprintf("GLOBL %s (%s) size", addr, g.pos), f.ptrSize, fmt.Sprintf("the pointer size of %s", f.target))
				if found && d.width != g.size {
					fail("DATA %s (%s) writes %d bytes into a %d-byte GLOBL", addr, d.pos, d.width, g.size)
				}
				if xg, found := xGlobl[".libc_wait4_trampoline_addr"]; found {
					r.cmp("asm", "x/sys", nil, g.size, fmt.Sprintf("GLOBL %s (%s) size", addr, g.pos), xg.size, fmt.Sprintf("x/sys' GLOBL %s (%s) size", xg.sym, xg.pos))
				}
			}
			v, found := lib.vars[addr[1:]]
			if !found {
				fail("TEXT %s (%s): %s declares no variable %s", t.sym, t.pos, lib.name, addr[1:])
			} else if v.size != f.ptrSize || v.typ != "uintptr" {
				fail("variable %s (%s) is a %s of %d bytes; DATA stores a %d-byte address", addr[1:], v.pos, v.typ, v.size, f.ptrSize)
			}
			// The same trampoline body as x/sys' for the same function
			// (or for wait4): JMP on most targets, CALL and RET on ppc64.
			xt, found := xText[t.sym]
			if !found {
				xt, found = xText["libc_wait4_trampoline<>"]
			}
			if !found {
				fail("x/sys has no %s trampoline to compare TEXT %s (%s) with", "libc_wait4", t.sym, t.pos)
			} else if strings.Join(xt.body, "; ") != strings.Join(t.body, "; ") {
				fail("TEXT %s (%s) is %q, but x/sys' TEXT %s (%s) is %q", t.sym, t.pos, strings.Join(t.body, "; "), xt.sym, xt.pos, strings.Join(xt.body, "; "))
			} else {
				pass("x/sys", "TEXT %s (%s) -> %s, GLOBL/DATA %s (%d bytes), var %s %s: the same body (%q) as x/sys' TEXT %s (%s)",
					t.sym, t.pos, strings.Join(t.targets, " "), addr, g.size, addr[1:], v.typ, strings.Join(t.body, "; "), xt.sym, xt.pos)
			}
		case strings.HasPrefix(t.sym, "."):
			// A Go function in assembly: a bodyless declaration with the
			// frame size its signature needs, jumping to a function of
			// syscall with the same signature.
			name := t.sym[1:]
			decl, found := lib.funcs[name]
			if !found || !decl.noBody {
				fail("TEXT %s (%s) has no bodyless Go declaration %s", t.sym, t.pos, name)
				continue
			}
			var frame int64
			if _, err := fmt.Sscanf(t.frame, "$0-%d", &frame); err != nil {
				fail("TEXT %s (%s) has frame %q, want $0-<args>", t.sym, t.pos, t.frame)
			} else {
				r.cmp("asm", lib.source, nil, frame, fmt.Sprintf("TEXT %s (%s) argument frame", t.sym, t.pos), decl.frame, fmt.Sprintf("the size of %s's arguments (%s) %s", name, decl.pos, decl.sig))
			}
			for _, target := range t.targets {
				pkg, fn, _ := strings.Cut(target, ".")
				if pkg != "syscall" {
					fail("TEXT %s (%s) jumps to %s, not to package syscall", t.sym, t.pos, target)
					continue
				}
				sf, found := f.std.funcs[fn]
				if !found {
					fail("TEXT %s (%s) jumps to syscall.%s, which syscall lacks for %s", t.sym, t.pos, fn, f.target)
				} else if sf.sig != decl.sig {
					fail("%s (%s) is %s, but syscall.%s (%s) is %s", name, decl.pos, decl.sig, fn, sf.pos, sf.sig)
				} else {
					pass("syscall", "TEXT %s %s (%s) jumps to syscall.%s (%s), declared alike: %s", t.sym, t.frame, t.pos, fn, sf.pos, sf.sig)
				}
			}
			if xt, found := xText[t.sym]; found {
				if xt.frame != t.frame || strings.Join(xt.body, "; ") != strings.Join(t.body, "; ") {
					fail("TEXT %s (%s) is %s %q, but x/sys' (%s) is %s %q", t.sym, t.pos, t.frame, t.body, xt.pos, xt.frame, xt.body)
				} else {
					pass("x/sys", "TEXT %s (%s) is x/sys' own (%s)", t.sym, t.pos, xt.pos)
				}
			}
		default:
			fail("TEXT %s (%s) is neither a libc trampoline nor a Go function", t.sym, t.pos)
		}
	}
	// //go:linkname: to a function of syscall (same signature, no body
	// here) or to an imported libc symbol (a pointer-sized variable).
	for _, l := range lib.links {
		if pkg, fn, isFunc := strings.Cut(l.target, "."); isFunc {
			decl, found := lib.funcs[l.local]
			sf, found2 := f.std.funcs[fn]
			switch {
			case pkg != "syscall":
				fail("//go:linkname %s %s (%s) links outside package syscall", l.local, l.target, l.pos)
			case !found || !decl.noBody:
				fail("//go:linkname %s %s (%s): no bodyless declaration of %s", l.local, l.target, l.pos, l.local)
			case !found2:
				fail("//go:linkname %s %s (%s): syscall has no %s for %s", l.local, l.target, l.pos, fn, f.target)
			case sf.sig != decl.sig:
				fail("%s (%s) is %s, but syscall.%s (%s) is %s", l.local, decl.pos, decl.sig, fn, sf.pos, sf.sig)
			default:
				pass("syscall", "//go:linkname %s %s (%s): the same signature as syscall.%s (%s), %s", l.local, l.target, l.pos, fn, sf.pos, sf.sig)
			}
			continue
		}
		used[l.target] = true
		if _, found := imps[l.target]; !found {
			fail("//go:linkname %s %s (%s) names a symbol no //go:cgo_import_dynamic line imports", l.local, l.target, l.pos)
		}
		if v, found := lib.vars[l.local]; !found || v.size != f.ptrSize {
			fail("//go:linkname %s %s (%s): %s must be a pointer-sized variable", l.local, l.target, l.pos, l.local)
		} else {
			pass(lib.source, "//go:linkname %s %s (%s): a %s, the imported symbol's slot", l.local, l.target, l.pos, v.typ)
		}
	}
	for _, d := range lib.dynImps {
		if !used[d.local] {
			fail("//go:cgo_import_dynamic %s (%s) is used by no trampoline or //go:linkname", d.local, d.pos)
		}
	}
}

// summary counts a result's findings per kind.
func (r *result) summary() string {
	type count struct{ ok, bad, stale int }
	counts := map[string]*count{}
	for _, f := range r.fs {
		c := counts[f.what]
		if c == nil {
			c = &count{}
			counts[f.what] = c
		}
		switch {
		case f.stale != nil:
			c.stale++
		case f.ok:
			c.ok++
		default:
			c.bad++
		}
	}
	var parts []string
	for _, what := range sortedKeys(counts) {
		c := counts[what]
		s := fmt.Sprintf("%s %d", what, c.ok+c.bad+c.stale)
		if c.bad > 0 {
			s += fmt.Sprintf(" (%d bad)", c.bad)
		}
		if c.stale > 0 {
			s += fmt.Sprintf(" (%d stale)", c.stale)
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
