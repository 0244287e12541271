//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procwait/wait"
	"github.com/procwait/wait/internal/abi"
)

// The test binary runs as runstat itself when this is set, so the tests can
// check the real process exit code.
const asRunstat = "RUNSTAT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asRunstat) == "1" {
		os.Exit(run(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

func needSh(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH to run as the measured command")
	}
	return sh
}

// runstat runs the test binary as runstat with args and returns its exit
// code and report.
func runstat(t *testing.T, args ...string) (int, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), asRunstat+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running runstat: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestExitCode(t *testing.T) {
	sh := needSh(t)
	code, out := runstat(t, "--", sh, "-c", "exit 3")
	if code != 3 {
		t.Errorf("exit code %d, want 3\n%s", code, out)
	}
	for _, want := range []string{"exit status 3", "user time", "max resident set", "MiB", "involuntary switches"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestKilledJSON(t *testing.T) {
	sh := needSh(t)
	code, out := runstat(t, "-json", "--", sh, "-c", "kill -TERM $$")
	if want := 128 + int(syscall.SIGTERM); code != want {
		t.Errorf("exit code %d, want %d\n%s", code, want, out)
	}
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !r.Signaled || r.Signal != "SIGTERM" || r.Exited || r.ExitStatus != -1 || r.CoreDumped ||
		r.ExitCode != code || r.Pid <= 0 || r.Status != "signal: terminated" || r.StatusWord != uint32(syscall.SIGTERM) {
		t.Errorf("report %+v", r)
	}
	if r.Rusage.MaxRSSBytes == nil || *r.Rusage.MaxRSSBytes <= 0 || !strings.HasSuffix(r.Rusage.MaxRSS, "iB") ||
		r.Rusage.MinorFaults == nil || *r.Rusage.MinorFaults <= 0 {
		t.Errorf("rusage %+v", r.Rusage)
	}
}

func TestCommandNotFound(t *testing.T) {
	code, out := runstat(t, "--", "/nonexistent/command")
	if code != 127 || !strings.Contains(out, "runstat:") {
		t.Errorf("exit code %d, want 127\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	code, out := runstat(t)
	if code != 2 || !strings.Contains(out, "usage: runstat") {
		t.Errorf("exit code %d, want 2\n%s", code, out)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		64 << 20: "64.0 MiB", 3 << 30: "3.0 GiB", 5 << 40: "5.0 TiB",
	} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// rows maps each wait.Rusage field to its line in the text report and its
// key in the JSON report.
var rows = []struct{ field, text, key string }{
	{"MaxRSS", "max resident set", "max_rss_bytes"},
	{"IntegralSharedRSS", "integral shared RSS", "integral_shared_rss"},
	{"IntegralDataRSS", "integral data RSS", "integral_data_rss"},
	{"IntegralStackRSS", "integral stack RSS", "integral_stack_rss"},
	{"MinorFaults", "minor page faults", "minor_faults"},
	{"MajorFaults", "major page faults", "major_faults"},
	{"Swaps", "swaps", "swaps"},
	{"BlockInputs", "block inputs", "block_inputs"},
	{"BlockOutputs", "block outputs", "block_outputs"},
	{"MessagesSent", "messages sent", "messages_sent"},
	{"MessagesReceived", "messages received", "messages_received"},
	{"SignalsReceived", "signals received", "signals_received"},
	{"VoluntaryContextSwitches", "voluntary switches", "voluntary_context_switches"},
	{"InvoluntaryContextSwitches", "involuntary switches", "involuntary_context_switches"},
}

// TestRunstatShowsFilledFields runs runstat on this host, in text and in
// JSON: a field the OS leaves zero (internal/abi's RusageUnused) appears in
// neither, every other field appears in both, and the CPU times always do.
func TestRunstatShowsFilledFields(t *testing.T) {
	sh := needSh(t)
	unused, known := abi.RusageUnused(runtime.GOOS)
	if runtime.GOOS == "linux" && (!known || len(unused) != 7) {
		t.Fatalf("RusageUnused(linux) = %v, %v; want the seven fields Linux leaves zero", unused, known)
	}
	_, text := runstat(t, "--", sh, "-c", "exit 0")
	_, js := runstat(t, "-json", "--", sh, "-c", "exit 0")
	var keys map[string]json.RawMessage
	var r Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, js)
	}
	var top struct{ Rusage map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(js), &top); err != nil {
		t.Fatal(err)
	}
	keys = top.Rusage
	for _, row := range rows {
		want := !slices.Contains(unused, row.field)
		if got := strings.Contains(text, "  "+row.text+" "); got != want {
			t.Errorf("text report shows %q: %v, want %v\n%s", row.text, got, want, text)
		}
		if _, got := keys[row.key]; got != want {
			t.Errorf("JSON report has %q: %v, want %v\n%s", row.key, got, want, js)
		}
	}
	for _, s := range []string{"user time", "system time"} {
		if !strings.Contains(text, s) {
			t.Errorf("text report lacks %q:\n%s", s, text)
		}
	}
}

// TestRunstatReportTables builds reports for other systems' tables: with
// illumos's only the two CPU times remain (and no max_rss string); with no
// table every field is present, zeros included.
func TestRunstatReportTables(t *testing.T) {
	ru := wait.Rusage{UserTime: 3 * time.Millisecond, SystemTime: time.Millisecond, MaxRSS: 4 << 20, MinorFaults: 100}
	illumos, known := abi.RusageUnused("illumos")
	if !known {
		t.Fatal("RusageUnused(illumos) is not known")
	}
	var out bytes.Buffer
	r := makeReport([]string{"x"}, 42, 0, ru, illumos)
	printText(&out, r)
	for _, row := range rows {
		if strings.Contains(out.String(), row.text) {
			t.Errorf("illumos report shows %q:\n%s", row.text, out.String())
		}
	}
	b, err := json.Marshal(r.Rusage)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"user_time":"3ms","user_time_ns":3000000,"system_time":"1ms","system_time_ns":1000000}`; string(b) != want {
		t.Errorf("illumos JSON rusage\n got %s\nwant %s", b, want)
	}

	out.Reset()
	r = makeReport([]string{"x"}, 42, 0, ru, nil)
	printText(&out, r)
	for _, row := range rows {
		if !strings.Contains(out.String(), row.text) {
			t.Errorf("report without a table lacks %q:\n%s", row.text, out.String())
		}
	}
	if !strings.Contains(out.String(), "swaps                  0") || r.Rusage.Swaps == nil || *r.Rusage.Swaps != 0 {
		t.Errorf("a filled zero must show as 0:\n%s", out.String())
	}
	if r.ExitCode != 0 || r.Rusage.MaxRSS != "4.0 MiB" {
		t.Errorf("report %+v", r)
	}
}
