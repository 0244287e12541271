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
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

# GOARCH:qemu-name pairs. The qemu names differ for arm64 and the little-endian
# MIPS ports.
ARCHES=(arm64:aarch64 riscv64:riscv64 s390x:s390x ppc64le:ppc64le mips64le:mips64el mipsle:mipsel)

# QEMU_TEST_TIMEOUT bounds each architecture's go test run (emulation is
# 5-20x slower than native).
: "${QEMU_TEST_TIMEOUT:=20m}"
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

main() {
	local pairs=() pair ga q failed=() passed=() start secs
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

	install_qemu "${pairs[@]}" || return 1
	setup_binfmt "${pairs[@]}" || return 1

	for pair in "${pairs[@]}"; do
		ga=${pair%%:*}
		q=${pair#*:}
		echo "=== qemu: linux/$ga under $(qemu-"$q"-static --version | head -n 1)"
		start=$SECONDS
		# shellcheck disable=SC2086 # QEMU_PKGS is a list of packages
		if CGO_ENABLED=0 GOOS=linux GOARCH=$ga go test -short -count=1 -timeout "$QEMU_TEST_TIMEOUT" \
			-exec "qemu-$q-static" $QEMU_PKGS; then
			passed+=("$ga")
		else
			failed+=("$ga")
		fi
		secs=$((SECONDS - start))
		echo "=== qemu: linux/$ga done in ${secs}s"
	done
	echo "qemu: passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
	[ "${#failed[@]}" -eq 0 ]
}

main "$@"
