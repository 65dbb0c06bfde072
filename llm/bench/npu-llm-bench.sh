#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm throughput, in one run on one machine (the test VM): tokens/s on
# the CPU (fp32 reference) and on the NPU (fp16, int8), on stories260K
# and on a dummy model of stories110M's shape, on one die and on two
# (peer mode), with submits per token,
# the share of the run spent in driver overhead (submit and wait beyond
# the time the device itself needed) and the peak resident set (npu-llm's
# own figure, else busybox time's maximum RSS); for the 110M shape also
# npu-llm's count of activations copied per token, and what the run
# holds: resident memory (VmRSS, and the peak VmHWM of loading) plus the
# device buffers (fdinfo), against the packed weights plus the KV cache
# (the goal: at most 1.15x).  Ratios are against the CPU run of the same
# model in the same run.  Figures only; nothing is asserted.
#
# usage (in the guest, next to stories260K.bin and tok512.bin):
#   sh npu-llm-bench.sh [npu-llm] [steps of stories260K] [steps of 110M]
set -u
rm -f mem.txt
llm=${1:-npu-llm}
steps_small=${2:-100}
steps_big=${3:-4}
big=768,2048,12,12,12,32000,1024
# busybox time -v reports the maximum RSS of what it runs
timev=
if time -v true >/dev/null 2>&1; then timev="time -v"; fi

# one run: label, args...; prints a table row
row() {
	label=$1; shift
	printf '# %s\n' "$*" >&2
	# shellcheck disable=SC2086
	if ! $timev "$llm" "$@" >/dev/null 2>err; then
		printf '%-30s  failed: %s\n' "$label" "$(grep -m1 'npu-llm:' err)"
		return
	fi
	tps=$(grep -m1 '^achieved tok/s:' err | sed 's/.*: //')
	subs=$(grep -m1 'submits/token:' err | sed 's|.*submits/token: \([0-9.]*\).*|\1|')
	ovh=$(grep -m1 'driver overhead:' err | sed 's|.*us/token, \([0-9.]*\)% of the run.*|\1|')
	busy=$(grep -m1 'busy (fdinfo)' err | sed 's|.*all \([0-9.]*\) ms.*|\1|')
	rss=$(grep -m1 'stats: memory:' err | sed -n 's|.*peak \([0-9.]*\) MiB.*|\1|p')
	if [ -z "$rss" ]; then
		rss=$(grep -m1 'Maximum resident set size' err |
			awk '{ printf "%.1f", $NF / 1024 }')
	fi
	case $label in *cpu*) base=$tps ;; esac
	case $label in *110M*) mem_row "$label" ;; esac
	ratio=$(awk -v a="${tps:-0}" -v b="${base:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
	printf '%-30s %10s %8s %10s %10s %12s %12s\n' "$label" "${tps:--}" "$ratio" \
		"${subs:--}" "${ovh:+$ovh%}" "${busy:+$busy ms}" "${rss:+$rss MiB}"
	case $label in
	*110M*npu*|*npu*110M*)
		act=$(grep -i -m1 'activation' err | sed 's/^npu-llm: stats: //')
		case $label in *int8*) ein=1 ;; *) ein=2 ;; esac
		printf '%-30s   activations: %s; one copy each way: %s MB/token\n' "" \
			"${act:-n.a. (this npu-llm does not count them)}" \
			"$(act_min "$big" "$ein")" ;;
	esac
}

# The activation bytes of one token's matmuls copied once each way: A in
# (ein bytes an element: 2 fp16, 1 int8) and C out (4 bytes: fp32 or
# int32), for the fused q/k/v, o, w1+w3 and w2 of every layer and the
# classifier; the reference for npu-llm's count.  $1: the --config
# dim,hidden,layers,heads,kv heads,vocab,seq
act_min() {
	echo "$1" | awk -F, -v ein="$2" '{
		d = $1; f = $2; L = $3; kvd = d * $5 / $4; v = $6
		in_b = (3 * d + f) * ein; out_b = (3 * d + 2 * kvd + 2 * f) * 4
		printf "%.3f", (L * (in_b + out_b) + d * ein + v * 4) / 1e6
	}'
}

# the footprint line of the last run (err), for the memory table
mem_row() {
	f=$(grep -m1 'stats: footprint: resident' err)
	peak=$(grep -m1 'stats: memory: resident' err | sed 's/.*peak \([0-9.]*\) MiB.*/\1/')
	[ -n "$f" ] || return
	echo "$f" | sed 's/.*resident \([0-9.]*\) MiB.*device buffers \([0-9.]*\) MiB = \([0-9.]*\) MiB; \([a-z]*\) weights \([0-9.]*\) MiB + KV cache \([0-9.]*\) MiB.*ratio \([0-9.]*\);.*host-side weights \([0-9.]*\) MiB.*/\1 \2 \3 \4 \5 \6 \7 \8/' |
	while read -r res dev tot kind w kv ratio host; do
		printf '%-30s %9s %9s %9s %9s %13s %8s %10s %7s\n' "$1" "$res" "$peak" \
			"$dev" "$tot" "$w ($kind)" "$kv" "$host" "${ratio}x"
	done >>mem.txt
}

header() {
	printf '\n%s\n' "$1"
	printf '%-30s %10s %8s %10s %10s %12s %12s\n' run tok/s "vs cpu" submits/tok overhead "npu busy" "peak RSS"
}

header "stories260K, greedy, $steps_small steps"
small="stories260K.bin -z tok512.bin -t 0 -n $steps_small"
row "cpu fp32" $small --device cpu
row "npu fp16 (3 cores)" $small --device npu --dtype fp16
row "npu int8 (3 cores)" $small --device npu --dtype int8
row "npu int8 (1 core)" $small --device npu --dtype int8 --cores 1
row "npu fp16 (2 dies, peer)" $small --device npu --dtype fp16 --dies 2
row "npu int8 (2 dies, peer)" $small --device npu --dtype int8 --dies 2

header "dummy stories110M shape ($big), $steps_big steps"
dummy="--load-format dummy --config $big -n $steps_big -s 1"
row "cpu fp32 (110M)" $dummy --device cpu
row "npu fp16 (110M)" $dummy --device npu --dtype fp16
row "npu int8 (110M)" $dummy --device npu --dtype int8
row "npu int8 (110M, 2 dies)" $dummy --device npu --dtype int8 --dies 2

printf '\nmemory at the 110M shape, MiB (after packing; peak: VmHWM, loading included)\n'
printf '%-30s %9s %9s %9s %9s %13s %8s %10s %7s\n' run resident peak device total weights "KV" "host wts" ratio
cat mem.txt 2>/dev/null
rm -f mem.txt
printf 'goal: total (resident + device buffers) at most 1.15x the packed weights + KV cache\n'
