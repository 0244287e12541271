package abi

import (
	"reflect"
	"slices"
	"testing"
)

// TestRunstatFieldsTable: every name RusageUnused returns is a field of
// Rusage, none twice; Linux leaves exactly the seven fields getrusage(2)
// calls unmaintained, illumos every field but the two CPU times; an OS the
// table does not cover says so, and the result is a copy.
func TestRunstatFieldsTable(t *testing.T) {
	fields := map[string]bool{}
	rt := reflect.TypeFor[Rusage]()
	for i := range rt.NumField() {
		fields[rt.Field(i).Name] = true
	}
	for _, goos := range []string{"linux", "illumos", "solaris", "freebsd", "netbsd", "openbsd", "dragonfly", "darwin", "windows"} {
		names, known := RusageUnused(goos)
		seen := map[string]bool{}
		for _, n := range names {
			if !fields[n] {
				t.Errorf("RusageUnused(%q) names %q, which is not a field of Rusage", goos, n)
			}
			if seen[n] {
				t.Errorf("RusageUnused(%q) names %q twice", goos, n)
			}
			seen[n] = true
		}
		switch goos {
		case "linux", "illumos", "solaris":
			if !known {
				t.Errorf("RusageUnused(%q): not known", goos)
			}
		default:
			if known || names != nil {
				t.Errorf("RusageUnused(%q) = %v, %v; want nil, false", goos, names, known)
			}
		}
	}
	linux, _ := RusageUnused("linux")
	slices.Sort(linux)
	want := []string{"IntegralDataRSS", "IntegralSharedRSS", "IntegralStackRSS", "MessagesReceived", "MessagesSent", "SignalsReceived", "Swaps"}
	if !slices.Equal(linux, want) {
		t.Errorf("RusageUnused(linux) = %v, want %v", linux, want)
	}
	illumos, _ := RusageUnused("illumos")
	if len(illumos) != rt.NumField()-2 || slices.Contains(illumos, "UserTime") || slices.Contains(illumos, "SystemTime") {
		t.Errorf("RusageUnused(illumos) = %v, want every field but UserTime and SystemTime", illumos)
	}
	// The caller owns the slice.
	a, _ := RusageUnused("linux")
	a[0] = "changed"
	if b, _ := RusageUnused("linux"); b[0] == "changed" {
		t.Error("RusageUnused returns the table itself, not a copy")
	}
}
