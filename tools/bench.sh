#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The benchmarks, each in one VM run on the virtual NPU, figures only:
#
#   submit  npu-bench: the submission path (round trips, batching, cores)
#   gemm    npu-gemm-bench: GEMM throughput next to the CPU reference GEMM,
#           and the per-call split into pack, submit, wait and unpack
#   llm     npu-llm: tokens/s for cpu, npu fp16 and npu int8 on stories260K
#           and on a dummy stories110M-shaped model, submits per token and
#           the share of driver overhead
#
# usage: tools/bench.sh [submit|gemm|llm ...]   (default: all three)
# Run tools/setup.sh and build first (tools/test-all.sh or tools/demo.sh do).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"

[ $# -gt 0 ] || set -- submit gemm llm
for b in "$@"; do
	case $b in
	submit)
		bash tools/vm-run.sh --timeout 900 --bin "$NPU_BUILD/tools/npu-bench" -- npu-bench ;;
	gemm)
		bash tools/vm-run.sh --timeout 1800 --bin "$NPU_BUILD/tools/npu-gemm-bench" -- npu-gemm-bench ;;
	llm)
		models=${NPU_MODELS:-$NPU_TOP/../shared/models}
		for f in stories260K.bin tok512.bin; do
			[ -f "$models/$f" ] || { echo "bench: $models/$f is missing" >&2; exit 1; }
		done
		bash tools/vm-run.sh --timeout 3600 --bin "$NPU_BUILD/llm/npu-llm" \
			--data "$models/stories260K.bin" --data "$models/tok512.bin" \
			--data llm/bench/npu-llm-bench.sh -- 'sh npu-llm-bench.sh' ;;
	*)
		echo "bench: unknown benchmark $b (submit, gemm or llm)" >&2; exit 64 ;;
	esac
done
