package xcheck

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/procwait/wait/internal/abi"
)

// TestXCheck compares, for every supported GOOS/GOARCH, internal/abi and the
// library's per-OS files (the root package and internal/raw) with
// golang.org/x/sys/unix and the standard library compiled for that target
// (see the package comment).
func TestXCheck(t *testing.T) {
	fs := allFacts(t)
	staleUsed := map[*stale]bool{}
	perOS := map[string]*osTotals{}
	var skipped []string
	for _, f := range fs {
		t.Run(f.target.String(), func(t *testing.T) {
			if f.skipped != "" {
				reason, allowed := mayBeSkipped[f.target.String()]
				if !allowed || f.dist {
					t.Fatalf("cannot check %s: %s", f.target, f.skipped)
				}
				skipped = append(skipped, f.target.String())
				t.Skipf("SKIP %s: %s (%s)", f.target, f.skipped, reason)
			}
			for _, n := range f.notes {
				if f.dist {
					t.Errorf("%s", n)
				} else {
					t.Logf("%s (not a Go port: logged only)", n)
				}
			}
			o, ok := abi.ForOS(f.goos)
			if !ok {
				t.Fatalf("internal/abi has no table for %s", f.goos)
			}
			r := check(f, o)
			for _, m := range r.mismatches() {
				t.Errorf("%s: %s", f.target, m.msg)
			}
			tot := perOS[o.Name]
			if tot == nil {
				tot = &osTotals{}
				perOS[o.Name] = tot
			}
			tot.add(f.target, r)
			for _, l := range r.info {
				t.Logf("agrees: %s", l)
			}
			for _, l := range r.logs {
				t.Logf("not compared: %s", l)
			}
			for _, fd := range r.fs {
				if fd.stale != nil {
					staleUsed[fd.stale] = true
					t.Logf("exception: %s; %s decides (%s)", fd.msg, fd.stale.header, fd.stale.why)
				}
			}
			t.Logf("%s: %s", f.target, r.summary())
		})
	}
	if len(fs) > 0 && len(fs) == len(targets(t)) && !t.Failed() {
		for i := range staleGo {
			if !staleUsed[&staleGo[i]] && anyTarget(fs, staleGo[i].goos) {
				t.Errorf("staleGo entry %s %s (%s) matched nothing: remove it, the Go source agrees with the header now", staleGo[i].goos, staleGo[i].name, staleGo[i].source)
			}
		}
	}
	if len(skipped) > len(mayBeSkipped) {
		t.Errorf("%d targets skipped (%v), at most %d may be", len(skipped), skipped, len(mayBeSkipped))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %7s %11s %11s %11s %7s %7s %5s %5s\n", "OS", "targets", "const", "offset", "size", "syscall", "kevent", "asm", "split")
	for _, name := range sortedKeys(perOS) {
		p := perOS[name]
		cell := func(what string) string { return fmt.Sprintf("%d/%d", p.goN[what], p.n[what]) }
		fmt.Fprintf(&b, "%-10s %7d %11s %11s %11s %7s %7s %5s %5s\n", name, p.targets, cell("const"), cell("offset"), cell("size"), cell("syscall"), cell("kevent"), cell("asm"), cell("split"))
	}
	t.Logf("comparisons per OS, summed over its targets (a/b: a of the b comparisons were with x/sys or the standard library; the others with the library's files (root package, internal/raw) or the notes):\n%s", b.String())
}

type osTotals struct {
	targets int
	n, goN  map[string]int
}

func (o *osTotals) add(_ target, r *result) {
	o.targets++
	if o.n == nil {
		o.n, o.goN = map[string]int{}, map[string]int{}
	}
	for _, f := range r.fs {
		o.n[f.what]++
		if goSources[f.source] {
			o.goN[f.what]++
		}
	}
}

func anyTarget(fs []*facts, goos string) bool {
	for _, f := range fs {
		if f.goos == goos && f.skipped == "" {
			return true
		}
	}
	return false
}

// TestTargets checks that every target Go ports to on these OSes has
// internal/abi layouts, so that no target goes unchecked for want of a table.
func TestTargets(t *testing.T) {
	var names []string
	for _, tg := range targets(t) {
		names = append(names, tg.String())
		o, ok := abi.ForOS(tg.goos)
		if !ok {
			t.Errorf("%s: internal/abi has no table", tg)
			continue
		}
		if _, ok := o.Siginfo[tg.goarch]; !ok {
			t.Errorf("%s: internal/abi has no siginfo_t layout", tg)
		}
		if _, ok := o.Rusage[tg.goarch]; !ok {
			t.Errorf("%s: internal/abi has no struct rusage layout", tg)
		}
	}
	sort.Strings(names)
	t.Logf("%d targets: %s", len(names), strings.Join(names, " "))
}
