//go:build dragonfly || freebsd || netbsd

package wait

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// Tests of the native wait6 ports with real children; they run on the BSD
// machines of the CI. None waits with P_ALL or pid -1, so they may run
// beside other tests, but they do not call t.Parallel: each spawns.

// waitExited blocks until pid has exited, leaving it waitable.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOWAIT); err != nil || info.Pid != pid {
		t.Fatalf("Waitid(P_PID, %d, WEXITED|WNOWAIT) = %v, %+v", pid, err, info)
	}
}

// TestWait6SplitsRusage: the child (a shell) runs a grandchild that burns
// CPU time and reaps it. wait6's __wrusage reports the grandchild in
// Children; Self is what wait4 would report, which for an exited child
// includes its reaped descendants on these kernels (exit adds p_cru into
// the child's own usage), so Self holds at least Children's time and the
// shell's own faults on top.
func TestWait6SplitsRusage(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `"$0" 300; exit 7`, exe)
	cmd.Env = append(os.Environ(), helperEnv+"=burn")
	cmd.Stderr = os.Stderr
	pid := startCmd(t, cmd)

	var ws WaitStatus
	var wru WRusage
	var info Info
	wpid, err := Wait6(P_PID, pid, &ws, WEXITED, &wru, &info)
	if err != nil || wpid != pid {
		t.Fatalf("Wait6 = %d, %v; want %d", wpid, err, pid)
	}
	if !ws.Exited() || ws.ExitStatus() != 7 {
		t.Errorf("status %v, want exit status 7", ws)
	}
	if info.Pid != pid || info.Signo != syscall.SIGCHLD || info.Code != CLD_EXITED || info.Status != 7 {
		t.Errorf("info %+v, want pid %d SIGCHLD CLD_EXITED status 7", info, pid)
	}
	if wru.Children.UserTime < 200*time.Millisecond {
		t.Errorf("Children.UserTime %v: the grandchild burned 300ms", wru.Children.UserTime)
	}
	if wru.Self.UserTime < wru.Children.UserTime {
		t.Errorf("Self.UserTime %v below Children.UserTime %v: Self should include the reaped grandchild", wru.Self.UserTime, wru.Children.UserTime)
	}
	if wru.Self == wru.Children || wru.Self.MinorFaults <= wru.Children.MinorFaults {
		t.Errorf("Self %+v\nChildren %+v: the shell's own page faults are missing from Self", wru.Self, wru.Children)
	}
	if wru.Self.MaxRSS < 100<<10 || wru.Children.MaxRSS < 100<<10 {
		t.Errorf("MaxRSS self %d, children %d: want bytes (KiB not converted?)", wru.Self.MaxRSS, wru.Children.MaxRSS)
	}
}

// TestWaitidExitValue: si_status carries the value the child passed to
// exit(); FreeBSD keeps all 32 bits of it, while the status word keeps 8.
func TestWaitidExitValue(t *testing.T) {
	const code = 0x12345
	pid := startHelper(t, "exit", itoa(code))
	waitExited(t, pid)

	var info Info
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOWAIT); err != nil {
		t.Fatal(err)
	}
	if info.Code != CLD_EXITED || info.Status&0xff != code&0xff {
		t.Errorf("info %+v, want CLD_EXITED with status ending in %#x", info, code&0xff)
	}
	if runtime.GOOS == "freebsd" && info.Status != code {
		t.Errorf("Info.Status %#x, want the full exit value %#x", info.Status, code)
	}
	var ws WaitStatus
	if wpid, err := Wait4(pid, &ws, 0, nil); err != nil || wpid != pid {
		t.Fatalf("Wait4 = %d, %v", wpid, err)
	}
	if !ws.Exited() || ws.ExitStatus() != code&0xff {
		t.Errorf("status %v (%#x), want exit status %d", ws, uint32(ws), code&0xff)
	}
}

// TestWaitidNoHangClearsInfo: with WNOHANG and nothing to report, Waitid
// returns nil and a zero Info, as the BSD libcs clear the siginfo.
func TestWaitidNoHangClearsInfo(t *testing.T) {
	pid, _ := startBlock(t)
	info := Info{Pid: 99, UID: 99, Signo: 99, Code: 99, Status: 99}
	if err := Waitid(P_PID, pid, &info, WEXITED|WNOHANG); err != nil {
		t.Fatal(err)
	}
	if info.Pid != 0 || info.Signo != 0 || info.Code != 0 || info.Status != 0 {
		t.Errorf("info %+v, want it cleared", info)
	}
	var ws WaitStatus = 0xdead
	if wpid, err := Wait6(P_PID, pid, &ws, WEXITED|WNOHANG, nil, nil); err != nil || wpid != 0 {
		t.Errorf("Wait6 WNOHANG = %d, %v; want 0, nil", wpid, err)
	}
	if ws != 0xdead {
		t.Errorf("Wait6 stored status %#x though no child was found", uint32(ws))
	}
}

// TestWait6NeedsExited: wait6 reports exits only when asked with WEXITED,
// and wait4 implies it.
func TestWait6NeedsExited(t *testing.T) {
	pid := startHelper(t, "exit", "3")
	waitExited(t, pid)
	if wpid, err := Wait6(P_PID, pid, nil, WSTOPPED|WCONTINUED|WNOHANG, nil, nil); err != nil || wpid != 0 {
		t.Errorf("Wait6 without WEXITED = %d, %v; want 0, nil (exits not asked for)", wpid, err)
	}
	var ws WaitStatus
	var ru Rusage
	if wpid, err := Wait4(pid, &ws, WNOHANG, &ru); err != nil || wpid != pid {
		t.Fatalf("Wait4 = %d, %v; want %d", wpid, err, pid)
	}
	if ws.ExitStatus() != 3 || ws.String() != "exit status 3" {
		t.Errorf("status %v, want exit status 3", ws)
	}
	if ru.MaxRSS < 100<<10 {
		t.Errorf("Rusage.MaxRSS %d bytes: too small for a Go program (KiB not converted?)", ru.MaxRSS)
	}
}

// TestStopContinueStatus: stop and continue a child and check the status
// words each kernel writes (stopped: sig << 8 | 0x7f; continued: 0x13 on
// FreeBSD and DragonFly, 0xffff on NetBSD) and the siginfo codes.
func TestStopContinueStatus(t *testing.T) {
	pid, _ := startBlock(t)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var ws WaitStatus
	var info Info
	wpid, err := Wait6(P_PID, pid, &ws, WSTOPPED, nil, &info)
	if err != nil || wpid != pid {
		t.Fatalf("Wait6 WSTOPPED = %d, %v", wpid, err)
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGSTOP || ws.Continued() || ws.Signaled() {
		t.Errorf("status %v (%#x), want stopped by SIGSTOP only", ws, uint32(ws))
	}
	if info.Code != CLD_STOPPED || info.Status != int(syscall.SIGSTOP) {
		t.Errorf("info %+v, want CLD_STOPPED SIGSTOP", info)
	}

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	wpid, err = Wait6(P_PID, pid, &ws, WCONTINUED, nil, &info)
	if err != nil || wpid != pid {
		t.Fatalf("Wait6 WCONTINUED = %d, %v", wpid, err)
	}
	want := WaitStatus(0xffff)
	if runtime.GOOS != "netbsd" {
		want = 0x13
	}
	if ws != want || !ws.Continued() || ws.Stopped() || ws.String() != "continued" {
		t.Errorf("status %v (%#x), want continued (%#x)", ws, uint32(ws), uint32(want))
	}
	if info.Code != CLD_CONTINUED || info.Status != int(syscall.SIGCONT) {
		t.Errorf("info %+v, want CLD_CONTINUED SIGCONT", info)
	}
}
