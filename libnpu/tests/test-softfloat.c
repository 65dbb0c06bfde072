// SPDX-License-Identifier: MIT
/*
 * The integer binary16/binary32 arithmetic of the virtual NPU
 * (kernel/npu_softfloat.h) against the host FPU: conversions of every
 * binary16 value, products of binary16 pairs, fp32 sums and fp32->fp16
 * rounding on random and edge-heavy inputs.  Bit-exact or it fails.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>

typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
#include "npu_softfloat.h"

/* The host's binary16 type (GCC and clang on x86-64 and arm64). */
__extension__ typedef _Float16 host_f16;

static u64 seed = 88172645463325252ull;

static u32 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (u32)seed;
}

static u32 fbits(float f)
{
	u32 u;

	memcpy(&u, &f, 4);
	return u;
}

static float bfloat(u32 u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

/* Random floats, biased to subnormals, ties, cancellation and integers. */
static u32 rand_f32(void)
{
	u32 r = rnd();

	switch (rnd() % 6) {
	case 0:
		return r;
	case 1:
		return r & 0x807fffffu;
	case 2:
		return (r & 0x80ffffffu) | 0x3f000000u;
	case 3:
		return fbits((float)(int)(rnd() % 1000) - 500.0f);
	default:
		return fbits(((int)(rnd() % 200000) - 100000) / 1024.0f);
	}
}

static int check(const char *what, u32 got, u32 want, long *bad)
{
	if (got == want)
		return 0;
	if (*bad < 10)
		printf("# %s: got %08x want %08x\n", what, got, want);
	(*bad)++;
	return 1;
}

int main(void)
{
	long bad = 0, i;
	u32 x;

	for (x = 0; x < 65536; x++) {
		host_f16 h;
		float f;

		memcpy(&h, &x, 2);
		f = (float)h;
		check("f16->f32", npu_f16_to_f32((u16)x),
		      isnan(f) ? NPU_F32_QNAN : fbits(f), &bad);
	}
	printf("%s 1 binary16 to binary32, all 65536 values\n", bad ? "not ok" : "ok");

	for (i = 0; i < 4000000; i++) {
		u16 a = (u16)rnd(), b = (u16)rnd();
		host_f16 ha, hb;
		float p;

		memcpy(&ha, &a, 2);
		memcpy(&hb, &b, 2);
		p = (float)ha * (float)hb;
		check("f16*f16", npu_f16_mul_f32(a, b),
		      isnan(p) ? NPU_F32_QNAN : fbits(p), &bad);
	}
	printf("%s 2 binary16 products in binary32\n", bad ? "not ok" : "ok");

	for (i = 0; i < 4000000; i++) {
		u32 a = rand_f32(), b = rand_f32();
		float s;

		if (!(rnd() & 7))
			b = a ^ 0x80000000u ^ (rnd() & 3);	/* cancellation */
		s = bfloat(a) + bfloat(b);
		check("f32+f32", npu_f32_add(a, b),
		      isnan(s) ? NPU_F32_QNAN : fbits(s), &bad);
	}
	printf("%s 3 binary32 sums, round to nearest even\n", bad ? "not ok" : "ok");

	for (i = 0; i < 4000000; i++) {
		u32 a = i < 1000000 ? (rnd() & 0x80000000u) |
				      ((100 + rnd() % 60) << 23) | (rnd() & 0x7fffff) :
				      rand_f32();
		host_f16 h = (host_f16)bfloat(a);
		u16 want;

		memcpy(&want, &h, 2);
		check("f32->f16", npu_f32_to_f16(a),
		      isnan(bfloat(a)) ? NPU_F16_QNAN : want, &bad);
	}
	printf("%s 4 binary32 to binary16, round to nearest even\n", bad ? "not ok" : "ok");
	printf("1..4\n");
	return bad != 0;
}
