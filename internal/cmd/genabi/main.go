// Command genabi writes the zabi_<goos>.go files of the root package and of
// internal/raw, and the README's OS table, from the tables in internal/abi.
// Run it from the module root with "go generate" or "go run
// ./internal/cmd/genabi".
//
// Without arguments it writes the file of every registered table and the
// README table. Arguments name tables ("genabi linux darwin") and "readme"
// for the README table; only those are written.
//
// The README table replaces the lines between the README's
// "<!-- BEGIN OS TABLE -->" and "<!-- END OS TABLE -->" lines. When README.md
// or its markers are missing genabi fails and writes nothing.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/procwait/wait/internal/abi"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genabi:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	files, readme, err := plan(args)
	if err != nil {
		return err
	}
	// Build everything before writing anything, so a failure leaves every
	// file as it was.
	out := map[string][]byte{}
	for file, table := range files {
		source := abi.GoSource
		if _, ok := abi.RawFiles[file]; ok {
			source = abi.RawSource
		}
		src, err := source(table)
		if err != nil {
			return err
		}
		out[file] = src
	}
	if readme {
		old, err := os.ReadFile(abi.ReadmeFile)
		if err != nil {
			return fmt.Errorf("%v (run genabi from the module root; README.md must hold the %s and %s lines)", err, abi.ReadmeBegin, abi.ReadmeEnd)
		}
		src, err := abi.SpliceReadme(old)
		if err != nil {
			return fmt.Errorf("%s: %w", abi.ReadmeFile, err)
		}
		out[abi.ReadmeFile] = src
	}
	names := make([]string, 0, len(out))
	for f := range out {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f, out[f], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// plan decides which generated files to write (file -> table) and whether
// to rewrite the README table.
func plan(args []string) (files map[string]string, readme bool, err error) {
	files = map[string]string{}
	if len(args) == 0 {
		for file, table := range abi.GoFiles {
			if abi.Registered(table) {
				files[file] = table
			}
		}
		for file, table := range abi.RawFiles {
			files[file] = table
		}
		return files, true, nil
	}
	for _, a := range args {
		if a == "readme" {
			readme = true
			continue
		}
		found := false
		for _, m := range []map[string]string{abi.GoFiles, abi.RawFiles} {
			for file, table := range m {
				if table == a {
					files[file] = table
					found = true
				}
			}
		}
		if !found {
			return nil, false, fmt.Errorf("no generated file for table %q", a)
		}
		if !abi.Registered(a) {
			return nil, false, fmt.Errorf("table %q is not registered in internal/abi", a)
		}
	}
	return files, readme, nil
}
