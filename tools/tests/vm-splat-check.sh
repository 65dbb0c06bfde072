#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The harness's own test: a WARN raised in the guest on purpose (debugfs
# inject_warn of the virtual NPU) must fail a run whose commands all
# succeed, with status 2 and the WARNING line quoted.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$("$here/vm-run.sh" --timeout 300 \
	'echo 1 > /sys/kernel/debug/accel/npu-virtual.0/inject_warn' 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q 'guest kernel log has splats' <<<"$out" &&
   grep -q 'WARNING:.*npu_debugfs_inject_warn_write' <<<"$out"; then
	echo "ok 1 vm-run fails a run whose guest WARNs (status $rc)"
	exit 0
fi
echo "$out" | tail -n 20
echo "not ok 1 vm-run did not fail a run whose guest WARNs (status $rc)"
exit 1
