//go:build !unix

// Command supervisor is a Unix example of wait.Start and Handle.Wait.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintln(os.Stderr, "supervisor: Unix only, not", runtime.GOOS)
	os.Exit(1)
}
