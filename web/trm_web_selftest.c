/* trm_web_selftest.c: run every kernel of the module's SIMD set (wasm128) against the scalar
 * reference set inside the module, on random shapes with ragged tails (sizes that are not
 * multiples of the vector width, leading dimensions wider than the rows, accumulate on and off).
 * Exported for tests/js/kernels.test.mjs; not used by the solver. */
#include <emscripten.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "trm.h"

enum {
    K_GEMM_NT, K_GEMM_NN, K_GEMM_TN, K_RMS_FWD, K_RMS_BWD, K_SWIGLU_FWD, K_SWIGLU_BWD, K_ROPE, K_ROPE_INV,
    K_ATTN_FWD, K_ATTN_BWD, K_COUNT
};

/* Largest |got - want| / max(1, |want|) over n values: absolute near zero, relative above 1. */
static double max_err(const float *got, const float *want, size_t n) {
    double e = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]), s = fabs((double)want[i]);
        if (!(d == d)) return INFINITY; /* NaN */
        d /= s > 1.0 ? s : 1.0;
        if (d > e) e = d;
    }
    return e;
}

static void fill(trm_rng *r, float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * (float)trm_rng_uniform(r);
}

static int pick(trm_rng *r, int lo, int hi) { return lo + (int)trm_rng_below(r, (uint32_t)(hi - lo + 1)); }

static void note(double *errs, int k, double e) {
    if (e > errs[k]) errs[k] = e;
}

/* Scratch: a/b/c inputs, two outputs (simd, scalar). */
typedef struct bufs { float *a, *b, *c, *o1, *o2, *x1, *x2; } bufs;
/* Floats per buffer: the largest draw (attention qkv, B 2 x S 150 x 3*72) needs 64.8k; the
 * attention scratch of the blocked kernels for S 150, hd 24 about 40k (trm_attention_scratch_floats). */
enum { BUF = 1 << 17 };

static void check_gemms(const trm_kernels *k, const trm_kernels *ref, trm_rng *r, bufs *B, double *errs) {
    int M = pick(r, 1, 70), N = pick(r, 1, 70), K = pick(r, 1, 200), acc = pick(r, 0, 1);
    int pad = pick(r, 0, 5);
    /* nt: A[M,K] lda >= K, B[N,K] ldb >= K; nn: B[K,N]; tn: A[K,M] */
    int lda = K + pad, ldb = K + pad, ldc = N + pad;
    fill(r, B->a, (size_t)M * lda, -1, 1);
    fill(r, B->b, (size_t)N * ldb, -1, 1);
    fill(r, B->o1, (size_t)M * ldc, -1, 1);
    memcpy(B->o2, B->o1, sizeof(float) * (size_t)M * ldc);
    k->gemm_nt(M, N, K, B->a, lda, B->b, ldb, B->o1, ldc, acc);
    ref->gemm_nt(M, N, K, B->a, lda, B->b, ldb, B->o2, ldc, acc);
    note(errs, K_GEMM_NT, max_err(B->o1, B->o2, (size_t)M * ldc));

    ldb = N + pad;
    fill(r, B->b, (size_t)K * ldb, -1, 1);
    fill(r, B->o1, (size_t)M * ldc, -1, 1);
    memcpy(B->o2, B->o1, sizeof(float) * (size_t)M * ldc);
    k->gemm_nn(M, N, K, B->a, lda, B->b, ldb, B->o1, ldc, acc);
    ref->gemm_nn(M, N, K, B->a, lda, B->b, ldb, B->o2, ldc, acc);
    note(errs, K_GEMM_NN, max_err(B->o1, B->o2, (size_t)M * ldc));

    lda = M + pad;
    fill(r, B->a, (size_t)K * lda, -1, 1);
    fill(r, B->o1, (size_t)M * ldc, -1, 1);
    memcpy(B->o2, B->o1, sizeof(float) * (size_t)M * ldc);
    k->gemm_tn(M, N, K, B->a, lda, B->b, ldb, B->o1, ldc, acc);
    ref->gemm_tn(M, N, K, B->a, lda, B->b, ldb, B->o2, ldc, acc);
    note(errs, K_GEMM_TN, max_err(B->o1, B->o2, (size_t)M * ldc));
}

static void check_elementwise(const trm_kernels *k, const trm_kernels *ref, trm_rng *r, bufs *B, double *errs) {
    int rows = pick(r, 1, 40), cols = pick(r, 1, 300);
    size_t n = (size_t)rows * cols;
    fill(r, B->a, n, -3, 3);
    k->rmsnorm_fwd(B->o1, B->x1, B->a, rows, cols, 1e-5f);
    ref->rmsnorm_fwd(B->o2, B->x2, B->a, rows, cols, 1e-5f);
    note(errs, K_RMS_FWD, fmax(max_err(B->o1, B->o2, n), max_err(B->x1, B->x2, (size_t)rows)));
    fill(r, B->b, n, -1, 1);
    k->rmsnorm_bwd(B->o1, B->b, B->o2, B->x2, rows, cols);
    ref->rmsnorm_bwd(B->c, B->b, B->o2, B->x2, rows, cols);
    note(errs, K_RMS_BWD, max_err(B->o1, B->c, n));

    int I = pick(r, 1, 150);
    n = (size_t)rows * I;
    fill(r, B->a, 2 * n, -6, 6);
    k->swiglu_fwd(B->o1, B->a, rows, I);
    ref->swiglu_fwd(B->o2, B->a, rows, I);
    note(errs, K_SWIGLU_FWD, max_err(B->o1, B->o2, n));
    fill(r, B->b, n, -1, 1);
    k->swiglu_bwd(B->o1, B->b, B->a, rows, I);
    ref->swiglu_bwd(B->o2, B->b, B->a, rows, I);
    note(errs, K_SWIGLU_BWD, max_err(B->o1, B->o2, 2 * n));
}

static void check_rope(const trm_kernels *k, const trm_kernels *ref, trm_rng *r, bufs *B, double *errs) {
    int S = pick(r, 1, 40), heads = pick(r, 1, 4), hd = 2 * pick(r, 1, 20), batch = pick(r, 1, 3);
    int rows = batch * S, ld = 3 * heads * hd + pick(r, 0, 3);
    for (int t = 0; t < S; t++) /* cos/sin tables shaped like core's: both halves equal */
        for (int i = 0; i < hd / 2; i++) {
            float ang = (float)t * powf(10000.0f, -(float)(2 * i) / (float)hd);
            B->x1[(size_t)t * hd + i] = B->x1[(size_t)t * hd + i + hd / 2] = cosf(ang);
            B->x2[(size_t)t * hd + i] = B->x2[(size_t)t * hd + i + hd / 2] = sinf(ang);
        }
    size_t n = (size_t)rows * ld;
    for (int inv = 0; inv <= 1; inv++) {
        fill(r, B->o1, n, -2, 2);
        memcpy(B->o2, B->o1, sizeof(float) * n);
        k->rope(B->o1, rows, ld, S, heads, hd, B->x1, B->x2, inv);
        ref->rope(B->o2, rows, ld, S, heads, hd, B->x1, B->x2, inv);
        note(errs, inv ? K_ROPE_INV : K_ROPE, max_err(B->o1, B->o2, n));
    }
}

static void check_attention(const trm_kernels *k, const trm_kernels *ref, trm_rng *r, bufs *B, double *errs) {
    int S = pick(r, 1, 150), heads = pick(r, 1, 3), hd = pick(r, 1, 24), batch = pick(r, 1, 2); /* S > 64: several row blocks */
    int D = heads * hd;
    size_t nq = (size_t)batch * S * 3 * D, no = (size_t)batch * S * D;
    fill(r, B->a, nq, -2, 2);
    k->attention_fwd(B->o1, B->a, batch, S, heads, hd, B->x1);
    ref->attention_fwd(B->o2, B->a, batch, S, heads, hd, B->x2);
    note(errs, K_ATTN_FWD, max_err(B->o1, B->o2, no));
    fill(r, B->b, no, -1, 1);
    k->attention_bwd(B->o1, B->b, B->a, batch, S, heads, hd, B->x1);
    ref->attention_bwd(B->o2, B->b, B->a, batch, S, heads, hd, B->x2);
    note(errs, K_ATTN_BWD, max_err(B->o1, B->o2, nq));
}

/* Number of kernels checked (the length of errs_out); the order is the enum above:
 * gemm_nt gemm_nn gemm_tn rmsnorm_fwd rmsnorm_bwd swiglu_fwd swiglu_bwd rope rope_inverse
 * attention_fwd attention_bwd. */
EMSCRIPTEN_KEEPALIVE int trm_web_selftest_kernel_count(void) { return K_COUNT; }

/* Compare the named set (NULL/"" = the default one) with the scalar set over `trials` random
 * shape draws from `seed`. errs_out [K_COUNT] gets the max error per kernel. Returns the overall
 * max error, -1 if the set does not exist, -2 if out of memory. */
EMSCRIPTEN_KEEPALIVE double trm_web_selftest_kernels(const char *name, uint32_t seed, int trials, double *errs_out) {
    const trm_kernels *k = trm_kernels_get(name && *name ? name : NULL), *ref = trm_kernels_get("scalar");
    if (!k || !ref) return -1.0;
    bufs B;
    float **all[] = {&B.a, &B.b, &B.c, &B.o1, &B.o2, &B.x1, &B.x2};
    float *mem = malloc(sizeof(float) * BUF * 7);
    if (!mem) return -2.0;
    for (int i = 0; i < 7; i++) *all[i] = mem + (size_t)i * BUF;
    trm_rng r;
    trm_rng_seed(&r, seed);
    double errs[K_COUNT] = {0};
    for (int t = 0; t < trials; t++) {
        check_gemms(k, ref, &r, &B, errs);
        check_elementwise(k, ref, &r, &B, errs);
        check_rope(k, ref, &r, &B, errs);
        check_attention(k, ref, &r, &B, errs);
    }
    free(mem);
    double worst = 0.0;
    for (int i = 0; i < K_COUNT; i++) {
        errs_out[i] = errs[i];
        if (errs[i] > worst || errs[i] != errs[i]) worst = errs[i] != errs[i] ? INFINITY : errs[i];
    }
    return worst;
}

/* For scripts/bench_wasm.mjs: C[M,N] = A[M,K] B[N,K]^T `reps` times with the named kernel set (the
 * linear-layer GEMM); JS times the call. Returns 0, -1 for an unknown set, -2 out of memory. */
EMSCRIPTEN_KEEPALIVE int trm_web_bench_gemm(const char *name, int M, int N, int K, int reps) {
    const trm_kernels *k = trm_kernels_get(name && *name ? name : NULL);
    if (!k) return -1;
    float *a = malloc(sizeof(float) * ((size_t)M * K + (size_t)N * K + (size_t)M * N));
    if (!a) return -2;
    float *b = a + (size_t)M * K, *c = b + (size_t)N * K;
    trm_rng r;
    trm_rng_seed(&r, 1);
    fill(&r, a, (size_t)M * K + (size_t)N * K, -1, 1);
    for (int i = 0; i < reps; i++) k->gemm_nt(M, N, K, a, K, b, K, c, N, 0);
    free(a);
    return 0;
}
