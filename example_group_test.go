//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package wait_test

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"time"

	"github.com/procwait/wait"
)

// A Group waits for many children with one call: Next returns each exit
// once, in the order the children end, with no goroutine per child.
func ExampleGroup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	g, err := wait.NewGroup()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	for _, code := range []string{"3", "1", "2"} {
		h, err := wait.Start(exec.Command("sh", "-c", "exit "+code))
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := g.Add(h); err != nil {
			fmt.Println(err)
			return
		}
	}
	var codes []int
	for g.Len() > 0 {
		e, err := g.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		codes = append(codes, e.Status.ExitStatus())
	}
	slices.Sort(codes)
	fmt.Println("exit codes:", codes)
	// Output:
	// exit codes: [1 2 3]
}
