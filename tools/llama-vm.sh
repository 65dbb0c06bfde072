#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run a tool of the pinned llama.cpp build (tools/llama-cpp.sh) in the test
# VM, unmodified, with libggml-npu loaded through GGML_BACKEND_PATH and
# npu.ko and npu_virtual.ko inserted; the guest kernel log is checked as
# for every VM run.
#
# usage: llama-vm.sh [--data FILE]... [--env NAME=VALUE]... [--param P=V]...
#                    [--timeout SEC] [--no-npu] [--shell 'COMMAND'] -- TOOL [ARGS...]
#   --data FILE      a file for the tool's working directory
#   --env N=V        an environment variable for the tool
#   --shell CMD      run CMD (a shell command in the guest, llama.cpp's
#                    tools on its PATH) instead of TOOL ARGS; repeatable
# Other options go to tools/vm-run.sh.  Exit status: that of vm-run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

vm=() envs=() shells=()
while [ $# -gt 0 ]; do
	case $1 in
	--data|--param|--timeout|--log) vm+=("$1" "$2"); shift 2 ;;
	--no-npu) vm+=("$1"); shift ;;
	--env) envs+=("$2"); shift 2 ;;
	--shell) shells+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ ${#shells[@]} -gt 0 ] || { sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 64; }

llama=$(bash "$here/llama-cpp.sh" path)/build/bin
mod=$NPU_BUILD/llm/ggml-npu/libggml-npu.so
[ -x "$llama/llama-cli" ] || { echo "llama-vm: no llama.cpp build; run tools/llama-cpp.sh" >&2; exit 64; }
[ -f "$mod" ] || { echo "llama-vm: $mod not built (meson -Dllama_cpp_src=...)" >&2; exit 64; }

# Every tool and the CPU backend (llama.cpp loads it from beside the tool).
for t in llama-cli llama-simple llama-bench llama-server llama-perplexity \
	 llama-quantize test-backend-ops; do
	vm+=(--dyn "$llama/$t")
done
# the CPU backend beside the tools, where llama.cpp looks for it
vm+=(--bin "$llama/libggml-cpu.so" --dyn "$mod")

prefix="GGML_BACKEND_PATH=/usr/lib/dyn/libggml-npu.so"
for e in "${envs[@]}"; do prefix+=" $(printf '%q' "$e")"; done
cmds=()
if [ $# -gt 0 ]; then
	cmd="$prefix"
	for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
	cmds+=("$cmd")
fi
for s in "${shells[@]}"; do cmds+=("export $prefix; $s"); done
exec bash "$here/vm-run.sh" "${vm[@]}" -- "${cmds[@]}"
