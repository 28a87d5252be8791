/* task_arc.c: ARC-AGI as a task (task.h), over arc.c: a question and its label are each one
 * grid on the official 30x30 canvas (arc.h), and an answer is read back with the official crop.
 *
 * Transforms are the official augmentations: tid = dihedral + 8 * colour-map number
 * (trm_arc_aug_from_id), 0 the identity; the 8 used for voting (tids 0..7) keep the colours, as
 * a vote over colour maps would need the model to have seen each map's puzzle name. Every
 * transform keeps the canvas 30x30: a grid's sides may swap, the canvas's never do. */
#include "arc.h"
#include "task.h"

#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *const GENERATORS[] = {NULL}; /* ARC puzzles are read, never generated */

static int is_canvas(int h, int w) { return h == TRM_ARC_SIDE && w == TRM_ARC_SIDE; }

static trm_status size_error(int h, int w, trm_error *err) {
    return trm__fail(err, TRM_E_SHAPE, "arc size %d x %d: the ARC canvas is 30 x 30", h, w);
}

/* Two grids: verify()'s answer crop and label, augment()'s question and label. */
static size_t workspace_bytes(int h, int w) { return is_canvas(h, w) ? 2 * sizeof(trm_arc_grid) : 0; }

/* A well-formed canvas anywhere on the 30x30 (the training split's translations move grids off
 * the corner). */
static trm_status check_question(const uint8_t *question, int h, int w, trm_error *err) {
    if (!is_canvas(h, w)) return size_error(h, w, err);
    trm_arc_grid g;
    return trm_arc_decode(question, &g, NULL, NULL, err);
}

/* An ARC output is a grid of its own: its size may differ from the input's (and its colours are
 * any), so a label only has to be a well-formed canvas. (The official data put a pair's input
 * and output at the same offset; that is not required here.) */
static trm_status check_label(const uint8_t *question, const uint8_t *label, int h, int w, trm_error *err) {
    (void)question;
    return check_question(label, h, w, err);
}

/* Decode a canvas whose role (what: "question", "label") the error then names. */
static trm_status decode_named(const uint8_t *canvas, trm_arc_grid *g, const char *what, trm_error *err) {
    trm_error e;
    if (trm_arc_decode(canvas, g, NULL, NULL, &e) == TRM_OK) return TRM_OK;
    return trm__fail(err, e.code, "%s: %s", what, e.msg);
}

/* The answer is read as the official evaluator reads it: cropped from the canvas's top-left
 * corner (trm_arc_crop), and exact when that equals the label's grid. Any non-empty crop is
 * valid and optimal: no rule says what an ARC output must be. A label that is not a well-formed
 * canvas is an error, as a malformed question is. The official evaluator only sees the test
 * split, whose canvases sit at (0, 0); a translated training pair's answer crops to nothing and
 * never counts as exact here. */
static trm_status verify(const uint8_t *question, const uint8_t *answer, const uint8_t *label, int h, int w,
                         void *workspace, trm_verdict *v, trm_error *err) {
    trm_arc_grid *g = workspace, *want = g + 1; /* the answer's crop, the label's grid */
    memset(v, 0, sizeof *v);
    v->length = v->best_length = -1;
    trm_status st = check_question(question, h, w, err);
    if (st != TRM_OK) {
        strcpy(v->reason, "malformed question");
        return st;
    }
    if (label && (st = decode_named(label, want, "label", err)) != TRM_OK) {
        strcpy(v->reason, "malformed label");
        return st;
    }
    trm_arc_crop(answer, g);
    v->valid = v->optimal = g->h > 0;
    v->exact = label && trm_arc_grid_equal(g, want);
    if (v->valid) v->length = g->h * g->w;
    else /* a colour at (0, 0) would give at least a 1 x 1 crop */
        snprintf(v->reason, sizeof v->reason, "the crop is empty: row 0, column 0 holds token %d, not a colour (2..11)",
                 answer[0]);
    if (label) v->best_length = want->h * want->w;
    return TRM_OK;
}

static trm_status solve(const uint8_t *question, int h, int w, uint8_t *label, int *length, void *workspace,
                        trm_error *err) {
    (void)question, (void)h, (void)w, (void)label, (void)length, (void)workspace;
    return trm__fail(err, TRM_E_INVALID, "ARC puzzles have no rule-based solver");
}

static trm_status gen_check(const trm_task_gen *g, trm_error *err) {
    (void)g;
    return trm__fail(err, TRM_E_INVALID, "ARC puzzles are not generated: read ARC-AGI JSON tasks");
}

static trm_status generate(const trm_task_gen *g, uint64_t seed, uint64_t index, uint8_t *question, uint8_t *label,
                           int *rating, void *workspace, trm_error *err) {
    (void)seed, (void)index, (void)question, (void)label, (void)rating, (void)workspace;
    return gen_check(g, err);
}

static trm_status check_tid(int tid, trm_error *err) {
    if (tid < 0 || tid >= TRM_ARC_AUGMENTATIONS)
        return trm__fail(err, TRM_E_INVALID, "arc transform %d is not in 0..%d (8 dihedral transforms x 9! colour maps)",
                         tid, TRM_ARC_AUGMENTATIONS - 1);
    return TRM_OK;
}

/* grid -> augmented (or un-augmented) grid -> canvas at (0, 0); an empty grid gives all PAD. */
static trm_status augment_encode(const trm_arc_grid *g, int tid, int inverse, uint8_t *canvas, trm_error *err) {
    trm_arc_aug a;
    trm_arc_grid out;
    trm_status st = trm_arc_aug_from_id(tid, &a, err);
    if (st == TRM_OK) st = trm_arc_augment(g, &a, inverse, &out, err);
    if (st != TRM_OK) return st;
    if (out.h == 0) {
        memset(canvas, TRM_ARC_PAD, TRM_ARC_CELLS);
        return TRM_OK;
    }
    return trm_arc_encode(&out, 0, 0, canvas, err);
}

/* Question and label get the same augmentation and land at (0, 0). The official pipeline
 * augments grids and translates canvases in separate steps (aug(), then
 * np_grid_to_seq_translational_augment); a translation is not one of these transforms, so a
 * translated pair comes back untranslated. */
static trm_status augment(uint8_t *question, uint8_t *label, int h, int w, int tid, void *workspace, trm_error *err) {
    if (!is_canvas(h, w)) return size_error(h, w, err);
    trm_status st = check_tid(tid, err);
    trm_arc_grid *q = workspace, *l = q + 1;
    if (st == TRM_OK) st = decode_named(question, q, "question", err);
    if (st == TRM_OK) st = decode_named(label, l, "label", err);
    if (st == TRM_OK) st = augment_encode(q, tid, 0, question, err);
    if (st == TRM_OK) st = augment_encode(l, tid, 0, label, err);
    return st;
}

/* Questions are decoded; answers (inverse, or any canvas that does not decode) are read with
 * the official crop, since a model's answer need not be a well-formed canvas. */
static trm_status transform(const uint8_t *src, int h, int w, int tid, int inverse, uint8_t *dst, trm_error *err) {
    if (!is_canvas(h, w)) return size_error(h, w, err);
    trm_status st = check_tid(tid, err);
    if (st != TRM_OK) return st;
    trm_arc_grid g;
    if (inverse || trm_arc_decode(src, &g, NULL, NULL, NULL) != TRM_OK) trm_arc_crop(src, &g);
    return augment_encode(&g, tid, inverse, dst, err);
}

const trm_task trm__task_arc = {
    .name = "arc",
    .title = "ARC-AGI: the output grid of a puzzle's rule, on the 30x30 canvas",
    .item = "puzzle",
    .items = "puzzles",
    .charset = TRM_ARC_CHARSET,
    .vocab_size = TRM_ARC_VOCAB,
    .max_side = TRM_ARC_SIDE,
    .valid_means = "the official crop of the answer is not empty: a colour at the canvas's top-left corner (any "
                   "grid counts; only the label can say it is right)",
    .exact_means = "the official crop of the answer (the largest rectangle of colours at the top-left corner) equals "
                   "the label's grid, size and cells",
    .length_unit = "cells",
    .rating_means = "none: ARC puzzles are not rated",
    .aliases = NULL,
    .generators = GENERATORS,
    .augment_count = TRM_ARC_AUGMENTATIONS,
    .vote_tids = 8,
    .swap_sides = 0,
    .workspace_bytes = workspace_bytes,
    .check_question = check_question,
    .check_label = check_label,
    .verify = verify,
    .solve = solve,
    .generate = generate,
    .gen_check = gen_check,
    .gen_default = NULL,
    .augment = augment,
    .transform = transform,
};
