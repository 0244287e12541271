#!/bin/sh
# vmtest.sh runs the tests inside a FreeBSD, OpenBSD or NetBSD virtual machine
# (the BSD jobs of .github/workflows/ci.yml). POSIX sh: the VMs have no bash.
#
# Go comes from the OS's packages; that go command then runs the toolchain
# that GOTOOLCHAIN names (set by the workflow) or that go.mod requires,
# downloading it from the module proxy when the packaged Go is older.
#
# The race detector runs where Go supports it (freebsd/amd64, netbsd/amd64;
# it links through cgo, so it needs the base system's C compiler); elsewhere
# the tests run without it, and the script says so.
set -eu

cd "$(dirname "$0")/.."

# The packages put go in /usr/local/bin (FreeBSD, OpenBSD) or /usr/pkg/bin
# (NetBSD), which a non-login shell may not have on PATH.
PATH=$PATH:/usr/local/bin:/usr/pkg/bin
export PATH

# pkgsrc's versioned packages (go125, go126...) install under /usr/pkg/goNNN;
# the unversioned "go" package links the newest into /usr/pkg/bin.
if ! command -v go >/dev/null 2>&1; then
	for d in /usr/pkg/go1*/bin; do
		[ -x "$d/go" ] && gobin=$d
	done
	[ -n "${gobin:-}" ] && PATH=$gobin:$PATH
fi
if ! command -v go >/dev/null 2>&1; then
	echo "vmtest: no go command on PATH ($PATH); install the OS's go package first" >&2
	exit 1
fi

echo "vmtest: $(uname -srm); $(go version)"
go env GOOS GOARCH GOTOOLCHAIN CGO_ENABLED

go vet ./...

race=
case "$(go env GOOS)/$(go env GOARCH)" in
freebsd/amd64 | netbsd/amd64)
	if command -v cc >/dev/null 2>&1; then
		race=-race
	else
		echo "vmtest: no C compiler (cc), so no -race: the race runtime links through cgo"
	fi
	;;
*)
	echo "vmtest: Go has no race detector on $(go env GOOS)/$(go env GOARCH); testing without -race"
	;;
esac

# shellcheck disable=SC2086 # $race is empty or one flag
go test $race -count=1 -timeout 20m ./...
