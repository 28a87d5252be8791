/* test_determinism.c: the same seed gives bit-identical training, for one thread, two and three
 * (every kernel assigns each output element to exactly one thread with a fixed summation order,
 * and the batch-chunked forward computes each output with the same arithmetic as the unchunked
 * one, so the thread count does not change results either), with every kernel set built here,
 * for the attention mixer and the mlp_t one, in float32 and in bf16 (trm_model_set_precision). */
#include <string.h>

#include "check.h"
#include "tiny_model.h"
#include "trm.h"
#ifdef _OPENMP
#include <omp.h>
#endif

enum { B = 6, STEPS = 5 }; /* B = 6: 2 and 3 threads both take whole chunks of the batch */

/* Train STEPS steps of a small model (exploration on, so the halting RNG matters) and return a
 * copy of the parameters followed by the EMA weights. */
static float *train(const char *kernels, int mlp_t, trm_precision precision, int threads, size_t *n) {
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    trm_model *m = tiny_model(kernels, mlp_t, precision);
    trm_train_config tc;
    tiny_train_config(&tc, B);
    trm_error e;
    trm_trainer *t = trm_trainer_create(m, &tc, &e);
    trm_rng data;
    trm_rng_seed(&data, 5);
    uint8_t in[B * 25], lab[B * 25];
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < B * 25; i++) in[i] = (uint8_t)(1 + trm_rng_below(&data, 4)), lab[i] = (uint8_t)(1 + trm_rng_below(&data, 5));
        trm_batch b = {in, lab, NULL, B};
        if (trm_trainer_step(t, &b, NULL, &e) != TRM_OK) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    }
    *n = trm_model_dims(m)->n_params;
    float *out = malloc(2 * *n * sizeof(float));
    memcpy(out, trm_model_params(m), *n * sizeof(float));
    memcpy(out + *n, trm_trainer_ema(t), *n * sizeof(float));
    trm_trainer_free(t);
    trm_model_free(m);
    return out;
}

int main(void) {
    const char *sets[] = {"scalar", "avx2", "avx512", "avx512bf16"};
    for (int k = 0; k < 4; k++) {
        const char *set = sets[k];
        if (!trm_kernels_get(set)) {
            printf("skip kernel set %s (not built or not supported here)\n", set);
            continue;
        }
        for (int mlp_t = 0; mlp_t < 2; mlp_t++)
            for (int p = 0; p < 2; p++) {
                const char *mixer = mlp_t ? "mlp_t" : "attention";
                const trm_precision prec = p ? TRM_PRECISION_BF16 : TRM_PRECISION_F32;
                const char *pn = trm_precision_name(prec);
                size_t n;
                float *a = train(set, mlp_t, prec, 1, &n), *b = train(set, mlp_t, prec, 1, &n);
                float *c = train(set, mlp_t, prec, 2, &n), *d = train(set, mlp_t, prec, 3, &n);
                CHECK(!memcmp(a, b, 2 * n * sizeof(float)), "[%s, %s, %s] two runs with the same seed differ", set, mixer, pn);
                CHECK(!memcmp(a, c, 2 * n * sizeof(float)), "[%s, %s, %s] 1 thread and 2 threads differ", set, mixer, pn);
                CHECK(!memcmp(a, d, 2 * n * sizeof(float)), "[%s, %s, %s] 1 thread and 3 threads differ", set, mixer, pn);
                printf("[%s, %s, %s] %zu parameters + EMA after %d steps: bit-identical across runs and 1-3 threads\n",
                       set, mixer, pn, n, STEPS);
                free(a), free(b), free(c), free(d);
            }
    }
    return check_done();
}
