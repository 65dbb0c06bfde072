#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The arm64 lane, one step per call so that test-all.sh counts each:
#   setup  ARCH=arm64 tools/setup.sh: cross compiler, QEMU, and Debian's
#          arm64 6.12 kernel, headers and static busybox, extracted
#   build  cross-build npu.ko and npu_virtual.ko against the arm64
#          headers, W=1, warnings are errors (build/module-arm64/kernel/)
#   vm     cross-build the kselftests and libnpu's device test (static,
#          meson cross file) and libggml-npu.so, boot Debian's arm64 kernel in
#          qemu-system-aarch64 (TCG) with the arm64 modules and run them
#          on the virtual NPU, through its render node
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
	for m in "$ko" "$NPU_BUILD/module-arm64/kernel/npu_virtual.ko"; do
		file "$m" | grep -q 'ARM aarch64' || { echo "lane-arm64: $m is not an arm64 module"; exit 1; }
	done
	# The RK3588 backend is in it, not left out by a Kconfig slip: the
	# board's core nodes load it, and its probe is there.
	# (Read whole first: grep -q ending a pipe early breaks it under pipefail.)
	aliases=$(modinfo -F alias "$ko")
	syms=$(aarch64-linux-gnu-nm "$ko")
	grep -qx 'of:N\*T\*Crockchip,rk3588-rknn-core' <<<"$aliases" ||
		{ echo "lane-arm64: $ko has no alias for rockchip,rk3588-rknn-core"; exit 1; }
	grep -qw npu_rk_core_probe <<<"$syms" ||
		{ echo "lane-arm64: $ko has no RK3588 core probe"; exit 1; }
	grep -q '^CONFIG_DRM_ACCEL=y' "$KDIR/.config" ||
		echo "lane-arm64: $KREL has no DRM_ACCEL: npu.ko registers a render node there"
	echo "lane-arm64: $ko for $KREL" ;;
vm)
	npu_kernel_paths amd64
	ksel=$KSRC/tools/testing/selftests
	bdir=$NPU_BUILD/arm64
	cross=$NPU_BUILD/arm64-cross.ini
	mkdir -p "$NPU_BUILD"
	# libdrm is used for its (architecture-independent) headers only:
	# the build machine's pkg-config file serves.
	drm_pc=$(dirname "$(pkg-config --path libdrm)")
	cat > "$cross.new" <<INI
[binaries]
c = 'aarch64-linux-gnu-gcc'
ar = 'aarch64-linux-gnu-ar'
strip = 'aarch64-linux-gnu-strip'
pkgconfig = 'pkg-config'

[properties]
pkg_config_libdir = '$drm_pc'

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'cortex-a76'
endian = 'little'
INI
	cmp -s "$cross.new" "$cross" && rm "$cross.new" || mv "$cross.new" "$cross"
	# libggml-npu is cross-built too (compile and link against the
	# pinned llama.cpp's headers): what a board user builds.
	llama_src=$(bash "$here/llama-cpp.sh" path)/src
	[ -f "$llama_src/ggml/src/ggml-backend-impl.h" ] ||
		{ echo "lane-arm64: no llama.cpp source at $llama_src; run tools/llama-cpp.sh"; exit 1; }
	# --reconfigure: an existing build dir also learns options added since
	reconf=()
	[ -f "$bdir/build.ninja" ] && reconf=(--reconfigure)
	meson setup "${reconf[@]}" "$bdir" --cross-file "$cross" -Dkselftest_dir="$ksel" \
		-Dllama_cpp_src="$llama_src" >/dev/null
	ninja -C "$bdir" >/dev/null
	file -L "$bdir/llm/ggml-npu/libggml-npu.so" | grep -q 'shared object, ARM aarch64' ||
		{ echo "lane-arm64: libggml-npu.so was not cross-built for arm64"; exit 1; }
	echo "lane-arm64: $(file -L "$bdir/llm/ggml-npu/libggml-npu.so" | cut -d, -f1-2)"
	[ -f "$NPU_BUILD/module-arm64/kernel/npu.ko" ] && [ -f "$NPU_BUILD/module-arm64/kernel/npu_virtual.ko" ] ||
		ARCH=arm64 bash "$here/build-module.sh" >/dev/null

	# As in test-all.sh: libnpu's device test first, teardown_test last.
	mapfile -t tests < <(find "$bdir/selftests" -type f -perm -u+x -name '*_test' ! -name coherency_test | sort |
		awk '/teardown_test$/ { last = $0; next } { print } END { if (last) print last }')
	tests=("$bdir/libnpu/test-device" "${tests[@]}")
	args=() names=()
	for t in "${tests[@]}"; do
		file "$t" | grep -q 'ARM aarch64.*statically linked' ||
			{ echo "lane-arm64: $t is not a static arm64 program"; exit 1; }
		args+=(--bin "$t"); names+=("$(basename "$t")")
	done
	# Debian's arm64 kernel has no dma-buf heaps: the heap import case
	# cannot run there (it runs on amd64 and in the debug lane).
	npu_kernel_paths arm64
	if ! grep -q '^CONFIG_DMABUF_HEAPS_SYSTEM=y' "$KIMAGE/boot/config-$KREL"; then
		echo "lane-arm64: $KREL has no DMABUF_HEAPS_SYSTEM: peer.import_dma_heap left out"
		for i in "${!names[@]}"; do
			[ "${names[$i]}" = peer_test ] && names[$i]="peer_test -T import_dma_heap"
		done
	fi
	# The render node is what the tests reach the die through here.
	names=('for r in /sys/class/drm/renderD*; do echo "${r##*/}: $(basename "$(readlink "$r/device/driver")")"; done | tee /tmp/nodes; [ ! -e /dev/accel ] && grep -q ": npu-virtual$" /tmp/nodes' "${names[@]}")
	ARCH=arm64 exec bash "$here/vm-run.sh" --timeout 1800 "${args[@]}" -- "${names[@]}" ;;
*)
	echo "usage: lane-arm64.sh setup|build|vm" >&2; exit 64 ;;
esac
