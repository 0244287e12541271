//go:build unix

// Command wait4 starts a few children and reaps them in the order they end,
// the way a shell's wait builtin does: wait.Wait4 with pid -1 until ECHILD
// says there is no child left. Each report carries the child's status and
// its resource usage.
//
//	go run ./examples/wait4
package main

import (
	"errors"
	"fmt"
	"log"
	"os/exec"
	"syscall"

	"github.com/procwait/wait"
)

func main() {
	for _, script := range []string{"sleep 0.3; exit 0", "sleep 0.1; exit 3", "sleep 0.2; kill -KILL $$"} {
		cmd := exec.Command("sh", "-c", script)
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("started pid %d: sh -c %q\n", cmd.Process.Pid, script)
	}
	for {
		var ws wait.WaitStatus
		var ru wait.Rusage
		pid, err := wait.Wait4(-1, &ws, 0, &ru)
		if errors.Is(err, syscall.ECHILD) {
			fmt.Println("no children left")
			return
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("pid %d: %v (user %v, system %v, max RSS %d KiB)\n",
			pid, ws, ru.UserTime, ru.SystemTime, ru.MaxRSS/1024)
	}
}
