package xcheck

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/procwait/wait/internal/abi"
	"github.com/procwait/wait/internal/testenv"
)

// The packages type-checked for every target: the library's root package,
// its internal/raw (the wait calls themselves), and x/sys/unix.
const (
	libPath  = "github.com/procwait/wait"
	rawPath  = libPath + "/internal/raw"
	xsysPath = "golang.org/x/sys/unix"
)

// unixOSes are the GOOS values the library has a wait family for.
var unixOSes = []string{"linux", "freebsd", "netbsd", "openbsd", "dragonfly", "darwin", "illumos", "solaris"}

// target is one GOOS/GOARCH pair. dist says whether `go tool dist list`
// has it; the others are architectures internal/abi has a table for that
// this Go release does not port to (they may be skipped, see mayBeSkipped).
type target struct {
	goos, goarch string
	dist         bool
}

func (t target) String() string { return t.goos + "/" + t.goarch }

// mayBeSkipped are the only targets that may be skipped, when go/packages
// cannot type-check golang.org/x/sys/unix for them. Every other target that
// fails to load fails the test.
var mayBeSkipped = map[string]string{
	"openbsd/mips64":  "internal/abi has a table for it, but Go 1.26 has no openbsd/mips64 port (not in `go tool dist list`)",
	"freebsd/riscv64": "internal/abi has a table for it, but Go 1.26 has no freebsd/riscv64 port (not in `go tool dist list`)",
}

// cval is an integer constant and where it is declared.
type cval struct {
	v   int64
	pos string
}

// field is one struct field, embedded structs flattened.
type field struct {
	name      string
	off, size int64
	isArray   bool
	isPointer bool
}

// layout is a struct type's size and fields under the target's gc sizes.
type layout struct {
	size   int64
	fields []field
	pos    string
}

func (l layout) field(names ...string) (field, bool) {
	for _, n := range names {
		for _, f := range l.fields {
			if f.name == n {
				return f, true
			}
		}
	}
	return field{}, false
}

// srcFacts are the facts read from one Go package compiled for a target.
type srcFacts struct {
	label   string            // import path, as named in messages
	consts  map[string]cval   // wait-related integer constants; a leading "_" is dropped
	types   map[string]layout // the struct types looked up by name
	funcs   map[string]funcSig
	asm     []asmFile
	dynImps []dynImport
	links   []linkname
	calls   []sysCall // Syscall* calls whose trap is a wait-family number
	errs    []string  // type errors
}

// funcSig is a function's signature, without parameter names, and its
// ABI0 argument frame size (what a TEXT directive's $0-N states).
type funcSig struct {
	sig    string
	frame  int64
	pos    string
	noBody bool
}

// dynImport is a //go:cgo_import_dynamic line.
type dynImport struct{ local, remote, lib, pos string }

// linkname is a //go:linkname line.
type linkname struct{ local, target, pos string }

// sysArg is one argument of a Syscall* call after the trap number.
type sysArg struct {
	src     string // the expression as written
	isConst bool
	val     int64
	// idType: mentions a value of the root package's IDType or, in
	// internal/raw (whose idtype and id are both ints), a variable
	// named idtype.
	idType bool
}

// sysCall is a call of syscall/x/sys's Syscall, Syscall6, Syscall9 or their
// Raw forms with a constant trap number of the wait family or procctl.
type sysCall struct {
	fn       string // the enclosing function
	role     string // "wait4", "wait6", "waitid" or "procctl"
	via      string // the helpers the arguments were followed through
	variant  string // "unix.Syscall6", ...
	trapName string // "SYS_WAIT6", or how a table gave the number
	trapPkg  string
	trap     int64
	args     []sysArg
	pos      string
}

// libFacts are the facts read from one of the library's packages for a
// target: the root package or internal/raw.
type libFacts struct {
	srcFacts
	name    string                     // how messages name the package: "the root package", "internal/raw"
	source  string                     // the finding source of its comparisons: "library", "internal/raw"
	typed   map[string]map[string]cval // "Flags"/"IDTypes"/"Codes" -> typed constants of Options/IDType/Code
	untyped map[string]cval            // untyped W*, P_* and CLD_* constants (internal/raw's zabi_<goos>.go)
	tables  map[string][]namedVal      // "Flags" -> hostFlags entries, ...
	scalars map[string]constant.Value  // hostWait4Mask, hostIDSize, hostOS, ...
	uses    map[string]foreignUse      // "golang.org/x/sys/unix.EVFILT_PROC" -> use
	vars    map[string]varInfo         // package-level variables
	sizes   map[string]int64           // every package-level type's size: internal/raw's Siginfo, Rusage, WRusage
	files   []string                   // the Go files of the package for the target
	idCalls []idCall                   // calls of internal/raw functions that take (idtype, id, ...)
}

// idCall is a call of an internal/raw function whose first two parameters
// are idtype and id (Waitid, Wait6, sysWait6, ...): what the caller passes
// in those two slots.
type idCall struct {
	fn, callee string
	idtype, id idArg
	pos        string
}

type idArg struct {
	src    string
	idType bool // mentions an IDType value, a variable named idtype or idt, or a P_* constant
}

type namedVal struct {
	name string
	v    int64
	pos  string
}

type foreignUse struct {
	pkg, name string
	v         int64
	pos       string
}

type varInfo struct {
	typ  string
	size int64
	pos  string
}

// facts is everything read for one target.
type facts struct {
	target
	ptrSize int64
	skipped string // why the target could not be checked
	xsys    *srcFacts
	std     *srcFacts // syscall
	os      *srcFacts
	isu     *srcFacts // internal/syscall/unix
	rt      *srcFacts // runtime
	lib     *libFacts // the root package
	raw     *libFacts // internal/raw
	notes   []string  // things worth logging (type errors in non-dist targets, ...)
}

// libs are the library's packages, root first.
func (f *facts) libs() []*libFacts { return []*libFacts{f.lib, f.raw} }

// libCalls are the Syscall* calls of both of the library's packages, each
// with the package that makes it.
func (f *facts) libCalls() []libCall {
	var cs []libCall
	for _, l := range f.libs() {
		for _, c := range l.calls {
			cs = append(cs, libCall{c, l})
		}
	}
	return cs
}

type libCall struct {
	sysCall
	lib *libFacts
}

// sources are the Go-side sources, in the order messages name them.
func (f *facts) sources() []*srcFacts {
	var s []*srcFacts
	for _, p := range []*srcFacts{f.xsys, f.std, f.os, f.isu, f.rt} {
		if p != nil {
			s = append(s, p)
		}
	}
	return s
}

// waitConst selects the constants worth keeping from a package's scope.
var waitConst = regexp.MustCompile(`^(W[A-Z0-9]+|P_[A-Z]+|CLD_[A-Z]+|EVFILT_[A-Z]+|NOTE_[A-Z_]+|PR_[A-Z_]*CHILD_SUBREAPER|SYS_[A-Z0-9_]+|PROC_[A-Z_]+|REAPER_[A-Z_]+)$`)

// The struct types read from each Go source.
var wantTypes = []string{"Rusage", "Timeval", "Siginfo", "Kevent_t", "siginfo", "keventt", "SiginfoChild"}

var trapFunc = regexp.MustCompile(`^(Raw)?Syscall(6|9)?$`)

// eachVarInit calls fn for every package-level variable of p's syntax that
// has an initial value, with its name and that value.
func eachVarInit(p *packages.Package, fn func(n *ast.Ident, init ast.Expr)) {
	for _, file := range p.Syntax {
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						fn(n, vs.Values[i])
					}
				}
			}
		}
	}
}

// goCommand is exec.Command for the go tool (see testenv.GoTool).
func goCommand(args ...string) (*exec.Cmd, error) {
	gotool, err := testenv.GoTool()
	if err != nil {
		return nil, err
	}
	return exec.Command(gotool, args...), nil
}

// goOutput runs the go tool with args and returns its standard output.
func goOutput(args ...string) ([]byte, error) {
	cmd, err := goCommand(args...)
	if err != nil {
		return nil, err
	}
	return cmd.Output()
}

// repoRoot is the library module's directory, found through the replace
// directive of this module's go.mod.
var repoRoot = sync.OnceValues(func() (string, error) {
	out, err := goOutput("list", "-m", "-f", "{{.Dir}}", libPath)
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %v", libPath, err)
	}
	return strings.TrimSpace(string(out)), nil
})

var goroot = sync.OnceValue(func() string {
	out, err := goOutput("env", "GOROOT")
	if err != nil {
		return "" // file names are then cited in full
	}
	return strings.TrimSpace(string(out))
})

// shortPath names a file the way messages cite it: relative to the library
// root, to GOROOT ("GOROOT/src/..."), or to the module cache.
func shortPath(p string) string {
	if root, err := repoRoot(); err == nil {
		if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	if r, err := filepath.Rel(goroot(), p); goroot() != "" && err == nil && !strings.HasPrefix(r, "..") {
		return "GOROOT/" + r
	}
	if i := strings.Index(p, "/pkg/mod/"); i >= 0 {
		return p[i+len("/pkg/mod/"):]
	}
	return p
}

func posString(fset *token.FileSet, p token.Pos) string {
	if !p.IsValid() {
		return "?"
	}
	ps := fset.Position(p)
	return fmt.Sprintf("%s:%d", shortPath(ps.Filename), ps.Line)
}

// targets lists every target to check: the Unix targets of `go tool dist
// list` for the OSes above, and the architectures internal/abi has tables
// for that dist list lacks. XCHECK_TARGETS narrows the list.
func targets(t *testing.T) []target {
	t.Helper()
	out, err := goOutput("tool", "dist", "list")
	if err != nil {
		t.Fatalf("go tool dist list: %v", err)
	}
	seen := map[string]bool{}
	var ts []target
	for _, line := range strings.Fields(string(out)) {
		goos, goarch, ok := strings.Cut(line, "/")
		if ok && contains(unixOSes, goos) {
			ts = append(ts, target{goos, goarch, true})
			seen[line] = true
		}
	}
	for _, goos := range unixOSes {
		o, ok := abi.ForOS(goos)
		if !ok || o.Name != goos {
			continue // solaris shares illumos's table, whose arches dist list covers
		}
		for _, arch := range sortedKeys(o.Siginfo) {
			if !seen[goos+"/"+arch] {
				ts = append(ts, target{goos, arch, false})
				seen[goos+"/"+arch] = true
			}
		}
	}
	if only := os.Getenv("XCHECK_TARGETS"); only != "" {
		var keep []target
		for _, tg := range ts {
			if contains(strings.Fields(only), tg.String()) {
				keep = append(keep, tg)
			}
		}
		ts = keep
	}
	return ts
}

// loadAll loads every target, two at a time (go/packages type-checks a
// target's packages in parallel itself; the machine has two cores).
func loadAll(t *testing.T) []*facts {
	t.Helper()
	ts := targets(t)
	fs := make([]*facts, len(ts))
	errs := make([]error, len(ts))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, tg := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fs[i], errs[i] = load(tg, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", ts[i], err)
		}
	}
	return fs
}

var loaded struct {
	once  sync.Once
	facts []*facts
	ok    bool
}

// allFacts loads every target once per test binary.
func allFacts(t *testing.T) []*facts {
	t.Helper()
	loaded.once.Do(func() {
		loaded.facts = loadAll(t)
		loaded.ok = true
	})
	if !loaded.ok {
		t.Fatal("loading the targets failed (see the first test that loaded them)")
	}
	return loaded.facts
}

// load type-checks the library (its root package and internal/raw),
// x/sys/unix, syscall, os and runtime for tg
// (overlay replaces file contents, as packages.Config.Overlay does, and is
// honoured for the .s files too) and reads the facts.
func load(tg target, overlay map[string][]byte) (*facts, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "GOOS="+tg.goos, "GOARCH="+tg.goarch, "CGO_ENABLED=0", "GOWORK=off")
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps |
			packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:     root,
		Env:     env,
		Overlay: overlay,
	}
	pkgs, err := packages.Load(cfg, libPath, rawPath, xsysPath, "syscall", "os", "runtime")
	if err != nil {
		return nil, fmt.Errorf("packages.Load: %v", err)
	}
	byPath := map[string]*packages.Package{}
	packages.Visit(pkgs, nil, func(p *packages.Package) { byPath[p.PkgPath] = p })

	sizes := types.SizesFor("gc", tg.goarch)
	if sizes == nil {
		return nil, fmt.Errorf("types.SizesFor(gc, %s) knows no such architecture", tg.goarch)
	}
	f := &facts{target: tg, ptrSize: sizes.Sizeof(types.Typ[types.Uintptr])}
	read := func(path string) ([]byte, error) {
		if b, ok := overlay[path]; ok {
			return b, nil
		}
		return os.ReadFile(path)
	}

	xp := byPath[xsysPath]
	if xp == nil || len(xp.Errors) > 0 || xp.Types == nil {
		f.skipped = fmt.Sprintf("go/packages cannot type-check %s for %s: %v", xsysPath, tg, pkgErrors(xp))
		return f, nil
	}
	for _, want := range []string{libPath, rawPath, "syscall", "os", "runtime"} {
		p := byPath[want]
		if p == nil || p.Types == nil {
			return nil, fmt.Errorf("%s was not loaded for %s", want, tg)
		}
	}
	mk := func(p *packages.Package) *srcFacts {
		s := readSource(p, sizes, read, p.PkgPath == "syscall")
		if len(s.errs) > 0 {
			f.notes = append(f.notes, fmt.Sprintf("%s has %d type errors for %s, first: %s", p.PkgPath, len(s.errs), tg, s.errs[0]))
		}
		return s
	}
	f.xsys = mk(xp)
	f.std = mk(byPath["syscall"])
	f.os = mk(byPath["os"])
	f.rt = mk(byPath["runtime"])
	if p := byPath["internal/syscall/unix"]; p != nil && p.Types != nil {
		f.isu = mk(p)
	}
	f.lib = readLibrary(byPath[libPath], sizes, read, "the root package", "library")
	f.raw = readLibrary(byPath[rawPath], sizes, read, "internal/raw", "internal/raw")
	for _, l := range f.libs() {
		if len(l.errs) > 0 {
			f.notes = append(f.notes, fmt.Sprintf("%s has %d type errors for %s, first: %s", l.label, len(l.errs), tg, l.errs[0]))
		}
	}
	return f, nil
}

func newFuncSig(fset *token.FileSet, fn *types.Func, sizes types.Sizes) funcSig {
	sig := fn.Type().(*types.Signature)
	return funcSig{sig: sigString(sig), frame: frameSize(sig, sizes), pos: posString(fset, fn.Pos())}
}

func pkgErrors(p *packages.Package) string {
	if p == nil {
		return "not loaded"
	}
	var s []string
	for i, e := range p.Errors {
		if i == 3 {
			s = append(s, fmt.Sprintf("and %d more", len(p.Errors)-3))
			break
		}
		s = append(s, e.Error())
	}
	return strings.Join(s, "; ")
}

// readSource reads the facts any Go package can offer.
// Functions are kept when declared without a body, or, with allFuncs, all of
// them (syscall's, which //go:linkname and assembly jumps may name).
func readSource(p *packages.Package, sizes types.Sizes, read func(string) ([]byte, error), allFuncs bool) *srcFacts {
	s := &srcFacts{
		label:  p.PkgPath,
		consts: map[string]cval{},
		types:  map[string]layout{},
		funcs:  map[string]funcSig{},
	}
	for _, e := range p.Errors {
		s.errs = append(s.errs, e.Error())
	}
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		switch obj := scope.Lookup(name).(type) {
		case *types.Const:
			n := strings.TrimPrefix(name, "_")
			if !waitConst.MatchString(n) {
				continue
			}
			if v, ok := intVal(obj.Val()); ok {
				s.consts[n] = cval{v, posString(p.Fset, obj.Pos())}
			}
		case *types.TypeName:
			if contains(wantTypes, name) {
				if l, ok := structLayout(obj.Type(), sizes); ok {
					l.pos = posString(p.Fset, obj.Pos())
					s.types[name] = l
				}
			}
		case *types.Func:
			if allFuncs {
				s.funcs[name] = newFuncSig(p.Fset, obj, sizes)
			}
		}
	}
	for _, file := range p.Syntax {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Body == nil {
				if obj, ok := p.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					fs := newFuncSig(p.Fset, obj, sizes)
					fs.noBody = true
					s.funcs[fd.Name.Name] = fs
				}
			}
		}
		s.dynImps, s.links = appendDirectives(p.Fset, file, s.dynImps, s.links)
	}
	for _, name := range p.OtherFiles {
		if strings.HasSuffix(name, ".s") {
			b, err := read(name)
			if err != nil {
				s.errs = append(s.errs, err.Error())
				continue
			}
			s.asm = append(s.asm, parseAsm(shortPath(name), b))
		}
	}
	s.calls = sysCalls(p, nil)
	return s
}

// rawConst are the names internal/raw's generated constants have.
var rawConst = regexp.MustCompile(`^(W[A-Z0-9]+|P_[A-Z]+|CLD_[A-Z]+)$`)

// readLibrary reads, beyond what readSource does, a package of the library
// (p, named name in messages, its comparisons counted as source): the root
// package's generated host tables and typed constants, internal/raw's
// untyped constants, and what either uses of x/sys and syscall.
func readLibrary(p *packages.Package, sizes types.Sizes, read func(string) ([]byte, error), name, source string) *libFacts {
	l := &libFacts{
		srcFacts: *readSource(p, sizes, read, true),
		name:     name,
		source:   source,
		untyped:  map[string]cval{},
		typed:    map[string]map[string]cval{},
		tables:   map[string][]namedVal{},
		scalars:  map[string]constant.Value{},
		uses:     map[string]foreignUse{},
		vars:     map[string]varInfo{},
		sizes:    map[string]int64{},
	}
	for _, name := range p.GoFiles {
		l.files = append(l.files, shortPath(name))
	}
	scope := p.Types.Scope()
	kinds := map[types.Object]string{}
	for typ, kind := range map[string]string{"Options": "Flags", "IDType": "IDTypes", "Code": "Codes"} {
		if obj := scope.Lookup(typ); obj != nil {
			kinds[obj] = kind
		}
		l.typed[kind] = map[string]cval{}
	}
	idType := scope.Lookup("IDType")
	for _, name := range scope.Names() {
		switch obj := scope.Lookup(name).(type) {
		case *types.Const:
			if n, ok := obj.Type().(*types.Named); ok {
				if kind, ok := kinds[n.Obj()]; ok && obj.Exported() {
					if v, ok := intVal(obj.Val()); ok {
						l.typed[kind][name] = cval{v, posString(p.Fset, obj.Pos())}
					}
					continue
				}
			}
			if b, ok := obj.Type().(*types.Basic); ok && b.Info()&types.IsUntyped != 0 && rawConst.MatchString(name) {
				if v, ok := intVal(obj.Val()); ok {
					l.untyped[name] = cval{v, posString(p.Fset, obj.Pos())}
				}
			}
			if strings.HasPrefix(name, "host") {
				l.scalars[name] = obj.Val()
			}
		case *types.Var:
			l.vars[name] = varInfo{typ: obj.Type().String(), size: sizes.Sizeof(obj.Type()), pos: posString(p.Fset, obj.Pos())}
		case *types.TypeName:
			if !obj.IsAlias() {
				l.sizes[name] = sizes.Sizeof(obj.Type())
			}
		}
	}
	// The generated name tables: package-level composite literals of
	// {"NAME", value} pairs named hostFlags, hostIDTypes and hostCodes.
	tableKind := map[string]string{"hostFlags": "Flags", "hostIDTypes": "IDTypes", "hostCodes": "Codes"}
	eachVarInit(p, func(n *ast.Ident, init ast.Expr) {
		kind, ok := tableKind[n.Name]
		if !ok {
			return
		}
		lit, ok := init.(*ast.CompositeLit)
		if !ok {
			return
		}
		for _, e := range lit.Elts {
			el, ok := e.(*ast.CompositeLit)
			if !ok || len(el.Elts) < 2 {
				continue
			}
			nameTV, valTV := p.TypesInfo.Types[el.Elts[0]], p.TypesInfo.Types[el.Elts[1]]
			if nameTV.Value == nil || nameTV.Value.Kind() != constant.String || valTV.Value == nil {
				continue
			}
			v, _ := intVal(valTV.Value)
			l.tables[kind] = append(l.tables[kind], namedVal{constant.StringVal(nameTV.Value), v, posString(p.Fset, el.Pos())})
		}
	})
	// The wait-related constants of x/sys and syscall the package uses.
	for id, obj := range p.TypesInfo.Uses {
		c, ok := obj.(*types.Const)
		if !ok || c.Pkg() == nil || (c.Pkg().Path() != xsysPath && c.Pkg().Path() != "syscall") {
			continue
		}
		if !waitConst.MatchString(c.Name()) {
			continue
		}
		key := c.Pkg().Path() + "." + c.Name()
		v, _ := intVal(c.Val())
		u := foreignUse{pkg: c.Pkg().Path(), name: c.Name(), v: v, pos: posString(p.Fset, id.Pos())}
		if old, ok := l.uses[key]; !ok || u.pos < old.pos {
			l.uses[key] = u
		}
	}
	l.calls = sysCalls(p, idType)
	l.idCalls = idCalls(p)
	return l
}

// idCalls finds p's calls of internal/raw functions whose first two
// parameters are named idtype and id.
func idCalls(p *packages.Package) []idCall {
	isIDType := func(e ast.Expr) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			if x, ok := n.(ast.Expr); ok {
				if nt, ok := types.Unalias(p.TypesInfo.TypeOf(x)).(*types.Named); ok && nt.Obj().Name() == "IDType" && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == libPath {
					found = true
				}
			}
			if id, ok := n.(*ast.Ident); ok {
				switch obj := p.TypesInfo.Uses[id].(type) {
				case *types.Var:
					found = found || obj.Name() == "idtype" || obj.Name() == "idt"
				case *types.Const:
					found = found || strings.HasPrefix(obj.Name(), "P_")
				}
			}
			return !found
		})
		return found
	}
	var calls []idCall
	eachCall(p, func(fd *ast.FuncDecl, call *ast.CallExpr, fn *types.Func) {
		if len(call.Args) < 2 || fn.Pkg() == nil || fn.Pkg().Path() != rawPath {
			return
		}
		params := fn.Type().(*types.Signature).Params()
		if params.Len() < 2 || params.At(0).Name() != "idtype" || params.At(1).Name() != "id" {
			return
		}
		calls = append(calls, idCall{
			fn: fd.Name.Name, callee: fn.Name(),
			idtype: idArg{types.ExprString(call.Args[0]), isIDType(call.Args[0])},
			id:     idArg{types.ExprString(call.Args[1]), isIDType(call.Args[1])},
			pos:    posString(p.Fset, call.Pos()),
		})
	})
	return calls
}

// sysCalls finds every call of a Syscall* function of syscall or x/sys whose
// first argument is a constant naming a wait-family call or procctl
// (SYS_WAIT6, or a package's own sysProcctl). Arguments built by a helper
// of the package, as in
//
//	a := procctlArgs(idtype, id, cmd, data) // return [6]uintptr{idtype, 0, id, 0, cmd, data}
//	unix.Syscall6(sysProcctl, a[0], a[1], a[2], a[3], a[4], a[5])
//
// are followed into the helper, so that each argument is the expression the
// caller wrote (or 0 for an array element the helper leaves unset).
func sysCalls(p *packages.Package, idType types.Object) []sysCall {
	decls := map[*types.Func]*ast.FuncDecl{}
	for _, file := range p.Syntax {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := p.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					decls[fn] = fd
				}
			}
		}
	}
	ev := &evaluator{info: p.TypesInfo, fset: p.Fset, decls: decls, inits: map[*types.Var]ast.Expr{}}
	for _, file := range p.Syntax {
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if v, ok := p.TypesInfo.Defs[n].(*types.Var); ok && i < len(vs.Values) && len(vs.Values) == len(vs.Names) {
							ev.inits[v] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	var calls []sysCall
	eachCall(p, func(fd *ast.FuncDecl, call *ast.CallExpr, fn *types.Func) {
		if len(call.Args) == 0 || fn.Pkg() == nil || (fn.Pkg().Path() != "syscall" && fn.Pkg().Path() != xsysPath) || !trapFunc.MatchString(fn.Name()) {
			return
		}
		// The trap: a constant (unix.SYS_WAIT6, sysProcctl), or a
		// field of a package-level table the target selects
		// (hostReaper.sysno, hostReaper = map[string]T{...}[runtime.GOOS]).
		var sc sysCall
		if trap := constObj(p.TypesInfo, call.Args[0]); trap != nil {
			sc.trapName, sc.trapPkg = trap.Name(), trap.Pkg().Path()
			sc.trap, _ = intVal(trap.Val())
		} else if v, desc := ev.value(call.Args[0], 0); v != nil {
			sc.trapName, sc.trapPkg = desc, p.PkgPath
			sc.trap, _ = intVal(v)
		} else {
			return
		}
		sc.role = roleOf(sc.trapName)
		if sc.role == "" && sc.trapPkg == p.PkgPath {
			sc.role = roleOfFunc(fd.Name.Name) // a package's own number: named by its function
		}
		if sc.role == "" {
			return
		}
		sc.fn, sc.variant, sc.pos = fd.Name.Name, fn.Pkg().Name()+"."+fn.Name(), posString(p.Fset, call.Pos())
		for _, a := range call.Args[1:] {
			e, _, via := ev.resolve(a, nil, fd, 0)
			if via != "" && !strings.Contains(sc.via, via) {
				sc.via += " " + via
			}
			sa := sysArg{src: "0", isConst: true}
			if e != nil {
				sa = sysArg{src: types.ExprString(e)}
				if tv := p.TypesInfo.Types[e]; tv.Value != nil {
					sa.isConst = true
					sa.val, _ = intVal(tv.Value)
				}
			}
			if e != nil {
				ast.Inspect(e, func(n ast.Node) bool {
					if x, ok := n.(ast.Expr); ok {
						if nt, ok := p.TypesInfo.TypeOf(x).(*types.Named); ok && idType != nil && nt.Obj() == idType {
							sa.idType = true
						}
					}
					if id, ok := n.(*ast.Ident); ok && idType == nil && id.Name == "idtype" {
						if _, ok := p.TypesInfo.Uses[id].(*types.Var); ok {
							sa.idType = true
						}
					}
					return !sa.idType
				})
			}
			sc.args = append(sc.args, sa)
		}
		calls = append(calls, sc)
	})
	return calls
}

// roleOf names the call a trap constant stands for: SYS_WAIT4 and
// SYS___WAIT450 are wait4, sysProcctl and SYS_PROCCTL procctl, ...; "" for
// any other system call.
func roleOf(name string) string {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "sys")
	n = strings.Trim(n, "_")
	switch n {
	case "wait4", "wait450":
		return "wait4"
	case "wait6", "waitid", "procctl":
		return n
	}
	return ""
}

// roleOfFunc names the call a function whose name mentions it makes:
// sysWait6 and wait6 make wait6, waitidRusage waitid, procctl procctl.
func roleOfFunc(name string) string {
	n := strings.ToLower(name)
	for _, role := range []string{"procctl", "waitid", "wait6", "wait4"} {
		if strings.Contains(n, role) {
			return role
		}
	}
	return ""
}

// evaluator follows an argument through a package's own helpers.
type evaluator struct {
	info  *types.Info
	fset  *token.FileSet
	decls map[*types.Func]*ast.FuncDecl
	inits map[*types.Var]ast.Expr // package-level variables' initializers
}

// value evaluates e, for the target the package was type-checked for, to a
// constant: a constant expression, or an element of a package-level
// composite literal chosen by constant keys and field names. desc says how.
func (ev *evaluator) value(e ast.Expr, depth int) (constant.Value, string) {
	if depth > 8 {
		return nil, ""
	}
	if tv := ev.info.Types[e]; tv.Value != nil {
		return tv.Value, types.ExprString(e)
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return ev.value(x.X, depth+1)
	case *ast.CallExpr: // a conversion
		if tv := ev.info.Types[x.Fun]; tv.IsType() && len(x.Args) == 1 {
			return ev.value(x.Args[0], depth+1)
		}
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr:
		if elt := ev.element(e, depth+1); elt != nil {
			v, _ := ev.value(elt, depth+1)
			if v != nil {
				return v, fmt.Sprintf("%s = %s (%s)", types.ExprString(e), v, posString(ev.fset, elt.Pos()))
			}
		}
	}
	return nil, ""
}

// element returns the expression e selects in package-level data: the
// initializer of a variable, a field of a struct literal, the entry of a map
// or array literal for a constant key.
func (ev *evaluator) element(e ast.Expr, depth int) ast.Expr {
	if depth > 8 {
		return nil
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return ev.element(x.X, depth+1)
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return ev.element(x.X, depth+1)
		}
	case *ast.CompositeLit:
		return x
	case *ast.Ident:
		if v, ok := ev.info.Uses[x].(*types.Var); ok && ev.inits[v] != nil {
			return ev.element(ev.inits[v], depth+1)
		}
	case *ast.SelectorExpr:
		if sel, ok := ev.info.Selections[x]; !ok || sel.Kind() != types.FieldVal {
			break
		}
		lit, ok := ev.element(x.X, depth+1).(*ast.CompositeLit)
		if !ok {
			break
		}
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == x.Sel.Name {
					return ev.element(kv.Value, depth+1)
				}
			}
		}
	case *ast.IndexExpr:
		key := ev.info.Types[x.Index].Value
		lit, ok := ev.element(x.X, depth+1).(*ast.CompositeLit)
		if key == nil || !ok {
			break
		}
		if i, ok := intVal(key); ok {
			if elt := arrayElement(ev.info, lit, i); elt != nil {
				return ev.element(elt, depth+1)
			}
		}
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if k := ev.info.Types[kv.Key].Value; k != nil && constant.Compare(k, token.EQL, key) {
					return ev.element(kv.Value, depth+1)
				}
			}
		}
	}
	if _, ok := e.(*ast.CompositeLit); ok {
		return e
	}
	if ev.info.Types[e].Value != nil {
		return e
	}
	return nil
}

// binding is a helper's parameter bound to the caller's argument.
type binding struct {
	arg ast.Expr
	env map[*types.Var]binding
	fn  *ast.FuncDecl
}

// resolve returns the expression e stands for: a helper's parameter is
// replaced by the caller's argument, and x[i], where the local x holds the
// result of a helper that returns an array literal, by that literal's
// element i (nil when the element is unset, that is 0). via names the
// helpers followed.
func (ev *evaluator) resolve(e ast.Expr, env map[*types.Var]binding, encl *ast.FuncDecl, depth int) (ast.Expr, map[*types.Var]binding, string) {
	if depth > 8 {
		return e, env, ""
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return ev.resolve(x.X, env, encl, depth+1)
	case *ast.Ident:
		if v, ok := ev.info.Uses[x].(*types.Var); ok {
			if b, ok := env[v]; ok {
				return ev.resolve(b.arg, b.env, b.fn, depth+1)
			}
		}
	case *ast.IndexExpr:
		id, ok := x.X.(*ast.Ident)
		if !ok {
			break
		}
		local, ok := ev.info.Uses[id].(*types.Var)
		idx, ok2 := intVal(ev.info.Types[x.Index].Value)
		if !ok || !ok2 || encl == nil {
			break
		}
		call := ev.definingCall(encl, local)
		if call == nil {
			break
		}
		fn := calleeFunc(ev.info, call.Fun)
		helper := ev.decls[fn]
		if helper == nil || helper.Body == nil || len(helper.Body.List) == 0 {
			break
		}
		ret, ok := helper.Body.List[len(helper.Body.List)-1].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			break
		}
		lit, ok := ret.Results[0].(*ast.CompositeLit)
		if !ok {
			break
		}
		inner := map[*types.Var]binding{}
		i := 0
		for _, field := range helper.Type.Params.List {
			for _, name := range field.Names {
				if v, ok := ev.info.Defs[name].(*types.Var); ok && i < len(call.Args) {
					inner[v] = binding{call.Args[i], env, encl}
				}
				i++
			}
		}
		via := fmt.Sprintf("%s (%s)", helper.Name.Name, posString(ev.fset, helper.Pos()))
		elt := arrayElement(ev.info, lit, idx)
		if elt == nil {
			return nil, nil, via
		}
		r, renv, rvia := ev.resolve(elt, inner, helper, depth+1)
		return r, renv, strings.TrimSpace(via + " " + rvia)
	}
	return e, env, ""
}

// definingCall finds the call whose result the local v is given in fd.
func (ev *evaluator) definingCall(fd *ast.FuncDecl, v *types.Var) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			for i, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok && (ev.info.Defs[id] == v || ev.info.Uses[id] == v) && len(s.Rhs) == len(s.Lhs) {
					if c, ok := s.Rhs[i].(*ast.CallExpr); ok {
						found = c
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range s.Names {
				if ev.info.Defs[id] == v && i < len(s.Values) {
					if c, ok := s.Values[i].(*ast.CallExpr); ok {
						found = c
					}
				}
			}
		}
		return found == nil
	})
	return found
}

// arrayElement returns element i of an array literal, nil when it is unset.
func arrayElement(info *types.Info, lit *ast.CompositeLit, i int64) ast.Expr {
	next := int64(0)
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := intVal(info.Types[kv.Key].Value); ok {
				next = k
			}
			e = kv.Value
		}
		if next == i {
			return e
		}
		next++
	}
	return nil
}

// eachCall calls fn for every call, in the body of a function declared in
// p, of a function or method that calleeFunc resolves, with the declaration
// the call stands in.
func eachCall(p *packages.Package, fn func(fd *ast.FuncDecl, call *ast.CallExpr, callee *types.Func)) {
	for _, file := range p.Syntax {
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if callee := calleeFunc(p.TypesInfo, call.Fun); callee != nil {
						fn(fd, call, callee)
					}
				}
				return true
			})
		}
	}
}

func calleeFunc(info *types.Info, fun ast.Expr) *types.Func {
	var id *ast.Ident
	switch e := fun.(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return nil
	}
	f, _ := info.Uses[id].(*types.Func)
	return f
}

// constObj returns the named constant e refers to, through conversions
// such as uintptr(unix.SYS_WAIT6).
func constObj(info *types.Info, e ast.Expr) *types.Const {
	switch x := e.(type) {
	case *ast.Ident:
		c, _ := info.Uses[x].(*types.Const)
		return c
	case *ast.SelectorExpr:
		c, _ := info.Uses[x.Sel].(*types.Const)
		return c
	case *ast.ParenExpr:
		return constObj(info, x.X)
	case *ast.CallExpr:
		if len(x.Args) == 1 {
			if tv, ok := info.Types[x.Fun]; ok && tv.IsType() {
				return constObj(info, x.Args[0])
			}
		}
	}
	return nil
}

// appendDirectives collects the //go:cgo_import_dynamic and //go:linkname
// lines of a file.
func appendDirectives(fset *token.FileSet, file *ast.File, imps []dynImport, links []linkname) ([]dynImport, []linkname) {
	for _, cg := range file.Comments {
		for _, c := range cg.List {
			fields := strings.Fields(c.Text)
			if len(fields) == 0 {
				continue
			}
			pos := posString(fset, c.Pos())
			switch fields[0] {
			case "//go:cgo_import_dynamic":
				if len(fields) == 4 {
					imps = append(imps, dynImport{fields[1], fields[2], strings.Trim(fields[3], `"`), pos})
				}
			case "//go:linkname":
				if len(fields) == 3 {
					links = append(links, linkname{fields[1], fields[2], pos})
				}
			}
		}
	}
	return imps, links
}

func intVal(v constant.Value) (int64, bool) {
	if v == nil || v.Kind() != constant.Int {
		return 0, false
	}
	if i, ok := constant.Int64Val(v); ok {
		return i, true
	}
	if u, ok := constant.Uint64Val(v); ok {
		return int64(u), true
	}
	return 0, false
}

// structLayout flattens a struct type's fields (embedded structs included)
// with their offsets under sizes.
func structLayout(t types.Type, sizes types.Sizes) (layout, bool) {
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return layout{}, false
	}
	l := layout{size: sizes.Sizeof(t)}
	var walk func(st *types.Struct, base int64)
	walk = func(st *types.Struct, base int64) {
		vars := make([]*types.Var, st.NumFields())
		for i := range vars {
			vars[i] = st.Field(i)
		}
		offs := sizes.Offsetsof(vars)
		for i, v := range vars {
			if inner, ok := v.Type().Underlying().(*types.Struct); ok && v.Embedded() {
				walk(inner, base+offs[i])
				continue
			}
			_, isArray := v.Type().Underlying().(*types.Array)
			_, isPtr := v.Type().Underlying().(*types.Pointer)
			l.fields = append(l.fields, field{name: v.Name(), off: base + offs[i], size: sizes.Sizeof(v.Type()), isArray: isArray, isPointer: isPtr})
		}
	}
	walk(st, 0)
	return l, true
}

// sigString renders a signature's types without parameter names.
func sigString(sig *types.Signature) string {
	tuple := func(t *types.Tuple) string {
		var s []string
		for i := 0; i < t.Len(); i++ {
			// Unalias: internal/posix.Errno is syscall.Errno.
			s = append(s, types.TypeString(types.Unalias(t.At(i).Type()), func(p *types.Package) string { return p.Path() }))
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return "func" + tuple(sig.Params()) + " " + tuple(sig.Results())
}

// frameSize is the ABI0 argument frame of sig: the parameters in order, each
// aligned to its type, then the results starting at a pointer-aligned
// offset, the total rounded up to the pointer size (cmd/compile's
// abi.ABIConfig for ABI0; what `go vet`'s asmdecl checks against $0-N).
func frameSize(sig *types.Signature, sizes types.Sizes) int64 {
	ptr := sizes.Sizeof(types.Typ[types.Uintptr])
	align := func(x, a int64) int64 { return (x + a - 1) / a * a }
	var off int64
	add := func(t *types.Tuple) {
		for i := 0; i < t.Len(); i++ {
			typ := t.At(i).Type()
			off = align(off, sizes.Alignof(typ))
			off += sizes.Sizeof(typ)
		}
	}
	add(sig.Params())
	off = align(off, ptr)
	add(sig.Results())
	return align(off, ptr)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// asmText is one TEXT symbol of an assembly file.
type asmText struct {
	sym     string   // "libc_wait4_trampoline<>", ".sysvicall6" (package-local), "syscall.x"
	frame   string   // "$0-88"
	body    []string // the instructions, branch targets replaced by SYM
	targets []string // the symbols it branches to
	pos     string
}

type asmGlobl struct {
	sym  string
	size int64
	pos  string
}

type asmData struct {
	sym   string
	width int64
	value string
	pos   string
}

type asmFile struct {
	path   string
	texts  []asmText
	globls []asmGlobl
	datas  []asmData
}

var (
	asmTEXT   = regexp.MustCompile(`^TEXT\s+([^\s(]+)\(SB\)\s*,\s*[^,$]*(?:,\s*(\$\S+))?`)
	asmGLOBL  = regexp.MustCompile(`^GLOBL\s+([^\s(]+)\(SB\)\s*,[^$]*\$(\d+)`)
	asmDATA   = regexp.MustCompile(`^DATA\s+([^\s(]+)\(SB\)/(\d+)\s*,\s*\$([^\s(]+)\(SB\)`)
	asmBranch = regexp.MustCompile(`^([A-Z]+)\s+([^\s(,]+)\(SB\)$`)
)

// asmSym turns the assembler's middle dot into a dot: "·x" is x of this
// package, "syscall·x" is syscall.x.
func asmSym(s string) string { return strings.ReplaceAll(s, "·", ".") }

// parseAsm reads the TEXT, GLOBL and DATA directives of a Go assembly file.
func parseAsm(path string, b []byte) asmFile {
	af := asmFile{path: path}
	var cur *asmText
	for i, raw := range bytes.Split(b, []byte("\n")) {
		line := string(raw)
		if j := strings.Index(line, "//"); j >= 0 {
			line = line[:j]
		}
		line = strings.Join(strings.Fields(line), " ")
		pos := fmt.Sprintf("%s:%d", path, i+1)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case asmTEXT.MatchString(line):
			m := asmTEXT.FindStringSubmatch(line)
			af.texts = append(af.texts, asmText{sym: asmSym(m[1]), frame: m[2], pos: pos})
			cur = &af.texts[len(af.texts)-1]
		case asmGLOBL.MatchString(line):
			m := asmGLOBL.FindStringSubmatch(line)
			var n int64
			fmt.Sscan(m[2], &n)
			af.globls = append(af.globls, asmGlobl{asmSym(m[1]), n, pos})
			cur = nil
		case asmDATA.MatchString(line):
			m := asmDATA.FindStringSubmatch(line)
			var n int64
			fmt.Sscan(m[2], &n)
			af.datas = append(af.datas, asmData{asmSym(m[1]), n, asmSym(m[3]), pos})
			cur = nil
		case cur != nil:
			if m := asmBranch.FindStringSubmatch(line); m != nil {
				cur.targets = append(cur.targets, asmSym(m[2]))
				line = m[1] + " SYM(SB)"
			}
			cur.body = append(cur.body, line)
		}
	}
	return af
}
