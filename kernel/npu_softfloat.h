/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Copyright 2026 The NPU stack authors */
/*
 * IEEE 754 binary16/binary32 arithmetic in integers, for the virtual NPU:
 * deterministic on every architecture and free of kernel FPU sections.
 *
 * Rounding is round-to-nearest, ties-to-even everywhere; subnormals are
 * kept (no flush to zero); every NaN result is the quiet NaN 0x7fc00000
 * (0x7e00 in binary16).  Userspace tests include this file too and check
 * it against the host's FPU.
 */
#ifndef __NPU_SOFTFLOAT_H__
#define __NPU_SOFTFLOAT_H__

/* Userspace includers typedef u16, u32, u64 and s32 first. */
#ifdef __KERNEL__
#include <linux/types.h>
#endif

#define NPU_F32_QNAN	0x7fc00000u
#define NPU_F16_QNAN	0x7e00u

static inline int npu_clz32(u32 x)
{
	return x ? __builtin_clz(x) : 32;
}

/* binary16 -> binary32: exact. */
static inline u32 npu_f16_to_f32(u16 h)
{
	u32 sign = (u32)(h & 0x8000) << 16;
	u32 exp = (h >> 10) & 0x1f;
	u32 man = h & 0x3ff;

	if (exp == 0x1f)
		return man ? NPU_F32_QNAN : sign | 0x7f800000u;
	if (!exp) {
		int shift;

		if (!man)
			return sign;
		/* Subnormal: normalise into binary32's wider exponent. */
		shift = npu_clz32(man) - 21;
		man = (man << shift) & 0x3ff;
		exp = 1 - shift;
	}
	return sign | ((exp + 112) << 23) | (man << 13);
}

/*
 * Round and pack a binary32.  @man holds the significand with three extra
 * low bits (guard, round, sticky): its leading one sits at bit 26 for a
 * normal number, lower only when @exp is 1 (a subnormal).  @exp is the
 * biased exponent; values <= 0 denormalise first.
 */
static inline u32 npu_f32_round_pack(u32 sign, s32 exp, u32 man)
{
	u32 round;

	if (exp <= 0) {
		u32 shift = 1 - exp;

		if (shift > 26)
			man = man != 0;
		else
			man = (man >> shift) | ((man & ((1u << shift) - 1)) != 0);
		exp = 1;
	}
	round = man & 7;
	man >>= 3;
	if (round > 4 || (round == 4 && (man & 1)))
		man++;
	/* The leading one carries into the exponent field. */
	if (exp - 1 + (s32)(man >> 23) >= 0xff)
		return sign | 0x7f800000u;
	return sign | (((u32)(exp - 1) << 23) + man);
}

/* binary32 addition, round to nearest even. */
static inline u32 npu_f32_add(u32 a, u32 b)
{
	u32 sa = a & 0x80000000u, sb = b & 0x80000000u;
	s32 ea = (a >> 23) & 0xff, eb = (b >> 23) & 0xff;
	u32 ma = a & 0x7fffff, mb = b & 0x7fffff;
	u32 man, d, t;
	s32 exp;

	if (ea == 0xff || eb == 0xff) {
		if ((ea == 0xff && ma) || (eb == 0xff && mb))
			return NPU_F32_QNAN;
		if (ea == 0xff && eb == 0xff && sa != sb)
			return NPU_F32_QNAN;
		return ea == 0xff ? a : b;
	}
	if (!(a & 0x7fffffffu) && !(b & 0x7fffffffu))
		return sa & sb;		/* -0 only when both are -0 */
	if (!(a & 0x7fffffffu))
		return b;
	if (!(b & 0x7fffffffu))
		return a;

	/* Hidden bits; subnormals have exponent 1 without one. */
	if (ea)
		ma |= 0x800000;
	else
		ea = 1;
	if (eb)
		mb |= 0x800000;
	else
		eb = 1;
	ma <<= 3;
	mb <<= 3;
	/* Make a the larger magnitude. */
	if (ea < eb || (ea == eb && ma < mb)) {
		t = ma;
		ma = mb;
		mb = t;
		t = ea;
		ea = eb;
		eb = t;
		t = sa;
		sa = sb;
		sb = t;
	}
	d = ea - eb;
	if (d > 27)
		mb = mb != 0;
	else if (d)
		mb = (mb >> d) | ((mb & ((1u << d) - 1)) != 0);
	exp = ea;
	if (sa == sb) {
		man = ma + mb;
		if (man & 0x8000000) {
			man = (man >> 1) | (man & 1);
			exp++;
		}
	} else {
		man = ma - mb;
		if (!man)
			return 0;	/* exact cancellation gives +0 */
		while (!(man & 0x4000000) && exp > 1) {
			man <<= 1;
			exp--;
		}
	}
	return npu_f32_round_pack(sa, exp, man);
}

/*
 * binary16 x binary16 as binary32: exact, because two 11-bit significands
 * give at most 22 bits and the exponent range of binary32 covers every
 * product of binary16 values.
 */
static inline u32 npu_f16_mul_f32(u16 x, u16 y)
{
	u32 a = npu_f16_to_f32(x), b = npu_f16_to_f32(y);
	u32 sign = (a ^ b) & 0x80000000u;
	s32 ea = (a >> 23) & 0xff, eb = (b >> 23) & 0xff;
	u64 m;
	s32 exp;
	int top;

	if (ea == 0xff || eb == 0xff) {
		if ((a & 0x7fffffffu) > 0x7f800000u ||
		    (b & 0x7fffffffu) > 0x7f800000u)
			return NPU_F32_QNAN;
		if (!(a & 0x7fffffffu) || !(b & 0x7fffffffu))
			return NPU_F32_QNAN;	/* inf x 0 */
		return sign | 0x7f800000u;
	}
	if (!(a & 0x7fffffffu) || !(b & 0x7fffffffu))
		return sign;
	/* Both normal in binary32 (binary16 subnormals are normal here). */
	m = (u64)((a & 0x7fffff) | 0x800000) * ((b & 0x7fffff) | 0x800000);
	exp = ea + eb - 127;
	/* m has its top bit at 46 or 47; the low 23 bits are zero. */
	top = (m >> 47) ? 47 : 46;
	exp += top - 46;
	return sign | ((u32)exp << 23) | (u32)((m >> (top - 23)) & 0x7fffff);
}

/* binary32 -> binary16, round to nearest even. */
static inline u16 npu_f32_to_f16(u32 f)
{
	u16 sign = (f >> 16) & 0x8000;
	s32 exp = (f >> 23) & 0xff;
	u32 man = f & 0x7fffff, round;
	s32 e16;

	if (exp == 0xff)
		return man ? NPU_F16_QNAN : sign | 0x7c00;
	if (!exp)
		return sign;	/* binary32 subnormals are far below binary16's */
	man |= 0x800000;
	e16 = exp - 112;
	if (e16 >= 0x1f)
		return sign | 0x7c00;
	if (e16 <= 0) {
		/* Subnormal binary16: shift out 1 - e16 more bits. */
		u32 shift = 14 - e16;

		if (shift > 24)
			return sign;
		round = man & ((1u << shift) - 1);
		man >>= shift;
		if (round > (1u << (shift - 1)) ||
		    (round == (1u << (shift - 1)) && (man & 1)))
			man++;
		return sign | man;	/* may round up into the normal range */
	}
	round = man & 0x1fff;
	man >>= 13;
	if (round > 0x1000 || (round == 0x1000 && (man & 1)))
		man++;
	if (man & 0x800) {
		man >>= 1;
		e16++;
		if (e16 >= 0x1f)
			return sign | 0x7c00;
	}
	return sign | ((u16)e16 << 10) | (man & 0x3ff);
}

#endif /* __NPU_SOFTFLOAT_H__ */
