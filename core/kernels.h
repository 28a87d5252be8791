/* kernels.h: the kernel table. The scalar set (kernels_ref.c) is the specification; the SIMD sets
 * in core/simd/ only make it faster and are tested against it. All matrices are row-major float32
 * with explicit leading dimensions so that heads can be addressed inside the fused QKV rows; the
 * mixed-precision GEMMs take bf16 operands (bf16.h) and give float32 results. */
#ifndef TRM_KERNELS_H
#define TRM_KERNELS_H

#include "bf16.h"
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
     * heads*hd]. Rows are processed in blocks of TRM_ATTN_BLOCK_ROWS, so at most a [block, S] slab
     * of scores exists per thread. scratch: trm_attention_scratch_floats(S, hd) floats per thread
     * (indexed by the OpenMP thread number). */
    void (*attention_fwd)(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch);
    /* dqkv [B*S, 3*heads*hd] (written, not accumulated) from dout; recomputes the probabilities
     * block by block instead of storing them. */
    void (*attention_bwd)(float *dqkv, const float *dout, const float *qkv, int B, int S, int heads, int hd,
                          float *scratch);

    /* ---- mixed precision (bf16 operands) ---- */
    /* y[r, j] = bf16(x[r, j]) for rows x cols, rounded as trm_f32_to_bf16 (bit-identical in every
     * set); the rest of each y row (ldy > cols) is left alone. Weights once per step, activations
     * before each linear. */
    void (*f32_to_bf16)(int rows, int cols, const float *x, int ldx, trm_bf16 *y, int ldy);
    /* y[r, j] = float(x[r, j]) (exact) */
    void (*bf16_to_f32)(int rows, int cols, const trm_bf16 *x, int ldx, float *y, int ldy);
    /* The three GEMMs above with bf16 A and B: every product of two bf16 values is exact in
     * float32, and the sums are float32 chains in k order (the scalar set: convert, then float
     * multiply-add). SIMD sets differ from it by the order of those float32 additions only (and
     * vdpbf16ps counts bf16 denormals, |x| < 2^-126, as zero). Any K, odd included. */
    void (*gemm_nt_bf16)(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc);
    void (*gemm_nn_bf16)(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc);
    void (*gemm_tn_bf16)(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc);
    /* attention_fwd with bf16 operands, as under the official bf16 autocast (SDPA on bf16 q, k, v):
     * scores = round(Q) round(K)^T * scale and out = round(P) round(V), products exact and sums
     * float32; the softmax in float32. round = trm_f32_to_bf16 of the float32 qkv (after RoPE).
     * Same shapes, blocking and scratch as attention_fwd. */
    void (*attention_fwd_bf16)(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch);
    /* Its backward, P recomputed in float32 per row block: dV = round(P)^T round(dO); dP =
     * round(dO) round(V)^T; dS = P (dP - D) with D[i] = sum_d dO[i, d] out[i, d] (dO float32, out
     * the forward's output as the bf16 path keeps it, [B*S, heads*hd]); dQ = (round(dS) round(K))
     * * scale, dK = (round(dS)^T round(Q)) * scale, the scale applied to the float32 sums. dqkv
     * written, not accumulated. */
    void (*attention_bwd_bf16)(float *dqkv, const float *dout, const float *qkv, const trm_bf16 *out, int B, int S,
                               int heads, int hd, float *scratch);
    /* 1: the bf16 GEMMs run on bf16 instructions, faster than float32 ones (the bf16 path's
     * default, trm_precision_auto); 0: they widen to float32 and cost as much or more. */
    int bf16_native;
};

/* Attention row block, the padding of S and hd for packed panels (a multiple of every set's
 * register-tile width) and the largest register-tile height of any set. */
enum { TRM_ATTN_BLOCK_ROWS = 64, TRM_ATTN_PAD = 32, TRM_ATTN_MAX_MR = 16 };

static inline size_t trm__round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* Floats of the bf16 attention scratch of the avx512bf16 set (simd/avx512bf16.c), with brp = br
 * rounded up to a register tile: probabilities and their gradient [brp, Sp] (each turned into its
 * bf16 rows in place), P or dS as 32-bit pairs of rows [ceil(br/2), Sp], the pair panels of K^T
 * and V^T [Sp, ceil(hd/2)] and of K or V [hp, ceil(S/2)], the block's bf16 Q and dO rows
 * [brp, ceil(hd/2)], one pair panel of the block's dO or Q [hp, ceil(br/2)], the row sums D [br].
 * (The scalar bf16 reference needs less than the float32 kernels.) */
static inline size_t trm__attention_bf16_floats(int S, int hd) {
    const size_t br = S < TRM_ATTN_BLOCK_ROWS ? (size_t)S : TRM_ATTN_BLOCK_ROWS;
    const size_t Sp = trm__round_up((size_t)S, TRM_ATTN_PAD), hp = trm__round_up((size_t)hd, TRM_ATTN_PAD);
    const size_t brp = trm__round_up(br, TRM_ATTN_MAX_MR), kd = ((size_t)hd + 1) / 2, ks = ((size_t)S + 1) / 2;
    const size_t kb = (br + 1) / 2;
    return 2 * brp * Sp + kb * Sp + 2 * Sp * kd + hp * ks + 2 * brp * kd + hp * kb + br;
}

/* Floats of attention scratch one thread needs (the largest of any kernel set and precision):
 * for float32, probabilities and their gradient for one row block, K^T and V^T panels, K or V
 * panels, the block's dO or Q panels, one packed ragged A panel; for bf16, see above. For
 * S = 916, hd = 64: 1.2 MB per thread. */
static inline size_t trm_attention_scratch_floats(int S, int hd) {
    const size_t br = S < TRM_ATTN_BLOCK_ROWS ? (size_t)S : TRM_ATTN_BLOCK_ROWS;
    const size_t Sp = trm__round_up((size_t)S, TRM_ATTN_PAD), hp = trm__round_up((size_t)hd, TRM_ATTN_PAD);
    const size_t longest = S > hd ? (size_t)S : (size_t)hd;
    const size_t f32 = 2 * br * Sp + 2 * Sp * hd + hp * S + hp * br + TRM_ATTN_MAX_MR * longest;
    const size_t bf16 = trm__attention_bf16_floats(S, hd);
    return f32 > bf16 ? f32 : bf16;
}

/* The scalar bf16 attention (kernels_ref.c), the specification, and the bf16 entries of every set
 * without bf16 arithmetic. */
void trm__attention_fwd_bf16_ref(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch);
void trm__attention_bwd_bf16_ref(float *dqkv, const float *dout, const float *qkv, const trm_bf16 *out, int B, int S,
                                 int heads, int hd, float *scratch);

extern const trm_kernels trm_kernels_scalar;
#if defined(TRM_HAVE_AVX2)
extern const trm_kernels trm_kernels_avx2;
#endif
#if defined(TRM_HAVE_AVX512)
extern const trm_kernels trm_kernels_avx512;
#endif
#if defined(TRM_HAVE_AVX512BF16)
/* The avx512 set with vdpbf16ps GEMMs and attention for bf16 (simd/avx512bf16.c); its float32
 * entries are the avx512 set's own functions, so float32 results are the same bits. Chosen only
 * when the CPU reports avx512_bf16 (cpuid leaf 7 subleaf 1, EAX bit 5). */
extern const trm_kernels trm_kernels_avx512bf16;
#endif
#if defined(__wasm_simd128__)
extern const trm_kernels trm_kernels_wasm128;
#endif

#endif
