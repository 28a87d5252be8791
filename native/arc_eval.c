/* arc_eval.c: the official ARC-AGI evaluation with the core's solver: views in batches, crop,
 * inverse augmentation, vote; see arc_eval.h. (The command line is arc_eval_cli.c.) */
#include "arc_eval.h"

#include "fileio.h"
#include "task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One view of one test input: a solver slot. */
typedef struct item {
    int task, pair, view;
} item;

/* A task whose views are being solved: every view's answer and q, pair by pair. */
typedef struct task_state {
    trm_arc_grid *answers; /* [n_test * n_views] */
    double *q;             /* [n_test * n_views] */
    long remaining;        /* views not solved yet */
} task_state;

typedef struct run {
    const trm_model *m;
    const trmn_arc_task *tasks;
    int count;
    const trmn_arc_eval_options *o;
    trmn_arc_answer *answers;
    long *first_answer;        /* [count]: index of each task's first test input in answers */
    task_state *ts;            /* [count] */
    int *ranked, *counts;      /* vote scratch [max views] */
    double *mean_q;
    trm_solver *s;
    int slots;                 /* the solver's batch */
    uint8_t *canvas, *tokens;  /* [slots * 900] */
    int32_t *ids;              /* [slots] */
    double *q;                 /* [slots] */
    item *items;               /* [slots] */
    item next;                 /* the next view to queue */
    int done;                  /* tasks finished, in order */
    long passes;
} run;

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static trm_status check_inputs(const trm_model *m, const trmn_arc_task *tasks, int count, const trmn_arc_eval_options *o,
                               int *max_views, long *n_items, trm_error *err) {
    const trm_config *c = trm_model_config(m);
    if (!c->task || strcmp(c->task->name, "arc"))
        return trmn_error_set(err, TRM_E_INVALID, "the model's task is '%s', not 'arc' (an ARC-AGI model)",
                              c->task ? c->task->name : "?");
    if (c->grid_height != TRM_ARC_SIDE || c->grid_width != TRM_ARC_SIDE)
        return trmn_error_set(err, TRM_E_INVALID, "the model's grid is %dx%d; ARC-AGI models see the 30x30 canvas", c->grid_height,
                              c->grid_width);
    if (o->steps < 1 || o->batch < 1 || !o->views || !o->n_views)
        return trmn_error_set(err, TRM_E_INVALID, "ARC evaluation: steps and batch must be >= 1 and views given");
    *max_views = 0;
    *n_items = 0;
    for (int t = 0; t < count; t++) {
        if (o->n_views[t] < 1 || !o->views[t])
            return trmn_error_set(err, TRM_E_INVALID, "task %s: no views", tasks[t].id);
        for (int v = 0; v < o->n_views[t]; v++)
            if (o->views[t][v].puzzle_id < 0 || o->views[t][v].puzzle_id >= c->num_puzzle_identifiers)
                return trmn_error_set(err, TRM_E_INVALID, "task %s: view %d: puzzle identifier %d is not below the model's %d",
                                      tasks[t].id, v, (int)o->views[t][v].puzzle_id, c->num_puzzle_identifiers);
        if (o->n_views[t] > *max_views) *max_views = o->n_views[t];
        *n_items += (long)tasks[t].n_test * o->n_views[t];
    }
    return TRM_OK;
}

/* Vote on every test input of task t, fill its answers and free its state. */
static void finish_task(run *r, int t) {
    const trmn_arc_task *task = &r->tasks[t];
    const int nv = r->o->n_views[t];
    task_state *ts = &r->ts[t];
    for (int p = 0; p < task->n_test; p++) {
        const trm_arc_grid *a = ts->answers + (size_t)p * nv;
        trmn_arc_answer *out = &r->answers[r->first_answer[t] + p];
        const int d = trm_arc_vote(a, ts->q + (size_t)p * nv, nv, r->ranked, r->counts, r->mean_q);
        memset(out, 0, sizeof *out);
        out->views = nv;
        out->distinct = d;
        for (int i = 0; i < d && task->test[p].has_output && !out->rank; i++)
            if (trm_arc_grid_equal(&a[r->ranked[i]], &task->test[p].output)) out->rank = i + 1;
        for (int k = 0; k < 2; k++) {
            const int i = k < d ? k : 0;
            out->attempt[k] = a[r->ranked[i]];
            out->votes[k] = r->counts[i];
            out->mean_q[k] = r->mean_q[i];
        }
    }
    free(ts->answers);
    free(ts->q);
    memset(ts, 0, sizeof *ts);
}

/* Queue views into the batch until it is full or none are left; returns the batch size. */
static int fill_batch(run *r, trm_error *err) {
    int nb = 0;
    trm_error e;
    while (nb < r->slots && r->next.task < r->count) {
        item *it = &r->next;
        const trmn_arc_task *task = &r->tasks[it->task];
        const int nv = r->o->n_views[it->task];
        task_state *ts = &r->ts[it->task];
        if (!ts->answers) {
            const size_t n = (size_t)task->n_test * nv;
            ts->answers = malloc(n * sizeof *ts->answers);
            ts->q = malloc(n * sizeof *ts->q);
            ts->remaining = (long)n;
            if (!ts->answers || !ts->q) return -trmn_error_set(err, TRM_E_NOMEM, "task %s: out of memory", task->id);
        }
        trm_arc_grid g;
        const trmn_arc_view *view = &r->o->views[it->task][it->view];
        if (trm_arc_augment(&task->test[it->pair].input, &view->aug, 0, &g, &e) != TRM_OK ||
            trm_arc_encode(&g, 0, 0, r->canvas + (size_t)nb * TRM_ARC_CELLS, &e) != TRM_OK)
            return -trmn_error_set(err, e.code, "task %s: test[%d].input, view %d: %s", task->id, it->pair, it->view, e.msg);
        r->ids[nb] = view->puzzle_id;
        r->items[nb++] = *it;
        if (++it->view == nv) {
            it->view = 0;
            if (++it->pair == task->n_test) it->pair = 0, it->task++;
        }
    }
    return nb;
}

/* Solve the nb queued views; 0 if cancelled (nothing kept), 1 when done, or -status. */
static int solve_batch(run *r, int nb, trm_error *err) {
    const trmn_arc_eval_options *o = r->o;
    const int T = trm_model_config(r->m)->H_cycles;
    trm_error e;
    if (trm_solver_reset(r->s, r->canvas, r->ids, nb, &e) != TRM_OK) return -trmn_error_set(err, e.code, "%s", e.msg);
    for (int step = 1; step <= o->steps; step++) {
        if (o->cancel && *o->cancel) return 0;
        for (int t = 0; t < T; t++) trm_solver_pass(r->s);
        r->passes += T;
        if (!o->early_halt) continue;
        for (int b = 0; b < nb; b++)
            if (trm_solver_halt_step(r->s, b) == step) r->q[b] = sigmoid((double)trm_solver_halt_logit(r->s, b));
        if (trm_solver_all_halted(r->s)) break;
    }
    trm_solver_read(r->s, r->tokens, NULL);
    for (int b = 0; b < nb; b++) {
        const item *it = &r->items[b];
        const int halted = o->early_halt && trm_solver_halt_step(r->s, b);
        const uint8_t *canvas = halted ? trm_solver_answer(r->s, b) : r->tokens + (size_t)b * TRM_ARC_CELLS;
        if (!halted) r->q[b] = sigmoid((double)trm_solver_halt_logit(r->s, b));
        task_state *ts = &r->ts[it->task];
        const size_t at = (size_t)it->pair * r->o->n_views[it->task] + it->view;
        trm_arc_grid crop;
        trm_arc_crop(canvas, &crop);
        if (trm_arc_augment(&crop, &o->views[it->task][it->view].aug, 1, &ts->answers[at], &e) != TRM_OK)
            return -trmn_error_set(err, e.code, "task %s: test[%d], view %d: %s", r->tasks[it->task].id, it->pair, it->view, e.msg);
        ts->q[at] = r->q[b];
        ts->remaining--;
    }
    /* Tasks finish in order: every view of an earlier task was queued before this batch's. */
    while (r->done < r->count && r->ts[r->done].answers && !r->ts[r->done].remaining) finish_task(r, r->done++);
    return 1;
}

static void free_run(run *r) {
    for (int t = 0; r->ts && t < r->count; t++) {
        free(r->ts[t].answers);
        free(r->ts[t].q);
    }
    free(r->ts);
    free(r->first_answer);
    free(r->ranked);
    free(r->counts);
    free(r->mean_q);
    free(r->canvas);
    free(r->tokens);
    free(r->ids);
    free(r->q);
    free(r->items);
    trm_solver_free(r->s);
}

trm_status trmn_arc_evaluate(const trm_model *m, const trmn_arc_task *tasks, int count, const trmn_arc_eval_options *o,
                             trmn_arc_answer *answers, int *done, long *passes, trm_error *err) {
    *done = 0;
    *passes = 0;
    int max_views = 0;
    long n_items = 0;
    trm_status st = check_inputs(m, tasks, count, o, &max_views, &n_items, err);
    if (st != TRM_OK || !count) return st;
    run r;
    memset(&r, 0, sizeof r);
    r.m = m, r.tasks = tasks, r.count = count, r.o = o, r.answers = answers;
    r.slots = n_items < o->batch ? (int)n_items : o->batch;
    r.first_answer = malloc((size_t)count * sizeof *r.first_answer);
    r.ts = calloc((size_t)count, sizeof *r.ts);
    r.ranked = malloc((size_t)max_views * sizeof *r.ranked);
    r.counts = malloc((size_t)max_views * sizeof *r.counts);
    r.mean_q = malloc((size_t)max_views * sizeof *r.mean_q);
    r.canvas = malloc((size_t)r.slots * TRM_ARC_CELLS);
    r.tokens = malloc((size_t)r.slots * TRM_ARC_CELLS);
    r.ids = malloc((size_t)r.slots * sizeof *r.ids);
    r.q = malloc((size_t)r.slots * sizeof *r.q);
    r.items = malloc((size_t)r.slots * sizeof *r.items);
    if (!r.first_answer || !r.ts || !r.ranked || !r.counts || !r.mean_q || !r.canvas || !r.tokens || !r.ids || !r.q || !r.items) {
        free_run(&r);
        return trmn_error_set(err, TRM_E_NOMEM, "ARC evaluation: out of memory");
    }
    for (long t = 0, at = 0; t < count; at += tasks[t++].n_test) r.first_answer[t] = at;
    trm_error e;
    if (!(r.s = trm_solver_create(m, r.slots, &e))) {
        free_run(&r);
        return trmn_error_set(err, e.code, "solver for a batch of %d: %s", r.slots, e.msg);
    }
    int nb = 0, rc = 1;
    while (rc == 1 && (nb = fill_batch(&r, err)) > 0) {
        rc = solve_batch(&r, nb, err);
        if (rc == 1 && o->progress) o->progress(o->user, r.done, count, r.passes);
    }
    if (nb < 0) rc = nb;
    *done = r.done;
    *passes = r.passes;
    free_run(&r);
    return rc < 0 ? (trm_status)-rc : TRM_OK;
}
