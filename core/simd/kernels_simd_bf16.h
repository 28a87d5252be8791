/* kernels_simd_bf16.h: the mixed-precision (bf16 operand) entries of the generic SIMD sets,
 * included by kernels_simd.h. These sets (avx2, wasm128, and avx512 on a CPU without
 * avx512_bf16) have no bf16 arithmetic, so the operands are widened to float32 while they are
 * packed (exact: a bf16 is the top half of a float32) and the float32 register tile of
 * kernels_simd.h does the rest. The products of two widened bf16 values are exact, so each C
 * element is the same k-ordered chain of multiply-adds as in the float32 GEMM: deterministic for
 * any thread count, and within float32 rounding of the scalar set. This is a fallback that keeps
 * the table complete, not a fast path: the vdpbf16ps kernels are in avx512bf16.c.
 *
 * Blocking as for float32 (KC x NC stripes of B, MC-row blocks of A), but A is always widened
 * into a float block first (rows [mc][kc] for nt and nn, which gemm_pp reads in place; [kc][mc]
 * for tn, which gemm_pp packs as it packs a float32 A^T), so one conversion serves every B panel
 * of the stripe. */
#ifndef TRM_KERNELS_SIMD_BF16_H
#define TRM_KERNELS_SIMD_BF16_H

static void f32_to_bf16(int rows, int cols, const float *x, int ldx, trm_bf16 *y, int ldy) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * ldx;
        trm_bf16 *yr = y + (size_t)r * ldy;
        for (int j = 0; j < cols; j++) yr[j] = trm_f32_to_bf16(xr[j]);
    }
}

static void bf16_to_f32(int rows, int cols, const trm_bf16 *x, int ldx, float *y, int ldy) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const trm_bf16 *xr = x + (size_t)r * ldx;
        float *yr = y + (size_t)r * ldy;
        for (int j = 0; j < cols; j++) yr[j] = trm_bf16_to_f32(xr[j]);
    }
}

typedef struct {
    int M, N, K;
    const trm_bf16 *A;
    ptrdiff_t ais, aks; /* a(i, k) = A[i*ais + k*aks] */
    const trm_bf16 *B;
    ptrdiff_t bks, bjs; /* b(k, j) = B[k*bks + j*bjs] */
    float *C;
    ptrdiff_t ldc;
    int acc;
} gemm_bf16_args;

/* pack_b for bf16 sources: float panels [ceil(nc/NR)][kc][NR], zero padded. */
static void pack_b_bf16(const trm_bf16 *B, ptrdiff_t bks, ptrdiff_t bjs, int kc, int nc, float *bp) {
    for (int j0 = 0; j0 < nc; j0 += NR, bp += (size_t)kc * NR) {
        const int nw = ks_min(NR, nc - j0);
        for (int k = 0; k < kc; k++) {
            const trm_bf16 *src = B + (ptrdiff_t)k * bks + (ptrdiff_t)j0 * bjs;
            float *dst = bp + (size_t)k * NR;
            int j = 0;
            for (; j < nw; j++) dst[j] = trm_bf16_to_f32(src[(ptrdiff_t)j * bjs]);
            for (; j < NR; j++) dst[j] = 0.0f;
        }
    }
}

/* a(i, k) as floats for i < mc, k < kc, in A's own orientation (both reads and writes run along
 * the contiguous direction): rows at[i][k] (stride kc) for nt, nn; at[k][i] (stride mc) for tn. */
static void widen_a(const trm_bf16 *A, ptrdiff_t ais, ptrdiff_t aks, int mc, int kc, float *at) {
    if (aks == 1) {
        for (int i = 0; i < mc; i++)
            for (int k = 0; k < kc; k++) at[(size_t)i * kc + k] = trm_bf16_to_f32(A[(ptrdiff_t)i * ais + k]);
        return;
    }
    for (int k = 0; k < kc; k++)
        for (int i = 0; i < mc; i++) at[(size_t)k * mc + i] = trm_bf16_to_f32(A[(ptrdiff_t)k * aks + (ptrdiff_t)i * ais]);
}

static void gemm_bf16_tile(const gemm_bf16_args *g, int i0, int i1, int j0, int j1, float *bp, float *at,
                           float *ap) {
    for (int k0 = 0; k0 < g->K; k0 += GEMM_KC) {
        const int kc = ks_min(GEMM_KC, g->K - k0);
        pack_b_bf16(g->B + (ptrdiff_t)k0 * g->bks + (ptrdiff_t)j0 * g->bjs, g->bks, g->bjs, kc, j1 - j0, bp);
        for (int ib = i0; ib < i1; ib += GEMM_MC) {
            const int mc = ks_min(GEMM_MC, i1 - ib);
            widen_a(g->A + (ptrdiff_t)ib * g->ais + (ptrdiff_t)k0 * g->aks, g->ais, g->aks, mc, kc, at);
            float *c = g->C + (ptrdiff_t)ib * g->ldc + j0;
            if (g->aks == 1) gemm_pp(mc, j1 - j0, kc, at, kc, 1, bp, c, g->ldc, g->acc || k0 > 0, ap);
            else gemm_pp(mc, j1 - j0, kc, at, 1, mc, bp, c, g->ldc, g->acc || k0 > 0, ap); /* packs A^T */
        }
    }
}

static void gemm_bf16_run(const gemm_bf16_args *g) {
    const int M = g->M, N = g->N;
    int threads;
    gemm_split sp;
    if (gemm_begin(M, N, g->K, g->C, g->ldc, g->acc, &threads, &sp)) return;
    const int tiles = sp.chunks * sp.stripes;
#pragma omp parallel if (threads > 1 && tiles > 1)
    {
        _Alignas(64) float bp[GEMM_KC * GEMM_NC];
        _Alignas(64) float at[GEMM_KC * GEMM_MC];
        _Alignas(64) float ap[GEMM_KC * GEMM_MC];
#pragma omp for schedule(dynamic, 1)
        for (int t = 0; t < tiles; t++) {
            const int i0 = (t / sp.stripes) * sp.rows, j0 = (t % sp.stripes) * sp.cols;
            gemm_bf16_tile(g, i0, ks_min(M, i0 + sp.rows), j0, ks_min(N, j0 + sp.cols), bp, at, ap);
        }
    }
}

static void gemm_nt_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    const gemm_bf16_args g = {M, N, K, A, lda, 1, B, 1, ldb, C, ldc, acc};
    gemm_bf16_run(&g);
}
static void gemm_nn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    const gemm_bf16_args g = {M, N, K, A, lda, 1, B, ldb, 1, C, ldc, acc};
    gemm_bf16_run(&g);
}
static void gemm_tn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb, float *C,
                         int ldc, int acc) {
    const gemm_bf16_args g = {M, N, K, A, 1, lda, B, ldb, 1, C, ldc, acc};
    gemm_bf16_run(&g);
}

#endif
