/* test_kernels.c: every kernel of every SIMD set this CPU runs against the scalar set (the
 * specification) on random shapes with ragged tails (sizes 1, 3, 17, 64, 257 in every dimension,
 * leading dimensions wider than the rows, accumulate on and off, both attention directions, RoPE
 * both ways), plus bit-identical results for 1 and 2 threads. The mixed-precision part: bf16
 * conversions against exact expected bits (ties to even, NaN, infinities, denormals) and the
 * bf16 GEMMs against the scalar bf16 GEMM (odd K, K over several blocking passes), the scalar bf16
 * attention against the float32 one on bf16 operands, and every set's bf16 attention against the
 * scalar one (ragged S and hd, S not a multiple of 16). Prints the
 * worst error of each group; exits non-zero on any mismatch, or when the CPU has avx512_bf16
 * and the vdpbf16ps set was not among those compared. */
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#endif

#include "check.h"
#include "kernels.h"
#include "trm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static trm_rng rng;
static const int sizes[] = {1, 3, 17, 64, 257};
enum { NS = sizeof sizes / sizeof sizes[0] };

static float *alloc_rand(size_t n, double std) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    if (!p) { fprintf(stderr, "out of memory\n"); exit(2); }
    for (size_t i = 0; i < n; i++) p[i] = (float)trm_rng_trunc_normal(&rng, std);
    return p;
}

/* ---- GEMM ---------------------------------------------------------------------------------- */

typedef void (*gemm_fn)(int, int, int, const float *, int, const float *, int, float *, int, int);

/* Worst |got - want| / (sum_k |a b| + |c0| + 1e-30) over the M x N block, and whether every value
 * outside the block (padding columns of ldc) is untouched. */
typedef struct { double worst; int at_i, at_j, pad_ok; } gemm_err;

static gemm_err compare_gemm(int which, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                             const float *C0, const float *got, const float *want, int ldc, int acc) {
    gemm_err e = {0, 0, 0, 1};
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double mag = acc ? fabs(C0[(size_t)i * ldc + j]) : 0.0;
            for (int k = 0; k < K; k++) {
                double a = which == 2 ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = which == 0 ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                mag += fabs(a * b);
            }
            double r = fabs((double)got[(size_t)i * ldc + j] - want[(size_t)i * ldc + j]) / (mag + 1e-30);
            if (!(r <= e.worst)) e.worst = r, e.at_i = i, e.at_j = j;
        }
        for (int j = N; j < ldc; j++) e.pad_ok &= got[(size_t)i * ldc + j] == C0[(size_t)i * ldc + j];
    }
    return e;
}

static void check_gemm(const trm_kernels *k) {
    static const char *names[3] = {"gemm_nt", "gemm_nn", "gemm_tn"};
    gemm_fn simd[3] = {k->gemm_nt, k->gemm_nn, k->gemm_tn};
    gemm_fn ref[3] = {trm_kernels_scalar.gemm_nt, trm_kernels_scalar.gemm_nn, trm_kernels_scalar.gemm_tn};
    for (int w = 0; w < 3; w++) {
        double worst = 0;
        char where[96] = "";
        int cases = 0, bad = 0;
        for (int a = 0; a < NS; a++)
            for (int b = 0; b < NS; b++)
                for (int c = 0; c < NS; c++)
                    for (int acc = 0; acc < 2; acc++) {
                        const int M = sizes[a], N = sizes[b], K = sizes[c];
                        /* nt: A [M,K] B [N,K]; nn: A [M,K] B [K,N]; tn: A [K,M] B [K,N] */
                        const int arows = w == 2 ? K : M, acols = w == 2 ? M : K;
                        const int brows = w == 0 ? N : K, bcols = w == 0 ? K : N;
                        const int lda = acols + (acc ? 3 : 0), ldb = bcols + (acc ? 0 : 5), ldc = N + 2;
                        float *A = alloc_rand((size_t)arows * lda, 1), *B = alloc_rand((size_t)brows * ldb, 1);
                        float *C0 = alloc_rand((size_t)M * ldc, 1), *got = malloc(sizeof(float) * M * ldc),
                              *want = malloc(sizeof(float) * M * ldc);
                        memcpy(got, C0, sizeof(float) * M * ldc);
                        memcpy(want, C0, sizeof(float) * M * ldc);
                        simd[w](M, N, K, A, lda, B, ldb, got, ldc, acc);
                        ref[w](M, N, K, A, lda, B, ldb, want, ldc, acc);
                        gemm_err e = compare_gemm(w, M, N, K, A, lda, B, ldb, C0, got, want, ldc, acc);
                        cases++;
                        if (e.worst > 1e-5 || !e.pad_ok) {
                            bad++;
                            fprintf(stderr, "  [%s] %s M=%d N=%d K=%d acc=%d: err %.3g at (%d,%d)%s\n", k->name,
                                    names[w], M, N, K, acc, e.worst, e.at_i, e.at_j,
                                    e.pad_ok ? "" : ", wrote outside the block");
                        }
                        if (e.worst >= worst)
                            worst = e.worst, snprintf(where, sizeof where, "M=%d N=%d K=%d acc=%d (%d,%d)", M, N,
                                                      K, acc, e.at_i, e.at_j);
                        free(A), free(B), free(C0), free(got), free(want);
                    }
        printf("%-4s [%s] %s: %d shapes, worst error / sum|a b| = %.3g at %s\n", bad ? "FAIL" : "ok", k->name,
               names[w], cases, worst, where);
        if (bad) check_failures++;
    }
}

/* ---- bf16 ------------------------------------------------------------------------------------ */

static float f32_of_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static uint32_t bits_of_f32(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* float32 bits -> expected bf16 bits, worked out by hand from round-to-nearest-even on the
 * dropped 16 bits (and torch's canonical NaN). */
static const uint32_t CVT_CASES[][2] = {
    {0x00000000, 0x0000}, {0x80000000, 0x8000}, {0x3f800000, 0x3f80}, /* 0, -0, 1 */
    {0x3f807fff, 0x3f80}, {0x3f808001, 0x3f81},                       /* below / above one half */
    {0x3f808000, 0x3f80}, {0x3f818000, 0x3f82},                       /* ties: to the even one */
    {0xbf808000, 0xbf80}, {0xbf818000, 0xbf82},                       /* negative ties */
    {0x7f7f7fff, 0x7f7f}, {0x7f7f8000, 0x7f80}, {0x7f7fffff, 0x7f80}, /* past the largest bf16: inf */
    {0xff7fffff, 0xff80}, {0x7f800000, 0x7f80}, {0xff800000, 0xff80}, /* infinities */
    {0x7fc00000, 0x7fc0}, {0xffc00000, 0x7fc0}, {0x7f800001, 0x7fc0}, /* NaNs: quiet, signalling with */
    {0x7fbfffff, 0x7fc0}, {0xff800001, 0x7fc0}, {0xffffffff, 0x7fc0}, /* a low payload, negative */
    {0x00000001, 0x0000}, {0x00008000, 0x0000}, {0x00018000, 0x0002}, /* denormals round like the */
    {0x00017fff, 0x0001}, {0x00400000, 0x0040}, {0x007fffff, 0x0080}, /* rest (the last one up to */
    {0x80008001, 0x8001}, {0x807f8000, 0x8080},                       /* the smallest normal) */
};
enum { N_CVT = sizeof CVT_CASES / sizeof CVT_CASES[0] };

/* The scalar conversions against the table, bf16 -> float32 over all 65536 values; then every
 * set's row kernels against the scalar conversions (bit for bit) on the table and random bit
 * patterns, with leading dimensions wider than the rows (the gap must stay untouched). */
static void check_bf16_convert(const trm_kernels *k) {
    int bad = 0;
    for (int i = 0; i < N_CVT; i++) {
        const trm_bf16 got = trm_f32_to_bf16(f32_of_bits(CVT_CASES[i][0]));
        if (got != CVT_CASES[i][1])
            bad++, fprintf(stderr, "  trm_f32_to_bf16(0x%08x) = 0x%04x, expected 0x%04x\n", (unsigned)CVT_CASES[i][0],
                           got, (unsigned)CVT_CASES[i][1]);
    }
    for (uint32_t h = 0; h < 65536; h++) {
        const float f = trm_bf16_to_f32((trm_bf16)h);
        const int nan = (h & 0x7fff) > 0x7f80;
        if (bits_of_f32(f) != h << 16 || trm_f32_to_bf16(f) != (nan ? 0x7fc0 : h)) bad++;
    }
    const int rows = 37, cols = 203, ldx = cols + 5, ldy = cols + 3;
    float *x = malloc(sizeof(float) * rows * ldx), *xb = malloc(sizeof(float) * rows * ldy);
    trm_bf16 *y = malloc(sizeof(trm_bf16) * rows * ldy);
    for (int i = 0; i < rows * ldx; i++)
        x[i] = i < N_CVT ? f32_of_bits(CVT_CASES[i][0]) : f32_of_bits((uint32_t)trm_rng_next(&rng));
    for (int i = 0; i < rows * ldy; i++) y[i] = 0xbeef, xb[i] = -7.0f;
    k->f32_to_bf16(rows, cols, x, ldx, y, ldy);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < ldy; j++) {
            const trm_bf16 want = j < cols ? trm_f32_to_bf16(x[r * ldx + j]) : 0xbeef;
            if (y[r * ldy + j] != want) bad++;
        }
    k->bf16_to_f32(rows, cols, y, ldy, xb, ldy);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < ldy; j++) {
            const uint32_t want = j < cols ? (uint32_t)y[r * ldy + j] << 16 : bits_of_f32(-7.0f);
            if (bits_of_f32(xb[r * ldy + j]) != want) bad++;
        }
    printf("%-4s [%s] bf16 conversions: %d hand-checked roundings, all 65536 bf16 values, %dx%d rows of random "
           "bits: %d wrong\n", bad ? "FAIL" : "ok", k->name, N_CVT, rows, cols, bad);
    if (bad) check_failures++;
    free(x), free(xb), free(y);
}

typedef void (*gemm_bf16_fn)(int, int, int, const trm_bf16 *, int, const trm_bf16 *, int, float *, int, int);

static trm_bf16 *to_bf16(const float *x, size_t n) {
    trm_bf16 *y = malloc(sizeof(trm_bf16) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) y[i] = trm_f32_to_bf16(x[i]);
    return y;
}

/* The bf16 GEMMs against the scalar bf16 GEMM. Both widen the operands and every product of two
 * bf16 values (8 significant bits each) is exact in float32, so the two results differ only by
 * the order of the float32 additions: each is a chain of K + 1 rounded additions (K products and
 * C), within (K + 1) 2^-24 (sum |a b| + |c0|) of the exact sum to first order, hence at most
 * twice that apart. The tolerance is that bound, 2 (K + 1) 2^-24 relative to sum |a b| + |c0|
 * (1.8e-7 at K = 1, 1.2e-4 at K = 1031); a wrong, missing or repeated term costs about 1/K of
 * it, orders of magnitude more at every K tested. The operands are N(0, 1) draws, never bf16
 * denormals, which vdpbf16ps would count as zero. */
static void check_gemm_bf16(const trm_kernels *k) {
    static const char *names[3] = {"gemm_nt_bf16", "gemm_nn_bf16", "gemm_tn_bf16"};
    gemm_bf16_fn simd[3] = {k->gemm_nt_bf16, k->gemm_nn_bf16, k->gemm_tn_bf16};
    gemm_bf16_fn ref[3] = {trm_kernels_scalar.gemm_nt_bf16, trm_kernels_scalar.gemm_nn_bf16,
                           trm_kernels_scalar.gemm_tn_bf16};
    /* the ragged grid, plus K over two blocking passes (odd) and M, N over several blocks */
    static const int extra[][3] = {{70, 300, 1031}, {9, 33, 1024}, {130, 65, 513}, {1, 1, 1031}};
    enum { NX = sizeof extra / sizeof extra[0] };
    for (int w = 0; w < 3; w++) {
        double worst = 0;
        char where[96] = "";
        int cases = 0, bad = 0;
        for (int c = 0; c < NS * NS * NS + NX; c++)
            for (int acc = 0; acc < 2; acc++) {
                const int grid = c < NS * NS * NS;
                const int M = grid ? sizes[c / (NS * NS)] : extra[c - NS * NS * NS][0];
                const int N = grid ? sizes[c / NS % NS] : extra[c - NS * NS * NS][1];
                const int K = grid ? sizes[c % NS] : extra[c - NS * NS * NS][2];
                const int arows = w == 2 ? K : M, acols = w == 2 ? M : K;
                const int brows = w == 0 ? N : K, bcols = w == 0 ? K : N;
                /* odd leading dimensions: rows start at odd elements, so pairs are misaligned */
                const int lda = acols + (acc ? 3 : 0), ldb = bcols + (acc ? 0 : 5), ldc = N + 2;
                float *A = alloc_rand((size_t)arows * lda, 1), *B = alloc_rand((size_t)brows * ldb, 1);
                trm_bf16 *Ah = to_bf16(A, (size_t)arows * lda), *Bh = to_bf16(B, (size_t)brows * ldb);
                for (size_t i = 0; i < (size_t)arows * lda; i++) A[i] = trm_bf16_to_f32(Ah[i]); /* for the bound */
                for (size_t i = 0; i < (size_t)brows * ldb; i++) B[i] = trm_bf16_to_f32(Bh[i]);
                float *C0 = alloc_rand((size_t)M * ldc, 1), *got = malloc(sizeof(float) * M * ldc),
                      *want = malloc(sizeof(float) * M * ldc);
                memcpy(got, C0, sizeof(float) * M * ldc);
                memcpy(want, C0, sizeof(float) * M * ldc);
                simd[w](M, N, K, Ah, lda, Bh, ldb, got, ldc, acc);
                ref[w](M, N, K, Ah, lda, Bh, ldb, want, ldc, acc);
                const gemm_err e = compare_gemm(w, M, N, K, A, lda, B, ldb, C0, got, want, ldc, acc);
                const double tol = 2.0 * (K + 1) * 0x1p-24;
                cases++;
                if (!(e.worst <= tol) || !e.pad_ok) {
                    bad++;
                    fprintf(stderr, "  [%s] %s M=%d N=%d K=%d acc=%d: err %.3g (bound %.3g) at (%d,%d)%s\n", k->name,
                            names[w], M, N, K, acc, e.worst, tol, e.at_i, e.at_j,
                            e.pad_ok ? "" : ", wrote outside the block");
                }
                if (e.worst / tol >= worst)
                    worst = e.worst / tol,
                    snprintf(where, sizeof where, "M=%d N=%d K=%d acc=%d (%d,%d)", M, N, K, acc, e.at_i, e.at_j);
                free(A), free(B), free(Ah), free(Bh), free(C0), free(got), free(want);
            }
        if (worst == 0)
            printf("%-4s [%s] %s: %d shapes, the same bits as the scalar set in all\n", bad ? "FAIL" : "ok", k->name,
                   names[w], cases);
        else
            printf("%-4s [%s] %s: %d shapes, worst error = %.3g of the bound 2(K+1)2^-24 sum|a b| at %s\n",
                   bad ? "FAIL" : "ok", k->name, names[w], cases, worst, where);
        if (bad) check_failures++;
    }
}

/* ---- elementwise ----------------------------------------------------------------------------- */

static void check_rmsnorm(const trm_kernels *k) {
    char what[96];
    for (int a = 0; a < NS; a++)
        for (int b = 0; b < NS; b++) {
            const int R = sizes[a], C = sizes[b];
            const size_t n = (size_t)R * C;
            float *x = alloc_rand(n, 2), *dy = alloc_rand(n, 1);
            float *y1 = malloc(sizeof(float) * n), *y2 = malloc(sizeof(float) * n), *r1 = malloc(sizeof(float) * R),
                  *r2 = malloc(sizeof(float) * R), *d1 = malloc(sizeof(float) * n), *d2 = malloc(sizeof(float) * n);
            k->rmsnorm_fwd(y1, r1, x, R, C, 1e-5f);
            trm_kernels_scalar.rmsnorm_fwd(y2, r2, x, R, C, 1e-5f);
            snprintf(what, sizeof what, "[%s] rmsnorm_fwd %dx%d", k->name, R, C);
            check_close(what, y1, y2, n, 1e-6, 1e-6);
            check_close("  rstd", r1, r2, (size_t)R, 1e-6, 1e-6);
            memcpy(y1, x, sizeof(float) * n); /* in place: y aliases x */
            k->rmsnorm_fwd(y1, r1, y1, R, C, 1e-5f);
            check_close("  in place", y1, y2, n, 1e-6, 1e-6);
            k->rmsnorm_bwd(d1, dy, y2, r2, R, C);
            trm_kernels_scalar.rmsnorm_bwd(d2, dy, y2, r2, R, C);
            snprintf(what, sizeof what, "[%s] rmsnorm_bwd %dx%d", k->name, R, C);
            check_close(what, d1, d2, n, 1e-5, 1e-5);
            memcpy(d1, dy, sizeof(float) * n); /* dx aliases dy */
            k->rmsnorm_bwd(d1, d1, y2, r2, R, C);
            check_close("  in place", d1, d2, n, 1e-5, 1e-5);
            free(x), free(dy), free(y1), free(y2), free(r1), free(r2), free(d1), free(d2);
        }
}

static void check_swiglu(const trm_kernels *k) {
    char what[96];
    for (int a = 0; a < NS; a++)
        for (int b = 0; b < NS; b++) {
            const int R = sizes[a], I = sizes[b];
            const size_t n = (size_t)R * I;
            float *gu = alloc_rand(2 * n, 3), *dh = alloc_rand(n, 1);
            gu[0] = -95.0f, gu[n > 1 ? 1 : 0] = 91.0f; /* beyond the exp clamp */
            float *h1 = malloc(sizeof(float) * n), *h2 = malloc(sizeof(float) * n), *d1 = malloc(sizeof(float) * 2 * n),
                  *d2 = malloc(sizeof(float) * 2 * n);
            k->swiglu_fwd(h1, gu, R, I);
            trm_kernels_scalar.swiglu_fwd(h2, gu, R, I);
            snprintf(what, sizeof what, "[%s] swiglu_fwd %dx%d", k->name, R, I);
            check_close(what, h1, h2, n, 1e-6, 1e-6);
            k->swiglu_bwd(d1, dh, gu, R, I);
            trm_kernels_scalar.swiglu_bwd(d2, dh, gu, R, I);
            snprintf(what, sizeof what, "[%s] swiglu_bwd %dx%d", k->name, R, I);
            check_close(what, d1, d2, 2 * n, 1e-6, 1e-6);
            free(gu), free(dh), free(h1), free(h2), free(d1), free(d2);
        }
}

static void check_rope(const trm_kernels *k) {
    static const int hds[] = {2, 6, 32, 34, 64};
    char what[96];
    for (int a = 0; a < NS; a++)
        for (int b = 0; b < 5; b++)
            for (int inv = 0; inv < 2; inv++) {
                const int rows = sizes[a], hd = hds[b], heads = 1 + (a + b) % 3, S = rows > 5 ? rows / 2 + 1 : rows;
                const int ld = 3 * heads * hd + 7;
                float *cs = malloc(sizeof(float) * S * hd), *sn = malloc(sizeof(float) * S * hd);
                for (int t = 0; t < S; t++)
                    for (int i = 0; i < hd / 2; i++) {
                        float ang = (float)t / powf(10000.0f, 2.0f * i / hd);
                        cs[t * hd + i] = cs[t * hd + i + hd / 2] = cosf(ang);
                        sn[t * hd + i] = sn[t * hd + i + hd / 2] = sinf(ang);
                    }
                float *x1 = alloc_rand((size_t)rows * ld, 1), *x2 = malloc(sizeof(float) * rows * ld);
                memcpy(x2, x1, sizeof(float) * rows * ld);
                k->rope(x1, rows, ld, S, heads, hd, cs, sn, inv);
                trm_kernels_scalar.rope(x2, rows, ld, S, heads, hd, cs, sn, inv);
                snprintf(what, sizeof what, "[%s] rope%s rows=%d heads=%d hd=%d", k->name, inv ? " inverse" : "", rows,
                         heads, hd);
                check_close(what, x1, x2, (size_t)rows * ld, 0, 0); /* same arithmetic: exact */
                free(cs), free(sn), free(x1), free(x2);
            }
}

/* ---- attention --------------------------------------------------------------------------------- */

static float *attn_scratch(int S, int hd) {
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    return malloc(sizeof(float) * trm_attention_scratch_floats(S, hd) * threads);
}

static void check_attention(const trm_kernels *k) {
    static const int hds[] = {1, 3, 17, 64};
    char what[128];
    for (int a = 0; a < NS; a++)
        for (int b = 0; b < 4; b++) {
            const int S = sizes[a], hd = hds[b], B = 1 + (a + b) % 2, heads = 1 + (a * 3 + b) % 3;
            const int D = heads * hd, N = B * S;
            float *qkv = alloc_rand((size_t)N * 3 * D, 1.5), *dout = alloc_rand((size_t)N * D, 1);
            float *o1 = malloc(sizeof(float) * N * D), *o2 = malloc(sizeof(float) * N * D);
            float *g1 = malloc(sizeof(float) * N * 3 * D), *g2 = malloc(sizeof(float) * N * 3 * D);
            float *scr = attn_scratch(S, hd);
            k->attention_fwd(o1, qkv, B, S, heads, hd, scr);
            trm_kernels_scalar.attention_fwd(o2, qkv, B, S, heads, hd, scr);
            snprintf(what, sizeof what, "[%s] attention_fwd B=%d S=%d heads=%d hd=%d", k->name, B, S, heads, hd);
            check_close(what, o1, o2, (size_t)N * D, 2e-5, 1e-4);
            for (size_t i = 0; i < (size_t)N * 3 * D; i++) g1[i] = g2[i] = NAN; /* must be written */
            k->attention_bwd(g1, dout, qkv, B, S, heads, hd, scr);
            trm_kernels_scalar.attention_bwd(g2, dout, qkv, B, S, heads, hd, scr);
            snprintf(what, sizeof what, "[%s] attention_bwd B=%d S=%d heads=%d hd=%d", k->name, B, S, heads, hd);
            check_close(what, g1, g2, (size_t)N * 3 * D, 2e-5, 1e-4);
            free(qkv), free(dout), free(o1), free(o2), free(g1), free(g2), free(scr);
        }
}

/* ---- attention with bf16 operands ---------------------------------------------------------- */

/* max |got - want| / max |want| over columns [c0, c0 + cols) of rows x ld (an absolute error
 * measured against the block's scale: a dS near zero has no relative precision to keep). */
static double scaled_err(const float *got, const float *want, int rows, int ld, int c0, int cols) {
    double e = 0, m = 0;
    for (int r = 0; r < rows; r++)
        for (int c = c0; c < c0 + cols; c++) {
            const double d = fabs((double)got[(size_t)r * ld + c] - want[(size_t)r * ld + c]);
            e = d > e || d != d ? d : e;
            m = fabs(want[(size_t)r * ld + c]) > m ? fabs(want[(size_t)r * ld + c]) : m;
        }
    return e / (m > 0 ? m : 1);
}

/* The worst scaled error of out, and of dq, dk, dv per head block (each against its own scale). */
static double attn_errs(const float *o1, const float *o2, const float *g1, const float *g2, int N, int heads, int hd,
                        double *bwd) {
    const int D = heads * hd;
    *bwd = 0;
    for (int part = 0; part < 3; part++)
        for (int h = 0; h < heads; h++) {
            const double e = scaled_err(g1, g2, N, 3 * D, part * D + h * hd, hd);
            *bwd = e > *bwd || e != e ? e : *bwd;
        }
    return scaled_err(o1, o2, N, D, 0, D);
}

/* The scalar bf16 attention (the specification) against the float32 one on operands already
 * bf16 (qkv and dO rounded first): the scores and dP are then the same float32 sums, and what
 * remains is the rounding of P (forward: |round(p) - p| <= 2^-9 p, so |error| <= 2^-9 max |v|) and
 * of dS, and D from the rounded output instead of sum P dP. Catches a wrong index, a missing
 * scale or a transposed operand in the specification itself, which the set-against-set checks
 * below cannot see. */
static void check_attention_bf16_spec(void) {
    static const int shapes[][4] = {{1, 17, 2, 3}, {2, 70, 3, 17}, {1, 257, 2, 32}, {2, 64, 1, 64}}; /* B S heads hd */
    double worst_f = 0, worst_b = 0;
    for (int c = 0; c < 4; c++) {
        const int B = shapes[c][0], S = shapes[c][1], heads = shapes[c][2], hd = shapes[c][3];
        const int D = heads * hd, N = B * S;
        float *qkv = alloc_rand((size_t)N * 3 * D, 1.5), *dout = alloc_rand((size_t)N * D, 1);
        for (size_t i = 0; i < (size_t)N * 3 * D; i++) qkv[i] = trm_bf16_to_f32(trm_f32_to_bf16(qkv[i]));
        for (size_t i = 0; i < (size_t)N * D; i++) dout[i] = trm_bf16_to_f32(trm_f32_to_bf16(dout[i]));
        float *o1 = malloc(sizeof(float) * N * D), *o2 = malloc(sizeof(float) * N * D);
        float *g1 = malloc(sizeof(float) * N * 3 * D), *g2 = malloc(sizeof(float) * N * 3 * D);
        float *scr = attn_scratch(S, hd);
        trm__attention_fwd_bf16_ref(o1, qkv, B, S, heads, hd, scr);
        trm_kernels_scalar.attention_fwd(o2, qkv, B, S, heads, hd, scr);
        trm_bf16 *ob = to_bf16(o1, (size_t)N * D);
        trm__attention_bwd_bf16_ref(g1, dout, qkv, ob, B, S, heads, hd, scr);
        trm_kernels_scalar.attention_bwd(g2, dout, qkv, B, S, heads, hd, scr);
        double vmax = 0, eb;
        for (int r = 0; r < N; r++)
            for (int j = 0; j < D; j++) vmax = fmax(vmax, fabs(qkv[(size_t)r * 3 * D + 2 * D + j]));
        double ef = 0;
        for (size_t i = 0; i < (size_t)N * D; i++) ef = fmax(ef, fabs((double)o1[i] - o2[i]));
        attn_errs(o1, o2, g1, g2, N, heads, hd, &eb);
        ef /= vmax;
        worst_f = fmax(worst_f, ef), worst_b = fmax(worst_b, eb);
        free(qkv), free(dout), free(o1), free(o2), free(g1), free(g2), free(scr), free(ob);
    }
    /* forward: the bound 2^-9 max|v| plus 5% for the float32 sums (measured 0.99 of the bound: a
     * nearly one-hot row whose largest probability rounds by almost 2^-9); backward: measured
     * 1.2e-2 at most here (dS rounded, D from the rounded output), a broken formula is off by O(1) */
    const int ok = worst_f <= 0x1p-9 * 1.05 && worst_b <= 3e-2;
    printf("%-4s [scalar] bf16 attention against float32 attention on bf16 operands: forward %.3g of max|v| "
           "(bound 2^-9 = %.3g), backward %.3g of each block's max\n", ok ? "ok" : "FAIL", worst_f, 0x1p-9, worst_b);
    if (!ok) check_failures++;
}

/* A set's bf16 attention against the scalar bf16 attention. Both round the same float32 q, k, v
 * and dO, so the scores and dP differ only by the order of float32 sums; the probabilities then
 * differ by the exponential too (v_exp, < 2 ulp), and a probability or dS that lands on the other
 * side of a bf16 rounding boundary changes by one bf16 step (2^-8 relative) before it is
 * multiplied: each such term moves a result by up to 2^-8 of its share. Such flips are rare and
 * independent, so the errors stay well below the 2^-8 = 3.9e-3 that every term flipping would
 * give. Tolerances, of each block's largest value: 2e-3 forward, 4e-3 backward (where dS =
 * P (dP - D) also cancels); measured 2.0e-4 and 8.0e-4 (S = 241, hd = 17). A wrong, missing or
 * repeated term costs more (one key row of 257 dropped moves the output by ~1/S of its scale). */
static void check_attention_bf16(const trm_kernels *k) {
    static const int Ss[] = {1, 3, 17, 64, 100, 241, 257}, hds[] = {1, 3, 17, 32, 64};
    double worst_f = 0, worst_b = 0;
    char where_f[96] = "", where_b[96] = "";
    int cases = 0, bad = 0;
    for (int a = 0; a < 7; a++)
        for (int b = 0; b < 5; b++) {
            const int S = Ss[a], hd = hds[b], B = 1 + (a + b) % 2, heads = 1 + (a * 3 + b) % 3;
            const int D = heads * hd, N = B * S;
            float *qkv = alloc_rand((size_t)N * 3 * D, 1.5), *dout = alloc_rand((size_t)N * D, 1);
            float *o1 = malloc(sizeof(float) * N * D), *o2 = malloc(sizeof(float) * N * D);
            float *g1 = malloc(sizeof(float) * N * 3 * D), *g2 = malloc(sizeof(float) * N * 3 * D);
            float *scr = attn_scratch(S, hd);
            k->attention_fwd_bf16(o1, qkv, B, S, heads, hd, scr);
            trm_kernels_scalar.attention_fwd_bf16(o2, qkv, B, S, heads, hd, scr);
            trm_bf16 *ob = to_bf16(o2, (size_t)N * D); /* the output as the bf16 path keeps it */
            for (size_t i = 0; i < (size_t)N * 3 * D; i++) g1[i] = g2[i] = NAN; /* must be written */
            k->attention_bwd_bf16(g1, dout, qkv, ob, B, S, heads, hd, scr);
            trm_kernels_scalar.attention_bwd_bf16(g2, dout, qkv, ob, B, S, heads, hd, scr);
            double eb, ef = attn_errs(o1, o2, g1, g2, N, heads, hd, &eb);
            cases++;
            if (!(ef <= 2e-3) || !(eb <= 4e-3)) {
                bad++;
                fprintf(stderr, "  [%s] bf16 attention B=%d S=%d heads=%d hd=%d: forward %.3g, backward %.3g\n",
                        k->name, B, S, heads, hd, ef, eb);
            }
            if (!(ef < worst_f)) worst_f = ef, snprintf(where_f, sizeof where_f, "S=%d hd=%d", S, hd);
            if (!(eb < worst_b)) worst_b = eb, snprintf(where_b, sizeof where_b, "S=%d hd=%d", S, hd);
            free(qkv), free(dout), free(o1), free(o2), free(g1), free(g2), free(scr), free(ob);
        }
    printf("%-4s [%s] bf16 attention: %d shapes, worst error / block max: forward %.3g at %s (tolerance 2e-3), "
           "backward %.3g at %s (4e-3)\n", bad ? "FAIL" : "ok", k->name, cases, worst_f, where_f, worst_b, where_b);
    if (bad) check_failures++;
}

/* ---- the same bits for 1 and 2 threads ------------------------------------------------------ */

static void check_thread_invariance(const trm_kernels *k) {
#ifdef _OPENMP
    const int M = 700, N = 384, K = 300, S = 150, heads = 2, hd = 32, D = heads * hd;
    float *A = alloc_rand((size_t)M * K, 1), *B = alloc_rand((size_t)N * K, 1), *X = alloc_rand((size_t)K * M, 1);
    float *C[2], *O[2], *G[2];
    float *qkv = alloc_rand((size_t)2 * S * 3 * D, 1), *dout = alloc_rand((size_t)2 * S * D, 1);
    const int saved = omp_get_max_threads();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        C[t] = malloc(sizeof(float) * M * N), O[t] = malloc(sizeof(float) * 2 * S * D);
        G[t] = malloc(sizeof(float) * 2 * S * 3 * D);
        float *scr = attn_scratch(S, hd);
        k->gemm_nt(M, N, K, A, K, B, K, C[t], N, 0);
        k->gemm_tn(M, N, K, X, M, B, N, C[t], N, 1); /* B read as [K, N] */
        k->gemm_nn(M, N, K, A, K, B, N, C[t], N, 1);
        k->attention_fwd(O[t], qkv, 2, S, heads, hd, scr);
        k->attention_bwd(G[t], dout, qkv, 2, S, heads, hd, scr);
        free(scr);
    }
    int same = !memcmp(C[0], C[1], sizeof(float) * M * N) && !memcmp(O[0], O[1], sizeof(float) * 2 * S * D) &&
               !memcmp(G[0], G[1], sizeof(float) * 2 * S * 3 * D);
    /* bf16 attention, S = 150 (not a multiple of 16 or of the row block) */
    trm_bf16 *ob = NULL;
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        float *scr = attn_scratch(S, hd);
        k->attention_fwd_bf16(O[t], qkv, 2, S, heads, hd, scr);
        if (!ob) ob = to_bf16(O[t], (size_t)2 * S * D);
        k->attention_bwd_bf16(G[t], dout, qkv, ob, 2, S, heads, hd, scr);
        free(scr);
    }
    omp_set_num_threads(saved);
    same = same && !memcmp(O[0], O[1], sizeof(float) * 2 * S * D) && !memcmp(G[0], G[1], sizeof(float) * 2 * S * 3 * D);
    free(ob);
    /* the bf16 GEMMs, K odd: converted operands (the conversions split rows over the threads) */
    const int Kb = 301;
    float *Af = alloc_rand((size_t)M * Kb, 1), *Bf = alloc_rand((size_t)N * Kb, 1), *Xf = alloc_rand((size_t)Kb * M, 1);
    trm_bf16 *Ah[2], *Bh[2], *Xh[2];
    float *Cb[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        Ah[t] = malloc(sizeof(trm_bf16) * M * Kb), Bh[t] = malloc(sizeof(trm_bf16) * N * Kb);
        Xh[t] = malloc(sizeof(trm_bf16) * Kb * M), Cb[t] = malloc(sizeof(float) * M * N);
        k->f32_to_bf16(M, Kb, Af, Kb, Ah[t], Kb);
        k->f32_to_bf16(N, Kb, Bf, Kb, Bh[t], Kb);
        k->f32_to_bf16(Kb, M, Xf, M, Xh[t], M);
        k->gemm_nt_bf16(M, N, Kb, Ah[t], Kb, Bh[t], Kb, Cb[t], N, 0);
        k->gemm_tn_bf16(M, N, Kb, Xh[t], M, Bh[t], N, Cb[t], N, 1); /* B read as [Kb, N] */
        k->gemm_nn_bf16(M, N, Kb, Ah[t], Kb, Bh[t], N, Cb[t], N, 1);
    }
    omp_set_num_threads(saved);
    same = same && !memcmp(Ah[0], Ah[1], sizeof(trm_bf16) * M * Kb) && !memcmp(Xh[0], Xh[1], sizeof(trm_bf16) * Kb * M) &&
           !memcmp(Cb[0], Cb[1], sizeof(float) * M * N);
    printf("%-4s [%s] 1 and 2 threads give identical bits (gemm, attention fwd/bwd, bf16 conversions, gemm and "
           "attention)\n",
           same ? "ok" : "FAIL", k->name);
    if (!same) check_failures++;
    for (int t = 0; t < 2; t++) free(C[t]), free(O[t]), free(G[t]), free(Ah[t]), free(Bh[t]), free(Xh[t]), free(Cb[t]);
    free(A), free(B), free(X), free(qkv), free(dout), free(Af), free(Bf), free(Xf);
#else
    (void)k;
#endif
}

/* Whether this CPU has avx512_bf16 (cpuid leaf 7 subleaf 1, EAX bit 5), asked here rather than
 * of the library, so that a broken detection there cannot excuse its own set. */
/* 1 when the CPU can run kernel set `name` (x86 sets only): a set that this CPU could run but that
 * was not compared means the build lost it (the SIMD sources are optional in CMake), and a scalar
 * only core would otherwise pass this test with nothing compared. */
static int cpu_runs_set(const char *name) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (!strcmp(name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(name, "avx512"))
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    (void)name;
    return 0;
}

static int cpu_reports_avx512bf16(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __builtin_cpu_supports("avx512f") && __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1u);
#else
    return 0;
#endif
}

int main(void) {
    trm_rng_seed(&rng, 4242);
    const char *sets[] = {"avx2", "avx512", "avx512bf16", "wasm128"};
    int tested = 0, bf16_native = 0;
    check_bf16_convert(&trm_kernels_scalar);
    check_attention_bf16_spec();
    check_thread_invariance(&trm_kernels_scalar);
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        const trm_kernels *k = trm_kernels_get(sets[s]);
        if (!k) {
            CHECK(!cpu_runs_set(sets[s]), "this CPU runs kernel set %s but it was not built", sets[s]);
            printf("skip kernel set %s (not built or not supported here)\n", sets[s]);
            continue;
        }
        tested++;
        bf16_native += !strcmp(k->name, "avx512bf16");
        /* the float32 entries of avx512bf16 are avx512's functions: compared once, under avx512 */
        const trm_kernels *avx512 = trm_kernels_get("avx512");
        if (!avx512 || k == avx512 || k->gemm_nt != avx512->gemm_nt || k->attention_bwd != avx512->attention_bwd) {
            check_gemm(k);
            check_rmsnorm(k);
            check_swiglu(k);
            check_rope(k);
            check_attention(k);
        } else
            printf("ok   [%s] float32 entries are the avx512 set's own functions\n", k->name);
        check_bf16_convert(k);
        check_gemm_bf16(k);
        if (k->attention_fwd_bf16 != trm_kernels_scalar.attention_fwd_bf16) check_attention_bf16(k);
        else printf("ok   [%s] bf16 attention is the scalar set's own\n", k->name);
        check_thread_invariance(k);
    }
    printf("%d SIMD kernel set(s) compared with the scalar set (%s)\n", tested,
           bf16_native ? "including the vdpbf16ps set avx512bf16" : "no native bf16 set");
    if (cpu_reports_avx512bf16()) {
        const trm_kernels *best = trm_kernels_get("auto");
        CHECK(bf16_native, "this CPU reports avx512_bf16 but the avx512bf16 set was not compared (not built?)");
        CHECK(best && !strcmp(best->name, "avx512bf16"), "auto chose %s on a CPU with avx512_bf16",
              trm_kernels_name(best));
    }
    return check_done();
}
