#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The debug-kernel lane: the driver under KASAN, lockdep, kmemleak, fault
# injection and KUnit, on Debian's 6.12 source built as a debug kernel.
#
#  1. build the debug kernel, or take it from the cache (tools/debug-kernel.sh)
#  2. build npu.ko and npu_virtual.ko against it, W=1, warnings are errors
#     (KUnit suites in both)
#  3. one guest boot: the KUnit suites run as the modules load; every kselftest,
#     libnpu's device test, the fuzzer (60 s, fixed seed), the fault-
#     injection storm, the teardown storm (20 rounds of rmmod and kill -9
#     with jobs in flight, 8 of unbind; kmemleak scanned after each) and
#     the npu-llm demo (80 steps under KASAN: its text
#     must be the start of the reference story) run; after rmmod the guest scans
#     kmemleak.  Any KASAN, lockdep, sleep-in-atomic, list-corruption or
#     kmemleak report fails the lane (tools/vm-run.sh).
#
# Prints TAP lines for the KUnit cases, and the times.  Needs the
# userspace build (meson) of tools/test-all.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"
t0=$SECONDS

bash tools/debug-kernel.sh
kdir=$(bash tools/debug-kernel.sh --print-dir)
echo "lane: debug kernel ready after $((SECONDS - t0)) s"

# The modules for the debug kernel, built apart from the Debian ones.
mod=$NPU_BUILD/debug-module
rm -rf "$mod"
mkdir -p "$mod"
# Sources only: the Debian module build may be writing objects in kernel/
# at the same time (tools/test-all.sh runs this lane beside it).
git ls-files -co --exclude-standard -- 'kernel/*.[ch]' kernel/Makefile kernel/Kconfig uapi |
	tar -cf - -T - | tar -xf - -C "$mod"
make -s -C "$kdir" M="$mod/kernel" W=1 KCFLAGS=-Werror NPU_KUNIT=1 modules
echo "lane: npu.ko and npu_virtual.ko built against the debug kernel"

models=$NPU_TOP/../shared/models
bins=() datas=() cmds=()
while IFS= read -r t; do
	bins+=(--bin "$t")
	case $(basename "$t") in
	# Several times slower under KASAN: bounded counts (they print them).
	stress_test) cmds+=("STRESS_HANGS=${STRESS_HANGS:-40} STRESS_KILLS=${STRESS_KILLS:-300} STRESS_HELD_KILLS=${STRESS_HELD_KILLS:-300} stress_test") ;;
	*) cmds+=("$(basename "$t")") ;;
	esac
done < <(find "$NPU_BUILD/selftests" -type f -perm -u+x -name '*_test' ! -name coherency_test | sort |
	awk '/teardown_test$/ { last = $0; next } { print } END { if (last) print last }')
# teardown_test reloads the modules: the KUnit suites run again.
bins+=(--bin "$NPU_BUILD/libnpu/test-device" --bin "$NPU_BUILD/selftests/fuzz_ioctl"
	--bin "$NPU_BUILD/llm/npu-llm" --bin "$NPU_BUILD/selftests/storm_load"
	--data tools/tests/fault-storm.sh --data tools/tests/teardown-storm.sh)
for f in stories260K.bin tok512.bin stories260K.greedy200.txt; do
	[ -f "$models/$f" ] || { echo "lane: missing $models/$f" >&2; exit 1; }
	datas+=(--data "$models/$f")
done
last=${cmds[${#cmds[@]}-1]}
unset 'cmds[${#cmds[@]}-1]'
cmds=(test-device "${cmds[@]}"
	"fuzz_ioctl -s 1 -t ${FUZZ_SECONDS:-60}"
	"sh fault-storm.sh"
	"STORM_CYCLES=${STORM_CYCLES:-20} STORM_UNBINDS=${STORM_UNBINDS:-8} sh teardown-storm.sh"
	"npu-llm stories260K.bin -z tok512.bin --device npu -t 0 -n ${LLM_STEPS:-80} > story.txt && n=\$((\$(wc -c < story.txt) - 1)) && [ \$n -gt 100 ] && cmp -n \$n story.txt stories260K.greedy200.txt && echo \"ok 1 - npu-llm on the debug kernel: \$n bytes of the reference story\""
	"$last")

# The teardown storm takes about 18 s a round under KASAN (each reload
# runs the KUnit suites).  CI runs 20 rmmod and 8 unbind rounds (about 8
# minutes), so that the lane, a cold debug-kernel build included, stays
# well inside CI's limit; STORM_CYCLES=50 STORM_UNBINDS=20 is the full
# storm (about 20 minutes, clean when last run).
log=$NPU_BUILD/lane-debug-serial.log
set +e
bash tools/vm-run.sh --kernel debug --timeout 4200 --log "$log" "${bins[@]}" \
	"${datas[@]}" -- "${cmds[@]}"
rc=$?
set -e

# KUnit: its KTAP lines are in the kernel log.  Cases are indented.
tr -d '\r' < "$log" | sed 's/^\[ *[0-9.]*\] //' |
	grep -E '^ +(not )?ok [0-9]+ npu_' | sort | uniq > "$NPU_BUILD/lane-kunit.txt" || true
kpass=$(grep -cE '^ +ok ' "$NPU_BUILD/lane-kunit.txt" || true)
kfail=$(grep -cE '^ +not ok ' "$NPU_BUILD/lane-kunit.txt" || true)
suites=$(tr -d '\r' < "$log" | grep -cE '^(\[ *[0-9.]*\] )?ok [0-9]+ npu_' || true)
sed 's/^ *//' "$NPU_BUILD/lane-kunit.txt"
echo "lane: KUnit: $kpass cases passed, $kfail failed, in $suites suite runs"
if [ "$kpass" -eq 0 ] || [ "$kfail" -ne 0 ]; then
	echo "lane: KUnit did not pass (no cases ran, or a case failed)"
	[ $rc -ne 0 ] || rc=1
fi
# Every suite the modules carry must have run and passed: a suite left out
# of the build (a Kconfig or Makefile slip) passes nothing and fails here.
# (grep reads a file: grep -q at the end of a pipe would break the pipe
# under pipefail and fail the check for a suite that did pass.)
tr -d '\r' < "$log" > "$NPU_BUILD/lane-serial.txt"
for s in $(sed -n 's/^[[:space:]]*\.name = "\(npu_[a-z0-9_]*\)",$/\1/p' kernel/*_test.c | sort -u); do
	if ! grep -qE "^(\[ *[0-9.]*\] )?ok [0-9]+ $s\$" "$NPU_BUILD/lane-serial.txt"; then
		echo "lane: KUnit suite $s did not run or did not pass"
		[ $rc -ne 0 ] || rc=1
	fi
done
echo "lane: $((SECONDS - t0)) s in all"
exit $rc
