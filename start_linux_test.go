package wait

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireClonePidfd skips where os.Process and Start cannot have a pidfd
// from clone: qemu-user does not emulate clone(CLONE_PIDFD).
func requireClonePidfd(t *testing.T) {
	t.Helper()
	requirePidfd(t)
	if emu := emulator(); emu != "" {
		t.Skipf("running under %s, which does not emulate clone(CLONE_PIDFD)", emu)
	}
}

// fdinfoPid returns the "Pid:" line of /proc/self/fdinfo/fd, or "" if fd
// is no pidfd.
func fdinfoPid(t *testing.T, fd int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatalf("fdinfo of %d: %v", fd, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestStartPidfdFromClone(t *testing.T) {
	requireClonePidfd(t)
	hForce(t, false)

	attr := &syscall.SysProcAttr{Setpgid: true}
	cmd, w := blockCmd(t)
	cmd.SysProcAttr = attr
	h := hStartCmd(t, cmd)
	if cmd.SysProcAttr != attr || attr.PidFD != nil {
		t.Errorf("Start changed the caller's SysProcAttr: %p (PidFD %v); want %p unchanged", cmd.SysProcAttr, attr.PidFD, attr)
	}
	if pgid, err := syscall.Getpgid(h.Pid()); err != nil || pgid != h.Pid() {
		t.Errorf("child's process group %d, %v; want %d (Setpgid kept)", pgid, err, h.Pid())
	}
	fd := handlePidfd(h)
	if fd < 0 {
		t.Fatal("the Handle has no pidfd")
	}
	if got := fdinfoPid(t, fd); got != strconv.Itoa(h.Pid()) {
		t.Errorf("the Handle's pidfd names pid %q; want %d", got, h.Pid())
	}
	w.Close()
	hWait(t, h)

	// A PidFD the caller asked for stays theirs.
	own := -1
	cmd, w = blockCmd(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{PidFD: &own}
	h = hStartCmd(t, cmd)
	if own < 0 || own == handlePidfd(h) {
		t.Fatalf("caller's PidFD %d, Handle's %d; want two descriptors", own, handlePidfd(h))
	}
	defer unix.Close(own)
	if got := fdinfoPid(t, own); got != strconv.Itoa(h.Pid()) {
		t.Errorf("the caller's pidfd names pid %q; want %d", got, h.Pid())
	}
	w.Close()
	hWait(t, h)
	if _, err := unix.FcntlInt(uintptr(own), unix.F_GETFD, 0); err != nil {
		t.Errorf("the caller's pidfd after Wait: %v; want it still open", err)
	}
}

// TestStartBesideReap: with Reap running, a Start child whose output waits
// in a pipe made with StdoutPipe is reaped on the Handle's behalf; the pipe
// stays readable to the end, h.Wait returns the exit, and Reap's fn never
// sees the child.
func TestStartBesideReap(t *testing.T) {
	requireClonePidfd(t)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var seen []int
	reapDone := make(chan error, 1)
	go func() {
		reapDone <- Reap(ctx, func(e Exit) {
			mu.Lock()
			seen = append(seen, e.Pid)
			mu.Unlock()
		})
	}()
	defer func() {
		cancel()
		<-reapDone
	}()

	cmd := shCmd(t, `head -c 65536 /dev/zero`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := hStartCmd(t, cmd)
	deadline := time.Now().Add(pollBound)
	for ownerOf(h.Pid()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Reap did not collect the exited child for its Handle")
		}
		time.Sleep(time.Millisecond)
	}
	n, err := io.Copy(io.Discard, out)
	if err != nil || n != 65536 {
		t.Errorf("read %d bytes, %v after Reap collected the child; want 65536", n, err)
	}
	e := hWait(t, h)
	if !e.Status.Exited() || e.Status.ExitStatus() != 0 {
		t.Errorf("Exit = %v; want exit status 0", e)
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Success() {
		t.Errorf("cmd.ProcessState = %v", cmd.ProcessState)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, pid := range seen {
		if pid == h.Pid() {
			t.Errorf("Reap passed the owned child %d to fn", pid)
		}
	}
}

// TestStartManyBuffered starts many commands with buffered stdin and stdout
// at once and checks that their waiters and copies hold no thread each.
func TestStartManyBuffered(t *testing.T) {
	n := 2000
	if emulator() != "" || testing.Short() {
		n = 200
	}
	if _, err := os.Stat("/bin/cat"); err != nil {
		t.Skipf("no /bin/cat: %v", err)
	}
	// Threads the runtime started for earlier tests stay (idle) for the
	// life of the process, so what is asserted is what waiting adds.
	before := hThreads(t)
	gate := make(chan struct{})
	outs := make([]bytes.Buffer, n)
	hs := make([]*Handle, n)
	for i := range n {
		cmd := exec.Command("/bin/cat")
		cmd.Stdin = &gatedReader{gate: gate, data: "child " + strconv.Itoa(i) + "\n"}
		cmd.Stdout = &outs[i]
		hs[i] = hStartCmd(t, cmd)
	}
	errc := make(chan error, n)
	for i, h := range hs {
		go func() {
			e, err := h.Wait(context.Background())
			if err == nil && (e.Pid != h.Pid() || e.Status.ExitStatus() != 0) {
				err = errors.New(e.String())
			}
			if err == nil && outs[i].String() != "child "+strconv.Itoa(i)+"\n" {
				err = errors.New("output " + strconv.Quote(outs[i].String()))
			}
			errc <- err
		}()
	}
	hParked(t, n, "TestStartManyBuffered")
	threads := hThreads(t)
	t.Logf("%d commands with buffered I/O waiting: %d OS threads, %d before they started (GOMAXPROCS %d)", n, threads, before, runtime.GOMAXPROCS(0))
	close(gate)
	for range n {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	if limit := before + runtime.GOMAXPROCS(0) + 4; threads > limit {
		t.Errorf("%d threads with %d waiting commands, %d before they started; want at most %d", threads, n, before, limit)
	}
}

// gatedReader returns data once gate is closed, then EOF.
type gatedReader struct {
	gate <-chan struct{}
	data string
}

func (g *gatedReader) Read(p []byte) (int, error) {
	<-g.gate
	if g.data == "" {
		return 0, io.EOF
	}
	n := copy(p, g.data)
	g.data = g.data[n:]
	return n, nil
}
