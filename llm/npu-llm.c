// SPDX-License-Identifier: MIT
/*
 * npu-llm: run a llama model, every matmul through a backend (llm.h).
 *
 *   npu-llm model.bin -z tokenizer.bin -i "Once upon a time"
 *   npu-llm model.gguf -t 0.0 -n 200
 *   npu-llm --load-format dummy --config 288,768,6,6,6,512,256
 *   npu-llm model-peer-d0.gguf -n 200          (a package of npu-llm-pack)
 *
 * The generated text goes to stdout, everything else to stderr.  The
 * flags of llama2.c's run work the same; so does the text.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf.h"
#include "llm.h"

struct options {
	const char *checkpoint;
	const char *tokenizer;
	const char *prompt;
	const char *system_prompt;
	const char *mode;
	float temperature;
	float topp;
	long long seed;
	int steps;
	const char *device;
	int device_given;
	enum llm_dtype dtype;
	int dtype_given;
	int npu_index;
	int cores;
	int dies;
	int dies_given;
	int verify;
	int compare;
	int keep_embedding;
	const char *reference;
	enum llm_format format;
	const char *config;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage:   npu-llm <checkpoint> [options]\n"
		"Example: npu-llm model.bin -z tokenizer.bin -n 256 -i \"Once upon a time\"\n"
		"         npu-llm model-peer-d0.gguf -n 256   (a peer package: npu-llm-pack)\n"
		"Options:\n"
		"  -t <float>  temperature in [0,inf], default 1.0\n"
		"  -p <float>  p value in top-p (nucleus) sampling in [0,1], default 0.9\n"
		"  -s <int>    random seed, default time(NULL)\n"
		"  -n <int>    number of steps to run for, default 256. 0 = context length\n"
		"  -i <string> input prompt\n"
		"  -z <string> tokenizer.bin of a llama2.c checkpoint (default: tokenizer.bin;\n"
		"              GGUF files and model directories carry their own)\n"
		"  -m <string> mode: generate|chat, default: generate\n"
		"  -y <string> (optional) system prompt in chat mode\n"
		"  --device cpu|npu       where the matmuls run, default cpu (npu for a package)\n"
		"  --dtype fp16|int8      NPU matmul precision, default fp16 (a package's own)\n"
		"  --npu <int>            NPU die to use, default 0\n"
		"  --cores <int>          NPU cores each matmul is spread over, default 0 (all)\n"
		"  --dies <int>           peer mode: split every matrix over this many dies\n"
		"                         of the package, default 1 (a peer package's own)\n"
		"  --verify               check every matmul against the CPU reference\n"
		"  --compare              run the CPU reference beside --device npu, both fed\n"
		"                         the CPU's greedy tokens (teacher forcing): print\n"
		"                         top-1 agreement and the mean KL divergence\n"
		"  --keep-embedding       on the NPU, keep the host's copy of an embedding\n"
		"                         its classifier is tied to (exact rows, more\n"
		"                         memory); by default its rows are read back from\n"
		"                         the packed classifier\n"
		"  --reference <model>    --compare against another model on the cpu (e.g.\n"
		"                         the F32 directory of a BF16 or FP8 one)\n"
		"  --load-format auto|llama2c|gguf|dummy\n"
		"                         model file format, default auto (by magic; a\n"
		"                         peer package is GGUF; a directory: Hugging Face\n"
		"                         config.json, safetensors, tokenizer.json; dummy\n"
		"                         DIR: its shape, random weights)\n"
		"  --config dim,hidden,layers,heads,kv_heads,vocab,seq\n"
		"                         shape of --load-format dummy (random weights;\n"
		"                         vocab < 0: classifier not shared); it always\n"
		"                         runs all -n steps, for timing\n");
}

#define usage_error(...) llm_usage_error(usage, __VA_ARGS__)

static float parse_float(const char *flag, const char *s)
{
	char *end;
	float v;

	errno = 0;
	v = strtof(s, &end);
	if (!*s || *end || isnan(v))
		usage_error("%s %s: not a number", flag, s);
	if (errno == ERANGE)
		usage_error("%s %s: out of the range of a float (a magnitude from %g to %g, or 0)",
			    flag, s, (double)FLT_MIN, (double)FLT_MAX);
	return v;
}

static long long parse_int(const char *flag, const char *s, long long min,
			   long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || (errno && errno != ERANGE))
		usage_error("%s %s: not an integer", flag, s);
	if (errno || v < min || v > max)
		usage_error("%s %s: out of range (%lld to %lld)", flag, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){
		.temperature = 1.0f, .topp = 0.9f, .steps = 256,
		.mode = "generate", .device = "cpu", .dtype = LLM_DTYPE_FP16,
		.dies = 1,
		.format = LLM_FORMAT_AUTO,
	};
	for (int i = 1; i < argc; i++) {
		static const char *const with_value[] = {
			"-t", "-p", "-s", "-n", "-i", "-z", "-m", "-y", "--device",
			"--dtype", "--load-format", "--config", "--npu", "--cores",
			"--dies", "--reference",
		};
		const char *a = argv[i], *val = NULL;
		char flag[32];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(EXIT_SUCCESS);
		}
		if (!strcmp(a, "--verify")) {
			o->verify = 1;
			continue;
		}
		if (!strcmp(a, "--keep-embedding")) {
			o->keep_embedding = 1;
			continue;
		}
		if (!strcmp(a, "--compare")) {
			o->compare = 1;
			continue;
		}
		if (a[0] != '-') {
			if (o->checkpoint)
				usage_error("%s: more than one checkpoint", a);
			o->checkpoint = a;
			continue;
		}
		/* the rest take a value: "-x value", "--flag value", "--flag=value" */
		switch (llm_option_value(argc, argv, &i, with_value,
					 sizeof(with_value) / sizeof(with_value[0]),
					 flag, sizeof(flag), &val)) {
		case -1:
			usage_error("%s: unknown option", a);
		case -2:
			usage_error("%s: missing value", a);
		default:
			break;
		}

		if (!strcmp(flag, "-t"))
			o->temperature = parse_float(flag, val);
		else if (!strcmp(flag, "-p"))
			o->topp = parse_float(flag, val);
		else if (!strcmp(flag, "-s"))
			o->seed = parse_int(flag, val, LLONG_MIN, LLONG_MAX);
		else if (!strcmp(flag, "-n"))
			o->steps = (int)parse_int(flag, val, INT_MIN, INT_MAX);
		else if (!strcmp(flag, "-i"))
			o->prompt = val;
		else if (!strcmp(flag, "-z"))
			o->tokenizer = val;
		else if (!strcmp(flag, "-m"))
			o->mode = val;
		else if (!strcmp(flag, "-y"))
			o->system_prompt = val;
		else if (!strcmp(flag, "--device")) {
			o->device = val;
			o->device_given = 1;
		}
		else if (!strcmp(flag, "--dtype")) {
			if (llm_parse_dtype(val, &o->dtype))
				usage_error("--dtype %s: expected fp16 or int8", val);
			o->dtype_given = 1;
		} else if (!strcmp(flag, "--load-format")) {
			if (llm_parse_format(val, 1, &o->format))
				usage_error("--load-format %s: expected auto, llama2c, gguf or dummy", val);
		} else if (!strcmp(flag, "--config"))
			o->config = val;
		else if (!strcmp(flag, "--npu"))
			o->npu_index = (int)parse_int(flag, val, 0, 255);
		else if (!strcmp(flag, "--cores"))
			o->cores = (int)parse_int(flag, val, 0, LLM_MAX_CORES);
		else if (!strcmp(flag, "--reference")) {
			o->reference = val;
			o->compare = 1;
		} else if (!strcmp(flag, "--dies")) {
			o->dies = (int)parse_int(flag, val, 1, LLM_MAX_DIES);
			o->dies_given = 1;
		} else
			usage_error("%s: unknown option", flag);
	}

	if (strcmp(o->mode, "generate") && strcmp(o->mode, "chat"))
		usage_error("-m %s: expected generate or chat", o->mode);
	if (strcmp(o->device, "cpu") && strcmp(o->device, "npu"))
		usage_error("--device %s: expected cpu or npu", o->device);
	if (o->compare && strcmp(o->mode, "generate"))
		usage_error("--compare works in -m generate");
	if (o->format == LLM_FORMAT_DUMMY) {
		if (!o->config && !llm_hf_detect(o->checkpoint))
			usage_error("--load-format dummy needs --config dim,hidden,layers,heads,kv_heads,vocab,seq or a model directory");
		if (o->checkpoint && (o->config || !llm_hf_detect(o->checkpoint)))
			usage_error("%s: with --load-format dummy only a model directory's config.json is read", o->checkpoint);
	} else {
		if (o->config)
			usage_error("--config %s: only with --load-format dummy", o->config);
		if (!o->checkpoint)
			usage_error("no checkpoint given");
	}

	/* llama2.c's clamps */
	if (o->temperature < 0.0f)
		o->temperature = 0.0f;
	if (o->topp < 0.0f || o->topp > 1.0f)
		o->topp = 0.9f;
	if (o->seed <= 0)
		o->seed = (unsigned int)time(NULL);
	if (o->steps < 0)
		o->steps = 0;
}

/*
 * A peer package (npu-llm-pack): its weights exist only as the NPU takes
 * them, cut for a number of dies, so it runs on --device npu with its own
 * --dies and --dtype.  The CPU reference (--device cpu, --verify,
 * --compare) needs the fp32 weights of the model it was made from.
 */
static int use_package(struct options *o, const struct llm_model *m)
{
	const char *dt = llm_dtype_name(m->packed_dtype);

	if (o->device_given && strcmp(o->device, "npu")) {
		llm_err("%s is a peer package, weights converted for the NPU (%s, cut for %d die(s)): --device %s needs the model it was made from",
			o->checkpoint, dt, m->packed_dies, o->device);
		return -1;
	}
	if (o->verify || o->compare) {
		llm_err("%s is a peer package: %s checks the NPU against the cpu reference, which needs the fp32 weights of the model it was made from",
			o->checkpoint, o->verify ? "--verify" : "--compare");
		return -1;
	}
	if (o->dies_given && o->dies != m->packed_dies) {
		llm_err("--dies %d: %s is cut for %d die(s); write one for %d with npu-llm-pack --dies %d",
			o->dies, o->checkpoint, m->packed_dies, o->dies, o->dies);
		return -1;
	}
	if (o->dtype_given && o->dtype != m->packed_dtype) {
		llm_err("--dtype %s: %s holds %s weights; write one with npu-llm-pack --dtype %s",
			llm_dtype_name(o->dtype), o->checkpoint, dt, llm_dtype_name(o->dtype));
		return -1;
	}
	o->device = "npu";
	o->dies = m->packed_dies;
	o->dtype = m->packed_dtype;
	fprintf(stderr, "%s: %s: peer package, %s, cut for %d die(s); every die's data hash verified\n",
		llm_program, o->checkpoint, dt, m->packed_dies);
	return 0;
}

/* "dim,hidden,layers,heads,kv_heads,vocab,seq"; vocab < 0: unshared classifier */
static int parse_config(const char *s, struct llm_config *c, int *shared)
{
	long v[7];
	const char *p = s;

	for (int i = 0; i < 7; i++) {
		char *end;

		errno = 0;
		v[i] = strtol(p, &end, 10);
		if (end == p || errno || v[i] < INT_MIN + 1 || v[i] > INT_MAX ||
		    *end != (i < 6 ? ',' : '\0')) {
			llm_err("--config %s: expected 7 integers dim,hidden,layers,heads,kv_heads,vocab,seq",
				s);
			return -1;
		}
		p = end + 1;
	}
	*shared = v[5] > 0;
	*c = (struct llm_config){
		.dim = (int)v[0], .hidden_dim = (int)v[1], .n_layers = (int)v[2],
		.n_heads = (int)v[3], .n_kv_heads = (int)v[4],
		.vocab_size = (int)(v[5] < 0 ? -v[5] : v[5]), .seq_len = (int)v[6],
		.norm_eps = 1e-5f, .rope_theta = 10000.0f,
	};
	return 0;
}

/* ------------------------------------------------------------------------
 * Generation
 */

/*
 * A Hugging Face directory is loaded for what the run needs: for the cpu
 * (and the references of --verify and --compare, unless --reference is
 * another model) F16 and BF16 weights as stored, F32 and FP8 ones as
 * fp32; the NPU's type otherwise, so that on the NPU FP8 or BF16 weights
 * never exist as fp32.
 */
static int load_model(struct llm_model *m, const struct options *o)
{
	struct llm_hf_info hi;
	struct llm_config cfg;
	int shared;

	if (o->format == LLM_FORMAT_DUMMY && o->checkpoint)
		return llm_hf_config(o->checkpoint, &cfg, &hi) ||
		       llm_model_dummy(m, &cfg, hi.tied) ? -1 : 0;
	if (o->format == LLM_FORMAT_DUMMY)
		return parse_config(o->config, &cfg, &shared) ||
		       llm_model_dummy(m, &cfg, shared) ? -1 : 0;
	if (o->format == LLM_FORMAT_AUTO && llm_hf_detect(o->checkpoint))
		return llm_model_load_hf(m, o->checkpoint,
					 strcmp(o->device, "npu") || o->verify ||
					 (o->compare && !o->reference) ?
					 LLM_DTYPE_FP32 : o->dtype,
					 !o->tokenizer);
	return llm_model_load(m, o->checkpoint, o->format, !o->tokenizer);
}

static double elapsed_s(uint64_t from)
{
	return (double)(llm_now_ns() - from) / 1e9;
}

/* llama2.c's timer: from the end of the first step to the end of the last. */
struct timing {
	uint64_t start;		/* 0 until the first token is out */
	uint64_t end;
	int pos;
};

/* A token's text on stdout; the timer starts with the first one. */
static void print_token(const struct llm_tokenizer *tok, int token, int next,
			struct timing *tm)
{
	llm_safe_print(llm_decode(tok, token, next));
	fflush(stdout);
	if (!tm->start)
		tm->start = llm_now_ns();
}

/* The end of the text: a newline, the timer stopped at pos positions. */
static void end_text(struct timing *tm, int pos)
{
	printf("\n");
	tm->end = llm_now_ns();
	tm->pos = pos;
}

/*
 * llama2.c's generate loop: the prompt is fed (and echoed), then tokens
 * are sampled until steps positions are done or, when stop_at_special,
 * the model emits BOS (a new story) or EOS.
 */
static int generate(struct llm_run *r, const struct llm_tokenizer *tok,
		    struct llm_sampler *sampler, const char *prompt, int steps,
		    int stop_at_special, struct timing *tm)
{
	int *tokens, n_tokens = 0, token, next = 0, pos = 0, bos = !tok->no_bos;

	if (!prompt)
		prompt = "";
	tokens = malloc((strlen(prompt) + 3) * sizeof(*tokens));
	if (!tokens || llm_encode(tok, prompt, !tok->no_bos, 0, tokens, &n_tokens)) {
		free(tokens);
		return -1;
	}

	/*
	 * Without BOS (tokenizer_config.json's add_bos_token false) an empty
	 * prompt is no token at all: the model still needs a first one.
	 */
	if (!n_tokens) {
		fprintf(stderr, "npu-llm: the prompt is empty and the tokenizer adds no BOS: starting from BOS\n");
		tokens[n_tokens++] = tok->bos_id;
		bos = 1;
	}
	if (n_tokens > steps) {
		llm_err("the prompt is %d tokens (%s BOS), more than the %d positions of this run (-n %d; the model's context length is %d): shorten the prompt or raise -n",
			n_tokens, bos ? "with" : "without",
			steps, steps, r->model->cfg.seq_len);
		free(tokens);
		return -1;
	}

	token = tokens[0];
	/* the prompt is echoed by its successors; without BOS, its first too */
	if (!bos) {
		llm_safe_print(llm_decode(tok, tok->bos_id, token));
		fflush(stdout);
	}
	while (pos < steps) {
		float *logits = llm_forward(r, token, pos);

		if (!logits)
			goto fail;
		if (pos < n_tokens - 1)
			next = tokens[pos + 1];		/* still in the prompt */
		else
			next = llm_sample(sampler, logits);
		pos++;

		/* BOS starts a new sequence, EOS ends this one */
		if (stop_at_special && (next == tok->bos_id || next == tok->eos_id))
			break;
		print_token(tok, token, next, tm);
		token = next;
	}
	end_text(tm, pos);
	free(tokens);
	return 0;
fail:
	if (pos)
		printf("\n");
	free(tokens);
	return -1;
}

/* The largest logit minus the second largest: how close the choice was. */
static double margin(const float *v, int n)
{
	int a = llm_argmax(v, n);
	float second = -INFINITY;

	for (int i = 0; i < n; i++) {
		if (i != a && v[i] > second)
			second = v[i];
	}
	return (double)v[a] - (double)second;
}

/* log-softmax of n logits into out, in double */
static void log_softmax(const float *v, int n, double *out)
{
	double max = v[0], sum = 0.0;

	for (int i = 1; i < n; i++) {
		if (v[i] > max)
			max = v[i];
	}
	for (int i = 0; i < n; i++)
		sum += exp((double)v[i] - max);
	for (int i = 0; i < n; i++)
		out[i] = (double)v[i] - max - log(sum);
}

/* KL(P || Q) of the distributions two logit vectors give, in nats */
static double kl_divergence(const float *p_logits, const float *q_logits,
			    int n, double *lp, double *lq)
{
	double kl = 0.0;

	log_softmax(p_logits, n, lp);
	log_softmax(q_logits, n, lq);
	for (int i = 0; i < n; i++)
		kl += exp(lp[i]) * (lp[i] - lq[i]);
	return kl;
}

/*
 * --compare: the device and the CPU reference run the same tokens, the
 * CPU's greedy choices (the reference text), so that one early difference
 * does not make every later position incomparable.  Per position: whether
 * both pick the same top token, and KL(cpu || device) of the softmaxed
 * logits.  Teacher forcing goes on for all the requested positions: a
 * BOS or EOS the reference picks is fed like any other token (and
 * counted in the summary), so the number of positions compared is the
 * number asked for.
 */
static int compare(struct llm_run *dev, struct llm_run *cpu,
		   const struct llm_tokenizer *tok, int steps,
		   struct timing *tm)
{
	int n = dev->model->cfg.vocab_size, token = tok->bos_id, pos = 0;
	int agree = 0, first = -1, specials = 0;
	double kl_sum = 0.0, kl_max = 0.0, first_margin = 0.0, dev_margin = 0.0;
	double *lp = malloc((size_t)n * sizeof(*lp));
	double *lq = malloc((size_t)n * sizeof(*lq));
	int ret = -1;

	if (!lp || !lq) {
		llm_err("out of memory");
		goto out;
	}
	while (pos < steps) {
		float *ld = llm_forward(dev, token, pos);
		float *lc = ld ? llm_forward(cpu, token, pos) : NULL;
		int next, dnext;
		double kl;

		if (!lc)
			goto out;
		next = llm_argmax(lc, n);
		dnext = llm_argmax(ld, n);
		kl = kl_divergence(lc, ld, n, lp, lq);
		kl_sum += kl;
		if (kl > kl_max)
			kl_max = kl;
		if (next == dnext) {
			agree++;
		} else if (first < 0) {
			first = pos;
			first_margin = margin(lc, n);
			dev_margin = (double)ld[dnext] - (double)ld[next];
		}
		pos++;
		if (next == tok->bos_id || next == tok->eos_id)
			specials++;
		print_token(tok, token, next, tm);
		token = next;
	}
	end_text(tm, pos);
	fprintf(stderr, "npu-llm: compare: %s %s %s against cpu fp32 %s, %d positions teacher-forced: top-1 agreement %d/%d (%.2f%%), mean KL %.3e nats, max KL %.3e\n",
		dev->model->format, dev->backend->name,
		llm_dtype_name(dev->backend->dtype), cpu->model->format, pos,
		agree, pos, pos ? 100.0 * agree / pos : 0.0,
		pos ? kl_sum / pos : 0.0, kl_max);
	fprintf(stderr, "npu-llm: compare: %d of %d requested positions compared; the reference picked BOS or EOS at %d of them and was fed on\n",
		pos, steps, specials);
	if (first < 0)
		fprintf(stderr, "npu-llm: compare: no divergence: the device picks the cpu's token at every position\n");
	else
		fprintf(stderr, "npu-llm: compare: first divergence at step %d: cpu margin %.4g (top-1 minus top-2 logit), device prefers its token by %.4g\n",
			first, first_margin, dev_margin);
	ret = 0;
out:
	free(lp);
	free(lq);
	return ret;
}

/* A line from stdin without its newline; NULL at end of input. */
static char *read_line(const char *guide)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	printf("%s", guide);
	fflush(stdout);
	len = getline(&line, &cap, stdin);
	if (len < 0) {
		free(line);
		return NULL;
	}
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	return line;
}

/*
 * Llama 2 chat: each user turn is "[INST] <<SYS>>\n{system}\n<</SYS>>\n\n
 * {user} [/INST]" (the system part only in the first turn) after BOS; the
 * assistant answers until EOS.
 */
static int chat(struct llm_run *r, const struct llm_tokenizer *tok,
		struct llm_sampler *sampler, const char *cli_user,
		const char *cli_system, int steps, struct timing *tm)
{
	char *system = NULL, *user = NULL, *rendered = NULL;
	int *tokens = NULL, n_tokens = 0, idx = 0, user_turn = 1;
	int token, next = 0, pos = 0, ret = -1;

	while (pos < steps) {
		if (user_turn) {
			size_t len;

			if (pos == 0) {
				system = cli_system ? strdup(cli_system) :
					 read_line("Enter system prompt (optional): ");
				if (!system)
					break;
			}
			free(user);
			user = pos == 0 && cli_user ? strdup(cli_user) :
			       read_line("User: ");
			if (!user)
				break;
			len = strlen(system) + strlen(user) + 64;
			free(rendered);
			free(tokens);
			rendered = malloc(len);
			tokens = malloc((len + 3) * sizeof(*tokens));
			if (!rendered || !tokens) {
				llm_err("out of memory");
				goto out;
			}
			if (pos == 0 && system[0])
				snprintf(rendered, len,
					 "[INST] <<SYS>>\n%s\n<</SYS>>\n\n%s [/INST]",
					 system, user);
			else
				snprintf(rendered, len, "[INST] %s [/INST]", user);
			if (llm_encode(tok, rendered, !tok->no_bos, 0, tokens, &n_tokens))
				goto out;
			if (n_tokens > steps - pos) {
				llm_err("the turn is %d tokens, more than the %d positions left of this run's %d (-n; the model's context length is %d)",
					n_tokens, steps - pos, steps,
					r->model->cfg.seq_len);
				goto out;
			}
			idx = 0;
			user_turn = 0;
			printf("Assistant: ");
			fflush(stdout);
		}

		token = idx < n_tokens ? tokens[idx++] : next;
		if (!llm_forward(r, token, pos))
			goto out;
		pos++;
		if (token == tok->eos_id) {
			user_turn = 1;		/* the answer is complete, in the cache */
			continue;
		}
		next = llm_sample(sampler, r->logits);
		if (idx >= n_tokens) {		/* the assistant speaks */
			if (next == tok->eos_id) {
				printf("\n");
				fflush(stdout);
			} else {
				print_token(tok, token, next, tm);
			}
		}
	}
	ret = 0;
out:
	end_text(tm, pos);
	free(system);
	free(user);
	free(rendered);
	free(tokens);
	return ret;
}

/* ------------------------------------------------------------------------
 * Statistics, on stderr
 */

/* What --verify accepts, as relative error of an output vector. */
static double verify_tolerance(enum llm_dtype d)
{
	return d == LLM_DTYPE_FP32 ? 0.0 : d == LLM_DTYPE_FP16 ? 1e-2 : 5e-2;
}

/* VmRSS, VmHWM and RssShmem of /proc/self/status in bytes; 0 where unknown. */
static void resident_memory(uint64_t *now, uint64_t *peak, uint64_t *shmem)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb;

	*now = *peak = *shmem = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			*now = kb * 1024;
		else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			*peak = kb * 1024;
		else if (sscanf(line, "RssShmem: %llu kB", &kb) == 1)
			*shmem = kb * 1024;
	}
	if (f)
		fclose(f);
}

#define MIB(x)	((double)(x) / (1 << 20))

/* What main() gave back after packing, for the statistics */
static size_t dropped_bytes;
static int embedding_on_device;

/*
 * What the run holds, host and device together, against what it cannot
 * do without: the packed weights and the KV cache (on the CPU: its
 * weights and the KV cache).  The host side is the whole resident set,
 * with the weights it still reads (embedding, norms); BOs mapped into
 * the process may count there too (RssShmem, printed), so the sum errs
 * on the high side, never the low.
 */
static void print_footprint(const struct llm_run *r, const struct llm_model *m,
			    const struct llm_backend_stats *bs, uint64_t rss,
			    uint64_t shmem)
{
	const struct llm_config *c = &m->cfg;
	uint64_t kv = 2ull * (uint64_t)c->n_layers * (uint64_t)r->n_ctx *
		      (uint64_t)(c->dim / c->n_heads * c->n_kv_heads) * sizeof(float);
	uint64_t dev = 0, need, weights;

	for (int d = 0; d < bs->dies; d++)
		dev += bs->die[d].mem_total;
	weights = bs->device ? bs->weight_bytes : llm_model_cpu_weight_bytes(m);
	need = weights + kv;
	fprintf(stderr, "npu-llm: stats: footprint: resident %.1f MiB (of which shmem %.1f) + device buffers %.1f MiB = %.1f MiB; %s weights %.1f MiB + KV cache %.1f MiB = %.1f MiB; ratio %.3f; host-side weights %.1f MiB\n",
		MIB(rss), MIB(shmem), MIB(dev), MIB(rss + dev),
		bs->device ? "packed" : "cpu", MIB(weights), MIB(kv), MIB(need),
		need ? (double)(rss + dev) / (double)need : 0.0,
		MIB(llm_model_cpu_weight_bytes(m)));
	if (bs->device)
		fprintf(stderr, "npu-llm: stats: footprint: %.1f MiB of host weights dropped after packing; embedding %s\n",
			MIB(dropped_bytes), embedding_on_device ?
			"read from the packed classifier on the device" :
			llm_weight_set(&m->embedding) ? "on the host" : "none");
}

/* The bytes of the model's mapped files: its file, or a directory's shards */
static uint64_t model_file_bytes(const struct llm_model *m)
{
	uint64_t n = m->map_size;

	for (int i = 0; i < m->n_shards; i++)
		n += m->shards[i].size;
	return n;
}

static int print_stats(const struct llm_run *r, const struct llm_backend *b,
		       const struct llm_model *m, const struct timing *tm,
		       uint64_t t_start)
{
	const struct llm_run_stats *s = &r->stats;
	const struct llm_config *c = &m->cfg;
	struct llm_backend_stats bs = { 0 };
	double per = s->forwards ? (double)s->forwards : 1.0;
	double run_s = elapsed_s(t_start);
	const char *na = b->name;
	uint64_t rss, rss_peak, shmem;
	int ok = 1;

	if (tm->pos > 1 && tm->start)
		fprintf(stderr, "achieved tok/s: %f\n",
			(tm->pos - 1) / ((double)(tm->end - tm->start) / 1e9));
	if (b->get_stats)
		b->get_stats(b->ctx, &bs);

	fprintf(stderr, "npu-llm: stats: device %s, %s; %s model dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d, seq %d, rope theta %g\n",
		b->name, llm_dtype_name(b->dtype), m->format, c->dim, c->hidden_dim,
		c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size, c->seq_len,
		(double)c->rope_theta);
	if (!strcmp(m->format, "dummy"))
		fprintf(stderr, "npu-llm: stats: gate: dummy (random weights: the architecture, the shapes and the %s path, not the output)\n",
			b->name);
	else
		fprintf(stderr, "npu-llm: stats: gate: real weights (%s)\n", m->format);
	fprintf(stderr, "npu-llm: stats: tokens: %llu forward passes in %.3f s\n",
		(unsigned long long)s->forwards, run_s);
	resident_memory(&rss, &rss_peak, &shmem);
	fprintf(stderr, "npu-llm: stats: memory: resident %.1f MiB, peak %.1f MiB; model file %.1f MiB\n",
		(double)rss / (1 << 20), (double)rss_peak / (1 << 20),
		(double)model_file_bytes(m) / (1 << 20));
	print_footprint(r, m, &bs, rss, shmem);
	fprintf(stderr, "npu-llm: stats: matmuls/token: %.0f calls, %.0f weights, %.3f MFLOP\n",
		(double)s->matmuls / per, (double)s->weights / per,
		(double)s->flops / per / 1e6);
	fprintf(stderr, "npu-llm: stats: matmul time/token: %.1f us (%.0f%% of the run)\n",
		(double)s->matmul_ns / per / 1e3,
		run_s > 0 ? (double)s->matmul_ns / 1e9 / run_s * 100.0 : 0.0);
	if (bs.device) {
		double other = (double)s->matmul_ns - (double)(bs.pack_ns +
			       bs.submit_ns + bs.wait_ns + bs.unpack_ns);
		/*
		 * The wall time of the device, not the sum over dies: two
		 * dies at work at once would otherwise count twice and hide
		 * the driver's share.
		 */
		double overhead = (double)(bs.submit_ns + bs.wait_ns) -
				  (double)bs.device_wall_ns;

		fprintf(stderr, "npu-llm: stats: submits/token: %.2f, jobs/token: %.2f, waits/token: %.2f\n",
			(double)bs.submits / per, (double)bs.jobs / per,
			(double)bs.waits / per);
		fprintf(stderr, "npu-llm: stats: activations/token: %.1f KB in, %.1f KB out, each copied once: converted into the input BO, read from the output BO\n",
			(double)bs.act_in_bytes / per / 1e3,
			(double)bs.act_out_bytes / per / 1e3);
		for (int d = 0; d < bs.dies; d++) {
			const struct llm_die_stats *ds = &bs.die[d];

			fprintf(stderr, "npu-llm: stats: die %d %s: busy (fdinfo):",
				d, ds->node);
			for (int k = 0; k < ds->cores; k++)
				fprintf(stderr, " core%d %.1f ms,", k,
					(double)ds->core_busy_ns[k] / 1e6);
			fprintf(stderr, " all %.1f ms (%.0f%% of the run, per core)\n",
				(double)ds->busy_ns / 1e6,
				run_s > 0 && ds->cores ? (double)ds->busy_ns / 1e9 /
				run_s / ds->cores * 100.0 : 0.0);
			fprintf(stderr, "npu-llm: stats: die %d %s: memory (fdinfo): %.1f MiB total, %.1f MiB resident; packed weights %.1f MiB\n",
				d, ds->node, (double)ds->mem_total / (1 << 20),
				(double)ds->mem_resident / (1 << 20),
				(double)ds->weight_bytes / (1 << 20));
		}
		fprintf(stderr, "npu-llm: stats: time/token: pack %.1f us, submit %.1f us, wait %.1f us, unpack %.1f us, other matmul %.1f us, cpu ops %.1f us\n",
			(double)bs.pack_ns / per / 1e3,
			(double)bs.submit_ns / per / 1e3,
			(double)bs.wait_ns / per / 1e3,
			(double)bs.unpack_ns / per / 1e3,
			(other > 0 ? other : 0.0) / per / 1e3,
			(run_s * 1e9 - (double)s->matmul_ns) / per / 1e3);
		fprintf(stderr, "npu-llm: stats: driver overhead: %.1f us/token, %.1f%% of the run (submit + wait beyond the %.1f us/token during which a core ran, overlapping dies counted once)\n",
			(overhead > 0 ? overhead : 0.0) / per / 1e3,
			run_s > 0 ? (overhead > 0 ? overhead : 0.0) / 1e9 /
			run_s * 100.0 : 0.0,
			(double)bs.device_wall_ns / per / 1e3);
	} else {
		fprintf(stderr, "npu-llm: stats: submits/token: n.a. (%s)\n", na);
		fprintf(stderr, "npu-llm: stats: npu busy: n.a. (%s)\n", na);
		fprintf(stderr, "npu-llm: stats: time/token: cpu matmul %.1f us, cpu ops %.1f us\n",
			(double)s->matmul_ns / per / 1e3,
			(run_s * 1e9 - (double)s->matmul_ns) / per / 1e3);
	}
	if (r->verify) {
		double tol = verify_tolerance(b->dtype);

		ok = s->max_rel_err <= tol;
		fprintf(stderr, "npu-llm: stats: verify: %llu matmuls against the cpu reference, max abs err %g, max rel err %g (tolerance %g): %s\n",
			(unsigned long long)s->verified, s->max_abs_err,
			s->max_rel_err, tol, ok ? "ok" : "FAILED");
	} else {
		fprintf(stderr, "npu-llm: stats: verify: off\n");
	}
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * main
 */

/*
 * The matmul backend of --device.  With --device npu and no usable NPU
 * this fails: there is no silent fallback to the CPU.
 */
static int open_backend(const struct options *o, struct llm_backend *b)
{
	int err;

	if (!strcmp(o->device, "npu")) {
		err = llm_backend_npu(b, (unsigned int)o->npu_index, o->dtype,
				      o->cores, o->dies);
		return err ? -1 : 0;
	}
	if (o->dtype_given)
		fprintf(stderr, "npu-llm: note: --dtype %s is for --device npu; the cpu computes in fp32\n",
			llm_dtype_name(o->dtype));
	err = llm_backend_cpu(b);
	if (err)
		llm_err("--device %s: %s", o->device, strerror(-err));
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct llm_tokenizer own_tok, *tok = NULL;
	struct llm_model model = { 0 }, ref_model = { 0 };
	struct llm_backend backend = { 0 };
	struct llm_sampler sampler = { 0 };
	struct llm_run run = { 0 }, ref_run = { 0 };
	struct llm_backend cpu = { 0 };
	struct timing tm = { 0 };
	struct options o;
	uint64_t t_start;
	int err = 0, steps, n_ctx, ret = EXIT_FAILURE;

	parse_args(argc, argv, &o);

	/* the model; a peer package sets the device, the dies and the type */
	if (load_model(&model, &o))
		return EXIT_FAILURE;
	if (model.packed_dies && use_package(&o, &model))
		goto out_model;
	if (o.dies > 1 && strcmp(o.device, "npu"))
		usage_error("--dies %d: peer mode is for --device npu", o.dies);
	if (o.compare && !o.reference && strcmp(o.device, "npu"))
		usage_error("--compare compares --device npu with the cpu");
	if (open_backend(&o, &backend))
		goto out_model;

	/* the tokenizer: -z, else the model file's, else llama2.c's default;
	 * dummy weights get a byte-level one */
	if (o.format == LLM_FORMAT_DUMMY && !o.tokenizer) {
		if (llm_tokenizer_bytes(&own_tok, model.cfg.vocab_size))
			goto out_model;
		tok = &own_tok;
	} else if (!(tok = llm_model_tokenizer(&model, o.tokenizer, &own_tok))) {
		goto out_model;
	}
	if (tok->vocab_size != model.cfg.vocab_size) {
		llm_err("the tokenizer has %d tokens, the model %d", tok->vocab_size,
			model.cfg.vocab_size);
		goto out_tok;
	}

	/*
	 * Steps: llama2.c's default and "0 = the context length".  Beyond
	 * the context length the KV cache simply grows (RoPE needs no table),
	 * with a warning: some converters write a smaller context than the
	 * model was trained with (stories260K.gguf says 128, the .bin 512).
	 */
	steps = o.steps ? o.steps : model.cfg.seq_len;
	if (steps > model.cfg.seq_len)
		fprintf(stderr, "npu-llm: warning: %d steps exceed the model's context length %d; positions past it are untrained\n",
			steps, model.cfg.seq_len);
	n_ctx = steps;

	for (int i = 0; backend.prepare && i < model.n_groups; i++) {
		err = backend.prepare(backend.ctx, model.groups[i]);
		if (err) {
			llm_err("%s backend: cannot prepare %s (%d x %d): %s",
				backend.name, model.groups[i]->name,
				model.groups[i]->rows, model.groups[i]->cols,
				strerror(-err));
			goto out_tok;
		}
	}
	/*
	 * Packed, the weights have no reader left on the host but the CPU
	 * reference of --verify and --compare: their storage goes, and the
	 * embedding too when the classifier is tied to it (its rows are
	 * read back from the device).
	 */
	if (backend.prepare && !o.verify && !(o.compare && !o.reference)) {
		int embd = model.tied_output && backend.get_row && !o.keep_embedding;
		size_t dropped = llm_model_drop_weights(&model, embd);

		dropped_bytes = dropped;
		embedding_on_device = embd;
	}
	if (llm_run_init(&run, &model, &backend, n_ctx, o.verify))
		goto out_tok;
	if (o.reference && llm_model_load(&ref_model, o.reference,
					  LLM_FORMAT_AUTO, 0))
		goto out_run;
	if (o.reference && memcmp(&ref_model.cfg, &model.cfg, sizeof(model.cfg))) {
		llm_err("--reference %s: not the shape of %s", o.reference,
			o.checkpoint);
		goto out_run;
	}
	if (o.compare && (llm_backend_cpu(&cpu) ||
			  llm_run_init(&ref_run, o.reference ? &ref_model : &model,
				       &cpu, n_ctx, 0)))
		goto out_run;
	if (llm_sampler_init(&sampler, model.cfg.vocab_size, o.temperature,
			     o.topp, (uint64_t)o.seed))
		goto out_run;

	if (o.format == LLM_FORMAT_DUMMY)
		fprintf(stderr, "npu-llm: NOTICE: --load-format dummy: random weights, the output is meaningless\n");
	t_start = llm_now_ns();
	if (o.compare)
		err = compare(&run, &ref_run, tok, steps, &tm);
	else if (!strcmp(o.mode, "generate"))
		err = generate(&run, tok, &sampler, o.prompt, steps,
			       o.format != LLM_FORMAT_DUMMY, &tm);
	else
		err = chat(&run, tok, &sampler, o.prompt, o.system_prompt, steps, &tm);
	fflush(stdout);
	if (print_stats(&run, &backend, &model, &tm, t_start) == 0 && !err)
		ret = EXIT_SUCCESS;

	llm_sampler_free(&sampler);
out_run:
	llm_run_free(&ref_run);
	llm_run_free(&run);
	llm_model_free(&ref_model);
	if (cpu.destroy)
		cpu.destroy(cpu.ctx);
out_tok:
	if (tok == &own_tok)
		llm_tokenizer_free(&own_tok);
out_model:
	/* the backend's packed weights go before the weights they came from */
	if (backend.destroy)
		backend.destroy(backend.ctx);
	llm_model_free(&model);
	return ret;
}
