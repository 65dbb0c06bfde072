#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The benchmarks, each in one VM run on the virtual NPU, figures only:
#
#   submit  npu-bench: the submission path against its floors (DEV_QUERY,
#           a two-wake futex ping-pong, Debian's vgem fence cycle: the
#           guest loads vgem.ko), the null round trip and its traced
#           phases, batching, a 3-job submit, the BO list's share,
#           ioctls per matmul, cores; the output is kept in
#           $NPU_BUILD/bench/submit.log for roofline
#   gemm    npu-gemm-bench: GEMM throughput next to the CPU reference GEMM,
#           the per-call split into pack, submit, wait and unpack, and the
#           host time per run outside the device on the host-pointer path
#           against the zero-copy path (caller BOs)
#   llm     npu-llm: tokens/s for cpu, npu fp16 and npu int8 on stories260K
#           and on a dummy stories110M-shaped model, submits per token,
#           the share of driver overhead (on one die and on two), the
#           peak RSS and, where npu-llm counts them, the activations
#           copied per token
#   llama   llama.cpp with libggml-npu: llama-bench pp64/tg32 on the CPU
#           and on the NPU (fp16, int8), the backend's host time per run;
#           then llama-bench on a random-weight F16 GGUF of stories110M's
#           shape, written by gen-model into $NPU_BUILD/llm/bench-work
#           before the VM run: pp64/tg32, 2 repetitions (some 15 minutes
#           more under TCG; NPU_BENCH_110M_PP, _TG and _REPS set others,
#           e.g. 16 4 1 for a quick look)
#   roofline  tools/roofline.sh, no VM: the RK3588 projection on paper
#           (tokens/s bounded by bandwidth and by MACs, the submit
#           overhead per token scaled from the last submit run, the
#           vendor's published figures); last, so that it uses this
#           run's submit figures
#
# usage: tools/bench.sh [submit|gemm|llm|llama|roofline ...]
#        (default: all five)
# Run tools/setup.sh and build first (tools/test-all.sh or tools/demo.sh do).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"

[ $# -gt 0 ] || set -- submit gemm llm llama roofline
for b in "$@"; do
	case $b in
	submit)
		mkdir -p "$NPU_BUILD/bench"
		bash tools/vm-run.sh --vgem --timeout 900 --bin "$NPU_BUILD/tools/npu-bench" \
			-- npu-bench | tee "$NPU_BUILD/bench/submit.log" ;;
	gemm)
		# The host-time section's 64x768x32000 GEMM takes over a minute
		# under TCG: a stalled vCPU must not trip the 2 s job watchdog.
		bash tools/vm-run.sh --timeout 1800 --param job_timeout_ms=30000 --param job_max_ms=0 \
			--bin "$NPU_BUILD/tools/npu-gemm-bench" -- npu-gemm-bench ;;
	llm)
		models=${NPU_MODELS:-$NPU_TOP/../shared/models}
		for f in stories260K.bin tok512.bin; do
			[ -f "$models/$f" ] || { echo "bench: $models/$f is missing" >&2; exit 1; }
		done
		bash tools/vm-run.sh --timeout 3600 --bin "$NPU_BUILD/llm/npu-llm" \
			--data "$models/stories260K.bin" --data "$models/tok512.bin" \
			--data llm/bench/npu-llm-bench.sh -- 'sh npu-llm-bench.sh' ;;
	llama)
		models=${NPU_MODELS:-$NPU_TOP/../shared/models}
		gen=$NPU_BUILD/llm/gen-model
		[ -x "$gen" ] || { echo "bench: $gen is not built" >&2; exit 1; }
		# random weights of a fixed seed: the same file every time
		big=$NPU_BUILD/llm/bench-work/stories110M-shape-f16.gguf
		mkdir -p "$(dirname "$big")"
		"$gen" gguf 110m-f16 "$big"
		# long GEMMs of the 110M shape: no 2 s job watchdog (see gemm)
		bash tools/llama-vm.sh --timeout 7200 --param job_timeout_ms=30000 --param job_max_ms=0 \
			--data "$models/stories260K.gguf" \
			--data "$big" --data llm/bench/llama-bench.sh \
			--shell "sh llama-bench.sh ${NPU_BENCH_110M_PP:-64} ${NPU_BENCH_110M_TG:-32} ${NPU_BENCH_110M_REPS:-2}" ;;
	roofline)
		bash tools/roofline.sh "$NPU_BUILD/bench/submit.log" ;;
	*)
		echo "bench: unknown benchmark $b (submit, gemm, llm, llama or roofline)" >&2; exit 64 ;;
	esac
done
