// Package xcheck holds a test, in a module of its own, that checks every
// OS's ABI facts in github.com/procwait/wait/internal/abi, and the library's
// per-OS files (the root package and internal/raw, which makes the wait
// calls), against a second, independent source: the Go sources that
// golang.org/x/sys/unix and the standard library (syscall, os,
// internal/syscall/unix, runtime) compile for that GOOS/GOARCH.
//
// For every Unix target the library supports, the test type-checks those
// packages, the root package and internal/raw with
// golang.org/x/tools/go/packages (GOOS, GOARCH and CGO_ENABLED=0 in the
// environment, nothing compiled) and takes struct sizes and field offsets
// from go/types with types.SizesFor("gc", GOARCH). It compares
//
//   - the option flag, idtype and CLD_* values of internal/abi with every
//     Go source that defines the same name, with the typed constants the
//     root package is generated with (zabi_<goos>.go), and with the
//     untyped constants internal/raw is generated with
//     (internal/raw/zabi_<goos>.go: name for name both ways, and each also
//     with every Go source that defines the name);
//   - the system call numbers the library passes to Syscall (wait4, wait6
//     and waitid in internal/raw, procctl in the root package) with the
//     numbers of x/sys, of syscall and of the project's ABI notes;
//   - struct rusage, struct timeval, siginfo_t and struct kevent layouts,
//     and internal/raw's Siginfo, Rusage and WRusage buffers with the
//     sizes they must hold;
//   - the libc trampolines (.s TEXT/GLOBL/DATA, //go:cgo_import_dynamic,
//     //go:linkname and bodyless declarations, all in internal/raw now)
//     with each other and with x/sys's trampolines for the same libc
//     function;
//   - how wait6 (internal/raw) and procctl (root) pass the 64-bit id_t on
//     FreeBSD (one register, two words, or pad and pair) with the way Go's
//     own os package passes it to wait6, and that every call of an
//     internal/raw function taking (idtype, id, ...) passes them in that
//     order, from the root package's IDType down to the system call.
//
// Values the Go sources are known to get wrong are listed, with the OS
// header that decides, in staleGo (tables_test.go); internal/abi entries no
// Go source defines are listed in noGoSource. TestMutateABI changes every
// numeric internal/abi entry by one and checks that a Go source catches it
// (or that it is listed), and that each flag, idtype and code change is
// caught by both the root package's and internal/raw's generated constants;
// TestMutateSource and TestMutateABISource change the library's (root and
// internal/raw) and internal/abi's source text (go/packages Overlay, go test
// -overlay) and check that the comparison fails, citing the changed file.
//
// The module is separate so that the library's go.mod keeps x/sys and
// testify as its only dependencies; run it with
//
//	cd xcheck && go test ./...
//
// XCHECK_TARGETS="linux/mips freebsd/arm" limits the run to those targets.
package xcheck
