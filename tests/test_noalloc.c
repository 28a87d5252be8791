/* test_noalloc.c: a training step and a solver pass allocate nothing, in float32 and in bf16
 * (DESIGN: "no allocation inside the step loops"). The core carves every buffer a step or a pass needs when the trainer
 * or solver is created, so a long run cannot fragment the heap and the WASM module never grows
 * its memory mid-solve.
 * The executable is linked with --wrap for the allocator (tests/CMakeLists.txt): every call to
 * malloc, calloc, realloc, aligned_alloc or posix_memalign from the core or this file goes through
 * the counters below (OpenMP's runtime is a shared library and is not counted). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h" /* sizeof(struct trm_model) */
#ifdef _OPENMP
#include <omp.h>
#endif

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);

static long allocations;         /* heap calls since the counter was last cleared */
static unsigned long long bytes; /* bytes they asked for */

void *__wrap_malloc(size_t n) { return allocations++, bytes += n, __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return allocations++, bytes += (unsigned long long)k * n, __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return allocations++, bytes += n, __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { return allocations++, bytes += n, __real_aligned_alloc(a, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { return allocations++, bytes += n, __real_posix_memalign(p, a, n); }

/* The sizes the core reports (trm_model_bytes, trm_solver_bytes: what the WASM module checks
 * against its 2 GB before creating anything) are what creating allocates, besides the object's
 * own struct: sizeof(struct trm_model) exactly, and for a solver (whose struct is private to
 * solver.c) the same few KB whatever the batch. */
static void check_sizes(const trm_config *c, const trm_model *m, const char *what) {
    const uint64_t want_model = trm_model_bytes(c);
    trm_error e;
    bytes = 0;
    trm_model *m2 = trm_model_create(c, &e);
    const unsigned long long got_model = bytes;
    trm_model_free(m2);
    CHECK(want_model > 0 && got_model == want_model + sizeof(struct trm_model),
          "%s: trm_model_bytes says %llu, trm_model_create allocated %llu", what, (unsigned long long)want_model, got_model);
    unsigned long long first_struct = 0;
    for (int batch = 1; batch <= 64; batch *= 8) {
        const uint64_t want = trm_solver_bytes(m, batch);
        bytes = 0;
        trm_solver *s = trm_solver_create(m, batch, &e);
        const unsigned long long got = bytes;
        trm_solver_free(s);
        if (batch == 1) first_struct = got - want;
        CHECK(s && want > 0 && got >= want && got - want < 16384 && got - want == first_struct,
              "%s, batch %d: trm_solver_bytes says %llu, trm_solver_create allocated %llu", what, batch,
              (unsigned long long)want, got);
    }
    CHECK(trm_solver_bytes(m, 0) == 0 && trm_solver_bytes(m, (1 << 20) + 1) == 0, "%s: a bad batch has a size", what);
}

enum { B = 4, SIDE = 5, STEPS = 3 };

static void check_mixer(const char *kernels, int mlp_t, trm_precision precision, int threads) {
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    const int failures_before = check_failures;
    char what[96];
    snprintf(what, sizeof what, "%s, %s, %s, %d thread(s)", kernels, mlp_t ? "mlp_t" : "attention",
             trm_precision_name(precision), threads);
    trm_config c;
    trm_config_default(&c);
    c.hidden_size = 32, c.num_heads = 4, c.L_layers = 2, c.H_cycles = 2, c.L_cycles = 2, c.halt_max_steps = 3;
    c.halt_exploration_prob = 0.5f, c.puzzle_emb_len = 2, c.puzzle_emb_ndim = 32;
    c.grid_height = SIDE, c.grid_width = SIDE, c.mlp_t = mlp_t;
    if (mlp_t) c.pos_encodings = TRM_POS_LEARNED;
    trm_error e;
    trm_model *m = trm_model_create(&c, &e);
    CHECK(m != NULL, "%s: %s", what, e.msg);
    if (!m) return;
    trm_model_set_kernels(m, trm_kernels_get(kernels));
    CHECK(trm_model_set_precision(m, precision, &e) == TRM_OK, "%s: %s", what, e.msg);
    trm_model_init(m, 3);
    trm_train_config tc;
    trm_train_config_default(&tc);
    tc.batch_size = B, tc.lr = 1e-3, tc.lr_warmup_steps = 2, tc.seed = 9;
    trm_trainer *t = trm_trainer_create(m, &tc, &e);
    CHECK(t != NULL, "%s: trainer: %s", what, e.msg);
    trm_solver *s = trm_solver_create(m, B, &e);
    CHECK(s != NULL, "%s: solver: %s", what, e.msg);
    if (!t || !s) return;

    trm_rng data;
    trm_rng_seed(&data, 5);
    uint8_t in[B * SIDE * SIDE], lab[B * SIDE * SIDE], out[B * SIDE * SIDE];
    float conf[B * SIDE * SIDE];
    for (int i = 0; i < B * SIDE * SIDE; i++)
        in[i] = (uint8_t)(1 + trm_rng_below(&data, 4)), lab[i] = (uint8_t)(1 + trm_rng_below(&data, 5));
    trm_batch b = {in, lab, NULL, B};
    trm_step_stats st;
    allocations = 0;
    for (int k = 0; k < STEPS; k++) CHECK(trm_trainer_step(t, &b, &st, &e) == TRM_OK, "%s: step: %s", what, e.msg);
    const long in_steps = allocations;
    allocations = 0;
    CHECK(trm_solver_reset(s, in, NULL, B, &e) == TRM_OK, "%s: reset: %s", what, e.msg);
    for (int p = 0; p < c.halt_max_steps * c.H_cycles; p++) {
        trm_solver_pass(s);
        trm_solver_read(s, out, conf);
    }
    const long in_passes = allocations;
    CHECK(in_steps == 0, "%s: %d training steps made %ld heap allocations", what, STEPS, in_steps);
    CHECK(in_passes == 0, "%s: a solver reset and %d passes made %ld heap allocations", what,
          c.halt_max_steps * c.H_cycles, in_passes);
    /* the counter itself must see the core's allocations, or the checks above prove nothing */
    allocations = 0;
    trm_solver *s2 = trm_solver_create(m, 1, &e);
    CHECK(allocations > 0, "%s: creating a solver made no counted allocation: the wrap is not in effect", what);
    trm_solver_free(s2);
    check_sizes(&c, m, what);
    if (check_failures == failures_before) printf("ok   %s: %d steps and a solve, no heap allocation\n", what, STEPS);
    trm_solver_free(s);
    trm_trainer_free(t);
    trm_model_free(m);
}

int main(void) {
    const char *sets[] = {"scalar", "avx2", "avx512", "avx512bf16"};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        if (!trm_kernels_get(sets[k])) continue;
        for (int mlp_t = 0; mlp_t < 2; mlp_t++)
            for (int bf16 = 0; bf16 <= 1; bf16++)
                for (int threads = 1; threads <= 2; threads++)
                    check_mixer(sets[k], mlp_t, bf16 ? TRM_PRECISION_BF16 : TRM_PRECISION_F32, threads);
    }
    return check_done();
}
