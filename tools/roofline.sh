#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A roofline projection for the RK3588, on paper: decode tokens/s of
# a few model shapes bounded by memory bandwidth (every weight read once
# per token) and by MAC throughput, the submit overhead per token that
# the round trips measured by npu-bench in the VM would cost on a board,
# and the vendor runtime's published figures beside them.  Nothing here
# runs on a board; Documentation/npu/performance.rst gives the sources
# and the assumptions.
#
# usage: tools/roofline.sh [npu-bench output]
#   The npu-bench output (default $NPU_BUILD/bench/submit.log, which
#   tools/bench.sh submit writes) gives DEV_QUERY, the null round trip
#   and the batched per-job cost (their p10s) measured here; without it the
#   overhead columns say n.a.
# environment:
#   NPU_BOARD_QUERY_US  DEV_QUERY on a board, in us (default 1.0: an
#                       assumption, see the documentation)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

log=${1:-$NPU_BUILD/bench/submit.log}
board_q=${NPU_BOARD_QUERY_US:-1.0}
q='' rt='' batch=''
if [ -f "$log" ]; then
	q=$(sed -n 's/^ *DEV_QUERY ioctl: \([0-9.]*\) us.*/\1/p' "$log" | tail -n1)
	# p10, not the median: the round trip least disturbed by the host's
	# other load is the better estimate of the path's own cost, and a
	# board has no host
	rt=$(sed -n 's/^ *null job, submit then JOB_WAIT: [0-9.]* us (p10 \([0-9.]*\) us.*/\1/p' "$log" | tail -n1)
	batch=$(sed -n 's/^ *[0-9]* null jobs in one submit, [0-9]* JOB_WAITs: [0-9.]* us per job (p10 \([0-9.]*\) us).*/\1/p' "$log" | tail -n1)
fi

# name, dim, layers, heads, kv heads, ffn dim, vocab, vendor figure:
# config.json values of the published models (the documentation links
# them); the classifier is counted once whether tied or not, since it
# is read once per token either way.
models=(
	"stories110M 768 12 12 12 2048 32000 llama2.c+rk3588-npu_fp16:_21-23"
	"Qwen2-0.5B 896 24 14 2 4864 151936 rknn-llm_w8a8:_41.6"
	"TinyLlama-1.1B 2048 22 32 4 5632 32000 rknn-llm_w8a8:_24.4"
	"Qwen2.5-1.5B 1536 28 12 2 8960 151936 rknn-llm_w8a8:_16.7"
)

printf '%s\n' "${models[@]}" | awk -v q="$q" -v rt="$rt" -v batch="$batch" \
	-v board_q="$board_q" -v src="$log" '
BEGIN {
	cores = 3; macs = 1024; ghz = 1.0	# RK3588 NPU: int8 MACs per core per cycle
	int8_rate = cores * macs * ghz * 1e9	# MAC/s
	fp16_rate = int8_rate / 4
	bw_lo = 10e9; bw_hi = 25e9		# LPDDR4x as measured on boards, B/s
	scale = (q > 0) ? board_q / q : 0
	print "roofline projection for the RK3588 -- ON PAPER, not measured on a board"
	printf "  NPU %d cores x %d int8 MAC/cycle at %.1f GHz = %.2f TMAC/s int8, %.2f fp16 (a quarter, assumed)\n",
		cores, macs, ghz, int8_rate / 1e12, fp16_rate / 1e12
	printf "  memory bandwidth %.0f-%.0f GB/s (LPDDR4x, measured on RK3588 boards); every weight read once per token\n",
		bw_lo / 1e9, bw_hi / 1e9
	if (scale > 0)
		printf "  overhead: measured here DEV_QUERY %.2f us, null round trip %.1f us, batched %.1f us per job (p10s, %s);\n    scaled to a board by its DEV_QUERY, assumed %.2f us: x%.3f\n",
			q, rt, batch, src, board_q, scale
	else
		printf "  overhead: n.a. (no npu-bench figures in %s: run tools/bench.sh submit first)\n", src
	print ""
}
{
	name = $1; d = $2; L = $3; h = $4; kvh = $5; f = $6; v = $7
	vendor = $8; gsub(/_/, " ", vendor); gsub(/\+/, " + ", vendor)
	kvd = d * kvh / h
	# per layer: q and o (d x d), k and v (d x kvd), w1 w3 (d x f), w2 (f x d)
	per_layer = 2 * d * d + 2 * d * kvd + 3 * d * f
	w = L * per_layer + v * d		# weights = MACs per token (M = 1)
	subs = 4 * L + 1			# fused qkv, o, w1+w3, w2; classifier
	printf "%s: dim %d, %d layers, %d heads, %d kv heads, ffn %d, vocab %d: %.1f M weights per token\n",
		name, d, L, h, kvh, f, v, w / 1e6
	for (i = 0; i < 2; i++) {
		bytes = i ? 1 : 2; dt = i ? "int8" : "fp16"; rate = i ? int8_rate : fp16_rate
		mem_lo = bw_lo / (w * bytes); mem_hi = bw_hi / (w * bytes)
		mac = rate / w
		printf "  %s: weights %.0f MB/token; bound by memory %.1f-%.1f tok/s, by MACs %.0f tok/s",
			dt, w * bytes / 1e6, mem_lo, mem_hi, mac
		if (scale > 0) {
			ovh = subs * rt * scale / 1e6	# s per token, one round trip per submit
			ovb = subs * batch * scale / 1e6
			lo = 1 / (1 / (mac < mem_lo ? mac : mem_lo) + ovh)
			hi = 1 / (1 / (mac < mem_hi ? mac : mem_hi) + ovh)
			printf "; with the submit overhead %.1f-%.1f tok/s\n", lo, hi
		} else {
			printf "\n"
		}
	}
	if (scale > 0)
		printf "  submit overhead per token on a board: %d submits x null round trip = %.2f ms (%.2f ms at the batched per-job cost)\n",
			subs, subs * rt * scale / 1e3, subs * batch * scale / 1e3
	else
		printf "  submit overhead per token on a board: %d submits x null round trip = n.a.\n", subs
	printf "  published: %s tok/s\n", vendor
}'
