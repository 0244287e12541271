//go:build unix

// Command reapmigrate is the program of docs/reaper.md's migration from
// hashicorp/go-reap, written with wait.Reap and wait.Start: a process that
// reaps orphans (as PID 1 of a container, or as a subreaper) and, beside
// that, runs ordinary os/exec commands, with nothing lost on either side.
//
// With go-reap such a program needs a reapLock that every command must
// read-lock around cmd.Start and cmd.Wait, and still loses exit statuses
// (cmd.Wait fails with ECHILD) whenever a command is run without the lock.
// Here the commands are started with wait.Start, so Reap never takes their
// status, and they keep what os/exec gives them: a bytes.Buffer as Stdout, an
// exec.CommandContext that is cancelled, a command that fails, one that does
// not exist. A shell run the same way leaves three orphans behind, which Reap
// collects. At the end ReapAll says when the last child is gone.
//
// It prints one line per check and exits 0 when every command's output and
// status and every orphan's status are right and each orphan was reaped
// exactly once, 1 otherwise:
//
//	go run ./examples/reapmigrate
//	unshare --pid --fork go run ./examples/reapmigrate   # as PID 1
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/procwait/wait"
)

func main() { os.Exit(run(os.Stdout)) }

// orphanLog records what Reap passes to its callback.
type orphanLog struct {
	mu    sync.Mutex
	exits map[int][]wait.Exit
}

func (l *orphanLog) add(e wait.Exit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exits[e.Pid] = append(l.exits[e.Pid], e)
}

func (l *orphanLog) get(pid int) []wait.Exit {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.exits[pid])
}

// checker prints each check and remembers whether one failed.
type checker struct {
	out    io.Writer
	failed bool
}

func (c *checker) check(ok bool, format string, args ...any) {
	mark := "ok  "
	if !ok {
		mark = "FAIL"
		c.failed = true
	}
	fmt.Fprintf(c.out, "%s "+format+"\n", append([]any{mark}, args...)...)
}

// run is the whole program; it returns the exit code.
func run(out io.Writer) int {
	c := &checker{out: out}
	adopts := os.Getpid() == 1
	if !adopts {
		err := wait.SetSubreaper(true)
		adopts = err == nil
		if err != nil {
			fmt.Fprintf(out, "note: not PID 1 and no subreaper (%v): orphans go to the system's init\n", err)
		}
	}

	// The reaper: every child nobody owns, for the life of the program.
	log := &orphanLog{exits: map[int][]wait.Exit{}}
	reapCtx, stopReap := context.WithCancel(context.Background())
	reaping := make(chan error, 1)
	go func() { reaping <- wait.Reap(reapCtx, log.add) }()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var owned []int // PIDs of commands started with Start: never for fn

	// 1. Output into a bytes.Buffer, as with cmd.Output.
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/bin/sh", "-c", "echo hello from a buffer; echo to stderr >&2")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if h, err := wait.Start(cmd); err != nil {
		c.check(false, "buffer: Start: %v", err)
	} else {
		owned = append(owned, h.Pid())
		e, err := h.Wait(ctx)
		c.check(err == nil && e.Status.Exited() && e.Status.ExitStatus() == 0 &&
			stdout.String() == "hello from a buffer\n" && stderr.String() == "to stderr\n",
			"buffer: %v, err %v, stdout %q, stderr %q", e.Status, err, stdout.String(), stderr.String())
		c.check(cmd.ProcessState != nil && cmd.ProcessState.Success(), "buffer: cmd.ProcessState %v", cmd.ProcessState)
	}

	// 2. exec.CommandContext, cancelled while the command runs: Cancel
	// kills it (SIGKILL, os/exec's default). cmd.Wait would return the
	// *exec.ExitError "signal: killed" (it prefers that to the Context's
	// error); h.Wait returns that status as the Exit, with no error.
	cctx, ccancel := context.WithCancel(ctx)
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		c.check(false, "cancelled: pipe: %v", err)
		ccancel()
	} else {
		cmd := exec.CommandContext(cctx, "/bin/cat") // runs until stdin ends: never here
		cmd.Stdin = stdinR
		h, err := wait.Start(cmd)
		stdinR.Close()
		if err != nil {
			c.check(false, "cancelled: Start: %v", err)
			ccancel()
		} else {
			owned = append(owned, h.Pid())
			ccancel()
			e, err := h.Wait(ctx)
			c.check(e.Status.Signaled() && wait.SignalName(e.Status.Signal()) == "SIGKILL" &&
				(err == nil || errors.Is(err, context.Canceled)) && errors.Is(cctx.Err(), context.Canceled),
				"cancelled: %v (shell code %d), err %v", e.Status, e.Status.ShellCode(), err)
		}
		stdinW.Close()
	}

	// 3. A command that fails: its status is the Exit, not an error.
	stderr.Reset()
	cmd = exec.Command("/bin/sh", "-c", "echo failing on purpose >&2; exit 3")
	cmd.Stderr = &stderr
	if h, err := wait.Start(cmd); err != nil {
		c.check(false, "failing: Start: %v", err)
	} else {
		owned = append(owned, h.Pid())
		e, err := h.Wait(ctx)
		c.check(err == nil && e.Status.ExitStatus() == 3 && e.Status.ShellCode() == 3 &&
			stderr.String() == "failing on purpose\n",
			"failing: %v, err %v, stderr %q", e.Status, err, stderr.String())
	}

	// 4. A command that does not exist: Start fails as cmd.Start does.
	_, err = wait.Start(exec.Command("/nonexistent/command"))
	c.check(errors.Is(err, os.ErrNotExist), "missing: Start: %v", err)

	// 5. A shell that leaves three orphans: subshells blocked on a gate
	// (fd 3) that print their PIDs and exit 5, 6 and 7 once it closes.
	var orphans []int
	if adopts {
		orphans = makeOrphans(ctx, c, &owned)
	}
	if len(orphans) > 0 {
		deadline := time.Now().Add(30 * time.Second)
		for _, pid := range orphans {
			for len(log.get(pid)) == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond) // polls the log, bounded
			}
		}
	}

	// Shutdown, as an init does it: stop the long-running Reap, then
	// ReapAll until no child is left.
	stopReap()
	if err := <-reaping; !errors.Is(err, context.Canceled) {
		c.check(false, "Reap ended with %v", err)
	}
	allCtx, allCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer allCancel()
	err = wait.ReapAll(allCtx, log.add)
	c.check(err == nil, "ReapAll: %v (no child left)", err)

	for i, pid := range orphans {
		exits := log.get(pid)
		want := 5 + i
		c.check(len(exits) == 1 && exits[0].Status.Exited() && exits[0].Status.ExitStatus() == want,
			"orphan %d: reaped %d time(s) %v, want once with exit status %d", pid, len(exits), exits, want)
	}
	for _, pid := range owned {
		c.check(len(log.get(pid)) == 0, "owned pid %d never reached Reap's callback", pid)
	}
	if c.failed {
		return 1
	}
	fmt.Fprintln(out, "PASS")
	return 0
}

// makeOrphans runs a shell with Start (stdout into a buffer) that backgrounds
// three subshells and exits; they are then orphans of this process. It
// returns their PIDs once the gate that holds them is closed.
func makeOrphans(ctx context.Context, c *checker, owned *[]int) []int {
	gateR, gateW, err := os.Pipe()
	if err != nil {
		c.check(false, "orphans: pipe: %v", err)
		return nil
	}
	defer gateW.Close()
	var pids bytes.Buffer
	script := `for c in 5 6 7; do (exec >/dev/null; read x <&3; exit $c) & echo $!; done`
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Stdout = &pids
	cmd.ExtraFiles = []*os.File{gateR}
	h, err := wait.Start(cmd)
	gateR.Close()
	if err != nil {
		c.check(false, "orphans: Start: %v", err)
		return nil
	}
	*owned = append(*owned, h.Pid())
	e, err := h.Wait(ctx)
	var orphans []int
	for _, f := range strings.Fields(pids.String()) {
		if pid, err := strconv.Atoi(f); err == nil {
			orphans = append(orphans, pid)
		}
	}
	c.check(err == nil && e.Status.ExitStatus() == 0 && len(orphans) == 3,
		"orphans: the shell %v, err %v, left %v", e.Status, err, orphans)
	return orphans // the deferred close of the gate lets them exit
}
