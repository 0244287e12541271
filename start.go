package wait

import (
	"fmt"
	"os"
	"os/exec"
)

// Start runs cmd.Start and returns a Handle that owns the child: Reap never
// takes it, and its status reaches h.Wait. Use h.Wait, not cmd.Wait, for such
// a command: cmd.Wait would block a thread and reap the child behind the
// Handle's back. Likewise use h.Signal rather than cmd.Process.Signal.
//
// Because nothing will call cmd.Wait, Start refuses commands that need it to
// finish their work: a Stdin, Stdout or Stderr that is not nil or an
// *os.File (os/exec copies those in goroutines that only Wait completes), and
// commands with a Cancel function (exec.CommandContext sets one) or a
// WaitDelay: os/exec would watch the context in a goroutine of its own and
// kill the child behind the Handle's back, possibly after the Handle reaped
// it. Pass files or pipes (cmd.StdoutPipe), and give the context to h.Wait
// instead. On Linux with Go 1.23 or later cmd.Process
// holds a pidfd of its own until it is garbage-collected; calling
// cmd.Process.Release after Start frees it at once (cmd.Process.Pid then reads
// -1; use h.Pid).
//
// Start holds the lock that Reap takes before reaping an unowned child from
// before the fork until the Handle is registered, so a child that exits at
// once still reaches h.Wait.
func Start(cmd *exec.Cmd) (*Handle, error) {
	if err := startable(cmd); err != nil {
		return nil, err
	}
	spawnMu.RLock()
	defer spawnMu.RUnlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h, err := open(cmd.Process.Pid, true)
	if err != nil {
		// Not expected for a child just started; leave nothing behind.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return h, nil
}

func startable(cmd *exec.Cmd) error {
	if cmd.Process != nil {
		return fmt.Errorf("wait: Start %s: already started", cmd.Path)
	}
	if cmd.Cancel != nil {
		return fmt.Errorf("wait: Start %s: the command has a Cancel function (exec.CommandContext), which runs only beside cmd.Wait; use exec.Command and pass the context to Handle.Wait", cmd.Path)
	}
	if cmd.WaitDelay != 0 {
		return fmt.Errorf("wait: Start %s: the command has a WaitDelay, which only cmd.Wait honours (os/exec would kill the child from a goroutine of its own); pass a context to Handle.Wait and signal with Handle.Signal", cmd.Path)
	}
	for _, s := range []struct {
		name string
		v    any
	}{{"Stdin", cmd.Stdin}, {"Stdout", cmd.Stdout}, {"Stderr", cmd.Stderr}} {
		if !plainStdio(s.v) {
			return fmt.Errorf("wait: Start %s: cmd.%s is a %T, not an *os.File: os/exec copies it in a goroutine that only cmd.Wait finishes; use a file or a pipe", cmd.Path, s.name, s.v)
		}
	}
	return nil
}

// plainStdio reports whether v needs no copying goroutine: nil or an *os.File.
func plainStdio(v any) bool {
	if v == nil {
		return true
	}
	_, ok := v.(*os.File)
	return ok
}
