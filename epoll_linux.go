package wait

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// polledEpoll is an epoll instance in the runtime's poller: one goroutine
// parks in rc.Read until a descriptor in the set is ready, without holding
// an OS thread. Handles (pidfdPoll) and each Group (groupPoll) have one.
type polledEpoll struct {
	file *os.File // closing it closes the instance
	rc   syscall.RawConn
	fd   int // file's descriptor (file.Fd would make it blocking)
}

// newPolledEpoll creates a close-on-exec epoll instance and puts it in the
// poller. O_NONBLOCK is set with fcntl, as for the pidfd (see openPidfd): a
// flag passed to the call itself may not survive an emulator on MIPS.
func newPolledEpoll() (polledEpoll, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return polledEpoll{}, os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return polledEpoll{}, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), "epoll")
	rc, err := f.SyscallConn()
	if err == nil {
		// ErrNoDeadline if the runtime could not register the descriptor.
		err = f.SetReadDeadline(time.Time{})
	}
	if err != nil {
		f.Close()
		return polledEpoll{}, err
	}
	return polledEpoll{file: f, rc: rc, fd: fd}, nil
}
