package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/procwait/wait/internal/abi"
)

// inTempDir runs the test in an empty directory standing in for the module
// root.
func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestRefusesReadmeWithoutMarkers: without the markers genabi fails with a
// message naming them, and writes nothing at all, README included.
func TestRefusesReadmeWithoutMarkers(t *testing.T) {
	dir := inTempDir(t)
	readme := []byte("# wait\n\nNo table markers here.\n")
	if err := os.WriteFile(abi.ReadmeFile, readme, 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(nil)
	if !errors.Is(err, abi.ErrNoReadmeMarkers) {
		t.Fatalf("run() = %v, want an error wrapping ErrNoReadmeMarkers", err)
	}
	if got, _ := os.ReadFile(abi.ReadmeFile); !bytes.Equal(got, readme) {
		t.Errorf("README.md was changed to %q", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("files after a failed run: %v, want only README.md", names)
	}
}

// TestRefusesMissingReadme: no README.md is an error too, and nothing is
// written.
func TestRefusesMissingReadme(t *testing.T) {
	dir := inTempDir(t)
	if err := run([]string{"readme", "linux"}); err == nil {
		t.Fatal("run(readme linux) without README.md succeeded")
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("files after a failed run: %v", names)
	}
}

// TestWritesEverything: without arguments genabi writes every registered
// table's file and the README table, keeping the README's other text.
func TestWritesEverything(t *testing.T) {
	dir := inTempDir(t)
	head, tail := "# wait\n"+abi.ReadmeBegin+"\n", abi.ReadmeEnd+"\nfooter\n"
	if err := os.WriteFile(abi.ReadmeFile, []byte(head+"old\n"+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(nil); err != nil {
		t.Fatal(err)
	}
	for file, table := range abi.GoFiles {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if !abi.Registered(table) {
			if err == nil {
				t.Errorf("%s written for the unregistered table %s", file, table)
			}
			continue
		}
		want, _ := abi.GoSource(table)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: err %v, content equal %t", file, err, bytes.Equal(got, want))
		}
	}
	for file, table := range abi.RawFiles {
		got, err := os.ReadFile(filepath.Join(dir, file))
		want, _ := abi.RawSource(table)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: err %v, content equal %t", file, err, bytes.Equal(got, want))
		}
	}
	got, _ := os.ReadFile(abi.ReadmeFile)
	if want := head + abi.ReadmeTable() + tail; string(got) != want {
		t.Errorf("README.md = %q, want %q", got, want)
	}
}

// TestWritesNamedTablesOnly: named tables get their files and nothing else;
// an unknown name is refused.
func TestWritesNamedTablesOnly(t *testing.T) {
	dir := inTempDir(t)
	if err := run([]string{"freebsd", "netbsd"}); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, dir); len(names) != 3 || names[0] != "internal" || names[1] != "zabi_freebsd.go" || names[2] != "zabi_netbsd.go" {
		t.Errorf("wrote %v, want internal, zabi_freebsd.go and zabi_netbsd.go", names)
	}
	if names := entries(t, filepath.Join(dir, "internal", "raw")); len(names) != 2 || names[0] != "zabi_freebsd.go" || names[1] != "zabi_netbsd.go" {
		t.Errorf("wrote %v in internal/raw, want zabi_freebsd.go and zabi_netbsd.go", names)
	}
	if err := run([]string{"plan9"}); err == nil {
		t.Error("run(plan9) succeeded; there is no such table")
	}
}
