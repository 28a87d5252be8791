/* avx512_vec.h: the vector macros of kernels_simd.h for AVX-512 (16 float lanes), shared by the
 * avx512 set (avx512.c) and the bf16 attention of avx512bf16.c, whose float32 softmax is
 * softmax_simd.h on these macros. */
#ifndef TRM_AVX512_VEC_H
#define TRM_AVX512_VEC_H

#include <immintrin.h>

#define VF __m512
#define VW 16
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_ZERO() _mm512_setzero_ps()
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_SUB(a, b) _mm512_sub_ps((a), (b))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_DIV(a, b) _mm512_div_ps((a), (b))
#define V_MAX(a, b) _mm512_max_ps((a), (b))
#define V_MIN(a, b) _mm512_min_ps((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_HSUM(v) _mm512_reduce_add_ps(v)
#define V_HMAX(v) _mm512_reduce_max_ps(v)
#define V_ROUND(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define V_POW2I(n) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
/* p 2^n by vscalefps: one instruction for the convert, add, shift and multiply; the product is
 * exact (or the same correctly rounded denormal), so results do not change. */
#define V_MUL_POW2I(p, n) _mm512_scalef_ps((p), (n))

#endif
