//go:build unix

package wait

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procwait/wait/internal/testenv"
)

// The test binary doubles as the child process of every test that needs one:
// when helperEnv is set, TestMain runs the behaviour it names instead of the
// tests. This keeps the tests free of host tools, so they also run under
// qemu-user once binfmt_misc knows the target architecture.
//
// Modes and their arguments (all but block exit on their own within a
// bound; a test that needs a child to run until it says so uses block, never
// a long sleep, which a slow or emulated machine can outlast):
//
//	exit N        exit with code N
//	sleep D       sleep for time.Duration D (e.g. "30s"), then exit 0
//	block [N]     read stdin until EOF (the parent closes its end of the pipe, see
//	              blockCmd), then exit N (default 0); never ends on its own timer
//	burn MS       spin until this process has used MS milliseconds of user CPU, then exit 0
//	touch MIB     allocate MIB MiB, write every page, then exit 0
//	raise SIG     send itself signal number SIG, one that kills a Go program without a
//	              crash (SIGTERM, SIGKILL, SIGHUP, SIGINT; not SIGUSR1, which Go
//	              ignores); exit 99 if still alive after 10 s
//	abort         raise RLIMIT_CORE to its hard limit and crash with SIGABRT (GOTRACEBACK=crash), dumping core
//	              into the working directory where the kernel's core_pattern allows
//	exec MODE ARG...  replace itself (execve) with the helper in MODE
const helperEnv = "WAIT_TEST_HELPER"

// A helper runs on the process's main thread: runtime.LockOSThread in an
// init function keeps the main goroutine there. Mode exec depends on it: a
// traced child's execve from another thread (one its tracer never attached
// to) replaces the traced leader without a PTRACE_EVENT_EXEC stop, and
// TestPtraceExecEvent then sees the new program's exit instead.
func init() {
	if _, ok := os.LookupEnv(helperEnv); ok {
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	runHelperIf(helperEnv, runHelper)
	os.Exit(m.Run())
}

// runHelperIf is the dispatch of a re-executed copy of the test binary: if
// the environment variable env is set, it exits with run(its value,
// os.Args[1:]); otherwise it returns. Each helper family (helperEnv,
// reapHelperEnv, ...) calls it with its own variable, from an init or
// TestMain.
func runHelperIf(env string, run func(mode string, args helperArgs) int) {
	if mode, ok := os.LookupEnv(env); ok {
		os.Exit(run(mode, os.Args[1:]))
	}
}

// helperArgs are the command-line arguments of a helper mode.
type helperArgs []string

// num returns argument i as an int, or 0 when it is missing or not a
// number.
func (a helperArgs) num(i int) int {
	if i >= len(a) {
		return 0
	}
	n, _ := strconv.Atoi(a[i])
	return n
}

// childEnv is base without any helper selector of this package's tests
// (WAIT_*_HELPER: a child that inherited one would run that helper instead
// of the mode meant for it), plus env=mode when mode is not "".
func childEnv(base []string, env, mode string) []string {
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WAIT_") && strings.HasSuffix(k, "_HELPER") {
			continue
		}
		out = append(out, kv)
	}
	if mode != "" {
		out = append(out, env+"="+mode)
	}
	return out
}

// selfCmd returns a command that runs the test binary exe as a child with
// the helper variable env set to mode (and no other helper variable), its
// output going to this process's stderr.
func selfCmd(exe, env, mode string, args ...string) *exec.Cmd {
	cmd := exec.Command(exe, args...)
	cmd.Env = childEnv(os.Environ(), env, mode)
	cmd.Stderr = os.Stderr
	return cmd
}

// runHelper runs one child behaviour and returns the exit code.
func runHelper(mode string, args helperArgs) int {
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
	case "block":
		// Read errors end the wait too: only the parent's side of the
		// pipe decides when this child goes.
		_, _ = io.Copy(io.Discard, os.Stdin)
		if len(args) > 0 {
			return num(0)
		}
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
	return selfCmd(exe, helperEnv, mode, args...)
}

// blockCmd returns helperCmd(t, "block", args...) with its stdin connected
// to a fresh pipe, and the write end of that pipe. The child runs until the
// write end is closed (it then exits 0, or args[0] if given) or it is killed:
// nothing in it depends on wall-clock time, however slow the machine.
//
// cmd.Stdin is the read end as an *os.File, so cmd.Start hands it over
// directly and starts no copying goroutine. The parent's copy of the read end
// is closed by startCmd and hStart right after a successful start; a caller
// that starts cmd some other way (cmd.Start, Start) may close it with
// closeChildStdin after the start, and otherwise a cleanup closes it. The
// same cleanup closes the write end, so no descriptor outlives the test and
// a child the test forgot ends at EOF. Both ends are close-on-exec in the
// parent, so no other child inherits them.
func blockCmd(t testing.TB, args ...string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("pipe for a blocked child: %v", err)
	}
	cmd := helperCmd(t, "block", args...)
	cmd.Stdin = r
	blockPipes.Store(cmd, r)
	t.Cleanup(func() {
		_ = w.Close()
		closeChildStdin(cmd)
	})
	return cmd, w
}

// blockPipes maps each command made by blockCmd to the parent's copy of
// its stdin read end, until closeChildStdin closes it.
var blockPipes sync.Map // *exec.Cmd -> *os.File

// closeChildStdin closes the parent's copy of the read end that blockCmd
// gave cmd as its stdin. Call it once cmd has started (the child holds its
// own copy); it does nothing for other commands or a second time.
func closeChildStdin(cmd *exec.Cmd) {
	if r, ok := blockPipes.LoadAndDelete(cmd); ok {
		_ = r.(*os.File).Close()
	}
}

// startBlock starts a blockCmd child (args as for blockCmd) with startCmd
// and returns its pid and the write end of its stdin: close it to let the
// child exit.
func startBlock(t testing.TB, args ...string) (int, io.WriteCloser) {
	t.Helper()
	cmd, w := blockCmd(t, args...)
	return startCmd(t, cmd), w
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
	closeChildStdin(cmd)
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

// TestBlockHelper checks the "block" helper and blockCmd: the child is still
// running (not a zombie) after it has been started, ends with the status
// asked for once the write end is closed, and the parent keeps only the
// write end of the pipe while the child runs and nothing of it afterwards.
func TestBlockHelper(t *testing.T) {
	pid, w := startBlock(t, "7")
	pipe := fdTarget(t, int(w.(*os.File).Fd()))
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG|WNOWAIT); err != nil || info.Pid != 0 {
		t.Fatalf("blocked child %d reported before its pipe closed: info %+v, err %v", pid, info, err)
	}
	if n := countFDs(t, pipe); n != 1 {
		t.Errorf("after start the parent holds %d descriptors on %s, want 1 (the write end)", n, pipe)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var ws WaitStatus
	if wpid, err := Wait4(pid, &ws, 0, nil); err != nil || wpid != pid || ws.ExitStatus() != 7 {
		t.Fatalf("Wait4(%d) = %d, %v, %v; want exit status 7", pid, wpid, ws, err)
	}
	if n := countFDs(t, pipe); n != 0 {
		t.Errorf("after the child ended the parent holds %d descriptors on %s, want 0", n, pipe)
	}
}

// fdTarget returns what /proc/self/fd says descriptor fd refers to (such as
// "pipe:[1234]"), skipping the test where there is no /proc.
func fdTarget(t *testing.T, fd int) string {
	t.Helper()
	target, err := os.Readlink("/proc/self/fd/" + itoa(fd))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc/self/fd on this system")
	} else if err != nil {
		t.Fatal(err)
	}
	return target
}

// countFDs counts this process's descriptors that refer to target (see
// fdTarget).
func countFDs(t *testing.T, target string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		// The listing's own descriptor is gone by now and reads as an error.
		if got, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && got == target {
			n++
		}
	}
	return n
}

// pollBound is how long a test polls for a condition it expects: generous,
// since a loaded or emulated machine can be very slow. Reaching it fails the
// test; no test waits for a fixed time and assumes.
const pollBound = 2 * time.Minute

// parkedStates are the states, as runtime.Stack prints them, of a goroutine
// that is blocked without an OS thread of its own: in the network poller or
// on a channel or condition. A goroutine blocked in a system call shows
// "syscall" and holds a thread.
var parkedStates = []string{"IO wait", "select", "chan receive", "sync.Cond.Wait"}

// goroutineDump returns the stacks of all goroutines, one entry each.
func goroutineDump() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineState returns the state in a stack's header line, such as
// "IO wait" from "goroutine 7 [IO wait, 2 minutes]:".
func goroutineState(stack string) string {
	head, _, _ := strings.Cut(stack, "\n")
	_, st, ok := strings.Cut(head, "[")
	if !ok {
		return ""
	}
	st, _, _ = strings.Cut(st, "]")
	st, _, _ = strings.Cut(st, ",")
	return st
}

// countGoroutines counts the goroutines whose stacks contain every one of
// frames (substrings such as "wait.(*Handle).Wait(") and whose state begins
// with one of states. For a failure message it also tells how many of the
// goroutines with the frames are in each state, as in "[select:3 syscall:1]".
func countGoroutines(states []string, frames ...string) (n int, seen string) {
	byState := map[string]int{}
next:
	for _, g := range goroutineDump() {
		for _, f := range frames {
			if !strings.Contains(g, f) {
				continue next
			}
		}
		st := goroutineState(g)
		byState[st]++
		for _, want := range states {
			if strings.HasPrefix(st, want) {
				n++
				break
			}
		}
	}
	return n, fmt.Sprint(byState) // fmt sorts map keys
}

// awaitGoroutines polls until at least n goroutines match (see
// countGoroutines), for up to pollBound or until stop is closed (nil: never).
// It returns nil once they match, or an error that says what was still
// missing. It calls no testing.T method, so any goroutine may use it.
func awaitGoroutines(stop <-chan struct{}, n int, states []string, frames ...string) error {
	deadline := time.NewTimer(pollBound)
	defer deadline.Stop()
	pause := 100 * time.Microsecond
	for {
		got, seen := countGoroutines(states, frames...)
		if got >= n {
			return nil
		}
		select {
		case <-time.After(pause):
			pause = min(2*pause, 10*time.Millisecond)
			continue
		case <-deadline.C:
		case <-stop:
		}
		return fmt.Errorf("only %d of %d goroutines with %q in their stacks are in states %q (all with those frames, by state: %s)",
			got, n, frames, states, seen)
	}
}

// emulator names the user-mode emulator running this process, or "" (see
// testenv.Emulator).
var emulator = testenv.Emulator
