#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The arm64 lane, one step per call so that test-all.sh counts each:
#   setup  ARCH=arm64 tools/setup.sh: cross compiler, QEMU, and Debian's
#          arm64 6.12 kernel, headers and static busybox, extracted
#   build  cross-build npu.ko against the arm64 headers, W=1, warnings
#          are errors (build/module-arm64/kernel/npu.ko)
# Debian's arm64 kernel has no DRM_ACCEL: there the module registers a
# render node (npu_drv.c), which libnpu finds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

case ${1:-} in
setup)
	ARCH=arm64 bash "$here/setup.sh" ;;
build)
	ARCH=arm64 bash "$here/build-module.sh" clean >/dev/null
	ARCH=arm64 bash "$here/build-module.sh"
	npu_kernel_paths arm64
	ko=$NPU_BUILD/module-arm64/kernel/npu.ko
	file "$ko" | grep -q 'ARM aarch64' || { echo "lane-arm64: $ko is not an arm64 module"; exit 1; }
	grep -q '^CONFIG_DRM_ACCEL=y' "$KDIR/.config" ||
		echo "lane-arm64: $KREL has no DRM_ACCEL: npu.ko registers a render node there"
	echo "lane-arm64: $ko for $KREL" ;;
*)
	echo "usage: lane-arm64.sh setup|build" >&2; exit 64 ;;
esac
