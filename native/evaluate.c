/* evaluate.c: batch evaluation with the solver and the model's task verifier; see evaluate.h. */
#include "fileio.h"
#include "evaluate.h"

#include "maze.h"
#include "task.h"

#include <stdlib.h>
#include <string.h>

double trmn_eval_exact(const trmn_eval_metrics *r) { return r->count ? (double)r->exact / r->count : 0; }
double trmn_eval_valid_optimal(const trmn_eval_metrics *r) { return r->count ? (double)r->optimal / r->count : 0; }
double trmn_eval_cell_accuracy(const trmn_eval_metrics *r) { return r->cells ? (double)r->cells_correct / r->cells : 0; }
double trmn_eval_path_accuracy(const trmn_eval_metrics *r) { return r->path_cells ? (double)r->path_correct / r->path_cells : 0; }
double trmn_eval_mean_steps(const trmn_eval_metrics *r) { return r->count ? r->steps_sum / r->count : 0; }

typedef struct batch_bufs {
    uint8_t *q, *tok, *halt_tok; /* [slots * grid]: a slot is one view of one maze */
    int *halt_step;              /* [slots]: the step whose answer halt_tok holds */
    float *q_halt;               /* [slots]: the last step's q_halt logits (vote tie-breaks) */
    uint8_t *vote_fixed, *vote_halt; /* [B * grid]: the voted answers, with views > 1 */
    void *ws;
} batch_bufs;

/* Score one answer of one question into r (and its verdict into *out, when given) with the
 * task's verifier. question is already cleaned (mazes: 'o' -> open). */
static trm_status score(const trm_task *task, const uint8_t *question, const uint8_t *answer, const uint8_t *label,
                        int h, int w, double steps, void *ws, trmn_eval_metrics *r, trm_verdict *out, trm_error *err) {
    trm_verdict v;
    const trm_status st = task->verify(question, answer, label, h, w, ws, &v, err);
    if (st != TRM_OK) return st;
    const size_t grid = (size_t)h * w;
    if (out) *out = v;
    r->count++;
    r->exact += v.exact;
    r->valid += v.valid;
    r->optimal += v.optimal;
    r->steps_sum += steps;
    if (label) {
        for (size_t p = 0; p < grid; p++) {
            const int ok = answer[p] == label[p];
            r->cells++;
            r->cells_correct += ok;
            if (label[p] != question[p]) {
                r->path_cells++;
                r->path_correct += ok;
            }
        }
    }
    return TRM_OK;
}

/* Run one batch of nb mazes (already in bufs->q) for up to steps supervision steps. A maze's
 * early-halt answer is its prediction at the step the solver records it halting (core's rule,
 * trm_solver_halt_step), else its last one. */
/* Returns 0 if o->cancel cut the batch short (nothing to score), else 1. */
static int run_batch(trm_solver *s, const trm_model *m, int nb, const trmn_eval_options *o, batch_bufs *bb) {
    const size_t grid = (size_t)trm_model_dims(m)->grid;
    const int T = trm_model_config(m)->H_cycles;
    int step;
    for (step = 1; step <= o->steps; step++) {
        if (o->cancel && *o->cancel) return 0;
        for (int t = 0; t < T; t++) trm_solver_pass(s);
        if (o->mode == TRMN_EVAL_FIXED) continue;
        int read = 0;
        for (int b = 0; b < nb; b++) {
            if (trm_solver_halt_step(s, b) != step) continue;
            if (!read) trm_solver_read(s, bb->tok, NULL);
            read = 1;
            memcpy(bb->halt_tok + (size_t)b * grid, bb->tok + (size_t)b * grid, grid);
        }
        if (o->mode == TRMN_EVAL_HALT && trm_solver_all_halted(s)) break;
    }
    const int last = step > o->steps ? o->steps : step;
    trm_solver_read(s, bb->tok, NULL);
    for (int b = 0; b < nb; b++) {
        const int halted = o->mode == TRMN_EVAL_FIXED ? 0 : trm_solver_halt_step(s, b);
        bb->halt_step[b] = halted ? halted : last;
        if (!halted) memcpy(bb->halt_tok + (size_t)b * grid, bb->tok + (size_t)b * grid, grid);
        bb->q_halt[b] = trm_solver_halt_logit(s, b);
    }
    return 1;
}

/* Symmetry voting: maze b's views are slots b*views..b*views+views-1; its voted answers go to
 * vote_fixed/vote_halt, and its steps to *steps (the mean over its views). */
static trm_status vote(const trm_task *task, int h, int w, int views, int b, const trmn_eval_options *o,
                       batch_bufs *bb, double *steps, trm_error *err) {
    const size_t grid = (size_t)h * w, first = (size_t)b * views;
    trm_status st = TRM_OK;
    if (o->mode != TRMN_EVAL_HALT)
        st = trm_task_views_vote(task, bb->tok + first * grid, bb->q_halt + first, h, w, views,
                                 bb->vote_fixed + (size_t)b * grid, NULL, err);
    if (!st && o->mode != TRMN_EVAL_FIXED)
        st = trm_task_views_vote(task, bb->halt_tok + first * grid, bb->q_halt + first, h, w, views,
                                 bb->vote_halt + (size_t)b * grid, NULL, err);
    double sum = 0;
    for (int v = 0; v < views; v++) sum += bb->halt_step[first + v];
    *steps = sum / views;
    return st;
}

/* bb->q: every question's views (view 0 is the question itself, 'o' cells cleared for mazes). */
static trm_status fill_batch(const trm_task *task, const uint8_t *questions, int nb, int h, int w, int views,
                             batch_bufs *bb, long index, trm_error *err) {
    const size_t grid = (size_t)h * w;
    const int maze = !strcmp(task->name, "maze"); /* questions given as answers: 'o' cells cleared */
    trm_error e;
    for (int b = 0; b < nb; b++) {
        uint8_t *q = bb->q + (size_t)b * views * grid;
        memcpy(q, questions + (size_t)b * grid, grid);
        for (size_t i = 0; maze && i < grid; i++)
            if (q[i] == TRM_MAZE_PATH) q[i] = TRM_MAZE_OPEN;
        if (views > 1 && trm_task_views_expand(task, q, h, w, views, q, &e) != TRM_OK)
            return trmn_error_set(err, e.code, "%s %ld: %s", task->item, index + b, e.msg);
    }
    return TRM_OK;
}

/* Maze b of the batch (number i of the whole run): its answers (voted over its views when
 * there are several), kept where o asks, and scored. An error's message is the task's alone. */
static trm_status score_maze(const trm_task *task, int h, int w, int views, int b, const uint8_t *label,
                             const trmn_eval_options *o, batch_bufs *bb, trmn_eval_metrics *fixed,
                             trmn_eval_metrics *halt, long i, trm_error *err) {
    const size_t grid = (size_t)h * w;
    const uint8_t *q = bb->q + (size_t)b * views * grid;
    const uint8_t *ans_fixed = bb->tok + (size_t)b * grid, *ans_halt = bb->halt_tok + (size_t)b * grid;
    double steps_halt = bb->halt_step[b];
    trm_status st = TRM_OK;
    if (views > 1) {
        st = vote(task, h, w, views, b, o, bb, &steps_halt, err);
        ans_fixed = bb->vote_fixed + (size_t)b * grid;
        ans_halt = bb->vote_halt + (size_t)b * grid;
    }
    if (o->pred_fixed) memcpy(o->pred_fixed + (size_t)i * grid, ans_fixed, grid);
    if (o->pred_halt) memcpy(o->pred_halt + (size_t)i * grid, ans_halt, grid);
    if (!st && o->mode != TRMN_EVAL_HALT)
        st = score(task, q, ans_fixed, label, h, w, o->steps, bb->ws, fixed, o->verdict_fixed ? o->verdict_fixed + i : NULL,
                   err);
    if (!st && o->mode != TRMN_EVAL_FIXED)
        st = score(task, q, ans_halt, label, h, w, steps_halt, bb->ws, halt, o->verdict_halt ? o->verdict_halt + i : NULL,
                   err);
    return st;
}

trm_status trmn_evaluate(const trm_model *m, const uint8_t *questions, const uint8_t *labels, long count, long base,
                         const trmn_eval_options *o, trmn_eval_metrics *fixed, trmn_eval_metrics *halt, trm_error *err) {
    const trm_config *cfg = trm_model_config(m);
    const trm_task *task = cfg->task ? cfg->task : trm_task_default();
    const int h = cfg->grid_height, w = cfg->grid_width;
    const size_t grid = (size_t)h * w;
    trmn_eval_metrics dummy_f, dummy_h;
    if (!fixed) fixed = &dummy_f;
    if (!halt) halt = &dummy_h;
    memset(fixed, 0, sizeof *fixed);
    memset(halt, 0, sizeof *halt);
    if (count <= 0) return TRM_OK;
    if (o->steps < 1 || o->batch < 1)
        return trmn_error_set(err, TRM_E_INVALID, "evaluation needs steps >= 1 and batch >= 1");
    const int views = o->views > 1 ? o->views : 1;
    trm_error e;
    if (views > trm_task_views(task, h, w))
        return trmn_error_set(err, TRM_E_INVALID, "%d views asked for: a %d x %d %s grid has at most %d", views, h, w,
                              task->name, trm_task_views(task, h, w));
    const int B = o->batch < count ? o->batch : (int)count;
    const size_t slots = (size_t)B * views;
    trm_solver *s = trm_solver_create(m, (int)slots, &e);
    if (!s) return trmn_error_set(err, e.code, "%s", e.msg);
    batch_bufs bb;
    bb.q = malloc(slots * grid);
    bb.tok = malloc(slots * grid);
    bb.halt_tok = malloc(slots * grid);
    bb.halt_step = malloc(slots * sizeof(int));
    bb.q_halt = malloc(slots * sizeof(float));
    bb.vote_fixed = malloc((size_t)B * grid);
    bb.vote_halt = malloc((size_t)B * grid);
    bb.ws = malloc(task->workspace_bytes(h, w));
    trm_status rc = TRM_OK;
    if (!bb.q || !bb.tok || !bb.halt_tok || !bb.halt_step || !bb.q_halt || !bb.vote_fixed || !bb.vote_halt || !bb.ws)
        rc = trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    for (long start = 0; start < count && !rc && !(o->cancel && *o->cancel); start += B) {
        const int nb = count - start < B ? (int)(count - start) : B;
        rc = fill_batch(task, questions + (size_t)start * grid, nb, h, w, views, &bb, base + start, err);
        if (!rc && trm_solver_reset(s, bb.q, NULL, nb * views, &e) != TRM_OK)
            rc = trmn_error_set(err, e.code, "%s %ld: %s", task->item, base + start, e.msg);
        if (rc) break;
        if (!run_batch(s, m, nb * views, o, &bb)) break;
        for (int b = 0; b < nb && !rc; b++) {
            const long i = start + b;
            rc = score_maze(task, h, w, views, b, labels ? labels + (size_t)i * grid : NULL, o, &bb, fixed, halt, i, &e);
            if (rc) trmn_error_set(err, rc, "%s %ld: %s", task->item, base + i, e.msg);
        }
        if (!rc && o->progress) o->progress(o->user, start + nb, count);
    }
    trm_solver_free(s);
    free(bb.q);
    free(bb.tok);
    free(bb.halt_tok);
    free(bb.halt_step);
    free(bb.q_halt);
    free(bb.vote_fixed);
    free(bb.vote_halt);
    free(bb.ws);
    return rc;
}
