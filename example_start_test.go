//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package wait_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/procwait/wait"
)

// Start takes any exec.Cmd: here one with a Context and a bytes.Buffer for
// its output. h.Wait copies the output, as cmd.Wait would, without holding
// an OS thread while the child runs.
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "echo", "hello from the child")
	cmd.Stdout = &out
	h, err := wait.Start(cmd)
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := h.Wait(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out.String())
	fmt.Println(e.Status, cmd.ProcessState.Success())
	// Output:
	// hello from the child
	// exit status 0 true
}
