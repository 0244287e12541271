package abi

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The README's OS table lives between these two lines of README.md (at the
// module root); genabi rewrites what is between them and nothing else.
const (
	ReadmeFile  = "README.md"
	ReadmeBegin = "<!-- BEGIN OS TABLE -->"
	ReadmeEnd   = "<!-- END OS TABLE -->"
)

// readmeOrder is the order of the table's rows; tables registered under
// other names follow, sorted.
var readmeOrder = []string{"linux", "freebsd", "netbsd", "dragonfly", "openbsd", "darwin", "illumos"}

// qnxRow is the static row for QNX, which has wait4 but no Go port. Source:
// the QNX Neutrino C Library Reference page for wait4().
var qnxRow = []string{
	"QNX (not supported by the Go toolchain: no GOOS=qnx)",
	"libc only: would need a Go port reaching libc",
	"libc (named by the wait4 page)",
	"missing",
	"—",
	"WNOHANG (values not given by the reference)",
	"not given by the reference",
	"not given by the reference",
	"wait4 is a libc function and a cancellation point; it fails with EINTR when a signal is caught, which this library would retry.",
}

// ReadmeTable renders the Markdown OS x feature table from the registered
// tables: how each call is reached, what wait4 implies, the flags and
// idtypes with their values, and the status word that means "continued".
func ReadmeTable() string {
	var b strings.Builder
	b.WriteString("| OS | wait4 | waitid | wait6 | wait4 implies | flags | idtypes | continued status | notes |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, name := range readmeNames() {
		writeRow(&b, osRow(registry[name]))
	}
	writeRow(&b, qnxRow)
	return b.String()
}

func readmeNames() []string {
	var names, rest []string
	seen := map[string]bool{}
	for _, n := range readmeOrder {
		if _, ok := registry[n]; ok {
			names = append(names, n)
			seen[n] = true
		}
	}
	for n := range registry {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

func osRow(o *OS) []string {
	return []string{
		o.Name,
		mechanism(o.Calls.Wait4, o.Calls),
		mechanism(o.Calls.Waitid, o.Calls),
		mechanism(o.Calls.Wait6, o.Calls),
		bitNames(o, o.Wait4Implied),
		constList(o.Flags, true),
		constList(o.IDTypes, false),
		continuedWords(o),
		strings.Join(o.Notes, " "),
	}
}

// mechanism says how a call is reached, naming the call an emulation uses.
func mechanism(m Mechanism, c Calls) string {
	if m != Emulated {
		return m.String()
	}
	switch {
	case c.Wait6 == Emulated && c.Waitid != Missing && c.Waitid != Emulated:
		return "emulated over waitid"
	case c.Waitid == Emulated && c.Wait6 != Missing && c.Wait6 != Emulated:
		return "emulated over wait6"
	}
	return "emulated"
}

// bitNames names the bits of mask by the first flag that covers each.
func bitNames(o *OS, mask uint32) string {
	if mask == 0 {
		return "—"
	}
	var names []string
	for _, f := range o.Flags {
		v := uint32(f.Value)
		if v != 0 && mask&v == v {
			names = append(names, f.Name)
			mask &^= v
		}
	}
	if mask != 0 {
		names = append(names, fmt.Sprintf("%#x", mask))
	}
	return strings.Join(names, ", ")
}

func constList(cs []Const, hex bool) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		v := fmt.Sprint(c.Value)
		if hex {
			v = fmt.Sprintf("%#x", c.Value)
		}
		parts[i] = c.Name + " " + v
	}
	return strings.Join(parts, ", ")
}

// continuedWords lists the 16-bit status words the OS's WIFCONTINUED
// accepts, noting those its WIFSIGNALED or WIFSTOPPED accepts as well.
func continuedWords(o *OS) string {
	var words []string
	for raw := uint32(0); raw <= 0xffff; raw++ {
		d := o.DecodeStatus(raw)
		if !d.Continued {
			continue
		}
		w := fmt.Sprintf("%#x", raw)
		switch {
		case d.Signaled:
			w += " (also WIFSIGNALED)"
		case d.Stopped:
			w += " (also WIFSTOPPED)"
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return "none"
	}
	return strings.Join(words, ", ")
}

func writeRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
	}
	b.WriteString("\n")
}

// ErrNoReadmeMarkers is returned by SpliceReadme when README.md does not
// hold exactly one ReadmeBegin line followed by exactly one ReadmeEnd line.
var ErrNoReadmeMarkers = errors.New("abi: README.md needs one line " + ReadmeBegin + " followed by one line " + ReadmeEnd + " to hold the OS table")

// SpliceReadme returns readme with the lines between its markers replaced by
// ReadmeTable. It leaves everything else byte for byte as it was, and fails
// with an error wrapping ErrNoReadmeMarkers, changing nothing, when the
// markers are missing, repeated or out of order.
func SpliceReadme(readme []byte) ([]byte, error) {
	begin, end, err := markerSpan(readme)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(readme[:begin])
	out.WriteString(ReadmeTable())
	out.Write(readme[end:])
	return out.Bytes(), nil
}

// ReadmeBlock returns what readme holds between its markers.
func ReadmeBlock(readme []byte) (string, error) {
	begin, end, err := markerSpan(readme)
	if err != nil {
		return "", err
	}
	return string(readme[begin:end]), nil
}

// markerSpan finds the byte range strictly between the marker lines: from
// the start of the line after ReadmeBegin to the start of the ReadmeEnd line.
func markerSpan(readme []byte) (begin, end int, err error) {
	nb, ne := bytes.Count(readme, []byte(ReadmeBegin)), bytes.Count(readme, []byte(ReadmeEnd))
	if nb != 1 || ne != 1 {
		return 0, 0, fmt.Errorf("%w (found %d %q and %d %q)", ErrNoReadmeMarkers, nb, ReadmeBegin, ne, ReadmeEnd)
	}
	b := bytes.Index(readme, []byte(ReadmeBegin))
	e := bytes.Index(readme, []byte(ReadmeEnd))
	nl := bytes.IndexByte(readme[b:], '\n')
	if nl < 0 || b+nl+1 > e {
		return 0, 0, fmt.Errorf("%w (the end marker must be on a later line than the begin marker)", ErrNoReadmeMarkers)
	}
	begin = b + nl + 1
	end = bytes.LastIndexByte(readme[:e], '\n') + 1
	if end < begin {
		end = begin
	}
	return begin, end, nil
}
