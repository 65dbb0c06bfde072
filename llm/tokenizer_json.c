// SPDX-License-Identifier: MIT
/*
 * tokenizer.json: the BPE tokenizers of the llama family (SentencePiece
 * converted: U+2581 for a space, "<0xXX>" byte fallback tokens).
 *
 *   model.vocab    token -> id, ids 0 .. n-1 (with added_tokens)
 *   model.merges   "a b" (or ["a", "b"]), by rank: the first merges first
 *   model.unk_token, tokenizer_config.json's bos_token, eos_token and
 *   add_bos_token (default true)
 *
 * The merges become the scores llm_encode() merges by: the token a merge
 * of rank r makes scores -r (its first merge counts), a token no merge
 * makes scores -1e10, which llm_encode() never merges to.  llm_encode()
 * merges any adjacent pair whose concatenation is a token, where BPE
 * merges only listed pairs; the two agree when the merges list every
 * split of a token into two tokens, as a conversion from SentencePiece
 * writes them (a vocabulary ordered by score: each token's splits at
 * its score's rank).  GPT-2 style byte-level vocabularies (Llama 3) are
 * refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hf.h"

#define NO_MERGE	-1e10f

/* A copy of s with each U+2581 turned into ' ' */
static char *from_sentencepiece(const char *s)
{
	char *d = malloc(strlen(s) + 1), *o = d;

	if (!d)
		return NULL;
	while (*s) {
		if (!strncmp(s, "\xe2\x96\x81", 3)) {
			*o++ = ' ';
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return d;
}

static int put_token(const char *path, char **vocab, int n, const char *tok,
		     struct json_object *idv)
{
	int64_t id = json_object_get_int64(idv);

	if (!json_object_is_type(idv, json_type_int) || id < 0 || id >= n) {
		llm_err("%s: token %s: id %s outside 0..%d (the model's vocab_size)",
			path, tok, json_object_to_json_string(idv), n - 1);
		return -1;
	}
	if (vocab[id]) {
		if (!strcmp(vocab[id], tok))
			return 0;	/* an added token also in model.vocab */
		llm_err("%s: token id %lld is %s and again %s", path,
			(long long)id, vocab[id], tok);
		return -1;
	}
	vocab[id] = from_sentencepiece(tok);
	if (!vocab[id]) {
		llm_err("out of memory");
		return -1;
	}
	return 0;
}

static int read_vocab(const char *path, struct json_object *model,
		      struct json_object *added, char **vocab, int n)
{
	struct json_object *v;

	if (llm_json_get(path, "model", model, "vocab", LLM_JSON_OBJECT,
			 LLM_JSON_REQUIRED, &v))
		return -1;
	json_object_object_foreach(v, key, val) {
		if (put_token(path, vocab, n, key, val))
			return -1;
	}
	for (size_t i = 0; added && i < json_object_array_length(added); i++) {
		struct json_object *a = json_object_array_get_idx(added, i), *id;
		const char *content;
		char where[64];

		snprintf(where, sizeof(where), "added_tokens[%zu]", i);
		if (!a || !llm_json_is(a, LLM_JSON_OBJECT))
			return llm_json_wrong(path, where, a, "an object");
		if (llm_json_string(path, where, a, "content", LLM_JSON_REQUIRED,
				    &content) ||
		    llm_json_get(path, where, a, "id", LLM_JSON_INT,
				 LLM_JSON_REQUIRED, &id) ||
		    put_token(path, vocab, n, content, id))
			return -1;
	}
	for (int i = 0; i < n; i++) {
		if (!vocab[i]) {
			llm_err("%s: no token has id %d: the vocabulary has fewer than the model's %d",
				path, i, n);
			return -1;
		}
	}
	return 0;
}

static int compare_str(const void *key, const void *entry)
{
	return strcmp(key, ((const struct llm_token_index *)entry)->str);
}

/* The id of a token written with U+2581, by the tokenizer's sorted index */
static int token_id(const struct llm_tokenizer *t, const char *s)
{
	char *k = from_sentencepiece(s);
	const struct llm_token_index *hit;

	hit = k ? bsearch(k, t->sorted, (size_t)t->vocab_size,
			  sizeof(*t->sorted), compare_str) : NULL;
	free(k);
	return hit ? hit->id : -1;
}

/* Merge r: "a b" or ["a", "b"] */
static int merge_parts(struct json_object *m, const char **a, const char **b,
		       char *buf, size_t size)
{
	const char *s, *sp;

	if (m && llm_json_is(m, LLM_JSON_ARRAY)) {
		if (json_object_array_length(m) != 2)
			return -1;
		for (size_t i = 0; i < 2; i++) {
			if (!llm_json_is(json_object_array_get_idx(m, i),
					 LLM_JSON_STRING))
				return -1;
		}
		*a = json_object_get_string(json_object_array_get_idx(m, 0));
		*b = json_object_get_string(json_object_array_get_idx(m, 1));
		return 0;
	}
	if (!m || !llm_json_is(m, LLM_JSON_STRING))
		return -1;
	s = json_object_get_string(m);
	sp = strchr(s, ' ');
	if (!sp || strchr(sp + 1, ' ') || (size_t)(sp - s) >= size)
		return -1;
	memcpy(buf, s, (size_t)(sp - s));
	buf[sp - s] = '\0';
	*a = buf;
	*b = sp + 1;
	return 0;
}

static int concat_id(const struct llm_tokenizer *t, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	int id;

	if (!s)
		return -1;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	id = token_id(t, s);
	free(s);
	return id;
}

/* The merges' ranks as scores: every part and result must be a token. */
static int read_merges(const char *path, struct json_object *model,
		       struct llm_tokenizer *t)
{
	struct json_object *ms;
	char buf[1024];

	for (int i = 0; i < t->vocab_size; i++)
		t->scores[i] = NO_MERGE;
	if (llm_json_get(path, "model", model, "merges", LLM_JSON_ARRAY,
			 LLM_JSON_REQUIRED, &ms))
		return -1;
	for (size_t r = 0; r < json_object_array_length(ms); r++) {
		struct json_object *m = json_object_array_get_idx(ms, r);
		const char *a, *b;
		int id;

		if (merge_parts(m, &a, &b, buf, sizeof(buf))) {
			llm_err("%s: merges[%zu] %s: expected \"a b\" or [\"a\", \"b\"]",
				path, r, json_object_to_json_string(m));
			return -1;
		}
		id = concat_id(t, a, b);
		if (token_id(t, a) < 0 || token_id(t, b) < 0 || id < 0) {
			llm_err("%s: merges[%zu] %s: a part or the result is not in the vocabulary",
				path, r, json_object_to_json_string(m));
			return -1;
		}
		if (t->scores[id] == NO_MERGE)
			t->scores[id] = -(float)r;
	}
	return 0;
}

/*
 * bos_token / eos_token: "<s>" or { "content": "<s>", ... }; absent or
 * null: def.  0, or -1 with a message.
 */
static int special_name(const char *path, struct json_object *cfg,
			const char *key, const char *def, const char **name)
{
	struct json_object *v;

	*name = def;
	if (!cfg || !json_object_object_get_ex(cfg, key, &v) || !v)
		return 0;
	if (llm_json_is(v, LLM_JSON_OBJECT))
		return llm_json_string(path, key, v, "content", LLM_JSON_REQUIRED,
				       name);
	if (!llm_json_is(v, LLM_JSON_STRING))
		return llm_json_wrong(path, key, v,
				      "a string or an object with its \"content\"");
	*name = json_object_get_string(v);
	return 0;
}

static int special_id(const char *path, const struct llm_tokenizer *t,
		      const char *what, const char *name, int *id)
{
	*id = token_id(t, name);
	if (*id < 0) {
		llm_err("%s: %s %s is not in the vocabulary", path, what, name);
		return -1;
	}
	return 0;
}

static int check_model(const char *path, struct json_object *root,
		       struct json_object **model)
{
	struct json_object *pre;
	const char *type;

	if (llm_json_get(path, NULL, root, "model", LLM_JSON_OBJECT,
			 LLM_JSON_REQUIRED, model) ||
	    llm_json_string(path, "model", *model, "type", 0, &type))
		return -1;
	if (type && strcmp(type, "BPE")) {
		llm_err("%s: model.type %s: only BPE is supported", path, type);
		return -1;
	}
	/* "pre_tokenizer": null is what SentencePiece conversions write */
	if (llm_json_get(path, NULL, root, "pre_tokenizer", LLM_JSON_OBJECT,
			 LLM_JSON_NULL_OK, &pre) ||
	    llm_json_string(path, "pre_tokenizer", pre, "type", 0, &type))
		return -1;
	if (type && !strcmp(type, "ByteLevel")) {
		llm_err("%s: a byte-level (GPT-2 style) BPE: only SentencePiece-style vocabularies (U+2581, byte fallback) are supported",
			path);
		return -1;
	}
	return 0;
}

int llm_tokenizer_load_json(struct llm_tokenizer *t, const char *dir,
			    int vocab_size)
{
	char path[4096], cpath[4096];
	struct json_object *root, *cfg, *model, *added = NULL, *v;
	char **vocab = calloc((size_t)vocab_size, sizeof(*vocab));
	float *scores = malloc((size_t)vocab_size * sizeof(*scores));
	const char *bos_name, *eos_name, *unk_name;
	int bos, eos, unk, add_bos = 1, ret = -1;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/tokenizer.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/tokenizer_config.json", dir);
	root = llm_json_load(path, 0);
	/* tokenizer_config.json is optional, but not when it is there */
	cfg = root && !access(cpath, F_OK) ? llm_json_load(cpath, 0) : NULL;
	if (!vocab || !scores) {
		llm_err("out of memory");
		goto out;
	}
	if (!root || (!cfg && !access(cpath, F_OK)) ||
	    check_model(path, root, &model))
		goto out;
	if (llm_json_get(path, NULL, root, "added_tokens", LLM_JSON_ARRAY, 0,
			 &added) ||
	    read_vocab(path, model, added, vocab, vocab_size) ||
	    llm_json_get(cpath, NULL, cfg, "add_bos_token", LLM_JSON_BOOL,
			 LLM_JSON_NULL_OK, &v) ||
	    special_name(cpath, cfg, "bos_token", "<s>", &bos_name) ||
	    special_name(cpath, cfg, "eos_token", "</s>", &eos_name) ||
	    special_name(path, model, "unk_token", "<unk>", &unk_name))
		goto out;
	if (v)
		add_bos = json_object_get_boolean(v);
	/* llm_tokenizer_init() owns vocab and scores from here on */
	ret = llm_tokenizer_init(t, vocab, scores, vocab_size, 0, 0, 0);
	vocab = NULL;
	scores = NULL;
	if (ret)
		goto out;
	ret = -1;
	if (read_merges(path, model, t) ||
	    special_id(cpath, t, "bos_token", bos_name, &bos) ||
	    special_id(cpath, t, "eos_token", eos_name, &eos) ||
	    special_id(path, t, "model.unk_token", unk_name, &unk)) {
		llm_tokenizer_free(t);
		goto out;
	}
	t->bos_id = bos;
	t->eos_id = eos;
	t->unk_id = unk;
	t->no_bos = !add_bos;
	ret = 0;
out:
	if (vocab) {
		for (int i = 0; i < vocab_size; i++)
			free(vocab[i]);
	}
	free(vocab);
	free(scores);
	json_object_put(cfg);
	json_object_put(root);
	return ret;
}
