#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm on Hugging Face directories, on the (virtual) NPU, in the test
# VM.  Prints TAP.  hf-dirs.tar holds what gen-hf wrote from
# stories260K.bin and tok512.bin: f32/ (one shard) and fp8/ (two shards,
# an index, 32 x 32 block scales).
#
# usage (in the guest, beside hf-dirs.tar, stories260K.greedy200.txt and
# tap.sh):
#   sh npu-llm-hf-vm.sh [npu-llm]
#
#   1  the F32 directory, fp16 on the NPU, greedy 200: stdout is byte for
#      byte the reference; the statistics say real weights and show
#      submits
#   2  the FP8 directory converted at load straight to fp16 for the NPU
#      (no fp32 copy), teacher-forced against the F32 directory on the
#      cpu over exactly 200 positions: top-1 agreement >= 95 %, the
#      mean KL printed
#   3  the same to int8 (per-row scales): top-1 agreement >= 90 %
#   4  --load-format dummy on the FP8 directory runs its shape on the NPU
#      and the statistics say it was the dummy gate
set -u
llm=${1:-npu-llm}
ref=stories260K.greedy200.txt
for f in tap.sh hf-dirs.tar "$ref"; do
	[ -f "$f" ] || { echo "Bail out! $f is missing"; exit 1; }
done
. ./tap.sh
tar xf hf-dirs.tar || { echo "Bail out! cannot unpack hf-dirs.tar"; exit 1; }

# 1
if "$llm" f32 --device npu --dtype fp16 -t 0 -n 200 >out 2>err &&
   cmp -s out "$ref" && grep -q 'gate: real weights (hf)' err &&
   grep -qE 'submits/token: [1-9]' err; then
	ok "F32 directory, NPU fp16: greedy equals $ref ($(wc -c <out) bytes), $(grep -m1 -o 'submits/token: [0-9.]*' err)"
else
	not_ok "F32 directory, NPU fp16: output or statistics differ"
	diff "$ref" out 2>/dev/null | head -n 6 | sed 's/^/#   /'
fi

# agreement NAME MIN ARGS...
agreement() {
	name=$1 min=$2; shift 2
	if "$llm" "$@" --reference f32 -t 0 -n 200 >out 2>err; then
		line=$(grep -m1 'top-1 agreement' err | sed 's/^npu-llm: compare: //')
		pct=$(echo "$line" | sed -n 's/.*(\([0-9.]*\)%).*/\1/p')
		npos=$(echo "$line" | sed -n 's/.* \([0-9]*\) positions teacher-forced.*/\1/p')
		if [ "${npos:-0}" -ne 200 ] ||
		   ! grep -q '^npu-llm: compare: 200 of 200 requested positions compared' err; then
			not_ok "$name: ${npos:-?} positions compared, expected 200: $line"
		elif [ -n "$pct" ] && [ "${pct%%.*}" -ge "$min" ]; then
			ok "$name: $line"
		else
			not_ok "$name: top-1 agreement ${pct:-?}% below $min%: $line"
		fi
	else
		not_ok "$name: exit code $?"
	fi
}
# 2, 3
agreement "FP8 directory to NPU fp16 vs F32 on the cpu" 95 fp8 --device npu --dtype fp16
agreement "FP8 directory to NPU int8 vs F32 on the cpu" 90 fp8 --device npu --dtype int8

# 4
if "$llm" --load-format dummy fp8 --device npu -t 0 -n 16 >out 2>err &&
   grep -q 'gate: dummy' err && grep -q 'dim 64, hidden 172, layers 5' err; then
	ok "dummy FP8 directory on the NPU: $(grep -m1 'gate:' err | sed 's/^npu-llm: stats: //')"
else
	not_ok "dummy FP8 directory on the NPU"
fi

tap_done
