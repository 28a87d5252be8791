/* trm_web_arc.c: the WebAssembly exports for ARC-AGI (core/include/arc.h) that web/trm.js
 * drives: the official 30x30 canvas (encode, crop, decode), the augmentations (dihedral x colour
 * map), the official vote, and a solver of one ARC question in several views at once. A thin
 * layer over core/: the page and other web apps compute what native trm-eval --arc computes.
 *
 * Conventions as in trm_web.c: no globals, errors in a caller-owned trm_error, pointers are
 * offsets into the module's memory, 0 = ok. Grids and augmentations cross as core's own structs,
 * which JS reads and writes at the offsets asserted below:
 *   trm_arc_grid: int32 h at 0, int32 w at 4, uint8 cells[900] at 8 (row-major h*w), 908 bytes;
 *   trm_arc_aug:  int32 dihedral at 0, uint8 colours[10] at 4, 16 bytes. */
#include <emscripten.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "trm.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

_Static_assert(offsetof(trm_arc_grid, h) == 0 && offsetof(trm_arc_grid, w) == 4 &&
                   offsetof(trm_arc_grid, cells) == 8 && sizeof(trm_arc_grid) == 908,
               "trm.js reads trm_arc_grid as int32 h, int32 w, uint8 cells[900]");
_Static_assert(offsetof(trm_arc_aug, dihedral) == 0 && offsetof(trm_arc_aug, colours) == 4 &&
                   sizeof(trm_arc_aug) == 16,
               "trm.js reads trm_arc_aug as int32 dihedral, uint8 colours[10] (16 bytes)");

/* The layout trm.js assumes, checked once when it first uses ARC: 908 * 65536 + 16. */
EXPORT int trm_web_arc_layout(void) { return (int)sizeof(trm_arc_grid) * 65536 + (int)sizeof(trm_arc_aug); }

static trm_status fail(trm_error *err, trm_status code, const char *msg) {
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Grids and the canvas                                                                        */

EXPORT int trm_web_arc_check(const trm_arc_grid *g, trm_error *err) { return (int)trm_arc_grid_check(g, err); }

EXPORT int trm_web_arc_encode(const trm_arc_grid *g, int pad_r, int pad_c, uint8_t *canvas, trm_error *err) {
    return (int)trm_arc_encode(g, pad_r, pad_c, canvas, err);
}

EXPORT void trm_web_arc_crop(const uint8_t *canvas, trm_arc_grid *out) { trm_arc_crop(canvas, out); }

/* pad [2] receives the grid's corner (row, column). */
EXPORT int trm_web_arc_decode(const uint8_t *canvas, trm_arc_grid *out, int *pad, trm_error *err) {
    return (int)trm_arc_decode(canvas, out, &pad[0], &pad[1], err);
}

/* ------------------------------------------------------------------------------------------ */
/* Augmentations                                                                               */

EXPORT int trm_web_arc_aug_check(const trm_arc_aug *a, trm_error *err) { return (int)trm_arc_aug_check(a, err); }
EXPORT int trm_web_arc_aug_parse(const char *suffix, trm_arc_aug *a, trm_error *err) {
    return (int)trm_arc_aug_parse(suffix, a, err);
}
EXPORT int trm_web_arc_aug_from_id(int id, trm_arc_aug *a, trm_error *err) { return (int)trm_arc_aug_from_id(id, a, err); }
EXPORT int trm_web_arc_aug_id(const trm_arc_aug *a) { return trm_arc_aug_id(a); }
/* buf [TRM_ARC_AUG_NAME]; returns the name's length. */
EXPORT int trm_web_arc_aug_name(const trm_arc_aug *a, char *buf) { return trm_arc_aug_name(a, buf, TRM_ARC_AUG_NAME); }
/* out [n]: the identity, then n - 1 distinct random augmentations, neither the identity nor each
 * other, drawn by trm_arc_aug_random from a generator seeded with seed (64-bit, in 32-bit halves):
 * the views trm-eval --arc --augmentations N --seed S gives every test input. */
EXPORT int trm_web_arc_random_augs(int n, uint32_t seed_lo, uint32_t seed_hi, trm_arc_aug *out, trm_error *err) {
    if (n < 1 || n > 4096) return (int)fail(err, TRM_E_INVALID, "random views: expected 1 to 4096 of them");
    uint8_t *seen = malloc(TRM_ARC_AUG_SEEN_BYTES);
    if (!seen) return (int)fail(err, TRM_E_NOMEM, "out of memory for random views");
    trm_rng rng;
    trm_rng_seed(&rng, (uint64_t)seed_hi << 32 | seed_lo);
    const trm_status st = trm_arc_aug_distinct(&rng, n, out, seen, err);
    free(seen);
    return (int)st;
}

EXPORT int trm_web_arc_augment(const trm_arc_grid *src, const trm_arc_aug *a, int inverse, trm_arc_grid *dst,
                               trm_error *err) {
    return (int)trm_arc_augment(src, a, inverse, dst, err);
}

/* ------------------------------------------------------------------------------------------ */
/* The official vote                                                                           */

/* answers [n] (trm_arc_grid), q [n]: as trm_arc_vote; ranked, counts, mean_q [n]. Returns the
 * number of distinct answers. */
EXPORT int trm_web_arc_vote(const trm_arc_grid *answers, const double *q, int n, int *ranked, int *counts,
                            double *mean_q) {
    return n < 1 ? 0 : trm_arc_vote(answers, q, n, ranked, counts, mean_q);
}

/* ------------------------------------------------------------------------------------------ */
/* Solver: one ARC question in `views` slots                                                   */
/*                                                                                             */
/* View v is the question seen through augmentation augs[v] (encoded at the canvas's corner) on */
/* puzzle-embedding row ids[v], as trm-eval --arc runs the views of a test input. After every   */
/* pass each view's canvas is cropped (the official crop) and un-augmented into the question's  */
/* frame, and the views vote (trm_arc_vote, q = sigmoid of each view's q_halt logit at the last */
/* completed supervision step; 0.5 before the first, which leaves the count and then the first  */
/* appearance to decide). With early halting a view that has halted keeps its answer and q as   */
/* of its halting step (trm_solver_answer), as trm-eval --arc --early-halt.                     */

typedef struct trm_web_arc_solver {
    trm_solver *s;
    const trm_model *m;
    int T;              /* passes per supervision step (H_cycles) */
    int capacity;       /* slots of s */
    int views;          /* slots in use since the last reset */
    int early_halt, ready;
    /* [capacity] each */
    int32_t *ids;
    trm_arc_aug *augs;
    trm_arc_grid *answers; /* each view's crop, un-augmented */
    double *q;             /* each view's sigmoid(q_halt) (NaN before the first step ends) */
    double *vq;            /* the q each view votes with: q, or 0.5 while it is NaN */
    int *halted_at;        /* the step a view halted at (early halting), 0 while running */
    int *ranked, *counts;  /* the last vote */
    double *mean_q;
    int distinct;
    uint8_t *canvases;  /* [capacity * 900]: the views' questions, then each pass's predictions */
    float *confidence;  /* [capacity * 900] */
} trm_web_arc_solver;

static void free_buffers(trm_web_arc_solver *as) {
    free(as->ids);
    free(as->augs);
    free(as->answers);
    free(as->q);
    free(as->vq);
    free(as->halted_at);
    free(as->ranked);
    free(as->counts);
    free(as->mean_q);
    free(as->canvases);
    free(as->confidence);
}

EXPORT void trm_web_arc_solver_free(trm_web_arc_solver *as) {
    if (!as) return;
    trm_solver_free(as->s);
    free_buffers(as);
    free(as);
}

/* The module addresses 2 GB (trm_web.c refuses models and solvers beyond it the same way). */
static int too_big(const trm_model *m, int views, trm_error *err) {
    const double bytes = (double)trm_solver_bytes(m, views);
    if (bytes < 2147483648.0) return 0;
    char msg[200];
    snprintf(msg, sizeof msg, "a solver of %d views for this model needs about %.0f MB, more than the 2048 MB a "
             "WebAssembly module can address: use fewer views", views, bytes / 1048576.0);
    fail(err, TRM_E_NOMEM, msg);
    return 1;
}

/* Room for `views` slots (a core solver of that batch and the per-view buffers); on failure the
 * solver keeps what it had. */
static trm_status grow(trm_web_arc_solver *as, int views, trm_error *err) {
    if (as->capacity >= views) return TRM_OK;
    if (too_big(as->m, views, err)) return TRM_E_NOMEM;
    trm_web_arc_solver n = *as;
    const size_t v = (size_t)views;
    n.ids = malloc(v * sizeof *n.ids);
    n.augs = malloc(v * sizeof *n.augs);
    n.answers = malloc(v * sizeof *n.answers);
    n.q = malloc(v * sizeof *n.q);
    n.vq = malloc(v * sizeof *n.vq);
    n.halted_at = malloc(v * sizeof *n.halted_at);
    n.ranked = malloc(v * sizeof *n.ranked);
    n.counts = malloc(v * sizeof *n.counts);
    n.mean_q = malloc(v * sizeof *n.mean_q);
    n.canvases = malloc(v * TRM_ARC_CELLS);
    n.confidence = malloc(v * TRM_ARC_CELLS * sizeof *n.confidence);
    n.s = NULL;
    if (!n.ids || !n.augs || !n.answers || !n.q || !n.vq || !n.halted_at || !n.ranked || !n.counts || !n.mean_q || !n.canvases ||
        !n.confidence) {
        free_buffers(&n);
        return fail(err, TRM_E_NOMEM, "out of memory for an ARC solver");
    }
    n.s = trm_solver_create(as->m, views, err);
    if (!n.s) {
        free_buffers(&n);
        return err->code;
    }
    trm_solver_free(as->s);
    free_buffers(as);
    n.capacity = views;
    *as = n;
    return TRM_OK;
}

EXPORT trm_web_arc_solver *trm_web_arc_solver_create(const trm_model *m, trm_error *err) {
    const trm_config *c = trm_model_config(m);
    if (c->grid_height != TRM_ARC_SIDE || c->grid_width != TRM_ARC_SIDE || c->vocab_size < TRM_ARC_VOCAB) {
        char msg[160];
        snprintf(msg, sizeof msg, "this model's grid is %dx%d with vocabulary %d; an ARC model sees the 30x30 canvas "
                 "with vocabulary 12", c->grid_height, c->grid_width, c->vocab_size);
        fail(err, TRM_E_SHAPE, msg);
        return NULL;
    }
    trm_web_arc_solver *as = calloc(1, sizeof *as);
    if (!as) {
        fail(err, TRM_E_NOMEM, "out of memory for an ARC solver");
        return NULL;
    }
    as->m = m;
    as->T = c->H_cycles;
    if (grow(as, 1, err) != TRM_OK) {
        trm_web_arc_solver_free(as);
        return NULL;
    }
    return as;
}

/* Start a solve of question (a checked grid) in `views` views: ids [views] (puzzle-embedding
 * rows), augs [views]. early_halt != 0: a view that has halted keeps its answer. */
EXPORT int trm_web_arc_solver_reset(trm_web_arc_solver *as, const trm_arc_grid *question, const int32_t *ids,
                                    const trm_arc_aug *augs, int views, int early_halt, trm_error *err) {
    as->ready = 0;
    if (views < 1) return (int)fail(err, TRM_E_INVALID, "an ARC solve needs at least one view");
    trm_status st = trm_arc_grid_check(question, err);
    for (int v = 0; v < views && st == TRM_OK; v++) st = trm_arc_aug_check(&augs[v], err);
    if (st == TRM_OK) st = grow(as, views, err);
    if (st != TRM_OK) return (int)st;
    for (int v = 0; v < views; v++) {
        trm_arc_grid g;
        st = trm_arc_augment(question, &augs[v], 0, &g, err);
        if (st == TRM_OK) st = trm_arc_encode(&g, 0, 0, as->canvases + (size_t)v * TRM_ARC_CELLS, err);
        if (st != TRM_OK) return (int)st;
        as->ids[v] = ids[v];
        as->augs[v] = augs[v];
        as->halted_at[v] = 0;
        as->q[v] = NAN;
        as->answers[v].h = as->answers[v].w = 0;
    }
    st = trm_solver_reset(as->s, as->canvases, as->ids, views, err);
    if (st != TRM_OK) return (int)st;
    as->views = views;
    as->early_halt = early_halt != 0;
    as->distinct = 0;
    as->ready = 1;
    return TRM_OK;
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Each view's answer in the question's frame and its q, then the vote (see above). */
static void vote_pass(trm_web_arc_solver *as) {
    const int step_end = trm_solver_passes(as->s) % as->T == 0, step = trm_solver_steps(as->s);
    for (int v = 0; v < as->views; v++) {
        if (as->halted_at[v]) continue; /* its answer and q stay as of its halting step */
        const uint8_t *canvas = as->canvases + (size_t)v * TRM_ARC_CELLS;
        if (step_end) as->q[v] = sigmoid((double)trm_solver_halt_logit(as->s, v));
        if (step_end && as->early_halt && trm_solver_halt_step(as->s, v) == step) {
            as->halted_at[v] = step;
            canvas = trm_solver_answer(as->s, v); /* the answer at this step: the current one */
        }
        trm_arc_grid crop;
        trm_error e;
        trm_arc_crop(canvas, &crop);
        if (trm_arc_augment(&crop, &as->augs[v], 1, &as->answers[v], &e) != TRM_OK) as->answers[v].h = as->answers[v].w = 0;
        as->vq[v] = isnan(as->q[v]) ? 0.5 : as->q[v];
    }
    as->distinct = trm_arc_vote(as->answers, as->vq, as->views, as->ranked, as->counts, as->mean_q);
}

/* One refinement pass of every view; returns the passes done since reset (-1 before a reset). */
EXPORT int trm_web_arc_solver_pass(trm_web_arc_solver *as) {
    if (!as->ready) return -1;
    trm_solver_pass(as->s);
    trm_solver_read(as->s, as->canvases, as->confidence);
    vote_pass(as);
    return trm_solver_passes(as->s);
}

EXPORT int trm_web_arc_solver_passes(const trm_web_arc_solver *as) { return as->ready ? trm_solver_passes(as->s) : 0; }
EXPORT int trm_web_arc_solver_views(const trm_web_arc_solver *as) { return as->views; }
/* The views' current canvases [views * 900] (their own frames) and confidences [views * 900]. */
EXPORT const uint8_t *trm_web_arc_solver_canvases(const trm_web_arc_solver *as) { return as->canvases; }
EXPORT const float *trm_web_arc_solver_confidence(const trm_web_arc_solver *as) { return as->confidence; }
/* The views' answers [views] (trm_arc_grid, un-augmented) and their q [views] (NaN before the
 * first supervision step ends). */
EXPORT const trm_arc_grid *trm_web_arc_solver_answers(const trm_web_arc_solver *as) { return as->answers; }
EXPORT const double *trm_web_arc_solver_q(const trm_web_arc_solver *as) { return as->q; }
/* q_halt logit of view v at the last completed supervision step (NaN before the first). */
EXPORT float trm_web_arc_solver_halt_logit(const trm_web_arc_solver *as, int v) {
    return trm_solver_halt_logit(as->s, v);
}
/* The step view v halted at (early halting; 0 while it runs); *all* views halted: 1. */
EXPORT int trm_web_arc_solver_halted_at(const trm_web_arc_solver *as, int v) { return as->halted_at[v]; }
EXPORT int trm_web_arc_solver_all_halted(const trm_web_arc_solver *as) {
    for (int v = 0; v < as->views; v++)
        if (!as->halted_at[v]) return 0;
    return as->ready && as->views > 0;
}
/* The last vote: distinct answers, and ranked / counts / mean_q [distinct]. */
EXPORT int trm_web_arc_solver_distinct(const trm_web_arc_solver *as) { return as->distinct; }
EXPORT const int *trm_web_arc_solver_ranked(const trm_web_arc_solver *as) { return as->ranked; }
EXPORT const int *trm_web_arc_solver_counts(const trm_web_arc_solver *as) { return as->counts; }
EXPORT const double *trm_web_arc_solver_mean_q(const trm_web_arc_solver *as) { return as->mean_q; }
