#!/bin/sh
# SPDX-License-Identifier: MIT
#
# npu-llm on Hugging Face model directories written by gen-hf from the
# reference stories260K.bin and tok512.bin.
#
# usage: check-hf.sh reference|agree|errors|dummy|config <npu-llm> <gen-hf> <models dir> <work dir> [<gen-model>]
#
#   reference  the F32 directory (one shard), and two shards with an
#              index, print the reference text byte for byte on the cpu;
#              an untied classifier (lm_head.weight) from gen-model, three
#              shards, prints what its llama2.c checkpoint prints
#   agree      F16, BF16 (both multiplied as stored) and FP8 (block
#              scales) against F32, teacher-forced over exactly 200
#              positions: top-1 agreement >= 99 % (F16, BF16), >= 95 %
#              (FP8), and the mean KL; the whole context (512 positions)
#              goes on through the reference's BOS
#   errors     every defect of a directory refused: exit 1, a message
#              naming the tensor and the shard (the shard alone for a
#              header that is not JSON); 17 broken JSON texts in each of
#              config.json, tokenizer.json, tokenizer_config.json and the
#              index, and values config.json must not take
#   dummy      --load-format dummy DIR: the config's shape, random
#              weights, and the statistics say which gate ran
#   config     what config.json and tokenizer_config.json say changes
#              the run: rope_theta 500000 (used: other text than 10000),
#              add_bos_token false (the prompt without BOS), a
#              MistralForCausalLM directory (its sliding window is the
#              context length)
set -u
. "$(dirname "$0")/tap.sh"
tap=$(abs "$(dirname "$0")/tap.sh")
# as check-corpus.sh: in the sanitizer build a report fails the case even
# where the exit code is 1 (tap.sh's run and expect_fail look for one)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87:print_stacktrace=1"
mode=$1 llm=$(abs "$2") gen=$(abs "$3") models=$(abs "$4") work=$(abs "$5")/hf-$1
gen_model=${6:+$(abs "$6")}
ref=$models/stories260K.greedy200.txt

mkdir -p "$work" || exit 1
cd "$work" || exit 1
for f in stories260K.bin tok512.bin stories260K.greedy200.txt; do
	[ -f "$models/$f" ] || { echo "Bail out! reference file $models/$f is missing"; exit 1; }
done

# hf DIR ARGS...: a directory from the reference model
hf() {
	d=$1; shift
	rm -rf "$d"
	"$gen" "$models/stories260K.bin" "$models/tok512.bin" "$d" "$@" ||
		{ echo "Bail out! gen-hf $d $*"; exit 1; }
}

# agree NAME DIR MIN: top-1 agreement of DIR with f32 at least MIN %,
# over exactly 200 teacher-forced positions
agree() {
	run "$1 vs F32" "$llm" "$2" --reference f32 -t 0 -n 200 || return
	line=$(grep -m1 'top-1 agreement' err)
	pct=$(echo "$line" | sed -n 's/.*(\([0-9.]*\)%).*/\1/p')
	npos=$(echo "$line" | sed -n 's/.* \([0-9]*\) positions teacher-forced.*/\1/p')
	echo "# $1: ${line#npu-llm: compare: }"
	if [ "${npos:-0}" -eq 200 ] &&
	   grep -q '^npu-llm: compare: 200 of 200 requested positions compared' err; then
		ok "$1: 200 positions compared"
	else
		not_ok "$1: ${npos:-?} positions compared, expected 200"
	fi
	if [ -n "$pct" ] && awk -v p="$pct" -v m="$3" 'BEGIN { exit !(p >= m) }'; then
		ok "$1: top-1 agreement $pct% >= $3%"
	else
		not_ok "$1: top-1 agreement ${pct:-?}% below $3%"
	fi
}

# mangle FILE HOW: one defect in a JSON file (of what gen-hf wrote)
mangle() {
	case $2 in
	empty) : >"$1" ;;
	half) head -c "$(($(wc -c <"$1") / 2))" "$1" >m && mv m "$1" ;;
	no-close) perl -0777 -pi -e 's/\}\s*$//' "$1" ;;
	trailing-comma) perl -0777 -pi -e 's/\s*\}\s*$/,\n}\n/' "$1" ;;
	comment) perl -0777 -pi -e 's/^\{/{ \/* a comment *\//' "$1" ;;
	two-objects) echo '{}' >>"$1" ;;
	garbage) echo 'x' >>"$1" ;;
	nul) perl -0777 -pi -e 's/^\{/{\0/' "$1" ;;
	bad-utf8) perl -0777 -pi -e 's/"([a-z_]+)":/"$1\xff":/' "$1" ;;
	bom) perl -0777 -pi -e 's/^/\xef\xbb\xbf/' "$1" ;;
	array) perl -0777 -pi -e 's/^/[/; s/\s*$/]\n/' "$1" ;;
	null) echo null >"$1" ;;
	string) echo '"a string"' >"$1" ;;
	bare-key) perl -0777 -pi -e 's/"([a-z_]+)":/$1:/' "$1" ;;
	no-colon) perl -0777 -pi -e 's/"([a-z_]+)":/"$1"/' "$1" ;;
	unterminated) perl -0777 -pi -e 's/"([a-z_]+)":/"$1:/' "$1" ;;
	deep) perl -0777 -pi -e 's/\s*\}\s*$/, "deep": ${\("[" x 64)}${\("]" x 64)}\n}\n/' "$1" ;;
	*) echo "Bail out! mangle $2"; exit 1 ;;
	esac
}

case $mode in
reference)
	hf f32
	hf f32-2 --shards 2
	for d in f32 f32-2; do
		run "$d: cpu greedy 200" "$llm" "$d" --device cpu -t 0.0 -n 200 &&
		if cmp -s out "$ref"; then
			ok "$d: stdout is byte for byte the reference ($(wc -c <"$ref") bytes)"
		else
			not_ok "$d: stdout differs from $ref"
		fi
		grep -q 'gate: real weights (hf)' err && ok "$d: stats say real weights" ||
			not_ok "$d: stats say real weights"
	done
	[ -n "$gen_model" ] || { echo "Bail out! no gen-model given"; exit 1; }
	"$gen_model" bin untied tu.bin tu.tok || { echo "Bail out! gen-model"; exit 1; }
	rm -rf untied
	"$gen" tu.bin tu.tok untied --shards 3 || { echo "Bail out! gen-hf untied"; exit 1; }
	check "untied: lm_head.weight in the index" grep -q '"lm_head.weight"' untied/model.safetensors.index.json
	run "untied checkpoint" "$llm" tu.bin -z tu.tok -t 0 -n 64 -i "the hat" && cp out untied.bin.out
	run "untied directory" "$llm" untied -t 0 -n 64 -i "the hat" &&
	if [ -s out ] && cmp -s out untied.bin.out; then
		ok "untied directory prints what its checkpoint prints ($(wc -c <out) bytes)"
	else
		not_ok "untied directory and checkpoint differ"
	fi
	;;
agree)
	hf f32
	hf f16 --dtype f16
	hf bf16 --dtype bf16
	hf fp8 --dtype fp8 --shards 2 --block 32
	hf fp8-128 --dtype fp8 --shards 2
	agree F16 f16 99
	agree BF16 bf16 99
	agree "FP8 32x32 blocks" fp8 95
	agree "FP8 128x128 blocks (default)" fp8-128 95
	# over the whole context the reference picks BOS at least once: the
	# teacher forcing feeds it on instead of stopping there
	run "FP8 vs F32, whole context" "$llm" fp8 --reference f32 -t 0 -n 512 &&
	if grep -q 'top-1 agreement [0-9]*/512 ' err &&
	   grep -qE '^npu-llm: compare: 512 of 512 requested positions compared; the reference picked BOS or EOS at [1-9]' err; then
		ok "whole context: 512 positions compared, through the reference's BOS"
	else
		not_ok "whole context: not 512 positions through a BOS"
	fi
	;;
errors)
	# name, defect, gen-hf options, message
	while IFS='|' read -r name defect opts pat; do
		[ -n "$name" ] || continue
		# shellcheck disable=SC2086
		hf bad --break "$defect" $opts
		expect_fail "$name" "$pat" "$llm" bad -t 0 -n 4
	done <<-EOF
	scale without its weight|orphan-scale|--dtype fp8 --shards 2|model-0000[12]-of-00002.safetensors: tensor model.layers.0.mlp.up_proj.weight_scale_inv: a scale without its weight
	FP8 weight without its scale|missing-scale|--dtype fp8 --shards 2|model-0000[12]-of-00002.safetensors: tensor model.layers.1.mlp.down_proj.weight is F8_E4M3 but its scale .* is missing
	scale of the wrong shape|scale-shape|--dtype fp8 --block 32|model.safetensors: tensor model.layers.0.self_attn.q_proj.weight_scale_inv: F32 3 x 2, expected F32 or BF16 \[2, 2\]
	FP8 without quantization_config|fp8-no-config|--dtype fp8|model.safetensors: tensor model.layers.0.self_attn.q_proj.weight: dtype F8_E4M3 but config.json has no fp8
	tensor missing|missing|--shards 2|tensor model.layers.1.self_attn.k_proj.weight is missing \(expected in any shard\)
	tensor missing, one shard|missing||tensor model.layers.1.self_attn.k_proj.weight is missing \(expected in model.safetensors\)
	extra tensor|extra||model.safetensors: tensor model.layers.0.self_attn.extra.weight is not part of a LlamaForCausalLM model
	duplicated across shards|duplicate|--shards 2|tensor model.norm.weight is in shard model-0000[12]-of-00002.safetensors and again in shard model-0000[12]-of-00002.safetensors
	wrong shape|shape||model.safetensors: tensor model.layers.0.mlp.gate_proj.weight: shape \[64, 172\], expected \[172, 64\]
	wrong dtype|norm-fp8|--dtype fp8|model.safetensors: tensor model.layers.0.input_layernorm.weight: dtype F8_E4M3 for a tensor that is never FP8
	unknown dtype|bad-dtype-name||model.safetensors: tensor .*: dtype "I32": expected F32, F16, BF16 or F8_E4M3
	index names an absent shard|absent-shard|--shards 2|shard model-00009-of-00009.safetensors is named by model.safetensors.index.json but absent
	index names the wrong shard|index-wrong|--shards 2|model-0000[12]-of-00002.safetensors: tensor model.norm.weight: model.safetensors.index.json places it in shard
	header truncated|header-size||model.safetensors: truncated or not safetensors: the header says [0-9]+ bytes of JSON
	data truncated|truncated||model.safetensors: tensor model.norm.weight: data_offsets .* out of bounds
	overlapping tensors|overlap||model.safetensors: tensor .*: data_offsets .* overlap tensor
	out of bounds|oob|--shards 2|model-0000[12]-of-00002.safetensors: tensor .*: data_offsets .* out of bounds
	header not valid JSON|json||model.safetensors: header: not valid JSON
	index lists a tensor no shard has|index-extra|--shards 2|model.safetensors.index.json: tensor model.layers.0.self_attn.rotary_emb.inv_freq: placed in shard model-0000[12]-of-00002.safetensors, which does not hold it
	index names a tensor wrongly|index-rename|--shards 2|model-0000[12]-of-00002.safetensors: tensor model.norm.weight is not in model.safetensors.index.json's weight_map
	scale of a weight not FP8|scale-non-fp8|--dtype bf16 --shards 2|model-0000[12]-of-00002.safetensors: tensor model.layers.0.self_attn.q_proj.weight_scale_inv: a scale for model.layers.0.self_attn.q_proj.weight, which is BF16, not F8_E4M3
	a hole between tensors|hole||model.safetensors: tensor model.layers.0.input_layernorm.weight: a hole of 8 bytes before it at offset [0-9]+ of the byte buffer
	a hole, three shards|hole|--shards 3|model-00001-of-00003.safetensors: tensor [a-z0-9_.]+: a hole of 8 bytes before it
	trailing bytes after the last tensor|trailing|--shards 2|model-0000[12]-of-00002.safetensors: 8 bytes after the last tensor, [a-z0-9_.]+, which ends at offset [0-9]+ of the byte buffer: trailing bytes are refused
	data_offsets not shape x dtype|offsets-size||model.safetensors: tensor model.embed_tokens.weight: data_offsets \[0, 131070\] hold 131070 bytes, F32 \[ 512, 64 \] needs 131072
	data_offsets not shape x dtype, FP8|offsets-size|--dtype fp8 --shards 2|model-00001-of-00002.safetensors: tensor model.embed_tokens.weight: data_offsets \[0, [0-9]+\] hold [0-9]+ bytes, BF16 \[ 512, 64 \] needs 65536
	bytes after the header's JSON|header-garbage||model.safetensors: header: (not valid JSON|bytes after the JSON object)
	a NUL in the header|header-nul||model.safetensors: header: a NUL byte at offset [0-9]+: not valid JSON
	EOF
	# broken JSON texts: each file of a two-shard directory, each defect
	n_json=0
	for file in config.json tokenizer.json tokenizer_config.json model.safetensors.index.json; do
		for how in empty half no-close trailing-comma comment two-objects \
			   garbage nul bad-utf8 bom array null string bare-key \
			   no-colon unterminated deep; do
			hf ok --shards 2
			mangle "ok/$file" "$how"
			expect_fail "$file, $how" \
				"^npu-llm: ok/$file: (not a valid JSON object \(.*, at byte [0-9]+\)|not a JSON object but [a-z]+|bytes after the JSON object at byte [0-9]+|a NUL byte at byte [0-9]+: not a JSON file)$" \
				"$llm" ok -t 0 -n 4
			n_json=$((n_json + 1))
		done
	done
	# and values JSON takes that config.json must not
	while IFS='|' read -r name from to pat; do
		hf ok
		sed "s/$from/$to/" ok/config.json >c && mv c ok/config.json
		expect_fail "config.json: $name" "$pat" "$llm" ok -t 0 -n 4
		n_json=$((n_json + 1))
	done <<-EOF
	leading zero|"hidden_size": 64|"hidden_size": 064|config.json: not a valid JSON object
	misspelt literal|"tie_word_embeddings": true|"tie_word_embeddings": tRue|config.json: not a valid JSON object
	rms_norm_eps NaN|"rms_norm_eps": 1e-05|"rms_norm_eps": NaN|config.json: RMSNorm epsilon nan out of range
	rope_theta beyond a float|"rope_theta": 10000.0|"rope_theta": 1e999|config.json: RoPE base inf out of range
	hidden_size beyond int64|"hidden_size": 64|"hidden_size": 99999999999999999999|config.json: hidden_size = .*: expected an integer 0..2\^30
	hidden_size negative|"hidden_size": 64|"hidden_size": -64|config.json: hidden_size = -64: expected an integer 0..2\^30
	hidden_size fractional|"hidden_size": 64|"hidden_size": 64.5|config.json: hidden_size = 64.5: expected an integer
	architectures a string|\["LlamaForCausalLM"\]|"LlamaForCausalLM"|config.json: architectures = "LlamaForCausalLM": expected an array
	EOF
	check "at least 60 broken JSON texts refused ($n_json)" [ "$n_json" -ge 60 ]
	# tap.sh's run and expect_fail themselves: a sanitizer report beside a right refusal
	# (or a success) fails the check
	for report in "==1==ERROR: AddressSanitizer: heap-buffer-overflow" \
		      "x.c:1:2: runtime error: signed integer overflow"; do
		# shellcheck disable=SC2016 # expanded by the inner shell
		check "expect_fail fails on \"${report#*: }\"" sh -c '
			. "$1"; passed=0 failed=0
			expect_fail t "refused" sh -c "echo \"npu-llm: refused\" >&2; echo \"$2\" >&2; exit 1" >/dev/null
			run t sh -c "echo \"$2\" >&2" >/dev/null
			[ $failed -eq 2 ] && [ $passed -eq 0 ]' sh "$tap" "$report"
	done
	hf ok
	rm ok/tokenizer.json
	expect_fail "no tokenizer.json" "ok/tokenizer.json: No such file" "$llm" ok -n 4
	hf ok
	sed 's/LlamaForCausalLM/Qwen2ForCausalLM/' ok/config.json >c && mv c ok/config.json
	expect_fail "Qwen2 refused" "architecture Qwen2ForCausalLM: supported are" "$llm" ok -n 4
	hf ok
	sed 's/"hidden_size": 64/"hidden_size": "64"/' ok/config.json >c && mv c ok/config.json
	expect_fail "config.json wrong type" "config.json: hidden_size = \"64\": expected an integer" "$llm" ok -n 4
	;;
dummy)
	hf f32
	run "dummy DIR" "$llm" --load-format dummy f32 -t 0 -n 16 &&
	grep -q 'dim 64, hidden 172, layers 5, heads 8, kv heads 4, vocab 512, seq 512' err &&
		ok "dummy DIR has the config's shape" || not_ok "dummy DIR has the config's shape"
	grep -q 'gate: dummy' err && ok "stats say the dummy gate" || not_ok "stats say the dummy gate"
	grep -q 'meaningless' err && ok "dummy says meaningless" || not_ok "dummy says meaningless"
	expect_fail "dummy DIR and --config" "only a model directory's config.json" \
		"$llm" --load-format dummy f32 --config 64,128,2,4,2,300,64
	;;
config)
	hf f32
	hf rope10k --rope-theta 10000
	hf rope500k --rope-theta 500000
	for d in f32 rope10k rope500k; do
		run "$d: greedy 64" "$llm" "$d" -t 0 -n 64 -i "the hat" && cp out "$d.out" && cp err "$d.err"
	done
	check "rope_theta 10000 written out: the default's text" cmp -s f32.out rope10k.out
	if [ -s rope500k.out ] && ! cmp -s f32.out rope500k.out; then
		ok "rope_theta 500000: other text than 10000 ($(cmp f32.out rope500k.out | sed 's/.*differ: //'))"
	else
		not_ok "rope_theta 500000: the same text as 10000: rope_theta not used"
	fi
	check "rope_theta 500000 in the statistics" grep -q 'seq 512, rope theta 500000$' rope500k.err
	check "rope_theta 10000 in the statistics" grep -q 'seq 512, rope theta 10000$' f32.err

	hf nobos --add-bos false
	# the prompt's length says whether BOS is in it: 3 tokens, 4 with BOS
	expect_fail "add_bos_token true: the prompt has BOS" \
		"the prompt is 4 tokens \(with BOS\), more than the 1 positions" "$llm" f32 -n 1 -i "the hat"
	expect_fail "add_bos_token false: the prompt has no BOS" \
		"the prompt is 3 tokens \(without BOS\), more than the 1 positions" "$llm" nobos -n 1 -i "the hat"
	run "add_bos_token false: greedy 64" "$llm" nobos -t 0 -n 64 -i "the hat" &&
	if head -c 7 out | grep -qx 'the hat' && ! cmp -s out f32.out; then
		ok "add_bos_token false: the prompt echoed whole, other text than after BOS"
	else
		not_ok "add_bos_token false: prompt not echoed or the text of the BOS run"
	fi
	run "add_bos_token false, empty prompt" "$llm" nobos -t 0 -n 16 &&
	check "empty prompt without BOS starts from BOS, saying so" \
		grep -q 'the prompt is empty and the tokenizer adds no BOS: starting from BOS' err

	hf mistral --arch MistralForCausalLM
	hf mistral-w --arch MistralForCausalLM --sliding-window 128 --dtype fp8 --shards 2
	run "MistralForCausalLM: greedy 200" "$llm" mistral -t 0 -n 200 &&
	if cmp -s out "$ref"; then
		ok "MistralForCausalLM: stdout is byte for byte the reference"
	else
		not_ok "MistralForCausalLM: stdout differs from $ref"
	fi
	run "MistralForCausalLM, sliding_window 128, FP8" "$llm" mistral-w -t 0 -n 128 &&
	check "sliding_window 128: the context is 128 positions" \
		grep -q 'vocab 512, seq 128, rope theta 10000$' err
	;;
*)
	echo "usage: check-hf.sh reference|agree|errors|dummy|config <npu-llm> <gen-hf> <models dir> <work dir>"
	exit 2 ;;
esac
tap_done
