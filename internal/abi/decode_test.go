package abi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
)

// The decoders checked against a second reader: for every OS table, every
// architecture and both byte orders, a Go struct is built from the layout
// (reflect.StructOf, the integer fields at their offsets and blank bytes
// between), filled with edge and random values, and written with
// encoding/binary; the decoder must read back what was written, and the
// rusage conversion must equal exact arithmetic clamped to [0, MaxInt64].

// refField is one integer field of a reference struct.
type refField struct {
	name      string
	off, size int
}

// refStruct returns a struct type that encoding/binary lays out as size
// bytes with each field at its offset and padding bytes elsewhere.
func refStruct(t *testing.T, size int, fields []refField) reflect.Type {
	t.Helper()
	fields = slices.Clone(fields)
	sort.Slice(fields, func(i, j int) bool { return fields[i].off < fields[j].off })
	var sf []reflect.StructField
	pad := func(n int) {
		if n > 0 {
			sf = append(sf, reflect.StructField{Name: fmt.Sprintf("Pad%d", len(sf)), Type: reflect.ArrayOf(n, reflect.TypeFor[byte]())})
		}
	}
	at := 0
	for _, f := range fields {
		if f.off < at {
			t.Fatalf("field %s at offset %d overlaps the one before (ending at %d)", f.name, f.off, at)
		}
		pad(f.off - at)
		typ := reflect.TypeFor[int32]()
		if f.size == 8 {
			typ = reflect.TypeFor[int64]()
		}
		sf = append(sf, reflect.StructField{Name: f.name, Type: typ})
		at = f.off + f.size
	}
	pad(size - at)
	rt := reflect.StructOf(sf)
	if n := binary.Size(reflect.New(rt).Interface()); n != size {
		t.Fatalf("reference struct is %d bytes, want %d", n, size)
	}
	return rt
}

// fillRef sets every integer field of v to an edge or random value of its
// width and every padding byte to a random one, and returns v's encoding.
func fillRef(t *testing.T, rng *rand.Rand, v reflect.Value, o Order) []byte {
	t.Helper()
	edges := []int64{0, 1, -1, 5, 999999, 1000000, -1000000, math.MaxInt32, math.MinInt32,
		math.MaxInt64 / int64(time.Second), math.MaxInt64/int64(time.Second) + 1,
		math.MaxInt64 / 1024, math.MaxInt64/1024 + 1, math.MaxInt64, math.MinInt64}
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Array:
			for j := range f.Len() {
				f.Index(j).SetUint(uint64(rng.UintN(256)))
			}
		case reflect.Int32, reflect.Int64:
			x := int64(rng.Uint64())
			switch rng.IntN(3) {
			case 0:
				x = edges[rng.IntN(len(edges))]
			case 1:
				x = rng.Int64N(1 << 40)
			}
			if f.Kind() == reflect.Int32 {
				x = int64(int32(x))
			}
			f.SetInt(x)
		}
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, o.ByteOrder(), v.Interface()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// clampInt64 is x clamped to [0, math.MaxInt64].
func clampInt64(x *big.Int) int64 {
	if x.Sign() < 0 {
		return 0
	}
	if x.IsInt64() {
		return x.Int64()
	}
	return math.MaxInt64
}

// exactDuration is sec seconds and usec microseconds, by exact arithmetic,
// clamped to [0, math.MaxInt64] nanoseconds.
func exactDuration(sec, usec int64) time.Duration {
	v := new(big.Int).Mul(big.NewInt(sec), big.NewInt(int64(time.Second)))
	v.Add(v, new(big.Int).Mul(big.NewInt(usec), big.NewInt(int64(time.Microsecond))))
	return time.Duration(clampInt64(v))
}

// exactRSS is v units of unit bytes clamped to [0, math.MaxInt64].
func exactRSS(v, unit int64) int64 {
	return clampInt64(new(big.Int).Mul(big.NewInt(v), big.NewInt(unit)))
}

// everyLayout calls fn for each OS table, architecture and byte order.
func everyLayout(t *testing.T, fn func(t *testing.T, o *OS, arch string, order Order)) {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o := registry[name]
		arches := make([]string, 0, len(o.Siginfo))
		for arch := range o.Siginfo {
			arches = append(arches, arch)
		}
		sort.Strings(arches)
		for _, arch := range arches {
			for _, order := range byteOrders {
				t.Run(name+"/"+arch+"/"+order.String(), func(t *testing.T) { fn(t, o, arch, order) })
			}
		}
	}
}

func TestSiginfoDecodeMatchesBinaryRead(t *testing.T) {
	everyLayout(t, func(t *testing.T, o *OS, arch string, order Order) {
		l := o.Siginfo[arch]
		fields := []refField{{"Signo", l.Signo, 4}, {"Errno", l.Errno, 4}, {"Code", l.Code, 4}, {"Pid", l.Pid, 4}, {"Status", l.Status, 4}}
		if l.UID >= 0 {
			fields = append(fields, refField{"UID", l.UID, 4})
		}
		rt := refStruct(t, l.Size, fields)
		rng := rand.New(rand.NewPCG(uint64(l.Size), uint64(len(arch))))
		for range 200 {
			v := reflect.New(rt).Elem()
			b := fillRef(t, rng, v, order)
			field := func(name string) int32 { return int32(v.FieldByName(name).Int()) }
			want := SigChld{Signo: field("Signo"), Errno: field("Errno"), Code: field("Code"), Pid: field("Pid"), Status: field("Status")}
			if l.UID >= 0 {
				want.UID, want.HasUID = field("UID"), true
			}
			if got := l.Decode(b, order); got != want {
				t.Fatalf("Decode:\n got  %+v\n want %+v", got, want)
			}
			if got := l.Decode(b[:l.Size-1], order); got != (SigChld{}) {
				t.Fatalf("Decode of a short buffer = %+v, want zero", got)
			}
		}
	})
}

func TestRusageDecodeMatchesBinaryRead(t *testing.T) {
	everyLayout(t, func(t *testing.T, o *OS, arch string, order Order) {
		l, ok := o.Rusage[arch]
		if !ok {
			t.Fatal("a siginfo_t layout but no struct rusage layout")
		}
		fields := []refField{
			{"UtimeSec", 0, l.SecSize}, {"UtimeUsec", l.UsecOffset, l.UsecSize},
			{"StimeSec", l.TimevalSize, l.SecSize}, {"StimeUsec", l.TimevalSize + l.UsecOffset, l.UsecSize},
		}
		for i := range 14 {
			fields = append(fields, refField{fmt.Sprintf("Long%d", i), 2*l.TimevalSize + i*l.LongSize, l.LongSize})
		}
		rt := refStruct(t, l.Size, fields)
		rng := rand.New(rand.NewPCG(uint64(l.Size), uint64(l.LongSize)))
		for range 200 {
			v := reflect.New(rt).Elem()
			b := fillRef(t, rng, v, order)
			field := func(name string) int64 { return v.FieldByName(name).Int() }
			long := func(i int) int64 { return field(fmt.Sprintf("Long%d", i)) }
			want := Rusage{
				UserTime:   exactDuration(field("UtimeSec"), field("UtimeUsec")),
				SystemTime: exactDuration(field("StimeSec"), field("StimeUsec")),
				MaxRSS:     exactRSS(long(0), l.MaxRSSUnit),
				// The counters in struct order, from ru_ixrss to ru_nivcsw.
				IntegralSharedRSS: long(1), IntegralDataRSS: long(2), IntegralStackRSS: long(3),
				MinorFaults: long(4), MajorFaults: long(5), Swaps: long(6),
				BlockInputs: long(7), BlockOutputs: long(8),
				MessagesSent: long(9), MessagesReceived: long(10), SignalsReceived: long(11),
				VoluntaryContextSwitches: long(12), InvoluntaryContextSwitches: long(13),
			}
			if got := l.Decode(b, order); got != want {
				t.Fatalf("Decode:\n got  %+v\n want %+v", got, want)
			}
			if got := l.Decode(b[:l.Size-1], order); got != (Rusage{}) {
				t.Fatalf("Decode of a short buffer = %+v, want zero", got)
			}
		}
	})
}

// TestDecodeAllocs: neither decoder allocates, in either byte order, with
// the buffer on the caller's stack.
func TestDecodeAllocs(t *testing.T) {
	si, ru := linux.Siginfo["amd64"], linux.Rusage["amd64"]
	var s SigChld
	var r Rusage
	for _, order := range byteOrders {
		if n := testing.AllocsPerRun(100, func() {
			var b [256]byte
			s = si.Decode(b[:], order)
			r = ru.Decode(b[:], order)
		}); n != 0 {
			t.Errorf("%v: %v allocations per decode, want 0", order, n)
		}
	}
	_, _ = s, r
}

// TestNativeOrder: Native reads a word as the machine stores it.
func TestNativeOrder(t *testing.T) {
	b := binary.NativeEndian.AppendUint32(nil, 0x01020304)
	if got := Native.ByteOrder().Uint32(b); got != 0x01020304 {
		t.Errorf("Native (%v) reads the native word 0x01020304 as %#x", Native, got)
	}
}

// TestTimevalDurationExact checks the conversion of every tv_sec and
// tv_usec combination tried against exact arithmetic, clamped to
// [0, math.MaxInt64] nanoseconds, including non-normalised tv_usec; and
// scaleRSS likewise.
func TestTimevalDurationExact(t *testing.T) {
	const ns, us = int64(time.Second), int64(time.Microsecond)
	edges := []int64{0, 1, -1, 999999, 1000000, -999999, -1000000, math.MaxInt32, math.MinInt32,
		math.MaxInt64 / ns, math.MaxInt64/ns + 1, math.MaxInt64 / us, math.MaxInt64/us + 1,
		-(math.MaxInt64 / ns), 1 << 62, -1 << 62, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		edges = append(edges, int64(rng.Uint64()), rng.Int64N(1e10), -rng.Int64N(1e10))
	}
	for _, sec := range edges {
		for _, usec := range edges {
			if got, want := timevalDuration(sec, usec), exactDuration(sec, usec); got != want {
				t.Fatalf("timevalDuration(%d, %d) = %d, want %d", sec, usec, got, want)
			}
		}
	}
	for _, v := range edges {
		for _, unit := range []int64{1, 1024} {
			if got, want := scaleRSS(v, unit), exactRSS(v, unit); got != want {
				t.Fatalf("scaleRSS(%d, %d) = %d, want %d", v, unit, got, want)
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	si, ru := linux.Siginfo["amd64"], linux.Rusage["amd64"]
	var buf [256]byte
	ru.PutTimeval(buf[:], Native, 0, math.MaxInt64, 999999)
	ru.PutLong(buf[:], Native, 0, 1<<40)
	b.Run("siginfo", func(b *testing.B) {
		var s SigChld
		for b.Loop() {
			s = si.Decode(buf[:], Native)
		}
		_ = s
	})
	b.Run("rusage", func(b *testing.B) {
		var r Rusage
		for b.Loop() {
			r = ru.Decode(buf[:], Native)
		}
		_ = r
	})
}
