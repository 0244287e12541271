package abi

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot is where the generated files live, relative to this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from internal/abi: %v", err)
	}
	return root
}

// TestGeneratedFilesUpToDate fails when a zabi_<goos>.go file of any
// registered table, in the root package or in internal/raw, differs from
// what the generator writes now.
func TestGeneratedFilesUpToDate(t *testing.T) {
	root := moduleRoot(t)
	checked := 0
	for _, set := range []struct {
		files  map[string]string
		source func(string) ([]byte, error)
	}{{GoFiles, GoSource}, {RawFiles, RawSource}} {
		for file, table := range set.files {
			if !Registered(table) {
				t.Logf("%s: table %q is not registered; its file is not checked", file, table)
				continue
			}
			want, err := set.source(table)
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
			if err != nil {
				t.Errorf("%s: %v; run %s", file, err, Generator)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the %s table: %s", file, table, firstDiff(string(got), string(want)))
			}
			checked++
		}
	}
	if checked < len(GoFiles)+len(RawFiles)-1 {
		t.Errorf("checked %d generated files, want every registered one", checked)
	}
}

// TestReadmeTableUpToDate fails when the README's OS table differs from
// ReadmeTable, or when README.md lacks the markers that hold it.
func TestReadmeTableUpToDate(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(moduleRoot(t), ReadmeFile))
	if err != nil {
		t.Fatalf("%v: README.md must hold the OS table between %s and %s", err, ReadmeBegin, ReadmeEnd)
	}
	block, err := ReadmeBlock(readme)
	if err != nil {
		t.Fatal(err)
	}
	if want := ReadmeTable(); block != want {
		t.Errorf("README.md's OS table differs from internal/abi; run go generate: %s", firstDiff(block, want))
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + gl + "\n want " + wl
		}
	}
	return "(no line differs)"
}

// TestSpliceReadme checks that the table replaces exactly the lines between
// the markers, that splicing twice changes nothing, and that a README
// without exactly one pair of ordered markers is refused, not rewritten.
func TestSpliceReadme(t *testing.T) {
	before := "# wait\n\nIntro text.\n\n" + ReadmeBegin + "\n"
	after := ReadmeEnd + "\n\nMore text | with a pipe.\n"
	for _, old := range []string{"", "stale table\n| a | b |\n"} {
		got, err := SpliceReadme([]byte(before + old + after))
		if err != nil {
			t.Fatalf("SpliceReadme: %v", err)
		}
		if want := before + ReadmeTable() + after; string(got) != want {
			t.Errorf("spliced README (old block %q): %s", old, firstDiff(string(got), want))
		}
		again, err := SpliceReadme(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Errorf("splicing twice changed the README (err %v)", err)
		}
		block, err := ReadmeBlock(got)
		if err != nil || block != ReadmeTable() {
			t.Errorf("ReadmeBlock after splicing: err %v, block equal %t", err, block == ReadmeTable())
		}
	}
	bad := map[string]string{
		"no markers":     "# wait\nno table here\n",
		"no end":         "# wait\n" + ReadmeBegin + "\n",
		"no begin":       "# wait\n" + ReadmeEnd + "\n",
		"reversed":       ReadmeEnd + "\n" + ReadmeBegin + "\n",
		"same line":      ReadmeBegin + " " + ReadmeEnd + "\n",
		"two tables":     before + after + before + after,
		"begin repeated": before + before + after,
	}
	for name, readme := range bad {
		if got, err := SpliceReadme([]byte(readme)); !errors.Is(err, ErrNoReadmeMarkers) || got != nil {
			t.Errorf("%s: SpliceReadme returned %q, %v; want nil and ErrNoReadmeMarkers", name, got, err)
		}
	}
}

// TestReadmeTableRows checks that the table has a row for every registered
// OS and for QNX, and that the cells derived from the data say what the
// tables hold.
func TestReadmeTableRows(t *testing.T) {
	rows := map[string][]string{}
	lines := strings.Split(strings.TrimSuffix(ReadmeTable(), "\n"), "\n")
	header := cells(lines[0])
	for _, l := range lines[2:] {
		c := cells(l)
		if len(c) != len(header) {
			t.Errorf("row %q has %d cells, the header %d", l, len(c), len(header))
			continue
		}
		rows[c[0]] = c
	}
	for _, name := range Names() {
		if _, ok := rows[name]; !ok {
			t.Errorf("no row for %s", name)
		}
	}
	if len(rows) != len(Names())+1 {
		t.Errorf("%d rows, want %d tables and QNX", len(rows), len(Names()))
	}
	qnx := false
	for name := range rows {
		qnx = qnx || strings.HasPrefix(name, "QNX")
	}
	if !qnx {
		t.Error("no QNX row")
	}
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %q", name, header)
		return 0
	}
	want := map[string]map[string]string{
		"freebsd":   {"wait4": "native", "waitid": "emulated over wait6", "wait6": "native", "continued status": "0x13", "wait4 implies": "WEXITED, WTRAPPED"},
		"netbsd":    {"wait4": "native", "waitid": "emulated over wait6", "wait6": "native", "continued status": "0xffff", "wait4 implies": "WEXITED, WTRAPPED"},
		"dragonfly": {"waitid": "emulated over wait6", "continued status": "0x13 (also WIFSIGNALED)"},
		"linux":     {"wait6": "emulated over waitid", "continued status": "0xffff", "wait4 implies": "WEXITED"},
	}
	for name, cols := range want {
		row, ok := rows[name]
		if !ok {
			continue // reported above if registered
		}
		for c, w := range cols {
			if got := row[col(c)]; got != w {
				t.Errorf("%s %s: %q, want %q", name, c, got, w)
			}
		}
		for _, f := range bsdOrLinuxFlags(name) {
			if !strings.Contains(row[col("flags")], f) {
				t.Errorf("%s flags %q lack %q", name, row[col("flags")], f)
			}
		}
	}
}

func bsdOrLinuxFlags(name string) []string {
	o, ok := ForOS(name)
	if !ok {
		return nil
	}
	var fs []string
	for _, f := range o.Flags {
		fs = append(fs, f.Name+" ")
	}
	return fs
}

func cells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	parts := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(p, "\x00", "|"))
	}
	return parts
}
