//go:build !unix

// Command handlebench compares wait.Handle with os/exec on Unix systems.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintln(os.Stderr, "handlebench: Unix only, not", runtime.GOOS)
	os.Exit(1)
}
