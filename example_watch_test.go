//go:build linux

package wait_test

import (
	"context"
	"fmt"
	"log"
	"os/exec"
	"time"

	"github.com/procwait/wait"
)

// Watch a process that need not be a child of this one, such as a daemon
// whose PID a file names. Here it is a cat started for the example, which
// exits when its input ends.
func ExampleWatch() {
	cmd := exec.Command("cat")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}

	w, err := wait.Watch(cmd.Process.Pid)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	fmt.Println("while cat runs:", w.Wait(ctx))
	cancel()

	stdin.Close() // cat reads EOF and exits
	fmt.Println("after its input ended:", w.Wait(context.Background()))

	// A Watcher reaps nothing: the status is still the parent's to collect.
	fmt.Println("cat's status:", cmd.Wait(), cmd.ProcessState.ExitCode())
	// Output:
	// while cat runs: context deadline exceeded
	// after its input ended: <nil>
	// cat's status: <nil> 0
}
