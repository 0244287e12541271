//go:build unix

package wait

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the child process of every test that needs one:
// when helperEnv is set, TestMain runs the behaviour it names instead of the
// tests. This keeps the tests free of host tools, so they also run under
// qemu-user once binfmt_misc knows the target architecture.
//
// Modes and their arguments (all children exit on their own within a bound):
//
//	exit N        exit with code N
//	sleep D       sleep for time.Duration D (e.g. "30s"), then exit 0
//	burn MS       spin until this process has used MS milliseconds of user CPU, then exit 0
//	touch MIB     allocate MIB MiB, write every page, then exit 0
//	raise SIG     send itself signal number SIG, one that kills a Go program without a
//	              crash (SIGTERM, SIGKILL, SIGHUP, SIGINT; not SIGUSR1, which Go
//	              ignores); exit 99 if still alive after 10 s
//	abort         raise RLIMIT_CORE to its hard limit and crash with SIGABRT (GOTRACEBACK=crash), dumping core
//	              into the working directory where the kernel's core_pattern allows
//	exec MODE ARG...  replace itself (execve) with the helper in MODE
const helperEnv = "WAIT_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(runHelper(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runHelper runs one child behaviour and returns the exit code.
func runHelper(mode string, args []string) int {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		fmt.Fprintf(os.Stderr, "helper %s: missing argument %d\n", mode, i)
		os.Exit(120)
		return ""
	}
	num := func(i int) int {
		n, err := strconv.Atoi(arg(i))
		if err != nil {
			fmt.Fprintf(os.Stderr, "helper %s: %v\n", mode, err)
			os.Exit(121)
		}
		return n
	}
	switch mode {
	case "exit":
		return num(0)
	case "sleep":
		d, err := time.ParseDuration(arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 121
		}
		time.Sleep(d)
		return 0
	case "burn":
		want := time.Duration(num(0)) * time.Millisecond
		deadline := time.Now().Add(30 * time.Second)
		x := uint64(1)
		for time.Now().Before(deadline) {
			for i := 0; i < 1_000_000; i++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil &&
				time.Duration(ru.Utime.Nano()) >= want {
				helperSink = x
				return 0
			}
		}
		return 122
	case "touch":
		buf := make([]byte, num(0)<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = byte(i)
		}
		// Keep buf live until here so the pages stay counted.
		helperSink = uint64(buf[len(buf)-4096])
		return 0
	case "raise":
		sig := syscall.Signal(num(0))
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(10 * time.Second)
		return 99
	case "abort":
		// Raise the soft core limit to the hard one (field types differ
		// per OS, so no literal "unlimited" here).
		var lim syscall.Rlimit
		err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim)
		if err == nil {
			lim.Cur = lim.Max
			err = syscall.Setrlimit(syscall.RLIMIT_CORE, &lim)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "RLIMIT_CORE:", err)
		}
		debug.SetTraceback("crash")
		panic("helper abort: crashing on purpose to dump core")
	case "exec":
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 123
		}
		env := []string{helperEnv + "=" + arg(0)}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, helperEnv+"=") {
				env = append(env, kv)
			}
		}
		err = syscall.Exec(exe, append([]string{exe}, args[1:]...), env)
		fmt.Fprintln(os.Stderr, "exec:", err)
		return 124
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 125
}

// helperCmd returns a command that runs this test binary as a child in mode
// (see helperEnv). Its output goes to the test's stderr.
func helperCmd(t testing.TB, mode string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary to re-execute: %v", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	return cmd
}

// startHelper starts helperCmd(t, mode, args...) and returns its pid. A
// cleanup kills and reaps the child by its pid unless the test reaped it.
func startHelper(t testing.TB, mode string, args ...string) int {
	t.Helper()
	return startCmd(t, helperCmd(t, mode, args...))
}

// startCmd starts cmd and registers the cleanup described at startHelper.
// The test must reap the child only through this package or syscall wait
// calls, never cmd.Wait.
func startCmd(t testing.TB, cmd *exec.Cmd) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", cmd.Args, err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		defer cmd.Process.Release()
		reapChild(t, pid)
	})
	return pid
}

// reapChild kills and reaps pid if it is still an unreaped child of this
// process. While a child is unreaped its pid cannot be reused, so the kill
// never reaches another process.
func reapChild(t testing.TB, pid int) {
	t.Helper()
	for range 100 {
		err := Waitid(P_PID, pid, nil, WEXITED|WSTOPPED|WCONTINUED|WNOHANG|WNOWAIT)
		if errors.Is(err, syscall.ECHILD) {
			return // reaped already (by the test)
		} else if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		var ws WaitStatus
		wpid, err := Wait4(pid, &ws, 0, nil)
		if errors.Is(err, syscall.ECHILD) {
			return
		}
		if err == nil && wpid == pid && (ws.Exited() || ws.Signaled()) {
			return
		}
		// A ptrace stop was reported first; go round.
	}
	t.Errorf("cleanup: child %d would not die", pid)
}

func itoa(i int) string { return strconv.Itoa(i) }

// stillWaitable fails unless pid is an unreaped child that has exited.
func stillWaitable(t *testing.T, pid int, after string) {
	t.Helper()
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT); err != nil || info.Pid != pid {
		t.Fatalf("after %s: zombie %d no longer waitable: info %+v, err %v", after, pid, info, err)
	}
}

// zombie starts a child that exits with code and waits (without reaping)
// until it is a zombie.
func zombie(t *testing.T, code string) int {
	t.Helper()
	pid := startHelper(t, "exit", code)
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOWAIT); err != nil || info.Pid != pid {
		t.Fatalf("waiting for %d to exit: info %+v, err %v", pid, info, err)
	}
	return pid
}

// helperSink keeps the helper modes' work observable, so the compiler keeps it.
var helperSink uint64
