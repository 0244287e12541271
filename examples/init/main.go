//go:build unix

// Command init is a minimal init for containers, built on the wait package:
// it runs one command as its child, forwards signals to it, reaps every
// zombie and exits with the command's exit code (128+N when signal N killed
// it).
//
//	init [-v] command [arg...]
//
// Run as PID 1 (the first process of a container or of a new PID namespace,
// for example under unshare --pid --fork), it adopts every orphan in the
// namespace, as init does. Run as any other PID it makes itself a child
// subreaper (Linux, FreeBSD, DragonFly), so that the command's orphaned
// descendants come to it instead of to the system's init; where the OS has
// no subreaper it still reaps the children it has. With -v it logs each
// orphan it reaps to stderr.
//
// The command is started with wait.Start, so wait.Reap, which reaps the
// orphans, never takes its exit status: that reaches the Handle. When the
// command ends, init stops and exits at once; as PID 1 that ends every
// process left in the namespace, as a subreaper the survivors are re-parented
// to the next reaper up.
//
// Forwarded signals: SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
// SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU and SIGALRM go to the command
// only (not to its process group). SIGKILL and SIGSTOP cannot be caught; a
// PID 1 ignores them when they come from inside its namespace.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/procwait/wait"
)

var forwarded = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT,
	syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGALRM,
}

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// run is the whole of init; it returns the exit code.
func run(args []string, stderr io.Writer) int {
	logger := log.New(stderr, "init: ", 0)
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "log every orphan reaped to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: init [-v] command [arg...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if os.Getpid() != 1 {
		if err := wait.SetSubreaper(true); err != nil {
			logger.Printf("orphans will not be adopted: %v", err)
		}
	}

	// Catch the signals before the child exists, so that none sent in
	// between is lost (or kills init).
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	h, err := wait.Start(cmd)
	if err != nil {
		logger.Print(err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	_ = cmd.Process.Release() // h owns the child; free os/exec's descriptor

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reaping := make(chan error, 1)
	go func() {
		reaping <- wait.Reap(ctx, func(e wait.Exit) {
			if *verbose {
				logger.Printf("reaped orphan %v", e)
			}
		})
	}()
	type result struct {
		e   wait.Exit
		err error
	}
	exited := make(chan result, 1)
	go func() {
		e, err := h.Wait(context.Background())
		exited <- result{e, err}
	}()

	for {
		select {
		case sig := <-sigs:
			if err := h.Signal(sig.(syscall.Signal)); err != nil && *verbose {
				logger.Printf("forwarding %v: %v", sig, err)
			}
		case err := <-reaping:
			// Reap stops early only when the wait calls fail.
			logger.Printf("reaping stopped: %v", err)
			reaping = nil
		case r := <-exited:
			cancel()
			if reaping != nil {
				<-reaping
			}
			if r.err != nil {
				logger.Print(r.err)
				return 1
			}
			return exitCode(r.e.Status)
		}
	}
}

// exitCode is the shell's convention: the exit status, or 128+N for a
// process killed by signal N.
func exitCode(s wait.WaitStatus) int {
	switch {
	case s.Exited():
		return s.ExitStatus()
	case s.Signaled():
		return 128 + int(s.Signal())
	}
	return 1
}
