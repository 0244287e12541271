package wait

// Handle is a child of this process that can be waited for without a blocked
// thread. (Placeholder: the Handle work replaces this file.)
type Handle struct {
	pid int
}
