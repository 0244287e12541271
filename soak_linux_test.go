//go:build linux

package wait

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The lifecycle soak (issue 10, part 3) runs a supervisor's life at high
// speed: Reap running, Handles started, opened, signalled, waited, closed and
// kept long after their child is gone, plain os/exec children nobody waits
// for, orphans, stopped and traced children, and victims: unrelated processes
// that count every signal they receive. It runs as PID 1 of a new PID
// namespace, where it steers the kernel's next PID with ns_last_pid so that
// PIDs are reused as soon as they are free, and old Handles meet the new
// processes on their PIDs. After every operation, and at the end, it checks:
//
//   - every exit reaches exactly one place, with the right status: its
//     Handle's Wait, or Reap's fn;
//   - an exit nobody owns reaches fn within a second of the child becoming a
//     zombie;
//   - no signal reaches a victim, or any process the harness did not mean it
//     for (every long-lived child counts what it gets);
//   - a Handle whose child is gone says so (ErrProcessDone, ErrClosed) and
//     returns the same result again; a reaped child's PID is no longer owned;
//   - stops and ptrace traps stay visible to the tracer;
//   - out-of-range PIDs and signal numbers are refused with EINVAL;
//   - Wait(nil) leaves the Handle usable;
//   - no zombie or child is left at the end, and the goroutines, file
//     descriptors and the owned map are back to their baseline.
//
// The scenario runs in a re-executed copy of the test binary (see
// soakHelperEnv) and prints a JSON report; TestLifecycleSoak turns it into a
// table and a list of the first violations.
const (
	soakHelperEnv = "WAIT_SOAK_HELPER" // mode of a re-executed copy (scenario, exit, counter, middle)
	soakOpsEnv    = "WAIT_SOAK_OPS"    // number of operations (long mode); default soakShortOps
	soakSeedEnv   = "WAIT_SOAK_SEED"   // seed to replay
	soakKindsEnv  = "WAIT_SOAK_KINDS"  // comma-separated operation kinds to restrict the mix to
	soakShortOps  = 2000

	soakLiveMax    = 20               // processes alive at once, at most
	soakFnBound    = time.Second      // an unowned zombie must reach fn within this
	soakWaitBound  = 10 * time.Second // h.Wait of a child that is exiting
	soakStallBound = 40 * time.Second // no progress this long: a library call is stuck
)

func init() { runHelperIf(soakHelperEnv, soakHelper) }

// soakHelper runs one mode of a re-executed copy of the test binary:
//
//	scenario OPS SEED BOUND KINDS  the soak itself (PID 1 of a new PID namespace)
//	exit N                         exit with status N at once
//	counter N                      count every catchable signal; print "ready";
//	                               read stdin to EOF; print "counts SIG=N ..."; exit N
//	middle N M                     start a counter M child on this stdin, print its
//	                               PID and exit N at once, orphaning it
func soakHelper(mode string, args helperArgs) int {
	num := args.num
	switch mode {
	case "scenario":
		return soakScenario(args)
	case "exit":
		return num(0)
	case "counter":
		return soakCounter(num(0))
	case "middle":
		return soakMiddle(num(0), num(1))
	}
	fmt.Fprintf(os.Stderr, "soak helper: unknown mode %q\n", mode)
	return 125
}

// soakCounted are the signals a counter child catches and counts: every
// catchable one except SIGURG (the Go runtime's own), SIGCHLD and SIGPIPE.
var soakCounted = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2,
	syscall.SIGALRM, syscall.SIGTERM, syscall.SIGCONT, syscall.SIGWINCH, syscall.SIGTSTP,
	syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM,
	syscall.SIGIO, syscall.SIGPWR,
}

func soakCounter(code int) int {
	c := make(chan os.Signal, 1024)
	signal.Notify(c, soakCounted...)
	var mu sync.Mutex
	counts := map[syscall.Signal]int{}
	go func() {
		for sig := range c {
			if s, ok := sig.(syscall.Signal); ok {
				mu.Lock()
				counts[s]++
				mu.Unlock()
			}
		}
	}()
	_, _ = os.Stdout.WriteString("ready\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	// A signal sent before the parent closed our stdin is pending by now;
	// give its handler a moment to count it.
	time.Sleep(5 * time.Millisecond)
	mu.Lock()
	line := "counts"
	for s, n := range counts {
		line += fmt.Sprintf(" %d=%d", int(s), n)
	}
	mu.Unlock()
	_, _ = os.Stdout.WriteString(line + "\n")
	return code
}

func soakMiddle(code, gcode int) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		return 126
	}
	cmd := exec.Command(exe, strconv.Itoa(gcode))
	cmd.Env = childEnv(os.Environ(), soakHelperEnv, "counter")
	cmd.Stdin = os.Stdin // the harness holds the write end
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		return 126
	}
	fmt.Println(cmd.Process.Pid)
	return code
}

// soakReport is what the scenario prints.
type soakReport struct {
	Seed       uint64
	Ops, Done  int
	Elapsed    string
	Kinds      map[string]int // operations run, by kind
	Forks      int            // processes started (including orphans' forks)
	Targeted   int            // forks steered onto a freed PID through ns_last_pid
	Hits       int            // ... that got it
	Reused     int            // forks that landed on a PID used before in this run
	Victims    int
	VictimsHit int // victims placed on the PID of a kept (stale) Handle
	StaleMet   int // stale-Handle calls while its PID belonged to a new process
	Signals    int // Handle.Signal calls (good, stale and bad-argument)
	FnExits    int
	Traps      int // exec traps seen by the tracer
	Stops      int // stop reports seen
	Sigchld    int // operations run with the SIGCHLD path forced
	MaxLive    int
	Goroutines [2]int // baseline, end
	FDs        [2]int
	Violations int
	ByKind     map[string]int
	First      []string
	Aborted    string
}

// soakProc is one process of the harness.
type soakProc struct {
	id      int
	kind    string // the operation that made it
	pid     int
	pidfd   int // the harness's own pidfd (peeks, its own signals); -1: gone before it was opened
	code    int // exit status it will exit with
	killSig syscall.Signal
	stdin   *os.File // write end of its stdin; closing it lets it exit
	stdout  *os.File // read end of a counter's stdout
	out     []byte
	counter bool                   // counts its signals (stdout is read)
	ready   bool                   // the counter said "ready": it catches signals now
	victim  bool                   // unrelated: no signal may reach it
	sent    map[syscall.Signal]int // signals the harness sent it on purpose

	h       *Handle
	sigchld bool // h was opened with the SIGCHLD path forced
	closed  bool // h was closed before the exit: fn gets it

	released bool // it may exit (stdin closed, killed, or it exits on its own)
	stopped  bool // SIGSTOP sent, no SIGCONT yet
	trap     bool // traced and its exec trap not handled yet

	spawned  time.Time
	zombieAt time.Time // first seen exited and unreaped
	goneAt   time.Time // first seen reaped
	late     bool      // its lateness was reported
	done     bool      // its exit reached its place (or was accounted for)
	fnGot    int       // fn calls for it while owned
	wrong    string    // what a wrong report of its exit said

	waitStuck bool // a Wait for it timed out; not waited again
	poisoned  bool // its Handle's lock is held forever; left alone until the end
}

// toFn reports whether p's exit belongs to Reap's fn.
func (p *soakProc) toFn() bool { return p.h == nil || p.closed }

func (p *soakProc) want() string {
	if p.killSig != 0 {
		return "signal " + p.killSig.String()
	}
	return "exit status " + strconv.Itoa(p.code)
}

func (p *soakProc) matches(ws WaitStatus) bool {
	if p.killSig != 0 {
		return ws.Signaled() && ws.Signal() == p.killSig
	}
	return ws.Exited() && ws.ExitStatus() == p.code
}

func (p *soakProc) String() string {
	owner := "unowned"
	switch {
	case p.h != nil && p.closed:
		owner = "Handle closed"
	case p.h != nil && p.sigchld:
		owner = "owned, SIGCHLD path"
	case p.h != nil:
		owner = "owned, pidfd path"
	}
	return fmt.Sprintf("pid %d (%s #%d, %s)", p.pid, p.kind, p.id, owner)
}

// peek tells, without reaping anything, whether p is still running (or
// stopped) 'R', has exited and waits to be reaped 'Z', or was reaped 'G'.
// It asks through the harness's pidfd, so a new process on the PID never
// answers for p.
func (p *soakProc) peek() byte {
	if p.pidfd < 0 {
		return 'G'
	}
	var info Info
	switch err := Waitid(P_PIDFD, p.pidfd, &info, WEXITED|WNOHANG|WNOWAIT); {
	case err != nil:
		return 'G' // ECHILD: reaped
	case info.Pid != 0 && (info.Code == CLD_EXITED || info.Code == CLD_KILLED || info.Code == CLD_DUMPED):
		return 'Z'
	}
	return 'R' // running, or a ptrace stop
}

func (p *soakProc) release() {
	if p.stdin != nil {
		_ = p.stdin.Close()
		p.stdin = nil
	}
	p.released = true
}

// soakHandle is a Handle kept after its Wait returned (or after Close).
type soakHandle struct {
	h            *Handle
	p            *soakProc
	exit         Exit
	err          error
	closedBefore bool // closed before the child exited: Wait says ErrClosed
	closedAfter  bool // closed after a successful Wait
	foreign      bool // its child was reaped behind its back by the harness
}

type soakFnExit struct {
	e  Exit
	at time.Time
}

type soak struct {
	rng     *rand.Rand
	exe     string
	env     []string
	kinds   map[string]bool
	start   time.Time
	opsEnd  time.Time
	hardEnd time.Time

	mu       sync.Mutex // rep, progress, opName, opNum, stuck
	rep      soakReport
	progress time.Time
	opName   string
	opNum    int
	stuck    int // harness goroutines blocked for good inside library calls
	printed  sync.Once

	forkMu sync.Mutex // every fork of the harness, with its ns_last_pid write

	fnMu   sync.Mutex
	fnLog  []soakFnExit
	fnSeen int

	nextID    int
	codes     int
	live      []*soakProc
	byPid     map[int][]*soakProc
	stale     []*soakHandle
	freed     []int
	pidUses   map[int]int
	abandoned map[int]int // PIDs of children that a failed Start killed
	ownedMax  int
	nilWait   []chan any
}

func soakScenario(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "soak scenario: "+format+"\n", a...)
		return 1
	}
	if len(args) < 3 {
		return fail("want OPS SEED BOUND [KINDS], got %q", args)
	}
	ops, err1 := strconv.Atoi(args[0])
	seed, err2 := strconv.ParseUint(args[1], 10, 64)
	bound, err3 := time.ParseDuration(args[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return fail("%v", err)
	}
	if os.Getpid() != 1 {
		return fail("not PID 1 of a new PID namespace (pid %d)", os.Getpid())
	}
	// Our own /proc, so that /proc/<pid> and ns_last_pid name this
	// namespace; private first, so the mount stays in this mount namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("making / private: %v", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fail("mounting proc: %v", err)
	}
	if self, err := os.Readlink("/proc/self"); err != nil || self != "1" {
		return fail("the new proc mount does not show this namespace: /proc/self = %q, %v", self, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fail("%v", err)
	}
	// Every fork and every ptrace request of the scenario come from this
	// thread: it is the tracer of the traced children.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	now := time.Now()
	s := &soak{
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		exe:       exe,
		start:     now,
		opsEnd:    now.Add(bound - 30*time.Second),
		hardEnd:   now.Add(bound - 5*time.Second),
		progress:  now,
		byPid:     map[int][]*soakProc{},
		pidUses:   map[int]int{},
		abandoned: map[int]int{},
		rep:       soakReport{Seed: seed, Ops: ops, Kinds: map[string]int{}, ByKind: map[string]int{}},
	}
	s.env = childEnv(os.Environ(), "", "")
	if len(args) > 3 && args[3] != "" {
		s.kinds = map[string]bool{}
		for _, k := range strings.Split(args[3], ",") {
			if soakOpByName(strings.TrimSpace(k)) == nil {
				return fail("unknown operation kind %q in %s", k, soakKindsEnv)
			}
			s.kinds[strings.TrimSpace(k)] = true
		}
	}
	if err := soakSetLastPid(2); err != nil {
		return fail("cannot steer PIDs through ns_last_pid: %v", err)
	}
	s.run()
	s.print("")
	return 0
}

// print writes the report once (the watchdog may do it first).
func (s *soak) print(aborted string) {
	s.printed.Do(func() {
		s.mu.Lock()
		s.rep.Aborted = aborted
		s.rep.Elapsed = time.Since(s.start).Round(time.Millisecond).String()
		b, err := json.Marshal(&s.rep)
		s.mu.Unlock()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_, _ = os.Stdout.Write(append(b, '\n'))
	})
}

func (s *soak) violate(kind, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rep.Violations++
	s.rep.ByKind[kind]++
	if s.rep.ByKind[kind] <= 4 && len(s.rep.First) < 40 {
		s.rep.First = append(s.rep.First, fmt.Sprintf("op %d %s: [%s] %s", s.opNum, s.opName, kind, msg))
	}
}

// harness reports a failure of the harness itself (not the library's).
func (s *soak) harness(format string, args ...any) {
	s.violate("harness", format, args...)
}

func (s *soak) count(f func(r *soakReport)) {
	s.mu.Lock()
	f(&s.rep)
	s.mu.Unlock()
}

func (s *soak) setOp(n int, name string) {
	s.mu.Lock()
	s.opNum, s.opName, s.progress = n, name, time.Now()
	s.mu.Unlock()
}

// tick records progress inside a long operation.
func (s *soak) tick() {
	s.mu.Lock()
	s.progress = time.Now()
	s.mu.Unlock()
}

// watchdog ends the scenario with its report when an operation makes no
// progress (a library call that never returns) or the hard bound passes.
func (s *soak) watchdog() {
	for range time.Tick(250 * time.Millisecond) {
		s.mu.Lock()
		idle, name := time.Since(s.progress), s.opName
		s.mu.Unlock()
		var why string
		switch {
		case idle > soakStallBound:
			why = fmt.Sprintf("operation %s made no progress for %v: a library call never returned", name, idle.Round(time.Second))
		case time.Now().After(s.hardEnd):
			why = "the scenario's time bound passed during " + name
		default:
			continue
		}
		s.violate("stall", "%s", why)
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "soak: aborting: %s\n%s\n", why, buf[:runtime.Stack(buf, true)])
		s.print(why)
		os.Exit(0) // as PID 1 of the namespace, this kills every process left
	}
}

func soakSetLastPid(pid int) error {
	return os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid)), 0)
}

// soakProcStat returns the state letter and parent PID of /proc/<pid>, and
// the thread group it belongs to.
func soakProcStat(pid int) (state byte, ppid, tgid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if v != "" {
				state = v[0]
			}
		case "PPid":
			ppid, _ = strconv.Atoi(v)
		case "Tgid":
			tgid, _ = strconv.Atoi(v)
		}
	}
	return state, ppid, tgid, state != 0
}

func soakState(pid int) byte {
	st, _, _, _ := soakProcStat(pid)
	return st
}

// soakAllStopped reports whether every thread of pid is in a group stop.
func soakAllStopped(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return false
	}
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/stat")
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}

// soakChildren lists this process's children from /proc: PID and state.
func soakChildren() map[int]byte {
	kids := map[int]byte{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ppid, _, ok := soakProcStat(pid); ok && ppid == os.Getpid() {
			kids[pid] = st
		}
	}
	return kids
}

func soakFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func (s *soak) cmd(mode string, args ...string) *exec.Cmd {
	c := exec.Command(s.exe, args...)
	c.Env = childEnv(s.env, soakHelperEnv, mode)
	c.Stderr = os.Stderr
	return c
}

func (s *soak) newProc(kind string) *soakProc {
	s.nextID++
	// Exit codes cycle through 3..119 (66 is the race detector's), so
	// processes that follow each other on a PID exit differently.
	code := 3 + s.codes%117
	if code == 66 {
		s.codes++
		code++
	}
	s.codes++
	return &soakProc{id: s.nextID, kind: kind, pidfd: -1, code: code, sent: map[syscall.Signal]int{}}
}

// counterCmd makes p a counter and returns its command and the child's
// ends of its pipes (closed by spawn once it started).
func (s *soak) counterCmd(p *soakProc) (*exec.Cmd, []*os.File) {
	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		panic(fmt.Sprintf("soak: pipes: %v", err)) // fds exhausted: nothing sensible to do
	}
	cmd := s.cmd("counter", strconv.Itoa(p.code))
	cmd.Stdin, cmd.Stdout = inR, outW
	p.counter, p.stdin, p.stdout = true, inW, outR
	return cmd, []*os.File{inR, outW}
}

// addProc returns a new process of kind (see newProc), or nil when the pool
// is full (see full).
func (s *soak) addProc(kind string) *soakProc {
	if s.full() {
		return nil
	}
	return s.newProc(kind)
}

// spawnCounter makes p a counter (see counterCmd) and spawns it (see spawn),
// on a freed PID with probability prob (see target).
func (s *soak) spawnCounter(p *soakProc, own bool, prob float64) bool {
	cmd, files := s.counterCmd(p)
	return s.spawn(p, cmd, own, s.target(prob), files)
}

// exitCmd is the command of a child that exits at once with p's code.
func (s *soak) exitCmd(p *soakProc) *exec.Cmd {
	return s.cmd("exit", strconv.Itoa(p.code))
}

// spawnExit spawns an exitCmd child for p, on a freed PID with probability
// prob.
func (s *soak) spawnExit(p *soakProc, own bool, prob float64) bool {
	return s.spawn(p, s.exitCmd(p), own, s.target(prob), nil)
}

// full reports whether the pool of running processes is full. Processes
// that exited and wait for fn, or whose trouble was reported already (left
// as zombies by the library, stuck), do not count, up to a hard limit.
func (s *soak) full() bool {
	n := 0
	for _, p := range s.live {
		if !p.late && !p.waitStuck && !p.poisoned && p.zombieAt.IsZero() && p.goneAt.IsZero() {
			n++
		}
	}
	return n >= soakLiveMax || len(s.live) >= 20*soakLiveMax
}

// awaitReady reads a counter's "ready" line: from then on it catches the
// signals it counts (before that, SIGUSR1 or SIGTERM would kill it, by
// their default action). It reports false if the counter died first.
func (s *soak) awaitReady(p *soakProc) bool {
	if p.ready || p.stdout == nil {
		return p.ready
	}
	_ = p.stdout.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	for !p.ready {
		n, err := p.stdout.Read(b[:])
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.harness("%s never said ready: %v", p, err)
			}
			return false
		}
		p.out = append(p.out, b[:n]...)
		p.ready = n == 1 && b[0] == '\n'
	}
	return true
}

// target returns, with probability prob, a recently freed PID to steer the
// next fork onto, else 0.
func (s *soak) target(prob float64) int {
	if len(s.freed) == 0 || s.rng.Float64() >= prob {
		return 0
	}
	if s.rng.IntN(2) == 0 {
		return s.freed[len(s.freed)-1]
	}
	return s.freed[s.rng.IntN(len(s.freed))]
}

// spawn starts cmd (through Start when own) after steering the kernel's next
// PID to target, if target > 1. Every fork of the harness happens under
// forkMu, so no fork of ours can come between the ns_last_pid write and this
// one; a new thread (anyone's) can take the PID, and then the fork simply
// lands on another one, which the report counts as a miss.
func (s *soak) spawn(p *soakProc, cmd *exec.Cmd, own bool, target int, childFiles []*os.File) bool {
	s.forkMu.Lock()
	defer s.forkMu.Unlock()
	return s.spawnLocked(p, cmd, own, target, childFiles)
}

func (s *soak) spawnLocked(p *soakProc, cmd *exec.Cmd, own bool, target int, childFiles []*os.File) bool {
	if target > 1 {
		if err := soakSetLastPid(target - 1); err != nil {
			s.harness("writing ns_last_pid: %v", err)
			target = 0
		}
	}
	var err error
	if own {
		p.sigchld = forceSigchld.Load()
		p.h, err = Start(cmd)
	} else {
		err = cmd.Start()
	}
	for _, f := range childFiles {
		_ = f.Close()
	}
	if err != nil {
		p.release()
		if p.stdout != nil {
			_ = p.stdout.Close()
		}
		pid := -1
		if cmd.Process != nil {
			// Start killed the child it could not own: its exit may reach fn.
			pid = cmd.Process.Pid
			s.abandoned[pid]++
			_ = cmd.Process.Release()
		}
		var errno syscall.Errno
		if cmd.Process == nil && errors.As(err, &errno) && (errno == syscall.EAGAIN || errno == syscall.ENOMEM || errno == syscall.EMFILE || errno == syscall.ENFILE) {
			// The fork itself failed: the machine is out of something.
			s.harness("starting a %s child: %v", p.kind, err)
		} else if own {
			recycled := ""
			if s.pidUses[pid] > 0 {
				recycled = fmt.Sprintf(" (a recycled PID, last used by %s)", s.history(pid))
			}
			s.violate("start-failed", "Start of a %s child failed on pid %d%s: %v", p.kind, pid, recycled, err)
		} else {
			s.harness("starting a %s child: %v", p.kind, err)
		}
		return false
	}
	p.pid = cmd.Process.Pid
	_ = cmd.Process.Release() // the harness's own pidfd and p.h serve instead
	s.adopt(p, target)
	return true
}

// adopt registers a new process of the harness.
func (s *soak) adopt(p *soakProc, target int) {
	p.spawned = time.Now()
	// Under forkMu (or for a process that cannot exit yet) nothing can
	// have reused the PID: the pidfd is p's, or p is already reaped.
	if fd, err := unix.PidfdOpen(p.pid, 0); err == nil {
		p.pidfd = fd
	} else {
		p.goneAt = p.spawned
	}
	reused := s.pidUses[p.pid] > 0
	s.pidUses[p.pid]++
	s.live = append(s.live, p)
	s.byPid[p.pid] = append(s.byPid[p.pid], p)
	s.count(func(r *soakReport) {
		r.Forks++
		if target > 1 {
			r.Targeted++
			if p.pid == target {
				r.Hits++
			}
		}
		if reused {
			r.Reused++
		}
		r.MaxLive = max(r.MaxLive, len(s.live))
	})
}

// history describes the last processes the harness has had on pid.
func (s *soak) history(pid int) string {
	var h []string
	all := s.byPid[pid]
	if len(all) > 4 {
		h = append(h, fmt.Sprintf("%d earlier", len(all)-4))
		all = all[len(all)-4:]
	}
	for _, p := range all {
		st := "live"
		if p.done {
			st = "done"
		}
		if p.wrong != "" {
			st += ", but " + p.wrong
		}
		h = append(h, fmt.Sprintf("%s #%d %s", p.kind, p.id, st))
	}
	if len(h) == 0 {
		return "nothing of the harness"
	}
	return strings.Join(h, ", ")
}

// settle records that p's exit reached its place (via), or was accounted
// for, checks its status and its signal counts and frees what the harness
// held for it.
func (s *soak) settle(p *soakProc, ws WaitStatus, have bool, via string) {
	p.done = true
	if i := slices.Index(s.live, p); i >= 0 {
		s.live = slices.Delete(s.live, i, i+1)
	}
	p.release()
	if have && !p.matches(ws) {
		kind := "wrong-exit"
		if p.victim {
			kind = "victim-signaled"
		}
		p.wrong = fmt.Sprintf("%s gave %v", via, ws)
		s.violate(kind, "%s: %s gave %v, want %s", p, via, ws, p.want())
	}
	if p.stdout != nil {
		_ = p.stdout.SetReadDeadline(time.Now().Add(2 * time.Second))
		rest, _ := io.ReadAll(p.stdout)
		p.out = append(p.out, rest...)
		_ = p.stdout.Close()
		p.stdout = nil
		s.checkCounts(p, have && p.matches(ws) && ws.Exited())
	}
	if p.pidfd >= 0 {
		_ = unix.Close(p.pidfd)
		p.pidfd = -1
	}
	s.freed = append(s.freed, p.pid)
	if len(s.freed) > 64 {
		s.freed = s.freed[1:]
	}
}

// checkCounts compares what a counter child received with what the harness
// sent it on purpose.
func (s *soak) checkCounts(p *soakProc, exitedNormally bool) {
	var line string
	for l := range strings.SplitSeq(string(p.out), "\n") {
		if strings.HasPrefix(l, "counts") {
			line = l
		}
	}
	if line == "" {
		if exitedNormally {
			s.harness("%s exited normally but printed no counts: %q", p, p.out)
		}
		return
	}
	for _, f := range strings.Fields(line)[1:] {
		k, v, _ := strings.Cut(f, "=")
		n, _ := strconv.Atoi(k)
		c, _ := strconv.Atoi(v)
		sig := syscall.Signal(n)
		if c <= p.sent[sig] {
			continue
		}
		if p.victim {
			s.violate("victim-signaled", "victim %s received %v %d time(s)", p, sig, c)
		} else {
			s.violate("signal-misdelivered", "%s received %v %d time(s) but was sent it %d time(s) (a bad-argument or stale Signal got through?)", p, sig, c, p.sent[sig])
		}
	}
}

func (s *soak) fn(e Exit) {
	s.fnMu.Lock()
	s.fnLog = append(s.fnLog, soakFnExit{e, time.Now()})
	s.fnMu.Unlock()
}

// reconcile attributes the exits fn received since the last call and checks
// that every unowned exit reaches fn in time.
func (s *soak) reconcile() {
	s.fnMu.Lock()
	news := slices.Clone(s.fnLog[s.fnSeen:])
	s.fnSeen = len(s.fnLog)
	s.fnMu.Unlock()
	for _, f := range news {
		s.attribute(f)
	}
	now := time.Now()
	for _, p := range slices.Clone(s.live) {
		if !p.toFn() || p.late || p.poisoned {
			continue
		}
		switch p.peek() {
		case 'Z':
			if p.zombieAt.IsZero() {
				p.zombieAt = now
			} else if now.Sub(p.zombieAt) > soakFnBound {
				p.late = true
				s.violate("unowned-not-reaped", "%s has been an unreaped zombie for over %v: Reap did not pass it to fn (pid history: %s)", p, soakFnBound, s.history(p.pid))
			}
		case 'G':
			if p.goneAt.IsZero() {
				p.goneAt = now
			} else if now.Sub(p.goneAt) > soakFnBound {
				p.late = true
				s.violate("lost-exit", "%s was reaped %v ago but its exit never reached fn (taken for an owned child?; pid history: %s)", p, now.Sub(p.goneAt).Round(time.Millisecond), s.history(p.pid))
			}
		}
	}
}

// attribute finds the process whose exit fn received. A PID can hold a
// reaped process whose fn call is still to come and the next process, so
// the oldest unsettled process on the PID that belongs to fn (and whose
// expected status matches) is the one.
func (s *soak) attribute(f soakFnExit) {
	s.count(func(r *soakReport) { r.FnExits++ })
	pid, ws := f.e.Pid, f.e.Status
	var cands []*soakProc
	for _, p := range s.byPid[pid] {
		if !p.done {
			cands = append(cands, p)
		}
	}
	pick := func(ok func(*soakProc) bool) *soakProc {
		for _, p := range cands {
			if ok(p) {
				return p
			}
		}
		return nil
	}
	if p := pick(func(p *soakProc) bool { return p.toFn() && p.matches(ws) }); p != nil {
		s.settle(p, ws, true, "fn")
		return
	}
	if p := pick(func(p *soakProc) bool { return p.toFn() }); p != nil {
		s.settle(p, ws, true, "fn")
		return
	}
	if p := pick(func(p *soakProc) bool { return p.matches(ws) }); p != nil || len(cands) > 0 {
		if p == nil {
			p = cands[0]
		}
		p.fnGot++
		s.violate("owned-exit-in-fn", "Reap's fn got %v for %s, whose Handle is open", ws, p)
		return
	}
	if s.abandoned[pid] > 0 {
		s.abandoned[pid]--
		return
	}
	s.violate("fn-unknown", "Reap's fn got pid %d (%v), which held no unsettled process of the harness (%s): a duplicate or a stranger's exit", pid, ws, s.history(pid))
}

// checkOwned bounds the package's owned map: ownership ends at reap, so it
// can hold no more entries than there are Handles whose child may be
// unreaped.
func (s *soak) checkOwned() {
	unfinished := 0
	for _, p := range s.live {
		if p.h != nil && !p.closed {
			unfinished++
		}
	}
	ownedMu.Lock()
	n := len(owned)
	ownedMu.Unlock()
	if n > unfinished && n > s.ownedMax {
		s.ownedMax = n
		s.violate("owned-map", "the owned map holds %d entries, but only %d Handles have a child that may be unreaped", n, unfinished)
	}
}

// guard runs f, giving up after d; it reports whether f returned. A
// goroutine stuck in f is counted as stuck.
func (s *soak) guard(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		s.mu.Lock()
		s.stuck++
		s.mu.Unlock()
		return false
	}
}

func (s *soak) addStale(sh *soakHandle) {
	s.stale = append(s.stale, sh)
	if len(s.stale) > 128 {
		s.stale = s.stale[1:]
	}
}

func (s *soak) pick(ok func(*soakProc) bool) *soakProc {
	var c []*soakProc
	for _, p := range s.live {
		if !p.done && ok(p) {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return c[s.rng.IntN(len(c))]
}

func (s *soak) liveOn(pid int) *soakProc {
	for _, p := range s.live {
		if p.pid == pid && !p.done {
			return p
		}
	}
	return nil
}

// describe says where p stands, for a failure message.
func (p *soakProc) describe() string {
	st := soakState(p.pid)
	if st == 0 {
		st = '-'
	}
	return fmt.Sprintf("peek %c, /proc state %c", p.peek(), st)
}

// signalProc sends sig to p through its Handle (when it has an open one)
// or the harness's pidfd.
func (s *soak) signalProc(p *soakProc, sig syscall.Signal) {
	var err error
	if p.h != nil && !p.closed {
		s.count(func(r *soakReport) { r.Signals++ })
		err = p.h.Signal(sig)
	} else {
		err = unix.PidfdSendSignal(p.pidfd, sig, nil, 0)
	}
	if err != nil {
		s.violate("signal-failed", "%v to live %s: %v", sig, p, err)
		return
	}
	p.sent[sig]++
}

// soakLasting tells how long a condition seen again and again has held.
type soakLasting struct{ since time.Time }

// over notes that the condition holds at now and reports whether it has
// held for longer than d, since the first time over was called.
func (l *soakLasting) over(now time.Time, d time.Duration) bool {
	if l.since.IsZero() {
		l.since = now
		return false
	}
	return now.Sub(l.since) > d
}

// Wait variants.
const (
	waitCancelledFirst = 1 << iota
	waitThenClose
	waitTwice
)

// waitOwned collects p through its Handle and checks the Exit.
func (s *soak) waitOwned(p *soakProc, flags int) {
	h := p.h
	var early *Exit
	if flags&waitCancelledFirst != 0 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		e, err := h.Wait(ctx)
		switch {
		case err == nil:
			early = &e // collected already (by Reap for the Handle)
		case !errors.Is(err, context.Canceled):
			s.violate("wait-failed", "h.Wait with a cancelled context for %s: %v, want context.Canceled or the Exit", p, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), soakWaitBound)
	defer cancel()
	var e, e2 Exit
	var err, err2 error
	if flags&waitTwice != 0 {
		var wg sync.WaitGroup
		wg.Go(func() { e2, err2 = h.Wait(ctx) })
		e, err = h.Wait(ctx)
		wg.Wait()
		if e != e2 || (err == nil) != (err2 == nil) {
			s.violate("wait-differs", "two concurrent h.Wait calls for %s: %v, %v and %v, %v", p, e.Status, err, e2.Status, err2)
		}
	} else {
		e, err = h.Wait(ctx)
	}
	s.tick()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		p.waitStuck = true
		s.violate("wait-stuck", "h.Wait for %s did not return within %v (%s)", p, soakWaitBound, p.describe())
		return
	case err != nil:
		s.violate("wait-failed", "h.Wait for %s: %v", p, err)
		s.settle(p, 0, false, "h.Wait")
		s.addStale(&soakHandle{h: h, p: p, err: err})
		return
	}
	if e.Pid != p.pid {
		s.violate("wrong-exit", "h.Wait for %s returned Exit.Pid %d", p, e.Pid)
	}
	if early != nil && *early != e {
		s.violate("wait-differs", "h.Wait for %s: %v with a cancelled context, then %v", p, early.Status, e.Status)
	}
	if p.fnGot > 0 {
		s.violate("double-exit", "the exit of %s reached both fn and h.Wait", p)
	}
	s.settle(p, e.Status, true, "h.Wait")
	sh := &soakHandle{h: h, p: p, exit: e}
	if flags&waitThenClose != 0 {
		_ = h.Close()
		sh.closedAfter = true
	}
	s.addStale(sh)
}

// shortWait calls h.Wait with a deadline that ends long before p can exit
// (p is running, stopped or in a ptrace stop): it must return
// context.DeadlineExceeded and leave p waitable, reaping or consuming
// nothing.
func (s *soak) shortWait(p *soakProc, what string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	e, err := p.h.Wait(ctx)
	switch {
	case err == nil:
		kind := "wrong-exit"
		if p.trap {
			kind = "trap-as-exit"
		}
		p.wrong = fmt.Sprintf("h.Wait gave %v while %s", e.Status, what)
		s.violate(kind, "h.Wait with a 20ms deadline on %s, %s, returned %v as its Exit", p, what, e.Status)
	case !errors.Is(err, context.DeadlineExceeded):
		s.violate("wait-failed", "h.Wait with a 20ms deadline on %s, %s: %v, want context.DeadlineExceeded", p, what, err)
	}
}

// ---- operations ----

type soakOp struct {
	name   string
	weight int
	run    func(s *soak) bool // false: not applicable now
}

// soakOps is a variable with an initializer, not filled by an init
// function: the helper's init above runs the scenario before any later one.
var soakOps = []soakOp{
	{"start", 14, onNew("start", (*soak).opStart)},
	{"start-exit", 8, onNew("start-exit", (*soak).opStartExit)},
	{"exec", 7, onNew("exec", (*soak).opExec)},
	{"open", 6, onNew("open", (*soak).opOpen)},
	{"orphan", 4, (*soak).opOrphan},
	{"release", 12, onPick((*soakProc).releasable, (*soak).opRelease)},
	{"wait", 14, onPick((*soakProc).waitable, (*soak).opWait)},
	{"close", 3, onPick((*soakProc).ownedRunning, (*soak).opClose)},
	{"signal", 8, onPick((*soakProc).signalable, (*soak).opSignal)},
	{"kill", 3, onPick((*soakProc).interruptible, (*soak).opKill)},
	{"stop", 4, onPick((*soakProc).interruptible, (*soak).opStop)},
	{"cont", 4, onPick((*soakProc).continuable, (*soak).opCont)},
	{"traced", 4, onNew("traced", (*soak).opTraced)},
	{"untrace", 4, onPick((*soakProc).trapped, (*soak).untrace)},
	{"victim", 4, (*soak).opVictim},
	{"retire", 3, onPick((*soakProc).retirable, (*soak).opRelease)},
	{"stale", 8, (*soak).opStale},
	{"badargs", 3, (*soak).opBadArgs},
	{"waitnil", 2, onPick((*soakProc).ownedRunning, (*soak).opWaitNil)},
	{"foreign", 3, (*soak).opForeign},
}

// onProc is the run of an operation that acts on the process get returns:
// it does not apply when get returns nil.
func onProc(get func(s *soak) *soakProc, act func(s *soak, p *soakProc)) func(s *soak) bool {
	return func(s *soak) bool {
		p := get(s)
		if p != nil {
			act(s, p)
		}
		return p != nil
	}
}

// onNew is the run of an operation on a new process of kind (see addProc):
// it does not apply while the pool is full.
func onNew(kind string, act func(s *soak, p *soakProc)) func(s *soak) bool {
	return onProc(func(s *soak) *soakProc { return s.addProc(kind) }, act)
}

// onPick is the run of an operation on a live process that ok accepts (see
// pick): it does not apply when there is none.
func onPick(ok func(p *soakProc) bool, act func(s *soak, p *soakProc)) func(s *soak) bool {
	return onProc(func(s *soak) *soakProc { return s.pick(ok) }, act)
}

// The processes the operations pick.

// releasable: it may be told to exit (a victim only by opRetire).
func (p *soakProc) releasable() bool { return p.stdin != nil && !p.victim && !p.poisoned }

// retirable: a victim that may be told to exit.
func (p *soakProc) retirable() bool { return p.victim && !p.released }

// waitable: its Handle may be waited on (no stop or trap to hang on).
func (p *soakProc) waitable() bool {
	return p.h != nil && !p.closed && !p.stopped && !p.trap && !p.poisoned && !p.waitStuck
}

// signalable: its Handle may be sent a signal.
func (p *soakProc) signalable() bool { return p.h != nil && !p.closed && !p.trap && !p.poisoned }

// running: a counter that runs on (not released, stopped or trapped).
func (p *soakProc) running() bool {
	return p.counter && !p.released && !p.stopped && !p.trap && !p.poisoned
}

// ownedRunning: running, with its Handle open.
func (p *soakProc) ownedRunning() bool { return p.h != nil && !p.closed && p.running() }

// interruptible: running and no victim; it may be killed or stopped.
func (p *soakProc) interruptible() bool { return p.running() && !p.victim }

// continuable: stopped by the harness.
func (p *soakProc) continuable() bool { return p.stopped && !p.poisoned }

// trapped: traced, its exec trap not handled yet.
func (p *soakProc) trapped() bool { return p.trap }

func soakOpByName(name string) *soakOp {
	for i := range soakOps {
		if soakOps[i].name == name {
			return &soakOps[i]
		}
	}
	return nil
}

// opStart: Start a counter child, often on a just-freed PID.
func (s *soak) opStart(p *soakProc) {
	s.spawnCounter(p, true, 0.7)
}

// opStartExit: Start a child that exits at once; wait for it now (with and
// without a cancelled context first, with and without Close afterwards) or
// leave it to a later wait, so that Reap collects it for its Handle.
func (s *soak) opStartExit(p *soakProc) {
	if !s.spawnExit(p, true, 0.7) {
		return
	}
	p.released = true
	switch s.rng.IntN(4) {
	case 0:
		s.waitOwned(p, waitCancelledFirst)
	case 1:
		s.waitOwned(p, 0)
	case 2:
		s.waitOwned(p, waitThenClose)
	}
}

// opExec: a plain os/exec child nobody waits for: its exit belongs to fn.
func (s *soak) opExec(p *soakProc) {
	if s.rng.IntN(2) == 0 {
		s.spawnCounter(p, false, 0.6)
		return
	}
	p.kind = "exec-exit"
	if s.spawnExit(p, false, 0.6) {
		p.released = true
	}
}

// opOpen: a plain os/exec child adopted with Open. A running one must be
// adopted; one that exits at once may have been reaped by Reap first: then
// Open fails with ECHILD and its exit must reach fn.
func (s *soak) opOpen(p *soakProc) {
	running := s.rng.IntN(2) == 0
	var ok bool
	if running {
		ok = s.spawnCounter(p, false, 0.6)
	} else {
		p.kind = "open-exit"
		ok = s.spawnExit(p, false, 0.6)
		p.released = true
	}
	if !ok {
		return
	}
	sigchld := forceSigchld.Load()
	h, err := Open(p.pid)
	switch {
	case err == nil:
		p.h, p.sigchld = h, sigchld
		if !running && s.rng.IntN(2) == 0 {
			s.waitOwned(p, 0)
		}
	case running:
		s.violate("open-failed", "Open of running unowned %s: %v", p, err)
	case p.peek() != 'G':
		s.violate("open-failed", "Open of unreaped unowned %s: %v", p, err)
	case !errors.Is(err, syscall.ECHILD):
		// Reaped by Reap already. A PID now held by some thread is not
		// our child either; pidfd_open calls that EINVAL.
		if _, _, tgid, ok := soakProcStat(p.pid); !ok || tgid == p.pid {
			s.violate("open-failed", "Open of reaped %s: %v, want ECHILD", p, err)
		}
	}
}

// opOrphan: a middle process starts a counter grandchild and exits; the
// grandchild is re-parented to us (PID 1 of the namespace). Both exits
// belong to fn, unless the orphan is adopted with Open.
func (s *soak) opOrphan() bool {
	if len(s.live)+2 > soakLiveMax {
		return false
	}
	mid, g := s.newProc("middle"), s.newProc("orphan")
	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		panic(fmt.Sprintf("soak: pipes: %v", err))
	}
	defer outR.Close()
	g.stdin = inW
	cmd := s.cmd("middle", strconv.Itoa(mid.code), strconv.Itoa(g.code))
	cmd.Stdin, cmd.Stdout = inR, outW
	// Hold forkMu until the middle has forked: its fork is one of ours.
	s.forkMu.Lock()
	ok := s.spawnLocked(mid, cmd, false, s.target(0.5), []*os.File{inR, outW})
	var line []byte
	var err error
	if ok {
		mid.released = true
		_ = outR.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err = io.ReadAll(outR) // the middle prints the PID and exits
	}
	s.forkMu.Unlock()
	if !ok {
		g.release()
		return true
	}
	gpid, perr := strconv.Atoi(strings.TrimSpace(string(line)))
	if err != nil || perr != nil {
		s.harness("reading the orphan's PID from the middle: %q, %v", line, errors.Join(err, perr))
		g.release()
		return true
	}
	g.pid = gpid
	s.adopt(g, 0) // it blocks on its stdin: the PID is still its own
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ppid, _, _ := soakProcStat(gpid); ppid == os.Getpid() {
			break
		}
		if time.Now().After(deadline) {
			s.harness("orphan %d was not re-parented to PID 1 within 5s", gpid)
			g.late = true
			return true
		}
		time.Sleep(time.Millisecond)
	}
	if s.rng.IntN(3) == 0 {
		sigchld := forceSigchld.Load()
		h, err := Open(gpid)
		if err != nil {
			s.violate("open-failed", "Open of %s, re-parented to us: %v", g, err)
		} else {
			g.h, g.sigchld = h, sigchld
		}
	}
	return true
}

// opRelease lets a child exit (opRetire a victim).
func (s *soak) opRelease(p *soakProc) {
	p.release()
}

// opWait collects an owned child through its Handle.
func (s *soak) opWait(p *soakProc) {
	if !p.released && s.rng.IntN(4) == 0 {
		s.shortWait(p, "running")
	}
	p.release()
	flags := 0
	if s.rng.IntN(3) == 0 {
		flags |= waitCancelledFirst
	}
	if s.rng.IntN(3) == 0 {
		flags |= waitThenClose
	}
	if s.rng.IntN(8) == 0 {
		flags |= waitTwice
	}
	s.waitOwned(p, flags)
}

// opClose closes a running child's Handle, then lets it exit: the exit is
// nobody's now and belongs to fn.
func (s *soak) opClose(p *soakProc) {
	if err := p.h.Close(); err != nil {
		s.violate("close-failed", "Close of %s: %v", p, err)
	}
	p.closed = true
	p.release()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := p.h.Wait(ctx); !errors.Is(err, os.ErrClosed) {
		s.violate("closed-wait", "h.Wait after Close of %s: %v, want os.ErrClosed", p, err)
	}
	s.count(func(r *soakReport) { r.Signals++ })
	if err := p.h.Signal(syscall.SIGUSR1); !errors.Is(err, os.ErrClosed) {
		s.violate("stale-signal", "h.Signal after Close of %s: %v, want os.ErrClosed", p, err)
	}
	s.addStale(&soakHandle{h: p.h, p: p, closedBefore: true})
}

// opSignal sends a harmless signal through a Handle at a random moment of
// its child's life (running, exiting, exited, reaped for it).
func (s *soak) opSignal(p *soakProc) {
	// Harmless at any moment: ignored or continue by default. SIGUSR1 and
	// SIGUSR2 only to a counter that catches them already.
	sigs := []syscall.Signal{0, syscall.SIGWINCH}
	if !p.stopped {
		sigs = append(sigs, syscall.SIGCONT)
		if p.counter && s.awaitReady(p) {
			sigs = append(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
		}
	}
	sig := sigs[s.rng.IntN(len(sigs))]
	s.count(func(r *soakReport) { r.Signals++ })
	err := p.h.Signal(sig)
	switch {
	case err == nil:
		p.sent[sig]++
	case errors.Is(err, os.ErrProcessDone) && p.released:
		// Reaped for the Handle already.
	default:
		s.violate("signal-failed", "h.Signal(%v) to %s (released %v): %v", sig, p, p.released, err)
	}
}

// opKill kills a running counter with SIGKILL.
func (s *soak) opKill(p *soakProc) {
	s.signalProc(p, syscall.SIGKILL)
	p.killSig = syscall.SIGKILL
	p.release()
}

// opStop stops a running counter; the stop report must stay visible (to us,
// with WNOWAIT), nothing may reap the child, and its exit, once continued,
// goes to its owner.
func (s *soak) opStop(p *soakProc) {
	s.signalProc(p, syscall.SIGSTOP)
	p.stopped = true
	deadline := time.Now().Add(5 * time.Second)
	var stopped soakLasting
	for {
		var info Info
		err := Waitid(P_PIDFD, p.pidfd, &info, WSTOPPED|WNOHANG|WNOWAIT)
		if err == nil && info.Pid == p.pid && info.Code == CLD_STOPPED {
			s.count(func(r *soakReport) { r.Stops++ })
			break
		}
		if err != nil {
			s.violate("stop-lost", "peeking at the stop of %s: %v", p, err)
			break
		}
		now := time.Now()
		// The report appears when the group stop completes, in the same
		// step as the last thread stops: with every thread stopped, a
		// missing report was consumed.
		if soakAllStopped(p.pid) && stopped.over(now, 500*time.Millisecond) {
			s.violate("stop-consumed", "%s is stopped but its stop report is gone: something consumed it (pid history: %s)", p, s.history(p.pid))
			break
		}
		if now.After(deadline) {
			s.harness("%s did not stop within 5s of SIGSTOP (%s)", p, p.describe())
			break
		}
		time.Sleep(time.Millisecond)
	}
	if p.h != nil && !p.closed && s.rng.IntN(3) == 0 {
		s.shortWait(p, "stopped")
	}
	if s.rng.IntN(2) == 0 {
		p.release() // it sees EOF once continued
	}
}

// opCont continues a child the harness stopped.
func (s *soak) opCont(p *soakProc) {
	s.signalProc(p, syscall.SIGCONT)
	p.stopped = false
}

// opTraced starts a traced child (owned, through Start, or not): it stops
// with SIGTRAP at its exec, a trap for us, the tracer, to see. It is
// handled now or left stopped for a while, where Reap meets it.
func (s *soak) opTraced(p *soakProc) {
	cmd := s.exitCmd(p)
	// Fewer signal-delivery stops: no preemption signals.
	cmd.Env = append(cmd.Env, "GODEBUG=asyncpreemptoff=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	own := s.rng.IntN(3) != 0
	if !own {
		p.kind = "traced-exec"
	}
	if !s.spawn(p, cmd, own, s.target(0.5), nil) {
		return
	}
	p.trap, p.released = true, true
	if s.rng.IntN(2) == 0 {
		s.untrace(p)
	}
}

// untrace checks that p's exec trap waits for us, the tracer, consumes it,
// and detaches p or continues it (then serving its signal-delivery stops
// until it exits). Runs on the tracer thread.
func (s *soak) untrace(p *soakProc) {
	if p.h != nil && !p.closed && s.rng.IntN(2) == 0 {
		s.shortWait(p, "in its exec trap")
	}
	p.trap = false
	deadline := time.Now().Add(10 * time.Second)
	var traced soakLasting
	for {
		var info Info
		err := Waitid(P_PIDFD, p.pidfd, &info, WSTOPPED|WNOHANG|WNOWAIT)
		if err != nil {
			s.violate("trap-lost", "peeking at the exec trap of %s: %v", p, err)
			return
		}
		if info.Pid == p.pid && info.Code == CLD_TRAPPED {
			// Consume the stop ourselves (WSTOPPED alone never takes an exit).
			_ = Waitid(P_PIDFD, p.pidfd, nil, WSTOPPED|WNOHANG)
			if info.Status == int(syscall.SIGTRAP) {
				s.count(func(r *soakReport) { r.Traps++ })
				break
			}
			// A signal-delivery stop before the exec trap: deliver it.
			if err := unix.PtraceCont(p.pid, info.Status); err != nil {
				s.harness("PTRACE_CONT %s with %d: %v", p, info.Status, err)
				return
			}
			continue
		}
		now := time.Now()
		if soakState(p.pid) == 't' && traced.over(now, 200*time.Millisecond) {
			s.violate("trap-consumed", "%s sits in its exec trap but the tracer cannot see the trap: the library consumed it (pid history: %s)", p, s.history(p.pid))
			break
		}
		if now.After(deadline) {
			s.harness("%s did not reach its exec trap within 10s (%s)", p, p.describe())
			return
		}
		time.Sleep(time.Millisecond)
	}
	if s.rng.IntN(3) != 0 {
		if err := unix.PtraceDetach(p.pid); err != nil {
			s.harness("PTRACE_DETACH %s: %v", p, err)
		}
		return
	}
	if err := unix.PtraceCont(p.pid, 0); err != nil {
		s.harness("PTRACE_CONT %s: %v", p, err)
		return
	}
	// Still traced: pass every signal-delivery stop on until it exits.
	traced = soakLasting{}
	for p.peek() == 'R' {
		var info Info
		if err := Waitid(P_PIDFD, p.pidfd, &info, WSTOPPED|WNOHANG); err == nil && info.Pid == p.pid {
			if err := unix.PtraceCont(p.pid, info.Status); err != nil {
				s.harness("PTRACE_CONT %s with %d: %v", p, info.Status, err)
				return
			}
			continue
		}
		now := time.Now()
		switch {
		case soakState(p.pid) != 't':
			traced = soakLasting{}
		case traced.over(now, 200*time.Millisecond):
			s.violate("trap-consumed", "traced %s sits in a ptrace stop the tracer cannot see: the library consumed it", p)
			_ = unix.PtraceCont(p.pid, 0)
			traced = soakLasting{}
		}
		if now.After(deadline) {
			s.harness("continued traced %s did not exit within 10s (%s)", p, p.describe())
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// opVictim places an unrelated counter on the PID of a kept Handle whose
// child is gone (or another freed PID).
func (s *soak) opVictim() bool {
	victims := 0
	for _, p := range s.live {
		if p.victim {
			victims++
		}
	}
	if victims >= 4 || s.full() {
		return false
	}
	target := 0
	var cands []int
	for _, sh := range s.stale[max(0, len(s.stale)-16):] {
		if s.liveOn(sh.p.pid) == nil {
			cands = append(cands, sh.p.pid)
		}
	}
	if len(cands) > 0 && s.rng.IntN(5) != 0 {
		target = cands[s.rng.IntN(len(cands))]
	} else {
		target = s.target(1)
	}
	s.startVictim(target)
	return true
}

// startVictim starts a victim steered onto target and waits until it
// counts signals.
func (s *soak) startVictim(target int) *soakProc {
	p := s.newProc("victim")
	p.victim = true
	cmd, files := s.counterCmd(p)
	if !s.spawn(p, cmd, false, target, files) {
		return nil
	}
	hit := false
	for _, sh := range s.stale {
		if sh.p.pid == p.pid {
			hit = true
		}
	}
	s.count(func(r *soakReport) {
		r.Victims++
		if hit {
			r.VictimsHit++
		}
	})
	if !s.awaitReady(p) {
		s.harness("victim %s died before it said ready", p)
	}
	return p
}

// opStale calls Signal and Wait on a kept Handle whose child is gone,
// preferably one whose PID a new process holds now.
func (s *soak) opStale() bool {
	if len(s.stale) == 0 {
		return false
	}
	var met []*soakHandle
	for _, sh := range s.stale {
		if s.liveOn(sh.p.pid) != nil {
			met = append(met, sh)
		}
	}
	var sh *soakHandle
	if len(met) > 0 && s.rng.IntN(4) != 0 {
		sh = met[s.rng.IntN(len(met))]
	} else {
		sh = s.stale[s.rng.IntN(len(s.stale))]
	}
	now := s.liveOn(sh.p.pid)
	if now != nil {
		s.count(func(r *soakReport) { r.StaleMet++ })
	}
	holder := "no process of the harness"
	if now != nil {
		holder = now.String()
	}
	sigs := []syscall.Signal{0, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGINT, syscall.SIGWINCH, syscall.SIGCONT, syscall.SIGQUIT, syscall.SIGKILL, syscall.SIGSTOP}
	sig := sigs[s.rng.IntN(len(sigs))]
	// A Handle that never learnt of the reaping behind its back (its Wait
	// did not say ECHILD: a violation reported already) cannot know, as
	// documented, that its PID is another process's now: Signal is not
	// tried on it, but its Wait must still never return a stranger's exit.
	unaware := sh.foreign && !errors.Is(sh.err, syscall.ECHILD)
	if !unaware {
		s.count(func(r *soakReport) { r.Signals++ })
		err := sh.h.Signal(sig)
		if !errors.Is(err, os.ErrProcessDone) && !((sh.closedBefore || sh.closedAfter) && errors.Is(err, os.ErrClosed)) {
			s.violate("stale-signal", "h.Signal(%v) on the Handle of reaped %s returned %v, want ErrProcessDone or ErrClosed; the PID now holds %s", sig, sh.p, err, holder)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := sh.h.Wait(ctx)
	var ok bool
	switch {
	case unaware:
		if err == nil {
			s.violate("foreign-stranger", "h.Wait on the Handle of %s, whose child the harness reaped behind its back, returned %v: a stranger's status (the PID now holds %s)", sh.p, e.Status, holder)
		}
		ok = true
	case sh.closedBefore:
		ok = errors.Is(err, os.ErrClosed)
	case sh.err != nil:
		ok = errors.Is(err, syscall.ECHILD) && errors.Is(sh.err, syscall.ECHILD) || err != nil && err.Error() == sh.err.Error()
	default:
		ok = err == nil && e == sh.exit || sh.closedAfter && errors.Is(err, os.ErrClosed)
	}
	if !ok {
		first := sh.exit.Status.String()
		switch {
		case sh.closedBefore:
			first = "os.ErrClosed (closed before the exit)"
		case sh.err != nil:
			first = sh.err.Error()
		}
		s.violate("stale-wait", "h.Wait again on the Handle of %s returned %v, %v; first it returned %s; the PID now holds %s", sh.p, e.Status, err, first, holder)
	}
	return true
}

// opBadArgs passes PIDs and signal numbers that do not fit pid_t or int:
// they must fail with EINVAL and reach nobody (a counter child would count a
// truncated signal).
func (s *soak) opBadArgs() bool {
	switch s.rng.IntN(3) {
	case 0:
		p := s.pick(func(p *soakProc) bool { return p.pidfd >= 0 })
		if p == nil {
			return false
		}
		if int64(math.MaxInt) == math.MaxInt32 {
			return false // a 32-bit int cannot hold pid+1<<32
		}
		wide := int64(p.pid) + 1<<32
		bad := int(wide)
		h, err := Open(bad)
		if err == nil {
			s.violate("bad-arg", "Open(%d = %d + 1<<32) succeeded: a second Handle for %s", bad, p.pid, p)
			_ = h.Close()
		} else if !errors.Is(err, syscall.EINVAL) {
			s.violate("bad-arg", "Open(%d = %d + 1<<32): %v, want EINVAL", bad, p.pid, err)
		}
	case 1:
		bads := []int{0, -1, math.MinInt32}
		if int64(math.MaxInt) > math.MaxInt32 { // beyond pid_t only with a 64-bit int
			for _, v := range []int64{1 << 31, -(1 << 32) + 1, math.MaxInt} {
				bads = append(bads, int(v))
			}
		}
		for _, bad := range bads {
			h, err := Open(bad)
			if err == nil {
				s.violate("bad-arg", "Open(%d) succeeded (Handle for pid %d)", bad, h.Pid())
				_ = h.Close()
			} else if !errors.Is(err, syscall.EINVAL) {
				s.violate("bad-arg", "Open(%d): %v, want EINVAL", bad, err)
			}
		}
	case 2:
		p := s.pick((*soakProc).ownedRunning)
		if p == nil || !s.awaitReady(p) {
			return false
		}
		bads := []int64{-1, 65}
		if int64(math.MaxInt) > math.MaxInt32 { // beyond a C int only with a 64-bit int
			bads = append(bads, 1<<32|int64(syscall.SIGTERM), 1<<32|int64(syscall.SIGHUP), 1<<31|int64(syscall.SIGINT))
		}
		for _, bad := range bads {
			s.count(func(r *soakReport) { r.Signals++ })
			if err := p.h.Signal(syscall.Signal(bad)); !errors.Is(err, syscall.EINVAL) {
				s.violate("bad-arg", "h.Signal(%#x) to %s: %v, want EINVAL", bad, p, err)
			}
		}
	}
	return true
}

// opWaitNil calls Wait(nil) on a running child's Handle: it may panic, but
// the Handle must keep working (Signal returns; later its exit arrives).
func (s *soak) opWaitNil(p *soakProc) {
	h := p.h
	res := make(chan any, 1)
	go func() {
		defer func() { res <- recover() }()
		var nilCtx context.Context
		_, _ = h.Wait(nilCtx)
	}()
	select {
	case r := <-res:
		if r == nil {
			s.violate("nil-context", "h.Wait(nil) on running %s returned instead of panicking", p)
			return
		}
	case <-time.After(2 * time.Second):
		s.violate("nil-context", "h.Wait(nil) on running %s neither panicked nor returned within 2s", p)
		s.nilWait = append(s.nilWait, res)
		return
	}
	var err error
	if !s.guard(time.Second, func() { err = h.Signal(0) }) {
		s.violate("lock-held", "after h.Wait(nil) panicked, h.Signal(0) on running %s blocks: the panic left the Handle's lock held", p)
		p.poisoned = true // touching it again would block us too
		return
	}
	if err != nil {
		s.violate("signal-failed", "h.Signal(0) to running %s after a Wait(nil) panic: %v", p, err)
	}
}

// opForeign reaps an owned child behind its Handle's back with a raw
// Wait4 (misuse, which the docs allow to fail) and puts a new process on
// its PID: h.Wait must then fail with ECHILD, never return the stranger's
// status, and the stranger's exit still belongs to fn.
func (s *soak) opForeign() bool {
	p := s.pick((*soakProc).ownedRunning)
	if p == nil || s.full() {
		return false
	}
	h := p.h
	p.release()
	var got bool
	var ws WaitStatus
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := p.peek()
		if st == 'Z' {
			// Still ours (Reap may take it for the Handle in between:
			// then ECHILD, as nothing forks meanwhile).
			wpid, err := Wait4(p.pid, &ws, WNOHANG, nil)
			got = err == nil && wpid == p.pid
			break
		}
		if st == 'G' {
			break // Reap collected it for the Handle first
		}
		if time.Now().After(deadline) {
			s.harness("released %s did not exit within 5s (%s)", p, p.describe())
			return true
		}
		time.Sleep(time.Millisecond)
	}
	pid := p.pid
	if got {
		s.settle(p, ws, true, "the harness's raw Wait4")
	}
	// The stranger: a victim (still running when h.Wait runs) or a child
	// that exits at once (Reap or h.Wait may meet its zombie).
	var stranger *soakProc
	if s.rng.IntN(2) == 0 {
		stranger = s.startVictim(pid)
	} else {
		stranger = s.newProc("stranger")
		if s.spawn(stranger, s.cmd("exit", strconv.Itoa(stranger.code)), false, pid, nil) {
			stranger.released = true
		} else {
			stranger = nil
		}
	}
	on := "another PID"
	if stranger != nil && stranger.pid == pid {
		on = stranger.String()
	}
	if !got {
		s.waitOwned(p, 0)
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := h.Wait(ctx)
	switch {
	case err == nil:
		s.violate("foreign-stranger", "after the child of %s was reaped behind its back and its PID reused by %s, h.Wait returned %v: a stranger's status", p, on, e.Status)
	case !errors.Is(err, syscall.ECHILD):
		s.violate("foreign-wait", "after the child of %s was reaped behind its back (PID now: %s), h.Wait returned %v, want an error wrapping ECHILD", p, on, err)
	}
	s.addStale(&soakHandle{h: h, p: p, exit: e, err: err, foreign: true})
	return true
}

// ---- the run ----

func (s *soak) run() {
	go s.watchdog()
	s.setOp(0, "warm-up")
	// Warm up what lives for the whole process (the SIGCHLD dispatcher,
	// os/signal's loop, the poller) before taking the baseline.
	for _, sig := range []bool{true, false} {
		forceSigchld.Store(sig)
		cmd := s.cmd("exit", "0")
		h, err := Start(cmd)
		if err != nil {
			s.harness("warm-up Start: %v", err)
			continue
		}
		_ = cmd.Process.Release()
		ctx, cancel := context.WithTimeout(context.Background(), soakWaitBound)
		if _, err := h.Wait(ctx); err != nil {
			s.harness("warm-up Wait: %v", err)
		}
		cancel()
	}
	forceSigchld.Store(false)
	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), soakFDs()
	s.count(func(r *soakReport) { r.Goroutines[0], r.FDs[0] = baseG, baseFD })

	reapCtx, reapCancel := context.WithCancel(context.Background())
	reapDone := make(chan error, 1)
	go func() { reapDone <- Reap(reapCtx, s.fn) }()

	total := 0
	for _, op := range soakOps {
		if s.kinds == nil || s.kinds[op.name] {
			total += op.weight
		}
	}
	done := 0
	for i := 1; i <= s.rep.Ops && time.Now().Before(s.opsEnd); i++ {
		if i%40 == 1 {
			// Segments of the run force the SIGCHLD path for new Handles.
			forceSigchld.Store(s.rng.IntN(3) == 0)
		}
		ran := false
		for try := 0; try < 20 && !ran; try++ {
			n := s.rng.IntN(total)
			for _, op := range soakOps {
				if s.kinds != nil && !s.kinds[op.name] {
					continue
				}
				if n -= op.weight; n < 0 {
					s.setOp(i, op.name)
					if ran = op.run(s); ran {
						s.count(func(r *soakReport) {
							r.Kinds[op.name]++
							if forceSigchld.Load() {
								r.Sigchld++
							}
						})
					}
					break
				}
			}
		}
		if !ran {
			// Nothing applies (a narrow WAIT_SOAK_KINDS): make room.
			s.setOp(i, "idle")
			if p := s.pick(func(p *soakProc) bool { return p.stdin != nil && !p.poisoned && !p.stopped }); p != nil {
				p.release()
			}
		}
		s.reconcile()
		s.checkOwned()
		done = i
	}
	s.count(func(r *soakReport) { r.Done = done })
	s.finish(reapCancel, reapDone, baseG, baseFD)
}

// finish lets every child exit, collects them all and checks that nothing
// is left: no exit, zombie, child, owned entry, goroutine or descriptor.
func (s *soak) finish(reapCancel context.CancelFunc, reapDone chan error, baseG, baseFD int) {
	s.setOp(s.opNum, "finish")
	forceSigchld.Store(false)
	for _, p := range slices.Clone(s.live) {
		if p.poisoned {
			continue
		}
		if p.trap {
			s.untrace(p)
		}
		if p.stopped {
			s.signalProc(p, syscall.SIGCONT)
			p.stopped = false
		}
		p.release()
		s.tick()
	}
	for _, p := range slices.Clone(s.live) {
		if p.h != nil && !p.closed && !p.poisoned && !p.waitStuck && !p.done {
			s.waitOwned(p, 0)
		}
	}
	deadline := time.Now().Add(3*soakFnBound + 5*time.Second)
	for {
		s.reconcile()
		s.tick()
		pending := 0
		for _, p := range s.live {
			if p.toFn() && !p.late && !p.poisoned {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	keep := map[int]bool{} // children left alive on purpose
	allowed := 0
	for _, p := range s.live {
		switch {
		case p.poisoned:
			keep[p.pid] = true
			allowed++
		case p.toFn() && !p.late:
			p.late = true
			s.violate("lost-exit", "%s never reached fn (%s)", p, p.describe())
		case p.h != nil && !p.closed:
			allowed++ // its Wait failed already
		}
	}
	ownedMu.Lock()
	var ownedPids []int
	for pid := range owned {
		ownedPids = append(ownedPids, pid)
	}
	ownedMu.Unlock()
	if len(ownedPids) > allowed {
		sort.Ints(ownedPids)
		s.violate("owned-map", "with every Handle's child reaped, the owned map still holds %d entries (pids %v), want %d", len(ownedPids), ownedPids[:min(len(ownedPids), 12)], allowed)
	}
	for pid, st := range soakChildren() {
		if keep[pid] {
			continue
		}
		kind := "child-left"
		if st == 'Z' {
			kind = "zombie-left"
		}
		s.violate(kind, "pid %d (state %c) is still a child of the harness at the end (%s)", pid, st, s.history(pid))
	}

	reapCancel()
	select {
	case err := <-reapDone:
		if !errors.Is(err, context.Canceled) {
			s.violate("reap-result", "Reap returned %v after its context was cancelled, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		s.violate("reap-result", "Reap did not return within 5s of its context being cancelled")
		s.mu.Lock()
		s.stuck++
		s.mu.Unlock()
	}

	// Kill and reap, by PID, whatever is left (Reap is gone).
	for pid := range soakChildren() {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			_ = unix.PidfdSendSignal(fd, syscall.SIGKILL, nil, 0)
			_ = unix.Close(fd)
		}
		end := time.Now().Add(5 * time.Second)
		for time.Now().Before(end) {
			var ws WaitStatus
			wpid, err := Wait4(pid, &ws, WNOHANG, nil)
			if err != nil || wpid == pid && (ws.Exited() || ws.Signaled()) {
				break // reaped (a traced child may report a stop first)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for _, p := range slices.Clone(s.live) {
		p.release()
		if p.stdout != nil {
			_ = p.stdout.Close()
			p.stdout = nil
		}
		if p.pidfd >= 0 {
			_ = unix.Close(p.pidfd)
			p.pidfd = -1
		}
	}
	for _, c := range s.nilWait {
		select {
		case <-c:
		case <-time.After(2 * time.Second):
			s.mu.Lock()
			s.stuck++
			s.mu.Unlock()
		}
	}

	s.mu.Lock()
	stuck := s.stuck
	s.mu.Unlock()
	var g, fds int
	end := time.Now().Add(3 * time.Second)
	for {
		runtime.GC()
		g, fds = runtime.NumGoroutine(), soakFDs()
		if g <= baseG+stuck && fds <= baseFD+len(keep) || time.Now().After(end) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.count(func(r *soakReport) { r.Goroutines[1], r.FDs[1] = g, fds })
	if g > baseG+stuck {
		s.violate("goroutine-leak", "%d goroutines at the end, %d at the start (%d stuck in library calls already reported)", g, baseG, stuck)
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "soak: goroutines at the end:\n%s\n", buf[:runtime.Stack(buf, true)])
	}
	if fds > baseFD+len(keep) {
		s.violate("fd-leak", "%d file descriptors at the end, %d at the start (the kept Handles' children are all reaped)", fds, baseFD)
	}
}

// ---- the test ----

// soakEmulator names the user-mode emulator running this process, or "".
// qemu-user answers readlink("/proc/self/exe") with the emulated program,
// but passes a readlinkat of "exe" inside an open /proc/self through to the
// kernel, which names the program it really runs.
func soakEmulator() string {
	dir, err := unix.Open("/proc/self", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(dir)
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(dir, "exe", buf)
	if err != nil {
		return ""
	}
	real := strings.TrimSuffix(string(buf[:n]), " (deleted)")
	if self, err := os.Executable(); err == nil && real != self && strings.Contains(filepath.Base(real), "qemu") {
		return real
	}
	return ""
}

// TestLifecycleSoak runs the lifecycle soak (see soakHelperEnv) in a new PID
// and mount namespace: by default soakShortOps operations; WAIT_SOAK_OPS sets
// the number (long mode, e.g. 100000), WAIT_SOAK_SEED replays a run and
// WAIT_SOAK_KINDS restricts the mix to some operations (e.g.
// "start,wait,traced,untrace").
func TestLifecycleSoak(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root (euid %d): a new PID and mount namespace, a proc mount and writes to /proc/sys/kernel/ns_last_pid", os.Geteuid())
	}
	if emu := soakEmulator(); emu != "" {
		t.Skipf("running under the user-mode emulator %s, which emulates neither ptrace nor PID namespaces", emu)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary to re-execute: %v", err)
	}
	ops, long := soakShortOps, false
	if v := os.Getenv(soakOpsEnv); v != "" {
		if ops, err = strconv.Atoi(v); err != nil || ops <= 0 {
			t.Fatalf("%s=%q: want a positive number of operations", soakOpsEnv, v)
		}
		long = true
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(soakSeedEnv); v != "" {
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", soakSeedEnv, v, err)
		}
	}
	kinds := os.Getenv(soakKindsEnv)
	t.Logf("seed %d (replay with %s=%d)", seed, soakSeedEnv, seed)
	bound := 3 * time.Minute
	if long {
		bound = 5*time.Minute + time.Duration(ops)*15*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, strconv.Itoa(ops), strconv.FormatUint(seed, 10), bound.String(), kinds)
	cmd.Env = childEnv(os.Environ(), soakHelperEnv, "scenario")
	// A session of its own: no terminal's signals (SIGWINCH, SIGINT) reach
	// its children, whose every signal counts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS, Setsid: true}
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
			t.Skipf("cannot create a PID namespace here (clone with CLONE_NEWPID|CLONE_NEWNS: %v): PID or user namespaces are not permitted", err)
		}
		t.Fatalf("starting the soak helper: %v", err)
	}
	werr := cmd.Wait()
	tail := stderr.Bytes()
	if len(tail) > 8000 {
		tail = tail[len(tail)-8000:]
	}
	var rep soakReport
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &rep); err != nil {
		t.Fatalf("soak helper: %v (bound %v); no report (%v) in %q; stderr:\n%s", werr, bound, err, stdout.Bytes(), tail)
	}
	t.Log(rep.table())
	if werr != nil {
		t.Errorf("soak helper: %v", werr)
	}
	if rep.Aborted != "" {
		t.Errorf("aborted: %s", rep.Aborted)
	}
	if rep.Done < rep.Ops {
		t.Errorf("completed %d of %d operations within the bound", rep.Done, rep.Ops)
	}
	if kinds == "" && rep.Done >= 500 {
		if rep.Hits == 0 || rep.VictimsHit == 0 || rep.StaleMet == 0 {
			t.Errorf("PID reuse did not happen enough to test anything: %d steered forks got their PID, %d victims sat on a kept Handle's PID, %d stale calls met a new process", rep.Hits, rep.VictimsHit, rep.StaleMet)
		}
	}
	if rep.Violations > 0 {
		var kinds []string
		for k, n := range rep.ByKind {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(kinds)
		t.Errorf("%d violations (%s); the first:\n  %s", rep.Violations, strings.Join(kinds, ", "), strings.Join(rep.First, "\n  "))
		if len(tail) > 0 {
			t.Logf("helper stderr (tail):\n%s", tail)
		}
	}
}

// table formats the report's counts.
func (r *soakReport) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lifecycle soak: seed %d, %d of %d operations in %s (%d with the SIGCHLD path forced)\n", r.Seed, r.Done, r.Ops, r.Elapsed, r.Sigchld)
	var names []string
	for k := range r.Kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "  %-12s %7s\n", "operation", "count")
	for _, k := range names {
		fmt.Fprintf(&b, "  %-12s %7d\n", k, r.Kinds[k])
	}
	rows := []struct {
		name string
		n    int
	}{
		{"processes started", r.Forks},
		{"forks steered onto a freed PID", r.Targeted},
		{"... that got it", r.Hits},
		{"forks on a PID used before", r.Reused},
		{"victims", r.Victims},
		{"victims on a kept Handle's PID", r.VictimsHit},
		{"stale Handle calls meeting a new process", r.StaleMet},
		{"Handle.Signal calls", r.Signals},
		{"exits passed to fn", r.FnExits},
		{"exec traps seen by the tracer", r.Traps},
		{"stop reports seen", r.Stops},
		{"most processes alive at once", r.MaxLive},
		{"goroutines at start", r.Goroutines[0]},
		{"goroutines at end", r.Goroutines[1]},
		{"fds at start", r.FDs[0]},
		{"fds at end", r.FDs[1]},
		{"violations", r.Violations},
	}
	for _, row := range rows {
		fmt.Fprintf(&b, "  %-42s %7d\n", row.name, row.n)
	}
	var kinds []string
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "    %-40s %7d\n", k, r.ByKind[k])
	}
	return b.String()
}
