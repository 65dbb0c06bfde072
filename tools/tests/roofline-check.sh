#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Host check of tools/roofline.sh: the bounds of a known shape, the
# overhead read from npu-bench's lines, and n.a. without them.
#
# usage: roofline-check.sh path/to/roofline.sh
set -euo pipefail
rl=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npu-bench's lines as it prints them (the figures made up)
cat > "$work/submit.log" <<'LOG'
  DEV_QUERY ioctl: 2.00 us
  null job, submit then JOB_WAIT: 400.0 us (p10 100.0 us, p90 900.0 us) = 200.0x DEV_QUERY
  64 null jobs in one submit, 64 JOB_WAITs: 80.0 us per job (p10 20.0 us) = 40.00x DEV_QUERY (goal 2x)
LOG
out=$(bash "$rl" "$work/submit.log")
fail() { echo "roofline-check: $1"; echo "$out"; exit 1; }

grep -q 'ON PAPER' <<<"$out" || fail "no on-paper label"
# stories110M: 12 x (2 x 768^2 + 2 x 768^2 + 3 x 768 x 2048) + 32000 x 768
grep -q '^stories110M: .*: 109.5 M weights per token' <<<"$out" || fail "stories110M weights"
# Qwen2-0.5B int8: 494.0 MB a token at 10 and 25 GB/s
grep -A2 '^Qwen2-0.5B' <<<"$out" | grep -q 'int8: weights 494 MB/token; bound by memory 20.2-50.6 tok/s' ||
	fail "Qwen2-0.5B int8 bandwidth bound"
# the p10 (100 us), scaled by 1 us / 2 us: 49 submits x 50 us = 2.45 ms
grep -q 'null round trip 100.0 us, batched 20.0 us per job (p10s' <<<"$out" || fail "overhead not read"
grep -q '49 submits x null round trip = 2.45 ms (0.49 ms at the batched per-job cost)' <<<"$out" ||
	fail "stories110M overhead"
grep -q 'published: rknn-llm w8a8: 16.7 tok/s' <<<"$out" || fail "vendor figure"

out=$(bash "$rl" "$work/none.log")
grep -q 'overhead: n.a.' <<<"$out" || fail "no n.a. without figures"
echo "roofline-check: ok"
