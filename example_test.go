//go:build unix

package wait_test

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"syscall"

	"github.com/procwait/wait"
)

// Wait4 reaps a child and returns its status word and resource usage in one
// call.
func ExampleWait4() {
	cmd := exec.Command("sh", "-c", "exit 3")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	var ws wait.WaitStatus
	var ru wait.Rusage
	if _, err := wait.Wait4(cmd.Process.Pid, &ws, 0, &ru); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws)
	fmt.Println(ws.Exited(), ws.ExitStatus(), ru.MaxRSS > 0)
	// Output:
	// exit status 3
	// true 3 true
}

// With WNOHANG, Wait4 returns 0 at once while the child is still running.
func ExampleWait4_nohang() {
	// The child reads its stdin until EOF: it runs until it is killed.
	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	cmd := exec.Command("cat")
	cmd.Stdin = r
	err = cmd.Start()
	r.Close()
	if err != nil {
		log.Fatal(err)
	}
	pid := cmd.Process.Pid
	wpid, err := wait.Wait4(pid, nil, wait.WNOHANG, nil)
	fmt.Println(wpid, err)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	var ws wait.WaitStatus
	if _, err := wait.Wait4(pid, &ws, 0, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws)
	// Output:
	// 0 <nil>
	// signal: killed
}

// Waitid reports what happened as a decoded siginfo; WNOWAIT peeks without
// reaping, so the child can be waited for again.
func ExampleWaitid() {
	cmd := exec.Command("sh", "-c", "exit 7")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	pid := cmd.Process.Pid
	var info wait.Info
	if err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED|wait.WNOWAIT); err != nil {
		log.Fatal(err)
	}
	fmt.Println("peeked:", info.Code, info.Status)
	if err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED); err != nil {
		log.Fatal(err)
	}
	fmt.Println("reaped:", info.Code, info.Status, info.Pid == pid)
	// Output:
	// peeked: CLD_EXITED 7
	// reaped: CLD_EXITED 7 true
}

// Wait6 gives the status word, the siginfo and the rusage together (on Linux
// through a single waitid system call).
func ExampleWait6() {
	cmd := exec.Command("sh", "-c", "kill -TERM $$")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	var ws wait.WaitStatus
	var wru wait.WRusage
	var info wait.Info
	if _, err := wait.Wait6(wait.P_PID, cmd.Process.Pid, &ws, wait.WEXITED, &wru, &info); err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws, "/", info.Code, syscall.Signal(info.Status) == syscall.SIGTERM)
	// Output:
	// signal: terminated / CLD_KILLED true
}

// A status word decodes with the running OS's own rules; the numbers are -1
// where their predicate does not hold.
func ExampleWaitStatus() {
	for _, ws := range []wait.WaitStatus{0x0300, 0x0009, 0x0086} {
		fmt.Printf("0x%04x %-31q exit %2d signal %2d core %v\n",
			uint32(ws), ws.String(), ws.ExitStatus(), int(ws.Signal()), ws.CoreDump())
	}
	// Output:
	// 0x0300 "exit status 3"                 exit  3 signal -1 core false
	// 0x0009 "signal: killed"                exit -1 signal  9 core false
	// 0x0086 "signal: aborted (core dumped)" exit -1 signal  6 core true
}

// ExitFromProcessState converts what os/exec already returned.
func ExampleExitFromProcessState() {
	cmd := exec.Command("sh", "-c", "exit 2")
	_ = cmd.Run() // an *exec.ExitError: the state is what we want
	e, ok := wait.ExitFromProcessState(cmd.ProcessState)
	fmt.Println(ok, e.Status, e.Rusage.MaxRSS > 0)
	// Output:
	// true exit status 2 true
}

// Options and idtypes print by name.
func ExampleOptions_String() {
	fmt.Println(wait.WNOHANG, wait.P_PGID, wait.CLD_CONTINUED)
	// Output:
	// WNOHANG P_PGID CLD_CONTINUED
}
