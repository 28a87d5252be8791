/* test_evaluate_vote.c: trmn_evaluate's symmetry voting (evaluate.h `views`) against the same
 * vote done by hand: every view of every question evaluated on its own (views = 1, the question
 * transformed beforehand), its answers transformed back, and trm_task_views_vote over them. The
 * page model and 16 hard 11x11 mazes: views disagree on some (checked), so the vote decides. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evaluate.h"
#include "maze.h"
#include "model_io.h"

enum { H = 11, W = 11, N = H * W, COUNT = 16, V = 8, STEPS = 2 };

/* The answer of every view of every question, in the question's frame: views[(q * V + v) * N]. */
static void per_view(const trm_model *m, const trm_task *t, const uint8_t *questions, trmn_eval_mode mode, uint8_t *views,
                     float *steps) {
    uint8_t *q = malloc((size_t)COUNT * N), *pred = malloc((size_t)COUNT * N);
    trm_error e;
    for (int v = 0; v < V; v++) {
        for (int i = 0; i < COUNT; i++) t->transform(questions + i * N, H, W, v, 0, q + i * N, &e);
        trmn_eval_options o = {.steps = STEPS, .batch = 7, .mode = mode};
        if (mode == TRMN_EVAL_FIXED) o.pred_fixed = pred;
        else o.pred_halt = pred;
        trmn_eval_metrics f, h;
        CHECK(trmn_evaluate(m, q, NULL, COUNT, 0, &o, &f, &h, &e) == TRM_OK, "view %d: %s", v, e.msg);
        steps[v] = (float)trmn_eval_mean_steps(mode == TRMN_EVAL_FIXED ? &f : &h);
        for (int i = 0; i < COUNT; i++) t->transform(pred + i * N, H, W, v, 1, views + ((size_t)i * V + v) * N, &e);
    }
    free(q);
    free(pred);
}

static void check_mode(const trm_model *m, const trm_task *t, const uint8_t *questions, const uint8_t *labels,
                       trmn_eval_mode mode) {
    uint8_t *views = malloc((size_t)COUNT * V * N), *voted = malloc((size_t)COUNT * N), winner[N];
    float steps[V];
    per_view(m, t, questions, mode, views, steps);
    trm_error e;
    trmn_eval_options o = {.steps = STEPS, .batch = 5, .views = V, .mode = mode};
    if (mode == TRMN_EVAL_FIXED) o.pred_fixed = voted;
    else o.pred_halt = voted;
    trmn_eval_metrics f, h;
    CHECK(trmn_evaluate(m, questions, labels, COUNT, 0, &o, &f, &h, &e) == TRM_OK, "voting: %s", e.msg);
    const trmn_eval_metrics *r = mode == TRMN_EVAL_FIXED ? &f : &h;
    int split = 0, same = 0;
    for (int i = 0; i < COUNT; i++) {
        uint8_t *a = views + (size_t)i * V * N;
        trm_vote vote;
        /* the answers are already in the question's frame: vote over them with the identity as
         * every view's transform, by transforming them forward first */
        uint8_t fwd[V * N];
        for (int v = 0; v < V; v++) t->transform(a + v * N, H, W, v, 0, fwd + v * N, &e);
        trm_task_views_vote(t, fwd, NULL, H, W, V, winner, &vote, &e);
        split += vote.agree < V;
        /* ties are broken by q_halt in trmn_evaluate and not here: only clear majorities compare */
        if (vote.agree * 2 > V) {
            CHECK(!memcmp(voted + i * N, winner, N), "mode %d, maze %d: the voted answer differs from the vote by hand",
                  (int)mode, i);
            same++;
        }
    }
    double mean = 0;
    for (int v = 0; v < V; v++) mean += steps[v] / V;
    CHECK(split > 0 && same >= COUNT / 2, "mode %d: %d mazes split the views, %d compared: the sample proves nothing",
          (int)mode, split, same);
    CHECK(r->count == COUNT && (mode == TRMN_EVAL_FIXED ? r->steps_sum == (double)COUNT * STEPS
                                                        : r->steps_sum / COUNT > mean - 1e-6 && r->steps_sum / COUNT < mean + 1e-6),
          "mode %d: mean steps %g, want the mean over the views %g", (int)mode, r->steps_sum / COUNT, mean);
    free(views);
    free(voted);
}

int main(void) {
    trm_error e;
    trm_model *m = trmn_load_model_file("models/maze-11x11-mix.safetensors", &e);
    CHECK(m != NULL, "model: %s", m ? "" : e.msg);
    if (!m) return check_done();
    const trm_task *t = trm_task_find("maze");
    trm_task_gen g;
    trm_task_gen_default(t, &g, H, W);
    g.min_rating = 22; /* hard mazes: where the views disagree most */
    g.unique = 1;
    void *ws = malloc(t->workspace_bytes(H, W));
    uint8_t *q = malloc((size_t)COUNT * N), *l = malloc((size_t)COUNT * N);
    for (int i = 0; i < COUNT; i++)
        CHECK(t->generate(&g, 77, (uint64_t)i, q + i * N, l + i * N, NULL, ws, &e) == TRM_OK, "generate: %s", e.msg);
    check_mode(m, t, q, l, TRMN_EVAL_FIXED);
    check_mode(m, t, q, l, TRMN_EVAL_HALT);
    trmn_eval_options o = {.steps = 1, .batch = 4, .views = 9};
    CHECK(trmn_evaluate(m, q, l, COUNT, 0, &o, NULL, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "at most 8"), "9 views: %s",
          e.msg);
    free(q);
    free(l);
    free(ws);
    trm_model_free(m);
    return check_done();
}
