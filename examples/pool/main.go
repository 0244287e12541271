//go:build unix

// Command pool keeps N copies of a command running, starting a new one each
// time one exits, until a restart budget is used up; on SIGINT or SIGTERM
// it stops them all (SIGTERM, then SIGKILL after a grace period) and exits
// once every one is reaped.
//
// It is an example of wait.Group: however many workers it runs, one loop
// calling g.Next learns of every exit, with no goroutine per worker and no
// OS thread blocked waiting.
//
// Usage:
//
//	pool [-n 8] [-restarts 100] [-grace 5s] -- CMD [ARG...]
//
// For example:
//
//	pool -n 8 -restarts 100 -- sh -c 'exit $(($$ % 3))'
//
// runs 8 shells at a time, each exiting at once with 0, 1 or 2, and starts
// a new one after each exit until it has restarted 100 times (108 runs in
// all). Each event is logged on stderr with the live counts, e.g.
// "pool: pid 4242 exit status 1 (started 9, exited 2, running 7)", and the
// last line sums up: "pool: done: started 108, exited 108, restarts 100,
// running 0". The workers' standard input, output and error are pool's own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/procwait/wait"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli parses the flags, runs the pool until its budget is used up or
// SIGINT or SIGTERM arrives, and returns the exit code.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 8, "number of workers to keep running")
	restarts := fs.Int("restarts", 100, "restart budget: workers started in place of ones that exited, in all")
	grace := fs.Duration("grace", 5*time.Second, "time a worker has to exit after SIGTERM before SIGKILL")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pool [flags] -- CMD [ARG...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 || *n < 1 || *restarts < 0 || *grace < 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg := config{n: *n, restarts: *restarts, grace: *grace, argv: fs.Args(), stdin: stdin, stdout: stdout, stderr: stderr}
	if _, err := run(ctx, cfg, stderr); err != nil {
		fmt.Fprintln(stderr, "pool:", err)
		return 1
	}
	return 0
}

// config is what run runs.
type config struct {
	n        int           // workers to keep running
	restarts int           // restart budget
	grace    time.Duration // between SIGTERM and SIGKILL when stopping
	argv     []string      // each worker's command

	// The workers' standard input, output and error (nil: the null device).
	stdin          io.Reader
	stdout, stderr io.Writer
}

// Counts are the pool's running totals, as each log line prints them.
type Counts struct {
	Started   int // workers started
	Exited    int // exits learned (each started worker's, once)
	Restarts  int // workers started in place of one that exited
	Signalled int // workers sent SIGTERM when stopping
	Killed    int // workers sent SIGKILL after the grace period
}

// Running is the number of workers started whose exit is not learned yet.
func (c Counts) Running() int { return c.Started - c.Exited }

func (c Counts) String() string {
	return fmt.Sprintf("started %d, exited %d, running %d", c.Started, c.Exited, c.Running())
}

// pool is one run: its Group, its live workers and its counts.
type pool struct {
	cfg     config
	log     io.Writer
	g       *wait.Group
	workers map[int]*wait.Handle // by PID, until their exit is learned
	c       Counts
}

// run starts cfg.n workers and starts another each time one exits, until
// cfg.restarts restarts are used up and the last worker has exited, or ctx
// ends; then it stops the workers (see stop). It logs each event with the
// counts to log and returns the final counts. A worker that cannot be
// started stops the pool with an error.
func run(ctx context.Context, cfg config, log io.Writer) (Counts, error) {
	g, err := wait.NewGroup()
	if err != nil {
		return Counts{}, err
	}
	defer g.Close()
	p := &pool{cfg: cfg, log: log, g: g, workers: make(map[int]*wait.Handle)}
	err = p.loop(ctx)
	if serr := p.stop(); err == nil {
		err = serr
	}
	p.logf("done: %v, restarts %d", p.c, p.c.Restarts)
	return p.c, err
}

func (p *pool) logf(format string, args ...any) {
	fmt.Fprintf(p.log, "pool: "+format+"\n", args...)
}

// loop keeps the workers running until the budget is used up and the last
// one has exited (nil), ctx ends (nil), or a start or Next fails.
func (p *pool) loop(ctx context.Context) error {
	for range p.cfg.n {
		if err := p.start(); err != nil {
			return err
		}
	}
	for p.g.Len() > 0 {
		e, err := p.g.Next(ctx)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil
		}
		if err := p.exited(e, err); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if p.c.Restarts == p.cfg.restarts {
			if p.c.Running() > 0 {
				p.logf("restart budget used up (%d restarts); waiting for %d running", p.c.Restarts, p.c.Running())
			}
			continue
		}
		if err := p.start(); err != nil {
			return err
		}
		p.c.Restarts++
	}
	return nil
}

// start starts one worker and adds it to the Group.
func (p *pool) start() error {
	cmd := exec.Command(p.cfg.argv[0], p.cfg.argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.cfg.stdin, p.cfg.stdout, p.cfg.stderr
	h, err := wait.Start(cmd)
	if err != nil {
		return err
	}
	if err := p.g.Add(h); err != nil {
		// Not expected for a Handle just made; leave nothing behind.
		_ = h.Signal(syscall.SIGKILL)
		_, _ = h.Wait(context.Background())
		return err
	}
	p.workers[h.Pid()] = h
	p.c.Started++
	p.logf("started pid %d (%v)", h.Pid(), p.c)
	return nil
}

// exited counts and logs an exit returned by Next. An error with no Exit
// (its worker cannot be named) is returned; one beside an Exit (a worker's
// I/O failed) is logged.
func (p *pool) exited(e wait.Exit, err error) error {
	h := p.workers[e.Pid]
	if h == nil {
		if err == nil {
			err = fmt.Errorf("wait.Group.Next returned pid %d, which is no worker", e.Pid)
		}
		return err
	}
	delete(p.workers, e.Pid)
	p.c.Exited++
	p.logf("pid %d %v (%v)", e.Pid, e.Status, p.c)
	if err != nil {
		p.logf("pid %d: %v", e.Pid, err)
	}
	return nil
}

// stop ends the workers still running: SIGTERM to each, then SIGKILL to
// those still running after the grace period; it returns once every one's
// exit is learned.
func (p *pool) stop() error {
	if len(p.workers) == 0 {
		return nil
	}
	p.logf("stopping %d workers: SIGTERM", len(p.workers))
	for _, pid := range sortedPids(p.workers) {
		if err := p.workers[pid].Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.logf("pid %d: %v", pid, err)
			continue
		}
		p.c.Signalled++
		p.logf("sent SIGTERM to pid %d", pid)
	}
	grace, cancel := context.WithTimeout(context.Background(), p.cfg.grace)
	defer cancel()
	killed := false
	var errs []error
	for len(p.workers) > 0 {
		ctx := grace
		if killed {
			ctx = context.Background()
		}
		e, err := p.g.Next(ctx)
		if !killed && errors.Is(err, context.DeadlineExceeded) && grace.Err() != nil {
			p.logf("%d workers outlived the grace period (%v): SIGKILL", len(p.workers), p.cfg.grace)
			for _, pid := range sortedPids(p.workers) {
				if err := p.workers[pid].Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
					p.logf("pid %d: %v", pid, err)
					continue
				}
				p.c.Killed++
				p.logf("sent SIGKILL to pid %d", pid)
			}
			killed = true
			continue
		}
		if err := p.exited(e, err); err != nil {
			// Next cannot name the worker: do not wait for it forever.
			errs = append(errs, err)
			if p.g.Len() == 0 {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func sortedPids(m map[int]*wait.Handle) []int {
	pids := make([]int, 0, len(m))
	for pid := range m {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}
