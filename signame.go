package wait

import (
	"strconv"

	"github.com/procwait/wait/internal/posix"
)

// SignalName returns the C name of signal number sig on the running OS:
// "SIGSEGV", "SIGKILL". Signal numbers differ between systems (SIGSTOP is 19
// on Linux x86, 23 on Linux MIPS and 17 on the BSDs and macOS; SIGBUS is 7 on
// Linux x86 and 10 on the BSDs), so the name always comes from the host's own
// table: golang.org/x/sys/unix.SignalName on every Unix (the tables x/sys
// generates from each OS's <signal.h>, per architecture), except that signal
// 6 is always SIGABRT, never its older alias SIGIOT. A number with no name
// there, such as a Linux real-time signal, gives "signal 40".
//
// On the systems without the wait family (windows, plan9, js, wasip1), where
// no status word ever carries a signal, the names are those of the numbers
// every Unix agrees on (SIGHUP 1, SIGINT 2, SIGQUIT 3, SIGILL 4, SIGTRAP 5,
// SIGABRT 6, SIGFPE 8, SIGKILL 9, SIGSEGV 11, SIGPIPE 13, SIGALRM 14, SIGTERM
// 15, which Go's syscall package also uses on windows, js and wasip1), and
// any other number gives "signal N".
//
// Unlike sig.String() ("segmentation fault"), the result is the constant's
// name, what kill -l lists with the SIG prefix.
func SignalName(sig posix.Signal) string {
	if name := signalName(sig); name != "" {
		return name
	}
	return "signal " + strconv.FormatInt(int64(sig), 10)
}
