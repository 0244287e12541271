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

	"github.com/procwait/wait"
)

// A storm is n orphans of this process (a subreaper): shell subshells forked
// by middle shells that exit at once, each blocked reading a gate pipe. They
// all exit together when the gate closes.
type storm struct {
	pids []int
	gate *os.File // write end; closing it releases every orphan
}

// orphanScript forks n subshells that block on fd 3, printing their PIDs.
func orphanScript(n int) string {
	return `i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do (exec >/dev/null; read x <&3) & echo $!; i=$((i+1)); done`
}

// newStorm starts middles*per orphans. The middles are reaped here by PID
// (no reaper runs during setup), so the orphans are the only children left.
func newStorm(middles, per int) (*storm, error) {
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
		cmd := exec.Command("/bin/sh", "-c", orphanScript(per))
		cmd.ExtraFiles = []*os.File{gateR}
		cmd.Stdout = pw
		cmd.Stderr = os.Stderr
		if err = cmd.Start(); err != nil {
			break
		}
		mids = append(mids, cmd.Process.Pid)
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
