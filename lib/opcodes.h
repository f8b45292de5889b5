/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opcodes.h - THE list of model-language VM opcodes (an X-macro); the enum,
 * the name table, the stack-depth check and the disassembler all expand it.
 * No include guard on purpose: define OP(name, operands, pops, pushes)
 * before including it.
 *
 * Every opcode works on whole columns of n samples.  The *K variants take
 * a constant k[b] on the right ("x - k"); K* ones on the left ("k - x").
 * Do not add "x / k -> x * (1/k)" style variants: they change the last bit.
 */
/*  name     operands pops pushes */
OP(PUSHK,    1, 0, 1)   /* column filled with k[b] */
OP(LOAD,     2, 0, 1)   /* input array a (ARR_*), component b; no copy */
OP(LOADL,    1, 0, 1)   /* local value b */
OP(STOREL,   1, 1, 0)   /* pop into local value b */
OP(NEG,      0, 1, 1)
OP(ADD,      0, 2, 1)
OP(SUB,      0, 2, 1)
OP(MUL,      0, 2, 1)
OP(DIV,      0, 2, 1)
OP(POW,      0, 2, 1)   /* C pow() */
OP(ADDK,     1, 1, 1)   /* x + k */
OP(SUBK,     1, 1, 1)   /* x - k */
OP(KSUB,     1, 1, 1)   /* k - x */
OP(MULK,     1, 1, 1)   /* x * k */
OP(DIVK,     1, 1, 1)   /* x / k */
OP(KDIV,     1, 1, 1)   /* k / x */
OP(POWK,     1, 1, 1)   /* x ^ k */
OP(KPOW,     1, 1, 1)   /* k ^ x */
OP(LT,       0, 2, 1)   /* 1 or 0; NaN compares false */
OP(GT,       0, 2, 1)
OP(LE,       0, 2, 1)
OP(GE,       0, 2, 1)
OP(EQ,       0, 2, 1)
OP(NE,       0, 2, 1)   /* true when either side is NaN */
OP(MIN,      0, 2, 1)   /* NaN-propagating (numpy minimum) */
OP(MAX,      0, 2, 1)
OP(ABS,      0, 1, 1)
OP(EXP,      0, 1, 1)
OP(LOG,      0, 1, 1)
OP(SQRT,     0, 1, 1)
OP(SELECT,   0, 3, 1)   /* c, a, b -> c != 0 and not NaN ? a : b */
OP(RET,      1, 1, 0)   /* pop into component b */
