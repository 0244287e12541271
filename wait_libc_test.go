//go:build darwin || openbsd || solaris

package wait

import (
	"errors"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// Real-children tests of the libc-reached systems (macOS, OpenBSD,
// illumos/Solaris). They run on those systems only (the CI workflow's macOS
// runner, or by hand); on Linux they are compiled by the cross-builds.

// libcChild starts argv as a child that the test reaps itself; the cleanup
// kills and reaps it by its pid unless the test already did (reaped).
func libcChild(t *testing.T, argv ...string) (pid int, reaped *bool) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", argv, err)
	}
	pid = cmd.Process.Pid
	done := new(bool)
	t.Cleanup(func() {
		if *done {
			return
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		var st WaitStatus
		_, _ = Wait4(pid, &st, 0, nil)
	})
	return pid, done
}

func TestLibcWait4Exit(t *testing.T) {
	pid, reaped := libcChild(t, "/bin/sh", "-c", "exit 7")
	var st WaitStatus
	var ru Rusage
	wpid, err := Wait4(pid, &st, 0, &ru)
	*reaped = err == nil
	if err != nil || wpid != pid {
		t.Fatalf("Wait4(%d) = %d, %v", pid, wpid, err)
	}
	if !st.Exited() || st.ExitStatus() != 7 {
		t.Errorf("status %#x (%v), want exit status 7", uint32(st), st)
	}
}

// TestLibcStopContinueKill walks one child through stop, continue and kill,
// seeing each event with a different call.
func TestLibcStopContinueKill(t *testing.T) {
	pid, reaped := libcChild(t, "/bin/sleep", "30")

	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var info Info
	// WUNTRACED, wait4's name, must work for waitid too (macOS has two bits).
	if err := Waitid(P_PID, pid, &info, WUNTRACED); err != nil {
		t.Fatalf("Waitid(WUNTRACED): %v", err)
	}
	if info.Pid != pid || info.Code != CLD_STOPPED || info.Status != int(syscall.SIGSTOP) || info.Signo != syscall.SIGCHLD {
		t.Errorf("stop: got %+v, want pid %d CLD_STOPPED SIGSTOP", info, pid)
	}

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var st WaitStatus
	wpid, err := Wait4(pid, &st, WCONTINUED, nil)
	if err != nil || wpid != pid || !st.Continued() {
		t.Errorf("Wait4(WCONTINUED) = %d, %v, status %#x (%v); want continued", wpid, err, uint32(st), st)
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var wru WRusage
	wpid, err = Wait6(P_PID, pid, &st, WEXITED, &wru, &info)
	*reaped = err == nil
	if err != nil || wpid != pid {
		t.Fatalf("Wait6 = %d, %v", wpid, err)
	}
	if !st.Signaled() || st.Signal() != syscall.SIGKILL {
		t.Errorf("status %#x (%v), want killed by SIGKILL", uint32(st), st)
	}
	if info.Code != CLD_KILLED || info.Status != int(syscall.SIGKILL) || info.Pid != pid {
		t.Errorf("info %+v, want CLD_KILLED SIGKILL pid %d", info, pid)
	}
}

// TestLibcWait6Rusage: the emulated Wait6 reports the reaped child's own
// usage in Self and leaves Children zero.
func TestLibcWait6Rusage(t *testing.T) {
	pid, reaped := libcChild(t, "/bin/sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; exit 3")
	var st WaitStatus
	var wru WRusage
	var info Info
	wpid, err := Wait6(P_PID, pid, &st, WEXITED, &wru, &info)
	*reaped = err == nil
	if err != nil || wpid != pid {
		t.Fatalf("Wait6 = %d, %v", wpid, err)
	}
	if !st.Exited() || st.ExitStatus() != 3 || info.Code != CLD_EXITED || info.Status != 3 {
		t.Errorf("status %v, info %+v; want exit status 3", st, info)
	}
	if wru.Self.UserTime+wru.Self.SystemTime <= 0 {
		t.Errorf("Self = %+v: no CPU time for a busy child", wru.Self)
	}
	if runtime.GOOS != "illumos" && runtime.GOOS != "solaris" && wru.Self.MaxRSS <= 0 {
		t.Errorf("Self.MaxRSS = %d, want > 0", wru.Self.MaxRSS)
	}
	if wru.Children != (Rusage{}) {
		t.Errorf("Children = %+v, want zero (cannot be split)", wru.Children)
	}
}

// TestLibcWait6NoWait: with WNOWAIT the child stays waitable and Wait4 then
// reaps the same exit.
func TestLibcWait6NoWait(t *testing.T) {
	pid, reaped := libcChild(t, "/bin/sh", "-c", "exit 5")
	var st, st2 WaitStatus
	var info Info
	wpid, err := Wait6(P_PID, pid, &st, WEXITED|WNOWAIT, nil, &info)
	if err != nil || wpid != pid || !st.Exited() || st.ExitStatus() != 5 {
		t.Fatalf("Wait6(WNOWAIT) = %d, %v, %v", wpid, err, st)
	}
	wpid, err = Wait4(pid, &st2, WNOHANG, nil)
	*reaped = err == nil && wpid == pid
	if !*reaped || st2 != st {
		t.Errorf("Wait4 after WNOWAIT = %d, %v, %#x; want %d and %#x", wpid, err, uint32(st2), pid, uint32(st))
	}
}

// TestLibcOptionRules: the per-OS option rules refuse what the OS lacks.
func TestLibcOptionRules(t *testing.T) {
	_, err := Wait4(-1, nil, WNOWAIT|WNOHANG, nil)
	if !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Wait4(WNOWAIT) = %v, want EINVAL", err)
	}
	if runtime.GOOS == "darwin" {
		err := Waitid(P_ALL, 0, nil, WEXITED|WTRAPPED|WNOHANG)
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Waitid(WTRAPPED) on darwin = %v, want ErrUnsupported", err)
		}
	}
}
