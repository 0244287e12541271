//go:build linux

package abi

import (
	"os/exec"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// TestRunstatFieldsLinux checks the Linux row against the running kernel: a
// child that catches a signal, and runs a pipeline (forks, pages memory in)
// is reaped with wait4, and every field the table calls unused is zero
// (ru_nsignals included, which a BSD would count), while ru_maxrss and
// ru_minflt, which Linux fills, are not.
func TestRunstatFieldsLinux(t *testing.T) {
	// The shell catches USR1 from itself, runs a pipeline (forks and pages
	// in) and exits.
	cmd := exec.Command("/bin/sh", "-c", `trap 'n=1' USR1; kill -USR1 $$; echo x | cat >/dev/null; exit 0`)
	if err := cmd.Start(); err != nil {
		t.Skipf("needs /bin/sh to run a measured child: %v", err)
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	if _, err := syscall.Wait4(cmd.Process.Pid, &ws, 0, &ru); err != nil {
		t.Fatalf("wait4: %v", err)
	}
	_ = cmd.Process.Release()
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("child status %#x, want exit status 0", uint32(ws))
	}
	got := Rusage{
		UserTime: time.Duration(ru.Utime.Nano()), SystemTime: time.Duration(ru.Stime.Nano()),
		MaxRSS: int64(ru.Maxrss), IntegralSharedRSS: int64(ru.Ixrss), IntegralDataRSS: int64(ru.Idrss),
		IntegralStackRSS: int64(ru.Isrss), MinorFaults: int64(ru.Minflt), MajorFaults: int64(ru.Majflt),
		Swaps: int64(ru.Nswap), BlockInputs: int64(ru.Inblock), BlockOutputs: int64(ru.Oublock),
		MessagesSent: int64(ru.Msgsnd), MessagesReceived: int64(ru.Msgrcv), SignalsReceived: int64(ru.Nsignals),
		VoluntaryContextSwitches: int64(ru.Nvcsw), InvoluntaryContextSwitches: int64(ru.Nivcsw),
	}
	v := reflect.ValueOf(got)
	unused, known := RusageUnused("linux")
	if !known {
		t.Fatal("RusageUnused(linux) is not known")
	}
	for _, name := range unused {
		if n := v.FieldByName(name).Int(); n != 0 {
			t.Errorf("%s = %d: the table says Linux leaves it zero", name, n)
		}
	}
	if got.MaxRSS <= 0 || got.MinorFaults <= 0 {
		t.Errorf("MaxRSS %d, MinorFaults %d: Linux fills both for every child", got.MaxRSS, got.MinorFaults)
	}
}
