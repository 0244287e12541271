//go:build unix

// Command runstat runs a command and reports how it ended and what it used:
// its exit code, or the signal that killed it and whether it dumped core, and
// its whole resource usage (struct rusage) with the peak memory in human
// units. It then exits as a shell would: with the command's exit code, or
// 128 plus the signal number when a signal killed it.
//
//	go run ./examples/runstat -- sh -c 'exit 3'
//	go run ./examples/runstat -json -- ls -l
//
// The report goes to standard error, so the command's own output stays
// clean. runstat starts the command with os/exec and reaps it with
// wait.Wait4, which returns the status word and the rusage in one call.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/procwait/wait"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// Report is what runstat prints, as text or (with -json) as JSON.
type Report struct {
	Command    []string `json:"command"`
	Pid        int      `json:"pid"`
	Status     string   `json:"status"`      // "exit status 3", "signal: killed"
	StatusWord uint32   `json:"status_word"` // the raw wait4 status
	Exited     bool     `json:"exited"`
	ExitStatus int      `json:"exit_status"` // -1 unless exited
	Signaled   bool     `json:"signaled"`
	Signal     string   `json:"signal,omitempty"` // "SIGTERM"
	CoreDumped bool     `json:"core_dumped"`
	ExitCode   int      `json:"exit_code"` // what runstat exits with
	Rusage     Usage    `json:"rusage"`
}

// Usage is wait.Rusage with JSON names and readable times.
type Usage struct {
	UserTime                   string `json:"user_time"`
	UserTimeNs                 int64  `json:"user_time_ns"`
	SystemTime                 string `json:"system_time"`
	SystemTimeNs               int64  `json:"system_time_ns"`
	MaxRSS                     string `json:"max_rss"`
	MaxRSSBytes                int64  `json:"max_rss_bytes"`
	IntegralSharedRSS          int64  `json:"integral_shared_rss"`
	IntegralDataRSS            int64  `json:"integral_data_rss"`
	IntegralStackRSS           int64  `json:"integral_stack_rss"`
	MinorFaults                int64  `json:"minor_faults"`
	MajorFaults                int64  `json:"major_faults"`
	Swaps                      int64  `json:"swaps"`
	BlockInputs                int64  `json:"block_inputs"`
	BlockOutputs               int64  `json:"block_outputs"`
	MessagesSent               int64  `json:"messages_sent"`
	MessagesReceived           int64  `json:"messages_received"`
	SignalsReceived            int64  `json:"signals_received"`
	VoluntaryContextSwitches   int64  `json:"voluntary_context_switches"`
	InvoluntaryContextSwitches int64  `json:"involuntary_context_switches"`
}

// run runs the command line in args, writes the report to out and returns
// the exit code.
func run(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("runstat", flag.ContinueOnError)
	fs.SetOutput(out)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: runstat [-json] [--] command [argument ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	// Like a shell, let an interrupt from the terminal reach the command
	// (it is in our process group) without killing runstat first; the
	// command starts with default signal handling.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGQUIT)
	defer signal.Stop(sigs)

	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(out, "runstat:", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	defer cmd.Process.Release()

	var ws wait.WaitStatus
	var ru wait.Rusage
	pid := cmd.Process.Pid
	if _, err := wait.Wait4(pid, &ws, 0, &ru); err != nil {
		fmt.Fprintln(out, "runstat:", err)
		return 126
	}

	r := report(fs.Args(), pid, ws, ru)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(out, "runstat:", err)
		}
	} else {
		printText(out, r, ru)
	}
	return r.ExitCode
}

func report(argv []string, pid int, ws wait.WaitStatus, ru wait.Rusage) Report {
	r := Report{
		Command:    argv,
		Pid:        pid,
		Status:     ws.String(),
		StatusWord: uint32(ws),
		Exited:     ws.Exited(),
		ExitStatus: ws.ExitStatus(),
		Signaled:   ws.Signaled(),
		CoreDumped: ws.CoreDump(),
		Rusage: Usage{
			UserTime: ru.UserTime.String(), UserTimeNs: int64(ru.UserTime),
			SystemTime: ru.SystemTime.String(), SystemTimeNs: int64(ru.SystemTime),
			MaxRSS: humanBytes(ru.MaxRSS), MaxRSSBytes: ru.MaxRSS,
			IntegralSharedRSS: ru.IntegralSharedRSS, IntegralDataRSS: ru.IntegralDataRSS,
			IntegralStackRSS: ru.IntegralStackRSS, MinorFaults: ru.MinorFaults,
			MajorFaults: ru.MajorFaults, Swaps: ru.Swaps, BlockInputs: ru.BlockInputs,
			BlockOutputs: ru.BlockOutputs, MessagesSent: ru.MessagesSent,
			MessagesReceived: ru.MessagesReceived, SignalsReceived: ru.SignalsReceived,
			VoluntaryContextSwitches:   ru.VoluntaryContextSwitches,
			InvoluntaryContextSwitches: ru.InvoluntaryContextSwitches,
		},
	}
	switch {
	case ws.Exited():
		r.ExitCode = ws.ExitStatus()
	case ws.Signaled():
		r.Signal = signalName(ws.Signal())
		r.ExitCode = 128 + int(ws.Signal())
	default:
		r.ExitCode = 126 // not reached: Wait4 without WUNTRACED reports only ends
	}
	return r
}

func printText(out io.Writer, r Report, ru wait.Rusage) {
	how := r.Status
	if r.Signaled {
		how = "killed by " + r.Signal + " (" + strings.TrimPrefix(r.Status, "signal: ") + ")"
	}
	fmt.Fprintf(out, "runstat: %s (pid %d): %s\n", strings.Join(r.Command, " "), r.Pid, how)
	rows := []struct {
		name  string
		value string
	}{
		{"user time", fmtDuration(ru.UserTime)},
		{"system time", fmtDuration(ru.SystemTime)},
		{"max resident set", fmt.Sprintf("%s (%d bytes)", humanBytes(ru.MaxRSS), ru.MaxRSS)},
		{"minor page faults", fmt.Sprint(ru.MinorFaults)},
		{"major page faults", fmt.Sprint(ru.MajorFaults)},
		{"swaps", fmt.Sprint(ru.Swaps)},
		{"block inputs", fmt.Sprint(ru.BlockInputs)},
		{"block outputs", fmt.Sprint(ru.BlockOutputs)},
		{"messages sent", fmt.Sprint(ru.MessagesSent)},
		{"messages received", fmt.Sprint(ru.MessagesReceived)},
		{"signals received", fmt.Sprint(ru.SignalsReceived)},
		{"voluntary switches", fmt.Sprint(ru.VoluntaryContextSwitches)},
		{"involuntary switches", fmt.Sprint(ru.InvoluntaryContextSwitches)},
		{"integral shared RSS", fmt.Sprint(ru.IntegralSharedRSS)},
		{"integral data RSS", fmt.Sprint(ru.IntegralDataRSS)},
		{"integral stack RSS", fmt.Sprint(ru.IntegralStackRSS)},
	}
	for _, row := range rows {
		fmt.Fprintf(out, "  %-22s %s\n", row.name, row.value)
	}
}

// humanBytes formats n bytes with a binary unit: "3.4 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i-1])
}

func fmtDuration(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// signalName returns "SIGTERM" for syscall.SIGTERM, or "signal 42".
func signalName(s syscall.Signal) string {
	for _, n := range signalNames {
		if n.sig == s {
			return n.name
		}
	}
	return fmt.Sprintf("signal %d", int(s))
}

var signalNames = []struct {
	sig  syscall.Signal
	name string
}{
	{syscall.SIGHUP, "SIGHUP"}, {syscall.SIGINT, "SIGINT"}, {syscall.SIGQUIT, "SIGQUIT"},
	{syscall.SIGILL, "SIGILL"}, {syscall.SIGTRAP, "SIGTRAP"}, {syscall.SIGABRT, "SIGABRT"},
	{syscall.SIGBUS, "SIGBUS"}, {syscall.SIGFPE, "SIGFPE"}, {syscall.SIGKILL, "SIGKILL"},
	{syscall.SIGUSR1, "SIGUSR1"}, {syscall.SIGSEGV, "SIGSEGV"}, {syscall.SIGUSR2, "SIGUSR2"},
	{syscall.SIGPIPE, "SIGPIPE"}, {syscall.SIGALRM, "SIGALRM"}, {syscall.SIGTERM, "SIGTERM"},
	{syscall.SIGCHLD, "SIGCHLD"}, {syscall.SIGCONT, "SIGCONT"}, {syscall.SIGSTOP, "SIGSTOP"},
	{syscall.SIGTSTP, "SIGTSTP"}, {syscall.SIGTTIN, "SIGTTIN"}, {syscall.SIGTTOU, "SIGTTOU"},
	{syscall.SIGURG, "SIGURG"}, {syscall.SIGXCPU, "SIGXCPU"}, {syscall.SIGXFSZ, "SIGXFSZ"},
	{syscall.SIGVTALRM, "SIGVTALRM"}, {syscall.SIGPROF, "SIGPROF"}, {syscall.SIGWINCH, "SIGWINCH"},
	{syscall.SIGIO, "SIGIO"}, {syscall.SIGSYS, "SIGSYS"},
}
