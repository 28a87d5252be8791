/* trainer.c: the ACT training step of TRM §3.3 with deep supervision: refill halted slots, run
 * T-1 recursions without gradient and one with, heads, loss, backward through the n+1 network
 * evaluations of the last recursion, halting decisions, AdamATan2/AdamW, sign-SGD, EMA.
 * All memory is one arena sized at creation; a step allocates nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embed_heads.h"
#include "loss.h"
#include "optim.h"
#include "recursion.h"

struct trm_trainer {
    trm_model *m;
    trm_train_config tc;
    int B;
    size_t n_params, n_state; /* n_state = B*S*D */
    float *arena;
    /* persistent state (checkpointed) */
    float *opt_m, *opt_v, *ema;
    float *carry_y, *carry_z;      /* [B, S, D] */
    uint8_t *cur_inputs, *cur_labels; /* [B, grid] */
    int32_t *cur_pids, *steps;     /* [B] */
    uint8_t *halted;               /* [B] */
    trm_rng rng;
    uint64_t steps_done;
    /* per-step buffers */
    float *grads, *puzzle_grad;
    float *x, *inj, *y, *z, *dx, *d;  /* [B, S, D] */
    float *logits, *dlogits, *q, *dq;
    trm_eval_acts *acts;              /* slots 0..n: the last recursion's evaluations */
    int bf16;                         /* the model's precision when the trainer was created */
    trm_net_bf16 wb;                  /* bf16: the linear weights, rounded at every compute */
    trm_net_scratch scratch;
    float *attn_scratch;
    uint8_t *new_halted, *present;
    int32_t *new_steps;
    trm_rng rng_after;
    int computed;
};

void trm_train_config_default(trm_train_config *c) {
    memset(c, 0, sizeof *c);
    c->batch_size = 768;
    c->lr = 1e-4;
    c->lr_warmup_steps = 2000;
    c->lr_min_ratio = 1.0;
    c->total_steps = 65104;
    c->weight_decay = 1.0;
    c->beta1 = 0.9;
    c->beta2 = 0.95;
    c->optimizer = TRM_OPT_ADAM_ATAN2;
    c->puzzle_emb_lr = 1e-4;
    c->puzzle_emb_weight_decay = 1.0;
    c->ema = 1;
    c->ema_rate = 0.999;
    c->adaptive_halting = 1;
    c->loss = TRM_LOSS_STABLEMAX;
    c->seed = 0;
}

static trm_status check_train_config(const trm_train_config *c, trm_error *err) {
    if (c->batch_size < 1 || c->batch_size > 1 << 20)
        return trm__fail(err, TRM_E_INVALID, "batch_size %d must be in [1, 2^20]", c->batch_size);
    if (!(c->lr >= 0 && c->lr < 10)) return trm__fail(err, TRM_E_INVALID, "lr %g must be in [0, 10)", c->lr);
    if (c->lr_warmup_steps < 0) return trm__fail(err, TRM_E_INVALID, "lr_warmup_steps must be >= 0");
    if (c->lr_decay_start < 0)
        return trm__fail(err, TRM_E_INVALID, "lr_decay_start %ld must be >= 0", c->lr_decay_start);
    if (!(c->lr_min_ratio >= 0 && c->lr_min_ratio <= 1))
        return trm__fail(err, TRM_E_INVALID, "lr_min_ratio %g must be in [0, 1]", c->lr_min_ratio);
    if (!(c->beta1 >= 0 && c->beta1 < 1 && c->beta2 >= 0 && c->beta2 < 1))
        return trm__fail(err, TRM_E_INVALID, "beta1 %g and beta2 %g must be in [0, 1)", c->beta1, c->beta2);
    if (!(c->weight_decay >= 0 && c->puzzle_emb_weight_decay >= 0 && c->puzzle_emb_lr >= 0))
        return trm__fail(err, TRM_E_INVALID, "weight decays and puzzle_emb_lr must be >= 0");
    if (!(c->ema_rate >= 0 && c->ema_rate <= 1))
        return trm__fail(err, TRM_E_INVALID, "ema_rate %g must be in [0, 1]", c->ema_rate);
    if ((unsigned)c->optimizer > TRM_OPT_ADAMW) return trm__fail(err, TRM_E_INVALID, "unknown optimizer");
    if ((unsigned)c->loss > TRM_LOSS_SOFTMAX) return trm__fail(err, TRM_E_INVALID, "unknown loss");
    if (c->global_batch_size &&
        (c->global_batch_size < c->batch_size || c->slot_offset < 0 || c->slot_offset > c->global_batch_size - c->batch_size))
        return trm__fail(err, TRM_E_INVALID, "slots [%d, %d) are not inside the global batch of %d", c->slot_offset,
                         c->slot_offset + c->batch_size, c->global_batch_size);
    if (!c->global_batch_size && c->slot_offset)
        return trm__fail(err, TRM_E_INVALID, "slot_offset %d without a global_batch_size", c->slot_offset);
    return TRM_OK;
}


/* Byte buffers from the float arena (whole 64-byte blocks, like every other buffer). */
static void *take_bytes(trm_arena *a, uint64_t n) { return trm__take(a, (n + sizeof(float) - 1) / sizeof(float)); }

/* The trainer's buffers carved from base (NULL: count only, every pointer NULL); returns the
 * floats used. One layout both sizes and carves the arena. */
static uint64_t trainer_carve(trm_trainer *t, float *base) {
    const trm_model *m = t->m;
    const trm_dims *d = &m->dims;
    const int B = t->B, n_evals = m->cfg.L_cycles + 1, mlp_t = m->cfg.mlp_t;
    const uint64_t G = (uint64_t)B * d->grid, ptab = (uint64_t)m->cfg.num_puzzle_identifiers * m->cfg.puzzle_emb_ndim;
    const uint64_t NS = (uint64_t)B * d->S * d->D; /* t->n_state, counted in 64 bits */
    trm_arena c = {base, 0};
    t->opt_m = trm__take(&c, d->n_params);
    t->opt_v = trm__take(&c, d->n_params);
    t->grads = trm__take(&c, d->n_params);
    t->ema = t->tc.ema ? trm__take(&c, d->n_params) : NULL;
    t->puzzle_grad = trm__take(&c, ptab);
    t->carry_y = trm__take(&c, NS);
    t->carry_z = trm__take(&c, NS);
    t->x = trm__take(&c, NS);
    t->inj = trm__take(&c, NS);
    t->y = trm__take(&c, NS);
    t->z = trm__take(&c, NS);
    t->dx = trm__take(&c, NS);
    t->d = trm__take(&c, NS);
    t->logits = trm__take(&c, G * d->V);
    t->dlogits = trm__take(&c, G * d->V);
    t->q = trm__take(&c, 2 * (uint64_t)B);
    t->dq = trm__take(&c, 2 * (uint64_t)B);
    const int bf16 = t->bf16;
    const uint64_t acts = trm__eval_acts_floats(d, mlp_t, bf16, B);
    for (int i = 0; i < n_evals; i++) trm__eval_acts_carve(&t->acts[i], d, mlp_t, bf16, B, trm__take(&c, acts));
    trm__net_scratch_carve(&t->scratch, d, mlp_t, bf16, B, trm__take(&c, trm__net_scratch_floats(d, mlp_t, bf16, B)));
    if (bf16) trm__net_bf16_carve(&t->wb, m, trm__take(&c, trm__net_bf16_floats(m)));
    t->attn_scratch = trm__take(&c, trm__attn_scratch_floats(d, mlp_t));
    t->cur_inputs = take_bytes(&c, G);
    t->cur_labels = take_bytes(&c, G);
    t->halted = take_bytes(&c, (uint64_t)B);
    t->new_halted = take_bytes(&c, (uint64_t)B);
    t->cur_pids = take_bytes(&c, (uint64_t)B * sizeof(int32_t));
    t->steps = take_bytes(&c, (uint64_t)B * sizeof(int32_t));
    t->new_steps = take_bytes(&c, (uint64_t)B * sizeof(int32_t));
    t->present = take_bytes(&c, (uint64_t)m->cfg.num_puzzle_identifiers);
    return c.used;
}

trm_trainer *trm_trainer_create(trm_model *m, const trm_train_config *tc, trm_error *err) {
    if (check_train_config(tc, err) != TRM_OK) return NULL;
    const trm_dims *d = &m->dims;
    trm_trainer *t = calloc(1, sizeof *t);
    if (t) t->acts = calloc((size_t)m->cfg.L_cycles + 1, sizeof *t->acts);
    if (!t || !t->acts) {
        if (t) free(t);
        trm__fail(err, TRM_E_NOMEM, "out of memory");
        return NULL;
    }
    t->m = m;
    t->tc = *tc;
    t->bf16 = m->precision == TRM_PRECISION_BF16;
    t->B = tc->batch_size;
    t->n_params = d->n_params;
    t->n_state = (size_t)t->B * d->S * d->D;
    const uint64_t bytes64 = sizeof(float) * trainer_carve(t, NULL); /* a multiple of 64 */
    const size_t bytes = (size_t)bytes64;
    t->arena = bytes == bytes64 ? aligned_alloc(64, bytes) : NULL;
    if (!t->arena) {
        free(t->acts);
        free(t);
        trm__fail(err, TRM_E_NOMEM, "out of memory: the trainer needs %.1f MB", bytes64 / 1e6);
        return NULL;
    }
    memset(t->arena, 0, bytes);
    trainer_carve(t, t->arena);
    if (t->ema) memcpy(t->ema, m->params, sizeof(float) * d->n_params); /* shadow starts at the initial params */
    memset(t->halted, 1, (size_t)t->B); /* every slot starts halted, so the first step fills them all */
    trm_rng_seed(&t->rng, tc->seed);
    return t;
}

void trm_trainer_free(trm_trainer *t) {
    if (!t) return;
    free(t->arena);
    free(t->acts);
    free(t);
}

static trm_status check_batch(const trm_trainer *t, const trm_batch *b, trm_error *err) {
    const trm_dims *d = &t->m->dims;
    if (!b || !b->inputs || !b->labels) return trm__fail(err, TRM_E_INVALID, "batch without inputs or labels");
    if (b->size != t->B) return trm__fail(err, TRM_E_SHAPE, "batch of %d sequences, the trainer has %d slots", b->size, t->B);
    for (size_t i = 0; i < (size_t)t->B * d->grid; i++)
        if (b->inputs[i] >= d->V || b->labels[i] >= d->V)
            return trm__fail(err, TRM_E_INVALID, "sequence %zu cell %zu: token %d is not below vocab_size %d",
                             i / d->grid, i % d->grid, b->inputs[i] >= d->V ? b->inputs[i] : b->labels[i], d->V);
    if (b->puzzle_ids)
        for (int i = 0; i < t->B; i++)
            if (b->puzzle_ids[i] < 0 || b->puzzle_ids[i] >= t->m->cfg.num_puzzle_identifiers)
                return trm__fail(err, TRM_E_INVALID, "sequence %d: puzzle id %d is outside [0, %d)", i,
                                 b->puzzle_ids[i], t->m->cfg.num_puzzle_identifiers);
    return TRM_OK;
}

/* TRM §3.3 step 1: halted slots restart from (H_init, L_init) with the new example at their index. */
static void refill(trm_trainer *t, const trm_batch *b) {
    const trm_dims *d = &t->m->dims;
    for (int s = 0; s < t->B; s++) {
        if (!t->halted[s]) continue;
        trm__broadcast_init(t->carry_y, trm__H_init(t->m), s, d->S, d->D);
        trm__broadcast_init(t->carry_z, trm__L_init(t->m), s, d->S, d->D);
        t->steps[s] = 0;
        memcpy(t->cur_inputs + (size_t)s * d->grid, b->inputs + (size_t)s * d->grid, d->grid);
        memcpy(t->cur_labels + (size_t)s * d->grid, b->labels + (size_t)s * d->grid, d->grid);
        t->cur_pids[s] = b->puzzle_ids ? b->puzzle_ids[s] : 0;
    }
}

/* TRM §3.3 step 4 on a copy of the RNG, so that compute() can be repeated. The draws are made
 * for every slot of the global batch in order; this trainer's slots use theirs. */
static void decide_halting(trm_trainer *t) {
    const int N_sup = t->m->cfg.halt_max_steps;
    const double explore = t->m->cfg.halt_exploration_prob;
    const int first = t->tc.slot_offset, global = t->tc.global_batch_size ? t->tc.global_batch_size : t->B;
    t->rng_after = t->rng;
    for (int g = 0; g < global; g++) {
        const double u = trm_rng_uniform(&t->rng_after);
        const int min_steps = 2 + (int)trm_rng_below(&t->rng_after, N_sup >= 2 ? (uint32_t)(N_sup - 1) : 1u);
        const int s = g - first;
        if (s < 0 || s >= t->B) continue; /* another process's slot */
        const int steps = t->steps[s] + 1;
        int halted = steps >= N_sup || (t->tc.adaptive_halting && trm__q_halts(t->q[2 * s]));
        if (N_sup >= 2 && u < explore) halted = halted && steps >= min_steps;
        t->new_steps[s] = steps;
        t->new_halted[s] = (uint8_t)halted;
    }
}

static void forward_last_recursion(trm_trainer *t, const trm_net_weights *w) {
    const trm_model *m = t->m;
    const int n = m->cfg.L_cycles, L = m->dims.L;
    trm__add(t->inj, t->y, t->x, t->n_state);
    const float *z = t->z;
    for (int i = 0; i < n; i++) {
        trm__net_forward(m, w, &t->acts[i], z, t->inj, t->B, &t->scratch, t->attn_scratch, 1);
        z = t->acts[i].hs[L];
    }
    trm__net_forward(m, w, &t->acts[n], t->y, z, t->B, &t->scratch, t->attn_scratch, 1);
}

static void backward(trm_trainer *t, const trm_net_weights *w) {
    const trm_model *m = t->m;
    const int n = m->cfg.L_cycles, L = m->dims.L;
    trm_param_view g;
    trm__param_view(m, t->grads, &g);
    memset(t->grads, 0, sizeof(float) * t->n_params);
    memset(t->puzzle_grad, 0, sizeof(float) * (size_t)m->cfg.num_puzzle_identifiers * m->cfg.puzzle_emb_ndim);
    trm__heads_backward(m, w->w, &g, t->acts[n].hs[L], t->B, t->dlogits, t->dq, t->d);
    /* y = net(y0 + z_n): y0 is a detached carry, so the gradient continues only into z_n. */
    trm__net_backward(m, w, &g, &t->acts[n], t->d, t->B, &t->scratch, t->attn_scratch);
    memset(t->dx, 0, sizeof(float) * t->n_state);
    for (int i = n - 1; i >= 0; i--) { /* z_{i+1} = net(z_i + (y0 + x)) */
        trm__net_backward(m, w, &g, &t->acts[i], t->d, t->B, &t->scratch, t->attn_scratch);
        trm__add(t->dx, t->dx, t->d, t->n_state);
    }
    trm__embed_backward(m, &g, t->cur_inputs, t->cur_pids, t->B, t->dx, t->puzzle_grad);
}

trm_status trm_trainer_compute(trm_trainer *t, const trm_batch *b, trm_step_stats *st, trm_error *err) {
    trm_status s = check_batch(t, b, err);
    if (s != TRM_OK) return s;
    const trm_model *m = t->m;
    const trm_dims *d = &m->dims;
    trm_param_view w;
    trm__param_view(m, m->params, &w);
    refill(t, b);
    if (t->bf16) trm__net_bf16_update(m, m->params, &t->wb); /* the optimizer moved the weights */
    const trm_net_weights nw = {&w, t->bf16 ? &t->wb : NULL};
    trm__embed_forward(m, &w, t->cur_inputs, t->cur_pids, t->B, t->x);
    memcpy(t->y, t->carry_y, sizeof(float) * t->n_state);
    memcpy(t->z, t->carry_z, sizeof(float) * t->n_state);
    for (int r = 0; r < m->cfg.H_cycles - 1; r++)
        trm__recursion(m, &nw, &t->acts[0], t->y, t->z, t->x, t->inj, t->B, &t->scratch, t->attn_scratch);
    forward_last_recursion(t, &nw);
    trm__heads_forward(m, &w, t->acts[m->cfg.L_cycles].hs[d->L], t->B, t->logits, t->q);
    decide_halting(t);
    trm_loss_args la = {t->tc.loss, t->B, d->grid, d->V, t->tc.global_batch_size, t->logits, t->q, t->cur_labels,
                        t->cur_inputs, t->new_halted, t->new_steps};
    trm_step_stats local;
    if (!st) st = &local;
    trm__loss(&la, t->dlogits, t->dq, st);
    st->lr = trm_lr_at(&t->tc, t->tc.lr, (long)t->steps_done + 1);
    t->computed = 0;
    if (!isfinite(st->loss)) return trm__fail(err, TRM_E_NONFINITE, "the loss is not finite (%g)", st->loss);
    backward(t, &nw);
    if (m->cfg.num_puzzle_identifiers) { /* the puzzle rows this step updates (apply()) */
        memset(t->present, 0, (size_t)m->cfg.num_puzzle_identifiers);
        for (int s2 = 0; s2 < t->B; s2++) t->present[t->cur_pids[s2]] = 1;
    }
    t->computed = 1;
    return TRM_OK;
}

static int all_finite(const float *x, size_t n) {
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++) acc += x[i] * 0.0f; /* NaN or inf turns the sum into NaN */
    return acc == 0.0f;
}

trm_status trm_trainer_apply(trm_trainer *t, trm_error *err) {
    if (!t->computed) return trm__fail(err, TRM_E_STATE, "trm_trainer_apply without a successful compute");
    trm_model *m = t->m;
    const trm_dims *d = &m->dims;
    const size_t ptab = (size_t)m->cfg.num_puzzle_identifiers * m->cfg.puzzle_emb_ndim;
    if (!all_finite(t->grads, t->n_params) || !all_finite(t->puzzle_grad, ptab))
        return trm__fail(err, TRM_E_NONFINITE, "a gradient is not finite; parameters left unchanged");
    const long step = (long)++t->steps_done;
    trm_adam_args a = {t->tc.optimizer, trm_lr_at(&t->tc, t->tc.lr, step), t->tc.weight_decay, t->tc.beta1,
                       t->tc.beta2, step};
    trm__adam_step(&a, m->params, t->grads, t->opt_m, t->opt_v, t->n_params);
    if (ptab) {
        trm__sign_sgd(trm__puzzle_table(m), t->puzzle_grad, t->present, m->cfg.num_puzzle_identifiers,
                      m->cfg.puzzle_emb_ndim, trm_lr_at(&t->tc, t->tc.puzzle_emb_lr, step),
                      t->tc.puzzle_emb_weight_decay);
    }
    if (t->ema) trm__ema_update(t->ema, m->params, t->n_params, t->tc.ema_rate);
    /* new carry, detached: y after the answer update, z after the last latent update */
    memcpy(t->carry_y, t->acts[m->cfg.L_cycles].hs[d->L], sizeof(float) * t->n_state);
    memcpy(t->carry_z, t->acts[m->cfg.L_cycles - 1].hs[d->L], sizeof(float) * t->n_state);
    memcpy(t->steps, t->new_steps, sizeof(int32_t) * (size_t)t->B);
    memcpy(t->halted, t->new_halted, (size_t)t->B);
    t->rng = t->rng_after;
    t->computed = 0;
    return TRM_OK;
}

trm_status trm_trainer_step(trm_trainer *t, const trm_batch *b, trm_step_stats *st, trm_error *err) {
    trm_status s = trm_trainer_compute(t, b, st, err);
    return s != TRM_OK ? s : trm_trainer_apply(t, err);
}

long trm_trainer_steps_done(const trm_trainer *t) { return (long)t->steps_done; }
const float *trm_trainer_grads(const trm_trainer *t) { return t->grads; }
const float *trm_trainer_puzzle_grad(const trm_trainer *t) { return t->puzzle_grad; }
float *trm_trainer_ema(trm_trainer *t) { return t->ema; }
const float *trm_trainer_logits(const trm_trainer *t) { return t->logits; }
const float *trm_trainer_q_logits(const trm_trainer *t) { return t->q; }
const float *trm_trainer_new_carry(const trm_trainer *t, int which) {
    const int n = t->m->cfg.L_cycles, L = t->m->dims.L;
    return which == 0 ? t->acts[n].hs[L] : t->acts[n - 1].hs[L];
}
const uint8_t *trm_trainer_halted(const trm_trainer *t) { return t->halted; }

int trm_trainer_state_count(const trm_trainer *t) { return t->ema ? 16 : 15; }

trm_state_entry trm_trainer_state(trm_trainer *t, int i) {
    trm_model *m = t->m;
    const size_t G = (size_t)t->B * m->dims.grid, B = (size_t)t->B;
    const size_t ptab = (size_t)m->cfg.num_puzzle_identifiers * m->cfg.puzzle_emb_ndim;
    const trm_state_entry e[] = {
        {"params", TRM_STATE_F32, m->params, t->n_params, 0},
        {"puzzle_emb.weights", TRM_STATE_F32, trm__puzzle_table(m), ptab, 0},
        {"H_init", TRM_STATE_F32, m->buffers, (size_t)m->dims.D, 0},
        {"L_init", TRM_STATE_F32, m->buffers + m->dims.D, (size_t)m->dims.D, 0},
        {"optimizer.m", TRM_STATE_F32, t->opt_m, t->n_params, 0},
        {"optimizer.v", TRM_STATE_F32, t->opt_v, t->n_params, 0},
        {"carry.z_H", TRM_STATE_F32, t->carry_y, t->n_state, 1},
        {"carry.z_L", TRM_STATE_F32, t->carry_z, t->n_state, 1},
        {"act.steps", TRM_STATE_I32, t->steps, B, 1},
        {"act.halted", TRM_STATE_U8, t->halted, B, 1},
        {"data.inputs", TRM_STATE_U8, t->cur_inputs, G, 1},
        {"data.labels", TRM_STATE_U8, t->cur_labels, G, 1},
        {"data.puzzle_ids", TRM_STATE_I32, t->cur_pids, B, 1},
        {"rng", TRM_STATE_U64, t->rng.s, 4, 0},
        {"step", TRM_STATE_U64, &t->steps_done, 1, 0},
        {"ema", TRM_STATE_F32, t->ema, t->n_params, 0},
    };
    trm_state_entry none = {0};
    return i >= 0 && i < trm_trainer_state_count(t) ? e[i] : none;
}

int trm_trainer_reduce_count(const trm_trainer *t) {
    (void)t;
    return 3;
}

trm_state_entry trm_trainer_reduce_entry(trm_trainer *t, int i) {
    const trm_model *m = t->m;
    const size_t ids = (size_t)m->cfg.num_puzzle_identifiers;
    const trm_state_entry e[] = {
        {"grads", TRM_STATE_F32, t->grads, t->n_params, 0},
        {"puzzle_grad", TRM_STATE_F32, t->puzzle_grad, ids * (size_t)m->cfg.puzzle_emb_ndim, 0},
        {"puzzle_present", TRM_STATE_U8, t->present, ids, 0},
    };
    trm_state_entry none = {0};
    return i >= 0 && i < trm_trainer_reduce_count(t) ? e[i] : none;
}

/* The first non-finite value of x[0..n), or -1. */
static long first_nonfinite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return (long)i;
    return -1;
}

trm_status trm_trainer_check_state(const trm_trainer *t, trm_error *err) {
    const trm_model *m = t->m;
    const size_t B = (size_t)t->B, G = B * (size_t)m->dims.grid;
    trm_trainer *tt = (trm_trainer *)t; /* the table hands out writable pointers; only read here */
    for (int i = 0; i < trm_trainer_state_count(t); i++) {
        const trm_state_entry e = trm_trainer_state(tt, i);
        if (e.dtype != TRM_STATE_F32) continue;
        const long k = first_nonfinite((const float *)e.data, e.count);
        if (k >= 0) return trm__fail(err, TRM_E_NONFINITE, "%s[%ld] is %g: not a finite number", e.name, k, ((const float *)e.data)[k]);
    }
    for (size_t i = 0; i < t->n_params; i++)
        if (t->opt_v[i] < 0) return trm__fail(err, TRM_E_INVALID, "optimizer.v[%zu] is %g: second moments are never negative", i, t->opt_v[i]);
    enum { MAX_SLOT_STEPS = 1000000 };
    for (size_t b = 0; b < B; b++) {
        if (t->steps[b] < 0 || t->steps[b] > MAX_SLOT_STEPS)
            return trm__fail(err, TRM_E_INVALID, "act.steps[%zu] is %d: outside [0, %d]", b, t->steps[b], MAX_SLOT_STEPS);
        if (t->halted[b] > 1) return trm__fail(err, TRM_E_INVALID, "act.halted[%zu] is %d: expected 0 or 1", b, t->halted[b]);
        if (t->cur_pids[b] < 0 || t->cur_pids[b] >= m->cfg.num_puzzle_identifiers)
            return trm__fail(err, TRM_E_INVALID, "data.puzzle_ids[%zu] is %d: outside [0, %d) (num_puzzle_identifiers)", b,
                             t->cur_pids[b], m->cfg.num_puzzle_identifiers);
    }
    for (size_t i = 0; i < G; i++) {
        if (t->cur_inputs[i] >= m->cfg.vocab_size)
            return trm__fail(err, TRM_E_INVALID, "data.inputs[%zu] is token %d: outside the vocabulary [0, %d)", i, t->cur_inputs[i],
                             m->cfg.vocab_size);
        if (t->cur_labels[i] >= m->cfg.vocab_size)
            return trm__fail(err, TRM_E_INVALID, "data.labels[%zu] is token %d: outside the vocabulary [0, %d)", i, t->cur_labels[i],
                             m->cfg.vocab_size);
    }
    if (!(t->rng.s[0] | t->rng.s[1] | t->rng.s[2] | t->rng.s[3]))
        return trm__fail(err, TRM_E_INVALID, "rng is all zero: not a state the generator can leave");
    return TRM_OK;
}

trm_status trm_trainer_export(const trm_trainer *t, trm_model *dst, trm_error *err) {
    const trm_model *m = t->m;
    if (dst->dims.n_params != m->dims.n_params || dst->dims.n_buffers != m->dims.n_buffers ||
        dst->dims.S != m->dims.S || dst->dims.D != m->dims.D)
        return trm__fail(err, TRM_E_SHAPE, "export target has a different configuration");
    memcpy(dst->params, t->ema ? t->ema : m->params, sizeof(float) * m->dims.n_params);
    memcpy(dst->buffers, m->buffers, sizeof(float) * m->dims.n_buffers);
    memset(dst->loaded, 1, sizeof dst->loaded);
    return TRM_OK;
}
