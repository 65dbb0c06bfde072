#!/bin/sh
# SPDX-License-Identifier: MIT
#
# In the debug guest: allocation failures injected into the driver under
# load.  failslab and fail_page_alloc are armed for marked tasks only;
# fuzz_ioctl -f marks its worker threads, so BO create, VM create, map,
# submit and mmap fail at random while it hammers every ioctl.  Every
# ioctl must answer with a clean errno (the fuzzer checks), the kernel log
# must stay clean (the harness checks), and afterwards, with every file
# closed, nothing may be left: no VM, BO, import or queued job in debugfs,
# and the device must still run jobs.  Prints TAP.
set -u
d=/sys/kernel/debug
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

for f in failslab fail_page_alloc; do
	[ -d $d/$f ] || { echo "Bail out! no $d/$f: not a fault-injection kernel"; exit 1; }
	echo Y > $d/$f/task-filter
	echo 2 > $d/$f/probability
	echo 1 > $d/$f/interval
	echo -1 > $d/$f/times
	echo 0 > $d/$f/space
	echo 0 > $d/$f/verbose
	echo N > $d/$f/ignore-gfp-wait
done
echo N > $d/fail_page_alloc/ignore-gfp-highmem
echo 0 > $d/fail_page_alloc/min-order

echo "1..4"
before=$(cat /proc/vmstat | grep -E '^nr_slab_unreclaimable ' | cut -d' ' -f2)
if fuzz_ioctl -s 7 -t "${STORM_SECONDS:-20}" -f > storm.out 2>&1; then
	ok "fuzz_ioctl under failslab and fail_page_alloc: clean errnos"
else
	not_ok "fuzz_ioctl under injected failures"
fi
sed 's/^/# /' storm.out | grep -v '^# ok 1\|^# 1\.\.1'
for f in failslab fail_page_alloc; do echo 0 > $d/$f/probability; done
grep -q ENOMEM storm.out && ok "allocations did fail: ENOMEM $(grep -h 'ENOMEM' storm.out | tr -s ' ' | cut -d' ' -f3 | tr '\n' ' ')times" ||
	not_ok "no ENOMEM came back: the injection did not reach the driver"

# Every file is closed: nothing of it may remain.
left=
for f in $d/accel/*/die; do
	for k in vms bos imports bo_bytes; do
		v=$(sed -n "s/^$k: //p" "$f")
		[ "$v" = 0 ] || left="$left $(dirname "$f" | xargs basename):$k=$v"
	done
done
for f in $d/accel/*/cores; do
	grep -q 'queued [1-9]' "$f" && left="$left $(dirname "$f" | xargs basename):queued"
done
[ -z "$left" ] && ok "nothing left in debugfs once the files are closed" ||
	not_ok "left behind:$left"

if fuzz_ioctl -s 8 -t 1 -j 1 > after.out 2>&1 && grep -q 'null jobs ran' after.out; then
	ok "the device still runs jobs"
else
	not_ok "the device does not run jobs after the storm"
	sed 's/^/#   /' after.out
fi
echo "# slab (unreclaimable) pages before $before, after $(grep -E '^nr_slab_unreclaimable ' /proc/vmstat | cut -d' ' -f2)"
[ "$failed" -eq 0 ]
