// Command genabi writes the root package's zabi_<goos>.go files and the
// README's OS table from the tables in internal/abi. Run it from the module
// root with "go generate ./..." or "go run ./internal/cmd/genabi"; naming
// tables ("genabi linux darwin") writes only their files.
package main

import (
	"fmt"
	"os"

	"github.com/procwait/wait/internal/abi"
)

func main() {
	only := map[string]bool{}
	for _, t := range os.Args[1:] {
		only[t] = true
	}
	for file, table := range abi.GoFiles {
		if len(only) > 0 && !only[table] {
			continue
		}
		src, err := abi.GoSource(table)
		if err == nil {
			err = os.WriteFile(file, src, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "genabi:", err)
			os.Exit(1)
		}
	}
}
