// Package abi holds the wait-family ABI facts of every supported OS as plain
// data: option flag and idtype values, CLD_* codes, the <sys/wait.h> status
// macros, the siginfo_t and struct rusage layouts per architecture, and how
// each call is reached. Nothing here is build-tagged, so the tests on any host
// check every OS's tables; the root package takes its host's entry.
//
// Every entry cites its source as "owner/repo path" in the OS's own
// repository (see ../../../shared/abi in the project's steering tree for the
// longer notes the tables were drawn from).
package abi

import "sort"

// Const is one named value of an OS header: an option flag, an idtype or a
// CLD_* code.
type Const struct {
	Name  string
	Value int64
	// Doc is a one-line description used for the generated doc comment.
	Doc string
	// Source cites where the value is defined, as "owner/repo path".
	// "library" marks a value this library defines for an OS that lacks it.
	Source string
}

// Mechanism says how a call is reached on an OS.
type Mechanism int

// How a wait-family call is reached.
const (
	Missing  Mechanism = iota // the OS has no such call and it is not emulated
	Syscall                   // a raw system call
	Libc                      // the C library (libc, libSystem)
	Emulated                  // built by this library from the OS's other calls
)

func (m Mechanism) String() string {
	switch m {
	case Syscall:
		return "native"
	case Libc:
		return "libc"
	case Emulated:
		return "emulated"
	}
	return "missing"
}

// Calls says how each wait-family call is reached.
type Calls struct {
	Wait4, Waitid, Wait6 Mechanism
}

// OS is one operating system's wait-family ABI.
type OS struct {
	// Name is the GOOS value ("illumos" and "solaris" share one table).
	Name string
	// Flags are the option flags, in header order.
	Flags []Const
	// IDTypes are the idtype_t values, in header order.
	IDTypes []Const
	// Codes are the CLD_* si_code values for SIGCHLD.
	Codes []Const
	// Calls says how wait4, waitid and wait6 are reached.
	Calls Calls
	// Wait4Mask holds every option bit wait4 accepts; Wait4Implied the bits
	// the kernel ORs in itself (for example WEXITED on Linux).
	Wait4Mask, Wait4Implied uint32
	// WaitidMask holds every option bit waitid and wait6 accept.
	WaitidMask uint32
	// EventMask holds the event bits of which waitid/wait6 need at least one;
	// zero when the kernel does not insist on one.
	EventMask uint32
	// IDSize is sizeof(id_t) in bytes; IDSigned says whether it is signed.
	IDSize   int
	IDSigned bool
	// Siginfo maps GOARCH to the siginfo_t layout.
	Siginfo map[string]SiginfoLayout
	// Rusage maps GOARCH to the struct rusage layout.
	Rusage map[string]RusageLayout
	// Notes are short remarks for the README's OS table.
	Notes []string

	decode func(raw uint32) Decoded
}

// registry holds every OS table by name.
var registry = func() map[string]*OS {
	m := map[string]*OS{}
	for _, o := range []*OS{linux, freebsd, netbsd, dragonfly, openbsd, darwin, illumos} {
		m[o.Name] = o
	}
	return m
}()

// ForOS returns the table of goos ("linux", "freebsd", "openbsd", "netbsd",
// "dragonfly", "darwin", "illumos", "solaris"; "ios" and "android" share
// darwin's and linux's).
func ForOS(goos string) (*OS, bool) {
	switch goos {
	case "android":
		goos = "linux"
	case "ios":
		goos = "darwin"
	case "solaris":
		goos = "illumos"
	}
	o, ok := registry[goos]
	return o, ok
}

// Names lists the OS tables held, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DecodeStatus applies the OS's own <sys/wait.h> macros to raw.
func (o *OS) DecodeStatus(raw uint32) Decoded { return o.decode(raw) }

// Flag returns the value of the option flag name.
func (o *OS) Flag(name string) (uint32, bool) { return lookup(o.Flags, name) }

// IDType returns the value of the idtype name.
func (o *OS) IDType(name string) (int64, bool) {
	v, ok := find(o.IDTypes, name)
	return v, ok
}

// Code returns the value of the CLD_* code name.
func (o *OS) Code(name string) (int64, bool) { return find(o.Codes, name) }

func find(cs []Const, name string) (int64, bool) {
	for _, c := range cs {
		if c.Name == name {
			return c.Value, true
		}
	}
	return 0, false
}

func lookup(cs []Const, name string) (uint32, bool) {
	v, ok := find(cs, name)
	return uint32(v), ok
}
