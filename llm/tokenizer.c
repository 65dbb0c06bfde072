// SPDX-License-Identifier: MIT
/*
 * SentencePiece-style BPE tokenizer, with llama2.c's rules.
 *
 * Encoding: BOS, a space as "dummy prefix" (when the text is not empty),
 * one token per UTF-8 character (or one byte token "<0xXX>" per byte of
 * a character the vocabulary lacks), then repeatedly merge the adjacent
 * pair whose concatenation is the token with the highest score.
 *
 * Decoding: the token's string, without its leading space right after
 * BOS; a byte token decodes to its byte.  llm_safe_print() drops lone
 * bytes that are neither printable nor white space.
 *
 * llama2.c tokenizer.bin: int32 max_token_length, then per token
 * { float score, int32 len, len bytes }.  BOS is 1, EOS 2, unknown 0.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "llm.h"

static int compare_tokens(const void *a, const void *b)
{
	const struct llm_token_index *x = a, *y = b;

	return strcmp(x->str, y->str);
}

static int lookup(const struct llm_tokenizer *t, const char *str)
{
	struct llm_token_index key = { .str = str };
	const struct llm_token_index *hit;

	hit = bsearch(&key, t->sorted, (size_t)t->vocab_size, sizeof(key),
		      compare_tokens);
	return hit ? hit->id : -1;
}

/* The byte of a "<0xXX>" token, or -1. */
static int byte_token_value(const char *s)
{
	unsigned int v = 0;

	if (strlen(s) != 6 || strncmp(s, "<0x", 3) || s[5] != '>')
		return -1;
	for (int i = 3; i < 5; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else
			return -1;
	}
	return (int)v;
}

static void free_strings(char **vocab, int n)
{
	for (int i = 0; vocab && i < n; i++)
		free(vocab[i]);
	free(vocab);
}

/*
 * Takes ownership of vocab (and its strings) and scores, also on failure.
 */
int llm_tokenizer_init(struct llm_tokenizer *t, char **vocab, float *scores,
		       int vocab_size, int bos_id, int eos_id, int unk_id)
{
	memset(t, 0, sizeof(*t));
	t->vocab = vocab;
	t->scores = scores;
	t->vocab_size = vocab_size;
	t->bos_id = bos_id;
	t->eos_id = eos_id;
	t->unk_id = unk_id;
	if (vocab_size < 3 || bos_id >= vocab_size || eos_id >= vocab_size ||
	    unk_id >= vocab_size) {
		llm_err("tokenizer: %d tokens: needs at least 3 (unknown, BOS, EOS)",
			vocab_size);
		llm_tokenizer_free(t);
		return -1;
	}
	t->byte_of = malloc((size_t)vocab_size * sizeof(*t->byte_of));
	t->sorted = malloc((size_t)vocab_size * sizeof(*t->sorted));
	if (!t->byte_of || !t->sorted) {
		llm_err("out of memory");
		llm_tokenizer_free(t);
		return -1;
	}
	for (int i = 0; i < 256; i++) {
		t->byte_token[i] = -1;
		t->byte_pieces[2 * i] = (char)i;
		t->byte_pieces[2 * i + 1] = '\0';
	}
	for (int i = 0; i < vocab_size; i++) {
		int len = (int)strlen(vocab[i]);
		int b = byte_token_value(vocab[i]);

		if (len > t->max_token_length)
			t->max_token_length = len;
		t->byte_of[i] = b;
		if (b >= 0 && t->byte_token[b] < 0)
			t->byte_token[b] = i;
		t->sorted[i].str = vocab[i];
		t->sorted[i].id = i;
	}
	qsort(t->sorted, (size_t)vocab_size, sizeof(*t->sorted), compare_tokens);
	return 0;
}

void llm_tokenizer_free(struct llm_tokenizer *t)
{
	free_strings(t->vocab, t->vocab_size);
	free(t->scores);
	free(t->byte_of);
	free(t->sorted);
	memset(t, 0, sizeof(*t));
}

/*
 * A tokenizer.bin image: the file, or a copy of it in a peer package's
 * shard.  Special tokens: llama2.c's files have BOS 1, EOS 2, unknown 0;
 * a package states its own.
 */
int llm_tokenizer_parse(struct llm_tokenizer *t, const void *data, size_t size,
			const char *what, int vocab_size, int bos_id,
			int eos_id, int unk_id)
{
	char **vocab = calloc((size_t)vocab_size, sizeof(*vocab));
	float *scores = malloc((size_t)vocab_size * sizeof(*scores));
	const unsigned char *p = data;
	size_t off = 4;
	int32_t max_len;
	int i;

	memset(t, 0, sizeof(*t));
	if (!vocab || !scores) {
		llm_err("out of memory");
		goto fail;
	}
	if (size < 4) {
		llm_err("%s: truncated: %zu bytes, not a llama2.c tokenizer", what, size);
		goto fail;
	}
	memcpy(&max_len, p, 4);
	if (max_len <= 0 || max_len > 1 << 16) {
		llm_err("%s: offset 0: max_token_length %d out of range: not a llama2.c tokenizer",
			what, max_len);
		goto fail;
	}
	for (i = 0; i < vocab_size; i++) {
		int32_t len;

		if (size - off < 8) {
			llm_err("%s: truncated at offset %zu reading token %d of %d (the model's vocab_size)",
				what, off, i, vocab_size);
			goto fail;
		}
		memcpy(&scores[i], p + off, 4);
		memcpy(&len, p + off + 4, 4);
		if (len < 0 || (size_t)len > size - off - 8) {
			llm_err("%s: offset %zu: token %d of %d: length %d %s",
				what, off + 4, i, vocab_size, len,
				len < 0 ? "is negative" : "runs past the end of the file (truncated)");
			goto fail;
		}
		off += 8;
		vocab[i] = malloc((size_t)len + 1);
		if (!vocab[i]) {
			llm_err("out of memory");
			goto fail;
		}
		memcpy(vocab[i], p + off, (size_t)len);
		vocab[i][len] = '\0';
		off += (size_t)len;
	}
	if (off != size) {
		llm_err("%s: %zu bytes after token %d (offset %zu): the tokenizer has more tokens than the model's vocab_size %d",
			what, size - off, vocab_size - 1, off, vocab_size);
		goto fail;
	}
	return llm_tokenizer_init(t, vocab, scores, vocab_size, bos_id, eos_id,
				  unk_id);
fail:
	free_strings(vocab, vocab_size);
	free(scores);
	return -1;
}

int llm_tokenizer_load(struct llm_tokenizer *t, const char *path, int vocab_size)
{
	size_t size;
	void *map;
	int ret;

	memset(t, 0, sizeof(*t));
	if (llm_map_file(path, &map, &size))
		return -1;
	ret = llm_tokenizer_parse(t, map, size, path, vocab_size, 1, 2, 0);
	if (map)
		munmap(map, size);
	return ret;
}

/*
 * A trivial byte-level vocabulary for models without a tokenizer (dummy
 * weights): <unk>, <s>, </s>, the 256 byte tokens, then <extraN>.
 */
int llm_tokenizer_bytes(struct llm_tokenizer *t, int vocab_size)
{
	char **vocab = calloc((size_t)vocab_size, sizeof(*vocab));
	float *scores = calloc((size_t)vocab_size, sizeof(*scores));

	if (!vocab || !scores) {
		llm_err("out of memory");
		goto fail;
	}
	for (int i = 0; i < vocab_size; i++) {
		char s[32];

		if (i < 3)
			snprintf(s, sizeof(s), "%s", (const char *[]){ "<unk>", "<s>", "</s>" }[i]);
		else if (i < 3 + 256)
			snprintf(s, sizeof(s), "<0x%02X>", i - 3);
		else
			snprintf(s, sizeof(s), "<extra%d>", i - 259);
		vocab[i] = strdup(s);
		if (!vocab[i]) {
			llm_err("out of memory");
			goto fail;
		}
	}
	return llm_tokenizer_init(t, vocab, scores, vocab_size, 1, 2, 0);
fail:
	free_strings(vocab, vocab_size);
	free(scores);
	return -1;
}

int llm_encode(const struct llm_tokenizer *t, const char *text, int bos,
	       int eos, int *tokens, int *n_tokens)
{
	size_t cap = (size_t)t->max_token_length * 2 + 1;
	size_t len = 0;
	int n = 0, first;
	char *buf;

	if (cap < 5)
		cap = 5;	/* one UTF-8 character and its NUL */
	buf = malloc(cap);
	if (!buf) {
		llm_err("out of memory");
		return -1;
	}
	if (bos)
		tokens[n++] = t->bos_id;
	first = n;	/* BOS takes no part in merges */

	/* SentencePiece's dummy prefix: the text starts with a space. */
	if (text[0]) {
		int id = lookup(t, " ");

		if (id >= 0)
			tokens[n++] = id;
	}

	/* One token per UTF-8 character, bytes where the vocab lacks it. */
	for (const char *c = text; *c; c++) {
		int id;

		if ((*c & 0xc0) != 0x80)
			len = 0;		/* a new character starts */
		buf[len++] = *c;
		buf[len] = '\0';
		if ((c[1] & 0xc0) == 0x80 && len < 4)
			continue;		/* its continuation follows */
		id = lookup(t, buf);
		if (id >= 0) {
			tokens[n++] = id;
		} else {
			for (size_t i = 0; i < len; i++) {
				int b = t->byte_token[(unsigned char)buf[i]];

				tokens[n++] = b >= 0 ? b : t->unk_id;
			}
		}
		len = 0;
	}

	/* Merge the best-scoring adjacent pair until none is in the vocab. */
	for (;;) {
		float best_score = -1e10f;
		int best_id = -1, best_idx = -1;

		for (int i = first; i < n - 1; i++) {
			const char *a = t->vocab[tokens[i]], *b = t->vocab[tokens[i + 1]];
			size_t la = strlen(a), lb = strlen(b);
			int id;

			if (la + lb >= cap)
				continue;	/* longer than any token */
			memcpy(buf, a, la);
			memcpy(buf + la, b, lb + 1);
			id = lookup(t, buf);
			if (id >= 0 && t->scores[id] > best_score) {
				best_score = t->scores[id];
				best_id = id;
				best_idx = i;
			}
		}
		if (best_idx < 0)
			break;
		tokens[best_idx] = best_id;
		memmove(&tokens[best_idx + 1], &tokens[best_idx + 2],
			(size_t)(n - best_idx - 2) * sizeof(*tokens));
		n--;
	}

	if (eos)
		tokens[n++] = t->eos_id;
	*n_tokens = n;
	free(buf);
	return 0;
}

const char *llm_decode(const struct llm_tokenizer *t, int prev_token, int token)
{
	const char *piece = t->vocab[token];

	/* SentencePiece drops the dummy prefix's space after BOS. */
	if (prev_token == t->bos_id && piece[0] == ' ')
		piece++;
	if (t->byte_of[token] >= 0)
		piece = &t->byte_pieces[2 * t->byte_of[token]];
	return piece;
}

void llm_safe_print(const char *piece)
{
	if (!piece || !piece[0])
		return;
	if (!piece[1]) {
		unsigned char byte = (unsigned char)piece[0];

		/* a lone raw byte: only printable characters and white space */
		if (!(isprint(byte) || isspace(byte)))
			return;
	}
	fputs(piece, stdout);
}
