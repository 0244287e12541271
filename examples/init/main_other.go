//go:build !unix

// Command init is a minimal init for Unix containers; see main.go. This
// system has no processes to reap in the Unix sense.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "init: not available on %s\n", runtime.GOOS)
	os.Exit(1)
}
