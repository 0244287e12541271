//go:build !unix

package wait

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// ReapAll reaps every child of this process until none is left; see the Unix
// documentation. Here there is no SIGCHLD and no wait family, so it returns
// an error wrapping errors.ErrUnsupported.
func ReapAll(ctx context.Context, fn func(Exit)) error {
	return fmt.Errorf("wait: ReapAll is not available on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
