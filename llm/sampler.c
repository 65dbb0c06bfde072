// SPDX-License-Identifier: MIT
/*
 * Sampling the next token from the logits, as llama2.c does: argmax at
 * temperature 0, else softmax(logits / temperature) and either plain
 * multinomial sampling or top-p (nucleus) sampling, with a xorshift RNG
 * so that a seed gives the same text everywhere.
 */
#include <math.h>
#include <stdlib.h>

#include "llm.h"

/* xorshift64*: https://en.wikipedia.org/wiki/Xorshift#xorshift* */
uint32_t llm_random_u32(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* uniform in [0, 1), 24 bits */
float llm_random_f32(uint64_t *state)
{
	return (float)(llm_random_u32(state) >> 8) / 16777216.0f;
}

int llm_sampler_init(struct llm_sampler *s, int vocab_size, float temperature,
		     float topp, uint64_t seed)
{
	s->vocab_size = vocab_size;
	s->temperature = temperature;
	s->topp = topp;
	s->rng_state = seed;
	s->probindex = malloc((size_t)vocab_size * sizeof(*s->probindex));
	if (!s->probindex) {
		llm_err("out of memory");
		return -1;
	}
	return 0;
}

void llm_sampler_free(struct llm_sampler *s)
{
	free(s->probindex);
	s->probindex = NULL;
}

/* The first index of the largest value. */
int llm_argmax(const float *p, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++) {
		if (p[i] > p[best])
			best = i;
	}
	return best;
}

/* An index drawn from probabilities p (summing to 1); coin in [0, 1). */
static int sample_mult(const float *p, int n, float coin)
{
	float cdf = 0.0f;

	for (int i = 0; i < n; i++) {
		cdf += p[i];
		if (coin < cdf)
			return i;
	}
	return n - 1;	/* rounding */
}

static int compare_prob_desc(const void *a, const void *b)
{
	const struct llm_prob_index *x = a, *y = b;

	if (x->prob > y->prob)
		return -1;
	if (x->prob < y->prob)
		return 1;
	return 0;
}

/*
 * Top-p: sample among the most likely tokens whose probabilities first
 * add up to more than topp.  Tokens below (1 - topp) / (n - 1) cannot be
 * part of that set and are left out before sorting.  When none is left
 * (probabilities that are NaN, or a vocabulary of one), the most likely
 * token: the result is an index below n whatever p holds.
 */
static int sample_topp(const float *p, int n, float topp,
		       struct llm_prob_index *probindex, float coin)
{
	const float cutoff = (1.0f - topp) / (float)(n - 1);
	float cumulative = 0.0f, r, cdf = 0.0f;
	int n0 = 0, last;

	for (int i = 0; i < n; i++) {
		if (p[i] >= cutoff) {
			probindex[n0].index = i;
			probindex[n0].prob = p[i];
			n0++;
		}
	}
	if (n0 == 0)
		return llm_argmax(p, n);
	qsort(probindex, (size_t)n0, sizeof(*probindex), compare_prob_desc);

	last = n0 - 1;
	for (int i = 0; i < n0; i++) {
		cumulative += probindex[i].prob;
		if (cumulative > topp) {
			last = i;
			break;
		}
	}

	r = coin * cumulative;
	for (int i = 0; i <= last; i++) {
		cdf += probindex[i].prob;
		if (r < cdf)
			return probindex[i].index;
	}
	return probindex[last].index;	/* rounding */
}

int llm_sample(struct llm_sampler *s, float *logits)
{
	float coin;
	int best;

	best = llm_argmax(logits, s->vocab_size);
	if (s->temperature == 0.0f)
		return best;
	for (int i = 0; i < s->vocab_size; i++)
		logits[i] /= s->temperature;
	/*
	 * A temperature so small that a logit divided by it overflows: the
	 * distribution is the limit for temperature -> 0, all on the largest
	 * logit.  (NaN logits, which llm_forward() refuses, end here too.)
	 */
	if (!isfinite(logits[best]))
		return best;
	llm_softmax(logits, s->vocab_size);
	coin = llm_random_f32(&s->rng_state);
	if (s->topp <= 0.0f || s->topp >= 1.0f)
		return sample_mult(logits, s->vocab_size, coin);
	return sample_topp(logits, s->vocab_size, s->topp, s->probindex, coin);
}
