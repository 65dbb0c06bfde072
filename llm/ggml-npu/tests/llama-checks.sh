#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs in the test VM (tools/llama-vm.sh), in a directory holding
# stories260K.gguf and story.txt: llama.cpp's unmodified tools with
# libggml-npu loaded.  TAP on stdout.
#
#  - test-backend-ops -b NPU0 -o MUL_MAT: every case the backend claims
#    passes, and it claims every weight type it documents;
#  - llama-simple, greedy, 200 tokens, -ngl 99 (layers over both dies):
#    the same text as llama.cpp's CPU backend, both dies at work;
#  - llama-perplexity on story.txt: CPU against one die (fp16, 1 %),
#    against two dies (the same value), and Q8_0 / Q4_0 copies made here
#    with llama-quantize against int8 weights on the NPU (3 %);
#  - llama-server: /v1/models and a completion from inside the guest.
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
show() { echo "# ---- $1"; sed 's/^/# /' "$1" | tail -n "${2:-15}"; }
model=stories260K.gguf
prompt="Once upon a time"

# --- conformance (LLAMA_CHECKS_QUICK=1 leaves it out, for local runs)
if [ "${LLAMA_CHECKS_QUICK:-0}" != 1 ]; then
test-backend-ops -b NPU0 -o MUL_MAT > tbo.log 2>&1
rc=$?
# the summary line of the NPU0 section: "  N/M tests passed"
line=$(sed -n '/^Backend [0-9]*\/[0-9]*: NPU0/,/^Backend [0-9]*\/[0-9]*: /s/^ *\([0-9]*\)\/\([0-9]*\) tests passed.*/\1 \2/p' tbo.log | head -n1)
passed=${line% *} total=${line#* }
unsup=$(grep -c 'not supported \[NPU0\]' tbo.log)
echo "# test-backend-ops -o MUL_MAT on NPU0: ${passed:-?} of ${total:-?} cases passed, $unsup not supported"
if [ "$rc" = 0 ] && [ -n "$line" ] && [ "$passed" = "$total" ] && [ "$passed" -gt 0 ]; then
	ok "test-backend-ops MUL_MAT: all $passed cases the backend claims pass"
else
	not_ok "test-backend-ops MUL_MAT (status $rc)"; grep -E 'FAIL|error' tbo.log | head -n 20 | sed 's/^/# /'
fi
for t in f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q4_K q5_K q6_K; do
	c=$(grep -c "MUL_MAT(type_a=$t,.*OK" tbo.log)
	check "test-backend-ops: weights of type $t run on the NPU ($c cases)" [ "$c" -gt 0 ]
done
fi

# --- text: the CPU backend against the NPU (both dies)
llama-simple -m $model -n 200 -ngl 0 "$prompt" > cpu.txt 2> cpu.err
rc_cpu=$?
GGML_NPU_STATS=1 llama-simple -m $model -n 200 -ngl 99 "$prompt" > npu.txt 2> npu.err
rc_npu=$?
echo "# CPU: $(head -c 120 cpu.txt | tr '\n' ' ')"
check "llama-simple on the CPU backend ran" [ "$rc_cpu" = 0 -a -s cpu.txt ]
check "llama-simple -ngl 99 on the NPU ran" [ "$rc_npu" = 0 -a -s npu.txt ]
if cmp -s cpu.txt npu.txt; then
	ok "llama-simple: 200 greedy tokens on the NPU equal the CPU backend's"
else
	not_ok "llama-simple: NPU text differs from the CPU's"; show npu.txt 5; show npu.err 30
fi
grep 'NPU[01]: .* matmuls' npu.err | sed 's/^/# /'
for d in 0 1; do
	m=$(sed -n "s/.*NPU$d: \([0-9]*\) matmuls.*/\1/p" npu.err | head -n1)
	check "NPU$d ran matmuls of the model (${m:-0}) and packed its layers' weights" \
		[ "${m:-0}" -gt 0 ]
done

# --- perplexity
ppl() {	# ppl LOG: the final estimate
	sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p' "$1" | tail -n1
}
within() {	# within A B PERCENT
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && b > 0 && d <= a * p / 100) }'
}
run_ppl() {	# run_ppl NAME MODEL ARGS...: PPL of the run into $NAME.ppl
	name=$1 m=$2; shift 2
	llama-perplexity -m "$m" -f story.txt -c 128 -b 128 "$@" > "$name.log" 2>&1
	ppl "$name.log" > "$name.ppl"
	[ -s "$name.ppl" ] || { echo "# $name: no perplexity"; show "$name.log" 20; }
}
run_ppl cpu $model -ngl 0
run_ppl npu1 $model -ngl 99 -dev NPU0
run_ppl npu2 $model -ngl 99 -dev NPU0,NPU1 -sm layer
echo "# perplexity of story.txt, F32 model: CPU $(cat cpu.ppl), NPU0 fp16 $(cat npu1.ppl), NPU0+NPU1 fp16 $(cat npu2.ppl)"
check "perplexity: fp16 on the NPU within 1 % of the CPU" within "$(cat cpu.ppl)" "$(cat npu1.ppl)" 1
check "perplexity: two dies (-sm layer) give the value of one" cmp -s npu1.ppl npu2.ppl
[ -s npu1.ppl ] || not_ok "perplexity on one die gave no value"

for q in Q8_0 Q4_0; do
	llama-quantize $model "$q.gguf" $q > "quant-$q.log" 2>&1 ||
		{ not_ok "llama-quantize $q"; show "quant-$q.log"; continue; }
	run_ppl "cpu-$q" "$q.gguf" -ngl 0
	GGML_NPU_DTYPE=int8 run_ppl "npu-$q" "$q.gguf" -ngl 99 -dev NPU0
	echo "# perplexity, $q model: CPU $(cat "cpu-$q.ppl"), NPU0 int8 $(cat "npu-$q.ppl")"
	check "perplexity: $q weights as int8 on the NPU within 3 % of the CPU" \
		within "$(cat "cpu-$q.ppl")" "$(cat "npu-$q.ppl")" 3
done

# --- server, on the guest's loopback
jobs_done() {	# NPU jobs the kernel ran so far, all dies (sysfs counters)
	cat /sys/bus/platform/devices/npu-virtual.*/npu/core*_jobs 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}
jobs0=$(jobs_done)
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
GGML_NPU_STATS=1 llama-server -m $model -ngl 99 --host 127.0.0.1 --port 8080 > server.log 2>&1 &
spid=$!
up=0
for i in $(seq 1 120); do
	if wget -q -O health.json http://127.0.0.1:8080/health 2>/dev/null; then up=1; break; fi
	sleep 1
done
check "llama-server answers /health" [ $up = 1 ]
wget -q -O models.json http://127.0.0.1:8080/v1/models
check "llama-server: GET /v1/models lists the model" grep -q stories260K models.json
wget -q -O completion.json --header 'Content-Type: application/json' \
	--post-data '{"prompt": "Once upon a time", "max_tokens": 16, "temperature": 0}' \
	http://127.0.0.1:8080/v1/completions
echo "# completion: $(head -c 300 completion.json)"
check "llama-server: POST /v1/completions answered with text" grep -q '"text"' completion.json
jobs1=$(jobs_done)
kill $spid 2>/dev/null
wait $spid 2>/dev/null
echo "# NPU jobs during the server's run: $((jobs1 - jobs0))"
check "llama-server ran its matmuls on the NPU (sysfs job counters moved)" [ $((jobs1 - jobs0)) -gt 0 ]

echo "1..$n"
[ $fails = 0 ]
