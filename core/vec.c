/* vec.c: elementwise array arithmetic shared by the network (net.c: residual copies), the
 * recursion (recursion.c: input injections) and the trainer (trainer.c: gradient sums), split over
 * the threads when the arrays are large.
 *
 * Not in the kernel table (kernels.h): every set would do the same thing (plain float adds and
 * copies, which the compiler vectorises), so there is nothing for a SIMD set to replace and nothing
 * for test_kernels to compare; and not in kernels_ref.c, whose functions are the specification the
 * SIMD sets are tested against. */
#include <string.h>

#include "internal.h"

void trm__add(float *dst, const float *a, const float *b, size_t n) {
    const long chunks = n >= ((size_t)1 << 16) ? (long)((n + 16383) / 16384) : 1;
#pragma omp parallel for schedule(static) if (TRM_PAR(chunks > 1))
    for (long c = 0; c < chunks; c++) {
        const size_t i0 = (size_t)c * 16384, i1 = chunks > 1 && i0 + 16384 < n ? i0 + 16384 : n;
        if (!b) {
            if (dst != a) memcpy(dst + i0, a + i0, sizeof(float) * (i1 - i0));
        } else
            for (size_t i = i0; i < i1; i++) dst[i] = a[i] + b[i];
    }
}
