#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Set up everything and run every test: userspace unit tests, the W=1
# module build, checkpatch, the harness self-test and the kselftests in
# the QEMU guest.  Each stage runs even when an earlier one failed (unless
# it cannot), and the last line is the count of passed and failed checks.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"

logdir=$NPU_BUILD/test-logs
passed=0 failed=0 failures=()
t0=$(date +%s)

note() { printf '\n==== %s\n' "$*"; }
count_tap() {	# count TAP results of a log into passed/failed
	local p f s
	p=$(grep -cE '^(# )?ok [0-9]+ ' "$1" || true)
	s=$(grep -cE '^(# )?ok [0-9]+ .*# SKIP' "$1" || true)
	f=$(grep -cE '^(# )?not ok [0-9]+ ' "$1" || true)
	# A skipped test did not test anything: in our VM that is a failure.
	passed=$((passed + p - s)); failed=$((failed + f + s))
}
stage() {	# stage NAME CMD...: run, log, count as one check
	local name=$1; shift
	note "$name"
	mkdir -p "$logdir"
	local log=$logdir/${name// /-}.log s=$SECONDS
	if "$@" 2>&1 | tee "$log"; then
		echo "---- $name: ok ($((SECONDS - s)) s)"
		passed=$((passed + 1)); return 0
	fi
	echo "---- $name: FAILED ($((SECONDS - s)) s), log: $log"
	failed=$((failed + 1)); failures+=("$name"); return 1
}

stage setup bash tools/setup.sh || {
	echo "setup failed; nothing else can run"; echo "tests: $passed passed, $failed failed"; exit 1; }
# arm64: Debian's arm64 kernel and headers, the cross-built module.  Its
# packages are installed now, before anything runs beside this script.
stage "arm64 setup" bash tools/lane-arm64.sh setup
npu_kernel_paths amd64
ksel=$KSRC/tools/testing/selftests
# The pinned llama.cpp release (from npm), built by setup into the cache:
# its headers for libggml-npu, its tools for the VM.
llama_src=$(bash tools/llama-cpp.sh path)/src

meson_build() {	# --reconfigure: an old build dir learns new options too
	local reconf=()
	[ -f "$NPU_BUILD/build.ninja" ] && reconf=(--reconfigure)
	meson setup "${reconf[@]}" "$NPU_BUILD" -Dkselftest_dir="$ksel" \
		-Dllama_cpp_src="$llama_src" && ninja -C "$NPU_BUILD"
}
stage "userspace build" meson_build

# The debug-kernel lane (KASAN, lockdep, kmemleak, fault injection, KUnit)
# runs beside the stages below: a guest under TCG keeps about one of the
# two cores busy, and a cold run's kernel build (about 13 minutes, niced)
# takes what the other stages leave.  Its log is shown at the end.
# NPU_SKIP_DEBUG_LANE=1 leaves it out, for quick local runs only.
lane_pid=
kill_tree() {	# a process and everything below it (the lane's guest)
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null
}
trap '[ -z "$lane_pid" ] || kill_tree "$lane_pid"' EXIT
if [ "${NPU_SKIP_DEBUG_LANE:-0}" != 1 ]; then
	mkdir -p "$logdir"
	note "debug-kernel lane: started in the background, its log follows at the end"
	bash tools/lane-debug.sh > "$logdir/debug-kernel-lane.log" 2>&1 &
	lane_pid=$! lane_t0=$SECONDS
fi
stage "unit tests" meson test -C "$NPU_BUILD" --print-errorlogs

# npu-llm's host tests, the corpus of broken inputs among them, built with
# AddressSanitizer and UBSan (dynamically linked: ASan cannot be static):
# a sanitizer report, a crash or a case accepted fails the stage.
llm_sanitized() {
	local b=$NPU_BUILD-sanitize reconf=()
	[ -f "$b/build.ninja" ] && reconf=(--reconfigure)
	meson setup "${reconf[@]}" "$b" -Dkselftest_dir="$ksel" \
		-Dllama_cpp_src="$llama_src" -Dstatic_programs=false \
		-Db_sanitize=address,undefined -Db_lundef=false &&
	ninja -C "$b" llm/npu-llm llm/npu-llm-pack llm/gen-model llm/gen-corpus \
		llm/test-loader llm/test-package llm/gguf-list llm/gen-hf llm/test-hf &&
	meson test -C "$b" --no-rebuild --suite llm --print-errorlogs
}
stage "llm tests, ASan+UBSan" llm_sanitized

module_build() { bash tools/build-module.sh clean >/dev/null && bash tools/build-module.sh; }
stage "module build W=1" module_build
stage "checkpatch" bash tools/checkpatch.sh
stage "dt-schema" bash tools/dt-check.sh
stage "module build arm64 W=1" bash tools/lane-arm64.sh build
stage "sparse" bash tools/sparse.sh amd64 arm64
stage "vm splat check" bash tools/tests/vm-splat-check.sh

# Every kselftest binary, in one guest boot.
# teardown_test unloads and reloads the modules: it goes last.  coherency_test
# needs the non-coherent model: it has a boot of its own below.
mapfile -t tests < <(find "$NPU_BUILD/selftests" -type f -perm -u+x -name '*_test' ! -name coherency_test 2>/dev/null |
	sort | awk '/teardown_test$/ { last = $0; next } { print } END { if (last) print last }')
# libnpu's device test: skipped by meson test on a machine without an NPU,
# run here on the virtual one (before teardown_test).
if [ -x "$NPU_BUILD/libnpu/test-device" ]; then
	tests=("$NPU_BUILD/libnpu/test-device" "${tests[@]}")
else
	note "libnpu test-device"; echo "not built"; failed=$((failed + 1)); failures+=(test-device)
fi
if [ ${#tests[@]} -eq 0 ]; then
	note "kselftests"; echo "no kselftest binaries were built"; failed=$((failed + 1)); failures+=(kselftests)
else
	args=()
	for t in "${tests[@]}"; do args+=(--bin "$t"); done
	names=()
	for t in "${tests[@]}"; do names+=("$(basename "$t")"); done
	# the ioctl fuzzer, briefly, before teardown_test (the debug lane
	# runs it for a minute)
	args+=(--bin "$NPU_BUILD/selftests/fuzz_ioctl")
	names=("${names[@]:0:${#names[@]}-1}" "fuzz_ioctl -s 1 -t 15" "${names[@]: -1}")
	stage "kselftests in VM" bash tools/vm-run.sh --timeout 900 "${args[@]}" -- "${names[@]}"
	count_tap "$logdir/kselftests-in-VM.log"
fi
# A die that does not snoop the CPU's caches, as on the RK3588: the
# virtual NPU's non-coherent model makes every missing cache maintenance
# call a wrong result.  The kselftests that go through libnpu, which
# brackets its own CPU accesses, and the coherency test itself.
noncoherent_vm() {
	local t args=() names=()
	for t in coherency_test gemm_api_test gemm_split_test; do
		args+=(--bin "$NPU_BUILD/selftests/$t"); names+=("$t")
	done
	names[0]="NPU_EXPECT_NONCOHERENT=1 coherency_test"
	bash tools/vm-run.sh --timeout 900 --param sim_coherent=0 "${args[@]}" -- "${names[@]}"
}
stage "kselftests, non-coherent virtual NPU" noncoherent_vm
count_tap "$logdir/kselftests,-non-coherent-virtual-NPU.log"

# The same kselftests on Debian's arm64 kernel (qemu-system-aarch64, TCG),
# which has no DRM accel core: the dies are render nodes there.
stage "kselftests in arm64 VM" bash tools/lane-arm64.sh vm
count_tap "$logdir/kselftests-in-arm64-VM.log"

# npu-llm on the virtual NPU: the accuracy gates against the reference
# model next to the source tree.
models=$NPU_TOP/../shared/models
llm_vm() {
	local d args=()
	for d in stories260K.bin stories260K.gguf tok512.bin stories260K.greedy200.txt; do
		[ -f "$models/$d" ] || { echo "missing $models/$d (see ../shared/models)"; return 1; }
		args+=(--data "$models/$d")
	done
	# Hugging Face directories (llm/tests/npu-llm-hf-vm.sh), one tar file
	local hf=$NPU_BUILD/hf-vm
	rm -rf "$hf" && mkdir -p "$hf" &&
	"$NPU_BUILD/llm/gen-hf" "$models/stories260K.bin" "$models/tok512.bin" "$hf/f32" &&
	"$NPU_BUILD/llm/gen-hf" "$models/stories260K.bin" "$models/tok512.bin" "$hf/fp8" \
		--dtype fp8 --shards 2 --block 32 &&
	tar -C "$hf" -cf "$hf/hf-dirs.tar" f32 fp8 || return 1
	bash tools/vm-run.sh --timeout 900 --bin "$NPU_BUILD/llm/npu-llm" --bin "$NPU_BUILD/llm/npu-llm-pack" "${args[@]}" \
		--data llm/tests/npu-llm-vm.sh --data "$hf/hf-dirs.tar" --data llm/tests/npu-llm-hf-vm.sh --data llm/tests/tap.sh \
		-- 'sh npu-llm-vm.sh; a=$?; sh npu-llm-hf-vm.sh && [ $a = 0 ]'
}
stage "npu-llm in VM" llm_vm
count_tap "$logdir/npu-llm-in-VM.log"

# llama.cpp, unmodified, with libggml-npu: its MUL_MAT conformance test,
# text and perplexity against its CPU backend, two dies, llama-server.
llama_vm() {
	local f args=()
	for f in "$models/stories260K.gguf" llm/ggml-npu/tests/story.txt \
		 llm/ggml-npu/tests/llama-checks.sh; do
		[ -f "$f" ] || { echo "missing $f"; return 1; }
		args+=(--data "$f")
	done
	bash tools/llama-vm.sh --timeout 1500 "${args[@]}" --shell 'sh llama-checks.sh'
}
stage "llama.cpp in VM" llama_vm
count_tap "$logdir/llama.cpp-in-VM.log"

# --device npu with no NPU: a clear error and exit 1, never the CPU.
llm_no_npu() {
	bash tools/vm-run.sh --no-npu --timeout 300 --bin "$NPU_BUILD/llm/npu-llm" -- \
		'npu-llm --device npu --load-format dummy --config 64,128,1,4,4,256,32 -n 4 >out 2>err; rc=$?; cat err; [ $rc = 1 ] && [ ! -s out ] && grep -q "no NPU found" err'
}
stage "npu-llm without an NPU" llm_no_npu

# The debug-kernel lane started after the userspace build: its log so far,
# then the rest as it comes.
note "debug-kernel lane"
if [ -z "$lane_pid" ]; then
	echo "left out (NPU_SKIP_DEBUG_LANE=1): this run is not a full one"
	failed=$((failed + 1)); failures+=("debug-kernel lane (left out)")
else
	# Followed only while it runs: a finished lane's pid may be reused.
	if jobs -rp | grep -qx "$lane_pid"; then
		tail -n +1 -f --pid="$lane_pid" "$logdir/debug-kernel-lane.log"
	else
		cat "$logdir/debug-kernel-lane.log"
	fi
	wait "$lane_pid"
	lane_rc=$? lane_pid=
	if [ $lane_rc = 0 ]; then
		echo "---- debug-kernel lane: ok ($((SECONDS - lane_t0)) s since it started)"
		passed=$((passed + 1))
	else
		echo "---- debug-kernel lane: FAILED ($((SECONDS - lane_t0)) s since it started), log: $logdir/debug-kernel-lane.log"
		failed=$((failed + 1)); failures+=("debug-kernel lane")
	fi
	count_tap "$logdir/debug-kernel-lane.log"
fi

note "summary ($(( $(date +%s) - t0 )) s)"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
