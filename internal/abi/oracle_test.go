package abi

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// oracleValues are the status words every decoder is checked on: every low
// 16-bit value, alone and with a spread of high 16-bit values (the sign bit,
// all ones, a ptrace event, arbitrary bits).
func oracleValues() []uint32 {
	highs := []uint32{0, 0x00010000, 0x00030000, 0x00800000, 0x00ff0000, 0x12340000, 0x7fff0000, 0x80000000, 0xdead0000, 0xffff0000}
	vals := make([]uint32, 0, len(highs)<<16)
	for _, h := range highs {
		for low := uint32(0); low <= 0xffff; low++ {
			vals = append(vals, h|low)
		}
	}
	return vals
}

// oracleDriver prints, for each int status read from stdin, the eight macro
// values as native int32s. The prelude must provide the W* macros.
const oracleDriver = `
#include <stdio.h>
#include <stdint.h>
int main(void) {
	uint32_t v, mark = 0x01020304;
	fwrite(&mark, sizeof mark, 1, stdout); /* tells the reader our byte order */
	while (fread(&v, sizeof v, 1, stdin) == 1) {
		int s = (int)v;
		int32_t out[8] = {
			!!WIFEXITED(s), (int32_t)WEXITSTATUS(s), !!WIFSIGNALED(s), (int32_t)WTERMSIG(s),
			!!WCOREDUMP(s), !!WIFSTOPPED(s), (int32_t)WSTOPSIG(s), !!WIFCONTINUED(s),
		};
		fwrite(out, sizeof out, 1, stdout);
	}
	return 0;
}
`

// macroOracle compiles prelude (C code defining or including the W* status
// macros) with the host C compiler, runs it on vals and returns what the C
// macros say for each. It skips, naming the missing tool, without a C
// compiler.
func macroOracle(t *testing.T, prelude string, vals []uint32) []Decoded {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		if cc, err = exec.LookPath("gcc"); err != nil {
			t.Skip("no C compiler (cc or gcc) on PATH to build the status-macro oracle")
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "oracle.c")
	bin := filepath.Join(dir, "oracle")
	if err := os.WriteFile(src, []byte(prelude+"\n"+oracleDriver), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("compiling the oracle: %v\n%s", err, out)
	}
	// The oracle is built for the machine's own C compiler, which need not be
	// the test's GOARCH (under qemu-user the test may be big-endian s390x):
	// feed it, and read it, in the byte order it announces.
	probe := exec.Command(bin)
	probe.Stdin = new(bytes.Buffer)
	mark, err := probe.Output()
	if err != nil || len(mark) < 4 {
		t.Fatalf("running the oracle: %v", err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(mark) == 0x01020304 {
		order = binary.BigEndian
	}
	in := new(bytes.Buffer)
	if err := binary.Write(in, order, vals); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the oracle: %v", err)
	}
	raw := make([]int32, 8*len(vals))
	if err := binary.Read(bytes.NewReader(out[4:]), order, raw); err != nil {
		t.Fatalf("reading the oracle's output (%d bytes for %d values): %v", len(out), len(vals), err)
	}
	res := make([]Decoded, len(vals))
	for i := range res {
		r := raw[8*i:]
		res[i] = Decoded{
			Exited: r[0] != 0, ExitStatus: int(r[1]),
			Signaled: r[2] != 0, Signal: int(r[3]),
			CoreDump: r[4] != 0,
			Stopped:  r[5] != 0, StopSignal: int(r[6]),
			Continued: r[7] != 0,
		}
	}
	return res
}

// checkAgainstOracle compares o.DecodeStatus with the C macros in prelude on
// every oracle value, reporting the first few differences.
func checkAgainstOracle(t *testing.T, o *OS, prelude string) {
	t.Helper()
	vals := oracleValues()
	want := macroOracle(t, prelude, vals)
	bad := 0
	for i, v := range vals {
		if got := o.DecodeStatus(v); got != want[i] {
			if bad++; bad <= 10 {
				t.Errorf("%s DecodeStatus(%#x):\n got  %+v\n want %+v (C macros)", o.Name, v, got, want[i])
			}
		}
	}
	if bad > 10 {
		t.Errorf("... and %d more differences", bad-10)
	}
	t.Logf("%s: %d status words checked against the C macros, %d differ", o.Name, len(vals), bad)
}

// TestLinuxStatusMatchesGlibc checks the Linux decoder against glibc's own
// macros from this machine's <sys/wait.h>.
func TestLinuxStatusMatchesGlibc(t *testing.T) {
	o, _ := ForOS("linux")
	checkAgainstOracle(t, o, "#include <sys/wait.h>")
}
