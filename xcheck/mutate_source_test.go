package xcheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/procwait/wait/internal/abi"
)

// These tests change one value in a source file, in memory (go/packages
// Overlay, or `go test -overlay`), and check that the comparison fails and
// names it. Every place is found in the type-checked syntax, never by file
// name.

// edit is a replacement of the bytes [start, end) of a file.
type edit struct {
	start, end token.Pos
	text       string
}

// overlay applies edits (all in files of fset) to the files on disk.
func overlay(t *testing.T, fset *token.FileSet, edits ...edit) map[string][]byte {
	t.Helper()
	byFile := map[string][]edit{}
	for _, e := range edits {
		name := fset.Position(e.start).Filename
		byFile[name] = append(byFile[name], e)
	}
	out := map[string][]byte{}
	for name, es := range byFile {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(es, func(i, j int) bool { return es[i].start > es[j].start })
		for _, e := range es {
			s, en := fset.Position(e.start).Offset, fset.Position(e.end).Offset
			b = append(append(append([]byte(nil), b[:s]...), e.text...), b[en:]...)
		}
		out[name] = b
	}
	return out
}

// loadSyntax type-checks pattern for tg (host when tg is zero) in the
// library module.
func loadSyntax(t *testing.T, tg target, pattern string) *packages.Package {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if tg.goos != "" {
		env = append(env, "GOOS="+tg.goos, "GOARCH="+tg.goarch)
	}
	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps |
			packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir: root,
		Env: env,
	}, pattern)
	if err != nil || len(pkgs) != 1 || pkgs[0].Types == nil {
		t.Fatalf("loading %s for %v: %v %v", pattern, tg, err, pkgs)
	}
	return pkgs[0]
}

// findCall returns the Syscall* call of p whose trap is the constant named
// trapName.
func findCall(t *testing.T, p *packages.Package, trapName string) *ast.CallExpr {
	t.Helper()
	var found *ast.CallExpr
	for _, file := range p.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || found != nil {
				return found == nil
			}
			if fn := calleeFunc(p.TypesInfo, call.Fun); fn != nil && trapFunc.MatchString(fn.Name()) {
				if c := constObj(p.TypesInfo, call.Args[0]); c != nil && c.Name() == trapName {
					found = call
				}
			}
			return true
		})
	}
	if found == nil {
		t.Fatalf("%s: no Syscall call with %s", p.PkgPath, trapName)
	}
	return found
}

// want is a mismatch a source mutation must cause.
type want struct {
	desc string
	pred func(finding) bool
}

// names says whether a finding's message cites file (a path as shortPath
// gives it, such as "internal/raw/wait6_netbsd.go") at some line.
func names(m finding, file string) bool { return strings.Contains(m.msg, file+":") }

// expectMismatch checks tg with the overlay and wants, for each of wants, a
// mismatch that its pred accepts; it logs the messages.
func expectMismatch(t *testing.T, tg target, ov map[string][]byte, wants ...want) {
	t.Helper()
	f, err := load(tg, ov)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := abi.ForOS(tg.goos)
	ms := check(f, o).mismatches()
	for _, w := range wants {
		var hit bool
		for _, m := range ms {
			if w.pred(m) {
				hit = true
				t.Logf("caught (%s): [%s] %s", w.desc, m.source, m.msg)
			}
		}
		if !hit {
			t.Errorf("%s: the change went unnoticed by %s", tg, w.desc)
		}
	}
}

// constEdit returns the edit that adds one to the value of p's constant
// name where it is declared.
func constEdit(t *testing.T, p *packages.Package, name string) edit {
	t.Helper()
	obj, ok := p.Types.Scope().Lookup(name).(*types.Const)
	if !ok {
		t.Fatalf("%s: no constant %s", p.PkgPath, name)
	}
	v, _ := intVal(obj.Val())
	var e *edit
	for _, file := range p.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok {
				for i, id := range vs.Names {
					if p.TypesInfo.Defs[id] == obj && i < len(vs.Values) {
						e = &edit{vs.Values[i].Pos(), vs.Values[i].End(), hex(v + 1)}
					}
				}
			}
			return e == nil
		})
	}
	if e == nil {
		t.Fatalf("%s: no declaration of %s with a value", p.PkgPath, name)
	}
	return *e
}

// trapEdit returns the edit that replaces the trap of p's Syscall* call
// with trapName by the number n.
func trapEdit(t *testing.T, p *packages.Package, trapName string, n int) edit {
	t.Helper()
	call := findCall(t, p, trapName)
	return edit{call.Args[0].Pos(), call.Args[0].End(), fmt.Sprint(n)}
}

// expectRawConstMismatch adds one to the constant of internal/raw's
// generated file for tg that is key in internal/abi (such as
// "Flags/WEXITED"), and expects internal/abi and the Go source other each to
// disagree, citing that file; other's finding must also satisfy also, when
// given.
func expectRawConstMismatch(t *testing.T, tg target, key, other string, also func(finding) bool) {
	t.Helper()
	_, name, _ := strings.Cut(key, "/")
	zabi := "internal/raw/zabi_" + tg.goos + ".go"
	p := loadSyntax(t, tg, rawPath)
	expectMismatch(t, tg, overlay(t, p.Fset, constEdit(t, p, name)),
		want{"internal/abi vs internal/raw", func(m finding) bool {
			return m.source == "internal/raw" && contains(m.keys, key) && names(m, zabi)
		}},
		want{other + " vs internal/raw", func(m finding) bool {
			return m.source == other && names(m, zabi) && (also == nil || also(m))
		}})
}

// TestMutateSource changes the library's source for one target at a time
// and checks that the comparison fails, citing the changed file.
func TestMutateSource(t *testing.T) {
	t.Run("generated constant", func(t *testing.T) {
		// The root package's WCONTINUED for NetBSD (its zabi file), plus one.
		tg := target{"netbsd", "amd64", true}
		p := loadSyntax(t, tg, libPath)
		expectMismatch(t, tg, overlay(t, p.Fset, constEdit(t, p, "WCONTINUED")), want{"internal/abi vs the root package", func(m finding) bool {
			return m.source == "library" && contains(m.keys, "Flags/WCONTINUED") && strings.Contains(m.msg, "(zabi_netbsd.go:")
		}})
	})
	t.Run("internal/raw generated constant", func(t *testing.T) {
		// internal/raw's WEXITED for Linux, plus one: internal/abi and
		// x/sys (and syscall) both disagree.
		expectRawConstMismatch(t, target{"linux", "arm64", true}, "Flags/WEXITED", "x/sys", func(m finding) bool {
			return strings.Contains(m.msg, " WEXITED = ")
		})
	})
	t.Run("internal/raw generated idtype", func(t *testing.T) {
		// internal/raw's P_PID for FreeBSD, plus one: internal/abi and os
		// (_P_PID) disagree.
		expectRawConstMismatch(t, target{"freebsd", "amd64", true}, "IDTypes/P_PID", "os", nil)
	})
	t.Run("wait6 id split", func(t *testing.T) {
		// FreeBSD/arm's wait6 without the pad slot before the id's
		// register pair: (idtype, id, 0, status, ...) instead of
		// (idtype, 0, id, 0, status, ...).
		tg := target{"freebsd", "arm", true}
		p := loadSyntax(t, tg, rawPath)
		call := findCall(t, p, "SYS_WAIT6")
		if tv := p.TypesInfo.Types[call.Args[2]]; tv.Value == nil || constant.Sign(tv.Value) != 0 {
			t.Fatalf("the wait6 call's second argument is %s, not the pad 0", types.ExprString(call.Args[2]))
		}
		ov := overlay(t, p.Fset,
			edit{call.Args[2].Pos(), call.Args[3].Pos(), ""},
			edit{call.Rparen, call.Rparen, ", 0"})
		expectMismatch(t, tg, ov, want{"Go's os wait6", func(m finding) bool {
			return m.what == "split" && m.source == "os" && names(m, "internal/raw/wait6_freebsd_arm.go")
		}})
	})
	for _, c := range []struct {
		name    string
		tg      target
		trap    string
		n       int
		file    string
		sources []string
	}{
		// FreeBSD/amd64's wait6 trap 533 instead of unix.SYS_WAIT6 (532).
		{"freebsd wait6 number", target{"freebsd", "amd64", true}, "SYS_WAIT6", 533, "internal/raw/wait6_lp64.go", []string{"notes", "x/sys", "syscall"}},
		// FreeBSD/386's: two words for the id, its own file.
		{"freebsd/386 wait6 number", target{"freebsd", "386", true}, "SYS_WAIT6", 533, "internal/raw/wait6_freebsd_386.go", []string{"notes", "x/sys", "syscall"}},
		// NetBSD's wait6 482 instead of syscall.SYS_WAIT6 (481); x/sys
		// has no SYS_WAIT6 for NetBSD.
		{"netbsd wait6 number", target{"netbsd", "arm64", true}, "SYS_WAIT6", 482, "internal/raw/wait6_netbsd.go", []string{"notes", "syscall"}},
		// Linux's waitid 248 instead of unix.SYS_WAITID (247).
		{"linux waitid number", target{"linux", "amd64", true}, "SYS_WAITID", 248, "internal/raw/raw_linux.go", []string{"notes", "x/sys", "syscall"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := loadSyntax(t, c.tg, rawPath)
			var ws []want
			for _, src := range c.sources {
				ws = append(ws, want{src, func(m finding) bool {
					return m.what == "syscall" && m.source == src && names(m, c.file)
				}})
			}
			expectMismatch(t, c.tg, overlay(t, p.Fset, trapEdit(t, p, c.trap, c.n)), ws...)
		})
	}
	for _, c := range []struct {
		name, pkg, callee string
		tg                target
		file              string
	}{
		// The root package's raw.Wait6(int(idtype), id, ...) with idtype
		// and id swapped (both are ints there).
		{"idtype handoff root", libPath, "Wait6", target{"linux", "amd64", true}, "wait.go"},
		// internal/raw's waitid over wait6: sysWait6(id, idtype, ...).
		{"idtype handoff internal/raw", rawPath, "sysWait6", target{"netbsd", "amd64", true}, "internal/raw/raw_wait6.go"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := loadSyntax(t, c.tg, c.pkg)
			var call *ast.CallExpr
			for _, file := range p.Syntax {
				ast.Inspect(file, func(n ast.Node) bool {
					if x, ok := n.(*ast.CallExpr); ok && call == nil && len(x.Args) >= 2 {
						if fn := calleeFunc(p.TypesInfo, x.Fun); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == rawPath && fn.Name() == c.callee {
							call = x
						}
					}
					return call == nil
				})
			}
			if call == nil {
				t.Fatalf("%s calls no internal/raw %s", c.pkg, c.callee)
			}
			a0, a1 := types.ExprString(call.Args[0]), types.ExprString(call.Args[1])
			ov := overlay(t, p.Fset, edit{call.Args[0].Pos(), call.Args[0].End(), a1}, edit{call.Args[1].Pos(), call.Args[1].End(), a0})
			expectMismatch(t, c.tg, ov, want{"the idtype handoff", func(m finding) bool {
				return m.what == "split" && strings.Contains(m.msg, "("+c.file+":")
			}})
		})
	}
	t.Run("trampoline", func(t *testing.T) {
		// OpenBSD/arm64's wait4 trampoline jumping to waitid.
		tg := target{"openbsd", "arm64", true}
		p := loadSyntax(t, tg, rawPath)
		var name string
		var b []byte
		for _, f := range p.OtherFiles {
			data, err := os.ReadFile(f)
			if err == nil && strings.HasSuffix(f, ".s") && strings.Contains(string(data), "libc_wait4(SB)") {
				name, b = f, data
			}
		}
		if name == "" {
			t.Fatal("no assembly file of internal/raw jumps to libc_wait4")
		}
		ov := map[string][]byte{name: []byte(strings.Replace(string(b), "libc_wait4(SB)", "libc_waitid(SB)", 1))}
		expectMismatch(t, tg, ov, want{"the trampoline checks", func(m finding) bool {
			return m.what == "asm" && m.source == "internal/raw" && names(m, "internal/raw/libc_openbsd_arm64.s")
		}})
	})
	t.Run("libc import", func(t *testing.T) {
		// macOS's waitid imported from libc.so instead of libSystem.
		tg := target{"darwin", "amd64", true}
		p := loadSyntax(t, tg, rawPath)
		var e *edit
		for _, file := range p.Syntax {
			for _, cg := range file.Comments {
				for _, c := range cg.List {
					if e == nil && strings.HasPrefix(c.Text, "//go:cgo_import_dynamic libc_waitid ") {
						e = &edit{c.Pos(), c.End(), `//go:cgo_import_dynamic libc_waitid waitid "libc.so"`}
					}
				}
			}
		}
		if e == nil {
			t.Fatal("internal/raw imports no libc_waitid for darwin")
		}
		expectMismatch(t, tg, overlay(t, p.Fset, *e),
			want{"the notes", func(m finding) bool {
				return m.what == "asm" && strings.Contains(m.msg, "the notes say") && names(m, "internal/raw/raw_darwin.go")
			}},
			want{"x/sys", func(m finding) bool {
				return m.what == "asm" && strings.Contains(m.msg, "x/sys imports") && names(m, "internal/raw/raw_darwin.go")
			}})
	})
}

// abiEdits finds, in internal/abi's syntax, Linux's WNOWAIT value and the
// si_code offset of the layout Linux's Siginfo map gives "mips", and returns
// edits adding one to each.
func abiEdits(t *testing.T, p *packages.Package) []edit {
	t.Helper()
	ev := &evaluator{info: p.TypesInfo, fset: p.Fset, inits: map[*types.Var]ast.Expr{}}
	var linux *ast.CompositeLit
	eachVarInit(p, func(n *ast.Ident, init ast.Expr) {
		if v, ok := p.TypesInfo.Defs[n].(*types.Var); ok {
			ev.inits[v] = init
		}
	})
	for _, init := range ev.inits {
		if lit, ok := ev.element(init, 0).(*ast.CompositeLit); ok && fieldString(p, lit, "Name") == "linux" {
			linux = lit
		}
	}
	if linux == nil {
		t.Fatal("internal/abi: no OS literal with Name \"linux\"")
	}
	var edits []edit
	bump := func(e ast.Expr) {
		v, ok := intVal(p.TypesInfo.Types[e].Value)
		if !ok {
			t.Fatalf("internal/abi: %s is not a constant", types.ExprString(e))
		}
		edits = append(edits, edit{e.Pos(), e.End(), hex(v + 1)})
	}
	flags, ok := fieldValue(linux, "Flags").(*ast.CompositeLit)
	if !ok {
		t.Fatal("internal/abi: Linux's Flags is not a composite literal")
	}
	for _, elt := range flags.Elts {
		if c, ok := elt.(*ast.CompositeLit); ok && len(c.Elts) >= 2 {
			if s := p.TypesInfo.Types[c.Elts[0]].Value; s != nil && constant.StringVal(s) == "WNOWAIT" {
				bump(c.Elts[1])
			}
		}
	}
	if si, ok := ev.element(fieldValue(linux, "Siginfo"), 0).(*ast.CompositeLit); ok {
		for _, elt := range si.Elts {
			kv, ok := elt.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if k := p.TypesInfo.Types[kv.Key].Value; k != nil && constant.StringVal(k) == "mips" {
				if l, ok := ev.element(kv.Value, 0).(*ast.CompositeLit); ok {
					bump(fieldValue(l, "Code"))
				}
			}
		}
	}
	if len(edits) != 2 {
		t.Fatalf("internal/abi: found %d of the 2 values to change", len(edits))
	}
	return edits
}

func fieldValue(lit *ast.CompositeLit, name string) ast.Expr {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == name {
				return kv.Value
			}
		}
	}
	return nil
}

func fieldString(p *packages.Package, lit *ast.CompositeLit, name string) string {
	if v := fieldValue(lit, name); v != nil {
		if c := p.TypesInfo.Types[v].Value; c != nil && c.Kind() == constant.String {
			return constant.StringVal(c)
		}
	}
	return ""
}

// TestMutateABISource changes internal/abi's own source, Linux's WNOWAIT
// and the mips siginfo_t si_code offset, each by one, and runs TestXCheck
// for linux/mips in a test binary built with that source (go test
// -overlay): it must fail, naming both values and the Go sources that
// disagree.
func TestMutateABISource(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second test binary")
	}
	if os.Getenv("XCHECK_TARGETS") != "" {
		t.Skip("runs inside a mutation run")
	}
	p := loadSyntax(t, target{}, libPath+"/internal/abi")
	edits := abiEdits(t, p)
	dir := t.TempDir()
	replace := map[string]string{}
	for name, b := range overlay(t, p.Fset, edits...) {
		tmp := filepath.Join(dir, filepath.Base(name))
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		replace[name] = tmp
		t.Logf("changed %s:\n%s", shortPath(name), diffLines(name, b))
	}
	js, _ := json.Marshal(map[string]any{"Replace": replace})
	ovFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovFile, js, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, err := goCommand("test", "-count=1", "-overlay="+ovFile, "-run=^TestXCheck$", ".")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "XCHECK_TARGETS=linux/mips")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("TestXCheck passed with internal/abi changed:\n%s", out)
	}
	for _, want := range []string{`ForOS("linux").Flags WNOWAIT`, `ForOS("linux").Siginfo["mips"].Code`, xsysPath} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the failing run does not mention %q:\n%s", want, out)
		}
	}
	var caught []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "linux/mips: ") && strings.Contains(line, "but") {
			caught = append(caught, strings.TrimSpace(line))
		}
	}
	t.Logf("TestXCheck failed as it must, %d mismatches:\n%s", len(caught), strings.Join(caught, "\n"))
}

// diffLines shows the lines of name that b changes.
func diffLines(name string, b []byte) string {
	old, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	ol, nl := strings.Split(string(old), "\n"), strings.Split(string(b), "\n")
	var s []string
	for i := range min(len(ol), len(nl)) {
		if ol[i] != nl[i] {
			s = append(s, fmt.Sprintf("  line %d: %s\n       -> %s", i+1, strings.TrimSpace(ol[i]), strings.TrimSpace(nl[i])))
		}
	}
	return strings.Join(s, "\n")
}
