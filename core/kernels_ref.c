/* kernels_ref.c: the scalar reference kernels, the specification every SIMD set is tested
 * against. Straightforward loops, float accumulation in a fixed order (so results do not depend
 * on the thread count), OpenMP over independent output rows or (batch, head) pairs. */
#include <math.h>
#include <string.h>

#include "internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int trm__max_threads(void) {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

int trm__thread_num(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* ---- serial GEMM bodies: rows [m0, m1) of C -------------------------------------------- */

static void nt_rows(int m0, int m1, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
                    int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        const float *a = A + (size_t)i * lda;
        float *c = C + (size_t)i * ldc;
        for (int j = 0; j < N; j++) {
            const float *b = B + (size_t)j * ldb;
            float s = 0.0f;
            for (int k = 0; k < K; k++) s += a[k] * b[k];
            c[j] = acc ? c[j] + s : s;
        }
    }
}

static void nn_rows(int m0, int m1, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
                    int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        float *c = C + (size_t)i * ldc;
        if (!acc) memset(c, 0, sizeof(float) * (size_t)N);
        const float *a = A + (size_t)i * lda;
        for (int k = 0; k < K; k++) {
            const float aik = a[k];
            const float *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) c[j] += aik * b[j];
        }
    }
}

static void tn_rows(int m0, int m1, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
                    int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        float *c = C + (size_t)i * ldc;
        if (!acc) memset(c, 0, sizeof(float) * (size_t)N);
        for (int k = 0; k < K; k++) {
            const float aki = A[(size_t)k * lda + i];
            const float *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) c[j] += aki * b[j];
        }
    }
}

/* Split the M rows over threads; each output row is computed by exactly one thread. */
#define PARALLEL_ROWS(body_fn)                                                                         \
    do {                                                                                               \
        if ((long)M * N * K < 32768) { body_fn(0, M, N, K, A, lda, B, ldb, C, ldc, acc); break; }      \
        _Pragma("omp parallel for schedule(static) if (TRM_PAR(1))")                                   \
        for (int blk = 0; blk < (M + 7) / 8; blk++) {                                                  \
            int m0 = blk * 8, m1 = m0 + 8 < M ? m0 + 8 : M;                                            \
            body_fn(m0, m1, N, K, A, lda, B, ldb, C, ldc, acc);                                        \
        }                                                                                              \
    } while (0)

static void gemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    PARALLEL_ROWS(nt_rows);
}
static void gemm_nn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    PARALLEL_ROWS(nn_rows);
}
static void gemm_tn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    PARALLEL_ROWS(tn_rows);
}

/* ---- bf16 operands: the specification of the mixed-precision GEMMs ---------------------- */
/* Each operand is widened to float32 (exact) and the products and sums are the float32 loops
 * above, in the same k order; a product of two bf16 values (8 significant bits each) is exact in
 * float32, so only the additions round. */

#define BF(x) trm_bf16_to_f32(x)

static void nt_rows_bf16(int m0, int m1, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                         float *C, int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        const trm_bf16 *a = A + (size_t)i * lda;
        float *c = C + (size_t)i * ldc;
        for (int j = 0; j < N; j++) {
            const trm_bf16 *b = B + (size_t)j * ldb;
            float s = 0.0f;
            for (int k = 0; k < K; k++) s += BF(a[k]) * BF(b[k]);
            c[j] = acc ? c[j] + s : s;
        }
    }
}

static void nn_rows_bf16(int m0, int m1, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                         float *C, int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        float *c = C + (size_t)i * ldc;
        if (!acc) memset(c, 0, sizeof(float) * (size_t)N);
        const trm_bf16 *a = A + (size_t)i * lda;
        for (int k = 0; k < K; k++) {
            const float aik = BF(a[k]);
            const trm_bf16 *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) c[j] += aik * BF(b[j]);
        }
    }
}

static void tn_rows_bf16(int m0, int m1, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                         float *C, int ldc, int acc) {
    for (int i = m0; i < m1; i++) {
        float *c = C + (size_t)i * ldc;
        if (!acc) memset(c, 0, sizeof(float) * (size_t)N);
        for (int k = 0; k < K; k++) {
            const float aki = BF(A[(size_t)k * lda + i]);
            const trm_bf16 *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) c[j] += aki * BF(b[j]);
        }
    }
}
#undef BF

static void gemm_nt_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    PARALLEL_ROWS(nt_rows_bf16);
}
static void gemm_nn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    PARALLEL_ROWS(nn_rows_bf16);
}
static void gemm_tn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    PARALLEL_ROWS(tn_rows_bf16);
}

static void f32_to_bf16(int rows, int cols, const float *x, int ldx, trm_bf16 *y, int ldy) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) y[(size_t)r * ldy + j] = trm_f32_to_bf16(x[(size_t)r * ldx + j]);
}

static void bf16_to_f32(int rows, int cols, const trm_bf16 *x, int ldx, float *y, int ldy) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) y[(size_t)r * ldy + j] = trm_bf16_to_f32(x[(size_t)r * ldx + j]);
}

/* ---- elementwise ------------------------------------------------------------------------ */

static void rmsnorm_fwd(float *y, float *rstd, const float *x, int rows, int cols, float eps) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * cols;
        float *yr = y + (size_t)r * cols;
        double ss = 0.0;
        for (int j = 0; j < cols; j++) ss += (double)xr[j] * xr[j];
        float s = 1.0f / sqrtf((float)(ss / cols) + eps);
        rstd[r] = s;
        for (int j = 0; j < cols; j++) yr[j] = xr[j] * s;
    }
}

static void rmsnorm_bwd(float *dx, const float *dy, const float *y, const float *rstd, int rows, int cols) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++) {
        const float *dyr = dy + (size_t)r * cols, *yr = y + (size_t)r * cols;
        float *dxr = dx + (size_t)r * cols;
        double dot = 0.0;
        for (int j = 0; j < cols; j++) dot += (double)dyr[j] * yr[j];
        float mean = (float)(dot / cols), s = rstd[r];
        for (int j = 0; j < cols; j++) dxr[j] = s * (dyr[j] - yr[j] * mean);
    }
}

static void swiglu_fwd(float *h, const float *gu, int rows, int I) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++) {
        const float *g = gu + (size_t)r * 2 * I, *u = g + I;
        float *hr = h + (size_t)r * I;
        for (int i = 0; i < I; i++) hr[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    }
}

static void swiglu_bwd(float *dgu, const float *dh, const float *gu, int rows, int I) {
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++) {
        const float *g = gu + (size_t)r * 2 * I, *u = g + I, *d = dh + (size_t)r * I;
        float *dg = dgu + (size_t)r * 2 * I, *du = dg + I;
        for (int i = 0; i < I; i++) {
            float sig = 1.0f / (1.0f + expf(-g[i]));
            float silu = g[i] * sig;
            dg[i] = d[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
            du[i] = d[i] * silu;
        }
    }
}

/* v'[j] = v[j] c - v[j+h] s,  v'[j+h] = v[j+h] c + v[j] s  (h = hd/2; cos/sin equal on both halves).
 * The inverse (transpose) rotation uses -s. */
static void rope(float *qkv, int rows, int ld, int S, int heads, int hd, const float *cos, const float *sin,
                 int inverse) {
    const int half = hd / 2;
    const float sign = inverse ? -1.0f : 1.0f;
#pragma omp parallel for schedule(static) if (TRM_PAR(rows > 64))
    for (int r = 0; r < rows; r++) {
        const float *c = cos + (size_t)(r % S) * hd, *s = sin + (size_t)(r % S) * hd;
        float *row = qkv + (size_t)r * ld;
        for (int m = 0; m < 2 * heads; m++) { /* q heads then k heads */
            float *v = row + (size_t)m * hd;
            for (int j = 0; j < half; j++) {
                float a = v[j], b = v[j + half];
                v[j] = a * c[j] - b * sign * s[j];
                v[j + half] = b * c[j + half] + a * sign * s[j + half];
            }
        }
    }
}

/* P[br, S] = softmax(scale * P) in place, row by row. */
static void softmax_scaled(float *P, int br, int S, float scale) {
    for (int i = 0; i < br; i++) {
        float *p = P + (size_t)i * S, mx = -INFINITY, sum = 0.0f;
        for (int j = 0; j < S; j++) { p[j] *= scale; mx = p[j] > mx ? p[j] : mx; }
        for (int j = 0; j < S; j++) { p[j] = expf(p[j] - mx); sum += p[j]; }
        float inv = 1.0f / sum;
        for (int j = 0; j < S; j++) p[j] *= inv;
    }
}

/* P[br, S] = softmax(scale * q k^T) for br query rows of one (batch, head). */
static void attn_probs(float *P, const float *q, const float *k, int br, int S, int hd, int ld) {
    nt_rows(0, br, S, hd, q, ld, k, ld, P, S, 0);
    softmax_scaled(P, br, S, 1.0f / sqrtf((float)hd));
}

/* Query rows in blocks of TRM_ATTN_BLOCK_ROWS: only [block, S] probabilities exist at a time. */
static void attention_fwd(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch) {
    const int D = heads * hd, ld = 3 * D, BR = TRM_ATTN_BLOCK_ROWS;
#pragma omp parallel for schedule(static) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            float *P = scratch + (size_t)trm__thread_num() * trm_attention_scratch_floats(S, hd);
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd;
            float *o = out + (size_t)b * S * D + (size_t)h * hd;
            for (int r0 = 0; r0 < S; r0 += BR) {
                const int br = S - r0 < BR ? S - r0 : BR;
                attn_probs(P, q + (size_t)r0 * ld, q + D, br, S, hd, ld);
                nn_rows(0, br, hd, S, P, S, q + 2 * D, ld, o + (size_t)r0 * D, D, 0);
            }
        }
}

/* Recomputes P block by block (one extra q k^T per head) instead of storing B*heads*S*S
 * probabilities; dK and dV accumulate over the row blocks in order. */
static void attention_bwd(float *dqkv, const float *dout, const float *qkv, int B, int S, int heads, int hd,
                          float *scratch) {
    const int D = heads * hd, ld = 3 * D, BR = TRM_ATTN_BLOCK_ROWS;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(static) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            float *P = scratch + (size_t)trm__thread_num() * trm_attention_scratch_floats(S, hd);
            float *dP = P + (size_t)(S < BR ? S : BR) * S;
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd, *k = q + D, *v = q + 2 * D;
            const float *dO = dout + (size_t)b * S * D + (size_t)h * hd;
            float *dq = dqkv + (size_t)b * S * ld + (size_t)h * hd, *dk = dq + D, *dv = dq + 2 * D;
            for (int r0 = 0; r0 < S; r0 += BR) {
                const int br = S - r0 < BR ? S - r0 : BR, first = r0 == 0;
                const float *qb = q + (size_t)r0 * ld, *dOb = dO + (size_t)r0 * D;
                attn_probs(P, qb, k, br, S, hd, ld);
                tn_rows(0, S, hd, br, P, S, dOb, D, dv, ld, !first); /* dV += P^T dO */
                nt_rows(0, br, S, hd, dOb, D, v, ld, dP, S, 0);      /* dP = dO V^T */
                for (int i = 0; i < br; i++) {                       /* dS = P (dP - rowsum(P dP)) * scale */
                    float *p = P + (size_t)i * S, *dp = dP + (size_t)i * S, dot = 0.0f;
                    for (int j = 0; j < S; j++) dot += p[j] * dp[j];
                    for (int j = 0; j < S; j++) dp[j] = p[j] * (dp[j] - dot) * scale;
                }
                nn_rows(0, br, hd, S, dP, S, k, ld, dq + (size_t)r0 * ld, ld, 0); /* dQ = dS K */
                tn_rows(0, S, hd, br, dP, S, qb, ld, dk, ld, !first);              /* dK += dS^T Q */
            }
        }
}

/* ---- attention with bf16 operands: the specification ----------------------------------- */
/* The float32 loops above on operands rounded to bf16 and widened back (exact), in the same
 * orders: every product of two rounded values is exact, so only the float32 sums round. The
 * scratch per thread: P and dP [br, S], round(K) and round(V) [S, hd], the block's round(Q) and
 * round(dO) [br, hd], D [br]; within trm_attention_scratch_floats (its float32 part alone). */

/* dst[r, j] = float(bf16(src[r, j])) for rows x cols, row strides ldd and lds; in place allowed. */
static void round_rows(float *dst, int ldd, const float *src, int lds, int rows, int cols) {
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++)
            dst[(size_t)r * ldd + j] = trm_bf16_to_f32(trm_f32_to_bf16(src[(size_t)r * lds + j]));
}

static void scale_rows_ref(float *x, int rows, int cols, int ld, float scale) {
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) x[(size_t)r * ld + j] *= scale;
}

void trm__attention_fwd_bf16_ref(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch) {
    const int D = heads * hd, ld = 3 * D, BR = TRM_ATTN_BLOCK_ROWS, br0 = S < BR ? S : BR;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(static) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            float *P = scratch + (size_t)trm__thread_num() * trm_attention_scratch_floats(S, hd);
            float *kr = P + (size_t)br0 * S, *vr = kr + (size_t)S * hd, *qr = vr + (size_t)S * hd;
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd;
            float *o = out + (size_t)b * S * D + (size_t)h * hd;
            round_rows(kr, hd, q + D, ld, S, hd);
            round_rows(vr, hd, q + 2 * D, ld, S, hd);
            for (int r0 = 0; r0 < S; r0 += BR) {
                const int br = S - r0 < BR ? S - r0 : BR;
                round_rows(qr, hd, q + (size_t)r0 * ld, ld, br, hd);
                nt_rows(0, br, S, hd, qr, hd, kr, hd, P, S, 0);
                softmax_scaled(P, br, S, scale);
                round_rows(P, S, P, S, br, S);
                nn_rows(0, br, hd, S, P, S, vr, hd, o + (size_t)r0 * D, D, 0);
            }
        }
}

void trm__attention_bwd_bf16_ref(float *dqkv, const float *dout, const float *qkv, const trm_bf16 *out, int B, int S,
                                 int heads, int hd, float *scratch) {
    const int D = heads * hd, ld = 3 * D, BR = TRM_ATTN_BLOCK_ROWS, br0 = S < BR ? S : BR;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(static) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            float *P = scratch + (size_t)trm__thread_num() * trm_attention_scratch_floats(S, hd);
            float *dP = P + (size_t)br0 * S, *kr = dP + (size_t)br0 * S, *vr = kr + (size_t)S * hd;
            float *qr = vr + (size_t)S * hd, *dOr = qr + (size_t)br0 * hd, *Dr = dOr + (size_t)br0 * hd;
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd;
            const float *dO = dout + (size_t)b * S * D + (size_t)h * hd;
            const trm_bf16 *ob = out + (size_t)b * S * D + (size_t)h * hd;
            float *dq = dqkv + (size_t)b * S * ld + (size_t)h * hd, *dk = dq + D, *dv = dq + 2 * D;
            round_rows(kr, hd, q + D, ld, S, hd);
            round_rows(vr, hd, q + 2 * D, ld, S, hd);
            for (int r0 = 0; r0 < S; r0 += BR) {
                const int br = S - r0 < BR ? S - r0 : BR, first = r0 == 0;
                round_rows(qr, hd, q + (size_t)r0 * ld, ld, br, hd);
                round_rows(dOr, hd, dO + (size_t)r0 * D, D, br, hd);
                nt_rows(0, br, S, hd, qr, hd, kr, hd, P, S, 0);
                softmax_scaled(P, br, S, scale);
                for (int i = 0; i < br; i++) { /* D = rowsum(dO out) */
                    const float *g = dO + (size_t)(r0 + i) * D;
                    const trm_bf16 *y = ob + (size_t)(r0 + i) * D;
                    float s = 0.0f;
                    for (int d = 0; d < hd; d++) s += g[d] * trm_bf16_to_f32(y[d]);
                    Dr[i] = s;
                }
                round_rows(dP, S, P, S, br, S);                        /* round(P), for dV only */
                tn_rows(0, S, hd, br, dP, S, dOr, hd, dv, ld, !first); /* dV += round(P)^T round(dO) */
                nt_rows(0, br, S, hd, dOr, hd, vr, hd, dP, S, 0);      /* dP = round(dO) round(V)^T */
                for (int i = 0; i < br; i++) {                         /* round(dS), dS = P (dP - D) */
                    const float *p = P + (size_t)i * S;
                    float *dp = dP + (size_t)i * S;
                    for (int j = 0; j < S; j++) dp[j] = trm_bf16_to_f32(trm_f32_to_bf16(p[j] * (dp[j] - Dr[i])));
                }
                nn_rows(0, br, hd, S, dP, S, kr, hd, dq + (size_t)r0 * ld, ld, 0); /* dQ = round(dS) round(K) */
                scale_rows_ref(dq + (size_t)r0 * ld, br, hd, ld, scale);
                tn_rows(0, S, hd, br, dP, S, qr, hd, dk, ld, !first); /* dK += round(dS)^T round(Q) */
            }
            scale_rows_ref(dk, S, hd, ld, scale);
        }
}

const trm_kernels trm_kernels_scalar = {
    "scalar", gemm_nt, gemm_nn, gemm_tn, rmsnorm_fwd, rmsnorm_bwd, swiglu_fwd, swiglu_bwd, rope,
    attention_fwd, attention_bwd, f32_to_bf16, bf16_to_f32, gemm_nt_bf16, gemm_nn_bf16, gemm_tn_bf16,
    trm__attention_fwd_bf16_ref, trm__attention_bwd_bf16_ref, 0,
};

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
/* avx512_bf16 is cpuid leaf 7 subleaf 1, EAX bit 5. __builtin_cpu_supports("avx512f") first: it
 * also checks that the OS saves the zmm registers (XCR0), which the bf16 bit alone does not say;
 * cpuid directly because not every compiler's __builtin_cpu_supports knows "avx512bf16". */
static int cpu_has_avx512bf16(void) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) return 0;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1u;
}
#endif

const trm_kernels *trm_kernels_get(const char *name) {
    if (!name || !*name || !strcmp(name, "auto")) {
#if defined(TRM_HAVE_AVX512BF16) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        if (cpu_has_avx512bf16()) return &trm_kernels_avx512bf16;
#endif
#if defined(TRM_HAVE_AVX512) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        if (__builtin_cpu_supports("avx512f")) return &trm_kernels_avx512;
#endif
#if defined(TRM_HAVE_AVX2) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &trm_kernels_avx2;
#endif
#if defined(__wasm_simd128__)
        return &trm_kernels_wasm128;
#endif
        return &trm_kernels_scalar;
    }
    if (!strcmp(name, "scalar")) return &trm_kernels_scalar;
#if defined(TRM_HAVE_AVX512)
    if (!strcmp(name, "avx512")) return __builtin_cpu_supports("avx512f") ? &trm_kernels_avx512 : NULL;
#endif
#if defined(TRM_HAVE_AVX512BF16)
    if (!strcmp(name, "avx512bf16")) return cpu_has_avx512bf16() ? &trm_kernels_avx512bf16 : NULL;
#endif
#if defined(TRM_HAVE_AVX2)
    if (!strcmp(name, "avx2"))
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &trm_kernels_avx2 : NULL;
#endif
#if defined(__wasm_simd128__)
    if (!strcmp(name, "wasm128")) return &trm_kernels_wasm128;
#endif
    return NULL;
}

const char *trm_kernels_name(const trm_kernels *k) { return k ? k->name : "none"; }
