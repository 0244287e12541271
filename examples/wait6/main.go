//go:build unix

// Command wait6 runs a command and reaps it with wait.Wait6, the superset of
// the wait family: one call returns the status word (as wait4 would), the
// siginfo (as waitid would) and the resource usage. On FreeBSD, NetBSD and
// DragonFly that is the kernel's wait6; on Linux it is one waitid system call
// with an rusage, so WRusage.Children stays zero there.
//
//	go run ./examples/wait6 -- sh -c 'exit 5'
package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"

	"github.com/procwait/wait"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{"sh", "-c", "exit 5"}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	var ws wait.WaitStatus
	var wru wait.WRusage
	var info wait.Info
	pid, err := wait.Wait6(wait.P_PID, cmd.Process.Pid, &ws, wait.WEXITED, &wru, &info)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pid %d: %v (status word %#x)\n", pid, ws, uint32(ws))
	fmt.Println("siginfo:", info)
	fmt.Printf("self:     user %v, system %v, max RSS %d KiB, %d minor faults\n",
		wru.Self.UserTime, wru.Self.SystemTime, wru.Self.MaxRSS/1024, wru.Self.MinorFaults)
	fmt.Printf("children: user %v, system %v\n", wru.Children.UserTime, wru.Children.SystemTime)
}
