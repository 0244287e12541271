package abi

import "slices"

// rusageUnused lists, per OS, the Rusage fields that the kernel leaves zero
// in the rusage of a waited-for child (wait4, wait6, waitid's rusage
// argument), by their names in Rusage.
var rusageUnused = map[string][]string{
	// Linux: getrusage(2), NOTES and the field list ("unmaintained" for each
	// of these), and kernel/sys.c getrusage(), which fills ru_utime,
	// ru_stime, ru_nvcsw, ru_nivcsw, ru_minflt, ru_majflt, ru_inblock,
	// ru_oublock and ru_maxrss and nothing else; wait4 and waitid take a
	// child's rusage from the same getrusage(p, RUSAGE_BOTH) (kernel/exit.c,
	// wait_task_zombie).
	"linux": {
		"IntegralSharedRSS", "IntegralDataRSS", "IntegralStackRSS",
		"Swaps", "MessagesSent", "MessagesReceived", "SignalsReceived",
	},
	// illumos: a waited-for child's rusage holds only the user and system
	// times that waitid's siginfo carries (si_utime, si_stime); the kernel
	// counts the other resources per process (getrusage(3C)) and never for a
	// reaped child, and libc's wait4 (usr/src/lib/libc/port/gen/waitpid.c)
	// zeroes every other field. The root package's wait_solaris.go builds
	// its rusage the same way.
	"illumos": illumosUnused,
	"solaris": illumosUnused,
}

var illumosUnused = []string{
	"MaxRSS", "IntegralSharedRSS", "IntegralDataRSS", "IntegralStackRSS",
	"MinorFaults", "MajorFaults", "Swaps", "BlockInputs", "BlockOutputs",
	"MessagesSent", "MessagesReceived", "SignalsReceived",
	"VoluntaryContextSwitches", "InvoluntaryContextSwitches",
}

// RusageUnused returns the names of the Rusage fields (as spelled in Rusage)
// that goos's kernel always leaves zero in the rusage of a waited-for child,
// so that a report can leave them out rather than print zeros that measure
// nothing; known is true. For an OS whose kernel this table does not cover
// (the BSDs and macOS, where the fields a kernel maintains have not been
// checked here), it returns nil and false: treat every field as filled. The
// slice is the caller's.
func RusageUnused(goos string) (fields []string, known bool) {
	f, ok := rusageUnused[goos]
	return slices.Clone(f), ok
}
