#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Set up everything and run the demo: build npu.ko and the userspace, boot
# the Debian 6.12 kernel in QEMU, insmod the module and run the demo
# program on the virtual NPU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"

step() { printf '\n==== %s\n' "$*"; }
step "setup (apt packages, Debian 6.12 kernel into $NPU_CACHE)"
bash tools/setup.sh
npu_kernel_paths amd64

step "build userspace"
if [ -f "$NPU_BUILD/build.ninja" ]; then
	meson configure "$NPU_BUILD" -Dkselftest_dir="$KSRC/tools/testing/selftests" >/dev/null
else
	meson setup "$NPU_BUILD" -Dkselftest_dir="$KSRC/tools/testing/selftests" >/dev/null
fi
ninja -C "$NPU_BUILD" >/dev/null

step "build npu.ko against $KREL"
bash tools/build-module.sh >/dev/null

step "boot the VM, insmod npu.ko, run the demo"
exec bash tools/vm-run.sh --timeout 300 --bin "$NPU_BUILD/tools/npu-query" \
	'npu-query'
