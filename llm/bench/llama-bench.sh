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
