/* avx512.c: the AVX-512 kernel set (16 float lanes, 32 vector registers: an 8 x 32 register
 * tile uses 16 accumulators; 12 x 32 and 14 x 32 measured no faster here). Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
 * and chosen at run time only when the CPU reports avx512f (trm_kernels_get). */
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
#define GEMM_MR 8
#define KSET_NAME "avx512"
#define KSET_SYMBOL trm_kernels_avx512
/* With avx512bf16.c built, a second table: these float32 kernels and its vdpbf16ps GEMMs. The
 * avx512 table itself keeps the portable bf16 entries, for CPUs without avx512_bf16. */
#if defined(TRM_HAVE_AVX512BF16)
#define KSET_BF16_NAME "avx512bf16"
#define KSET_BF16_SYMBOL trm_kernels_avx512bf16
#define KSET_BF16_PREFIX trm__avx512bf16_
#endif

#include "kernels_simd.h"
