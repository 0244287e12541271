//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/procwait/wait"
)

// A storm is n orphans of this process (a subreaper): children forked by
// middle processes that exit at once, each orphan blocked reading a gate
// pipe. They all exit together when the gate closes. The middles are this
// program re-executed (middleEnv), and each orphan is a raw fork of a
// middle that does nothing but read(2) and exit_group(2): its exit is the
// kernel's work alone, with no shell or runtime in it, so live mode times
// the reapers rather than the orphans.
type storm struct {
	pids []int
	gate *os.File // write end; closing it releases every orphan
}

// middleEnv selects the middle mode of a re-executed copy of this program
// (or of its test binary): fork the number of orphans it names.
const middleEnv = "GOREAP_MIDDLE"

func init() {
	if v, ok := os.LookupEnv(middleEnv); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goreap middle:", err)
			os.Exit(2)
		}
		os.Exit(middle(n))
	}
}

// middle forks n orphans blocked on the gate (fd 3), writes their PIDs to
// stdout, one a line, and returns the exit code.
func middle(n int) int {
	w := bufio.NewWriter(os.Stdout)
	for range n {
		pid, errno := forkGated()
		if errno != 0 {
			fmt.Fprintln(os.Stderr, "goreap middle: clone:", errno)
			return 1
		}
		fmt.Fprintln(w, pid)
	}
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

var gateBuf [1]byte

// forkGated forks a child that closes its stdout (so that the parent's read
// of the PIDs ends when the middle exits), reads fd 3 until EOF or an error
// and calls exit_group(0). The child runs nothing but raw system calls, so
// no lock of the runtime that another thread held at the fork matters to it.
//
//go:nosplit
func forkGated() (int, syscall.Errno) {
	pid, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
	if errno == 0 && pid == 0 {
		syscall.RawSyscall(syscall.SYS_CLOSE, 1, 0, 0)
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, 3, uintptr(unsafe.Pointer(&gateBuf[0])), 1)
			if e != syscall.EINTR && (e != 0 || r == 0) {
				break
			}
		}
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return int(pid), errno
}

// newStorm starts middles*per orphans. The middles are reaped here by PID
// (no reaper runs during setup), so the orphans are the only children left.
func newStorm(middles, per int) (*storm, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer gateR.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		gateW.Close()
		return nil, err
	}
	defer pr.Close()
	read := make(chan []int, 1)
	go func() {
		var pids []int
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
				pids = append(pids, pid)
			}
		}
		read <- pids
	}()
	var mids []int
	for range middles {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), middleEnv+"="+strconv.Itoa(per))
		cmd.ExtraFiles = []*os.File{gateR}
		cmd.Stdout = pw
		cmd.Stderr = os.Stderr
		if err = cmd.Start(); err != nil {
			break
		}
		mids = append(mids, cmd.Process.Pid) // read before Release
		_ = cmd.Process.Release()
	}
	pw.Close()
	pids := <-read
	for _, pid := range mids {
		var ws syscall.WaitStatus
		if _, werr := syscall.Wait4(pid, &ws, 0, nil); werr != nil && err == nil {
			err = werr
		}
	}
	if err == nil && len(pids) != middles*per {
		err = fmt.Errorf("%d orphans reported, want %d", len(pids), middles*per)
	}
	if err != nil {
		gateW.Close()
		return nil, err
	}
	return &storm{pids: pids, gate: gateW}, nil
}

// release closes the gate: every orphan exits now.
func (s *storm) release() { s.gate.Close() }

// zombies waits until every orphan has exited (is a zombie), without reaping.
func (s *storm) zombies(bound time.Duration) error {
	deadline := time.Now().Add(bound)
	for _, pid := range s.pids {
		for {
			var info wait.Info
			err := wait.Waitid(wait.P_PID, pid, &info, wait.WEXITED|wait.WNOHANG|wait.WNOWAIT)
			if err != nil || info.Pid != 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("orphan %d has not exited", pid)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// tally counts what a reaper reports against the storm's PIDs.
type tally struct {
	mu     sync.Mutex
	want   map[int]int
	seen   int // reports of storm PIDs
	extra  int // reports of other PIDs or repeats
	done   chan struct{}
	closed bool
}

func newTally(pids []int) *tally {
	t := &tally{want: map[int]int{}, done: make(chan struct{})}
	for _, pid := range pids {
		t.want[pid]++
	}
	return t
}

func (t *tally) add(pid int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.want[pid] == 0 {
		t.extra++
		return
	}
	t.want[pid]--
	t.seen++
	if t.seen == len(t.want) && !t.closed {
		// every PID reported once (PIDs are distinct among live orphans)
		t.closed = true
		close(t.done)
	}
}

// wait waits until every PID was reported, or no report came for idle.
func (t *tally) wait(idle time.Duration) (lost int) {
	last := -1
	for {
		select {
		case <-t.done:
			return 0
		case <-time.After(idle):
		}
		t.mu.Lock()
		seen := t.seen
		t.mu.Unlock()
		if seen == last {
			return len(t.want) - seen
		}
		last = seen
	}
}
