package wait

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait/internal/raw"
)

// These tests run against the real kernel: every one starts real children
// (the test binary in a helper mode, see main_test.go), stops, continues and
// kills them, and reaps each one by its pid. None runs in parallel, so the
// P_ALL and pid -1 tests cannot take another test's child.

// mustWait4 reaps pid with Wait4 and fails the test on any error.
func mustWait4(t *testing.T, pid int, opts Options) (WaitStatus, Rusage) {
	t.Helper()
	var ws WaitStatus
	var ru Rusage
	wpid, err := Wait4(pid, &ws, opts, &ru)
	if err != nil || wpid != pid {
		t.Fatalf("Wait4(%d, %v) = %d, %v; want %d, nil", pid, opts, wpid, err, pid)
	}
	return ws, ru
}

// mustWaitid waits for pid with Waitid and fails the test on any error.
func mustWaitid(t *testing.T, pid int, opts Options) Info {
	t.Helper()
	var info Info
	if err := Waitid(P_PID, pid, &info, opts); err != nil {
		t.Fatalf("Waitid(P_PID, %d, %v): %v", pid, opts, err)
	}
	if info.Pid != pid || info.Signo != syscall.SIGCHLD {
		t.Fatalf("Waitid(P_PID, %d, %v): info %+v; want pid %d, SIGCHLD", pid, opts, info, pid)
	}
	if info.UID != os.Getuid() {
		t.Errorf("Waitid: info.UID = %d, want %d", info.UID, os.Getuid())
	}
	return info
}

// mustWait6 waits for pid with Wait6 and fails the test on any error.
func mustWait6(t *testing.T, pid int, opts Options) (WaitStatus, WRusage, Info) {
	t.Helper()
	var ws WaitStatus
	var wru WRusage
	var info Info
	wpid, err := Wait6(P_PID, pid, &ws, opts, &wru, &info)
	if err != nil || wpid != pid || info.Pid != pid {
		t.Fatalf("Wait6(P_PID, %d, %v) = %d, %v (info %+v); want %d, nil", pid, opts, wpid, err, info, pid)
	}
	if wru.Children != (Rusage{}) {
		t.Errorf("Wait6 on Linux: WRusage.Children = %+v, want zero (Linux cannot split it)", wru.Children)
	}
	return ws, wru, info
}

// kill sends sig to the child pid, which the calling test has not reaped.
func kill(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill(%d, %v): %v", pid, sig, err)
	}
}

func TestExitCodes(t *testing.T) {
	for _, code := range []int{0, 1, 3, 255} {
		want := WaitStatus(code << 8)
		t.Run("wait4", func(t *testing.T) {
			pid := startHelper(t, "exit", itoa(code))
			ws, _ := mustWait4(t, pid, 0)
			if !ws.Exited() || ws.ExitStatus() != code || ws.Signaled() || ws.Stopped() || ws.Continued() {
				t.Errorf("status %#x: Exited %v ExitStatus %d; want exit %d", uint32(ws), ws.Exited(), ws.ExitStatus(), code)
			}
			if ws != want {
				t.Errorf("status word %#x, want %#x", uint32(ws), uint32(want))
			}
			if got, want := ws.String(), "exit status "+itoa(code); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
		})
		t.Run("waitid", func(t *testing.T) {
			pid := startHelper(t, "exit", itoa(code))
			info := mustWaitid(t, pid, WEXITED)
			if info.Code != CLD_EXITED || info.Status != code {
				t.Errorf("info %+v, want CLD_EXITED status %d", info, code)
			}
			if _, err := Wait4(pid, nil, 0, nil); !errors.Is(err, syscall.ECHILD) {
				t.Errorf("Waitid without WNOWAIT left the child waitable: Wait4 err %v", err)
			}
		})
		t.Run("wait6", func(t *testing.T) {
			pid := startHelper(t, "exit", itoa(code))
			ws, wru, info := mustWait6(t, pid, WEXITED)
			if ws != want || info.Code != CLD_EXITED || info.Status != code {
				t.Errorf("status %#x info %+v, want %#x CLD_EXITED %d", uint32(ws), info, uint32(want), code)
			}
			if wru.Self.UserTime+wru.Self.SystemTime <= 0 || wru.Self.MaxRSS <= 0 {
				t.Errorf("Wait6 rusage of a Go child is empty: %+v", wru.Self)
			}
		})
	}
}

func TestKilledBySignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			if signal.Ignored(sig) {
				// A child inherits an ignored disposition (nohup does this
				// to SIGHUP), so raising the signal would not kill it.
				t.Skipf("%v is ignored by this test process (started under nohup?); a child cannot die of it", sig)
			}
			pid := startHelper(t, "raise", itoa(int(sig)))
			ws6, _, info := mustWait6(t, pid, WEXITED|WNOWAIT)
			if info.Code != CLD_KILLED || info.Status != int(sig) {
				t.Errorf("Wait6 info %+v, want CLD_KILLED %d", info, sig)
			}
			ws, _ := mustWait4(t, pid, 0)
			if ws6 != ws {
				t.Errorf("Wait6 built status %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
			}
			if !ws.Signaled() || ws.Signal() != sig || ws.CoreDump() || ws.Exited() || ws.ExitStatus() != -1 {
				t.Errorf("status %#x: Signaled %v Signal %v CoreDump %v; want killed by %v", uint32(ws), ws.Signaled(), ws.Signal(), ws.CoreDump(), sig)
			}
			if got, want := ws.String(), "signal: "+sig.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
		})
	}
}

func TestCoreDump(t *testing.T) {
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil {
		t.Skipf("cannot read core_pattern to know whether cores can be dumped: %v", err)
	}
	piped := strings.HasPrefix(string(pattern), "|")
	cmd := helperCmd(t, "abort")
	cmd.Dir = t.TempDir() // where a core_pattern without a directory puts the core
	cmd.Stderr = nil      // the crash's goroutine dump
	pid := startCmd(t, cmd)
	ws6, _, info := mustWait6(t, pid, WEXITED|WNOWAIT)
	ws, _ := mustWait4(t, pid, 0)
	if !ws.Signaled() || ws.Signal() != syscall.SIGABRT {
		t.Fatalf("status %#x (%v), want killed by SIGABRT", uint32(ws), ws)
	}
	if ws6 != ws {
		t.Errorf("Wait6 built status %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
	}
	if !ws.CoreDump() {
		if emu := emulator(); emu != "" {
			// qemu-user writes qemu_*.core itself and then dies of the
			// signal without the kernel's core flag.
			cores, _ := filepath.Glob(filepath.Join(cmd.Dir, "*core*"))
			t.Skipf("running under the emulator %s, which dumps cores itself (files here: %q)", emu, cores)
		}
		if piped {
			t.Skipf("no core dumped: core_pattern pipes cores to %q, which did not take it", strings.TrimSpace(string(pattern)))
		}
		t.Fatalf("status %#x: no core dumped with RLIMIT_CORE unlimited and core_pattern %q", uint32(ws), strings.TrimSpace(string(pattern)))
	}
	if info.Code != CLD_DUMPED || info.Status != int(syscall.SIGABRT) {
		t.Errorf("Wait6 info %+v, want CLD_DUMPED SIGABRT", info)
	}
	if got, want := ws.String(), "signal: aborted (core dumped)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestStopContinue stops and continues one child and watches every report
// through all three calls: Wait6 peeks (WNOWAIT) and must build the very word
// Wait4 then consumes; Waitid must give CLD_STOPPED and CLD_CONTINUED.
func TestStopContinue(t *testing.T) {
	pid, _ := startBlock(t)

	if wpid, err := Wait4(pid, nil, WUNTRACED|WCONTINUED|WNOHANG, nil); wpid != 0 || err != nil {
		t.Fatalf("Wait4(WNOHANG) on a running child = %d, %v; want 0, nil", wpid, err)
	}

	kill(t, pid, syscall.SIGSTOP)
	ws6, _, info := mustWait6(t, pid, WSTOPPED|WNOWAIT)
	if info.Code != CLD_STOPPED || info.Status != int(syscall.SIGSTOP) {
		t.Errorf("Wait6 stop info %+v, want CLD_STOPPED SIGSTOP", info)
	}
	ws, _ := mustWait4(t, pid, WUNTRACED)
	if ws6 != ws {
		t.Errorf("stop: Wait6 built %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGSTOP || ws.TrapCause() != -1 || ws.Exited() || ws.Signaled() || ws.Continued() {
		t.Errorf("status %#x: Stopped %v StopSignal %v TrapCause %d; want stopped by SIGSTOP", uint32(ws), ws.Stopped(), ws.StopSignal(), ws.TrapCause())
	}
	if got, want := ws.String(), "stop signal: stopped (signal)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	kill(t, pid, syscall.SIGCONT)
	ws6, _, info = mustWait6(t, pid, WCONTINUED|WNOWAIT)
	if info.Code != CLD_CONTINUED || info.Status != int(syscall.SIGCONT) {
		t.Errorf("Wait6 continue info %+v, want CLD_CONTINUED SIGCONT", info)
	}
	ws, _ = mustWait4(t, pid, WCONTINUED)
	if ws6 != ws {
		t.Errorf("continue: Wait6 built %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
	}
	if !ws.Continued() || ws.Stopped() || ws.Signaled() || ws.Exited() || ws.String() != "continued" {
		t.Errorf("status %#x (%v): want continued", uint32(ws), ws)
	}

	// The same events through Waitid.
	kill(t, pid, syscall.SIGSTOP)
	if info := mustWaitid(t, pid, WSTOPPED); info.Code != CLD_STOPPED || info.Status != int(syscall.SIGSTOP) {
		t.Errorf("Waitid stop info %+v, want CLD_STOPPED SIGSTOP", info)
	}
	kill(t, pid, syscall.SIGCONT)
	if info := mustWaitid(t, pid, WCONTINUED); info.Code != CLD_CONTINUED || info.Status != int(syscall.SIGCONT) {
		t.Errorf("Waitid continue info %+v, want CLD_CONTINUED SIGCONT", info)
	}

	// Without WUNTRACED a stop is not reported: WNOHANG finds nothing.
	kill(t, pid, syscall.SIGSTOP)
	mustWaitid(t, pid, WSTOPPED|WNOWAIT) // the stop has happened
	if wpid, err := Wait4(pid, nil, WNOHANG, nil); wpid != 0 || err != nil {
		t.Errorf("Wait4(WNOHANG) without WUNTRACED on a stopped child = %d, %v; want 0, nil", wpid, err)
	}
	kill(t, pid, syscall.SIGKILL)
	if ws, _ := mustWait4(t, pid, 0); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("status %v, want killed", ws)
	}
}

// TestWait6RusageMatchesWait4 peeks at a zombie with Wait6 and WNOWAIT, then
// reaps it with Wait4: the kernel reports the same usage both times.
func TestWait6RusageMatchesWait4(t *testing.T) {
	pid := startHelper(t, "burn", "50")
	ws6, wru, _ := mustWait6(t, pid, WEXITED|WNOWAIT)
	ws, ru := mustWait4(t, pid, 0)
	if ws6 != ws {
		t.Errorf("Wait6 built %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
	}
	if wru.Self != ru {
		t.Errorf("Wait6 Self rusage differs from Wait4's:\n wait6 %+v\n wait4 %+v", wru.Self, ru)
	}
	if ru.UserTime < 40*time.Millisecond {
		t.Errorf("UserTime %v after burning 50ms", ru.UserTime)
	}
}

func TestWNOWAITLeavesChildWaitable(t *testing.T) {
	pid := startHelper(t, "exit", "7")
	first := mustWaitid(t, pid, WEXITED|WNOWAIT)
	second := mustWaitid(t, pid, WEXITED|WNOWAIT)
	if first != second || first.Code != CLD_EXITED || first.Status != 7 {
		t.Errorf("two WNOWAIT peeks: %+v then %+v; want the same CLD_EXITED 7", first, second)
	}
	if ws, _, _ := mustWait6(t, pid, WEXITED|WNOWAIT); ws.ExitStatus() != 7 {
		t.Errorf("Wait6 WNOWAIT peek: %v", ws)
	}
	if ws, _ := mustWait4(t, pid, 0); ws.ExitStatus() != 7 {
		t.Errorf("Wait4 after the peeks: %v, want exit status 7", ws)
	}
	if err := Waitid(P_PID, pid, nil, WEXITED|WNOHANG); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("Waitid after reaping: %v, want ECHILD", err)
	}
}

func TestWNOHANGNothingReady(t *testing.T) {
	pid, _ := startBlock(t)
	ws := WaitStatus(0xdead)
	if wpid, err := Wait4(pid, &ws, WNOHANG, nil); wpid != 0 || err != nil {
		t.Errorf("Wait4 = %d, %v; want 0, nil", wpid, err)
	}
	info := Info{Pid: 1, Signo: 1, Code: 1, Status: 1}
	if err := Waitid(P_PID, pid, &info, WEXITED|WSTOPPED|WCONTINUED|WNOHANG); err != nil || info.Pid != 0 || info.Signo != 0 {
		t.Errorf("Waitid: info %+v, err %v; want pid 0, signo 0, nil", info, err)
	}
	info = Info{Pid: 1, Signo: 1}
	ws = 0xdead
	if wpid, err := Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, nil, &info); wpid != 0 || err != nil || info.Pid != 0 || info.Signo != 0 {
		t.Errorf("Wait6 = %d, %v, info %+v; want 0, nil, zero info", wpid, err, info)
	}
	if ws != 0xdead {
		t.Errorf("Wait6 with nothing to report wrote status %#x", uint32(ws))
	}
	// A usage left from an earlier call is cleared, not kept: the kernel
	// fills nothing when WNOHANG finds nothing.
	ru := Rusage{UserTime: 1, MaxRSS: 1, SignalsReceived: 1}
	wru := WRusage{Self: ru, Children: ru}
	if wpid, err := Wait4(pid, nil, WNOHANG, &ru); wpid != 0 || err != nil || ru != (Rusage{}) {
		t.Errorf("Wait4 = %d, %v, rusage %+v; want 0, nil, zero rusage", wpid, err, ru)
	}
	if wpid, err := Wait6(P_PID, pid, nil, WEXITED|WNOHANG, &wru, nil); wpid != 0 || err != nil || wru != (WRusage{}) {
		t.Errorf("Wait6 = %d, %v, wrusage %+v; want 0, nil, zero wrusage", wpid, err, wru)
	}
}

func TestECHILD(t *testing.T) {
	self := os.Getpid() // never our own child
	check := func(call string, wpid int, err error) {
		t.Helper()
		var se *os.SyscallError
		if !errors.As(err, &se) || se.Syscall != call || !errors.Is(err, syscall.ECHILD) || !errors.Is(err, unix.ECHILD) {
			t.Errorf("%s: err %#v, want *os.SyscallError{Syscall: %q} wrapping ECHILD", call, err, call)
		}
		if wpid != 0 {
			t.Errorf("%s returned pid %d with an error", call, wpid)
		}
		if err != nil && !strings.HasPrefix(err.Error(), call+": ") {
			t.Errorf("message %q does not name %s", err, call)
		}
	}
	wpid, err := Wait4(self, nil, 0, nil)
	check("wait4", wpid, err)
	check("waitid", 0, Waitid(P_PID, self, nil, WEXITED))
	wpid, err = Wait6(P_PID, self, nil, WEXITED, nil, nil)
	check("wait6", wpid, err)
}

func TestProcessGroup(t *testing.T) {
	start := func(code string) int {
		cmd := helperCmd(t, "exit", code)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return startCmd(t, cmd)
	}
	pid := start("11")
	var ws WaitStatus
	if wpid, err := Wait4(-pid, &ws, 0, nil); err != nil || wpid != pid || ws.ExitStatus() != 11 {
		t.Errorf("Wait4(-pgid %d) = %d, %v, %v", pid, wpid, err, ws)
	}
	pid = start("12")
	var info Info
	if err := Waitid(P_PGID, pid, &info, WEXITED); err != nil || info.Pid != pid || info.Status != 12 {
		t.Errorf("Waitid(P_PGID, %d): info %+v, err %v", pid, info, err)
	}
	pid = start("13")
	if wpid, err := Wait6(P_PGID, pid, &ws, WEXITED, nil, nil); err != nil || wpid != pid || ws.ExitStatus() != 13 {
		t.Errorf("Wait6(P_PGID, %d) = %d, %v, %v", pid, wpid, err, ws)
	}
	// A group with no child of ours in it.
	if err := Waitid(P_PGID, pid, nil, WEXITED|WNOHANG); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("Waitid(P_PGID) on an empty group: %v, want ECHILD", err)
	}
}

// TestAnyChild waits with pid -1 and P_ALL. It first peeks with WNOWAIT so
// that it never reaps a child it did not start.
func TestAnyChild(t *testing.T) {
	peekAll := func(pid int) {
		t.Helper()
		var info Info
		if err := Waitid(P_ALL, 0, &info, WEXITED|WNOWAIT); err != nil {
			t.Fatalf("Waitid(P_ALL, WNOWAIT): %v", err)
		}
		if info.Pid != pid {
			t.Fatalf("Waitid(P_ALL) found child %d, not ours (%d): another test left a zombie", info.Pid, pid)
		}
	}
	pid := startHelper(t, "exit", "21")
	peekAll(pid)
	var ws WaitStatus
	if wpid, err := Wait4(-1, &ws, 0, nil); err != nil || wpid != pid || ws.ExitStatus() != 21 {
		t.Errorf("Wait4(-1) = %d, %v, %v; want %d exit 21", wpid, err, ws, pid)
	}
	pid = startHelper(t, "exit", "22")
	peekAll(pid)
	var info Info
	if err := Waitid(P_ALL, 12345, &info, WEXITED); err != nil || info.Pid != pid || info.Status != 22 {
		t.Errorf("Waitid(P_ALL, id ignored) info %+v, err %v", info, err)
	}
	pid = startHelper(t, "exit", "23")
	peekAll(pid)
	if wpid, err := Wait6(P_ALL, 0, &ws, WEXITED, nil, nil); err != nil || wpid != pid || ws.ExitStatus() != 23 {
		t.Errorf("Wait6(P_ALL) = %d, %v, %v", wpid, err, ws)
	}
}

func TestPidfd(t *testing.T) {
	pid := startHelper(t, "exit", "31")
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ENOSYS) {
		missingFeature(t, [2]int{5, 3}, "pidfd_open says ENOSYS")
	}
	if err != nil {
		t.Fatalf("pidfd_open(%d): %v", pid, err)
	}
	defer unix.Close(fd)
	var info Info
	if err := Waitid(P_PIDFD, fd, &info, WEXITED|WNOWAIT); errors.Is(err, syscall.EINVAL) {
		missingFeature(t, pidfdKernel, fmt.Sprintf("Waitid(P_PIDFD) refused: %v", err))
	} else if err != nil || info.Pid != pid || info.Code != CLD_EXITED || info.Status != 31 {
		t.Fatalf("Waitid(P_PIDFD) info %+v, err %v", info, err)
	}
	var ws WaitStatus
	if wpid, err := Wait6(P_PIDFD, fd, &ws, WEXITED, nil, nil); err != nil || wpid != pid || ws.ExitStatus() != 31 {
		t.Errorf("Wait6(P_PIDFD) = %d, %v, %v", wpid, err, ws)
	}
	if err := Waitid(P_PIDFD, fd, nil, WEXITED|WNOHANG); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("Waitid(P_PIDFD) after reaping: %v, want ECHILD", err)
	}
}

// TestPtraceExecEvent traces a child (all ptrace requests from one locked
// thread), turns on PTRACE_O_TRACEEXEC and lets the child exec: the exec
// stop's status word carries PTRACE_EVENT_EXEC in bits 16-23, which Wait6
// must rebuild from waitid's CLD_TRAPPED siginfo exactly as wait4 stores it.
// It also settles Linux's WTRAPPED: accepted beside WEXITED (a tracer sees
// ptrace stops anyway), refused alone.
func TestPtraceExecEvent(t *testing.T) {
	runtime.LockOSThread() // never unlocked: the thread ends with the test
	cmd := helperCmd(t, "exec", "exit", "5")
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	// The child is a Go program: fewer preemption signals (SIGURG), each of
	// which a tracee reports as a signal-delivery stop.
	cmd.Env = append(cmd.Env, "GODEBUG=asyncpreemptoff=1")
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) {
			t.Skipf("ptrace is not available here (qemu-user does not emulate it; seccomp may forbid it): %v", err)
		}
		t.Fatalf("starting a traced child: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { reapChild(t, pid) })

	// nextTrap peeks (Wait6, WNOWAIT) at the child's next report, passing
	// signal-delivery stops other than SIGTRAP on to it, and returns the
	// first SIGTRAP stop or exit, consumed by Wait4. The two words must match.
	nextTrap := func(opts Options) (WaitStatus, Info) {
		t.Helper()
		for range 1000 {
			ws6, _, info := mustWait6(t, pid, opts|WNOWAIT)
			ws, _ := mustWait4(t, pid, 0)
			if ws6 != ws {
				t.Errorf("Wait6 built %#x, Wait4 returned %#x", uint32(ws6), uint32(ws))
			}
			if !ws.Stopped() || ws.StopSignal() == syscall.SIGTRAP {
				return ws, info
			}
			if info.Code != CLD_TRAPPED || info.Status != int(ws.StopSignal()) {
				t.Errorf("signal-delivery stop %v: info %+v, want CLD_TRAPPED %d", ws, info, ws.StopSignal())
			}
			if err := unix.PtraceCont(pid, int(ws.StopSignal())); err != nil {
				t.Fatalf("PTRACE_CONT(%v): %v", ws.StopSignal(), err)
			}
		}
		t.Fatal("no SIGTRAP stop after 1000 other stops")
		return 0, Info{}
	}

	// The first stop: the SIGTRAP after PTRACE_TRACEME's execve, no event.
	ws, _ := mustWait4(t, pid, WTRAPPED)
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGTRAP || ws.TrapCause() != 0 {
		t.Fatalf("first stop %#x (%v): want SIGTRAP stop, TrapCause 0", uint32(ws), ws)
	}
	if err := unix.PtraceSetOptions(pid, unix.PTRACE_O_TRACEEXEC); err != nil {
		t.Fatalf("PTRACE_SETOPTIONS: %v", err)
	}
	if err := unix.PtraceCont(pid, 0); err != nil {
		t.Fatalf("PTRACE_CONT: %v", err)
	}

	// WTRAPPED alone is refused before any system call.
	_, err := Wait6(P_PID, pid, nil, WTRAPPED, nil, nil)
	if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Wait6(WTRAPPED alone): %v, want ErrUnsupported and EINVAL", err)
	}
	if err := Waitid(P_PID, pid, nil, WTRAPPED|WNOHANG); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Waitid(WTRAPPED alone): %v, want ErrUnsupported", err)
	}

	// The exec event stop, reported with WEXITED|WTRAPPED (no WSTOPPED):
	// Wait6 rebuilt the word from waitid's CLD_TRAPPED siginfo.
	ws, info := nextTrap(WEXITED | WTRAPPED)
	if info.Code != CLD_TRAPPED || info.Status != int(syscall.SIGTRAP)|unix.PTRACE_EVENT_EXEC<<8 {
		t.Errorf("Wait6 info %+v, want CLD_TRAPPED status SIGTRAP|PTRACE_EVENT_EXEC<<8", info)
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGTRAP || ws.TrapCause() != unix.PTRACE_EVENT_EXEC {
		t.Fatalf("event stop %#x: StopSignal %v TrapCause %d; want SIGTRAP, %d", uint32(ws), ws.StopSignal(), ws.TrapCause(), unix.PTRACE_EVENT_EXEC)
	}
	if got := unix.WaitStatus(ws).TrapCause(); got != ws.TrapCause() {
		t.Errorf("x/sys TrapCause %d, ours %d", got, ws.TrapCause())
	}
	if got, want := ws.String(), "stop signal: trace/breakpoint trap (trap 4)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if err := unix.PtraceCont(pid, 0); err != nil {
		t.Fatalf("PTRACE_CONT: %v", err)
	}
	if ws, _ := nextTrap(WEXITED); ws.ExitStatus() != 5 {
		t.Errorf("after the exec the child should exit 5: %v", ws)
	}
}

func TestRusage(t *testing.T) {
	t.Run("cpu", func(t *testing.T) {
		pid := startHelper(t, "burn", "200")
		_, ru := mustWait4(t, pid, 0)
		if ru.UserTime < 150*time.Millisecond {
			t.Errorf("UserTime %v after burning 200ms of CPU, want >= 150ms", ru.UserTime)
		}
		if ru.UserTime > time.Minute || ru.SystemTime < 0 || ru.SystemTime > time.Minute {
			t.Errorf("implausible times: %+v", ru)
		}
	})
	t.Run("memory", func(t *testing.T) {
		const mib = 64
		pid := startHelper(t, "touch", itoa(mib))
		_, wru, _ := mustWait6(t, pid, WEXITED|WNOWAIT)
		_, ru := mustWait4(t, pid, 0)
		for name, got := range map[string]int64{"Wait4": ru.MaxRSS, "Wait6": wru.Self.MaxRSS} {
			if got < mib<<20 {
				t.Errorf("%s MaxRSS %d bytes after touching %d MiB", name, got, mib)
			}
			if got > 1<<40 {
				t.Errorf("%s MaxRSS %d bytes: not converted from KiB correctly?", name, got)
			}
		}
		if ru.MinorFaults < mib<<20/65536 {
			t.Errorf("MinorFaults %d after touching %d MiB", ru.MinorFaults, mib)
		}
	})
}

// TestEINTRNeverReachesCaller blocks in each call while another goroutine
// floods the waiting thread (tgkill: the signal reaches that thread, not any
// thread of the process) with a handled signal. The flood starts once the
// call is seen blocked in its system call and the child exits only after
// many deliveries, so every call is interrupted while it waits.
func TestEINTRNeverReachesCaller(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	var got atomic.Int64
	go func() {
		for range sigs {
			got.Add(1)
		}
	}()
	calls := map[string]func(pid int) error{
		"Wait4": func(pid int) error {
			_, err := Wait4(pid, nil, 0, nil)
			return err
		},
		"Waitid": func(pid int) error { return Waitid(P_PID, pid, nil, WEXITED) },
		"Wait6": func(pid int) error {
			_, err := Wait6(P_PID, pid, nil, WEXITED, nil, nil)
			return err
		},
	}
	const deliveries = 200 // seen by signal.Notify while the call waits
	for name, call := range calls {
		pid, release := startBlock(t)
		runtime.LockOSThread()
		tid := unix.Gettid()
		done := make(chan struct{})
		flood := make(chan error, 1)
		go func() {
			kill := func() { _ = unix.Tgkill(os.Getpid(), tid, syscall.SIGUSR1) }
			err := awaitGoroutines(done, 1, []string{"syscall"}, "wait."+name+"(", "wait.TestEINTRNeverReachesCaller(")
			from, sent := got.Load(), 0
			for err == nil && got.Load()-from < deliveries {
				select {
				case <-done:
					err = fmt.Errorf("%s returned during the flood, before the child was released", name)
				default:
					if sent == 1_000_000 {
						err = fmt.Errorf("%d signals sent, %d seen", sent, got.Load()-from)
					}
					kill()
					sent++
				}
			}
			release.Close() // the child exits; keep flooding until the call returns
			for {
				select {
				case <-done:
					flood <- err
					return
				default:
					kill()
				}
			}
		}()
		err := call(pid)
		close(done)
		runtime.UnlockOSThread()
		if ferr := <-flood; ferr != nil {
			t.Errorf("%s: the flood did not happen as planned: %v", name, ferr)
		}
		if err != nil {
			t.Errorf("%s under a signal flood: %v", name, err)
		}
	}
	t.Logf("%d SIGUSR1 deliveries seen", got.Load())
}

// TestLinuxOptions exercises the Linux-only flags against the kernel.
func TestLinuxOptions(t *testing.T) {
	t.Run("WALL", func(t *testing.T) {
		pid := startHelper(t, "exit", "41")
		if ws, _ := mustWait4(t, pid, WALL); ws.ExitStatus() != 41 {
			t.Errorf("Wait4(WALL): %v", ws)
		}
		pid = startHelper(t, "exit", "42")
		if info := mustWaitid(t, pid, WEXITED|WALL); info.Status != 42 {
			t.Errorf("Waitid(WALL): %+v", info)
		}
	})
	t.Run("WCLONE", func(t *testing.T) {
		// Our children report SIGCHLD, so a __WCLONE wait does not see them.
		pid := startHelper(t, "exit", "43")
		stillWaitableLater := func() { t.Helper(); mustWaitid(t, pid, WEXITED|WNOWAIT) }
		stillWaitableLater()
		if _, err := Wait4(pid, nil, WCLONE|WNOHANG, nil); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Wait4(WCLONE) on a SIGCHLD child: %v, want ECHILD", err)
		}
		if err := Waitid(P_PID, pid, nil, WEXITED|WCLONE|WNOHANG); !errors.Is(err, syscall.ECHILD) {
			t.Errorf("Waitid(WCLONE) on a SIGCHLD child: %v, want ECHILD", err)
		}
		stillWaitableLater()
		if ws, _ := mustWait4(t, pid, WCLONE|WALL); ws.ExitStatus() != 43 { // __WALL wins
			t.Errorf("Wait4(WCLONE|WALL): %v", ws)
		}
	})
	t.Run("WNOTHREAD", func(t *testing.T) {
		// The child of one locked thread is invisible to a __WNOTHREAD wait
		// from another thread, and visible from its own.
		runLocked := func(f func()) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				runtime.LockOSThread() // never unlocked: the thread ends here
				f()
			}()
			<-done
		}
		var pid int
		parent := make(chan func())
		parentDone := make(chan struct{})
		go func() {
			defer close(parentDone)
			runtime.LockOSThread()
			for f := range parent {
				f()
			}
		}()
		defer func() { close(parent); <-parentDone }()
		onParent := func(f func()) {
			done := make(chan struct{})
			parent <- func() { f(); close(done) }
			<-done
		}
		onParent(func() {
			cmd := helperCmd(t, "exit", "44")
			if err := cmd.Start(); err != nil {
				t.Errorf("start: %v", err)
				return
			}
			pid = cmd.Process.Pid
			t.Cleanup(func() { reapChild(t, pid) })
		})
		if pid == 0 {
			t.FailNow()
		}
		mustWaitid(t, pid, WEXITED|WNOWAIT) // it has exited
		runLocked(func() {
			if _, err := Wait4(pid, nil, WNOTHREAD|WNOHANG, nil); !errors.Is(err, syscall.ECHILD) {
				t.Errorf("Wait4(WNOTHREAD) from another thread: %v, want ECHILD", err)
			}
		})
		onParent(func() {
			var ws WaitStatus
			if wpid, err := Wait4(pid, &ws, WNOTHREAD, nil); err != nil || wpid != pid || ws.ExitStatus() != 44 {
				t.Errorf("Wait4(WNOTHREAD) from the parent thread = %d, %v, %v", wpid, err, ws)
			}
		})
	})
	t.Run("wait4 rejects WEXITED and WNOWAIT", func(t *testing.T) {
		pid := zombie(t, "45")
		for _, o := range []Options{WEXITED, WNOWAIT, WEXITED | WNOHANG} {
			_, err := Wait4(pid, nil, o, nil)
			var se *os.SyscallError
			if !errors.As(err, &se) || se.Syscall != "wait4" || !errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Wait4(%v): %v, want wait4 EINVAL (not ErrUnsupported)", o, err)
			}
			// The kernel says the same.
			if _, errno := raw.Wait4(pid, nil, uint32(o)|uint32(WNOHANG), nil); errno != syscall.EINVAL {
				t.Errorf("kernel wait4(%v): %v, want EINVAL", o, errno)
			}
			stillWaitable(t, pid, "Wait4("+o.String()+")")
		}
	})
}

// TestLinuxLayouts checks the host abi tables against x/sys's Go structs,
// which are generated from the C headers.
func TestLinuxLayouts(t *testing.T) {
	var si unix.Siginfo
	l := raw.HostSiginfo
	if got := int(unsafe.Sizeof(si)); got != l.Size {
		t.Errorf("sizeof(unix.Siginfo) = %d, abi Size %d", got, l.Size)
	}
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"Signo", unsafe.Offsetof(si.Signo), uintptr(l.Signo)},
		{"Errno", unsafe.Offsetof(si.Errno), uintptr(l.Errno)},
		{"Code", unsafe.Offsetof(si.Code), uintptr(l.Code)},
	} {
		if f.got != f.want {
			t.Errorf("unix.Siginfo.%s at %d, abi says %d (%s)", f.name, f.got, f.want, runtime.GOARCH)
		}
	}
	if got := int(unsafe.Sizeof(unix.Rusage{})); got != raw.HostRusage.Size {
		t.Errorf("sizeof(unix.Rusage) = %d, abi Size %d", got, raw.HostRusage.Size)
	}
	if got := int(unsafe.Sizeof(syscall.Rusage{})); got != raw.HostRusage.Size {
		t.Errorf("sizeof(syscall.Rusage) = %d, abi Size %d", got, raw.HostRusage.Size)
	}
	var ru unix.Rusage
	if got := int(unsafe.Offsetof(ru.Maxrss)); got != 2*raw.HostRusage.TimevalSize {
		t.Errorf("unix.Rusage.Maxrss at %d, abi says %d", got, 2*raw.HostRusage.TimevalSize)
	}
}

// TestLinuxStrings checks the names of Linux values.
func TestLinuxStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{CLD_EXITED.String(), "CLD_EXITED"},
		{CLD_DUMPED.String(), "CLD_DUMPED"},
		{CLD_CONTINUED.String(), "CLD_CONTINUED"},
		{Code(0).String(), "Code(0)"},
		{Code(99).String(), "Code(99)"},
		{P_ALL.String(), "P_ALL"},
		{P_PIDFD.String(), "P_PIDFD"},
		{IDType(7).String(), "IDType(7)"},
		{Options(0).String(), "0"},
		{(WNOHANG | WUNTRACED).String(), "WNOHANG|WUNTRACED"},
		{(WEXITED | WSTOPPED | WNOWAIT).String(), "WUNTRACED|WEXITED|WNOWAIT"},
		{WCLONE.String(), "WCLONE"},
		{(WALL | WNOTHREAD | 0x10 | 0x100).String(), "WNOTHREAD|WALL|0x110"},
		{Info{}.String(), "no child changed state"},
		{Info{Pid: 42, UID: 1000, Signo: syscall.SIGCHLD, Code: CLD_EXITED, Status: 3}.String(), "pid 42 CLD_EXITED status 3 uid 1000"},
		{Info{Pid: 42, UID: 0, Signo: syscall.SIGCHLD, Code: CLD_KILLED, Status: 9}.String(), "pid 42 CLD_KILLED signal killed uid 0"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestStatusFromSiginfo checks, for every si_code and a spread of si_status
// values, that the word Wait6 builds decodes back to what waitid reported.
// (The kernel tests above check the words themselves against wait4's.)
func TestStatusFromSiginfo(t *testing.T) {
	statusFromSiginfo := func(code Code, st int32) WaitStatus {
		return WaitStatus(raw.StatusFromSiginfo(int32(code), st))
	}
	for st := int32(0); st < 0x10000; st += 0x41 {
		if s := statusFromSiginfo(CLD_EXITED, st); !s.Exited() || s.ExitStatus() != int(st&0xff) {
			t.Fatalf("CLD_EXITED %d: %#x (%v)", st, uint32(s), s)
		}
	}
	for sig := int32(1); sig < 0x7f; sig++ {
		s := statusFromSiginfo(CLD_KILLED, sig)
		if !s.Signaled() || s.Signal() != syscall.Signal(sig) || s.CoreDump() {
			t.Fatalf("CLD_KILLED %d: %#x (%v)", sig, uint32(s), s)
		}
		s = statusFromSiginfo(CLD_DUMPED, sig)
		if !s.Signaled() || s.Signal() != syscall.Signal(sig) || !s.CoreDump() {
			t.Fatalf("CLD_DUMPED %d: %#x (%v)", sig, uint32(s), s)
		}
		for _, code := range []Code{CLD_STOPPED, CLD_TRAPPED} {
			s = statusFromSiginfo(code, sig)
			if !s.Stopped() || s.StopSignal() != syscall.Signal(sig) || s.Continued() {
				t.Fatalf("%v %d: %#x (%v)", code, sig, uint32(s), s)
			}
		}
	}
	for event := int32(1); event <= 0xff; event++ {
		s := statusFromSiginfo(CLD_TRAPPED, int32(syscall.SIGTRAP)|event<<8)
		if s.StopSignal() != syscall.SIGTRAP || s.TrapCause() != int(event) || uint32(s)>>16 != uint32(event) {
			t.Fatalf("ptrace event %d: %#x, TrapCause %d", event, uint32(s), s.TrapCause())
		}
	}
	if s := statusFromSiginfo(CLD_CONTINUED, int32(syscall.SIGCONT)); s != 0xffff || !s.Continued() {
		t.Errorf("CLD_CONTINUED: %#x", uint32(s))
	}
	if s := statusFromSiginfo(0, 0); s != 0 {
		t.Errorf("no code: %#x", uint32(s))
	}
}
