/* bf16.h: the bfloat16 storage type of the mixed-precision path and its scalar conversions.
 * bf16 is the top half of an IEEE float32 (sign, 8 exponent bits, 7 mantissa bits): the same
 * range as float32 with 8 significant bits. The operands of the bf16 GEMMs are stored this way;
 * every product and sum is still float32 (kernels.h).
 *
 * float32 -> bf16 rounds to nearest, ties to even, exactly as PyTorch does on the CPU
 * (c10::BFloat16, round_to_nearest_even): denormals are rounded like any other value (not
 * flushed), values that round past the largest bf16 become infinity, and every NaN becomes the
 * quiet NaN 0x7FC0 (the sign and payload are dropped, as torch does; truncating the bits instead
 * could turn a NaN with a small payload into infinity). bf16 -> float32 is exact. The vector row
 * conversions of every kernel set give these same bits (test_kernels.c checks them). */
#ifndef TRM_BF16_H
#define TRM_BF16_H

#include <stdint.h>
#include <string.h>

typedef uint16_t trm_bf16;

static inline trm_bf16 trm_f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0; /* NaN */
    /* adding 0x7fff plus the lowest kept bit carries into the kept half exactly when the dropped
     * half is above one half, or equal to it with an odd kept half: round half to even */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (trm_bf16)(u >> 16);
}

static inline float trm_bf16_to_f32(trm_bf16 h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif
