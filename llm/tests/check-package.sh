#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Peer packages from the command line, on models generated at test time.
#
# usage: check-package.sh pack|bad|run <npu-llm> <npu-llm-pack> <gen-model> <work dir>
#
#   pack  npu-llm-pack writes what the manifest says (1 and 2 dies, fp16
#         and int8; sha256sum agrees with every checksum), the same
#         package from the same weights whatever the source format, and
#         refuses inconsistent requests with a message and exit code 1
#   bad   broken packages (missing or truncated shard, wrong checksum,
#         edited manifest) are refused by the loader, naming the line,
#         the tensor or the file
#   run   npu-llm on a package, on a host without NPU: clear errors, never
#         the cpu (the package's weights exist only converted for the NPU)
set -u
. "$(dirname "$0")/tap.sh"
mode=$1 llm=$(abs "$2") pack=$(abs "$3") gen=$(abs "$4") work=$(abs "$5")/package-$1

rm -rf "$work"
mkdir -p "$work" || exit 1
cd "$work" || exit 1

gen() { "$gen" "$@" >/dev/null || { echo "Bail out! gen-model $*"; exit 1; }; }
mkpack() { "$pack" -q "$@" 2>err || { cat err; echo "Bail out! npu-llm-pack $*"; exit 1; }; }

# the manifest's value of attribute $2 on the first line matching $1
attr() { grep -m1 -E "$1" "$3" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# the shards' checksums and sizes against the manifest, by sha256sum and wc
shards_match() {
	m=$1.manifest
	n=$(sed -n 's/^dies //p' "$m")
	[ "$(grep -c '^shard ' "$m")" = "$n" ] || return 1
	d=0
	while [ $d -lt "$n" ]; do
		f=$(attr "^shard die=$d " file "$m")
		[ "$f" = "$(basename "$1")_d$d.shard" ] || return 1
		[ "$(attr "^shard die=$d " sha256 "$m")" = "$(sha256sum <"$f" | cut -d' ' -f1)" ] || return 1
		[ "$(attr "^shard die=$d " bytes "$m")" = "$(wc -c <"$f" | tr -d ' ')" ] || return 1
		[ "$(head -c 23 "$f")" = "npu-llm-shard 1 die $d/$n" ] || return 1
		d=$((d + 1))
	done
	[ ! -e "$1_d$n.shard" ]
}

# sets the checksum of shard $2 of package $1 to the file's own
reseal() {
	sum=$(sha256sum <"$1_d$2.shard" | cut -d' ' -f1)
	sed -i "s/^\(shard die=$2 .*sha256=\)[0-9a-f]*/\1$sum/" "$1.manifest"
}

# byte $2 of file $1 changed
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

case $mode in
pack)
	gen bin shared t.bin t.tok
	gen gguf f32 t.gguf
	gen gguf q8_0 t-q8_0.gguf
	config='config dim=64 hidden_dim=96 n_layers=2 n_heads=4 n_kv_heads=2 vocab_size=300 seq_len=64 norm_eps=9.99999975e-06 rope_theta=10000'
	for dies in 1 2; do
		for dt in fp16 int8; do
			p=p-$dies-$dt
			run "pack $dies die(s) $dt" "$pack" t.bin -z t.tok --dies $dies --dtype $dt -o $p || continue
			m=$p.manifest
			check "$p: progress per tensor with percentages" grep -q '^npu-llm-pack: \[ *[0-9.]*%\] blk.1.ffn_in 192x64' err
			check "$p: version line" [ "$(head -n 1 $m)" = "npu-llm-package 1" ]
			check "$p: config" grep -qx "$config" $m
			check "$p: dies, dtype, classifier, source" \
				sh -c "grep -qx 'dies $dies' $m && grep -qx 'dtype $dt' $m && grep -qx 'classifier tied' $m && grep -qx 'source llama2.c t.bin' $m"
			check "$p: tokenizer in every shard" grep -qE '^tokenizer llama2c dup tokens=300 bos=1 eos=2 unk=0 offset=[0-9]+ bytes=[0-9]+$' $m
			check "$p: 6 duplicated f32 tensors" [ "$(grep -cE '^tensor [a-z_.0-9]+ f32 [0-9x]+ dup offset=' $m)" = 6 ]
			check "$p: 9 groups split by rows" [ "$(grep -cE "^group [a-z_.0-9]+ $dt [0-9]+x[0-9]+ split=rows weights=" $m)" = 9 ]
			check "$p: one slice per group and die" [ "$(grep -c '^slice ' $m)" = $((9 * dies)) ]
			if [ $dt = int8 ]; then
				check "$p: int8 slices have row scales" [ "$(grep -c '^slice .* scale_offset=[0-9]* scale_bytes=[0-9]*$' $m)" = $((9 * dies)) ]
			else
				check "$p: fp16 slices have no scales" [ "$(grep -c 'scale' $m)" = 0 ]
			fi
			check "$p: sha256sum and wc agree with the manifest, shard headers" shards_match $p
			check "$p: ends with 'end', no temporary files" \
				sh -c "[ \"\$(tail -n 1 $m)\" = end ] && ! ls *.tmp 2>/dev/null | grep -q ."
			run "$p: --check" "$pack" --check $m
			check "$p: --check reports every die" [ "$(grep -c 'checksum ok' out)" = $dies ]
		done
	done
	m=p-2-fp16.manifest
	check "2 dies: qkv cut at row 64 of 128, the classifier at 160 of 300" \
		sh -c "grep -q '^slice blk.0.qkv die=1 row0=64 rows=64 .* bytes=8192$' $m &&
		       grep -q '^slice output die=1 row0=160 rows=140 ' $m"
	check "2 dies: the groups' weights listed" grep -qx 'group blk.1.qkv fp16 128x64 split=rows weights=blk.1.attn_q:64,blk.1.attn_k:32,blk.1.attn_v:32' $m
	mkpack t.bin -z t.tok --dies 2 -o again
	check "the same model packs to the same shards twice" \
		sh -c 'cmp -s p-2-fp16_d0.shard again_d0.shard && cmp -s p-2-fp16_d1.shard again_d1.shard'
	mkpack t.gguf --dies 2 -o from-gguf
	mkpack t-q8_0.gguf --dies 2 -o from-q8_0
	check "GGUF F32 and Q8_0 of the same weights give the llama2.c file's shards" \
		sh -c 'for d in 0 1; do cmp -s p-2-fp16_d$d.shard from-gguf_d$d.shard && cmp -s p-2-fp16_d$d.shard from-q8_0_d$d.shard || exit 1; done'
	check "the source line names the GGUF" grep -qx 'source gguf t-q8_0.gguf' from-q8_0.manifest
	"$pack" t.bin -z t.tok -q -o quiet >out 2>err
	check "-q: silent" sh -c '[ ! -s out ] && [ ! -s err ] && [ -s quiet.manifest ]'

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
	expect_fail "output in a missing directory" "cannot write /nonexistent/dir/x_d0.shard: No such file or directory" \
		"$pack" t.bin -z t.tok -o /nonexistent/dir/x
	expect_fail "output under a file" "cannot write t.bin/x_d0.shard: Not a directory" "$pack" t.bin -z t.tok -o t.bin/x
	expect_fail "output prefix without a name" "needs a file name part" "$pack" t.bin -z t.tok -o out/
	expect_fail "no tokenizer for a llama2.c checkpoint" "needs its tokenizer: give it with -z" "$pack" t.bin -o x
	expect_fail "a package is not a model" "p-2-fp16.manifest is a peer package already" "$pack" p-2-fp16.manifest -o x
	expect_fail "missing model" "nothere.bin: No such file" "$pack" nothere.bin -z t.tok -o x
	expect_fail "unknown flag" "--bogus: unknown option" "$pack" t.bin --bogus
	# a weight of 1e6 in blk.0.attn_q: 28-byte header, token_embd 300x64, rms_att 2x64
	cp t.bin big.bin
	printf '\000\044\164\111' | dd of=big.bin bs=1 seek=$((28 + (300 * 64 + 2 * 64) * 4 + 4 * 70)) conv=notrunc 2>/dev/null
	expect_fail "a weight fp16 cannot hold" "blk.0.qkv: weight blk.0.attn_q\[1\]\[6\] = 1e\+06 does not fit in fp16" \
		"$pack" big.bin -z t.tok -o big
	check "the refused conversion left no files" sh -c '! ls big_d* big.manifest* 2>/dev/null | grep -q .'
	run "int8 holds it" "$pack" big.bin -z t.tok --dtype int8 -q -o big
	;;
bad)
	gen bin shared t.bin t.tok
	mkpack t.bin -z t.tok --dies 2 --dtype int8 -o p
	"$pack" --check p.manifest >out 2>err || { cat err; echo "Bail out! the good package fails"; exit 1; }

	# a fresh copy of the package in directory $1
	fresh() { rm -rf "$1" && mkdir "$1" && cp p.manifest p_d0.shard p_d1.shard "$1/"; }
	bad() {	# NAME REGEX: the package in case/ must be refused
		expect_fail "$1" "$2" "$pack" --check case/p.manifest
	}
	edit() { sed -i "$1" case/p.manifest; }

	fresh case; rm case/p_d1.shard
	bad "missing shard" "case/p.manifest:[0-9]+: shard 1: case/p_d1.shard: No such file or directory"
	fresh case; flip case/p_d1.shard 5000
	bad "wrong checksum (a byte changed)" "case/p.manifest:[0-9]+: shard 1: case/p_d1.shard: checksum mismatch: the manifest says sha256 [0-9a-f]{64}, the file has [0-9a-f]{64}"
	fresh case; head -c 3000 p_d0.shard >case/p_d0.shard
	bad "truncated shard" "shard 0: case/p_d0.shard has 3000 bytes, the manifest says [0-9]+: truncated"
	fresh case; cp p_d1.shard case/p_d0.shard; cp p_d0.shard case/p_d1.shard
	bad "shards swapped" "shard 0: case/p_d0.shard (has [0-9]+ bytes, the manifest says|: checksum mismatch)"
	fresh case; edit 's/hidden_dim=96/hidden_dim=128/'
	bad "edited config: hidden_dim" "case/p.manifest:[0-9]+: group blk.0.ffn_in: shape 192x64, but the config makes it 256x64"
	fresh case; edit 's/ dim=64 / dim=32 /'
	bad "edited config: dim" "tensor token_embd: shape 300x64, but the config makes it 300x32"
	fresh case; edit 's/vocab_size=300/vocab_size=301/'
	bad "edited config: vocab_size" "tokenizer: tokens=300, but the config's vocab_size is 301"
	fresh case; edit 's/n_heads=4/n_heads=5/'
	bad "edited config: impossible" "config: n_heads 5 does not divide dim 64"
	fresh case; edit 's/^dtype int8/dtype fp16/'
	bad "edited dtype" "group blk.0.qkv: type int8, but the package's dtype is fp16"
	fresh case; edit 's/^\(slice blk.0.qkv die=1\) row0=64 rows=64/\1 row0=32 rows=96/'
	bad "wrong row range" "slice blk.0.qkv die=1: rows 32..127, but npu_gemm_cut\(\) gives die 1 rows 64..127"
	fresh case; edit 's/^\(slice output die=0\) row0=0 rows=160/\1 row0=0 rows=150/'
	bad "wrong row count" "slice output die=0: rows 0..149, but npu_gemm_cut\(\) gives die 0 rows 0..159"
	embd=$(attr '^tensor token_embd ' offset p.manifest)
	fresh case; edit "s/^\(slice blk.1.qkv die=0 .*\) offset=[0-9]*/\1 offset=$embd/"
	bad "overlapping offsets" "bytes [0-9]+\.\.[0-9]+ of shard 0 overlap (tensor token_embd|slice blk.1.qkv die=0)"
	fresh case; edit "s/^\(slice output die=1 .*\) offset=[0-9]*/\1 offset=6400000/"
	bad "offset out of range" "slice output die=1: bytes 6400000\.\.[0-9]+ are beyond the end of shard 1"
	fresh case; edit "s/^\(tensor output_norm .*\) offset=\([0-9]*\)/\1 offset=\24/"
	bad "misaligned offset" "tensor output_norm: offset [0-9]+ is not a multiple of the alignment 64"
	fresh case; edit 's/^\(tensor blk.0.ffn_norm .*\) bytes=256/\1 bytes=512/'
	bad "wrong tensor size" "tensor blk.0.ffn_norm: bytes=512, but 64 f32 is 256 bytes"
	fresh case; edit '/^tensor blk.1.ffn_norm /d'
	bad "missing tensor" "missing tensor blk.1.ffn_norm"
	fresh case; edit '/^slice blk.1.ffn_out die=1 /d'
	bad "missing slice" "case/p.manifest: group blk.1.ffn_out \(line [0-9]+\): no slice for die 1"
	fresh case; edit '/^shard die=1 /d'
	bad "missing shard line" "no 'shard' line for die 1"
	fresh case; edit '$d'
	bad "manifest truncated" "the manifest ends without an 'end' line: truncated\?"
	fresh case; edit 's/^end$/compression zstd\nend/'
	bad "unknown key" "case/p.manifest:[0-9]+: unknown key 'compression'"
	fresh case; edit 's/^\(tensor token_embd .*\)$/\1 layout=tiled/'
	bad "unknown attribute" "tensor token_embd: unknown attribute 'layout'"
	fresh case; edit '1s/.*/npu-llm-package 2/'
	bad "unknown version" "case/p.manifest:1: package format version 2 is not supported"
	fresh case; edit '1s/.*/npu-llm-package 99999999999/'
	bad "version beyond int" "case/p.manifest:1: package format version 99999999999 is not supported"
	fresh case; edit 's/^tensor token_embd/tensor tok_embeddings/'
	bad "unknown tensor" "unexpected tensor tok_embeddings"
	fresh case; edit 's/^\(shard die=1 .*file=\)p_d1.shard/\1..\/p_d1.shard/'
	bad "shard outside the package's directory" "file=../p_d1.shard: expected a file name next to the manifest"
	fresh case; edit 's/^dies 2/dies 3/'
	bad "die count edited" "no 'shard' line for die 2|group blk.0.qkv: 128 rows|rows .* but npu_gemm_cut"
	expect_fail "not a manifest" "t.bin:1: not a peer package manifest: the first line must be 'npu-llm-package 1'" \
		"$pack" --check t.bin
	# consistent checksums, inconsistent contents
	fresh case; flip case/p_d1.shard "$((embd + 100))"; reseal case/p 1
	bad "duplicated tensor differs between shards" "tensor token_embd: the copies in shards 0 and 1 differ"
	fresh case; printf 'npu-llm-shard 1 die 1/2\n' | dd of=case/p_d0.shard conv=notrunc 2>/dev/null; reseal case/p 0
	bad "shard of another die" "shard 0: case/p_d0.shard: its header is not 'npu-llm-shard 1 die 0/2'"
	;;
run)
	gen bin shared t.bin t.tok
	mkpack t.bin -z t.tok --dies 2 -o p
	mkpack t.bin -z t.tok --dies 1 --dtype int8 -o p1
	expect_fail "--device cpu needs the source model" \
		"p.manifest is a peer package, weights converted for the NPU \(fp16, cut for 2 die\(s\)\): --device cpu needs the source model \(llama2.c t.bin\)" \
		"$llm" p.manifest --device cpu -n 8
	# die 200 is nowhere: the package runs on the NPU by default, and fails there
	expect_fail "a package runs on the NPU: no NPU here" "^npu-llm: npu: no NPU" "$llm" p.manifest --npu 200 -n 8
	expect_fail "one-die int8 package, no NPU here" "^npu-llm: npu: no NPU" "$llm" p1.manifest --npu 200 -n 8
	expect_fail "--verify needs the source model" "--verify checks the NPU against the cpu reference, which needs the source model's fp32 weights \(llama2.c t.bin\)" \
		"$llm" p.manifest --verify -n 8
	expect_fail "--compare needs the source model" "--compare checks the NPU against the cpu reference" \
		"$llm" p.manifest --device npu --compare -n 8
	expect_fail "--dies against the package" "--dies 1: p.manifest is cut for 2 die\(s\); write one for 1 with npu-llm-pack --dies 1" \
		"$llm" p.manifest --dies 1 -n 8
	expect_fail "--dtype against the package" "--dtype int8: p.manifest holds fp16 weights" \
		"$llm" p.manifest --dtype int8 -n 8
	expect_fail "--load-format package on a checkpoint" "t.bin:1: not a peer package manifest" \
		"$llm" --load-format package t.bin --device npu -n 8
	sed '1s/.*/npu-llm-package 2/' p.manifest >v2.manifest
	expect_fail "a newer package format" "v2.manifest:1: package format version 2 is not supported" "$llm" v2.manifest -n 8
	sed 's/^dies 2/dies 12/' p.manifest >d12.manifest
	expect_fail "a manifest for 12 dies" "d12.manifest:[0-9]+: dies 12: expected 1..8" "$llm" d12.manifest -n 8
	run "the source model still runs on the cpu" "$llm" t.bin -z t.tok -n 8
	;;
*)
	echo "usage: check-package.sh pack|bad|run <npu-llm> <npu-llm-pack> <gen-model> <work dir>"
	exit 1
	;;
esac

tap_done
