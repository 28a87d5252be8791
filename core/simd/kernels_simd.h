/* kernels_simd.h: the SIMD kernel set, written once against a handful of vector macros and
 * included by one file per instruction set (avx2.c, avx512.c, wasm128.c), each compiled with its
 * own flags. The scalar set in kernels_ref.c is the specification; test_kernels.c checks every
 * kernel here against it.
 *
 * The includer defines:
 *   VF, VW                      vector type and its float lanes
 *   V_LOAD(p) V_STORE(p, v)     unaligned load / store
 *   V_SET1(x) V_ZERO()          broadcast, zero
 *   V_ADD V_SUB V_MUL V_DIV V_MAX V_MIN (a, b)
 *   V_FMA(a, b, c)              a * b + c (fused where the ISA has it)
 *   V_HSUM(v) V_HMAX(v)         horizontal sum / max to a float
 *   V_ROUND(v)                  round to the nearest integer (as floats)
 *   V_POW2I(n)                  2^n for a vector of integral floats in [-126, 127]
 *   V_MUL_POW2I(p, n) optional  p * V_POW2I(n) in one instruction where the ISA has one
 *   GEMM_MR                     rows of the register tile (the tile is GEMM_MR x 2*VW)
 *   KSET_NAME, KSET_SYMBOL      "avx512", trm_kernels_avx512
 *   KSET_BF16_NAME, KSET_BF16_SYMBOL, KSET_BF16_PREFIX   optional: a second table, the same set
 *                               with the bf16 entries prefix##gemm_nt_bf16 ... of another file
 *
 * GEMM. C tiles of MR x NR (NR = 2 vectors) are kept in registers while k runs; the B operand is
 * packed into zero-padded panels [k][NR] (so every B load is a full vector); the A operand is read
 * in place when its rows are contiguous in k (nt, nn: one broadcast per row and k) and packed into
 * [k][MR] otherwise (tn, ragged last rows). Blocking: KC values of k per pass (C is re-read
 * between passes), NC columns per packed B stripe (KC x NC floats, on the thread's stack, about
 * 256 KB), A micro-panel (MR x KC) in L1, B stripe in L2.
 *
 * Determinism: every C element is one chain of multiply-adds over k = 0..K-1 in order, started
 * from C (acc) or zero, whatever the tiling; threads only decide *who* computes a tile. Results
 * are therefore identical for any thread count (and any blocking constants). They differ from the
 * scalar set by rounding only (fused multiply-add, lane-wise partial sums in the reductions).
 *
 * Threads (OpenMP): a GEMM is cut into tiles of (rows chunk) x (column stripe), about four per
 * thread, or fewer when those would repack the operands too often (gemm_choose_split: the
 * weight gradients); elementwise kernels split rows; attention splits (batch, head) pairs. All are scheduled
 * dynamically, which keeps both cores busy when the OS takes one away for a while (a shared
 * machine) and cannot change results: each output is computed whole by whichever thread takes
 * its tile. Inside a parallel region (the batch chunks of net.c) nothing forks: TRM_PAR. */
#ifndef TRM_KERNELS_SIMD_H
#define TRM_KERNELS_SIMD_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "../internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define NR (2 * VW)
#define MR GEMM_MR
#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#ifndef GEMM_NC
#define GEMM_NC 256
#endif
#ifndef GEMM_MC
#define GEMM_MC (8 * MR)
#endif
#if defined(__GNUC__) || defined(__clang__)
#define KS_INLINE static inline __attribute__((always_inline))
#define KS_UNROLL _Pragma("GCC unroll 32")
#else
#define KS_INLINE static inline
#define KS_UNROLL
#endif

_Static_assert(MR <= TRM_ATTN_MAX_MR && TRM_ATTN_PAD % NR == 0,
               "attention scratch sizes assume these tiles");

/* Elementwise kernels: parallel only from KS_PAR_MIN values on, in chunks of rows of about 16K
 * values taken dynamically (a thread the OS has descheduled does not hold the others up). */
#define KS_PAR_MIN ((size_t)1 << 16)
#define KS_GRAIN(cols) ((cols) >= 16384 ? 1 : 16384 / (cols))

#ifndef V_MUL_POW2I
#define V_MUL_POW2I(p, n) V_MUL((p), V_POW2I(n))
#endif

static inline int ks_min(int a, int b) { return a < b ? a : b; }
static inline int ks_thread(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* ---- GEMM ------------------------------------------------------------------------------- */

/* The register tile: C[MR, NR] (at c, row stride ldc) = (load_c ? C : 0) + sum_k a(i,k) b[k][j],
 * a(i,k) = a[i*ais + k*aks], b packed [K][NR]. */
KS_INLINE void ukr_body(int K, const float *a, ptrdiff_t ais, ptrdiff_t aks, const float *b, float *c,
                        ptrdiff_t ldc, int load_c) {
    VF c0[MR], c1[MR];
    KS_UNROLL for (int i = 0; i < MR; i++) {
        c0[i] = load_c ? V_LOAD(c + i * ldc) : V_ZERO();
        c1[i] = load_c ? V_LOAD(c + i * ldc + VW) : V_ZERO();
    }
    for (int k = 0; k < K; k++) {
        const VF b0 = V_LOAD(b), b1 = V_LOAD(b + VW);
        KS_UNROLL for (int i = 0; i < MR; i++) {
            const VF ai = V_SET1(a[i * ais]);
            c0[i] = V_FMA(ai, b0, c0[i]);
            c1[i] = V_FMA(ai, b1, c1[i]);
        }
        a += aks;
        b += NR;
    }
    KS_UNROLL for (int i = 0; i < MR; i++) {
        V_STORE(c + i * ldc, c0[i]);
        V_STORE(c + i * ldc + VW, c1[i]);
    }
}

/* A rows contiguous in k (row stride lda), and A packed [K][MR]: two specialisations. */
static void ukr_rows(int K, const float *a, ptrdiff_t lda, const float *b, float *c, ptrdiff_t ldc, int load_c) {
    ukr_body(K, a, lda, 1, b, c, ldc, load_c);
}
static void ukr_packed(int K, const float *a, const float *b, float *c, ptrdiff_t ldc, int load_c) {
    ukr_body(K, a, 1, MR, b, c, ldc, load_c);
}

/* One m x n (<= MR x NR) block of C; ragged blocks go through a full temporary tile. A is either
 * rows (aks == 1, then m == MR) or packed [K][MR]. */
static void gemm_block(int K, const float *a, ptrdiff_t ais, ptrdiff_t aks, const float *b, float *c,
                       ptrdiff_t ldc, int m, int n, int load_c) {
    if (m == MR && n == NR) {
        if (aks == 1) ukr_rows(K, a, ais, b, c, ldc, load_c);
        else ukr_packed(K, a, b, c, ldc, load_c);
        return;
    }
    float t[MR * NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) t[i * NR + j] = load_c && i < m && j < n ? c[i * ldc + j] : 0.0f;
    if (aks == 1) ukr_rows(K, a, ais, b, t, NR, 1);
    else ukr_packed(K, a, b, t, NR, 1);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) c[i * ldc + j] = t[i * NR + j];
}

/* ap[k][MR] = a(i, k) for i < m, zero for the padding rows. */
static void pack_a(const float *a, ptrdiff_t ais, ptrdiff_t aks, int m, int K, float *ap) {
    for (int k = 0; k < K; k++, ap += MR) {
        const float *ak = a + (ptrdiff_t)k * aks;
        int i = 0;
        for (; i < m; i++) ap[i] = ak[i * ais];
        for (; i < MR; i++) ap[i] = 0.0f;
    }
}

/* All panels of an mc-row block of A^T-like data (ais == 1): for each k one contiguous run of mc
 * values is spread over the panels (long reads instead of one short strided read per panel). */
static void pack_a_block(const float *a, ptrdiff_t aks, int mc, int K, float *ap) {
    const int full = mc / MR * MR;
    for (int k = 0; k < K; k++) {
        const float *ak = a + (ptrdiff_t)k * aks;
        for (int i = 0; i < full; i += MR) memcpy(ap + (size_t)i * K + (size_t)k * MR, ak + i, sizeof(float) * MR);
    }
    if (full < mc) pack_a(a + full, 1, aks, mc - full, K, ap + (size_t)full * K);
}

/* C[M, N] (+)= A B with B prepacked as panels [ceil(N/NR)][K][NR]; serial. Rows go in blocks of
 * MC: for each B panel (kept in L1 while it is used) the block's A panels (in L2) are swept.
 * ap: MC*K floats when A needs packing (aks != 1), else MR*K for a ragged last panel. */
static void gemm_pp(int M, int N, int K, const float *A, ptrdiff_t ais, ptrdiff_t aks, const float *BP, float *C,
                    ptrdiff_t ldc, int load_c, float *ap) {
    const int packed = aks != 1;
    for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
        const int mc = ks_min(GEMM_MC, M - i0), full = mc / MR * MR;
        const float *a0 = A + (ptrdiff_t)i0 * ais;
        if (packed && ais == 1) pack_a_block(a0, aks, mc, K, ap);
        else if (packed)
            for (int i = 0; i < mc; i += MR) pack_a(a0 + (ptrdiff_t)i * ais, ais, aks, ks_min(MR, mc - i), K, ap + (size_t)i * K);
        else if (full < mc)
            pack_a(a0 + (ptrdiff_t)full * ais, ais, aks, mc - full, K, ap);
        for (int j = 0; j < N; j += NR)
            for (int i = 0; i < mc; i += MR) {
                const int m = ks_min(MR, mc - i), use_ap = packed || m < MR;
                const float *a = packed ? ap + (size_t)i * K : m < MR ? ap : a0 + (ptrdiff_t)i * ais;
                gemm_block(K, a, use_ap ? 1 : ais, use_ap ? MR : 1, BP + (size_t)j * K,
                           C + (ptrdiff_t)(i0 + i) * ldc + j, ldc, m, ks_min(NR, N - j), load_c);
            }
    }
}

/* bp = panels [ceil(nc/NR)][kc][NR] of b(k, j) = B[k*bks + j*bjs], k < kc, j < nc, zero padded. */
static void pack_b(const float *B, ptrdiff_t bks, ptrdiff_t bjs, int kc, int nc, float *bp) {
    const int full = nc / NR * NR;
    if (bjs == 1) { /* rows of B are contiguous in j: copy, one row of the stripe at a time */
        for (int k = 0; k < kc; k++) {
            const float *src = B + (ptrdiff_t)k * bks;
            for (int j0 = 0; j0 < full; j0 += NR) {
                float *dst = bp + (size_t)j0 * kc + (size_t)k * NR;
                V_STORE(dst, V_LOAD(src + j0));
                V_STORE(dst + VW, V_LOAD(src + j0 + VW));
            }
            if (full < nc) {
                float *dst = bp + (size_t)full * kc + (size_t)k * NR;
                for (int j = 0; j < NR; j++) dst[j] = full + j < nc ? src[full + j] : 0.0f;
            }
        }
        return;
    }
    for (int j0 = 0; j0 < nc; j0 += NR, bp += (size_t)kc * NR) { /* contiguous in k: transpose */
        const int nw = ks_min(NR, nc - j0);
        for (int j = 0; j < NR; j++) {
            const float *src = B + (ptrdiff_t)(j0 + j) * bjs;
            float *dst = bp + j;
            if (j < nw)
                for (int k = 0; k < kc; k++) dst[(size_t)k * NR] = src[(ptrdiff_t)k * bks];
            else
                for (int k = 0; k < kc; k++) dst[(size_t)k * NR] = 0.0f;
        }
    }
}

typedef struct {
    int M, N, K;
    const float *A;
    ptrdiff_t ais, aks; /* a(i, k) = A[i*ais + k*aks] */
    const float *B;
    ptrdiff_t bks, bjs; /* b(k, j) = B[k*bks + j*bjs] */
    float *C;
    ptrdiff_t ldc;
    int acc;
} gemm_args;

/* Rows [i0, i1) x columns [j0, j1) of C, j1 - j0 <= NC. */
static void gemm_tile(const gemm_args *g, int i0, int i1, int j0, int j1, float *bp, float *ap) {
    for (int k0 = 0; k0 < g->K; k0 += GEMM_KC) {
        const int kc = ks_min(GEMM_KC, g->K - k0);
        pack_b(g->B + (ptrdiff_t)k0 * g->bks + (ptrdiff_t)j0 * g->bjs, g->bks, g->bjs, kc, j1 - j0, bp);
        gemm_pp(i1 - i0, j1 - j0, kc, g->A + (ptrdiff_t)i0 * g->ais + (ptrdiff_t)k0 * g->aks, g->ais, g->aks, bp,
                g->C + (ptrdiff_t)i0 * g->ldc + j0, g->ldc, g->acc || k0 > 0, ap);
    }
}

#include "gemm_split.h"

static void gemm_run(const gemm_args *g) {
    const int M = g->M, N = g->N;
    int threads;
    gemm_split sp;
    if (gemm_begin(M, N, g->K, g->C, g->ldc, g->acc, &threads, &sp)) return;
    const int tiles = sp.chunks * sp.stripes;
#pragma omp parallel if (threads > 1 && tiles > 1)
    {
        _Alignas(64) float bp[GEMM_KC * GEMM_NC];
        _Alignas(64) float ap[GEMM_KC * GEMM_MC];
#pragma omp for schedule(dynamic, 1)
        for (int t = 0; t < tiles; t++) {
            const int i0 = (t / sp.stripes) * sp.rows, j0 = (t % sp.stripes) * sp.cols;
            gemm_tile(g, i0, ks_min(M, i0 + sp.rows), j0, ks_min(N, j0 + sp.cols), bp, ap);
        }
    }
}

static void gemm_nt(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    const gemm_args g = {M, N, K, A, lda, 1, B, 1, ldb, C, ldc, acc};
    gemm_run(&g);
}
static void gemm_nn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    const gemm_args g = {M, N, K, A, lda, 1, B, ldb, 1, C, ldc, acc};
    gemm_run(&g);
}
static void gemm_tn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                    int acc) {
    const gemm_args g = {M, N, K, A, 1, lda, B, ldb, 1, C, ldc, acc};
    gemm_run(&g);
}

/* ---- elementwise -------------------------------------------------------------------------- */

#include "softmax_simd.h" /* v_exp, row_max, softmax_rows */

/* sum a[j] b[j] in double, as the scalar set does: the norm's scale is then the same float, which
 * keeps the loss as smooth in the weights as the reference (finite-difference checks see float
 * noise of the loss amplified 1/h). Eight independent lanes so the compiler can vectorise it. */
static inline double ks_dot_d(const float *a, const float *b, int n) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, s = 0.0;
    int j = 0;
    for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++) acc[l] += (double)a[j + l] * b[j + l];
    for (; j < n; j++) s += (double)a[j] * b[j];
    return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static void rmsnorm_fwd(float *y, float *rstd, const float *x, int rows, int cols, float eps) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * cols;
        float *yr = y + (size_t)r * cols;
        const float s = 1.0f / sqrtf((float)(ks_dot_d(xr, xr, cols) / cols) + eps);
        rstd[r] = s;
        const VF sv = V_SET1(s);
        int j = 0;
        for (; j + VW <= cols; j += VW) V_STORE(yr + j, V_MUL(V_LOAD(xr + j), sv));
        for (; j < cols; j++) yr[j] = xr[j] * s;
    }
}

static void rmsnorm_bwd(float *dx, const float *dy, const float *y, const float *rstd, int rows, int cols) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *dyr = dy + (size_t)r * cols, *yr = y + (size_t)r * cols;
        float *dxr = dx + (size_t)r * cols;
        const float mean = (float)(ks_dot_d(dyr, yr, cols) / cols), s = rstd[r];
        const VF mv = V_SET1(mean), sv = V_SET1(s);
        int j = 0;
        for (j = 0; j + VW <= cols; j += VW)
            V_STORE(dxr + j, V_MUL(sv, V_SUB(V_LOAD(dyr + j), V_MUL(V_LOAD(yr + j), mv))));
        for (; j < cols; j++) dxr[j] = s * (dyr[j] - yr[j] * mean);
    }
}

static void swiglu_fwd(float *h, const float *gu, int rows, int I) {
    const VF one = V_SET1(1.0f);
#pragma omp parallel for schedule(dynamic, KS_GRAIN(I)) if (TRM_PAR((size_t)rows * I >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *g = gu + (size_t)r * 2 * I, *u = g + I;
        float *hr = h + (size_t)r * I;
        int i = 0;
        for (; i + VW <= I; i += VW) {
            const VF gv = V_LOAD(g + i);
            const VF sig = V_DIV(one, V_ADD(one, v_exp(V_SUB(V_ZERO(), gv))));
            V_STORE(hr + i, V_MUL(V_MUL(gv, sig), V_LOAD(u + i)));
        }
        for (; i < I; i++) hr[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    }
}

static void swiglu_bwd(float *dgu, const float *dh, const float *gu, int rows, int I) {
    const VF one = V_SET1(1.0f);
#pragma omp parallel for schedule(dynamic, KS_GRAIN(I)) if (TRM_PAR((size_t)rows * I >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *g = gu + (size_t)r * 2 * I, *u = g + I, *d = dh + (size_t)r * I;
        float *dg = dgu + (size_t)r * 2 * I, *du = dg + I;
        int i = 0;
        for (; i + VW <= I; i += VW) {
            const VF gv = V_LOAD(g + i), dv = V_LOAD(d + i);
            const VF sig = V_DIV(one, V_ADD(one, v_exp(V_SUB(V_ZERO(), gv))));
            const VF dsilu = V_MUL(sig, V_ADD(one, V_MUL(gv, V_SUB(one, sig))));
            V_STORE(dg + i, V_MUL(V_MUL(dv, V_LOAD(u + i)), dsilu));
            V_STORE(du + i, V_MUL(dv, V_MUL(gv, sig)));
        }
        for (; i < I; i++) {
            const float sig = 1.0f / (1.0f + expf(-g[i])), silu = g[i] * sig;
            dg[i] = d[i] * u[i] * sig * (1.0f + g[i] * (1.0f - sig));
            du[i] = d[i] * silu;
        }
    }
}

/* Same arithmetic as the scalar set (no fused operations), so results are bit-identical. */
static void rope(float *qkv, int rows, int ld, int S, int heads, int hd, const float *cos, const float *sin,
                 int inverse) {
    const int half = hd / 2;
    const float sign = inverse ? -1.0f : 1.0f;
    const VF sg = V_SET1(sign);
#pragma omp parallel for schedule(dynamic, KS_GRAIN(ld)) if (TRM_PAR((size_t)rows * ld >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *c = cos + (size_t)(r % S) * hd, *s = sin + (size_t)(r % S) * hd;
        float *row = qkv + (size_t)r * ld;
        for (int m = 0; m < 2 * heads; m++) {
            float *v = row + (size_t)m * hd;
            int j = 0;
            for (; j + VW <= half; j += VW) {
                const VF a = V_LOAD(v + j), b = V_LOAD(v + j + half);
                V_STORE(v + j, V_SUB(V_MUL(a, V_LOAD(c + j)), V_MUL(V_MUL(b, sg), V_LOAD(s + j))));
                V_STORE(v + j + half,
                        V_ADD(V_MUL(b, V_LOAD(c + j + half)), V_MUL(V_MUL(a, sg), V_LOAD(s + j + half))));
            }
            for (; j < half; j++) {
                const float a = v[j], b = v[j + half];
                v[j] = a * c[j] - b * sign * s[j];
                v[j + half] = b * c[j + half] + a * sign * s[j + half];
            }
        }
    }
}

/* ---- attention ---------------------------------------------------------------------------- */
/* Per (batch, head), rows in blocks of TRM_ATTN_BLOCK_ROWS: only a block of scores/probabilities
 * [br, S] exists at a time (never S x S). K^T and V (forward) or K^T, V^T, K (backward) are packed
 * once per head into B panels; the backward recomputes the probabilities block by block (one
 * extra Q K^T per head) instead of storing B*heads*S*S of them, and accumulates dK, dV over the
 * row blocks in a fixed order. */

typedef struct {
    float *P, *dP;     /* [br, Sp] */
    float *kt, *vt;    /* panels of K^T / V^T: [Sp/NR][hd][NR] */
    float *kv;         /* panels of V (forward) or K (backward) over d: [hp/NR][S][NR] */
    float *rp;         /* per-block panels of dO or Q rows: [hp/NR][br][NR] */
    float *ap;         /* a packed ragged A panel: MR * max(S, hd) */
    int Sp;
} attn_ws;

static void attn_ws_carve(attn_ws *w, float *scratch, int S, int hd) {
    const int br = S < TRM_ATTN_BLOCK_ROWS ? S : TRM_ATTN_BLOCK_ROWS;
    const size_t Sp = trm__round_up(S, TRM_ATTN_PAD), hp = trm__round_up(hd, TRM_ATTN_PAD);
    float *p = scratch + (size_t)ks_thread() * trm_attention_scratch_floats(S, hd);
    w->Sp = (int)Sp;
    w->P = p, p += (size_t)br * Sp;
    w->dP = p, p += (size_t)br * Sp;
    w->kt = p, p += Sp * hd;
    w->vt = p, p += Sp * hd;
    w->kv = p, p += hp * S;
    w->rp = p, p += hp * (size_t)br;
    w->ap = p;
}

/* The softmax (row_max, softmax_rows: E and inv) is in softmax_simd.h, shared with the bf16
 * attention of avx512bf16.c. */

/* rows [br, cols] (row stride ld) *= inv[row] */
static void scale_rows(float *x, int br, int cols, ptrdiff_t ld, const float *inv) {
    for (int i = 0; i < br; i++) {
        float *r = x + i * ld;
        const VF f = V_SET1(inv[i]);
        int j = 0;
        for (; j + VW <= cols; j += VW) V_STORE(r + j, V_MUL(V_LOAD(r + j), f));
        for (; j < cols; j++) r[j] *= inv[i];
    }
}

static void attention_fwd(float *out, const float *qkv, int B, int S, int heads, int hd, float *scratch) {
    const int D = heads * hd, ld = 3 * D, brmax = TRM_ATTN_BLOCK_ROWS, Sn = (S + NR - 1) / NR * NR;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(dynamic, 1) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            attn_ws w;
            attn_ws_carve(&w, scratch, S, hd);
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd, *k = q + D, *v = q + 2 * D;
            float *o = out + (size_t)b * S * D + (size_t)h * hd;
            float inv[TRM_ATTN_BLOCK_ROWS];
            pack_b(k, 1, ld, hd, S, w.kt); /* b(d, s') = K[s', d], zero padded to Sn columns */
            pack_b(v, ld, 1, S, hd, w.kv); /* b(s', d) = V[s', d] */
            for (int r0 = 0; r0 < S; r0 += brmax) {
                const int br = ks_min(brmax, S - r0);
                /* scores for all Sn columns: the padding ones are 0 and never read, and every
                 * register tile is then a full one */
                gemm_pp(br, Sn, hd, q + (size_t)r0 * ld, ld, 1, w.kt, w.P, w.Sp, 0, w.ap);
                softmax_rows(w.P, br, S, w.Sp, scale, inv);
                /* normalise P itself (not the [br, hd] output, which would save this pass): the
                 * loss then rounds like the scalar set's, and the finite-difference checks on
                 * small gradients stay within their float32 noise budget */
                scale_rows(w.P, br, S, w.Sp, inv);
                gemm_pp(br, hd, S, w.P, w.Sp, 1, w.kv, o + (size_t)r0 * D, D, 0, w.ap);
            }
        }
}

/* One row block of the backward: rows [r0, r0 + br) of this head. With E and inv from the
 * softmax (P = E inv): dV += E^T (inv dO); dP = dO V^T; dS = P (dP - rowsum(P dP)) scale
 * = E (inv scale) (dP - inv rowsum(E dP)); dQ = dS K; dK += dS^T Q. */
static void attn_bwd_block(const attn_ws *w, const float *q, const float *dO, float *dq, float *dk, float *dv,
                           int r0, int br, int S, int hd, int D, int ld, float scale) {
    float *P = w->P, *dP = w->dP, *ap = w->ap, inv[TRM_ATTN_BLOCK_ROWS];
    _Alignas(64) float apt[GEMM_MC * TRM_ATTN_BLOCK_ROWS]; /* blocks of E^T, dS^T (K = br) */
    const int Sp = w->Sp, Sn = (S + NR - 1) / NR * NR, hn = (hd + NR - 1) / NR;
    gemm_pp(br, Sn, hd, q + (size_t)r0 * ld, ld, 1, w->kt, P, Sp, 0, ap);
    softmax_rows(P, br, S, Sp, scale, inv);
    pack_b(dO + (size_t)r0 * D, D, 1, br, hd, w->rp); /* b(r, d) = inv[r] dO[r, d] */
    for (int pnl = 0; pnl < hn; pnl++) scale_rows(w->rp + (size_t)pnl * br * NR, br, NR, NR, inv);
    gemm_pp(S, hd, br, P, 1, Sp, w->rp, dv, ld, 1, apt);
    gemm_pp(br, Sn, hd, dO + (size_t)r0 * D, D, 1, w->vt, dP, Sp, 0, ap);
    for (int i = 0; i < br; i++) {
        float *e = P + (size_t)i * Sp, *dp = dP + (size_t)i * Sp;
        VF acc = V_ZERO();
        int j = 0;
        for (; j + VW <= S; j += VW) acc = V_FMA(V_LOAD(e + j), V_LOAD(dp + j), acc);
        float dot = V_HSUM(acc);
        for (; j < S; j++) dot += e[j] * dp[j];
        const float rd = dot * inv[i], f = inv[i] * scale;
        const VF rdv = V_SET1(rd), fv = V_SET1(f);
        for (j = 0; j + VW <= S; j += VW) V_STORE(dp + j, V_MUL(V_MUL(V_LOAD(e + j), fv), V_SUB(V_LOAD(dp + j), rdv)));
        for (; j < S; j++) dp[j] = e[j] * f * (dp[j] - rd);
    }
    gemm_pp(br, hd, S, dP, Sp, 1, w->kv, dq + (size_t)r0 * ld, ld, 0, ap);
    pack_b(q + (size_t)r0 * ld, ld, 1, br, hd, w->rp); /* b(r, d) = Q[r, d] */
    gemm_pp(S, hd, br, dP, 1, Sp, w->rp, dk, ld, 1, apt);
}

static void attention_bwd(float *dqkv, const float *dout, const float *qkv, int B, int S, int heads, int hd,
                          float *scratch) {
    const int D = heads * hd, ld = 3 * D, brmax = TRM_ATTN_BLOCK_ROWS;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(dynamic, 1) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            attn_ws w;
            attn_ws_carve(&w, scratch, S, hd);
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd, *k = q + D, *v = q + 2 * D;
            const float *dO = dout + (size_t)b * S * D + (size_t)h * hd;
            float *dq = dqkv + (size_t)b * S * ld + (size_t)h * hd, *dk = dq + D, *dv = dq + 2 * D;
            for (int s = 0; s < S; s++) {
                memset(dk + (size_t)s * ld, 0, sizeof(float) * (size_t)hd);
                memset(dv + (size_t)s * ld, 0, sizeof(float) * (size_t)hd);
            }
            pack_b(k, 1, ld, hd, S, w.kt); /* b(d, s') = K[s', d] */
            pack_b(v, 1, ld, hd, S, w.vt); /* b(d, s') = V[s', d] */
            pack_b(k, ld, 1, S, hd, w.kv); /* b(s', d) = K[s', d] */
            for (int r0 = 0; r0 < S; r0 += brmax)
                attn_bwd_block(&w, q, dO, dq, dk, dv, r0, ks_min(brmax, S - r0), S, hd, D, ld, scale);
        }
}

#include "kernels_simd_bf16.h"

/* bf16 attention: the scalar specification (kernels_ref.c); vdpbf16ps versions in avx512bf16.c. */
const trm_kernels KSET_SYMBOL = {
    KSET_NAME, gemm_nt, gemm_nn, gemm_tn, rmsnorm_fwd, rmsnorm_bwd, swiglu_fwd, swiglu_bwd, rope,
    attention_fwd, attention_bwd, f32_to_bf16, bf16_to_f32, gemm_nt_bf16, gemm_nn_bf16, gemm_tn_bf16,
    trm__attention_fwd_bf16_ref, trm__attention_bwd_bf16_ref, 0,
};

#ifdef KSET_BF16_SYMBOL
/* The same set with native bf16 entries from another translation unit (compiled with the bf16
 * flags, KSET_BF16_PREFIX##gemm_nt_bf16 ...): every float32 entry is this file's own function. */
#define KS_CAT2(a, b) a##b
#define KS_CAT(a, b) KS_CAT2(a, b)
#define KS_BF16(fn) KS_CAT(KSET_BF16_PREFIX, fn)
void KS_BF16(f32_to_bf16)(int, int, const float *, int, trm_bf16 *, int);
void KS_BF16(bf16_to_f32)(int, int, const trm_bf16 *, int, float *, int);
void KS_BF16(gemm_nt_bf16)(int, int, int, const trm_bf16 *, int, const trm_bf16 *, int, float *, int, int);
void KS_BF16(gemm_nn_bf16)(int, int, int, const trm_bf16 *, int, const trm_bf16 *, int, float *, int, int);
void KS_BF16(gemm_tn_bf16)(int, int, int, const trm_bf16 *, int, const trm_bf16 *, int, float *, int, int);
void KS_BF16(attention_fwd_bf16)(float *, const float *, int, int, int, int, float *);
void KS_BF16(attention_bwd_bf16)(float *, const float *, const float *, const trm_bf16 *, int, int, int, int, float *);
const trm_kernels KSET_BF16_SYMBOL = {
    KSET_BF16_NAME, gemm_nt, gemm_nn, gemm_tn, rmsnorm_fwd, rmsnorm_bwd, swiglu_fwd, swiglu_bwd, rope,
    attention_fwd, attention_bwd, KS_BF16(f32_to_bf16), KS_BF16(bf16_to_f32), KS_BF16(gemm_nt_bf16),
    KS_BF16(gemm_nn_bf16), KS_BF16(gemm_tn_bf16), KS_BF16(attention_fwd_bf16), KS_BF16(attention_bwd_bf16), 1,
};
#endif

#endif
