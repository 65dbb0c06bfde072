#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm on the CPU must print exactly what llama2.c's reference run
# printed for stories260K, greedy, 200 steps, no prompt.
#
# usage: check-reference.sh <npu-llm> <models dir> bin|gguf <work dir>
set -u
llm=$1 models=$2 fmt=$3 work=$4
ref=$models/stories260K.greedy200.txt

fail() { echo "FAIL: $*"; exit 1; }

[ -d "$models" ] || fail "the reference models directory $models is missing:" \
	"it must hold stories260K.bin, stories260K.gguf, tok512.bin and" \
	"stories260K.greedy200.txt (see ../shared/models/README.md next to the source tree)"
case $fmt in
bin)	set -- "$models/stories260K.bin" -z "$models/tok512.bin" ;;
gguf)	set -- "$models/stories260K.gguf" ;;
*)	fail "unknown format $fmt" ;;
esac
for f in "$ref" "$1"; do
	[ -f "$f" ] || fail "reference file $f is missing"
done
[ "$fmt" = gguf ] || [ -f "$3" ] || fail "reference file $3 is missing"

mkdir -p "$work" || fail "cannot create $work"
out=$work/reference-$fmt.out err=$work/reference-$fmt.err
echo "# $llm $* --device cpu -t 0.0 -n 200"
"$llm" "$@" --device cpu -t 0.0 -n 200 >"$out" 2>"$err"
rc=$?
cat "$err"
[ $rc -eq 0 ] || fail "npu-llm exited with $rc"
if ! cmp "$out" "$ref"; then
	diff "$ref" "$out" | head -20
	fail "stdout differs from $ref"
fi
grep -q '^achieved tok/s: [0-9.]*$' "$err" || fail "no 'achieved tok/s' line on stderr"
echo "PASS: stdout is byte for byte $ref ($(wc -c <"$ref") bytes)"
