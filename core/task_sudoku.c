/* task_sudoku.c: 9x9 Sudoku as a task (task.h), over sudoku.c. */
#include "sudoku.h"
#include "task.h"

#include "internal.h"

#include <string.h>

#define CELLS TRM_SUDOKU_CELLS

static const char *const GENERATORS[] = {"minimal", "symmetric", NULL};

/* The search stack, then two grids for augment(). */
static size_t workspace_bytes(int h, int w) {
    return h == TRM_SUDOKU_SIDE && w == TRM_SUDOKU_SIDE ? TRM_SUDOKU_WORKSPACE + 2 * CELLS : 0;
}

static trm_status size_error(int h, int w, trm_error *err) {
    return trm__fail(err, TRM_E_SHAPE, "sudoku size %d x %d: a sudoku is 9 x 9", h, w);
}

static int blanks(const uint8_t *q) {
    int n = 0;
    for (int i = 0; i < CELLS; i++) n += q[i] == TRM_SUDOKU_BLANK;
    return n;
}

static trm_status check_label(const uint8_t *q, const uint8_t *a, int h, int w, trm_error *err) {
    trm_status st = trm_sudoku_check_question(q, h, w, err);
    for (int i = 0; i < CELLS && st == TRM_OK; i++) {
        const int r = i / TRM_SUDOKU_SIDE, c = i % TRM_SUDOKU_SIDE;
        if (!trm_sudoku_digit(a[i]))
            return trm__fail(err, TRM_E_FORMAT, "row %d, column %d holds no digit (a label fills every blank)", r, c);
        if (trm_sudoku_digit(q[i]) && a[i] != q[i])
            return trm__fail(err, TRM_E_FORMAT, "row %d, column %d is %d where the question gives %d", r, c,
                             trm_sudoku_digit(a[i]), trm_sudoku_digit(q[i]));
    }
    return st;
}

static trm_status verify(const uint8_t *q, const uint8_t *answer, const uint8_t *label, int h, int w, void *workspace,
                         trm_verdict *v, trm_error *err) {
    memset(v, 0, sizeof *v);
    v->length = v->best_length = -1;
    trm_status st = trm_sudoku_check_question(q, h, w, err);
    if (st != TRM_OK) {
        strcpy(v->reason, "malformed question");
        return st;
    }
    v->valid = v->optimal = trm_sudoku_valid(q, answer, v->reason, sizeof v->reason);
    v->exact = label && !memcmp(answer, label, CELLS);
    if (v->valid) v->length = blanks(q);
    if (v->valid || label) v->best_length = blanks(q); /* a solution exists: the answer or the label */
    else {
        trm_sudoku_search s;
        st = trm_sudoku_solve(q, NULL, 1, &s, workspace, err);
        if (st == TRM_OK && s.solutions) v->best_length = blanks(q);
    }
    return st;
}

static trm_status solve(const uint8_t *q, int h, int w, uint8_t *label, int *length, void *workspace, trm_error *err) {
    trm_status st = trm_sudoku_check_question(q, h, w, err);
    if (st != TRM_OK) return st;
    trm_sudoku_search s;
    st = trm_sudoku_solve(q, label, 1, &s, workspace, err);
    if (st == TRM_OK && !s.solutions) return trm__fail(err, TRM_E_INVALID, "this sudoku has no solution");
    if (length) *length = blanks(q);
    return st;
}

static trm_status gen_check(const trm_task_gen *g, trm_error *err) {
    if (!workspace_bytes(g->height, g->width)) return size_error(g->height, g->width, err);
    if (g->kind != TRM_SUDOKU_MINIMAL && g->kind != TRM_SUDOKU_SYMMETRIC)
        return trm__fail(err, TRM_E_INVALID, "sudoku generator %d: not one of minimal (0), symmetric (1)", g->kind);
    if (g->min_rating < 0) return trm__fail(err, TRM_E_INVALID, "minimum rating %d: must be >= 0", g->min_rating);
    if (g->max_layouts < 1) return trm__fail(err, TRM_E_INVALID, "max solved grids %d: must be >= 1", g->max_layouts);
    return TRM_OK;
}

static trm_status generate(const trm_task_gen *g, uint64_t seed, uint64_t index, uint8_t *question, uint8_t *label,
                           int *rating, void *workspace, trm_error *err) {
    trm_status st = gen_check(g, err);
    if (st != TRM_OK) return st;
    return trm_sudoku_generate((trm_sudoku_generator)g->kind, g->min_rating, seed, index, question, label, rating,
                               g->max_layouts, workspace, err);
}

static void gen_default(trm_task_gen *g) {
    g->min_rating = 0;
    g->unique = 1;
    g->max_layouts = 1000;
}

static trm_status transform(const uint8_t *src, int h, int w, int tid, int inverse, uint8_t *dst, trm_error *err) {
    if (!workspace_bytes(h, w)) return size_error(h, w, err);
    return trm_sudoku_shuffle(src, tid, inverse, dst, err);
}

/* A shuffle moves the solution with the puzzle, so the label stays the puzzle's one solution. */
static trm_status augment(uint8_t *question, uint8_t *label, int h, int w, int tid, void *workspace, trm_error *err) {
    uint8_t *tmp = (uint8_t *)workspace + TRM_SUDOKU_WORKSPACE;
    trm_status st = transform(question, h, w, tid, 0, tmp, err);
    if (st == TRM_OK) st = transform(label, h, w, tid, 0, tmp + CELLS, err);
    if (st != TRM_OK) return st;
    memcpy(question, tmp, CELLS);
    memcpy(label, tmp + CELLS, CELLS);
    return TRM_OK;
}

const trm_task trm__task_sudoku = {
    .name = "sudoku",
    .title = "sudoku: fill the 9x9 grid so that every row, column and box holds 1-9",
    .item = "puzzle",
    .items = "puzzles",
    .charset = TRM_SUDOKU_CHARSET,
    .vocab_size = TRM_SUDOKU_VOCAB,
    .max_side = TRM_SUDOKU_SIDE,
    .valid_means = "every cell holds a digit, every row, column and 3x3 box holds each of 1-9 once, and every given "
                   "digit is kept",
    .exact_means = "the answer equals the label (the solution; a puzzle with one solution has no other valid answer)",
    .length_unit = "blanks",
    .rating_means = "backtracks of the C solver's search that proves the solution unique (0: singles solve it)",
    .aliases = "0.",
    .generators = GENERATORS,
    .augment_count = TRM_SUDOKU_SHUFFLES,
    .vote_tids = 8,
    .swap_sides = 0,
    .workspace_bytes = workspace_bytes,
    .check_question = trm_sudoku_check_question,
    .check_label = check_label,
    .verify = verify,
    .solve = solve,
    .generate = generate,
    .gen_check = gen_check,
    .gen_default = gen_default,
    .augment = augment,
    .transform = transform,
};
