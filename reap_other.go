//go:build !unix

package wait

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// Reap reaps every child of this process that exits and that no Handle owns;
// see the Unix documentation. Here there is no SIGCHLD and no wait family,
// so it returns an error wrapping errors.ErrUnsupported.
func Reap(ctx context.Context, fn func(Exit)) error {
	return fmt.Errorf("wait: Reap is not available on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
