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
 * thread count; they differ from the scalar set by the order of the float32 additions.
 *
 * Attention (attention_fwd_bf16 / attention_bwd_bf16, at the end): the same register tile on
 * operands rounded from the float32 qkv as they are packed, the softmax in float32
 * (softmax_simd.h, the avx512 set's own). */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include "avx512_vec.h" /* VF, VW = 16 and the V_ macros, for the float32 softmax */
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

/* ---- attention with bf16 operands ------------------------------------------------------------ */
/* The float32 attention of kernels_simd.h with every GEMM on vdpbf16ps: per (batch, head), query
 * rows in blocks of TRM_ATTN_BLOCK_ROWS, probabilities recomputed block by block in the backward.
 * Operands are rounded from the float32 qkv, dO, P and dS straight into the pair layouts the
 * register tile reads (ukr_body: a(i, p) a 32-bit pair of bf16 values, B panels [kp][NR][2]):
 *   pairs along d (the head dimension, k of Q K^T and dO V^T): Q and dO rows as they are, K^T and
 *     V^T as panels [Sp/NR][ceil(hd/2)][NR] of pairs (K[s', 2p], K[s', 2p + 1]);
 *   pairs along s' (k of P V and dS K): P and dS rows in place of their float32 rows, V and K as
 *     panels [hp/NR][ceil(S/2)][NR] of pairs (V[2p, d], V[2p + 1, d]);
 *   pairs along the block's rows (k of P^T dO and dS^T Q): P and dS as [ceil(br/2)][Sp] pairs of
 *     rows (A of the tile, read in place), dO and Q as panels [hp/NR][ceil(br/2)][NR].
 * Padding (columns past S or hd, a last row past an odd count) is zero in both operands of a
 * product, or in one with the other finite (scores past S are those of zero K columns, 0).
 * vcvtne2ps2bf16 rounds to nearest even as trm_f32_to_bf16 does, except that it counts float32
 * denormals as zero (vdpbf16ps would count their bf16 forms as zero anyway) and keeps NaN
 * payloads. Each (batch, head) is one thread's, and dK, dV sum the row blocks in order: the bits
 * do not depend on the thread count. Against the scalar specification: the exponential
 * (v_exp) and the order of the float32 sums differ, so a probability or dS a last bit apart may
 * round to the neighbouring bf16 value. */

static inline __mmask16 mask16(int n) { return n >= 16 ? 0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }
static inline __mmask32 mask32(int n) { return n >= 32 ? 0xffffffffu : n <= 0 ? 0 : (__mmask32)((1u << n) - 1); }

/* 16 pairs as 32-bit words, bf16(a[t]) in the low half and bf16(b[t]) in the high one. */
KS_INLINE __m512i pair16(__m512 a, __m512 b) {
    const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(idx, (__m512i)_mm512_cvtne2ps_pbh(b, a));
}

/* dst [rows][ldd] = bf16(src[rows][cols]) (row stride lds), zero from cols to ldd (even). */
static void attn_rows_bf16(const float *src, ptrdiff_t lds, int rows, int cols, trm_bf16 *dst, int ldd) {
    for (int r = 0; r < rows; r++) {
        const float *s = src + r * lds;
        trm_bf16 *d = dst + (size_t)r * ldd;
        for (int c = 0; c < ldd; c += 2 * VW) {
            const __m512 a = _mm512_maskz_loadu_ps(mask16(cols - c), s + c);
            const __m512 b = _mm512_maskz_loadu_ps(mask16(cols - c - VW), s + c + VW);
            _mm512_mask_storeu_epi16(d + c, mask32(ldd - c), (__m512i)_mm512_cvtne2ps_pbh(b, a));
        }
    }
}

/* Pairs of rows: panels [ceil(cols/NR)][ceil(rows/2)][NR] of (src[2p, c], src[2p + 1, c]). */
static void attn_pack_row_pairs(const float *src, ptrdiff_t lds, int rows, int cols, trm_bf16 *dst) {
    const int kr = (rows + 1) / 2;
    for (int p = 0; p < kr; p++) {
        const float *r0 = src + 2 * p * lds, *r1 = r0 + lds;
        const int has1 = 2 * p + 1 < rows;
        for (int c = 0; c < cols; c += NR) {
            trm_bf16 *d = dst + ((size_t)(c / NR) * kr + p) * 2 * NR;
            for (int half = 0; half < 2; half++) {
                const int c0 = c + half * VW;
                const __mmask16 m = mask16(cols - c0);
                const __m512 a = _mm512_maskz_loadu_ps(m, r0 + c0);
                const __m512 b = has1 ? _mm512_maskz_loadu_ps(m, r1 + c0) : _mm512_setzero_ps();
                _mm512_storeu_si512(d + 2 * half * VW, pair16(a, b));
            }
        }
    }
}

/* r[i] lane t -> r[t] lane i for 16 vectors of 16 32-bit values. */
KS_INLINE void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) { /* 2 x 2 blocks of 32-bit values */
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) /* 4 x 4 */
        for (int j = 0; j < 2; j++) {
            r[i + j] = _mm512_unpacklo_epi64(t[i + j], t[i + 2 + j]);
            r[i + 2 + j] = _mm512_unpackhi_epi64(t[i + j], t[i + 2 + j]);
        }
    for (int i = 0; i < 16; i += 8) /* 8 x 8: 128-bit lanes */
        for (int j = 0; j < 4; j++) {
            t[i + j] = _mm512_shuffle_i32x4(r[i + j], r[i + 4 + j], 0x88);
            t[i + 4 + j] = _mm512_shuffle_i32x4(r[i + j], r[i + 4 + j], 0xdd);
        }
    for (int j = 0; j < 8; j++) { /* 16 x 16 */
        r[j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0x88);
        r[8 + j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0xdd);
    }
    /* r[x] now holds column 4 (x / 4) + (0, 2, 1, 3)[x % 4] (the 64-bit unpacks' order) */
    for (int i = 0; i < 16; i += 4) {
        const __m512i x = r[i + 1];
        r[i + 1] = r[i + 2], r[i + 2] = x;
    }
}

/* Pairs along each row: panels [ceil(rows/NR)][ceil(cols/2)][NR] of (src[r, 2p], src[r, 2p + 1]),
 * rows past `rows` zero: 16 rows' pairs at a time, transposed in registers. */
static void attn_pack_col_pairs(const float *src, ptrdiff_t lds, int rows, int cols, trm_bf16 *dst) {
    const int kc = (cols + 1) / 2, rp = (rows + NR - 1) / NR * NR;
    for (int r0 = 0; r0 < rp; r0 += VW)
        for (int c = 0; c < cols; c += 2 * VW) {
            __m512i w[16];
            for (int i = 0; i < 16; i++) {
                const float *s = src + (r0 + i) * lds + c;
                w[i] = _mm512_setzero_si512();
                if (r0 + i < rows)
                    w[i] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(mask16(cols - c - VW), s + VW),
                                                        _mm512_maskz_loadu_ps(mask16(cols - c), s));
            }
            transpose16(w); /* w[t]: pair c/2 + t of the 16 rows */
            trm_bf16 *d = dst + ((size_t)(r0 / NR) * kc * NR + r0 % NR) * 2;
            for (int t = 0; t < 16 && c / 2 + t < kc; t++) _mm512_storeu_si512(d + (size_t)(c / 2 + t) * 2 * NR, w[t]);
        }
}

/* C[M, N] (row stride ldc) = (load_c ? C : 0) + sum over kp pairs of a(i, p) . b[p][j], a(i, p)
 * the pair at a + i*ais + p*aps, B panels [ceil(N/NR)][kp][NR][2]. A's rows up to M rounded up
 * to MR are read (their results are dropped): the callers' buffers have them. */
static void attn_gemm(int M, int N, int kp, const trm_bf16 *a, ptrdiff_t ais, ptrdiff_t aps, const trm_bf16 *bp,
                      float *C, ptrdiff_t ldc, int load_c) {
    for (int j = 0; j < N; j += NR) {
        const trm_bf16 *b = bp + (size_t)(j / NR) * kp * 2 * NR;
        const int n = ks_min(NR, N - j);
        for (int i = 0; i < M; i += MR) {
            const int m = ks_min(MR, M - i);
            float *c = C + (ptrdiff_t)i * ldc + j;
            if (m == MR && n == NR) {
                ukr_body(kp, 0, a + i * ais, ais, aps, b, c, ldc, load_c);
                continue;
            }
            float t[MR * NR];
            for (int r = 0; r < MR; r++)
                for (int q = 0; q < NR; q++) t[r * NR + q] = load_c && r < m && q < n ? c[r * ldc + q] : 0.0f;
            ukr_body(kp, 0, a + i * ais, ais, aps, b, t, NR, 1);
            for (int r = 0; r < m; r++)
                for (int q = 0; q < n; q++) c[r * ldc + q] = t[r * NR + q];
        }
    }
}

/* rows [rows, cols] (row stride ld) *= f */
static void attn_scale(float *x, int rows, int cols, ptrdiff_t ld, float f) {
    const __m512 fv = _mm512_set1_ps(f);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c += VW) {
            const __mmask16 m = mask16(cols - c);
            _mm512_mask_storeu_ps(x + r * ld + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + r * ld + c), fv));
        }
}

#include "softmax_simd.h"

typedef struct {
    float *P, *dP;          /* [brp][Sp] float32, then their bf16 rows in place (stride 2 Sp) */
    trm_bf16 *T;            /* pairs of rows of P or dS: [ceil(br/2)][Sp][2] */
    trm_bf16 *kt, *vt;      /* K^T, V^T pair panels along d */
    trm_bf16 *kv;           /* V (forward) or K (backward) pair panels along s' */
    trm_bf16 *qb, *db;      /* the block's Q and dO rows [brp][2 ceil(hd/2)] */
    trm_bf16 *rp;           /* the block's dO or Q pair panels along its rows */
    float *D;               /* [br] */
    int Sp, Sn, kd, ks;
} attn16_ws;

/* The layout of trm__attention_bf16_floats (kernels.h), in this thread's slice. */
static void attn16_carve(attn16_ws *w, float *scratch, int S, int hd) {
    const size_t br = S < TRM_ATTN_BLOCK_ROWS ? (size_t)S : TRM_ATTN_BLOCK_ROWS;
    const size_t Sp = trm__round_up((size_t)S, TRM_ATTN_PAD), hp = trm__round_up((size_t)hd, TRM_ATTN_PAD);
    const size_t brp = trm__round_up(br, TRM_ATTN_MAX_MR), kd = ((size_t)hd + 1) / 2, ks = ((size_t)S + 1) / 2;
    const size_t kb = (br + 1) / 2;
    float *p = scratch + (size_t)trm__thread_num() * trm_attention_scratch_floats(S, hd);
    w->P = p, p += brp * Sp;
    w->dP = p, p += brp * Sp;
    w->T = (trm_bf16 *)p, p += kb * Sp;
    w->kt = (trm_bf16 *)p, p += Sp * kd;
    w->vt = (trm_bf16 *)p, p += Sp * kd;
    w->kv = (trm_bf16 *)p, p += hp * ks;
    w->qb = (trm_bf16 *)p, p += brp * kd;
    w->db = (trm_bf16 *)p, p += brp * kd;
    w->rp = (trm_bf16 *)p, p += hp * kb;
    w->D = p;
    w->Sp = (int)Sp, w->Sn = (S + NR - 1) / NR * NR, w->kd = (int)kd, w->ks = (int)ks;
}

/* Row i of P [br, Sn] (E from softmax_rows) normalised by inv[i] and rounded, in place. */
static void attn_probs_bf16(float *P, int br, int Sn, int Sp, const float *inv) {
    for (int i = 0; i < br; i++) {
        float *p = P + (size_t)i * Sp;
        const __m512 f = _mm512_set1_ps(inv[i]);
        for (int j = 0; j < Sn; j += 2 * VW) {
            const __m512 a = _mm512_mul_ps(_mm512_loadu_ps(p + j), f);
            const __m512 b = _mm512_mul_ps(_mm512_loadu_ps(p + j + VW), f);
            _mm512_storeu_si512((trm_bf16 *)p + j, (__m512i)_mm512_cvtne2ps_pbh(b, a)); /* behind the reads */
        }
    }
}

void trm__avx512bf16_attention_fwd_bf16(float *out, const float *qkv, int B, int S, int heads, int hd,
                                        float *scratch) {
    const int D = heads * hd, ld = 3 * D, brmax = TRM_ATTN_BLOCK_ROWS;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(dynamic, 1) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            attn16_ws w;
            attn16_carve(&w, scratch, S, hd);
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd, *k = q + D, *v = q + 2 * D;
            float *o = out + (size_t)b * S * D + (size_t)h * hd, inv[TRM_ATTN_BLOCK_ROWS];
            attn_pack_col_pairs(k, ld, S, hd, w.kt);
            attn_pack_row_pairs(v, ld, S, hd, w.kv);
            for (int r0 = 0; r0 < S; r0 += brmax) {
                const int br = ks_min(brmax, S - r0);
                attn_rows_bf16(q + (size_t)r0 * ld, ld, br, hd, w.qb, 2 * w.kd);
                attn_gemm(br, w.Sn, w.kd, w.qb, 2 * w.kd, 2, w.kt, w.P, w.Sp, 0);
                softmax_rows(w.P, br, S, w.Sp, scale, inv);
                attn_probs_bf16(w.P, br, w.Sn, w.Sp, inv);
                attn_gemm(br, hd, w.ks, (const trm_bf16 *)w.P, 2 * w.Sp, 2, w.kv, o + (size_t)r0 * D, D, 0);
            }
        }
}

/* T = pairs of rows (2q, 2q + 1) of P = E inv (a missing last row: zeros). */
static void attn_probs_pairs(const float *P, int br, int Sn, int Sp, const float *inv, trm_bf16 *T) {
    for (int q = 0; q < (br + 1) / 2; q++) {
        const float *p0 = P + (size_t)2 * q * Sp, *p1 = p0 + Sp;
        const int has1 = 2 * q + 1 < br;
        const __m512 f0 = _mm512_set1_ps(inv[2 * q]), f1 = _mm512_set1_ps(has1 ? inv[2 * q + 1] : 0.0f);
        trm_bf16 *t = T + (size_t)q * Sp * 2;
        for (int j = 0; j < Sn; j += VW) {
            const __m512 a = _mm512_mul_ps(_mm512_loadu_ps(p0 + j), f0);
            const __m512 b = has1 ? _mm512_mul_ps(_mm512_loadu_ps(p1 + j), f1) : _mm512_setzero_ps();
            _mm512_storeu_si512(t + 2 * j, pair16(a, b));
        }
    }
}

/* dS = P (dP - D) with P = E inv, rounded: its rows in place of dP's (stride 2 Sp values) and its
 * pairs of rows into T. */
static void attn_dscores(const float *P, float *dP, int br, int Sn, int Sp, const float *inv, const float *Dr,
                         trm_bf16 *T) {
    for (int q = 0; q < (br + 1) / 2; q++) {
        const int i0 = 2 * q, has1 = i0 + 1 < br, i1 = has1 ? i0 + 1 : i0;
        const float *p0 = P + (size_t)i0 * Sp, *p1 = P + (size_t)i1 * Sp;
        float *g0 = dP + (size_t)i0 * Sp, *g1 = dP + (size_t)i1 * Sp;
        const __m512 f0 = _mm512_set1_ps(inv[i0]), f1 = _mm512_set1_ps(inv[i1]);
        const __m512 d0 = _mm512_set1_ps(Dr[i0]), d1 = _mm512_set1_ps(Dr[i1]);
        trm_bf16 *t = T + (size_t)q * Sp * 2;
        for (int j = 0; j < Sn; j += VW) {
            /* P = E inv, then P (dP - D): the scalar set's order */
            const __m512 a = _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(p0 + j), f0),
                                           _mm512_sub_ps(_mm512_loadu_ps(g0 + j), d0));
            __m512 b = _mm512_setzero_ps();
            if (has1)
                b = _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(p1 + j), f1), _mm512_sub_ps(_mm512_loadu_ps(g1 + j), d1));
            /* behind the reads: value j of a row's bf16 form is at float j / 2 of it */
            _mm256_storeu_si256((__m256i *)((trm_bf16 *)g0 + j), (__m256i)_mm512_cvtneps_pbh(a));
            if (has1) _mm256_storeu_si256((__m256i *)((trm_bf16 *)g1 + j), (__m256i)_mm512_cvtneps_pbh(b));
            _mm512_storeu_si512(t + 2 * j, pair16(a, b));
        }
    }
}

void trm__avx512bf16_attention_bwd_bf16(float *dqkv, const float *dout, const float *qkv, const trm_bf16 *out, int B,
                                        int S, int heads, int hd, float *scratch) {
    const int D = heads * hd, ld = 3 * D, brmax = TRM_ATTN_BLOCK_ROWS;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(dynamic, 1) collapse(2) if (TRM_PAR(1))
    for (int b = 0; b < B; b++)
        for (int h = 0; h < heads; h++) {
            attn16_ws w;
            attn16_carve(&w, scratch, S, hd);
            const float *q = qkv + (size_t)b * S * ld + (size_t)h * hd, *k = q + D, *v = q + 2 * D;
            const float *dO = dout + (size_t)b * S * D + (size_t)h * hd;
            const trm_bf16 *ob = out + (size_t)b * S * D + (size_t)h * hd;
            float *dq = dqkv + (size_t)b * S * ld + (size_t)h * hd, *dk = dq + D, *dv = dq + 2 * D;
            float inv[TRM_ATTN_BLOCK_ROWS];
            attn_pack_col_pairs(k, ld, S, hd, w.kt);
            attn_pack_col_pairs(v, ld, S, hd, w.vt);
            attn_pack_row_pairs(k, ld, S, hd, w.kv);
            for (int r0 = 0; r0 < S; r0 += brmax) {
                const int br = ks_min(brmax, S - r0), first = r0 == 0, kb = (br + 1) / 2;
                const float *qr = q + (size_t)r0 * ld, *gr = dO + (size_t)r0 * D;
                attn_rows_bf16(qr, ld, br, hd, w.qb, 2 * w.kd);
                attn_rows_bf16(gr, D, br, hd, w.db, 2 * w.kd);
                attn_gemm(br, w.Sn, w.kd, w.qb, 2 * w.kd, 2, w.kt, w.P, w.Sp, 0);
                softmax_rows(w.P, br, S, w.Sp, scale, inv);
                for (int i = 0; i < br; i++) { /* D = rowsum(dO out), in order, as the scalar set */
                    const float *g = gr + (size_t)i * D;
                    const trm_bf16 *y = ob + (size_t)(r0 + i) * D;
                    float s = 0.0f;
                    for (int d = 0; d < hd; d++) s += g[d] * trm_bf16_to_f32(y[d]);
                    w.D[i] = s;
                }
                attn_probs_pairs(w.P, br, w.Sn, w.Sp, inv, w.T);
                attn_pack_row_pairs(gr, D, br, hd, w.rp);
                attn_gemm(S, hd, kb, w.T, 2, 2 * w.Sp, w.rp, dv, ld, !first); /* dV += P^T dO */
                attn_gemm(br, w.Sn, w.kd, w.db, 2 * w.kd, 2, w.vt, w.dP, w.Sp, 0); /* dP = dO V^T */
                attn_dscores(w.P, w.dP, br, w.Sn, w.Sp, inv, w.D, w.T);
                attn_gemm(br, hd, w.ks, (const trm_bf16 *)w.dP, 2 * w.Sp, 2, w.kv, dq + (size_t)r0 * ld, ld, 0);
                attn_scale(dq + (size_t)r0 * ld, br, hd, ld, scale); /* dQ = (dS K) scale */
                attn_pack_row_pairs(qr, ld, br, hd, w.rp);
                attn_gemm(S, hd, kb, w.T, 2, 2 * w.Sp, w.rp, dk, ld, !first); /* dK += dS^T Q */
            }
            attn_scale(dk, S, hd, ld, scale);
        }
}
