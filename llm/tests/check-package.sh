#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Peer packages from the command line, on models generated at test time.
#
# usage: check-package.sh pack|bad|run <npu-llm> <npu-llm-pack> <gen-model> <work dir> [<gguf-list>]
#
#   pack  npu-llm-pack writes one GGUF file per die (1 and 2 dies, fp16
#         and int8) that llama.cpp's own GGUF reader lists (gguf-list, when
#         built), the same package from the same weights whatever the
#         source format, and refuses inconsistent requests with a message
#         and exit code 1
#   bad   broken packages (a die's file missing, truncated, corrupt, of
#         another package or another die; edited metadata) are refused,
#         naming the file and what is wrong
#   run   npu-llm on a package, on a host without NPU: clear errors, never
#         the cpu (the package's weights exist only converted for the NPU)
set -u
. "$(dirname "$0")/tap.sh"
mode=$1 llm=$(abs "$2") pack=$(abs "$3") gen=$(abs "$4") work=$(abs "$5")/package-$1
list=${6:+$(abs "$6")}

rm -rf "$work"
mkdir -p "$work" || exit 1
cd "$work" || exit 1

gen() { "$gen" "$@" >/dev/null || { echo "Bail out! gen-model $*"; exit 1; }; }
mkpack() { "$pack" -q "$@" 2>err || { cat err; echo "Bail out! npu-llm-pack $*"; exit 1; }; }

# the offset of the value of metadata key $2 (a regex, with its type byte) in file $1
kv_at() { echo $(($(grep -obUaP "$2" "$1" | head -n 1 | cut -d: -f1) + $3)); }

# poke FILE OFFSET OCTAL-ESCAPES: bytes written at OFFSET
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }

# byte $2 of file $1 changed
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	poke "$1" "$2" "$(printf '\\%03o' $(((b + 1) % 256)))"
}

case $mode in
pack)
	gen bin shared t.bin t.tok
	gen gguf f32 t.gguf
	gen gguf q8_0 t-q8_0.gguf
	for dies in 1 2; do
		for dt in fp16 int8; do
			p=p-$dies-$dt
			run "pack $dies die(s) $dt" "$pack" t.bin -z t.tok --dies $dies --dtype $dt -o $p || continue
			check "$p: progress per tensor with percentages" grep -q '^npu-llm-pack: \[ *[0-9.]*%\] npu.blk.1.ffn_in 192x64' err
			check "$p: one GGUF file per die, no more, no temporary files" \
				sh -c "[ \$(ls $p-d*.gguf | wc -l) = $dies ] && [ \"\$(head -c 4 $p-d0.gguf)\" = GGUF ] && ! ls *.tmp 2>/dev/null | grep -q ."
			run "$p: --check" "$pack" --check $p-d0.gguf
			check "$p: --check reports every die" [ "$(grep -c 'data hash ok' out)" = $dies ]
			check "$p: --check names the config" grep -q "$dt package for $dies die(s): dim 64, hidden 96, layers 2, heads 4, kv heads 2, vocab 300, seq 64" out
			if [ -n "$list" ]; then
				d=0
				while [ $d -lt $dies ]; do
					f=$p-d$d.gguf
					n=$([ $dt = int8 ] && echo 24 || echo 15)
					run "$f: llama.cpp's GGUF reader lists it" "$list" $f &&
					check "$f: $n tensors, npu.die $d of $dies, npu.dtype $dt, npu.cut" \
						sh -c "grep -qx 'tensors: $n' out && grep -qx 'npu.die = $d' out &&
						       grep -qx 'npu.dies = $dies' out && grep -qx 'npu.dtype = $dt' out &&
						       grep -qx 'npu.cut = \[$((9 * (dies + 1))) x u32\]' out"
					check "$f: the matmul slices are $( [ $dt = int8 ] && echo i8 || echo f16), the rest f32" \
						sh -c "grep -q '^tensor npu.blk.0.qkv $([ $dt = int8 ] && echo i8 || echo f16) ' out && grep -q '^tensor token_embd.weight f32 ' out"
					d=$((d + 1))
				done
			fi
		done
	done
	if [ -n "$list" ]; then
		"$list" p-2-fp16-d1.gguf >out 2>err
		check "2 dies: die 1 has qkv rows 64..127 and classifier rows 160..299" \
			sh -c "grep -q '^tensor npu.blk.0.qkv f16 \[64, 64\]' out && grep -q '^tensor npu.output f16 \[64, 140\]' out"
	fi
	mkpack t.bin -z t.tok --dies 2 -o again
	check "the same model packs to the same files twice" \
		sh -c 'cmp -s p-2-fp16-d0.gguf again-d0.gguf && cmp -s p-2-fp16-d1.gguf again-d1.gguf'
	mkpack t.gguf --dies 2 -o from-gguf
	mkpack t-q8_0.gguf --dies 2 -o from-q8_0
	check "GGUF F32 and Q8_0 of the same weights give the llama2.c file's tensors" \
		sh -c 'for d in 0 1; do for f in from-gguf from-q8_0; do
			tail -c 150000 p-2-fp16-d$d.gguf >a; tail -c 150000 $f-d$d.gguf >b
			cmp -s a b || exit 1; done; done'
	check "npu.source names the GGUF" grep -qa 'gguf t-q8_0.gguf' from-q8_0-d0.gguf
	"$pack" t.bin -z t.tok -q -o quiet >out 2>err
	check "-q: silent" sh -c '[ ! -s out ] && [ ! -s err ] && [ -s quiet-d0.gguf ]'

	# refusals
	expect_fail "--dies 3: a die without rows" \
		"--dies 3: blk.0.attn_out has 64 rows, 2 whole 32-row tile\(s\).*at most 2 dies" \
		"$pack" t.bin -z t.tok --dies 3 -o d3
	check "--dies 3 wrote nothing" sh -c '! ls d3* 2>/dev/null | grep -q .'
	expect_fail "--dies 0" "--dies 0: expected 1 to 8" "$pack" t.bin -z t.tok --dies 0 -o x
	expect_fail "--dies 9" "--dies 9: expected 1 to 8" "$pack" t.bin -z t.tok --dies 9 -o x
	expect_fail "--dtype fp8" "--dtype fp8: expected fp16 or int8" "$pack" t.bin -z t.tok --dtype fp8 -o x
	expect_fail "no output" "no output given" "$pack" t.bin -z t.tok
	expect_fail "no model" "no model given" "$pack" -o x
	expect_fail "output in a missing directory" "cannot write /nonexistent/dir/x-d0.gguf: No such file or directory" \
		"$pack" t.bin -z t.tok -o /nonexistent/dir/x
	expect_fail "output under a file" "cannot write t.bin/x-d0.gguf: Not a directory" "$pack" t.bin -z t.tok -o t.bin/x
	expect_fail "output prefix without a name" "needs a file name part" "$pack" t.bin -z t.tok -o out/
	expect_fail "no tokenizer for a llama2.c checkpoint" "needs its tokenizer: give it with -z" "$pack" t.bin -o x
	expect_fail "a package is not a model" "p-2-fp16-d0.gguf is a peer package already" "$pack" p-2-fp16-d0.gguf -o x
	expect_fail "--check of a plain GGUF" "t.gguf is a GGUF model, not a peer package" "$pack" --check t.gguf
	expect_fail "missing model" "nothere.bin: No such file" "$pack" nothere.bin -z t.tok -o x
	expect_fail "unknown flag" "--bogus: unknown option" "$pack" t.bin --bogus
	# a weight of 1e6 in blk.0.attn_q: 28-byte header, token_embd 300x64, rms_att 2x64
	cp t.bin big.bin
	printf '\000\044\164\111' | dd of=big.bin bs=1 seek=$((28 + (300 * 64 + 2 * 64) * 4 + 4 * 70)) conv=notrunc 2>/dev/null
	expect_fail "a weight fp16 cannot hold" "blk.0.qkv: weight blk.0.attn_q\[1\]\[6\] = 1e\+06 does not fit in fp16" \
		"$pack" big.bin -z t.tok -o big
	check "the refused conversion left no files" sh -c '! ls big-d* 2>/dev/null | grep -q .'
	run "int8 holds it" "$pack" big.bin -z t.tok --dtype int8 -q -o big
	;;
bad)
	gen bin shared t.bin t.tok
	gen bin untied u.bin u.tok
	mkpack t.bin -z t.tok --dies 2 --dtype int8 -o p
	mkpack u.bin -z u.tok --dies 2 --dtype int8 -o u
	"$pack" --check p-d0.gguf >out 2>err || { cat err; echo "Bail out! the good package fails"; exit 1; }

	# a fresh copy of the package in directory case/
	fresh() { rm -rf case && mkdir case && cp p-d0.gguf p-d1.gguf case/; }
	bad() {	# NAME REGEX: the package in case/ must be refused
		expect_fail "$1" "$2" "$pack" --check case/p-d0.gguf
	}
	# edited FILE KEY-REGEX OFFSET BYTES: a fresh copy, FILE's bytes at the key + OFFSET changed
	edited() { fresh; poke "case/$1" "$(kv_at "$1" "$2" "$3")" "$4"; }

	fresh; rm case/p-d1.gguf
	bad "a die's file missing" "case/p-d1.gguf: No such file or directory"
	fresh; flip case/p-d1.gguf $(($(wc -c <p-d1.gguf) - 100))
	bad "a byte changed in die 1's tensors" "case/p-d1.gguf: the tensor data hashes to [0-9a-f]{16}, npu.data_hash says [0-9a-f]{16}: the file is corrupt"
	fresh; head -c 30000 p-d0.gguf >case/p-d0.gguf
	bad "die 0's file truncated" "case/p-d0.gguf: truncated"
	fresh; cp p-d1.gguf case/p-d0.gguf; cp p-d0.gguf case/p-d1.gguf
	bad "files swapped" "case/p-d0.gguf is die 1's file of a package for 2 dies: give die 0's"
	fresh; cp u-d1.gguf case/p-d1.gguf
	bad "die 1's file of another package" "case/p-d1.gguf: npu.package_hash [0-9a-f]{16}, die 0's file says [0-9a-f]{16}: a file of another package"
	edited p-d1.gguf 'llama\.feed_forward_length\x04' 29 '\200'
	bad "die 1's config edited" "case/p-d1.gguf: its llama.\* hyperparameters differ from die 0's"
	edited p-d0.gguf 'llama\.feed_forward_length\x04' 29 '\200'
	bad "die 0's config edited" "case/p-d0.gguf: npu.cut: blk.0.ffn_in \(256 rows\) starts the dies' rows at 0 96 192 \(and ends\), but libnpu's npu_gemm_cut\(\) at 0 128 256"
	edited p-d0.gguf 'npu\.cut\x09' 23 '\100'
	bad "npu.cut not libnpu's" "case/p-d0.gguf: npu.cut: blk.0.qkv \(128 rows\) starts the dies' rows at 64 64 128 \(and ends\), but libnpu's npu_gemm_cut\(\) at 0 64 128"
	edited p-d0.gguf 'npu\.dtype\x08' 21 'fp16'
	bad "npu.dtype edited" "case/p-d0.gguf: 24 tensors, a fp16 package of 2 layers for 2 dies has 15 in each die's file"
	edited p-d0.gguf 'npu\.dies\x04' 12 '\014'
	bad "npu.dies 12" "case/p-d0.gguf: metadata 'npu.dies' = 12 out of range 1..8"
	edited p-d1.gguf 'npu\.die\x04' 11 '\000'
	bad "die 1's file says die 0" "case/p-d1.gguf: npu.die 0 of 2 dies, int8: expected die 1 of die 0's 2, int8"
	edited p-d0.gguf '\x0d\x00{7}npu\.blk\.0\.qkv' 8 'NPU'
	bad "a tensor renamed" "case/p-d0.gguf: missing tensor 'npu.blk.0.qkv'"
	fresh; cp case/p-d0.gguf case/other.gguf
	expect_fail "die 0's file under another name" "case/other.gguf: a package for 2 dies, but the file is not named <prefix>-d0.gguf" \
		"$pack" --check case/other.gguf
	fresh
	expect_fail "die 1's file given" "case/p-d1.gguf is die 1's file of a package for 2 dies: give die 0's" \
		"$pack" --check case/p-d1.gguf
	;;
run)
	gen bin shared t.bin t.tok
	mkpack t.bin -z t.tok --dies 2 -o p
	mkpack t.bin -z t.tok --dies 1 --dtype int8 -o p1
	expect_fail "--device cpu needs the source model" \
		"p-d0.gguf is a peer package, weights converted for the NPU \(fp16, cut for 2 die\(s\)\): --device cpu needs the model it was made from" \
		"$llm" p-d0.gguf --device cpu -n 8
	# die 200 is nowhere: the package runs on the NPU by default, and fails there
	expect_fail "a package runs on the NPU: no NPU here" "^npu-llm: npu: no NPU" "$llm" p-d0.gguf --npu 200 -n 8
	expect_fail "one-die int8 package, no NPU here" "^npu-llm: npu: no NPU" "$llm" p1-d0.gguf --npu 200 -n 8
	expect_fail "--verify needs the source model" "--verify checks the NPU against the cpu reference, which needs the fp32 weights of the model it was made from" \
		"$llm" p-d0.gguf --verify -n 8
	expect_fail "--compare needs the source model" "--compare checks the NPU against the cpu reference" \
		"$llm" p-d0.gguf --device npu --compare -n 8
	expect_fail "--dies against the package" "--dies 1: p-d0.gguf is cut for 2 die\(s\); write one for 1 with npu-llm-pack --dies 1" \
		"$llm" p-d0.gguf --dies 1 -n 8
	expect_fail "--dtype against the package" "--dtype int8: p-d0.gguf holds fp16 weights" \
		"$llm" p-d0.gguf --dtype int8 -n 8
	run "the source model still runs on the cpu" "$llm" t.bin -z t.tok -n 8
	;;
*)
	echo "usage: check-package.sh pack|bad|run <npu-llm> <npu-llm-pack> <gen-model> <work dir>"
	exit 1
	;;
esac

tap_done
