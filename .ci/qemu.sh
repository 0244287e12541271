#!/usr/bin/env bash
# qemu.sh runs the module's tests for Linux architectures this machine cannot
# execute natively, under qemu user-mode emulation (qemu-user-static).
#
# Usage: bash .ci/qemu.sh [GOARCH...]   (default: every arch in ARCHES below)
#
# Each architecture's tests are built with CGO_ENABLED=0 (so the binaries are
# static and need no foreign libc) and run by `go test -exec qemu-<arch>-static`,
# so go test's own "ok"/"FAIL" lines are printed and each test binary runs in
# its package directory, as natively.
#
# The tests re-execute their own binary (os.Args[0]) as a child process. The
# child is exec'd by the kernel, not by qemu, so it only runs if the kernel
# knows to hand foreign ELF files to qemu: binfmt_misc. setup_binfmt registers
# the interpreters that the qemu-user-static package ships descriptions of (in
# /usr/lib/binfmt.d), mounting binfmt_misc first if needed. It is idempotent:
# an existing registration (ours from an earlier run, or one made by systemd or
# the qemu-user-binfmt package) is kept and only re-enabled if disabled.
# Registration needs root (or sudo); it changes a kernel-wide table, which is
# why it is limited to the architectures tested here.
#
# The qemu-user fork hang: now and then a child started by os/exec under
# qemu-user 7.2 never reaches execve. Under qemu a clone is a fork of the
# whole multi-threaded emulator, and a lock another emulator thread held at
# that moment is never released in the child. The parent then waits in
# syscall.forkExec for the child's exec until go test's timeout. Seen once in
# CI on ppc64le (TestRusage starting a helper) and once in 23 runs of the
# ppc64le tests repeated on a 2-core machine, two at a time (TestLinuxOptions
# starting a helper): there the stuck child was still the emulator, not yet
# the helper, with two threads, both waiting on a futex. Go's issue tracker
# has reports of the same kind (golang/go#69259, golang/go#70329). When a run ends that way, and only then, the architecture
# is run again (at most QEMU_HANG_RETRIES times) and the summary says so.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

# GOARCH:qemu-name pairs. The qemu names differ for arm64 and the little-endian
# MIPS ports.
ARCHES=(arm64:aarch64 riscv64:riscv64 s390x:s390x ppc64le:ppc64le mips64le:mips64el mipsle:mipsel)

# QEMU_TEST_TIMEOUT bounds each architecture's go test run. A run takes 45-90 s
# on a 2-core machine (emulation is 5-20x slower than native), so 10 minutes
# is several times that even under load, and a hang (below) costs no more.
: "${QEMU_TEST_TIMEOUT:=10m}"
# QEMU_HANG_RETRIES is how many times an architecture is run again after the
# qemu-user fork hang (below); any other failure is never run again.
: "${QEMU_HANG_RETRIES:=2}"
# QEMU_PKGS are the packages to test: the library and its ABI tables (the
# examples spawn host tools and namespaces that qemu-user adds nothing to).
: "${QEMU_PKGS:=. ./internal/...}"

# as_root runs a command as root: directly when we are root, else via sudo
# (GitHub's Ubuntu runners), else fails saying so.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "qemu: need root or sudo to run: $*" >&2
		return 1
	fi
}

# install_qemu installs qemu-user-static when any interpreter we need is missing.
install_qemu() {
	local pair missing=0
	for pair in "$@"; do
		command -v "qemu-${pair#*:}-static" >/dev/null 2>&1 || missing=1
	done
	[ "$missing" -eq 0 ] && return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "qemu: qemu-user-static is not installed and there is no apt-get to install it" >&2
		return 1
	fi
	echo "qemu: installing qemu-user-static"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
}

# setup_binfmt makes sure the kernel runs each architecture's ELF files through
# qemu (see the comment at the top).
setup_binfmt() {
	local dir=/proc/sys/fs/binfmt_misc pair q entry conf
	if [ ! -e "$dir/register" ]; then
		as_root mount -t binfmt_misc binfmt_misc "$dir" || {
			echo "qemu: cannot mount binfmt_misc on $dir: tests that re-execute themselves would fail with 'exec format error'" >&2
			return 1
		}
	fi
	for pair in "$@"; do
		q=${pair#*:}
		entry=$dir/qemu-$q
		if [ -e "$entry" ]; then
			if [ "$(head -n 1 "$entry")" != enabled ]; then
				echo 1 | as_root tee "$entry" >/dev/null || return 1
				echo "qemu: re-enabled binfmt_misc entry qemu-$q"
			fi
			continue
		fi
		conf=/usr/lib/binfmt.d/qemu-$q.conf
		if [ ! -r "$conf" ]; then
			echo "qemu: no $conf to register qemu-$q with binfmt_misc" >&2
			return 1
		fi
		# The file holds one ":name:type:offset:magic:mask:interpreter:flags"
		# line (comments aside); the register file takes one line per write.
		grep -v '^[#;]' "$conf" | grep . | head -n 1 | as_root tee "$dir/register" >/dev/null || {
			echo "qemu: registering $conf with binfmt_misc failed" >&2
			return 1
		}
		echo "qemu: registered qemu-$q with binfmt_misc"
	done
}

# run_tests runs the tests of one architecture, printing go test's output as it
# comes and keeping a copy in $log for fork_hang. go test runs in a session of
# its own, so that what it leaves behind can be found by session: after a fork
# hang, the stuck emulator child outlives the test binary that go test's
# timeout killed, and nothing else would ever end it.
run_tests() {
	local ga=$1 q=$2 rc pid
	: >"$sidfile"
	# Output goes to a file, not through a pipe: a leftover process holding a
	# pipe's write end would keep its reader waiting. tail --pid streams the
	# file and returns when go test has.
	# shellcheck disable=SC2016,SC2086 # $$ is the inner shell's; QEMU_PKGS is a list
	CGO_ENABLED=0 GOOS=linux GOARCH=$ga setsid -w bash -c 'echo $$ >"$0"; exec "$@"' "$sidfile" \
		go test -short -count=1 -timeout "$QEMU_TEST_TIMEOUT" -exec "qemu-$q-static" $QEMU_PKGS \
		>"$log" 2>&1 </dev/null &
	pid=$!
	tail -n +1 -s 1 -f --pid="$pid" "$log"
	wait "$pid"
	rc=$?
	end_session "$(cat "$sidfile")"
	return "$rc"
}

# end_session kills, by PID, each process still in session $1 once go test has
# returned, and names them. A zombie is left to the init process that now owns it.
end_session() {
	local sid=$1 pid stat left=()
	[ -n "$sid" ] && [ "$sid" -gt 1 ] || return 0
	while read -r pid stat; do
		[ "$pid" -gt 1 ] || continue
		case $stat in Z*) continue ;; esac
		left+=("$pid")
	done < <(ps -o pid=,stat= -s "$sid")
	[ "${#left[@]}" -eq 0 ] && return 0
	echo "qemu: killing what go test left running in its session: $(ps -o pid=,args= -p "$(IFS=,; echo "${left[*]}")" | tr '\n' ';')"
	kill -KILL "${left[@]}" 2>/dev/null
	return 0
}

# fork_hang tells whether a failed run's output ($1) is the qemu-user fork hang:
# go test's timeout panic, and in its goroutine dump one goroutine in a system
# call inside syscall.forkExec (the parent in clone or reading the status
# pipe, both of which return only when the child execs or exits). The child
# there runs only the Go runtime's code between clone and execve, none of this
# module's, so a child that never gets to execve is the emulator's. Any other
# failure, a timeout elsewhere included, is not retried.
fork_hang() {
	grep -q '^panic: test timed out' "$1" || return 1
	# Goroutines are printed as blank-line-separated blocks, each headed
	# "goroutine N [state...]:".
	awk -v RS= '/^goroutine [0-9]+ \[syscall/ && /\nsyscall\.forkExec\(/ { found = 1 }
		END { exit !found }' "$1"
}

main() {
	local pairs=() pair ga q failed=() passed=() start secs runs
	if [ "$#" -gt 0 ]; then
		for ga in "$@"; do
			for pair in "${ARCHES[@]}"; do
				[ "${pair%%:*}" = "$ga" ] && pairs+=("$pair")
			done
		done
		[ "${#pairs[@]}" -eq "$#" ] || { echo "qemu: unknown arch in: $* (known: ${ARCHES[*]%%:*})" >&2; return 2; }
	else
		pairs=("${ARCHES[@]}")
	fi

	log=$(mktemp) && sidfile=$(mktemp) || return 1
	trap 'rm -f "$log" "$sidfile"' EXIT
	install_qemu "${pairs[@]}" || return 1
	setup_binfmt "${pairs[@]}" || return 1

	for pair in "${pairs[@]}"; do
		ga=${pair%%:*}
		q=${pair#*:}
		echo "=== qemu: linux/$ga under $(qemu-"$q"-static --version | head -n 1)"
		start=$SECONDS
		runs=1
		while ! run_tests "$ga" "$q"; do
			if ! fork_hang "$log" || [ "$runs" -gt "$QEMU_HANG_RETRIES" ]; then
				runs=0
				break
			fi
			echo "qemu: linux/$ga: the run timed out with a test blocked in os/exec's fork, waiting" \
				"for a child that never reached exec: the qemu-user fork hang (see the top of" \
				".ci/qemu.sh), not a test failure. Running linux/$ga again."
			runs=$((runs + 1))
		done
		case $runs in
		0) failed+=("$ga") ;;
		1) passed+=("$ga") ;;
		*) passed+=("$ga (run $runs, after $((runs - 1)) qemu fork hang(s))") ;;
		esac
		secs=$((SECONDS - start))
		echo "=== qemu: linux/$ga done in ${secs}s"
	done
	echo "qemu: passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
	[ "${#failed[@]}" -eq 0 ]
}

main "$@"
