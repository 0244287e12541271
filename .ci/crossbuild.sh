#!/usr/bin/env bash
# crossbuild.sh checks that the module builds everywhere Go runs: for every
# GOOS/GOARCH in `go tool dist list` it runs, with CGO_ENABLED=0,
#   go vet ./...                      (type-checks the packages and their tests)
#   go build ./...                    (compiles and, for the .s trampolines, assembles)
#   go test -c -o /dev/null ./...     (links each package's test binary; Unix targets only)
# Non-Unix targets (windows, plan9, js, wasip1) only need to build: there the
# calls return errors.ErrUnsupported, which their own tests check on the hosts
# that run them.
#
# Skipped, with the reason printed: ios/* and android/{386,amd64,arm}, which
# cannot link without cgo; darwin/* and android/arm64 build the same code.
#
# Usage: bash .ci/crossbuild.sh [GOOS/GOARCH...]   (default: all of them)
# CROSSBUILD_JOBS (default 2) targets are checked at a time. The build cache
# (GOCACHE) is shared with the other CI steps, so a second run only compiles
# what changed.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

: "${CROSSBUILD_JOBS:=2}"

# The GOOS values that satisfy the "unix" build constraint (go/build's list).
is_unix() {
	case "$1" in
	aix | android | darwin | dragonfly | freebsd | hurd | illumos | ios | linux | netbsd | openbsd | solaris) return 0 ;;
	*) return 1 ;;
	esac
}

# skip_reason prints why a target is not checked, or nothing.
skip_reason() {
	case "$1" in
	ios/* | android/386 | android/amd64 | android/arm)
		echo "requires external (cgo) linking"
		;;
	esac
}

# check_target runs the checks for one target, writing its output to a log
# and its verdict to a status file (both in $work).
check_target() {
	local target=$1 goos=${1%/*} goarch=${1#*/} start=$SECONDS
	local log=$work/${goos}_$goarch.log rc=0
	{
		export CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch
		go vet ./... && go build ./... || rc=1
		if [ "$rc" -eq 0 ] && is_unix "$goos"; then
			# Prints "? pkg [no test files]" for packages without tests.
			go test -c -o /dev/null ./... >/dev/null || rc=1
		fi
	} >"$log" 2>&1
	echo "$rc $((SECONDS - start))" >"$work/${goos}_$goarch.status"
	# One short line per target as it finishes (the logs of failures are
	# printed together at the end, so parallel jobs cannot interleave them).
	echo "crossbuild: $([ "$rc" -eq 0 ] && echo 'ok  ' || echo FAIL) $target ($((SECONDS - start))s)"
}

main() {
	local targets=() target reason n_pass=0 n_fail=0 n_skip=0 start=$SECONDS rc
	if [ "$#" -gt 0 ]; then
		targets=("$@")
	else
		mapfile -t targets < <(go tool dist list) || return 1
	fi
	work=$(mktemp -d) || return 1
	trap 'rm -rf "$work"' EXIT

	# Check the targets CROSSBUILD_JOBS at a time, each in a background job.
	local running=0 checked=()
	for target in "${targets[@]}"; do
		reason=$(skip_reason "$target")
		if [ -n "$reason" ]; then
			echo "crossbuild: skip $target: $reason"
			n_skip=$((n_skip + 1))
			continue
		fi
		if [ "$running" -ge "$CROSSBUILD_JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
		check_target "$target" &
		running=$((running + 1))
		checked+=("$target")
	done
	wait

	for target in "${checked[@]}"; do
		read -r rc _ <"$work/${target%/*}_${target#*/}.status" 2>/dev/null || rc=1
		if [ "$rc" -eq 0 ]; then
			n_pass=$((n_pass + 1))
		else
			echo "--- crossbuild FAIL $target:"
			sed 's/^/    /' "$work/${target%/*}_${target#*/}.log"
			n_fail=$((n_fail + 1))
		fi
	done
	echo "crossbuild: $n_pass passed, $n_fail failed, $n_skip skipped in $((SECONDS - start))s"
	[ "$n_fail" -eq 0 ]
}

main "$@"
