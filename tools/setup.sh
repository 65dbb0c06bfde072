#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# One idempotent setup step for building and testing the NPU stack on a
# Debian 12 machine: build tools from apt, and the newest Debian 6.12 kernel
# (image + headers + source) unpacked into a cache folder.  The machine's own
# kernel is never touched.  A second run with everything present takes
# seconds.
#
# Prints the cache layout on success; tools/env.sh reads it back.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/env.sh
. "$here/env.sh"

ARCH=${ARCH:-amd64}
log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

PKGS=(make gcc clang sparse meson ninja-build pkg-config python3 perl
      qemu-system-x86 busybox-static cpio kmod xz-utils zstd dwarves bc
      device-tree-compiler dt-schema libelf-dev libdrm-dev procps
      libjson-c-dev	# npu-llm: Hugging Face directories (static libjson-c.a)
      flex bison libssl-dev)	# the last three: the debug kernel's build
# arm64: a cross compiler and QEMU; the arm64 kernel, headers and
# busybox are downloaded and extracted, never installed (arm64 headers
# conflict with the amd64 toolchain), so dpkg only needs to know the
# architecture for apt to find them.
if [ "$ARCH" = arm64 ]; then
	PKGS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)
	# npu-llm is cross-built too: json-c for arm64 (multiarch, beside
	# the amd64 one; no headers of another architecture come with it)
	PKGS+=(libjson-c-dev:arm64)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture to dpkg"
		as_root dpkg --add-architecture arm64
		rm -f "$NPU_CACHE/apt-updated"
	fi
fi

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

stamp=$NPU_CACHE/apt-updated
mkdir -p "$NPU_CACHE"
need=$(missing_pkgs "${PKGS[@]}" linux-source-6.12)
if [ -n "$need" ] || [ ! -f "$stamp" ]; then
	log "apt-get update"
	as_root apt-get update -qq
	touch "$stamp"
fi
if [ -n "$need" ]; then
	log "installing:" $need
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >&2
fi

# The newest 6.12 kernel is whatever the meta-package points at today.
resolve_krel() {
	apt-cache depends "linux-image-6.12-$ARCH:$ARCH" 2>/dev/null |
		sed -n "s/.*Depends: linux-image-\(6\.12\.[0-9]*+deb12-$ARCH\)\(:$ARCH\)\{0,1\}$/\1/p" |
		head -n1
}
krel=$(resolve_krel)
if [ -z "$krel" ]; then
	# The index may be stale or missing on a fresh machine.
	as_root apt-get update -qq
	krel=$(resolve_krel)
fi
[ -n "$krel" ] || { log "cannot resolve linux-image-6.12-$ARCH"; exit 1; }
kver=${krel%%+*}                       # 6.12.N
kroot=$NPU_CACHE/kernel-$krel
log "kernel $krel"

fetch_debs() {
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q "$@" >&2)
}

# Kernel image + modules, extracted only.
if [ ! -f "$kroot/.image-done" ]; then
	rm -rf "$kroot/image" "$kroot/debs-image"
	fetch_debs "$kroot/debs-image" "linux-image-$krel:$ARCH"
	for d in "$kroot"/debs-image/*.deb; do dpkg-deb -x "$d" "$kroot/image"; done
	[ -f "$kroot/image/lib/modules/$krel/modules.dep" ] ||
		depmod -b "$kroot/image" "$krel"
	rm -rf "$kroot/debs-image"
	touch "$kroot/.image-done"
fi

# Headers (arch + common) and kbuild, extracted; the arch Makefile includes
# the common tree by absolute path, so repoint it at our copy.
if [ ! -f "$kroot/.headers-done" ]; then
	rm -rf "$kroot/headers" "$kroot/debs-headers"
	# kbuild is the build machine's (its scripts are host programs).
	fetch_debs "$kroot/debs-headers" "linux-headers-$krel:$ARCH" \
		"linux-headers-$kver+deb12-common" "linux-kbuild-$kver+deb12"
	for d in "$kroot"/debs-headers/*.deb; do dpkg-deb -x "$d" "$kroot/headers"; done
	hdir=$kroot/headers/usr/src/linux-headers-$krel
	sed -i "s|/usr/src/|$kroot/headers/usr/src/|g" "$hdir/Makefile"
	# scripts -> ../../lib/linux-kbuild-X/scripts is relative; keep it so.
	rm -rf "$kroot/debs-headers"
	touch "$kroot/.headers-done"
fi

# A few files from the kernel source tarball: checkpatch and its data,
# the kselftest harness, the DT bindings.
src=$kroot/src
amd64_src=$NPU_CACHE/kernel-amd64/src
if [ ! -f "$kroot/.src-done" ] && [ "$ARCH" != amd64 ] && [ -f "$amd64_src/scripts/checkpatch.pl" ]; then
	# Same source tree whatever the architecture.
	rm -rf "$src"; ln -s "$(readlink -f "$amd64_src")" "$src"
	touch "$kroot/.src-done"
fi
if [ ! -f "$kroot/.src-done" ]; then
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || { log "linux-source-6.12 tarball missing"; exit 1; }
	rm -rf "$src"; mkdir -p "$src"
	log "unpacking parts of $(basename "$tarball")"
	tar -xf "$tarball" -C "$src" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/run_kselftest.sh' \
		'*/Documentation/devicetree/bindings' 2>/dev/null || true
	[ -f "$src/scripts/checkpatch.pl" ] || { log "checkpatch.pl not found in source"; exit 1; }
	touch "$kroot/.src-done"
fi

# A static busybox of the guest's architecture for the VM's initramfs;
# the build machine's own serves amd64.
if [ "$ARCH" != amd64 ] && [ ! -x "$kroot/busybox/bin/busybox" ]; then
	rm -rf "$kroot/busybox" "$kroot/debs-busybox"
	fetch_debs "$kroot/debs-busybox" "busybox-static:$ARCH"
	for d in "$kroot"/debs-busybox/*.deb; do dpkg-deb -x "$d" "$kroot/busybox"; done
	rm -rf "$kroot/debs-busybox"
fi

ln -sfn "kernel-$krel" "$NPU_CACHE/kernel-$ARCH"
printf '%s\n' "$krel" > "$NPU_CACHE/kernel-$ARCH.release"
log "ready: $NPU_CACHE/kernel-$ARCH -> kernel-$krel"

# The pinned llama.cpp release (npm package node-llama-cpp), built once
# into the cache: its headers for libggml-npu, its tools for the VM.
if [ "$ARCH" = amd64 ]; then
	bash "$here/llama-cpp.sh"
	log "llama.cpp: $(bash "$here/llama-cpp.sh" path)"
fi
