/* test_bf16.c: the bf16 path (trm_model_set_precision BF16: the network's linear layers and
 * attention's products multiply bf16 operands, everything else float32) against the float32
 * reference path.
 *  - Inference with the shipped 11x11 model on 48 fresh mazes, 16 supervision steps: logits of
 *    every pass within a bf16-sized tolerance, answers and halting decisions nearly all equal,
 *    the same number of mazes solved (within one).
 *  - Training, attention and mlp_t: the gradients of one step within 3% (relative L2) of the
 *    float32 gradients and pointing the same way (cosine > 0.999); the bf16 gradients are not the
 *    float32 ones (so the path is really taken).
 *  (Bit-identical bf16 training for any thread count: test_determinism.)
 *  - A solver rounds the model's current weights at every reset (weights changed between
 *    puzzles are seen), and bad precision requests get a named error. */
#include <string.h>

#include "check.h"
#include "tiny_model.h"
#include "maze.h"
#include "model_io.h"
#include "trm.h"

enum { MAZES = 48, SIDE = 11, STEPS = 16 };

/* Logits of every pass and the halting logit of every step, for `precision`. */
static void solve_all(trm_model *m, trm_precision precision, const uint8_t *q, float *logits, float *halts) {
    trm_error e;
    CHECK(trm_model_set_precision(m, precision, &e) == TRM_OK, "set_precision: %s", e.msg);
    trm_solver *s = trm_solver_create(m, MAZES, &e);
    CHECK(s && trm_solver_reset(s, q, NULL, MAZES, &e) == TRM_OK, "solver: %s", e.msg);
    const trm_dims *d = trm_model_dims(m);
    const int T = trm_model_config(m)->H_cycles;
    const size_t per_pass = (size_t)MAZES * d->grid * d->V;
    for (int p = 0; p < STEPS * T; p++) {
        trm_solver_pass(s);
        memcpy(logits + p * per_pass, trm_solver_logits(s), per_pass * sizeof(float));
        if ((p + 1) % T == 0)
            for (int b = 0; b < MAZES; b++) halts[(p / T) * MAZES + b] = trm_solver_halt_logit(s, b);
    }
    trm_solver_free(s);
}

static int argmax(const float *l, int V) {
    int best = 0;
    for (int k = 1; k < V; k++)
        if (l[k] > l[best]) best = k;
    return best;
}

static void check_inference(void) {
    trm_error err;
    trm_model *m = trmn_load_model_file("models/maze-11x11-mix.safetensors", &err);
    CHECK(m != NULL, "load: %s", err.msg);
    if (!m) return;
    const trm_dims *d = trm_model_dims(m);
    const int T = trm_model_config(m)->H_cycles, V = d->V, G = d->grid;
    static uint8_t q[MAZES * SIDE * SIDE], l[MAZES * SIDE * SIDE];
    trm_maze_options o;
    trm_maze_options_default(&o, SIDE, SIDE);
    o.min_path = 22, o.unique = 1; /* hard mazes: the most passes matter */
    void *ws = malloc(trm_maze_workspace_bytes(SIDE, SIDE));
    trm_error e;
    for (int i = 0; i < MAZES; i++)
        CHECK(trm_maze_generate(&o, 4242, (uint64_t)i, q + i * G, l + i * G, NULL, ws, &e) == TRM_OK, "maze: %s", e.msg);
    const size_t per_pass = (size_t)MAZES * G * V, n = per_pass * STEPS * T;
    float *lf = malloc(n * sizeof(float)), *lb = malloc(n * sizeof(float));
    float hf[STEPS * MAZES], hb[STEPS * MAZES];
    solve_all(m, TRM_PRECISION_F32, q, lf, hf);
    solve_all(m, TRM_PRECISION_BF16, q, lb, hb);
    /* Probabilities of every token of every cell and pass: the logits of unlikely tokens (-12 vs
     * -15) drift over 48 passes of recursion without changing anything the model says. */
    double worst_p = 0;
    for (size_t c = 0; c < n / V; c++) {
        double zf = 0, zb = 0;
        const float *a = lf + c * V, *bb = lb + c * V;
        const float mf = a[argmax(a, V)], mb = bb[argmax(bb, V)];
        for (int k = 0; k < V; k++) zf += exp(a[k] - mf), zb += exp(bb[k] - mb);
        for (int k = 0; k < V; k++) {
            const double dp = fabs(exp(a[k] - mf) / zf - exp(bb[k] - mb) / zb);
            if (dp > worst_p) worst_p = dp;
        }
    }
    printf("bf16 vs f32: largest difference of a token probability over every cell and pass: %.4f\n", worst_p);
    /* Measured (avx512bf16): with the linear layers in bf16 and attention in float32, 0.208 and
     * 0.252 (the largest token probability and q_halt logit differences, both in the second
     * supervision step); with attention's products in bf16 as well (issue 15), 0.353 and 0.484:
     * q and k rounded to 8 bits move a score of 10 by a few hundredths, which the softmax turns
     * into probabilities a few percent apart. The answers do not move (the checks below: cells,
     * halting decisions, mazes solved, unchanged). Tolerances 0.45 and 0.6 (were 0.25 and 0.3). */
    CHECK(worst_p < 0.45, "a token probability differs by %.3f", worst_p);
    CHECK(check_close("bf16 vs f32 q_halt logits, every step", hb, hf, STEPS * MAZES, 0.6, 0.05), "halting logits");
    size_t cells_differ = 0;
    int halts_differ = 0, exact_f = 0, exact_b = 0;
    for (size_t c = 0; c < (size_t)MAZES * G * STEPS * T; c++) cells_differ += argmax(lf + c * V, V) != argmax(lb + c * V, V);
    for (int i = 0; i < STEPS * MAZES; i++) halts_differ += (hf[i] > 0) != (hb[i] > 0);
    for (int i = 0; i < MAZES; i++) {
        const float *last_f = lf + (STEPS * T - 1) * per_pass + (size_t)i * G * V;
        const float *last_b = lb + (STEPS * T - 1) * per_pass + (size_t)i * G * V;
        int ok_f = 1, ok_b = 1;
        for (int c = 0; c < G; c++) {
            ok_f &= argmax(last_f + c * V, V) == l[i * G + c];
            ok_b &= argmax(last_b + c * V, V) == l[i * G + c];
        }
        exact_f += ok_f, exact_b += ok_b;
    }
    printf("bf16 vs f32, %d hard 11x11 mazes, %d passes: %zu of %zu predicted cells differ, %d of %d halting "
           "decisions, exact %d vs %d\n",
           MAZES, STEPS * T, cells_differ, (size_t)MAZES * G * STEPS * T, halts_differ, STEPS * MAZES, exact_b, exact_f);
    CHECK(cells_differ * 1000 <= (size_t)MAZES * G * STEPS * T, "more than 0.1%% of the predicted cells differ");
    CHECK(halts_differ * 50 <= STEPS * MAZES, "more than 2%% of the halting decisions differ");
    CHECK(abs(exact_b - exact_f) <= 1 && exact_f >= MAZES * 3 / 4, "exact %d (bf16) vs %d (f32)", exact_b, exact_f);

    /* a reset rounds the weights as they are now: zeroed weights must change the answer */
    trm_model_set_precision(m, TRM_PRECISION_BF16, &e);
    trm_solver *s = trm_solver_create(m, MAZES, &e);
    trm_solver_reset(s, q, NULL, MAZES, &e);
    trm_solver_pass(s);
    CHECK(!memcmp(trm_solver_logits(s), lb, per_pass * sizeof(float)), "a new bf16 solver repeats the first pass bit for bit");
    float *p = trm_model_params(m);
    const size_t np = d->n_params;
    float *saved = malloc(np * sizeof(float));
    memcpy(saved, p, np * sizeof(float));
    for (size_t i = 0; i < np; i++) p[i] *= 0.5f;
    trm_solver_reset(s, q, NULL, MAZES, &e);
    trm_solver_pass(s);
    CHECK(memcmp(trm_solver_logits(s), lb, per_pass * sizeof(float)) != 0, "a reset after the weights changed must use them");
    memcpy(p, saved, np * sizeof(float));
    trm_solver_reset(s, q, NULL, MAZES, &e);
    trm_solver_pass(s);
    CHECK(!memcmp(trm_solver_logits(s), lb, per_pass * sizeof(float)), "restored weights give the first pass again");
    trm_solver_free(s);

    /* misuse */
    CHECK(trm_model_set_precision(m, (trm_precision)7, &e) == TRM_E_INVALID && strstr(e.msg, "precision"),
          "an unknown precision is refused: %s", e.msg);
    CHECK(trm_precision_parse("bf16", NULL) == TRM_PRECISION_BF16 && trm_precision_parse("f32", NULL) == TRM_PRECISION_F32 &&
              trm_precision_parse("fp16", NULL) == -1 && trm_precision_parse("auto", trm_kernels_get("scalar")) == TRM_PRECISION_F32,
          "precision names");
    free(saved), free(lf), free(lb), free(ws);
    trm_model_free(m);

    trm_config c;
    trm_config_default(&c);
    c.hidden_size = 30, c.num_heads = 3, c.grid_height = c.grid_width = 4, c.puzzle_emb_ndim = 0;
    m = trm_model_create(&c, &e);
    CHECK(m && trm_model_set_precision(m, TRM_PRECISION_BF16, &e) == TRM_OK, "even hidden 30: %s", e.msg);
    trm_model_free(m);
    c.hidden_size = 33, c.num_heads = 3, c.pos_encodings = TRM_POS_LEARNED;
    m = trm_model_create(&c, &e);
    CHECK(m && trm_model_set_precision(m, TRM_PRECISION_BF16, &e) == TRM_E_INVALID && strstr(e.msg, "hidden_size"),
          "odd hidden_size refused by name: %s", m ? e.msg : "no model");
    trm_model_free(m);
}

enum { B = 6 };

static trm_trainer *small_trainer(trm_model *m) {
    trm_train_config tc;
    tiny_train_config(&tc, B);
    trm_error e;
    return trm_trainer_create(m, &tc, &e);
}

static void random_batch(trm_rng *r, uint8_t *in, uint8_t *lab) {
    for (int i = 0; i < B * 25; i++) in[i] = (uint8_t)(1 + trm_rng_below(r, 4)), lab[i] = (uint8_t)(1 + trm_rng_below(r, 5));
}

static void compare_gradients(const char *what, const float *gf, const float *gb, size_t n) {
    double dot = 0, nf = 0, nb = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)gf[i] * gb[i], nf += (double)gf[i] * gf[i], nb += (double)gb[i] * gb[i];
        diff += ((double)gb[i] - gf[i]) * ((double)gb[i] - gf[i]);
    }
    const double rel = sqrt(diff / nf), cosine = dot / sqrt(nf * nb);
    printf("%s, bf16 vs f32: relative L2 difference %.4f, cosine %.6f\n", what, rel, cosine);
    /* 8 significant bits per operand through 6 network evaluations: measured 1-6% */
    CHECK(rel < 0.1 && cosine > 0.995, "%s: bf16 gradients too far from float32", what);
    CHECK(rel > 0, "%s: bf16 gradients equal the float32 ones bit for bit: the bf16 path was not taken", what);
}

/* The gradients of two computes in each precision: the first step, then (after the step was
 * applied) with every weight halved, which a trainer that kept stale bf16 weights would miss. */
static void check_gradients(int mlp_t) {
    trm_model *m[2];
    trm_trainer *t[2];
    uint8_t in[B * 25], lab[B * 25];
    trm_rng r;
    trm_rng_seed(&r, 5);
    random_batch(&r, in, lab);
    trm_batch b = {in, lab, NULL, B};
    trm_error e;
    for (int p = 0; p < 2; p++) {
        m[p] = tiny_model(NULL, mlp_t, p ? TRM_PRECISION_BF16 : TRM_PRECISION_F32);
        t[p] = small_trainer(m[p]);
        CHECK(trm_trainer_compute(t[p], &b, NULL, &e) == TRM_OK, "compute: %s", e.msg);
    }
    const size_t n = trm_model_dims(m[0])->n_params;
    char what[96];
    snprintf(what, sizeof what, "%s gradients, first step", mlp_t ? "mlp_t" : "attention");
    compare_gradients(what, trm_trainer_grads(t[0]), trm_trainer_grads(t[1]), n);
    for (int p = 0; p < 2; p++) {
        CHECK(trm_trainer_apply(t[p], &e) == TRM_OK, "apply: %s", e.msg);
        float *w = trm_model_params(m[p]);
        for (size_t i = 0; i < n; i++) w[i] *= 0.5f;
        CHECK(trm_trainer_compute(t[p], &b, NULL, &e) == TRM_OK, "compute: %s", e.msg);
    }
    snprintf(what, sizeof what, "%s gradients, weights halved", mlp_t ? "mlp_t" : "attention");
    compare_gradients(what, trm_trainer_grads(t[0]), trm_trainer_grads(t[1]), n);
    for (int p = 0; p < 2; p++) {
        trm_trainer_free(t[p]);
        trm_model_free(m[p]);
    }
}

int main(void) {
    check_inference();
    check_gradients(0);
    check_gradients(1);
    return check_done();
}
