#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm on the (virtual) NPU, in the test VM: the accuracy gates and the
# proof that the NPU did the work.  Prints TAP.
#
# usage (in the guest, in a directory holding npu-llm's model files):
#   sh npu-llm-vm.sh [npu-llm]
#
#   1-2  fp16, greedy, 200 steps, from the .bin and the .gguf: stdout is
#        byte for byte stories260K.greedy200.txt
#   3    the statistics show the NPU did it: submits per token > 0 and the
#        per-core busy counters of fdinfo moved
#   4    int8, the CPU's greedy tokens teacher-forced for 200 steps: top-1
#        agreement with the CPU >= 95 %; the mean KL divergence is printed
#   5    fp16 teacher-forced: the divergence report (first divergent step
#        and logit margin, or none)
#   6-7  --verify on a dummy model of odd shapes, fp16 and int8: every GEMM
#        within the tolerance
#   8    a classifier wider than one task's 14-bit kernel count (N > 16383)
#   9    a die that does not exist: exit 1 and a message, nothing run
#   10   peer mode, --dies 2: fp16 greedy equals the reference; both dies
#        opened, both dies' memory used about equally, both dies busy
#   11   peer mode's driver overhead with 20 ms virtual tasks is above
#        0 % and below 100 % of the run: the two dies' device time counts
#        once where they overlap (added up, it exceeded submit + wait and
#        the figure read 0.0 %)
#   12   peer mode int8 gives the same text as single-die int8
#   13   npu-llm-pack packs stories260K.bin for 2 dies, fp16, in the guest:
#        one GGUF file per die, --check verifies both
#   14   the package runs: fp16 greedy equals the reference; both dies
#        opened, both dies' memory in use and both busy (the stats)
#   15   the same seen from outside, while the package is loaded:
#        /proc/<pid>/fd holds both /dev/accel nodes, and both fds' fdinfo
#        show resident memory
#   16   a 1-die int8 package prints what the direct int8 load prints
#   17-18 bad packages: a changed byte (data hash) and a die's file
#        missing: exit 1 and a message naming the file, nothing on stdout
#   19   weights held once: on a dummy model of 109 MiB of fp32 weights
#        (tied classifier), fp16 and int8, the resident memory after
#        packing is under a quarter of them and the embedding is read from
#        the device; with the fp32 copies kept it would exceed them
#   20   --keep-embedding (the host's exact fp32 embedding) still gives
#        the reference text in fp16
set -u
llm=${1:-npu-llm}
pack=${2:-npu-llm-pack}
ref=stories260K.greedy200.txt
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"
	[ -f err ] && tail -n 15 err | sed 's/^/#   /'
}

fp16_reference() {	# name, model args...
	name=$1; shift
	if "$llm" "$@" --device npu --dtype fp16 -t 0 -n 200 >out 2>err &&
	   cmp -s out "$ref"; then
		ok "fp16 greedy from $name equals $ref ($(wc -c <out) bytes)"
	else
		not_ok "fp16 greedy from $name differs from $ref"
		diff "$ref" out 2>/dev/null | head -n 6 | sed 's/^/#   /'
	fi
}

for f in stories260K.bin stories260K.gguf tok512.bin "$ref"; do
	[ -f "$f" ] || { echo "Bail out! $f is missing"; exit 1; }
done
echo "1..20"

fp16_reference stories260K.bin stories260K.bin -z tok512.bin
cp err fp16.err
tps_one=$(sed -n 's/^achieved tok\/s: //p' err)
fp16_reference stories260K.gguf stories260K.gguf

# 3: the NPU did the matmuls (from the .bin run above)
mv fp16.err err
submits=$(grep -m1 'submits/token:' err | sed 's|.*submits/token: *\([0-9.]*\).*|\1|')
busy=$(grep -m1 'busy (fdinfo)' err | sed 's/.* all \([0-9.]*\) ms.*/\1/')
cores_moved=$(grep -m1 'busy (fdinfo)' err | grep -o 'core[0-9]* [0-9.]* ms' |
	awk '$2 > 0 { c++ } END { print c + 0 }')
if awk "BEGIN { exit !(${submits:-0} > 0 && ${busy:-0} > 0) }" && [ "$cores_moved" -ge 1 ]; then
	ok "the NPU did the work: $submits submits/token, $busy ms busy on $cores_moved cores"
else
	not_ok "no sign of NPU work: submits/token '${submits:-}', busy '${busy:-}' ms"
fi
grep 'npu-llm: stats:' err | sed 's/^/# /'

# 4: int8 teacher-forced
if "$llm" stories260K.bin -z tok512.bin --device npu --dtype int8 --compare \
	-n 200 >out 2>err; then
	agree=$(grep -m1 'top-1 agreement' err | sed 's/.*(\([0-9.]*\)%).*/\1/')
	line=$(grep -m1 'top-1 agreement' err | sed 's/^npu-llm: compare: //')
	if awk "BEGIN { exit !(${agree:-0} >= 95) }"; then
		ok "int8: $line"
	else
		not_ok "int8 top-1 agreement ${agree:-?}% is below 95%"
	fi
	grep 'first divergence\|no divergence' err | sed 's/^/# /'
else
	not_ok "int8 --compare failed"
fi

# 5: fp16 teacher-forced, for the divergence report
if "$llm" stories260K.bin -z tok512.bin --device npu --dtype fp16 --compare \
	-n 200 >out 2>err && grep -q 'top-1 agreement' err; then
	ok "fp16: $(grep -m1 'top-1 agreement' err | sed 's/^npu-llm: compare: //')"
	grep 'first divergence\|no divergence' err | sed 's/^/# /'
else
	not_ok "fp16 --compare failed"
fi

# 6-7: --verify on odd shapes (dim 72 with 6 heads, hidden 200, vocab 300)
for dt in fp16 int8; do
	if "$llm" --load-format dummy --config 72,200,2,6,3,300,64 -n 8 -s 7 \
		--device npu --dtype $dt --verify >out 2>err &&
	   grep -q 'verify: .*: ok$' err; then
		ok "$dt --verify, dummy 72,200,2,6,3,300: $(grep -m1 'verify:' err | sed 's/.*verify: //')"
	else
		not_ok "$dt --verify on a dummy model"
	fi
done

# 8: a classifier of 20000 rows: more kernels than one task can take
if "$llm" --load-format dummy --config 32,64,1,2,2,20000,16 -n 3 -s 3 \
	--device npu --dtype int8 --verify >out 2>err &&
   grep -q 'verify: .*: ok$' err; then
	ok "int8 --verify with a 20000-row classifier"
else
	not_ok "a 20000-row classifier"
fi

# 9: --npu 7 on a system of two dies
"$llm" stories260K.bin -z tok512.bin --device npu --npu 7 -n 4 >out 2>err
rc=$?
if [ $rc -eq 1 ] && [ ! -s out ] && grep -q 'no NPU die 7: this system has' err; then
	ok "a missing die: $(head -n 1 err)"
else
	not_ok "--npu 7: exit $rc"
fi

# 10: peer mode
if "$llm" stories260K.bin -z tok512.bin --device npu --dies 2 -t 0 -n 200 \
	>out 2>err && cmp -s out "$ref"; then
	grep 'stats: die' err | sed 's/^/# /'
	tps_peer=$(sed -n 's/^achieved tok\/s: //p' err)
	# per die: "<die> <MiB resident> <busy ms>"
	dies=$(grep 'stats: die .* memory (fdinfo)' err |
		sed 's/.*die \([0-9]\) .*, \([0-9.]*\) MiB resident.*/\1 \2/')
	busy=$(grep 'stats: die .* busy (fdinfo)' err | sed 's/.* all \([0-9.]*\) ms.*/\1/' | tr '\n' ' ')
	if echo "$dies" | awk -v busy="$busy" '
		{ mem[$1] = $2; n++ }
		END {
			split(busy, b, " ")
			exit !(n == 2 && mem[0] > 0 && mem[1] > 0 &&
			       mem[0] < 1.5 * mem[1] && mem[1] < 1.5 * mem[0] &&
			       b[1] > 0 && b[2] > 0)
		}'; then
		ok "--dies 2: reference text; both dies opened, holding $(echo $dies | tr '\n' ' ')MiB, busy $busy ms"
	else
		not_ok "--dies 2: dies not both used: '$dies' busy '$busy'"
	fi
else
	not_ok "--dies 2 fp16 greedy differs from $ref"
fi

# 11: peer mode's overhead where the device's time dominates (each task
# of the virtual cores takes 20 ms): the dies run at the same time, so
# their device time added up exceeds submit + wait and the figure read
# 0.0 % until it counted their overlap once
knobs=$(ls /sys/kernel/debug/*/npu-virtual.*/core*/task_delay_us 2>/dev/null)
for k in $knobs; do echo 20000 >"$k"; done
"$llm" stories260K.bin -z tok512.bin --device npu --dies 2 -t 0 -n 12 >out 2>err
rc=$?
for k in $knobs; do echo 0 >"$k"; done
ovh=$(sed -n 's/.*driver overhead: .* us\/token, \([0-9.]*\)% of the run.*/\1/p' err)
if [ $rc -eq 0 ] && [ -n "$knobs" ] && [ -n "$ovh" ] &&
   awk -v o="$ovh" 'BEGIN { exit !(o > 0 && o < 100) }'; then
	ok "--dies 2, 20 ms tasks: driver overhead $ovh % of the run, the dies' overlap counted once"
else
	not_ok "--dies 2, 20 ms tasks: exit $rc, driver overhead '$ovh' % not within (0, 100)"
	grep 'driver overhead' err | sed 's/^/#   /'
fi

# 12: peer int8 = single-die int8
"$llm" stories260K.bin -z tok512.bin --device npu --dtype int8 -t 0 -n 120 >one 2>err
"$llm" stories260K.bin -z tok512.bin --device npu --dtype int8 --dies 2 -t 0 -n 120 >two 2>err
if [ -s one ] && cmp -s one two; then
	ok "--dies 2 int8 prints what one die prints ($(wc -c <one) bytes)"
else
	not_ok "--dies 2 int8 differs from one die"
fi

# "<die> <MiB resident> <busy ms>" of each die in the stats of file $1:
# both dies there, both holding memory, both busy
both_dies_used() {
	mem=$(grep 'stats: die .* memory (fdinfo)' "$1" |
		sed 's/.*die \([0-9]\) .*, \([0-9.]*\) MiB resident.*/\1 \2/')
	busy=$(grep 'stats: die .* busy (fdinfo)' "$1" | sed 's/.* all \([0-9.]*\) ms.*/\1/' | tr '\n' ' ')
	echo "$mem" | awk -v busy="$busy" '
		{ mem[$1] = $2; n++ }
		END {
			split(busy, b, " ")
			exit !(n == 2 && mem[0] > 0 && mem[1] > 0 && b[1] > 0 && b[2] > 0)
		}'
}

# 13: the package, written in the guest
if "$pack" stories260K.bin -z tok512.bin --dies 2 --dtype fp16 -o s260k-peer \
	>out 2>err; then
	tail -n 1 err | sed 's/^/# /'
	if "$pack" --check s260k-peer-d0.gguf >out 2>err &&
	   [ "$(grep -c 'data hash ok' out)" -eq 2 ] && [ ! -e s260k-peer-d2.gguf ]; then
		ok "npu-llm-pack: 2-die fp16 package of stories260K.bin, --check verifies both dies ($(wc -c <s260k-peer-d0.gguf) + $(wc -c <s260k-peer-d1.gguf) bytes)"
	else
		not_ok "npu-llm-pack --check of the 2-die package"
		sed 's/^/#   /' err
	fi
else
	not_ok "npu-llm-pack --dies 2 failed"
fi

# 14: run it
if "$llm" s260k-peer-d0.gguf -t 0 -n 200 >out 2>err && cmp -s out "$ref"; then
	grep 'peer package\|stats: die' err | sed 's/^/# /'
	tps_pkg=$(sed -n 's/^achieved tok\/s: //p' err)
	if grep -q "cut for 2 die(s); every die's data hash verified" err && both_dies_used err; then
		ok "package, 2 dies: reference text; data hashes verified; both dies opened, holding memory and busy"
	else
		not_ok "package, 2 dies: the dies are not both in use"
	fi
else
	not_ok "package, 2 dies: fp16 greedy differs from $ref"
	diff "$ref" out 2>/dev/null | head -n 6 | sed 's/^/#   /'
fi
echo "# tok/s: one die ${tps_one:-?}, --dies 2 ${tps_peer:-?}, 2-die package ${tps_pkg:-?}"

# 15: from outside: chat mode waits for its system prompt once the weights
# are on the dies; look at its fds then, and end it with end of input
rm -f in.fifo chat.out
mkfifo in.fifo
"$llm" s260k-peer-d0.gguf -m chat -n 64 <in.fifo >chat.out 2>chat.err &
pid=$!
exec 3>in.fifo
i=0
while [ $i -lt 120 ] && ! grep -q 'Enter system prompt' chat.out 2>/dev/null; do
	sleep 1; i=$((i + 1))
done
nodes="" mems=""
for fd in /proc/$pid/fd/*; do
	node=$(readlink "$fd" 2>/dev/null) || continue
	case $node in /dev/accel/accel*) ;; *) continue ;; esac
	mem=$(sed -n 's/^drm-resident-memory:[[:space:]]*//p' \
		"/proc/$pid/fdinfo/${fd##*/}" | head -n 1 | tr -d ' ')
	nodes="$nodes $node"
	mems="$mems ${mem:-0}"
done
exec 3>&-
wait $pid
rc=$?
n_nodes=$(echo $nodes | wc -w)
n_mem=$(echo $mems | tr ' ' '\n' | awk '$1 + 0 > 0 { c++ } END { print c + 0 }')
if [ $rc -eq 0 ] && [ "$n_nodes" -eq 2 ] && [ "$n_mem" -eq 2 ] &&
   [ "$(echo $nodes | tr ' ' '\n' | sort -u | wc -l)" -eq 2 ]; then
	ok "/proc/$pid/fd of the loaded package:$nodes; fdinfo drm-resident-memory:$mems"
else
	not_ok "/proc/<pid>/fd: nodes '$nodes', resident '$mems', exit $rc"
	tail -n 5 chat.err | sed 's/^/#   /'
fi

# 16: one die, int8, pre-packed
if "$pack" stories260K.bin -z tok512.bin --dies 1 --dtype int8 -q -o s260k-int8 2>err &&
   "$llm" s260k-int8-d0.gguf -t 0 -n 120 >pkg1 2>err && [ -s one ] && cmp -s one pkg1; then
	ok "1-die int8 package prints what the direct int8 load prints ($(wc -c <pkg1) bytes)"
else
	not_ok "1-die int8 package differs from the direct int8 load"
fi

# 17-18: bad packages
mkdir -p bad
cp s260k-peer-d0.gguf s260k-peer-d1.gguf bad/
printf 'X' | dd of=bad/s260k-peer-d1.gguf bs=1 seek=150000 conv=notrunc 2>/dev/null
"$llm" bad/s260k-peer-d0.gguf -t 0 -n 8 >out 2>err
rc=$?
if [ $rc -eq 1 ] && [ ! -s out ] &&
   grep -q 'bad/s260k-peer-d1.gguf: the tensor data hashes to .*: the file is corrupt' err; then
	ok "a changed byte: $(grep -m1 corrupt err | cut -c1-150)..."
else
	not_ok "a changed byte in die 1's file: exit $rc"
fi
rm bad/s260k-peer-d1.gguf
"$llm" bad/s260k-peer-d0.gguf -t 0 -n 8 >out 2>err
rc=$?
if [ $rc -eq 1 ] && [ ! -s out ] &&
   grep -q 'bad/s260k-peer-d1.gguf: No such file' err; then
	ok "a die's file missing: $(grep -m1 'No such' err)"
else
	not_ok "a die's file missing: exit $rc"
fi

# 18: each weight once.  512,1536,6 layers,16000 tied: 28639232 fp32
# weights, 109.2 MiB; what stays on the host is the norms, the
# activations and the program.
mem_ok=1 mem_msg=
for dt in fp16 int8; do
	if "$llm" --load-format dummy --config 512,1536,6,8,8,16000,256 -n 3 -s 5 \
		--device npu --dtype $dt >out 2>err; then
		res=$(sed -n 's/.*stats: memory: resident \([0-9.]*\) MiB.*/\1/p' err)
		foot=$(grep -m1 'stats: footprint: resident' err | sed 's/^npu-llm: stats: footprint: //')
		if ! awk "BEGIN { exit !(${res:-999} < 109.2 / 4) }" ||
		   ! grep -q 'embedding read from the packed classifier' err; then
			mem_ok=0
		fi
		mem_msg="$mem_msg $dt: resident ${res:-?} MiB;"
		echo "# $dt: $foot"
	else
		mem_ok=0 mem_msg="$mem_msg $dt: exit $?;"
	fi
done
if [ $mem_ok = 1 ]; then
	ok "weights held once (109.2 MiB of fp32 weights):$mem_msg"
else
	not_ok "host copies of the weights kept after packing:$mem_msg"
fi

# 19
if "$llm" stories260K.bin -z tok512.bin --device npu --dtype fp16 --keep-embedding \
	-t 0 -n 200 >out 2>err && cmp -s out "$ref" &&
   grep -q 'embedding on the host' err; then
	ok "--keep-embedding: fp16 greedy equals $ref"
else
	not_ok "--keep-embedding: fp16 greedy differs from $ref"
fi

[ "$failed" -eq 0 ]
