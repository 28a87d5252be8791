/* wasm128.c: the WebAssembly SIMD128 kernel set (4 float lanes; a 6 x 8 register tile). There is
 * no fused multiply-add in the standard SIMD128 set (relaxed SIMD is not usable with this
 * toolchain, see TOOLCHAIN.md), so V_FMA is a multiply and an add. Compiled with -msimd128 for
 * the WebAssembly build only, where it is the default set. */
#include <wasm_simd128.h>

static inline float wasm_hsum(v128_t v) {
    v128_t s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(s, 0);
}
static inline float wasm_hmax(v128_t v) {
    v128_t s = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    s = wasm_f32x4_pmax(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(s, 0);
}

#define VF v128_t
#define VW 4
#define V_LOAD(p) wasm_v128_load(p)
#define V_STORE(p, v) wasm_v128_store((p), (v))
#define V_SET1(x) wasm_f32x4_splat(x)
#define V_ZERO() wasm_f32x4_splat(0.0f)
#define V_ADD(a, b) wasm_f32x4_add((a), (b))
#define V_SUB(a, b) wasm_f32x4_sub((a), (b))
#define V_MUL(a, b) wasm_f32x4_mul((a), (b))
#define V_DIV(a, b) wasm_f32x4_div((a), (b))
#define V_MAX(a, b) wasm_f32x4_pmax((a), (b))
#define V_MIN(a, b) wasm_f32x4_pmin((a), (b))
#define V_FMA(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#define V_HSUM(v) wasm_hsum(v)
#define V_HMAX(v) wasm_hmax(v)
#define V_ROUND(v) wasm_f32x4_nearest(v)
#define V_POW2I(n) wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23)
/* 4 rows x 2 vectors: V8 has 16 SIMD registers, and a 6-row tile spilled in the inner loop
 * (measured: 4 rows ran the TRM passes 1.4-1.8x faster in Node 20, scripts/bench_wasm.sh). */
#define GEMM_MR 4
#define GEMM_KC 128
#define GEMM_NC 128
#define KSET_NAME "wasm128"
#define KSET_SYMBOL trm_kernels_wasm128

#include "kernels_simd.h"
