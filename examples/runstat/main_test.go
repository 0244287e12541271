//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
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
	if r.Rusage.MaxRSSBytes <= 0 || !strings.HasSuffix(r.Rusage.MaxRSS, "iB") || r.Rusage.MinorFaults <= 0 {
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
