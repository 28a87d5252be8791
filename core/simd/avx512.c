/* avx512.c: the AVX-512 kernel set (16 float lanes, 32 vector registers: an 8 x 32 register
 * tile uses 16 accumulators; 12 x 32 and 14 x 32 measured no faster here). Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
 * and chosen at run time only when the CPU reports avx512f (trm_kernels_get). */
#include <immintrin.h>

#include "avx512_vec.h" /* VF, VW = 16 and the V_ macros */
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
