/* check.h: tiny helpers for the ctest programs: compare arrays with a tolerance and print the
 * worst element, count failures, exit non-zero at the end. */
#ifndef TRM_TEST_CHECK_H
#define TRM_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures = 0, check_count = 0;

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        check_count++;                                                             \
        if (!(cond)) {                                                             \
            check_failures++;                                                      \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                   \
            fprintf(stderr, __VA_ARGS__);                                          \
            fprintf(stderr, "\n");                                                 \
        }                                                                          \
    } while (0)

/* |got - want| <= atol + rtol * |want| element-wise; prints max abs and rel error and the worst
 * index either way. Returns 1 when within tolerance. */
static inline int check_close(const char *what, const float *got, const float *want, size_t n, double atol, double rtol) {
    double max_abs = 0, max_rel = 0, worst_excess = -1;
    size_t worst = 0;
    for (size_t i = 0; i < n; i++) {
        double a = got[i], b = want[i], diff = fabs(a - b);
        double rel = diff / (fabs(b) > 1e-30 ? fabs(b) : 1e-30);
        if (!(diff == diff)) diff = INFINITY;
        if (diff > max_abs) max_abs = diff;
        if (fabs(b) > atol && rel > max_rel) max_rel = rel;
        double excess = diff - (atol + rtol * fabs(b));
        if (excess > worst_excess || i == 0) { worst_excess = excess; worst = i; }
    }
    int ok = worst_excess <= 0;
    printf("%-4s %-58s n=%-7zu max_abs=%.3g max_rel=%.3g worst[%zu] got=%.9g want=%.9g\n", ok ? "ok" : "FAIL", what,
           n, max_abs, max_rel, worst, n ? got[worst] : 0.0, n ? want[worst] : 0.0);
    if (!ok) check_failures++;
    return ok;
}

static inline int check_done(void) {
    if (check_failures) fprintf(stderr, "%d check(s) failed\n", check_failures);
    else printf("all checks passed (%d CHECKs)\n", check_count);
    return check_failures ? 1 : 0;
}

#endif
