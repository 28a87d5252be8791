/* avx512bf16.c: the bf16 entries of the avx512bf16 kernel set (the avx512 set's float32
 * kernels, see avx512.c, plus these). The only file compiled with -mavx512bf16, and used only
 * when the CPU reports avx512_bf16 (trm_kernels_get): vdpbf16ps (_mm512_dpbf16_ps) multiplies
 * the 16 pairs of bf16 values of two registers and adds each lane's two products to a float32
 * accumulator, 64 flops per instruction, twice the float32 FMA.
 *
 * GEMM. The register tile is MR rows x NR = 32 columns (two float32 accumulators per row, 16
 * in all, as the float32 tile). vdpbf16ps works on pairs along k, so B is packed into panels
 * [k/2][NR][2] (the two values of a pair side by side, one 32-bit lane per column) and every row
 * of A gives one broadcast 32-bit pair (a[i,k], a[i,k+1]) per step. A is read in place where its
 * rows are contiguous in k (nt, nn) and packed into [k/2][MR][2] panels otherwise (tn, whose A
 * is [K, M]). An odd K ends with a pair whose second value is zero in both operands (B panels are
 * zero padded, in-place A gets a 16-bit load for its last value): a zero times anything finite
 * adds nothing. Blocking: KC values of k per pass (an even number, so pairs never straddle
 * passes), NC columns per B stripe (KC x NC bf16 = 256 KB on the thread's stack, as float32),
 * MC-row blocks of A.
 *
 * Results: for each KC pass, each C element gets one chain over that pass's pairs in k order,
 * started from zero and then added to C (acc, or an earlier pass); the instruction adds the odd-k
 * product, then the even one (Intel SDM), each rounded to float32, and counts bf16 denormals as
 * zero. Threads only decide who computes a tile (gemm_split.h), so the bits are the same for any
 * thread count; they differ from the scalar set by the order of the float32 additions. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "../internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define VW 16
#define NR (2 * VW)
#define MR 8
#define GEMM_KC 512
#define GEMM_NC 256
#define GEMM_MC (8 * MR)
#define KS_INLINE static inline __attribute__((always_inline))
#define KS_UNROLL _Pragma("GCC unroll 32")
#define KS_PAR_MIN ((size_t)1 << 16)
#define KS_GRAIN(cols) ((cols) >= 16384 ? 1 : 16384 / (cols))

_Static_assert(GEMM_KC % 2 == 0, "a k pair must not straddle two passes");

static inline int ks_min(int a, int b) { return a < b ? a : b; }

#include "gemm_split.h"

/* ---- conversions --------------------------------------------------------------------------- */

/* trm_f32_to_bf16 on 16 lanes, the same bits: the integer rounding, not vcvtneps2bf16, which
 * flushes denormals to zero and keeps NaN payloads. */
KS_INLINE __m256i cvt16_f32_bf16(__m512 x) {
    const __m512i u = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
    r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), _mm512_set1_epi32(0x7fc0));
    return _mm512_cvtepi32_epi16(r);
}

void trm__avx512bf16_f32_to_bf16(int rows, int cols, const float *x, int ldx, trm_bf16 *y, int ldy) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * ldx;
        trm_bf16 *yr = y + (size_t)r * ldy;
        for (int j = 0; j < cols; j += VW) {
            const __mmask16 m = cols - j >= VW ? 0xffff : (__mmask16)((1u << (cols - j)) - 1);
            _mm256_mask_storeu_epi16(yr + j, m, cvt16_f32_bf16(_mm512_maskz_loadu_ps(m, xr + j)));
        }
    }
}

void trm__avx512bf16_bf16_to_f32(int rows, int cols, const trm_bf16 *x, int ldx, float *y, int ldy) {
#pragma omp parallel for schedule(dynamic, KS_GRAIN(cols)) if (TRM_PAR((size_t)rows * cols >= KS_PAR_MIN))
    for (int r = 0; r < rows; r++) {
        const trm_bf16 *xr = x + (size_t)r * ldx;
        float *yr = y + (size_t)r * ldy;
        for (int j = 0; j < cols; j += VW) {
            const __mmask16 m = cols - j >= VW ? 0xffff : (__mmask16)((1u << (cols - j)) - 1);
            const __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, xr + j));
            _mm512_mask_storeu_ps(yr + j, m, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
        }
    }
}

/* ---- packing ------------------------------------------------------------------------------- */

static inline uint32_t load_pair(const trm_bf16 *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v); /* unaligned when the row starts at an odd element: fine on x86 */
    return v;
}

/* out[2t] = r0[t], out[2t+1] = r1[t] (0 where r1 is NULL) for t < n, zeros for n <= t < 32: 64
 * values. The loads are masked, so nothing beyond n is read. */
KS_INLINE void interleave32(const trm_bf16 *r0, const trm_bf16 *r1, int n, trm_bf16 *out) {
    const __mmask32 m = n >= 32 ? 0xffffffffu : n <= 0 ? 0 : (__mmask32)((1u << n) - 1);
    const __m512i a = _mm512_maskz_loadu_epi16(m, r0);
    const __m512i b = r1 ? _mm512_maskz_loadu_epi16(m, r1) : _mm512_setzero_si512();
    const __m512i lo = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8, 39, 7, 38, 6, 37,
                                        5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
    const __m512i hi = _mm512_add_epi16(lo, _mm512_set1_epi16(16));
    _mm512_storeu_si512(out, _mm512_permutex2var_epi16(a, lo, b));
    _mm512_storeu_si512(out + 32, _mm512_permutex2var_epi16(a, hi, b));
}

/* B panels [ceil(nc/NR)][kp][NR][2], kp = ceil(kc/2), of b(k, j) = B[k*bks + j*bjs], zero padded
 * (columns beyond nc, the second value of an odd last pair). */
static void pack_b(const trm_bf16 *B, ptrdiff_t bks, ptrdiff_t bjs, int kc, int nc, trm_bf16 *bp) {
    const int kp = (kc + 1) / 2, full = kc / 2;
    const size_t panel = (size_t)kp * 2 * NR;
    if (bjs == 1) { /* rows of B along j (nn, tn): interleave rows k and k + 1, each pair of rows
                     * across the whole stripe at once (long reads: one panel at a time down the
                     * rows missed the cache on every row, 13% of a weight gradient's time) */
        for (int p = 0; p < kp; p++) {
            const trm_bf16 *r0 = B + (ptrdiff_t)(2 * p) * bks, *r1 = 2 * p + 1 < kc ? r0 + bks : NULL;
            for (int j0 = 0; j0 < nc; j0 += NR)
                interleave32(r0 + j0, r1 ? r1 + j0 : NULL, nc - j0, bp + (size_t)(j0 / NR) * panel + (size_t)p * 2 * NR);
        }
        return;
    }
    for (int j0 = 0; j0 < nc; j0 += NR, bp += panel) {
        const int nw = ks_min(NR, nc - j0);
        /* columns of B along k (nt: B is [N, K]): each lane's pair is one 32-bit word of a row,
         * gathered for 16 columns at a time */
        const trm_bf16 *col = B + (ptrdiff_t)j0 * bjs;
        const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32((int)bjs));
        const __mmask16 m0 = nw >= 16 ? 0xffff : (__mmask16)((1u << nw) - 1);
        const __mmask16 m1 = nw >= 32 ? 0xffff : nw <= 16 ? 0 : (__mmask16)((1u << (nw - 16)) - 1);
        const trm_bf16 *col16 = col + 16 * bjs;
        for (int p = 0; p < full; p++) {
            trm_bf16 *dst = bp + (size_t)p * 2 * NR;
            const __m512i z = _mm512_setzero_si512();
            _mm512_storeu_si512(dst, _mm512_mask_i32gather_epi32(z, m0, idx, col + 2 * p, 2));
            _mm512_storeu_si512(dst + 32, nw > 16 ? _mm512_mask_i32gather_epi32(z, m1, idx, col16 + 2 * p, 2) : z);
        }
        if (full < kp) { /* odd kc: the last value alone (reading its pair would pass the row's end) */
            trm_bf16 *dst = bp + (size_t)full * 2 * NR;
            for (int j = 0; j < NR; j++) {
                dst[2 * j] = j < nw ? col[(ptrdiff_t)j * bjs + 2 * full] : 0;
                dst[2 * j + 1] = 0;
            }
        }
    }
}

/* A^T data (a(i, k) = A[k*aks + i], tn) of an mc-row block into panels [ceil(mc/MR)][kp][MR][2],
 * zero padded: rows k, k + 1 are interleaved along i 32 at a time, then cut into the panels. */
static void pack_a_t(const trm_bf16 *A, ptrdiff_t aks, int mc, int kc, trm_bf16 *ap) {
    const int kp = (kc + 1) / 2, panels = (mc + MR - 1) / MR;
    _Alignas(64) trm_bf16 tmp[2 * (GEMM_MC + 32)];
    for (int p = 0; p < kp; p++) {
        const trm_bf16 *r0 = A + (ptrdiff_t)(2 * p) * aks, *r1 = 2 * p + 1 < kc ? r0 + aks : NULL;
        for (int t = 0; t < panels * MR; t += 32) interleave32(r0 + t, r1 ? r1 + t : NULL, mc - t, tmp + 2 * t);
        for (int q = 0; q < panels; q++)
            memcpy(ap + ((size_t)q * kp + p) * 2 * MR, tmp + (size_t)q * 2 * MR, sizeof(trm_bf16) * 2 * MR);
    }
}

/* ---- register tile ---------------------------------------------------------------------- */

/* C[MR, NR] (at c, row stride ldc) = (load_c ? C : 0) + sum over kp pairs of a(i, p) . b[p][j],
 * a(i, p) the 32-bit pair at a + i*ais + p*aps; odd: then a last value a + i*ais + kp*aps alone
 * (the B panel has its pair with a zero second value). */
KS_INLINE void ukr_body(int kp, int odd, const trm_bf16 *a, ptrdiff_t ais, ptrdiff_t aps, const trm_bf16 *b,
                        float *c, ptrdiff_t ldc, int load_c) {
    /* The chains start from zero and C is added at the end: started from C, every chain waited
     * for its C load first, a cache miss for the passes after the first over a large C (the weight
     * gradients: C [3072, 512], K = 3664), which cost up to a third of the rate. The prefetch
     * brings C in while the pairs run. */
    __m512 c0[MR], c1[MR];
    KS_UNROLL for (int i = 0; i < MR; i++) {
        if (load_c) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        if (load_c) _mm_prefetch((const char *)(c + i * ldc + VW), _MM_HINT_T0);
        c0[i] = _mm512_setzero_ps();
        c1[i] = _mm512_setzero_ps();
    }
    for (int p = 0; p < kp; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 32);
        KS_UNROLL for (int i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)load_pair(a + i * ais));
            c0[i] = _mm512_dpbf16_ps(c0[i], ai, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], ai, b1);
        }
        a += aps;
        b += 2 * NR;
    }
    if (odd) { /* the last value alone, zero extended: (a, 0) */
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 32);
        KS_UNROLL for (int i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i * ais]);
            c0[i] = _mm512_dpbf16_ps(c0[i], ai, b0);
            c1[i] = _mm512_dpbf16_ps(c1[i], ai, b1);
        }
    }
    KS_UNROLL for (int i = 0; i < MR; i++) {
        if (load_c) c0[i] = _mm512_add_ps(_mm512_loadu_ps(c + i * ldc), c0[i]);
        if (load_c) c1[i] = _mm512_add_ps(_mm512_loadu_ps(c + i * ldc + VW), c1[i]);
        _mm512_storeu_ps(c + i * ldc, c0[i]);
        _mm512_storeu_ps(c + i * ldc + VW, c1[i]);
    }
}

/* A rows in place (pairs along the row), and A packed [kp][MR][2]: two specialisations. */
static void ukr_rows(int kp, int odd, const trm_bf16 *a, ptrdiff_t lda, const trm_bf16 *b, float *c, ptrdiff_t ldc,
                     int load_c) {
    ukr_body(kp, odd, a, lda, 2, b, c, ldc, load_c);
}
static void ukr_packed(int kp, const trm_bf16 *a, const trm_bf16 *b, float *c, ptrdiff_t ldc, int load_c) {
    ukr_body(kp, 0, a, 2, 2 * MR, b, c, ldc, load_c);
}

/* One m x n (<= MR x NR) block; a ragged n goes through a full temporary tile (a ragged m never
 * comes here with A in place: gemm_pp copies those rows, zero padded, and passes them packed as
 * rows of stride ais). */
static void gemm_block(int kc, const trm_bf16 *a, ptrdiff_t ais, int packed, const trm_bf16 *b, float *c,
                       ptrdiff_t ldc, int m, int n, int load_c) {
    const int kp = packed ? (kc + 1) / 2 : kc / 2, odd = packed ? 0 : kc & 1;
    if (m == MR && n == NR) {
        if (packed) ukr_packed(kp, a, b, c, ldc, load_c);
        else ukr_rows(kp, odd, a, ais, b, c, ldc, load_c);
        return;
    }
    float t[MR * NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) t[i * NR + j] = load_c && i < m && j < n ? c[i * ldc + j] : 0.0f;
    if (packed) ukr_packed(kp, a, b, t, NR, 1);
    else ukr_rows(kp, odd, a, ais, b, t, NR, 1);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) c[i * ldc + j] = t[i * NR + j];
}

/* A region of memory the next pass will read (rows of `bytes` at `stride`), fetched a few lines
 * after each register tile of this pass: a pass computes on packed data only, so without
 * this the next pass's packing found B (and A^T) in memory, row after row (the weight gradients
 * stream activations [K = batch x sequence, N]: a quarter of their time went to those misses).
 * Into L1 (T0): with T1 (L2) the misses stayed on Zen 5. */
typedef struct {
    const char *p;
    ptrdiff_t stride;
    int rows, lines, row, line, quota;
} prefetcher;

static void pf_init(prefetcher *f, const void *p, ptrdiff_t stride, int rows, int bytes, int steps) {
    if (!p || rows <= 0 || bytes <= 0) rows = 0, bytes = 0; /* nothing to fetch */
    /* one line more: a row that does not start on a line boundary spans one more */
    f->p = (const char *)p, f->stride = stride, f->rows = rows, f->lines = (bytes + 63) / 64 + 1;
    f->row = f->line = 0;
    f->quota = steps > 0 ? (rows * f->lines + steps - 1) / steps : 0;
}

KS_INLINE void pf_step(prefetcher *f) {
    for (int n = 0; n < f->quota && f->row < f->rows; n++) {
        _mm_prefetch(f->p + (ptrdiff_t)f->row * f->stride + (ptrdiff_t)f->line * 64, _MM_HINT_T0);
        if (++f->line == f->lines) f->line = 0, f->row++;
    }
}

/* C[M, N] (+)= A B for one KC pass, B packed as panels; serial. Rows in blocks of MC: for each B
 * panel (in L1 while it is used) the block's A rows or panels (in L2) are swept. A in place
 * (aks == 1) except a ragged last MR rows, copied zero padded to at [MR][kc + 1]; A^T (ais == 1)
 * packed into ap (MC x kc + 1 values). */
static void gemm_pp(int M, int N, int kc, const trm_bf16 *A, ptrdiff_t ais, ptrdiff_t aks, const trm_bf16 *BP,
                    float *C, ptrdiff_t ldc, int load_c, trm_bf16 *ap, trm_bf16 *at, prefetcher *pf) {
    const int packed = aks != 1, kp = (kc + 1) / 2, kcp = 2 * kp;
    const size_t bpanel = (size_t)kp * 2 * NR, apanel = (size_t)kp * 2 * MR;
    for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
        const int mc = ks_min(GEMM_MC, M - i0), full = mc / MR * MR;
        const trm_bf16 *a0 = A + (ptrdiff_t)i0 * ais;
        /* A^T is read in short row pieces (mc values of each of kc rows, far apart): the next
         * block's pieces are fetched while this block computes, as B's next pass is */
        prefetcher pfa;
        const int steps = ((N + NR - 1) / NR) * ((mc + MR - 1) / MR);
        pf_init(&pfa, packed && i0 + mc < M ? a0 + mc : NULL, aks * 2, kc, 2 * ks_min(GEMM_MC, M - i0 - mc), steps);
        if (packed) pack_a_t(a0, aks, mc, kc, ap);
        else if (full < mc) {
            memset(at, 0, sizeof(trm_bf16) * (size_t)MR * kcp);
            for (int i = 0; i < mc - full; i++)
                memcpy(at + (size_t)i * kcp, a0 + (ptrdiff_t)(full + i) * ais, sizeof(trm_bf16) * (size_t)kc);
        }
        for (int j = 0; j < N; j += NR)
            for (int i = 0; i < mc; i += MR) {
                const int m = ks_min(MR, mc - i), n = ks_min(NR, N - j);
                const trm_bf16 *b = BP + (size_t)(j / NR) * bpanel;
                float *c = C + (ptrdiff_t)(i0 + i) * ldc + j;
                if (packed) gemm_block(kc, ap + (size_t)(i / MR) * apanel, 2, 1, b, c, ldc, m, n, load_c);
                else if (m == MR) gemm_block(kc, a0 + (ptrdiff_t)i * ais, ais, 0, b, c, ldc, m, n, load_c);
                else gemm_block(kcp, at, kcp, 0, b, c, ldc, m, n, load_c); /* zero padded: kcp is even */
                pf_step(pf);
                pf_step(&pfa);
            }
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
} gemm_args;

static void gemm_tile(const gemm_args *g, int i0, int i1, int j0, int j1, trm_bf16 *bp, trm_bf16 *ap, trm_bf16 *at) {
    const int nc = j1 - j0, steps = ((nc + NR - 1) / NR) * ((i1 - i0 + MR - 1) / MR);
    for (int k0 = 0; k0 < g->K; k0 += GEMM_KC) {
        const int kc = ks_min(GEMM_KC, g->K - k0), k1 = k0 + kc, kn = ks_min(GEMM_KC, g->K - k1);
        const trm_bf16 *bn = kn > 0 ? g->B + (ptrdiff_t)k1 * g->bks + (ptrdiff_t)j0 * g->bjs : NULL;
        prefetcher pf; /* the next pass's B stripe: kn rows of nc values, or nc rows of kn */
        if (g->bjs == 1) pf_init(&pf, bn, g->bks * 2, kn, 2 * nc, steps);
        else pf_init(&pf, bn, g->bjs * 2, nc, 2 * kn, steps);
        pack_b(g->B + (ptrdiff_t)k0 * g->bks + (ptrdiff_t)j0 * g->bjs, g->bks, g->bjs, kc, nc, bp);
        gemm_pp(i1 - i0, nc, kc, g->A + (ptrdiff_t)i0 * g->ais + (ptrdiff_t)k0 * g->aks, g->ais, g->aks, bp,
                g->C + (ptrdiff_t)i0 * g->ldc + j0, g->ldc, g->acc || k0 > 0, ap, at, &pf);
    }
}

static void gemm_run(const gemm_args *g) {
    const int M = g->M, N = g->N;
    int threads;
    gemm_split sp;
    if (gemm_begin(M, N, g->K, g->C, g->ldc, g->acc, &threads, &sp)) return;
    const int tiles = sp.chunks * sp.stripes;
#pragma omp parallel if (threads > 1 && tiles > 1)
    {
        _Alignas(64) trm_bf16 bp[GEMM_KC * GEMM_NC];
        _Alignas(64) trm_bf16 ap[GEMM_KC * GEMM_MC];
        _Alignas(64) trm_bf16 at[GEMM_KC * MR];
#pragma omp for schedule(dynamic, 1)
        for (int t = 0; t < tiles; t++) {
            const int i0 = (t / sp.stripes) * sp.rows, j0 = (t % sp.stripes) * sp.cols;
            gemm_tile(g, i0, ks_min(M, i0 + sp.rows), j0, ks_min(N, j0 + sp.cols), bp, ap, at);
        }
    }
}

void trm__avx512bf16_gemm_nt_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                                  float *C, int ldc, int acc) {
    const gemm_args g = {M, N, K, A, lda, 1, B, 1, ldb, C, ldc, acc};
    gemm_run(&g);
}
void trm__avx512bf16_gemm_nn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                                  float *C, int ldc, int acc) {
    const gemm_args g = {M, N, K, A, lda, 1, B, ldb, 1, C, ldc, acc};
    gemm_run(&g);
}
void trm__avx512bf16_gemm_tn_bf16(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,
                                  float *C, int ldc, int acc) {
    const gemm_args g = {M, N, K, A, 1, lda, B, ldb, 1, C, ldc, acc};
    gemm_run(&g);
}
