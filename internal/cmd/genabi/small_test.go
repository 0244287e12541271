package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/procwait/wait/internal/abi"
)

// hostOSExpr parses the generated file of table and returns the expression
// hostOS is set to, and the paths the file imports.
func hostOSExpr(t *testing.T, table string) (ast.Expr, []string) {
	t.Helper()
	src, err := abi.GoSource(table)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "zabi_"+table+".go", src, 0)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	var imports []string
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		imports = append(imports, p)
	}
	var e ast.Expr
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			return false
		case *ast.GenDecl:
			return n.Tok == token.CONST // a file-level const block
		case *ast.ValueSpec:
			if i := slices.IndexFunc(n.Names, func(id *ast.Ident) bool { return id.Name == "hostOS" }); i >= 0 && i < len(n.Values) && e == nil {
				e = n.Values[i]
			}
			return false
		}
		return e == nil
	})
	if e == nil {
		t.Fatalf("%s: no hostOS constant", table)
	}
	return e, imports
}

// TestSmallUnsupportedHostOSIsGOOS: the file for systems without the wait
// family sets hostOS to runtime.GOOS, so that its errors name the system
// ("wait4 is not available on windows") rather than "unsupported".
func TestSmallUnsupportedHostOSIsGOOS(t *testing.T) {
	e, imports := hostOSExpr(t, abi.Unsupported.Name)
	if got := exprString(e); got != "runtime.GOOS" {
		t.Errorf("hostOS = %s, want runtime.GOOS", got)
	}
	if len(imports) != 1 || imports[0] != "runtime" {
		t.Errorf("imports %q, want runtime alone", imports)
	}
}

// TestSmallTablesHostOSIsName: every OS table's file keeps its name as a
// literal (one file serves both illumos and solaris).
func TestSmallTablesHostOSIsName(t *testing.T) {
	for _, name := range abi.Names() {
		e, imports := hostOSExpr(t, name)
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Value != strconv.Quote(name) {
			t.Errorf("%s: hostOS = %s, want %q", name, exprString(e), name)
		}
		if len(imports) != 0 {
			t.Errorf("%s: imports %q, want none", name, imports)
		}
	}
}

// exprString renders a constant's expression for a message.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Value
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return "(an expression)"
}
