//go:build !linux

package wait

import (
	"runtime"
	"testing"
)

// TestLifecycleSoak is the lifecycle soak of soak_linux_test.go. It needs a
// new PID namespace, a proc mount of its own and ns_last_pid to force PID
// reuse: Linux only.
func TestLifecycleSoak(t *testing.T) {
	t.Skipf("needs Linux (PID namespaces, /proc/sys/kernel/ns_last_pid, pidfds); this is %s", runtime.GOOS)
}
