#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm from the command line, on models generated at test time.
#
# usage: check-cli.sh dummy|formats|errors <npu-llm> <gen-model> <work dir>
#
#   dummy    --load-format dummy runs any shape, deterministically, and
#            says its output is meaningless
#   formats  one model as llama2.c checkpoint and as GGUF F32/F16/Q8_0
#            prints the same text
#   errors   broken files, bad --config and bad flags: exit code 1 and a
#            message that names the problem
set -u
. "$(dirname "$0")/tap.sh"
mode=$1 llm=$(abs "$2") gen=$(abs "$3") work=$(abs "$4")/$1

mkdir -p "$work" || exit 1
cd "$work" || exit 1

# same NAME A B: files A and B are identical and not empty
same() {
	if [ ! -s "$2" ]; then
		not_ok "$1: $2 is empty"
	elif cmp -s "$2" "$3"; then
		ok "$1 ($(wc -c <"$2") bytes)"
	else
		not_ok "$1: $2 and $3 differ"
	fi
}

gen() { "$gen" "$@" || { echo "Bail out! gen-model $*"; exit 1; }; }

case $mode in
dummy)
	cfg=64,128,2,4,2,300,64
	run "dummy greedy" "$llm" --load-format dummy --config $cfg -n 32 -t 0 &&
	if grep -q 'meaningless' err; then ok "dummy says meaningless"; else not_ok "dummy notice"; fi
	if [ "$(wc -c <out)" -gt 8 ]; then ok "dummy prints text"; else not_ok "dummy prints text"; fi
	grep -q '^achieved tok/s: ' err && ok "dummy tok/s" || not_ok "dummy tok/s"
	grep -q 'tokens: 32 forward passes' err && ok "dummy runs all 32 steps" ||
		not_ok "dummy runs all 32 steps"
	run "dummy sampled" "$llm" --load-format dummy --config $cfg -n 40 -t 1.0 -s 7 -i "abc" && cp out s1
	run "dummy sampled again" "$llm" --load-format dummy --config $cfg -n 40 -t 1.0 -s 7 -i "abc" && cp out s2
	same "dummy is deterministic" s1 s2
	run "dummy unshared classifier, multi-query, --verify" \
		"$llm" --load-format dummy --config 48,100,3,6,2,-259,16 -n 16 --verify &&
	if grep -q 'verify: .*: ok' err; then ok "verify ok"; else not_ok "verify ok"; fi
	run "dummy -n beyond seq" "$llm" --load-format dummy --config 32,64,1,2,1,260,8 -n 20 -t 0 &&
	if grep -q 'exceed the model' err; then ok "warns beyond seq"; else not_ok "warns beyond seq"; fi
	gen bin shared t.bin t.tok
	run "dummy with -z" "$llm" --load-format dummy --config 64,64,1,4,4,300,32 -n 8 -z t.tok
	run "dummy chat" sh -c "printf 'be brief\nhello\n' | '$llm' --load-format dummy --config 64,128,2,4,2,300,64 -m chat -n 60"
	;;
formats)
	gen bin shared t.bin t.tok
	gen bin untied tu.bin tu.tok
	for v in f32 f16 q8_0 f32-untied; do gen gguf $v t-$v.gguf; done
	for args in "-t 0" "-t 1.0 -s 5" "-t 0.8 -p 0.5 -s 11"; do
		# shellcheck disable=SC2086
		set -- -n 48 -i "the cat and the hat" $args
		run "llama2.c ($*)" "$llm" t.bin -z t.tok "$@" && cp out bin.out
		for v in f32 f16 q8_0; do
			run "GGUF $v ($*)" "$llm" t-$v.gguf "$@" && cp out $v.out
			same "GGUF $v prints what llama2.c prints" bin.out $v.out
		done
		run "untied llama2.c ($*)" "$llm" tu.bin -z tu.tok "$@" && cp out ubin.out
		run "untied GGUF ($*)" "$llm" t-f32-untied.gguf "$@" && cp out uf32.out
		same "untied GGUF prints what llama2.c prints" ubin.out uf32.out
	done
	run "--load-format gguf" "$llm" --load-format gguf t-f32.gguf -n 8
	run "--load-format=llama2c" "$llm" --load-format=llama2c t.bin -z t.tok -n 8
	run "--dtype int8 is accepted on the cpu" "$llm" t.bin -z t.tok -n 8 --dtype int8
	run "GGUF with -z" "$llm" t-f32.gguf -z t.tok -n 8
	# llama2.c's newer exports: version 1 is version 0's weights
	"$gen" export 1 0 shared v1.bin && "$gen" export 1 0 untied v1u.bin &&
	"$gen" export 2 32 shared v2.bin || { echo "Bail out! gen-model export"; exit 1; }
	run "llama2.c version 0" "$llm" t.bin -z t.tok -n 48 -t 0.8 -s 3 && cp out v0.out
	run "llama2.c version 1" "$llm" v1.bin -z t.tok -n 48 -t 0.8 -s 3 && cp out v1.out
	same "version 1 prints what version 0 prints" v0.out v1.out
	run "llama2.c version 1, separate classifier" "$llm" v1u.bin -z t.tok -n 48 -t 0 && cp out v1u.out
	run "llama2.c version 0, separate classifier" "$llm" tu.bin -z tu.tok -n 48 -t 0 && cp out v0u.out
	same "version 1 untied prints what version 0 untied prints" v0u.out v1u.out
	run "llama2.c version 2 (int8) on the cpu" "$llm" v2.bin -z t.tok -n 48 -t 0 -i "the cat"
	check "version 2: the format in the stats" grep -q "llama2.c v2 int8 model dim 64" err
	;;
errors)
	gen bin shared t.bin t.tok
	gen gguf f32 t.gguf
	size=$(wc -c <t.bin)
	head -c 10 t.bin >short.bin
	head -c 5000 t.bin >trunc.bin
	head -c $((size - 4)) t.bin >trunc-end.bin
	gen bin bad-header badhdr.bin badhdr.tok
	gen bin trailing trailing.bin trailing.tok
	gen bin nan-norm nan.bin nan.tok
	gen bin inf-weight inf.bin inf.tok
	# llama2.c's newer exports start with "ak42" and a version
	{ printf '24ka\003\000\000\000'; tail -c +9 t.bin; } >ak42-v3.bin
	head -c 1000 t.tok >trunc.tok
	gsize=$(wc -c <t.gguf)
	head -c 3 t.gguf >short.gguf
	head -c 2000 t.gguf >trunc-meta.gguf
	head -c $((gsize - 100)) t.gguf >trunc-data.gguf
	{ printf 'GGUX'; tail -c +5 t.gguf; } >badmagic.gguf
	for v in missing-tensor bad-shape bad-type duplicate-tensor extra-tensor \
		 extra-layer misaligned offset-oob no-block-count block-count-string \
		 tokens-mismatch not-llama bad-version no-scores overlap out-of-order \
		 nan-norm; do
		gen gguf $v $v.gguf
	done

	# llama2.c checkpoints and tokenizers
	expect_fail "missing file" "nothere.bin: No such file" "$llm" nothere.bin -z t.tok
	expect_fail "directory" "a directory without config.json: not a Hugging Face model" "$llm" . -z t.tok
	expect_fail "checkpoint shorter than its header" "short.bin: truncated: 10 bytes" "$llm" short.bin -z t.tok
	expect_fail "truncated checkpoint" "trunc.bin: truncated at offset 5000, inside tensor rms_att_weight|trunc.bin: truncated at offset 5000, inside tensor token_embedding_table" "$llm" trunc.bin -z t.tok
	expect_fail "checkpoint truncated by 4 bytes" "trunc-end.bin: truncated at offset $((size - 4)), inside tensor freq_cis_imag" "$llm" trunc-end.bin -z t.tok
	expect_fail "bad header" "badhdr.bin: llama2.c header: n_heads 5 does not divide dim 64" "$llm" badhdr.bin -z t.tok
	expect_fail "trailing bytes" "trailing.bin: 4 unexpected bytes after the last tensor" "$llm" trailing.bin -z t.tok
	expect_fail "GGUF read as llama2.c" "llama2.c header: dim = [0-9]+, expected" "$llm" --load-format llama2c t.gguf -z t.tok
	expect_fail "no tokenizer" "tokenizer.bin: No such file.*|needs its tokenizer" "$llm" t.bin
	expect_fail "truncated tokenizer" "trunc.tok: truncated at offset|trunc.tok: offset [0-9]+: token [0-9]+ of 300: length [0-9]+ runs past the end" "$llm" t.bin -z trunc.tok
	expect_fail "tokenizer larger than the vocab" "more tokens than the model's vocab_size 260" \
		"$llm" --load-format dummy --config 64,64,1,4,4,260,32 -z t.tok

	# GGUF
	expect_fail "GGUF shorter than its magic" "short.gguf: truncated: 3 bytes, neither a GGUF file nor a llama2.c checkpoint" "$llm" short.gguf
	expect_fail "GGUF shorter than its magic, --load-format gguf" "short.gguf: truncated: 3 bytes, not a GGUF file" "$llm" --load-format gguf short.gguf
	expect_fail "GGUF bad magic" "badmagic.gguf: bad magic 0x58554747 at offset 0" "$llm" --load-format gguf badmagic.gguf
	expect_fail "GGUF bad magic, auto format" "badmagic.gguf: llama2.c header: dim = 1481983815" "$llm" badmagic.gguf -z t.tok
	grep -q 'does not start with "GGUF"' err && ok "auto format explains itself" || not_ok "auto format explains itself"
	expect_fail "GGUF truncated in the metadata" "trunc-meta.gguf: truncated at offset [0-9]+ reading metadata 'tokenizer.ggml.tokens'" "$llm" trunc-meta.gguf
	expect_fail "GGUF truncated in the tensor data" "trunc-data.gguf: truncated: tensor 'blk.1.ffn_down.weight' \\(F32, 24576 bytes\\) spans offsets [0-9]+..[0-9]+, the file ends at $((gsize - 100))" "$llm" trunc-data.gguf
	expect_fail "GGUF missing tensor" "missing tensor 'blk.1.ffn_up.weight'" "$llm" missing-tensor.gguf
	expect_fail "GGUF mis-shaped tensor" "tensor 'blk.0.attn_k.weight': shape \\[64, 64\\], expected \\[64, 32\\] \\(dim x kv_dim\\)" "$llm" bad-shape.gguf
	expect_fail "GGUF unsupported type" "tensor 'blk.0.attn_q.weight': type Q4_0 \\(2\\) is not supported" "$llm" bad-type.gguf
	expect_fail "GGUF duplicate tensor" "offset [0-9]+: duplicate tensor 'blk.0.attn_q.weight'" "$llm" duplicate-tensor.gguf
	expect_fail "GGUF unexpected tensor" "unexpected tensor 'rope_freqs.weight'" "$llm" extra-tensor.gguf
	expect_fail "GGUF tensor of a layer too many" "unexpected tensor 'blk.2.attn_norm.weight': layer 2, but llama.block_count is 2" "$llm" extra-layer.gguf
	expect_fail "GGUF misaligned tensor" "tensor 'blk.0.attn_q.weight': data offset [0-9]+ is not a multiple of the alignment 32" "$llm" misaligned.gguf
	expect_fail "GGUF tensor beyond the file" "truncated: tensor 'blk.1.ffn_down.weight' .* spans offsets" "$llm" offset-oob.gguf
	expect_fail "GGUF missing metadata" "missing metadata 'llama.block_count'" "$llm" no-block-count.gguf
	expect_fail "GGUF metadata of the wrong type" "metadata 'llama.block_count' \\(offset [0-9]+\\) has type 8, expected an integer" "$llm" block-count-string.gguf
	expect_fail "GGUF vocab mismatch" "tokenizer.ggml.tokens has 299 tokens but token_embd.weight has 300 rows" "$llm" tokens-mismatch.gguf
	expect_fail "GGUF not llama" "general.architecture is not 'llama'" "$llm" not-llama.gguf
	expect_fail "GGUF version 2" "offset 4: GGUF version 2 is not supported" "$llm" bad-version.gguf
	expect_fail "GGUF without scores" "tokenizer.ggml.scores: missing" "$llm" no-scores.gguf
	expect_fail "GGUF tensors overlapping" "overlap.gguf: tensor 'blk.0.attn_q.weight' \(offsets [0-9]+..[0-9]+\) overlaps tensor 'blk.0.attn_norm.weight'" "$llm" overlap.gguf
	expect_fail "GGUF tensors out of order" "out-of-order.gguf: tensor 'blk.0.attn_q.weight' \(offsets [0-9]+..[0-9]+\) is stored before tensor 'blk.0.attn_norm.weight'" "$llm" out-of-order.gguf

	# NaN and Inf weights: the first step's logits are not finite; default
	# sampling flags (top-p) as well as greedy
	expect_fail "GGUF NaN in a norm weight" "step 1 \(position 0, input token 1\): logit 0 is NaN" "$llm" nan-norm.gguf
	expect_fail "llama2.c NaN in a norm weight" "step 1 \(position 0, .*\): logit 0 is NaN" "$llm" nan.bin -z nan.tok
	expect_fail "llama2.c NaN, greedy" "step 1 .*is NaN" "$llm" nan.bin -z nan.tok -t 0
	expect_fail "llama2.c Inf weight" "step 1 .*: logit [0-9]+ is (NaN|[+-]Inf)" "$llm" inf.bin -z inf.tok -n 8
	expect_fail "llama2.c export version 3" "ak42-v3.bin: a llama2.c export of version 3 \(magic \"ak42\"\): versions 0 \(no magic\), 1 and 2 are supported" "$llm" ak42-v3.bin -z t.tok
	"$gen" export 2 32 shared v2.bin && "$gen" export 2 24 shared v2g24.bin &&
	"$gen" export 1 0 shared v1.bin || { echo "Bail out! gen-model export"; exit 1; }
	head -c 60000 v2.bin >v2-trunc.bin
	head -c 100 v1.bin >v1-short.bin
	{ cat v1.bin; printf 'xxxx'; } >v1-long.bin
	expect_fail "version 2, group size not dividing dim" "v2g24.bin: header: group_size 24: must divide dim 64 and hidden_dim 96" "$llm" v2g24.bin -z t.tok
	expect_fail "version 2 truncated" "v2-trunc.bin: truncated at offset 60000, inside w[1-3] of layer [01]" "$llm" v2-trunc.bin -z t.tok
	expect_fail "version 1 shorter than its header" "v1-short.bin: truncated: 100 bytes, a llama2.c version 1 header is 256" "$llm" v1-short.bin -z t.tok
	expect_fail "version 1 with trailing bytes" "v1-long.bin: 4 unexpected bytes after the last tensor" "$llm" v1-long.bin -z t.tok

	# the prompt must fit the run's positions
	expect_fail "prompt longer than -n" "the prompt is [0-9]+ tokens \(with BOS\), more than the 4 positions of this run \(-n 4; the model's context length is 64\)" \
		"$llm" t.bin -z t.tok -n 4 -i "the cat and the hat sat on the mat"
	expect_fail "prompt one longer than -n" "the prompt is [0-9]+ tokens" "$llm" t.bin -z t.tok -n 1 -i "the cat"
	n=$(sed -n 's/.*the prompt is \([0-9]*\) tokens.*/\1/p' err)
	run "prompt of $n tokens with -n $n" "$llm" t.bin -z t.tok -n "$n" -i "the cat" -t 0 &&
	check "prompt of $n tokens with -n $n: $n forward passes" grep -q "tokens: $n forward passes" err
	expect_fail "prompt of $n tokens with -n $((n - 1))" "the prompt is $n tokens .* more than the $((n - 1)) positions" \
		"$llm" t.bin -z t.tok -n $((n - 1)) -i "the cat"

	# temperatures: a subnormal is out of range, a tiny normal one is greedy
	expect_fail "temperature below float range" "-t 1e-38: out of the range of a float" "$llm" t.bin -z t.tok -t 1e-38
	run "greedy" "$llm" t.bin -z t.tok -n 40 -t 0 -i "the" && cp out greedy.out
	run "temperature 2e-38" "$llm" t.bin -z t.tok -n 40 -t 2e-38 -i "the" && cp out tiny.out
	same "temperature 2e-38 prints the greedy text" greedy.out tiny.out

	# --config
	expect_fail "--config too short" "--config 64,128,2: expected 7 integers" "$llm" --load-format dummy --config 64,128,2
	expect_fail "--config not numbers" "expected 7 integers" "$llm" --load-format dummy --config 64,128,2,4,2,x,64
	expect_fail "--config heads" "--config: n_heads 5 does not divide dim 64" "$llm" --load-format dummy --config 64,128,2,5,5,300,64
	expect_fail "--config kv heads" "--config: n_kv_heads 3 does not divide n_heads 4" "$llm" --load-format dummy --config 64,128,2,4,3,300,64
	expect_fail "--config zero layers" "--config: n_layers = 0, expected 1" "$llm" --load-format dummy --config 64,128,0,4,2,300,64
	expect_fail "--config odd head size" "head size 15 .* is odd" "$llm" --load-format dummy --config 60,128,2,4,2,300,64
	expect_fail "--config tiny vocab" "needs at least 3" "$llm" --load-format dummy --config 64,128,1,4,2,2,64
	# ~256 TiB of weights: malloc must fail and npu-llm say so. Under
	# AddressSanitizer (-Db_sanitize=address) an allocation this size
	# aborts unless the allocator is told to return NULL like libc does.
	expect_fail "--config huge" "cannot allocate|do not fit" \
		env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" \
		"$llm" --load-format dummy --config 65536,262144,1024,1024,1024,1048576,64
	expect_fail "--config without dummy" "--config .*: only with --load-format dummy" "$llm" t.bin -z t.tok --config 64,128,2,4,2,300,64
	expect_fail "dummy without --config" "needs --config" "$llm" --load-format dummy

	# flags
	# die 200 exists nowhere: a clear error, never the CPU
	expect_fail "--device npu without that NPU" "^npu-llm: npu: no NPU" "$llm" t.bin -z t.tok --device npu --npu 200
	expect_fail "unknown flag" "--bogus: unknown option" "$llm" t.bin --bogus
	expect_fail "usage on bad flags" "^Usage: " "$llm" t.bin -x 1
	expect_fail "long short flag" "-tt: unknown option" "$llm" t.bin -tt 1
	expect_fail "missing value" "-n: missing value" "$llm" t.bin -n
	expect_fail "not a number" "-t abc: not a number" "$llm" t.bin -t abc
	expect_fail "not an integer" "-n 1.5: not an integer" "$llm" t.bin -n 1.5
	expect_fail "integer out of range" "--npu 300: out of range \(0 to 255\)" "$llm" t.bin --npu 300
	expect_fail "bad mode" "-m foo: expected generate or chat" "$llm" t.bin -m foo
	expect_fail "bad device" "--device gpu: expected cpu or npu" "$llm" t.bin --device gpu
	expect_fail "bad dtype" "--dtype fp8: expected fp16 or int8" "$llm" t.bin --dtype fp8
	expect_fail "bad load format" "--load-format onnx: expected" "$llm" t.bin --load-format onnx
	expect_fail "no checkpoint" "no checkpoint given" "$llm" -n 5
	expect_fail "two checkpoints" "more than one checkpoint" "$llm" t.bin t.gguf
	;;
*)
	echo "usage: check-cli.sh dummy|formats|errors <npu-llm> <gen-model> <work dir>"
	exit 1
	;;
esac

tap_done
