//go:build unix

// Command supervisor runs several commands, restarts those that fail with an
// exponential backoff, and on SIGTERM or SIGINT stops them all (SIGTERM, then
// SIGKILL after a grace period) and exits once every child is reaped.
//
// It is an example of wait.Start and Handle.Wait: however many children it
// supervises, no OS thread is blocked waiting for them.
//
// Usage:
//
//	supervisor [-backoff 100ms] [-max-backoff 10s] [-grace 5s] CMD [ARG...] [:: CMD [ARG...]]...
//
// For example:
//
//	supervisor sleep 60 :: sh -c 'sleep 1; exit 3' :: true
//
// runs three commands: sleep is restarted whenever it fails, the sh script
// fails every second and is restarted with a growing delay, and true exits
// successfully and is not restarted. Each event is logged on stderr, e.g.
// "supervisor: [2] started pid 4242: sh -c ...".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/procwait/wait"
)

func main() {
	backoff := flag.Duration("backoff", 100*time.Millisecond, "delay before the first restart of a failed command")
	maxBackoff := flag.Duration("max-backoff", 10*time.Second, "longest delay between restarts")
	grace := flag.Duration("grace", 5*time.Second, "time a child has to exit after SIGTERM before SIGKILL")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: supervisor [flags] CMD [ARG...] [:: CMD [ARG...]]...")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("supervisor: ")

	cmds := split(flag.Args())
	if len(cmds) == 0 {
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	var wg sync.WaitGroup
	for i, argv := range cmds {
		s := &service{id: i + 1, argv: argv, backoff: *backoff, maxBackoff: *maxBackoff, grace: *grace}
		wg.Go(func() { s.run(ctx) })
	}
	wg.Wait()
	log.Print("all children stopped")
}

// split cuts args into commands at each "::".
func split(args []string) [][]string {
	var cmds [][]string
	var cur []string
	for _, a := range append(args, "::") {
		if a != "::" {
			cur = append(cur, a)
			continue
		}
		if len(cur) > 0 {
			cmds = append(cmds, cur)
		}
		cur = nil
	}
	return cmds
}

// service supervises one command.
type service struct {
	id                  int
	argv                []string
	backoff, maxBackoff time.Duration
	grace               time.Duration
}

func (s *service) logf(format string, args ...any) {
	log.Printf("[%d] "+format, append([]any{s.id}, args...)...)
}

// run starts the command and restarts it after each failure until it
// succeeds or ctx ends.
func (s *service) run(ctx context.Context) {
	delay := s.backoff
	for ctx.Err() == nil {
		began := time.Now()
		e, err := s.once(ctx)
		if err != nil {
			s.logf("%v", err)
		} else if e.Status.Exited() && e.Status.ExitStatus() == 0 {
			s.logf("pid %d exited successfully; not restarting", e.Pid)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > 2*s.maxBackoff {
			delay = s.backoff // it ran well for a while: start over
		}
		s.logf("restarting in %v", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return
		}
		delay = min(2*delay, s.maxBackoff)
	}
}

// once runs the command one time. When ctx ends it stops the child: SIGTERM,
// then SIGKILL if the child outlives the grace period.
func (s *service) once(ctx context.Context) (wait.Exit, error) {
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	h, err := wait.Start(cmd)
	if err != nil {
		return wait.Exit{}, err
	}
	defer h.Close()
	cmd.Process.Release() // h owns the child; free os/exec's handle now
	s.logf("started pid %d: %s", h.Pid(), strings.Join(s.argv, " "))

	e, err := h.Wait(ctx)
	if err == nil {
		s.logf("pid %d: %v", e.Pid, e.Status)
		return e, nil
	}
	if !errors.Is(err, ctx.Err()) {
		return wait.Exit{}, err
	}

	// Shutting down.
	s.logf("stopping pid %d", h.Pid())
	if err := h.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.logf("%v", err)
	}
	graceCtx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	e, err = h.Wait(graceCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.logf("pid %d ignored SIGTERM for %v; killing it", h.Pid(), s.grace)
		if err := h.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.logf("%v", err)
		}
		e, err = h.Wait(context.Background())
	}
	if err != nil {
		return wait.Exit{}, err
	}
	s.logf("pid %d: %v", e.Pid, e.Status)
	return e, nil
}
