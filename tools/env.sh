# SPDX-License-Identifier: MIT
# Shared paths for the developer tools; sourced, not run.
NPU_CACHE=${NPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/npu-stack}
NPU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NPU_SHARED=${NPU_SHARED:-$NPU_TOP/../shared}
NPU_BUILD=${NPU_BUILD:-$NPU_TOP/build}

# Filled in once tools/setup.sh has run.
npu_kernel_paths() {
	local arch=${1:-amd64}
	KREL=$(cat "$NPU_CACHE/kernel-$arch.release")
	KROOT=$NPU_CACHE/kernel-$KREL
	KDIR=$KROOT/headers/usr/src/linux-headers-$KREL
	KIMAGE=$KROOT/image
	KSRC=$KROOT/src
}
