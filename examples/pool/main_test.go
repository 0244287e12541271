//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/procwait/wait"
)

// The script each restart test's worker runs: it exits at once with its
// own PID modulo 3, so each exit status can be checked against its PID.
const exitScript = `exit $(($$ % 3))`

var (
	startedRE = regexp.MustCompile(`^pool: started pid (\d+) \(started (\d+), exited (\d+), running (\d+)\)$`)
	exitRE    = regexp.MustCompile(`^pool: pid (\d+) (.+) \(started (\d+), exited (\d+), running (\d+)\)$`)
)

// event is one start or exit line of the log.
type event struct {
	start                    bool
	pid                      int
	status                   string // exits only
	started, exited, running int
}

// parseLog returns the start and exit lines of a pool log, checking on the
// way that each prints the counts right: a start adds one to started, an
// exit one to exited, running is their difference and never above n.
func parseLog(t *testing.T, log string, n int) []event {
	t.Helper()
	var evs []event
	started, exited := 0, 0
	for line := range strings.Lines(log) {
		line = strings.TrimSuffix(line, "\n")
		var ev event
		var nums []string
		if m := startedRE.FindStringSubmatch(line); m != nil {
			ev.start, nums = true, m[1:]
			started++
		} else if m := exitRE.FindStringSubmatch(line); m != nil {
			ev.status, nums = m[2], append([]string{m[1]}, m[3:]...)
			exited++
		} else {
			continue
		}
		ints := make([]int, len(nums))
		for i, s := range nums {
			ints[i], _ = strconv.Atoi(s)
		}
		ev.pid, ev.started, ev.exited, ev.running = ints[0], ints[1], ints[2], ints[3]
		if ev.started != started || ev.exited != exited || ev.running != started-exited || ev.running > n {
			t.Errorf("%q: counts wrong, want started %d, exited %d, running %d (at most %d)", line, started, exited, started-exited, n)
		}
		evs = append(evs, ev)
	}
	return evs
}

// checkPairs checks that every start is matched by exactly one exit of the
// same PID, later, before that PID starts again, and returns the exits'
// statuses by PID (the last one for a PID that was reused).
func checkPairs(t *testing.T, evs []event) map[int]string {
	t.Helper()
	live := map[int]bool{}
	status := map[int]string{}
	for _, ev := range evs {
		switch {
		case ev.start && live[ev.pid]:
			t.Errorf("pid %d started again before its exit", ev.pid)
		case ev.start:
			live[ev.pid] = true
		case !live[ev.pid]:
			t.Errorf("pid %d exited (%s) without a start, or twice", ev.pid, ev.status)
		default:
			delete(live, ev.pid)
			status[ev.pid] = ev.status
		}
	}
	for pid := range live {
		t.Errorf("pid %d started and never exited", pid)
	}
	return status
}

// checkNoChild fails the test if this process has any child left, exited or
// not: waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT) must answer ECHILD.
func checkNoChild(t *testing.T) {
	t.Helper()
	var info wait.Info
	if err := wait.Waitid(wait.P_ALL, 0, &info, wait.WEXITED|wait.WNOHANG|wait.WNOWAIT); !errors.Is(err, syscall.ECHILD) {
		t.Errorf("a child is left: waitid(P_ALL) = %v, pid %d (want ECHILD)", err, info.Pid)
	}
}

func shell(t *testing.T) string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to run the workers: %v", err)
	}
	return sh
}

// TestRestarts runs 8 workers that exit at once with 100 restarts allowed:
// exactly 108 starts and 108 exits, in pairs, each with the exit status its
// PID gives it, the counts right on every line and on the last, and no
// child left.
func TestRestarts(t *testing.T) {
	sh := shell(t)
	var log bytes.Buffer
	c, err := run(context.Background(), config{n: 8, restarts: 100, grace: time.Second, argv: []string{sh, "-c", exitScript}}, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	want := Counts{Started: 108, Exited: 108, Restarts: 100}
	if c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	evs := parseLog(t, log.String(), 8)
	if len(evs) != 2*108 {
		t.Errorf("%d start and exit lines, want %d", len(evs), 2*108)
	}
	for _, ev := range evs {
		if !ev.start && ev.status != fmt.Sprintf("exit status %d", ev.pid%3) {
			t.Errorf("pid %d: %q, want exit status %d", ev.pid, ev.status, ev.pid%3)
		}
	}
	checkPairs(t, evs)
	if !strings.HasSuffix(log.String(), "pool: done: started 108, exited 108, running 0, restarts 100\n") {
		t.Errorf("last line wrong:\n%s", log.String())
	}
	if t.Failed() {
		t.Logf("log:\n%s", log.String())
	}
	checkNoChild(t)
}

// TestZeroBudget: with no restarts allowed the pool runs each worker once.
func TestZeroBudget(t *testing.T) {
	sh := shell(t)
	var log bytes.Buffer
	c, err := run(context.Background(), config{n: 3, argv: []string{sh, "-c", exitScript}}, &log)
	if err != nil || c != (Counts{Started: 3, Exited: 3}) {
		t.Errorf("run = %+v, %v; want 3 started and exited, no restart\n%s", c, err, log.String())
	}
	checkPairs(t, parseLog(t, log.String(), 3))
	checkNoChild(t)
}

// TestStop runs 6 workers that block until signalled (a shell opening a
// FIFO that nobody opens for writing); those with an even PID ignore
// SIGTERM. Once every worker has said it is ready (its trap set), the
// context ends: every worker gets SIGTERM, those ignoring it get SIGKILL
// after the grace period, every exit is learned with the signal that
// caused it, nothing is restarted, and no child is left.
func TestStop(t *testing.T) {
	sh := shell(t)
	const n = 6
	fifo := filepath.Join(t.TempDir(), "never-written")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	script := `if [ $(($$ % 2)) = 0 ]; then trap "" TERM; fi; echo ready $$; read x <"$1"`
	out, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log bytes.Buffer
	type ran struct {
		c   Counts
		err error
	}
	done := make(chan ran, 1)
	go func() {
		cfg := config{n: n, restarts: 10, grace: 2 * time.Second, argv: []string{sh, "-c", script, "worker", fifo}, stdout: outW}
		c, err := run(ctx, cfg, &log)
		outW.Close()
		done <- ran{c, err}
	}()

	ready := make(chan int)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if pid, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				p, _ := strconv.Atoi(pid)
				ready <- p
			}
		}
		close(ready)
	}()
	var pids []int
	guard := time.After(time.Minute)
	for len(pids) < n {
		select {
		case pid, ok := <-ready:
			if !ok {
				cancel()
				<-done
				t.Fatalf("workers' output ended after %d ready", len(pids))
			}
			pids = append(pids, pid)
		case <-guard:
			cancel() // the pool stops and reaps what it started
			<-done
			t.Fatalf("only %d of %d workers ready within a minute", len(pids), n)
		}
	}
	cancel()
	r := <-done
	for range ready { // drain
	}
	if r.err != nil {
		t.Fatalf("run: %v\n%s", r.err, log.String())
	}
	even := 0
	for _, pid := range pids {
		if pid%2 == 0 {
			even++
		}
	}
	want := Counts{Started: n, Exited: n, Signalled: n, Killed: even}
	if r.c != want {
		t.Errorf("counts %+v, want %+v", r.c, want)
	}
	status := checkPairs(t, parseLog(t, log.String(), n))
	for _, pid := range pids {
		want := "signal: terminated"
		if pid%2 == 0 {
			want = "signal: killed"
		}
		if !strings.Contains(log.String(), "sent SIGTERM to pid "+strconv.Itoa(pid)+"\n") {
			t.Errorf("pid %d was not sent SIGTERM", pid)
		}
		if status[pid] != want {
			t.Errorf("pid %d ended with %q, want %q", pid, status[pid], want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", log.String())
	}
	checkNoChild(t)
}

// TestBinary builds the command and runs the example from its doc comment
// once.
func TestBinary(t *testing.T) {
	sh := shell(t)
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build pool: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "pool")
	if out, err := exec.Command(gotool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-n", "8", "-restarts", "100", "--", sh, "-c", exitScript)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pool: %v\n%s", err, stderr.String())
	}
	evs := parseLog(t, stderr.String(), 8)
	if len(evs) != 2*108 {
		t.Errorf("%d start and exit lines, want %d", len(evs), 2*108)
	}
	checkPairs(t, evs)
	if !strings.HasSuffix(stderr.String(), "pool: done: started 108, exited 108, running 0, restarts 100\n") {
		t.Errorf("last line wrong:\n%s", stderr.String())
	}
	checkNoChild(t)
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-n", "0", "true"}, {"-restarts", "-1", "true"}} {
		var stderr bytes.Buffer
		if code := cli(args, nil, &stderr, &stderr); code != 2 {
			t.Errorf("cli(%q) = %d, want 2", args, code)
		}
	}
}
