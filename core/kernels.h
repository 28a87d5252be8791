/* kernels.h: the kernel table. The scalar set (kernels_ref.c) is the specification; the SIMD sets
 * in core/simd/ only make it faster and are tested against it. All matrices are row-major float32
 * with explicit leading dimensions so that heads can be addressed inside the fused QKV rows. */
#ifndef TRM_KERNELS_H
#define TRM_KERNELS_H

#include "trm.h"

struct trm_kernels {
    const char *name;
    /* C[M,N] = (acc ? C : 0) + A[M,K] * B[N,K]^T      linear forward, B = weight [out, in] */
    void (*gemm_nt)(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int acc);
    /* C[M,N] = (acc ? C : 0) + A[M,K] * B[K,N]        input gradient: dX = dY * W */
    void (*gemm_nn)(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int acc);
    /* C[M,N] = (acc ? C : 0) + A[K,M]^T * B[K,N]      weight gradient: dW += dY^T * X */
    void (*gemm_tn)(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int acc);
    /* y = x / sqrt(mean(x^2) + eps) per row; rstd [rows] saved for the backward. y may alias x. */
    void (*rmsnorm_fwd)(float *y, float *rstd, const float *x, int rows, int cols, float eps);
    /* dx = rstd * (dy - y * mean(dy * y)) per row (TRM App. B). dx may alias dy. */
    void (*rmsnorm_bwd)(float *dx, const float *dy, const float *y, const float *rstd, int rows, int cols);
    /* h[r, i] = silu(gu[r, i]) * gu[r, I + i]        gu [rows, 2I] (gate then up), h [rows, I] */
    void (*swiglu_fwd)(float *h, const float *gu, int rows, int I);
    /* dgu from dh [rows, I] and the saved gu [rows, 2I] */
    void (*swiglu_bwd)(float *dgu, const float *dh, const float *gu, int rows, int I);
    /* Rotate q and k (the first 2*heads*hd columns of each qkv row, stride ld) in place with the
     * rotate-half convention (TRM §2.3); row r has position r % S. cos/sin [S, hd]. inverse = 1
     * applies the transpose (the backward). */
    void (*rope)(float *qkv, int rows, int ld, int S, int heads, int hd, const float *cos, const float *sin, int inverse);
    /* Non-causal softmax attention per (batch, head) on fused qkv [B*S, 3*heads*hd]: out [B*S,
     * heads*hd]. scratch: trm_attention_scratch_floats(S) floats per thread. */
    void (*attention_fwd)(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch);
    /* dqkv [B*S, 3*heads*hd] (written, not accumulated) from dout; recomputes the probabilities. */
    void (*attention_bwd)(float *dqkv, const float *dout, const float *qkv, int B, int S, int heads, int hd,
                          float *scratch);
};

/* Floats of attention scratch one thread needs for sequence length S. */
static inline size_t trm_attention_scratch_floats(int S) { return 2 * (size_t)S * (size_t)S; }

extern const trm_kernels trm_kernels_scalar;
#if defined(TRM_HAVE_AVX2)
extern const trm_kernels trm_kernels_avx2;
#endif
#if defined(TRM_HAVE_AVX512)
extern const trm_kernels trm_kernels_avx512;
#endif
#if defined(__wasm_simd128__)
extern const trm_kernels trm_kernels_wasm128;
#endif

#endif
