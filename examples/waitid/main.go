//go:build unix

// Command waitid follows one child through its whole life with wait.Waitid:
// the child stops itself, the parent sees CLD_STOPPED, sends SIGCONT, sees
// CLD_CONTINUED and finally CLD_EXITED. A WNOWAIT peek shows the exit
// without consuming it.
//
//	go run ./examples/waitid
package main

import (
	"fmt"
	"log"
	"os/exec"
	"syscall"

	"github.com/procwait/wait"
)

func main() {
	cmd := exec.Command("sh", "-c", "kill -STOP $$; exit 4")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	pid := cmd.Process.Pid
	fmt.Println("started pid", pid)
	for {
		var info wait.Info
		err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED|wait.WSTOPPED|wait.WCONTINUED|wait.WNOWAIT)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("peek:", info)
		// The same event again, this time consumed.
		if err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED|wait.WSTOPPED|wait.WCONTINUED); err != nil {
			log.Fatal(err)
		}
		switch info.Code {
		case wait.CLD_STOPPED:
			fmt.Println("stopped by", syscall.Signal(info.Status), "- sending SIGCONT")
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				log.Fatal(err)
			}
		case wait.CLD_CONTINUED:
			fmt.Println("continued")
		case wait.CLD_EXITED:
			fmt.Println("exited with", info.Status)
			return
		default:
			fmt.Println("ended:", info)
			return
		}
	}
}
