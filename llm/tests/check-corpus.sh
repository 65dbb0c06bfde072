#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The corpus of broken inputs (gen-corpus): every case must make npu-llm
# exit 1 with a message of its own on stderr, never crash, and (in the
# sanitizer build, -Db_sanitize=address,undefined) never make a sanitizer
# report anything.  npu-llm-pack reads every eighth case too.  With
# gen-hf, the safetensors cases too: a two-shard Hugging Face directory
# of the corpus's llama2.c model, its first shard's header broken.
#
# usage: check-corpus.sh <npu-llm> <npu-llm-pack> <gen-corpus> <work dir> [<gen-hf>]
set -u
. "$(dirname "$0")/tap.sh"
llm=$(abs "$1") pack=$(abs "$2") corpus=$(abs "$3") work=$(abs "$4")/corpus
gen_hf=${5:+$(abs "$5")}

rm -rf "$work"
mkdir -p "$work" || exit 1
cd "$work" || exit 1
"$corpus" "$work" >cases || { echo "Bail out! gen-corpus"; exit 1; }
if [ -n "$gen_hf" ]; then
	"$gen_hf" "$work/t.bin" "$work/t.tok" "$work/hf" --shards 2 >/dev/null &&
	"$corpus" "$work" --hf "$work/hf" >st-cases ||
		{ echo "Bail out! gen-corpus --hf"; exit 1; }
	cat st-cases >>cases
fi
# a sanitizer's report fails the case even where the exit code is 1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87:print_stacktrace=1"

# refused NAME PROGRAM ARGS...: exit 1, a "<program>: " message, no report
refused() {
	name=$1 prog=$2; shift 2
	"$@" >out 2>err
	rc=$?
	if grep -qE 'Sanitizer|runtime error:' err; then
		not_ok "$name: sanitizer report (exit code $rc)"
	elif [ $rc -ne 1 ]; then
		not_ok "$name: exit code $rc, expected 1"
	elif ! grep -q "^$prog: " err; then
		not_ok "$name: exit code 1 without a message"
	else
		ok "$name: $(grep -m1 "^$prog: " err)"
	fi
}

i=0
while read -r name model tok; do
	if [ -n "$tok" ]; then set -- "$model" -z "$tok"; else set -- "$model"; fi
	refused "$name" npu-llm "$llm" "$@" -n 8
	if [ $((i % 8)) -eq 0 ]; then
		refused "$name (npu-llm-pack)" npu-llm-pack "$pack" "$@" -o "$work/p" --dies 2
	fi
	i=$((i + 1))
done <cases
check "the corpus has at least 300 cases ($i)" [ "$i" -ge 300 ]
if [ -n "$gen_hf" ]; then
	n=$(wc -l <st-cases)
	check "at least 80 of them safetensors headers ($n)" [ "$n" -ge 80 ]
	check "the intact directory runs" "$llm" "$work/hf" -t 0 -n 8
fi
tap_done
