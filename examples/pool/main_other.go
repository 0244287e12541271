//go:build !unix

// Command pool is a Unix example of wait.Group.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintln(os.Stderr, "pool: Unix only, not", runtime.GOOS)
	os.Exit(1)
}
