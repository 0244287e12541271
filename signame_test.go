//go:build unix

package wait

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/testenv"
)

// TestSignalName: SignalName agrees with x/sys's table for this OS and
// architecture on every number from -1 to 129 (SIGABRT where x/sys says
// SIGIOT), names the host's own syscall constants by their names whatever
// their numbers here, and gives "signal N" for numbers without a name.
func TestSignalName(t *testing.T) {
	for n := -1; n <= 129; n++ {
		sig := syscall.Signal(n)
		want := unix.SignalName(sig)
		switch want {
		case "":
			want = "signal " + strconv.Itoa(n)
		case "SIGIOT":
			want = "SIGABRT"
		}
		if got := SignalName(sig); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range []struct {
		sig  syscall.Signal
		want string
	}{
		{syscall.SIGSEGV, "SIGSEGV"}, {syscall.SIGKILL, "SIGKILL"}, {syscall.SIGTERM, "SIGTERM"},
		{syscall.SIGABRT, "SIGABRT"}, {syscall.SIGSTOP, "SIGSTOP"}, {syscall.SIGTSTP, "SIGTSTP"},
		{syscall.SIGCONT, "SIGCONT"}, {syscall.SIGCHLD, "SIGCHLD"}, {syscall.SIGBUS, "SIGBUS"},
		{syscall.SIGUSR1, "SIGUSR1"}, {syscall.SIGUSR2, "SIGUSR2"}, {syscall.SIGPIPE, "SIGPIPE"},
		{syscall.SIGHUP, "SIGHUP"}, {syscall.SIGSYS, "SIGSYS"}, {syscall.SIGURG, "SIGURG"},
		{syscall.SIGWINCH, "SIGWINCH"}, {syscall.SIGTTIN, "SIGTTIN"}, {syscall.SIGTTOU, "SIGTTOU"},
		{0, "signal 0"}, {-1, "signal -1"}, {1000, "signal 1000"},
	} {
		if got := SignalName(c.sig); got != c.want {
			t.Errorf("SignalName(%d) = %q, want %q", int(c.sig), got, c.want)
		}
	}
}

// killLAliases are names one signal number has under two spellings; kill -l
// may print either.
var killLAliases = map[string]string{
	"SIGIOT": "SIGABRT", "SIGPOLL": "SIGIO", "SIGCLD": "SIGCHLD", "SIGUNUSED": "SIGSYS", "SIGLOST": "SIGPWR",
}

// TestSignalNameKillL compares SignalName with the shell's kill -l, which
// names signals from the C library's table for this host: for each number
// from 1 to 64 that kill -l names (a shell prints the bare number, or fails,
// for one it does not know; real-time signals are left out, since the C
// library places SIGRTMIN at run time), "SIG" plus that name must be SignalName's
// answer or one of its aliases. Under qemu-user the shell is the host's, which
// numbers signals as the host architecture does, not as the emulated one.
func TestSignalNameKillL(t *testing.T) {
	if emu := testenv.Emulator(); emu != "" {
		t.Skipf("runs under the emulator %s: the host's kill -l numbers signals as the host architecture does", emu)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh on PATH to ask kill -l: %v", err)
	}
	named := 0
	for n := 1; n <= 64; n++ {
		out, err := exec.Command(sh, "-c", "kill -l "+strconv.Itoa(n)).Output()
		name := strings.TrimSpace(string(out))
		if err != nil || name == "" || strings.Trim(name, "0123456789") == "" || strings.ContainsAny(name, "+- ") ||
			strings.HasPrefix(strings.TrimPrefix(name, "SIG"), "RT") {
			continue // no fixed name: a bare number, an error, or a real-time signal (RTMIN+3), which the C library numbers at run time
		}
		named++
		name = "SIG" + strings.TrimPrefix(strings.ToUpper(name), "SIG")
		got := SignalName(syscall.Signal(n))
		if got != name && killLAliases[name] != got && killLAliases[got] != name {
			t.Errorf("SignalName(%d) = %q, kill -l %d says %q", n, got, n, name)
		}
	}
	if named < 15 {
		t.Errorf("kill -l named only %d of the signals 1..64; every Unix shell names at least the 15 POSIX ones", named)
	}
}
