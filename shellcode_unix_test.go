//go:build unix

package wait

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestShellCodeFromShell compares ShellCode with /bin/sh's own $? for the
// same child behaviour: a child that exits 0, 3 or 255 (the test binary's
// exit mode), is killed by SIGKILL or SIGTERM (its raise mode), by SIGABRT
// (its abort mode: a Go crash that dumps core where the limits allow) or by
// SIGSEGV (a shell that sends it to itself; with the core limit raised it may
// dump core too). Each behaviour runs twice: under `sh -c '"$@"; echo $?'`,
// whose output is the shell's code, and as our own child reaped with Wait4,
// whose status must be the expected exit or signal and whose ShellCode must
// equal the shell's code and the expected one (128+N also when the core bit
// is set). The children run in a temporary directory, where any core lands.
func TestShellCodeFromShell(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("needs /bin/sh to compare with: %v", err)
	}
	type behaviour struct {
		name   string
		mode   string // helper mode, or "" for argv run as is
		argv   []string
		exit   int            // expected exit status, or -1
		signal syscall.Signal // expected signal, or 0
	}
	segv := "ulimit -c unlimited 2>/dev/null; kill -SEGV $$"
	cases := []behaviour{
		{"exit 0", "exit", []string{"0"}, 0, 0},
		{"exit 3", "exit", []string{"3"}, 3, 0},
		{"exit 255", "exit", []string{"255"}, 255, 0},
		{"SIGKILL", "raise", []string{strconv.Itoa(int(syscall.SIGKILL))}, -1, syscall.SIGKILL},
		{"SIGTERM", "raise", []string{strconv.Itoa(int(syscall.SIGTERM))}, -1, syscall.SIGTERM},
		{"SIGABRT", "abort", nil, -1, syscall.SIGABRT},
		{"SIGSEGV", "", []string{"/bin/sh", "-c", segv}, -1, syscall.SIGSEGV},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mk := func(prefix ...string) *exec.Cmd {
				argv := c.argv
				if c.mode != "" {
					argv = append([]string{exe}, c.argv...)
				}
				argv = append(prefix, argv...)
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Env = childEnv(os.Environ(), helperEnv, c.mode)
				cmd.Dir = dir
				return cmd
			}
			// The shell's view.
			sh := mk("/bin/sh", "-c", `"$@" 2>/dev/null; echo $?`, "sh")
			out, err := sh.Output()
			if err != nil {
				t.Fatalf("sh: %v (output %q)", err, out)
			}
			shellCode, err := strconv.Atoi(strings.TrimSpace(string(out)))
			if err != nil {
				t.Fatalf("sh printed %q, not a number", out)
			}

			// Ours.
			cmd := mk()
			cmd.Stderr = nil
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var ws WaitStatus
			_, err = Wait4(cmd.Process.Pid, &ws, 0, nil)
			_ = cmd.Process.Release()
			if err != nil {
				t.Fatalf("Wait4: %v", err)
			}
			want := c.exit
			if c.signal != 0 {
				want = 128 + int(c.signal)
				if !ws.Signaled() || ws.Signal() != c.signal {
					t.Fatalf("status %v (%#x), want death by %v", ws, uint32(ws), c.signal)
				}
			} else if !ws.Exited() || ws.ExitStatus() != c.exit {
				t.Fatalf("status %v (%#x), want exit status %d", ws, uint32(ws), c.exit)
			}
			if ws.CoreDump() {
				t.Logf("%s dumped core (status %#x)", c.name, uint32(ws))
			}
			if got := ws.ShellCode(); got != shellCode || got != want {
				t.Errorf("ShellCode() = %d for %v; sh's $? = %d; want %d", got, ws, shellCode, want)
			}
		})
	}
}
