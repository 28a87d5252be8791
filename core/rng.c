/* rng.c: xoshiro256** seeded through splitmix64, and the truncated normal of TRM §5.7.
 * Integer-only state so that the same seed gives the same stream natively and in WebAssembly. */
#include "trm.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void trm_rng_seed(trm_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t trm_rng_next(trm_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double trm_rng_uniform(trm_rng *r) { return (double)(trm_rng_next(r) >> 11) * 0x1.0p-53; }

/* Lemire's multiply-shift with rejection: unbiased for every n. */
uint32_t trm_rng_below(trm_rng *r, uint32_t n) {
    if (n <= 1) return 0;
    uint64_t m = (uint64_t)(uint32_t)(trm_rng_next(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(trm_rng_next(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Inverse error function: Giles' single-precision polynomial as a starting point, refined by two
 * Newton steps in double so the result is accurate to double rounding on (-1, 1). */
static double erfinv(double x) {
    double w = -log((1.0 - x) * (1.0 + x)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;  p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w; p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;  p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;     p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;  p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;  p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;   p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;      p = 2.83297682 + p * w;
    }
    double y = p * x;
    for (int i = 0; i < 2; i++) { /* Newton: f(y) = erf(y) - x, f' = 2/sqrt(pi) exp(-y^2) */
        double err = erf(y) - x;
        y -= err / (1.1283791670955126 * exp(-y * y));
    }
    return y;
}

/* TRM §5.7: u ~ U(erf(-2/sqrt2), erf(2/sqrt2)), x = sqrt2 * c * erfinv(u), c = std / sigma_tr,
 * clipped to [-2c, 2c]; the result has exactly the requested standard deviation. */
double trm_rng_trunc_normal(trm_rng *r, double std) {
    const double b = 0.9544997361036416, sigma_tr = 0.8796256610342398;
    double c = std / sigma_tr;
    double u = -b + 2.0 * b * trm_rng_uniform(r);
    double x = 1.4142135623730951 * c * erfinv(u);
    if (x < -2.0 * c) x = -2.0 * c;
    if (x > 2.0 * c) x = 2.0 * c;
    return x;
}
