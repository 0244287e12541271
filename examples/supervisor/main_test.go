//go:build unix

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait"
	"github.com/procwait/wait/internal/testenv"
)

// TestSupervisor builds the supervisor, runs it with a command that runs
// until signalled (a shell blocked opening a FIFO that nobody ever opens for
// writing), a failing one and a succeeding one, waits until the failing one has been
// restarted twice, sends SIGTERM, and checks that the supervisor exits with
// status 0, that it stopped the long-running child with SIGTERM, and that no
// process it started is left: this test process is a subreaper, so any
// leftover descendant would become its child.
func TestSupervisor(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "android", "freebsd", "dragonfly":
	default:
		t.Skipf("cannot check for leftover children without a subreaper, which %s lacks", runtime.GOOS)
	}
	if emu := testenv.Emulator(); emu != "" {
		t.Skipf("cannot check for leftover children: the emulator %s may not emulate a subreaper", emu)
	}
	if err := wait.SetSubreaper(true); err != nil {
		t.Fatalf("SetSubreaper(true) on %s, which has a child subreaper: %v", runtime.GOOS, err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to run the supervised commands: %v", err)
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the supervisor: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "supervisor")
	if out, err := exec.Command(gotool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	fifo := filepath.Join(t.TempDir(), "never-written")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	cmd := exec.Command(bin, "-backoff", "10ms", "-grace", "10s",
		sh, "-c", `read x <"$SUPERVISOR_TEST_FIFO"`, "::",
		sh, "-c", "exit 3", "::",
		sh, "-c", "exit 0")
	cmd.Env = append(os.Environ(), "SUPERVISOR_TEST_FIFO="+fifo)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var started []int // every pid the supervisor reported
	t.Cleanup(func() {
		// Only if the test failed half-way: nothing may outlive it.
		_ = cmd.Process.Kill()
		for _, pid := range started {
			reapLeftover(pid)
		}
		_ = cmd.Wait()
	})

	startedRE := regexp.MustCompile(`\[(\d+)\] started pid (\d+)`)
	blocked := 0 // the pid of command [1], the one that runs until signalled
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log []string
	guard := time.After(60 * time.Second)
	restarts, sawTrue := 0, false
	for restarts < 2 || !sawTrue {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("supervisor ended early:\n%s", strings.Join(log, "\n"))
			}
			log = append(log, l)
			if m := startedRE.FindStringSubmatch(l); m != nil {
				pid, _ := strconv.Atoi(m[2])
				started = append(started, pid)
				if m[1] == "1" && blocked == 0 {
					blocked = pid
				}
			}
			if strings.HasPrefix(l, "supervisor: [2] restarting") {
				restarts++
			}
			if strings.Contains(l, "[3] pid") && strings.Contains(l, "not restarting") {
				sawTrue = true
			}
		case <-guard:
			t.Fatalf("no two restarts within a minute:\n%s", strings.Join(log, "\n"))
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		log = append(log, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("supervisor after SIGTERM: %v\n%s", err, strings.Join(log, "\n"))
	}
	all := strings.Join(log, "\n")
	if !strings.Contains(all, "[1] pid "+strconv.Itoa(blocked)+": signal: terminated") {
		t.Errorf("the blocked child %d was not stopped by SIGTERM:\n%s", blocked, all)
	}
	if !strings.Contains(all, "all children stopped") {
		t.Errorf("supervisor did not report a clean stop:\n%s", all)
	}
	if wpid, err := wait.Wait4(-1, nil, wait.WNOHANG, nil); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("after the supervisor exited this process still has a child (pid %d, %v): a supervised process was left behind", wpid, err)
	}
	t.Logf("supervisor log:\n%s", all)
}

// reapLeftover kills and reaps pid if it became this process's child.
func reapLeftover(pid int) {
	var info wait.Info
	if err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED|wait.WNOHANG|wait.WNOWAIT); err != nil {
		return // not our child: gone, or still the supervisor's
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_, _ = wait.Wait4(pid, nil, 0, nil)
}

func TestSplit(t *testing.T) {
	got := split([]string{"a", "1", "::", "::", "b", "::"})
	if len(got) != 2 || strings.Join(got[0], " ") != "a 1" || strings.Join(got[1], " ") != "b" {
		t.Errorf("split = %q", got)
	}
}
