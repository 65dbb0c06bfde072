#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs in the VM (tools/bench.sh llama): llama.cpp's llama-bench, pp64 and
# tg32, on the CPU backend and with libggml-npu (fp16, int8 weights), on
# stories260K.gguf; then the backend's own account of a generation: its
# submits per graph and the host time it spent (convert, pack, submit,
# wait, unpack) against the CPU backend's whole time for the same text.
# Figures only; under TCG the virtual NPU computes on the same emulated
# CPUs, so ratios matter, not tokens/s.
#
# Then, when stories110M-shape-f16.gguf is here (tools/bench.sh llama
# writes it with gen-model: random weights, F16, stories110M's shape),
# llama-bench on it for the CPU and NPU fp16 and int8, with the prompt and
# generation lengths and repetitions given: pp64/tg32 twice by default, as
# for stories260K; under TCG the NPU fp16 run alone takes some 14 minutes
# (2.5 s a prompt token, 5 s a generated one), so fewer (16 4 1) suit a
# quick look.
#
# usage: sh llama-bench.sh [pp tg reps of the 110M-shaped model (64 32 2)]
big_pp=${1:-64} big_tg=${2:-32} big_reps=${3:-2}
m=stories260K.gguf
echo "== llama-bench, $m (CPU backend: -ngl 0)"
llama-bench -m $m -p 64 -n 32 -ngl 0 -r 2 -o md 2>/dev/null
for dt in fp16 int8; do
	echo "== llama-bench, $m, NPU0 $dt (-ngl 99 -dev NPU0)"
	GGML_NPU_DTYPE=$dt llama-bench -m $m -p 64 -n 32 -ngl 99 -dev NPU0 -r 2 -o md 2>/dev/null
done
echo "== 128 greedy tokens: CPU backend against the NPU backend's host time"
t0=$(cut -d' ' -f1 /proc/uptime)
llama-simple -m $m -n 128 -ngl 0 "Once upon a time" > /dev/null 2>&1
t1=$(cut -d' ' -f1 /proc/uptime)
GGML_NPU_STATS=1 llama-simple -m $m -n 128 -ngl 99 "Once upon a time" > /dev/null 2> npu.err
t2=$(cut -d' ' -f1 /proc/uptime)
grep 'NPU[01]: ' npu.err
host=$(sed -n 's/.* \([0-9.]*\) ms host time in the backend.*/\1/p' npu.err | awk '{ s += $1 } END { print s }')
awk -v c0="$t0" -v c1="$t1" -v c2="$t2" -v h="$host" 'BEGIN {
	cpu = (c1 - c0) * 1000; npu = (c2 - c1) * 1000
	printf "cpu run %.0f ms, npu run %.0f ms, backend host time %.0f ms (%.2fx of the cpu run)\n", cpu, npu, h, h / cpu }'

big=stories110M-shape-f16.gguf
[ -f $big ] || exit 0
echo "== llama-bench, $big: random weights, F16, stories110M's shape (dim 768, hidden 2048, 12 layers, 12 heads, 12 kv heads, vocab 32000, seq 1024)"
echo "   used: -p $big_pp -n $big_tg -r $big_reps"
# one llama-bench run: label, args...; its table, or why it failed
bench_big() {
	label=$1; shift
	echo "== llama-bench, $big, $label"
	"$@" -m $big -p $big_pp -n $big_tg -r $big_reps -o md 2> big.err ||
		{ echo "failed:"; tail -n 5 big.err; }
}
bench_big "CPU backend (-ngl 0)" llama-bench -ngl 0
for dt in fp16 int8; do
	bench_big "NPU0 $dt (-ngl 99 -dev NPU0)" env GGML_NPU_DTYPE=$dt llama-bench -ngl 99 -dev NPU0
done
