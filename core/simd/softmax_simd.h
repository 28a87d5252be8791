/* softmax_simd.h: the float32 exponential and the attention softmax of the SIMD sets, written
 * against the vector macros of kernels_simd.h (VF, VW, V_*) and included by it; also by
 * avx512bf16.c, whose bf16 attention keeps its softmax in float32 (the same functions, so the
 * same bits as the avx512 set's float32 softmax on the same scores). */
#ifndef TRM_SOFTMAX_SIMD_H
#define TRM_SOFTMAX_SIMD_H

#include <math.h>

/* e^x: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two so n*hi is exact), a degree-6
 * polynomial for e^r (the classic single-precision minimax coefficients; < 2 ulp on the range),
 * times 2^n. Inputs are clamped to [-87.3, 88] so 2^n stays a normal float: below, the result is
 * ~1e-38 instead of 0 or a denormal, which no caller here can tell apart. */
static inline VF v_exp(VF x) {
    x = V_MIN(V_MAX(x, V_SET1(-87.33f)), V_SET1(88.0f));
    const VF n = V_ROUND(V_MUL(x, V_SET1(1.44269504088896341f)));
    VF r = V_FMA(n, V_SET1(-0.693359375f), x);
    r = V_FMA(n, V_SET1(2.12194440e-4f), r);
    VF p = V_SET1(1.9875691500e-4f);
    p = V_FMA(p, r, V_SET1(1.3981999507e-3f));
    p = V_FMA(p, r, V_SET1(8.3334519073e-3f));
    p = V_FMA(p, r, V_SET1(4.1665795894e-2f));
    p = V_FMA(p, r, V_SET1(1.6666665459e-1f));
    p = V_FMA(p, r, V_SET1(5.0000001201e-1f));
    p = V_FMA(p, V_MUL(r, r), V_ADD(r, V_SET1(1.0f)));
    return V_MUL_POW2I(p, n);
}

/* E = exp(scale*s - max_j scale*s) in place over the n valid columns of each of the br rows of
 * P (row stride ld), and inv[i] = 1 / sum_j E[i, j]: the probabilities are E * inv. They are left
 * unnormalised so that the backward can fold inv into the much smaller [br, hd] dO rows, which
 * saves a pass over [br, S]. */
static float row_max(const float *p, int n) {
    VF m0 = V_SET1(-INFINITY), m1 = m0, m2 = m0, m3 = m0; /* four chains: max is exact, any order */
    int j = 0;
    for (; j + 4 * VW <= n; j += 4 * VW) {
        m0 = V_MAX(m0, V_LOAD(p + j)), m1 = V_MAX(m1, V_LOAD(p + j + VW));
        m2 = V_MAX(m2, V_LOAD(p + j + 2 * VW)), m3 = V_MAX(m3, V_LOAD(p + j + 3 * VW));
    }
    for (; j + VW <= n; j += VW) m0 = V_MAX(m0, V_LOAD(p + j));
    float mx = V_HMAX(V_MAX(V_MAX(m0, m1), V_MAX(m2, m3)));
    for (; j < n; j++) mx = p[j] > mx ? p[j] : mx;
    return mx;
}

static void softmax_rows(float *P, int br, int n, int ld, float scale, float *inv) {
    const VF sc = V_SET1(scale);
    float mxs[TRM_ATTN_BLOCK_ROWS]; /* every row's max first: short rows' latencies overlap */
    for (int i = 0; i < br; i++) mxs[i] = row_max(P + (size_t)i * ld, n) * scale;
    for (int i = 0; i < br; i++) {
        float *p = P + (size_t)i * ld;
        /* scale > 0: the max commutes with it, and s*scale rounds as in the scalar set */
        const float mx = mxs[i];
        const VF m = V_SET1(mx);
        VF sv = V_ZERO();
        int j;
        for (j = 0; j + VW <= n; j += VW) {
            const VF e = v_exp(V_SUB(V_MUL(V_LOAD(p + j), sc), m));
            V_STORE(p + j, e);
            sv = V_ADD(sv, e);
        }
        float sum = V_HSUM(sv);
        for (; j < n; j++) sum += p[j] = expf(p[j] * scale - mx);
        inv[i] = 1.0f / sum;
    }
}

#endif
