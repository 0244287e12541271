// Package testenv answers questions about the environment the tests run
// in, independently of the code under test, so that a test can skip naming
// a missing capability without trusting the library to say what is missing.
package testenv

import (
	"os"
	"runtime"
	"strings"
	"sync"
)

// Emulator names the user-mode emulator (such as qemu-aarch64-static) that
// runs this process, or returns "" when the kernel runs it natively or /proc
// cannot tell. The answer comes from the kernel: qemu-user rewrites
// readlink("/proc/self/exe") (and "/proc/<pid>/exe") to name the emulated
// program, which os.Executable reports, but a readlinkat of "exe" relative
// to an open /proc/self is passed through and names the program the kernel
// really runs, the emulator. Natively both name the test binary.
var Emulator = sync.OnceValue(func() string {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		return ""
	}
	root, err := os.OpenRoot("/proc/self")
	if err != nil {
		return ""
	}
	defer root.Close()
	real, err := root.Readlink("exe")
	if err != nil {
		return ""
	}
	claimed, err := os.Executable()
	if err != nil {
		return ""
	}
	real = strings.TrimSuffix(real, " (deleted)")
	if real == claimed {
		return ""
	}
	return real
})
