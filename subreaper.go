package wait

// SetSubreaper makes this process a child subreaper (on true) or an ordinary
// process again (on false). A subreaper adopts the orphans among its
// descendants: when a process below it exits, its still-running children are
// re-parented to the nearest subreaper instead of to init, so their exits
// reach this process and Reap can collect them. Only processes that become
// orphans after the call are adopted.
//
// Linux uses prctl(PR_SET_CHILD_SUBREAPER) (kernel 3.4 and later); FreeBSD
// and DragonFly use procctl(P_PID, getpid(), PROC_REAP_ACQUIRE or
// PROC_REAP_RELEASE) (FreeBSD 10.2 and later). Asking for the state the
// process is already in succeeds. On FreeBSD, releasing hands the adopted
// descendants up to the next reaper, and init can never release. Every other
// OS returns an error wrapping errors.ErrUnsupported that names the OS.
// Errors from the kernel are *os.SyscallError naming "prctl" or "procctl".
func SetSubreaper(on bool) error { return setSubreaper(on) }

// IsSubreaper reports whether this process is a child subreaper: Linux
// prctl(PR_GET_CHILD_SUBREAPER); FreeBSD and DragonFly
// procctl(PROC_REAP_STATUS), where the answer is true for init, which is
// always a reaper. Every other OS returns false and an error wrapping
// errors.ErrUnsupported.
func IsSubreaper() (bool, error) { return isSubreaper() }
