//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procwait/wait"
)

// The test binary is also the benchmark's variant process: bench re-executes
// os.Executable with runFlag, as the real binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == runFlag {
		os.Exit(variantMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestTiny runs the whole benchmark at N = 20, every variant, one round,
// each variant in its own subprocess, and checks that the table has one
// row per variant and that each row's figures are those of a run that
// worked: all 20 children started and their exits learned (10 killed one at
// a time, 10 at once by closing their stdin), threads and memory measured,
// latencies ordered, and no child of this process left.
func TestTiny(t *testing.T) {
	probeReexec(t)
	if _, err := exec.LookPath("cat"); err != nil {
		t.Skipf("no cat for the children: %v", err)
	}
	var out, progress bytes.Buffer
	cfg := config{ns: []int{20}, variants: allVariants, rounds: 1, burst: "eof", timeout: 5 * time.Minute}
	rows, err := bench(context.Background(), cfg, &out, &progress)
	t.Logf("table:\n%s\nprogress:\n%s", out.String(), progress.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(allVariants) {
		t.Fatalf("%d rows, want one per variant (%d)", len(rows), len(allVariants))
	}
	table := out.String()
	for i, r := range rows {
		if r.Variant != allVariants[i] || r.N != 20 || r.Skipped != "" {
			t.Errorf("row %d: variant %q N %d skipped %q, want %q at 20, run", i, r.Variant, r.N, r.Skipped, allVariants[i])
			continue
		}
		if len(r.Runs) != 1 || r.OK != 1 {
			t.Errorf("%s: %d runs, %d worked: %s", r.Variant, len(r.Runs), r.OK, firstError(r.Runs))
			continue
		}
		m := r.Median
		switch {
		case m.Error != "":
			t.Errorf("%s: %s", r.Variant, m.Error)
		case m.Started != 20 || m.Learned != 20:
			t.Errorf("%s: started %d, learned %d exits; want 20 and 20", r.Variant, m.Started, m.Learned)
		case m.OneN != 10 || m.AllN != 10:
			t.Errorf("%s: %d killed one at a time, %d at once; want 10 and 10", r.Variant, m.OneN, m.AllN)
		case m.Threads <= 0 || m.RSSKiB <= 0 || m.BaseRSSKiB <= 0 || m.StackInuse == 0:
			t.Errorf("%s: threads %d, RSS %d KiB, baseline %d KiB, StackInuse %d: want all > 0", r.Variant, m.Threads, m.RSSKiB, m.BaseRSSKiB, m.StackInuse)
		case !(0 < m.P50ns && m.P50ns <= m.P99ns && m.P99ns <= m.MaxNs):
			t.Errorf("%s: latencies p50 %d p99 %d max %d ns: want 0 < p50 <= p99 <= max", r.Variant, m.P50ns, m.P99ns, m.MaxNs)
		case m.AllNs <= 0 || m.StartNs <= 0 || m.CPUns < 0:
			t.Errorf("%s: all at once %d ns, start %d ns, CPU %d ns", r.Variant, m.AllNs, m.StartNs, m.CPUns)
		}
		if m.Variant == "exec" && m.Threads < 20 {
			t.Errorf("exec: %d threads for 20 blocked Cmd.Wait calls, want at least 20", m.Threads)
		}
		if !strings.Contains(table, "| 20 | "+label(r.Variant)+" | ") {
			t.Errorf("the table has no row for %s", label(r.Variant))
		}
	}
	if wpid, err := wait.Wait4(-1, nil, wait.WNOHANG, nil); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("a child is left (pid %d, %v)", wpid, err)
	}
}

// probeReexec skips the test when this binary cannot run a copy of itself
// (qemu-user without binfmt_misc for the target: "exec format error"), which
// the benchmark does for each variant. The probe runs the variant mode with
// no variant, which exits 2 at once.
func probeReexec(t *testing.T) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot name this binary to re-execute it: %v", err)
	}
	err = exec.Command(exe, runFlag).Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() == 2 {
		return
	}
	if errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("this binary cannot re-execute itself here (%v): the kernel cannot run it without an emulator registered in binfmt_misc", err)
	}
	t.Fatalf("re-executing this binary in variant mode: %v, want exit status 2", err)
}

// TestExecMax checks that -exec-max skips the exec variant above it and says
// so in the table, without running anything.
func TestExecMax(t *testing.T) {
	var out bytes.Buffer
	cfg := config{ns: []int{20}, variants: []string{"exec"}, rounds: 1, execMax: 10, burst: "eof", timeout: time.Minute}
	rows, err := bench(context.Background(), cfg, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Skipped == "" || len(rows[0].Runs) != 0 {
		t.Fatalf("rows = %+v, want one skipped exec row", rows)
	}
	if !strings.Contains(out.String(), "skipped: N > -exec-max 10") {
		t.Errorf("the table does not say exec was skipped:\n%s", out.String())
	}
}

func TestMedian(t *testing.T) {
	runs := []result{
		{P99ns: 30, RSSKiB: 100, BaseRSSKiB: 50},
		{Error: "boom", P99ns: 1},
		{P99ns: 10, RSSKiB: 300, BaseRSSKiB: 260},
		{P99ns: 20, RSSKiB: 200, BaseRSSKiB: 190},
	}
	m, ok := median(runs)
	if ok != 3 || m.P99ns != 20 || m.RSSKiB != 200 || m.RSSKiB-m.BaseRSSKiB != 40 {
		t.Errorf("median = %+v, %d; want p99 20, RSS 200, beyond baseline 40 (the median difference), 3 ok", m, ok)
	}
}
