//go:build !unix

// Command reapmigrate shows the migration from hashicorp/go-reap to
// wait.Reap and wait.Start on Unix; see main.go. This system has no
// processes to reap in the Unix sense.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "reapmigrate: not available on %s\n", runtime.GOOS)
	os.Exit(1)
}
