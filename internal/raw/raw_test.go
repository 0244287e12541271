package raw

import (
	"testing"

	"github.com/procwait/wait/internal/posix"
)

// TestIgnoringEINTR: EINTR is retried, every other result returned at once.
func TestIgnoringEINTR(t *testing.T) {
	for _, c := range []struct {
		name      string
		results   []posix.Errno
		wantCalls int
	}{
		{"success at once", []posix.Errno{0}, 1},
		{"EINTR three times", []posix.Errno{posix.EINTR, posix.EINTR, posix.EINTR, 0}, 4},
		{"EINTR then ECHILD", []posix.Errno{posix.EINTR, posix.ECHILD}, 2},
		{"other errors are not retried", []posix.Errno{posix.EINVAL, 0}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			var last posix.Errno
			ignoringEINTR(func() posix.Errno {
				if calls >= len(c.results) {
					t.Fatalf("called %d times, beyond the script", calls+1)
				}
				last = c.results[calls]
				calls++
				return last
			})
			if calls != c.wantCalls || last == posix.EINTR {
				t.Errorf("fn called %d times (last %v), want %d and not EINTR", calls, last, c.wantCalls)
			}
		})
	}
}
