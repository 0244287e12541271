//go:build unix

package wait

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSubreaperUnsupported: where the OS has no subreaper, both calls say so
// with an error wrapping errors.ErrUnsupported that names the OS.
func TestSubreaperUnsupported(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "android", "freebsd", "dragonfly":
		t.Skipf("%s has a child subreaper; TestSubreaper covers it", runtime.GOOS)
	}
	err := SetSubreaper(true)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorContains(t, err, runtime.GOOS)
	on, err := IsSubreaper()
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.False(t, on)
}

// TestSubreaper runs, in a helper process (a subreaper adopts every orphan
// below it, which must not happen to the test process): IsSubreaper is false
// at first; SetSubreaper(true) makes it true, also when repeated; an orphaned
// grandchild is then re-parented to the helper (its parent PID, from /proc
// where there is one, and waitid(P_PID) finding it) and reaped by Reap with
// its own exit status (1: the shell's read hit EOF). After SetSubreaper(false) (also repeated) an orphan
// goes elsewhere: waitid(P_PID) on it says ECHILD.
func TestSubreaper(t *testing.T) {
	requireSubreaper(t)
	var rep subreaperReport
	runReapScenario(t, time.Minute, &rep, "subreaper")
	assert.False(t, rep.Before, "IsSubreaper before SetSubreaper")
	assert.Empty(t, rep.Errors)
	assert.True(t, rep.On, "IsSubreaper after SetSubreaper(true) twice")
	if rep.HaveProc {
		assert.True(t, rep.AdoptedParent, "the orphan's parent PID (from /proc) is the subreaper")
	}
	assert.True(t, rep.AdoptedWaitable, "waitid(P_PID) finds the adopted orphan")
	assert.Equal(t, "exit status 1", rep.AdoptedReaped, "the adopted orphan's exit as passed to Reap's fn")
	assert.False(t, rep.Off, "IsSubreaper after SetSubreaper(false) twice")
	if rep.HaveProc {
		assert.False(t, rep.NotAdoptedParent, "after SetSubreaper(false) the orphan's parent is not us")
	}
	assert.True(t, rep.NotAdoptedECHILD, "after SetSubreaper(false) waitid(P_PID) on the orphan says ECHILD")
}

type subreaperReport struct {
	Before, On, Off  bool
	HaveProc         bool
	AdoptedParent    bool
	AdoptedWaitable  bool
	AdoptedReaped    string
	NotAdoptedParent bool
	NotAdoptedECHILD bool
	Errors           []string
}

func subreaperScenario() (*subreaperReport, error) {
	rep := &subreaperReport{}
	note := func(err error) {
		if err != nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
	}
	_, _, rep.HaveProc = procChildren()
	self := os.Getpid()
	var err error
	rep.Before, err = IsSubreaper()
	note(err)
	note(SetSubreaper(true))
	note(SetSubreaper(true))
	rep.On, err = IsSubreaper()
	note(err)

	// One middle, one grandchild: the middle exits at once and is reaped
	// here by its pid; the grandchild blocks on the gate.
	orphan := func() (int, *os.File, error) {
		gateR, gateW, err := os.Pipe()
		if err != nil {
			return 0, nil, err
		}
		defer gateR.Close()
		mids, grands, err := startOrphans(1, 1, gateR)
		if err == nil && (len(mids) != 1 || len(grands) != 1) {
			err = fmt.Errorf("middles %v reported orphans %v", mids, grands)
		}
		if err != nil {
			gateW.Close()
			return 0, nil, err
		}
		if _, err := Wait4(mids[0], nil, 0, nil); err != nil {
			gateW.Close()
			return 0, nil, err
		}
		return grands[0], gateW, nil
	}

	pid, gate, err := orphan()
	if err != nil {
		return nil, err
	}
	rep.AdoptedParent = parentOf(pid) == self
	// Alive and ours: no error (and, with WNOHANG, nothing to report yet).
	werr := Waitid(P_PID, pid, nil, WEXITED|WSTOPPED|WNOHANG|WNOWAIT)
	note(werr)
	rep.AdoptedWaitable = werr == nil
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := newExitLog()
	reapDone := make(chan error, 1)
	go func() { reapDone <- Reap(ctx, log.add) }()
	gate.Close()
	if !waitFor(20*time.Second, func() bool { return log.has(pid) }) {
		note(fmt.Errorf("the adopted orphan %d did not reach Reap's fn within 20s of its release", pid))
	}
	rep.AdoptedReaped = statusOf(log, pid)
	cancel()
	<-reapDone

	note(SetSubreaper(false))
	note(SetSubreaper(false))
	rep.Off, err = IsSubreaper()
	note(err)
	pid, gate, err = orphan()
	if err != nil {
		return nil, err
	}
	defer gate.Close() // ends the orphan, whoever adopted it
	rep.NotAdoptedParent = parentOf(pid) == self
	rep.NotAdoptedECHILD = errors.Is(Waitid(P_PID, pid, nil, WEXITED|WSTOPPED|WNOHANG|WNOWAIT), syscall.ECHILD)
	return rep, nil
}
