//go:build unix

// Command runstat runs a command and reports how it ended and what it used:
// its exit code, or the signal that killed it and whether it dumped core, and
// its resource usage (struct rusage) with the peak memory in human units. It
// then exits as a shell would: with the command's exit code, or 128 plus the
// signal number when a signal killed it (wait.WaitStatus.ShellCode).
//
// Only the rusage fields that the running OS fills for a waited-for child are
// reported: Linux leaves the integral RSS sizes, swaps, messages and signals
// zero, and illumos fills nothing but the two CPU times (the table, with its
// sources, is internal/abi's RusageUnused). Leaving those out keeps a zero
// that measures nothing from reading as a measurement; on an OS the table
// does not cover, every field is shown.
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
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/procwait/wait"
	"github.com/procwait/wait/internal/abi"
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

// Usage is wait.Rusage with JSON names and readable times. A field that the
// running OS never fills is left out (nil, omitted from the JSON); a field
// it fills is present, zero or not.
type Usage struct {
	UserTime                   string `json:"user_time"`
	UserTimeNs                 int64  `json:"user_time_ns"`
	SystemTime                 string `json:"system_time"`
	SystemTimeNs               int64  `json:"system_time_ns"`
	MaxRSS                     string `json:"max_rss,omitempty"`
	MaxRSSBytes                *int64 `json:"max_rss_bytes,omitempty"`
	IntegralSharedRSS          *int64 `json:"integral_shared_rss,omitempty"`
	IntegralDataRSS            *int64 `json:"integral_data_rss,omitempty"`
	IntegralStackRSS           *int64 `json:"integral_stack_rss,omitempty"`
	MinorFaults                *int64 `json:"minor_faults,omitempty"`
	MajorFaults                *int64 `json:"major_faults,omitempty"`
	Swaps                      *int64 `json:"swaps,omitempty"`
	BlockInputs                *int64 `json:"block_inputs,omitempty"`
	BlockOutputs               *int64 `json:"block_outputs,omitempty"`
	MessagesSent               *int64 `json:"messages_sent,omitempty"`
	MessagesReceived           *int64 `json:"messages_received,omitempty"`
	SignalsReceived            *int64 `json:"signals_received,omitempty"`
	VoluntaryContextSwitches   *int64 `json:"voluntary_context_switches,omitempty"`
	InvoluntaryContextSwitches *int64 `json:"involuntary_context_switches,omitempty"`
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
		printText(out, r)
	}
	return r.ExitCode
}

func report(argv []string, pid int, ws wait.WaitStatus, ru wait.Rusage) Report {
	unused, _ := abi.RusageUnused(runtime.GOOS)
	return makeReport(argv, pid, ws, ru, unused)
}

// makeReport builds the report, leaving out the rusage fields named in
// unused (wait.Rusage's field names).
func makeReport(argv []string, pid int, ws wait.WaitStatus, ru wait.Rusage, unused []string) Report {
	filled := func(name string, v int64) *int64 {
		if slices.Contains(unused, name) {
			return nil
		}
		return &v
	}
	u := Usage{
		UserTime: ru.UserTime.String(), UserTimeNs: int64(ru.UserTime),
		SystemTime: ru.SystemTime.String(), SystemTimeNs: int64(ru.SystemTime),
		MaxRSSBytes:                filled("MaxRSS", ru.MaxRSS),
		IntegralSharedRSS:          filled("IntegralSharedRSS", ru.IntegralSharedRSS),
		IntegralDataRSS:            filled("IntegralDataRSS", ru.IntegralDataRSS),
		IntegralStackRSS:           filled("IntegralStackRSS", ru.IntegralStackRSS),
		MinorFaults:                filled("MinorFaults", ru.MinorFaults),
		MajorFaults:                filled("MajorFaults", ru.MajorFaults),
		Swaps:                      filled("Swaps", ru.Swaps),
		BlockInputs:                filled("BlockInputs", ru.BlockInputs),
		BlockOutputs:               filled("BlockOutputs", ru.BlockOutputs),
		MessagesSent:               filled("MessagesSent", ru.MessagesSent),
		MessagesReceived:           filled("MessagesReceived", ru.MessagesReceived),
		SignalsReceived:            filled("SignalsReceived", ru.SignalsReceived),
		VoluntaryContextSwitches:   filled("VoluntaryContextSwitches", ru.VoluntaryContextSwitches),
		InvoluntaryContextSwitches: filled("InvoluntaryContextSwitches", ru.InvoluntaryContextSwitches),
	}
	if u.MaxRSSBytes != nil {
		u.MaxRSS = humanBytes(*u.MaxRSSBytes)
	}
	r := Report{
		Command:    argv,
		Pid:        pid,
		Status:     ws.String(),
		StatusWord: uint32(ws),
		Exited:     ws.Exited(),
		ExitStatus: ws.ExitStatus(),
		Signaled:   ws.Signaled(),
		CoreDumped: ws.CoreDump(),
		ExitCode:   ws.ShellCode(),
		Rusage:     u,
	}
	if ws.Signaled() {
		r.Signal = wait.SignalName(ws.Signal())
	}
	if r.ExitCode < 0 {
		r.ExitCode = 126 // not reached: Wait4 without WUNTRACED reports only ends
	}
	return r
}

func printText(out io.Writer, r Report) {
	how := r.Status
	if r.Signaled {
		how = "killed by " + r.Signal + " (" + strings.TrimPrefix(r.Status, "signal: ") + ")"
	}
	fmt.Fprintf(out, "runstat: %s (pid %d): %s\n", strings.Join(r.Command, " "), r.Pid, how)
	u := r.Rusage
	fmt.Fprintf(out, "  %-22s %s\n", "user time", fmtDuration(time.Duration(u.UserTimeNs)))
	fmt.Fprintf(out, "  %-22s %s\n", "system time", fmtDuration(time.Duration(u.SystemTimeNs)))
	if u.MaxRSSBytes != nil {
		fmt.Fprintf(out, "  %-22s %s (%d bytes)\n", "max resident set", u.MaxRSS, *u.MaxRSSBytes)
	}
	for _, row := range []struct {
		name string
		v    *int64
	}{
		{"minor page faults", u.MinorFaults},
		{"major page faults", u.MajorFaults},
		{"swaps", u.Swaps},
		{"block inputs", u.BlockInputs},
		{"block outputs", u.BlockOutputs},
		{"messages sent", u.MessagesSent},
		{"messages received", u.MessagesReceived},
		{"signals received", u.SignalsReceived},
		{"voluntary switches", u.VoluntaryContextSwitches},
		{"involuntary switches", u.InvoluntaryContextSwitches},
		{"integral shared RSS", u.IntegralSharedRSS},
		{"integral data RSS", u.IntegralDataRSS},
		{"integral stack RSS", u.IntegralStackRSS},
	} {
		if row.v != nil {
			fmt.Fprintf(out, "  %-22s %d\n", row.name, *row.v)
		}
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
