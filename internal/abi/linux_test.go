//go:build linux

package abi

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On a Linux host the Linux table is checked against three independent
// sources: golang.org/x/sys (generated from the kernel headers), the running
// kernel itself, and the C compiler's view of glibc's structures.

func TestLinuxConstantsMatchXSys(t *testing.T) {
	o, _ := ForOS("linux")
	for name, want := range map[string]uint32{
		"WNOHANG": unix.WNOHANG, "WUNTRACED": unix.WUNTRACED, "WSTOPPED": unix.WSTOPPED,
		"WEXITED": unix.WEXITED, "WCONTINUED": unix.WCONTINUED, "WNOWAIT": unix.WNOWAIT,
		"WNOTHREAD": unix.WNOTHREAD, "WALL": unix.WALL, "WCLONE": unix.WCLONE,
	} {
		if got, ok := o.Flag(name); !ok || got != want {
			t.Errorf("%s = %#x (present %v), x/sys says %#x", name, got, ok, want)
		}
	}
	for name, want := range map[string]int{"P_ALL": unix.P_ALL, "P_PID": unix.P_PID, "P_PGID": unix.P_PGID, "P_PIDFD": unix.P_PIDFD} {
		if got, ok := o.IDType(name); !ok || got != int64(want) {
			t.Errorf("%s = %d (present %v), x/sys says %d", name, got, ok, want)
		}
	}
	if len(o.IDTypes) != 4 {
		t.Errorf("Linux has 4 idtypes, the table %d", len(o.IDTypes))
	}
	// WTRAPPED is the library's own bit: it must not be a kernel flag.
	wt, _ := o.Flag("WTRAPPED")
	for _, f := range o.Flags {
		if f.Name != "WTRAPPED" && uint32(f.Value)&wt != 0 {
			t.Errorf("WTRAPPED %#x overlaps %s", wt, f.Name)
		}
	}
	if o.Wait4Mask&wt != 0 || o.WaitidMask&wt != 0 {
		t.Errorf("WTRAPPED %#x is in a kernel mask", wt)
	}
}

// TestLinuxMasksMatchKernel asks the running kernel which option bits and
// idtypes it accepts. Every probe names a process that is not a child of the
// test (its own pid) or uses WNOWAIT, so nothing can be reaped: an accepted
// value fails later with ECHILD, a rejected one with EINVAL.
func TestLinuxMasksMatchKernel(t *testing.T) {
	o, _ := ForOS("linux")
	self := os.Getpid()
	const wnohang, wexited, wnowait = 0x1, 0x4, 0x01000000
	wait4 := func(opts uint32) syscall.Errno {
		var ws int32
		_, _, e := syscall.Syscall6(unix.SYS_WAIT4, uintptr(self), uintptr(unsafe.Pointer(&ws)), uintptr(opts), 0, 0, 0)
		return e
	}
	waitid := func(idtype, id int, opts uint32) syscall.Errno {
		var si [128]byte
		_, _, e := syscall.Syscall6(unix.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(&si)), uintptr(opts), 0, 0)
		return e
	}
	for bit := range 32 {
		b := uint32(1) << bit
		if got, want := wait4(b|wnohang) != syscall.EINVAL, o.Wait4Mask&b != 0 || b == wnohang; got != want {
			t.Errorf("wait4 option %#x: kernel accepts %v, Wait4Mask says %v", b, got, want)
		}
		if got, want := waitid(1, self, b|wexited|wnohang|wnowait) != syscall.EINVAL, o.WaitidMask&b != 0; got != want {
			t.Errorf("waitid option %#x: kernel accepts %v, WaitidMask says %v", b, got, want)
		}
		if got, want := waitid(1, self, b|wnohang|wnowait) != syscall.EINVAL, o.EventMask&b != 0; got != want {
			t.Errorf("waitid with only option %#x: kernel accepts %v, EventMask says %v", b, got, want)
		}
	}
	if e := wait4(o.Wait4Implied | wnohang); e != syscall.EINVAL {
		t.Errorf("wait4 with the implied bits %#x: %v, want EINVAL", o.Wait4Implied, e)
	}
	for idtype := range 16 {
		_, known := constNamed(o.IDTypes, int64(idtype))
		id := self
		if idtype == 3 { // P_PIDFD: a descriptor; 0 is not a pidfd but is a valid number
			id = 0
		}
		e := waitid(idtype, id, wexited|wnohang|wnowait)
		if got := e != syscall.EINVAL; got != known {
			t.Errorf("idtype %d: kernel accepts %v (%v), table knows it %v", idtype, got, e, known)
		}
	}
}

func constNamed(cs []Const, v int64) (string, bool) {
	for _, c := range cs {
		if c.Value == v {
			return c.Name, true
		}
	}
	return "", false
}

// layoutProgram prints glibc's siginfo_t and struct rusage layout.
const layoutProgram = `
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <sys/resource.h>
int main(void) {
	printf("%zu %zu %zu %zu %zu %zu %zu\n", sizeof(siginfo_t), offsetof(siginfo_t, si_signo),
		offsetof(siginfo_t, si_errno), offsetof(siginfo_t, si_code), offsetof(siginfo_t, si_pid),
		offsetof(siginfo_t, si_uid), offsetof(siginfo_t, si_status));
	struct rusage ru;
	printf("%zu %zu %zu %zu %zu\n", sizeof ru, sizeof ru.ru_utime.tv_sec, offsetof(struct timeval, tv_usec),
		sizeof ru.ru_utime, sizeof ru.ru_maxrss);
	return 0;
}
`

// TestLinuxLayoutsMatchC compiles layoutProgram for the host (and, where gcc
// has a 32-bit multilib, for 386 too) and compares with the table. The
// 32-bit rusage check uses glibc's 32-bit time_t struct, which is the
// kernel's legacy layout that wait4 and waitid fill.
func TestLinuxLayoutsMatchC(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler (cc) on PATH to report glibc's layouts")
	}
	// The C compiler reports layouts for its own target: under qemu-user the
	// test's GOARCH is not it.
	if out, err := exec.Command(cc, "-dumpmachine").Output(); err == nil {
		if m := strings.TrimSpace(string(out)); !strings.HasPrefix(m, cMachine[runtime.GOARCH]+"-") {
			t.Skipf("the C compiler targets %s, not this test's GOARCH %s (emulated?): it cannot report this arch's layouts", m, runtime.GOARCH)
		}
	}
	o, _ := ForOS("linux")
	dir := t.TempDir()
	src := filepath.Join(dir, "layout.c")
	if err := os.WriteFile(src, []byte(layoutProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	targets := map[string][]string{runtime.GOARCH: nil}
	if runtime.GOARCH == "amd64" {
		targets["386"] = []string{"-m32"}
	}
	for arch, flags := range targets {
		bin := filepath.Join(dir, "layout-"+arch)
		args := append(append([]string{}, flags...), "-o", bin, src)
		if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			if arch != runtime.GOARCH {
				t.Logf("skipping %s: %s cannot build for it (%v): %s", arch, cc, err, strings.TrimSpace(string(out)))
				continue
			}
			t.Fatalf("compiling: %v\n%s", err, out)
		}
		out, err := exec.Command(bin).Output()
		if err != nil {
			t.Fatalf("running the %s layout program: %v", arch, err)
		}
		var si SiginfoLayout
		var ru RusageLayout
		var secSize, longSize int
		if _, err := fmt.Sscan(string(out), &si.Size, &si.Signo, &si.Errno, &si.Code, &si.Pid, &si.UID, &si.Status,
			&ru.Size, &secSize, &ru.UsecOffset, &ru.TimevalSize, &longSize); err != nil {
			t.Fatalf("parsing %q: %v", out, err)
		}
		if want := o.Siginfo[arch]; si != want {
			t.Errorf("%s siginfo_t: C says %+v, table %+v", arch, si, want)
		}
		want := o.Rusage[arch]
		if ru.Size != want.Size || secSize != want.SecSize || ru.UsecOffset != want.UsecOffset ||
			ru.TimevalSize != want.TimevalSize || longSize != want.LongSize {
			t.Errorf("%s struct rusage: C says size %d tv_sec %d tv_usec@%d timeval %d long %d; table %+v",
				arch, ru.Size, secSize, ru.UsecOffset, ru.TimevalSize, longSize, want)
		}
		t.Logf("%s: siginfo %+v, rusage size %d", arch, si, ru.Size)
	}
}

// cMachine maps GOARCH to the first word of a C compiler's target triple.
var cMachine = map[string]string{
	"amd64": "x86_64", "386": "i686", "arm64": "aarch64", "arm": "arm",
	"riscv64": "riscv64", "s390x": "s390x", "ppc64le": "powerpc64le", "ppc64": "powerpc64",
	"mips64le": "mips64el", "mips64": "mips64", "mipsle": "mipsel", "mips": "mips", "loong64": "loongarch64",
}
