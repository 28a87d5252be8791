/* test_solver.c: the solver's step counter and its early-halting record (trm_solver_steps,
 * trm_solver_halt_step, trm_solver_all_halted), the one halting rule the tools and the WASM module
 * follow: slot b halts at the first supervision step whose q_halt logit is > 0 and whose answer
 * equals the previous step's. The tiny model's
 * Q head (zero weights and bias -5 at initialisation: it would never halt) gets random weights and
 * a bias at the median of the first step's logits, so that the slots halt at different steps (the check fails if they do not: a rule that never or always fires proves nothing). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "tiny_model.h"

enum { B = 16, GRID = 25, STEPS = 6 };

static void check_halting(const char *kernels, int mlp_t) {
    trm_model *m = tiny_model(kernels, mlp_t, TRM_PRECISION_F32);
    CHECK(m != NULL, "%s: model", kernels);
    if (!m) return;
    const int bias = trm_model_find_tensor(m, "q_head.bias"), weight = trm_model_find_tensor(m, "q_head.weight");
    CHECK(bias >= 0 && weight >= 0, "no q_head tensors");
    if (bias < 0 || weight < 0) { trm_model_free(m); return; }
    trm_rng r;
    trm_rng_seed(&r, 11);
    const int D = trm_model_dims(m)->D;
    float *qw = trm_model_tensor_data(m, weight);
    for (int i = 0; i < 2 * D; i++) qw[i] = (float)(trm_rng_uniform(&r) - 0.5);
    float *qb = trm_model_tensor_data(m, bias);
    qb[0] = 0.0f;
    const int T = trm_model_config(m)->H_cycles;
    trm_error e;
    trm_solver *s = trm_solver_create(m, B, &e);
    CHECK(s != NULL, "solver: %s", e.msg);
    if (!s) { trm_model_free(m); return; }
    uint8_t in[B * GRID];
    for (int i = 0; i < B * GRID; i++) in[i] = (uint8_t)(1 + trm_rng_below(&r, 4));
    CHECK(trm_solver_reset(s, in, NULL, B, &e) == TRM_OK, "reset: %s", e.msg);
    for (int p = 0; p < T; p++) trm_solver_pass(s);
    float q[B];
    for (int b = 0; b < B; b++) q[b] = trm_solver_halt_logit(s, b);
    for (int i = 1; i < B; i++) /* insertion sort: the median */
        for (int j = i; j > 0 && q[j - 1] > q[j]; j--) { const float x = q[j]; q[j] = q[j - 1]; q[j - 1] = x; }
    qb[0] = -0.5f * (q[B / 2 - 1] + q[B / 2]);
    for (int round = 0; round < 2; round++) { /* the second reset must forget the first puzzles' halts */
        for (int i = 0; i < B * GRID; i++) in[i] = (uint8_t)(1 + trm_rng_below(&r, 4));
        CHECK(trm_solver_reset(s, in, NULL, B, &e) == TRM_OK, "reset: %s", e.msg);
        int expect[B] = {0};
        uint8_t answer[B * GRID], prev[B * GRID];
        CHECK(trm_solver_steps(s) == 0 && !trm_solver_all_halted(s), "a reset solver has done steps or halted");
        for (int b = 0; b < B; b++) CHECK(trm_solver_halt_step(s, b) == 0, "slot %d halted before any pass", b);
        for (int p = 1; p <= STEPS * T; p++) {
            trm_solver_pass(s);
            CHECK(trm_solver_steps(s) == p / T, "after %d passes: %d steps, expected %d", p, trm_solver_steps(s), p / T);
            if (p % T) continue;
            trm_solver_read(s, answer, NULL);
            int all = 1;
            for (int b = 0; b < B; b++) {
                const int settled = p > T && !memcmp(answer + b * GRID, prev + b * GRID, GRID);
                if (!expect[b] && settled && trm_solver_halt_logit(s, b) > 0.0f) expect[b] = p / T;
                all = all && expect[b];
                CHECK(trm_solver_halt_step(s, b) == expect[b], "step %d slot %d: halt step %d, expected %d", p / T, b,
                      trm_solver_halt_step(s, b), expect[b]);
            }
            CHECK(trm_solver_all_halted(s) == all, "step %d: all_halted %d, expected %d", p / T, trm_solver_all_halted(s), all);
            memcpy(prev, answer, sizeof prev);
        }
        int distinct = 0, seen[STEPS + 1] = {0};
        for (int b = 0; b < B; b++) distinct += !seen[expect[b]]++;
        /* the random mlp_t model's answers never settle in 6 steps: the attention runs exercise the rule */
        CHECK(mlp_t || distinct >= 3, "%s, round %d: the slots halt at only %d different steps (0 = never): the rule is not exercised",
              kernels ? kernels : "auto", round, distinct);
        CHECK(trm_solver_halt_step(s, -1) == 0 && trm_solver_halt_step(s, B) == 0, "a slot outside the batch halted");
    }
    trm_solver_free(s);
    trm_model_free(m);
}

int main(void) {
    check_halting("scalar", 0);
    check_halting("scalar", 1);
    check_halting(NULL, 0);
    return check_done();
}
