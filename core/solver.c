/* solver.c: inference (TRM §3.4) one refinement pass at a time. A pass is one recursion:
 * z = net(z, y + x) n times, then y = net(y, z), then the LM head decodes y. Every H_cycles
 * passes a supervision step ends and the Q head gives the halting logit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embed_heads.h"
#include "loss.h"
#include "recursion.h"

struct trm_solver {
    const trm_model *m;
    int max_batch, batch, passes;
    int *halt_step;  /* [max_batch]: the supervision step at which a slot halted (trm_solver_halt_step); 0: not yet */
    uint8_t *answer; /* [max_batch * grid]: each slot's answer (argmax tokens) at the last supervision step */
    size_t n_state;
    float *arena;
    float *x, *y, *z, *inj, *logits, *q, *attn_scratch;
    trm_eval_acts acts;
    int bf16;                /* the model's precision when the solver was created */
    trm_net_bf16 wb;         /* bf16: the model's linear weights as of the last reset */
    trm_net_scratch scratch; /* bf16: where the forward computes what it does not keep */
};

/* Carve the solver's buffers from base (NULL: count only); returns the floats used. */
static uint64_t solver_carve(trm_solver *s, float *base) {
    const trm_dims *d = &s->m->dims;
    const uint64_t B = (uint64_t)s->max_batch, NS = B * d->S * d->D;
    trm_arena a = {base, 0};
    s->x = trm__take(&a, NS);
    s->y = trm__take(&a, NS);
    s->z = trm__take(&a, NS);
    s->inj = trm__take(&a, NS);
    s->logits = trm__take(&a, B * d->grid * d->V);
    s->q = trm__take(&a, 2 * B);
    s->halt_step = (int *)trm__take(&a, B); /* an int per slot: a float's size (solver_carve's static check) */
    s->answer = (uint8_t *)trm__take(&a, (B * d->grid + sizeof(float) - 1) / sizeof(float));
    s->attn_scratch = trm__take(&a, trm__attn_scratch_floats(d, s->m->cfg.mlp_t));
    if (s->bf16) {
        const int mlp_t = s->m->cfg.mlp_t;
        trm__net_bf16_carve(&s->wb, s->m, trm__take(&a, trm__net_bf16_floats(s->m)));
        trm__net_scratch_carve(&s->scratch, d, mlp_t, 1, s->max_batch,
                               trm__take(&a, trm__net_scratch_floats(d, mlp_t, 1, s->max_batch)));
    }
    float *acts = base ? base + a.used : NULL; /* last: its own layout */
    return a.used + trm__eval_acts_carve(&s->acts, d, s->m->cfg.mlp_t, s->bf16, s->max_batch, acts);
}

_Static_assert(sizeof(int) == sizeof(float), "halt_step is carved from the float arena");

/* Every buffer lives in the arena, a multiple of 64 bytes (every carved buffer is). */
uint64_t trm_solver_bytes(const trm_model *m, int max_batch) {
    if (!m || max_batch < 1 || max_batch > 1 << 20) return 0;
    trm_solver s = {.m = m, .max_batch = max_batch, .bf16 = m->precision == TRM_PRECISION_BF16};
    return sizeof(float) * solver_carve(&s, NULL);
}

trm_solver *trm_solver_create(const trm_model *m, int max_batch, trm_error *err) {
    if (max_batch < 1 || max_batch > 1 << 20) {
        trm__fail(err, TRM_E_INVALID, "max_batch %d must be in [1, 2^20]", max_batch);
        return NULL;
    }
    trm_solver *s = calloc(1, sizeof *s);
    if (!s) { trm__fail(err, TRM_E_NOMEM, "out of memory"); return NULL; }
    s->m = m;
    s->max_batch = max_batch;
    s->bf16 = m->precision == TRM_PRECISION_BF16;
    const uint64_t bytes = sizeof(float) * solver_carve(s, NULL);
    if (bytes <= SIZE_MAX) s->arena = aligned_alloc(64, (size_t)bytes);
    if (!s->arena) {
        free(s);
        trm__fail(err, TRM_E_NOMEM, "out of memory for a solver of batch %d (%.1f MB)", max_batch, bytes / 1e6);
        return NULL;
    }
    solver_carve(s, s->arena);
    return s;
}

void trm_solver_free(trm_solver *s) {
    if (!s) return;
    free(s->arena);
    free(s);
}

trm_status trm_solver_reset(trm_solver *s, const uint8_t *tokens, const int32_t *pids, int batch, trm_error *err) {
    const trm_model *m = s->m;
    const trm_dims *d = &m->dims;
    if (!tokens) return trm__fail(err, TRM_E_INVALID, "no tokens");
    if (batch < 1 || batch > s->max_batch)
        return trm__fail(err, TRM_E_INVALID, "batch %d is outside [1, %d]", batch, s->max_batch);
    for (size_t i = 0; i < (size_t)batch * d->grid; i++)
        if (tokens[i] >= d->V)
            return trm__fail(err, TRM_E_INVALID, "grid %zu cell %zu: token %d is not below vocab_size %d", i / d->grid,
                             i % d->grid, tokens[i], d->V);
    for (int b = 0; pids && b < batch; b++)
        if (pids[b] < 0 || pids[b] >= m->cfg.num_puzzle_identifiers)
            return trm__fail(err, TRM_E_INVALID, "puzzle id %d is outside [0, %d)", pids[b], m->cfg.num_puzzle_identifiers);
    trm_param_view w;
    trm__param_view(m, m->params, &w);
    s->batch = batch;
    s->passes = 0;
    s->n_state = (size_t)batch * d->S * d->D;
    trm__embed_forward(m, &w, tokens, pids, batch, s->x);
    for (int b = 0; b < batch; b++) {
        trm__broadcast_init(s->y, trm__H_init(m), b, d->S, d->D);
        trm__broadcast_init(s->z, trm__L_init(m), b, d->S, d->D);
        s->q[2 * b] = s->q[2 * b + 1] = NAN;
        s->halt_step[b] = 0;
    }
    if (s->bf16) trm__net_bf16_update(m, m->params, &s->wb); /* the weights may have changed since the last puzzles */
    return TRM_OK;
}

/* At the end of a supervision step: each running slot's answer, and whether the slot halts here.
 * The inference rule is the training rule (q_halt > 0) at a step whose answer equals the previous
 * step's: the Q head's "this answer is right" is trusted once the recursion has settled on it.
 * On the 11x11 mix model (fresh mazes of eight kinds, 500 each) q_halt > 0 alone halted after
 * 1.3-2.4 steps on answers 2.0-7.0 points worse than 16 steps'; with a settled answer it halts
 * after 2.3-3.3 steps on answers 0-2.0 points better (a few drift in later steps). A halted slot's
 * answer is no longer needed here. */
static void record_halts(trm_solver *s) {
    const trm_dims *d = &s->m->dims;
    const int step = s->passes / s->m->cfg.H_cycles;
    for (int b = 0; b < s->batch; b++) {
        if (s->halt_step[b]) continue;
        uint8_t *ans = s->answer + (size_t)b * d->grid;
        const float *l = s->logits + (size_t)b * d->grid * d->V;
        int settled = step > 1;
        for (int i = 0; i < d->grid; i++) {
            const uint8_t t = (uint8_t)trm__argmax(l + (size_t)i * d->V, d->V);
            settled = settled && t == ans[i];
            ans[i] = t;
        }
        if (settled && trm__q_halts(s->q[2 * b])) s->halt_step[b] = step;
    }
}

void trm_solver_pass(trm_solver *s) {
    if (s->batch == 0) return;
    const trm_model *m = s->m;
    trm_param_view w;
    trm__param_view(m, m->params, &w);
    const trm_net_weights nw = {&w, s->bf16 ? &s->wb : NULL};
    trm__recursion(m, &nw, &s->acts, s->y, s->z, s->x, s->inj, s->batch, s->bf16 ? &s->scratch : NULL, s->attn_scratch);
    s->passes++;
    const int step_done = s->passes % m->cfg.H_cycles == 0;
    trm__heads_forward(m, &w, s->y, s->batch, s->logits, step_done ? s->q : NULL);
    if (step_done) record_halts(s);
}

int trm_solver_passes(const trm_solver *s) { return s->passes; }
int trm_solver_steps(const trm_solver *s) { return s->passes / s->m->cfg.H_cycles; }
int trm_solver_halt_step(const trm_solver *s, int b) { return b >= 0 && b < s->batch ? s->halt_step[b] : 0; }
int trm_solver_all_halted(const trm_solver *s) {
    for (int b = 0; b < s->batch; b++)
        if (!s->halt_step[b]) return 0;
    return s->batch > 0;
}

void trm_solver_read(const trm_solver *s, uint8_t *tokens, float *confidence) {
    const trm_dims *d = &s->m->dims;
    const size_t cells = (size_t)s->batch * d->grid;
    for (size_t i = 0; i < cells; i++) {
        const float *l = s->logits + i * d->V;
        if (s->passes == 0) { /* nothing decoded yet */
            if (tokens) tokens[i] = 0;
            if (confidence) confidence[i] = 0.0f;
            continue;
        }
        const int best = trm__argmax(l, d->V);
        if (tokens) tokens[i] = (uint8_t)best;
        if (confidence) {
            double sum = 0.0;
            for (int k = 0; k < d->V; k++) sum += exp((double)l[k] - l[best]);
            confidence[i] = (float)(1.0 / sum);
        }
    }
}

const uint8_t *trm_solver_answer(const trm_solver *s, int b) {
    const int steps = s->passes / s->m->cfg.H_cycles;
    return b >= 0 && b < s->batch && steps > 0 ? s->answer + (size_t)b * s->m->dims.grid : NULL;
}

const float *trm_solver_logits(const trm_solver *s) { return s->logits; }
float trm_solver_halt_logit(const trm_solver *s, int b) { return b >= 0 && b < s->batch ? s->q[2 * b] : NAN; }
const float *trm_solver_state(const trm_solver *s, int which) { return which == 0 ? s->y : s->z; }
