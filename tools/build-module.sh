#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build kernel/npu.ko out of tree against the cached Debian headers, at
# W=1 with every warning an error.  Extra make arguments (C=1, clean)
# are passed on.  ARCH=arm64 cross-builds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
arch=${ARCH:-amd64}
npu_kernel_paths "$arch"
make_args=()
[ "$arch" = arm64 ] && make_args+=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
exec make -C "$KDIR" M="$NPU_TOP/kernel" W=1 KCFLAGS=-Werror \
	"${make_args[@]}" "$@"
