#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build kernel/npu.ko and kernel/npu_virtual.ko (the virtual NPU) out of
# tree against the cached Debian headers, at
# W=1 with every warning an error.  Extra make arguments (C=1, clean)
# are passed on.
#
# ARCH=arm64 cross-builds (gcc-aarch64-linux-gnu, headers from
# ARCH=arm64 tools/setup.sh) in a mirror of the sources under
# build/module-arm64, so that kernel/*.ko stay the amd64 modules the
# VM tests load; the results are build/module-arm64/kernel/*.ko.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
arch=${ARCH:-amd64}
npu_kernel_paths "$arch"
make_args=()
mdir=$NPU_TOP/kernel
if [ "$arch" != amd64 ]; then
	case $arch in
	arm64) make_args+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	*) echo "build-module: unknown ARCH $arch" >&2; exit 64 ;;
	esac
	mirror=$NPU_BUILD/module-$arch
	mkdir -p "$mirror/kernel" "$mirror/uapi"
	# Sources only, times kept: the mirror keeps its own objects
	# between builds and make rebuilds what changed.
	(cd "$NPU_TOP" && git ls-files -co --exclude-standard kernel uapi |
		tar -cf - -T -) | tar -xf - -C "$mirror"
	mdir=$mirror/kernel
fi
exec make -C "$KDIR" M="$mdir" W=1 KCFLAGS=-Werror \
	"${make_args[@]}" "$@"
