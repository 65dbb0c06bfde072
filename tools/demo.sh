#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Set up everything and run the demo: build npu.ko, npu_virtual.ko and the
# userspace, boot the Debian 6.12 kernel in QEMU, insmod the modules and
# run npu-llm on the virtual NPU: a story from stories260K with every
# matmul on the NPU, then its statistics (submits per token, per-core busy
# time from fdinfo) and the per-core job counters of sysfs before and
# after.  Then llama.cpp, unmodified, on the same model's GGUF with
# libggml-npu: -ngl 99 puts its layers on both dies, and the backend says
# what it ran.
#
# Environment: NPU_MODEL, NPU_TOKENIZER (default: stories260K.bin and
# tok512.bin in ../shared/models), NPU_DTYPE (fp16|int8), NPU_STEPS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
cd "$NPU_TOP"

step() { printf '\n==== %s\n' "$*"; }
step "setup (apt packages, Debian 6.12 kernel into $NPU_CACHE)"
bash tools/setup.sh
npu_kernel_paths amd64

step "build userspace"
opts=(-Dkselftest_dir="$KSRC/tools/testing/selftests"
      -Dllama_cpp_src="$(bash tools/llama-cpp.sh path)/src")
# --reconfigure: an old build dir learns new options too
[ -f "$NPU_BUILD/build.ninja" ] && opts+=(--reconfigure)
meson setup "$NPU_BUILD" "${opts[@]}" >/dev/null
ninja -C "$NPU_BUILD" >/dev/null

step "build npu.ko and npu_virtual.ko against $KREL"
bash tools/build-module.sh >/dev/null

# The model: stories260K from the shared models directory next to the
# clone, or NPU_MODEL/NPU_TOKENIZER; without one, a dummy model.
models=${NPU_MODELS:-$NPU_TOP/../shared/models}
model=${NPU_MODEL:-$models/stories260K.bin}
tokenizer=${NPU_TOKENIZER:-$models/tok512.bin}
counters='for f in /sys/bus/platform/devices/npu-virtual.0/npu/core*_jobs; do echo "  $(basename $f): $(cat $f)"; done'
if [ -f "$model" ] && [ -f "$tokenizer" ]; then
	data=(--data "$model" --data "$tokenizer")
	run="npu-llm $(basename "$model") -z $(basename "$tokenizer") --device npu --dtype ${NPU_DTYPE:-fp16} -t 0 -n ${NPU_STEPS:-200}"
else
	cat <<EOF

No model at $model.
llama2.c checkpoints and their tokenizers are published with llama2.c
(Karpathy's stories15M.bin, stories42M.bin, stories110M.bin with
tokenizer.bin; stories260K.bin with tok512.bin).  Put one there, or give
NPU_MODEL=/path/model.bin NPU_TOKENIZER=/path/tokenizer.bin.

Running a DUMMY model instead (random weights): its text is meaningless,
the NPU work is real.
EOF
	data=()
	run="npu-llm --load-format dummy --config 288,768,6,6,6,32000,256 --device npu --dtype ${NPU_DTYPE:-fp16} -n 16"
fi

step "boot the VM, insmod npu.ko and npu_virtual.ko, run npu-llm on the virtual NPU"
bash tools/vm-run.sh --timeout 900 --bin "$NPU_BUILD/tools/npu-query" \
	--bin "$NPU_BUILD/llm/npu-llm" "${data[@]}" \
	'npu-query' \
	"echo 'jobs per core before:'; $counters" \
	"echo '\$ $run'; $run" \
	"echo 'jobs per core after:'; $counters"

gguf=$models/stories260K.gguf
[ -f "$gguf" ] || { echo "No $gguf: the llama.cpp part needs it."; exit 0; }
step "boot the VM, insmod npu.ko and npu_virtual.ko, run llama.cpp's llama-simple with libggml-npu (-ngl 99)"
exec bash tools/llama-vm.sh --timeout 900 --data "$gguf" --env GGML_NPU_STATS=1 -- \
	llama-simple -m stories260K.gguf -ngl 99 -n 120 "Once upon a time"
