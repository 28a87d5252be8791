/* vote.c: symmetry voting over a task's shape-keeping transforms (task.h). */
#include "task.h"

#include "internal.h"

#include <string.h>

int trm_task_views(const trm_task *t, int h, int w) {
    int views = 0;
    for (int tid = 0; tid < t->vote_tids; tid++) views += h == w || !(t->swap_sides >> tid & 1);
    return views > 0 ? views : 1;
}

int trm_task_view_tid(const trm_task *t, int h, int w, int v) {
    if (v < 0) return -1;
    for (int tid = 0; tid < t->vote_tids; tid++)
        if ((h == w || !(t->swap_sides >> tid & 1)) && v-- == 0) return tid;
    return v == 0 && t->vote_tids == 0 ? 0 : -1; /* a task without transforms: the identity */
}

static trm_status check_views(const trm_task *t, int h, int w, int views, trm_error *err) {
    const int most = trm_task_views(t, h, w);
    if (views < 1 || views > most)
        return trm__fail(err, TRM_E_INVALID, "%d views asked for: a %d x %d %s grid has 1 to %d", views, h, w, t->name,
                         most);
    if (most > 1 && !t->transform)
        return trm__fail(err, TRM_E_INVALID, "task %s has no transform for symmetry voting", t->name);
    return TRM_OK;
}

trm_status trm_task_views_expand(const trm_task *t, const uint8_t *question, int h, int w, int views,
                                 uint8_t *copies, trm_error *err) {
    trm_status st = check_views(t, h, w, views, err);
    const size_t cells = (size_t)h * (size_t)w;
    if (copies != question) memcpy(copies, question, cells);
    for (int v = 1; v < views && st == TRM_OK; v++)
        st = t->transform(question, h, w, trm_task_view_tid(t, h, w, v), 0, copies + (size_t)v * cells, err);
    return st;
}

trm_status trm_task_views_vote(const trm_task *t, uint8_t *answers, const float *scores, int h, int w, int views,
                               uint8_t *winner, trm_vote *vote, trm_error *err) {
    trm_status st = check_views(t, h, w, views, err);
    if (st != TRM_OK) return st;
    const size_t cells = (size_t)h * (size_t)w;
    for (int v = 1; v < views; v++) { /* winner is the scratch grid until the end */
        uint8_t *a = answers + (size_t)v * cells;
        st = t->transform(a, h, w, trm_task_view_tid(t, h, w, v), 1, winner, err);
        if (st != TRM_OK) return st;
        memcpy(a, winner, cells);
    }
    /* views is at most vote_tids (8 for mazes): the quadratic count costs nothing. */
    int best = 0, best_agree = 0, distinct = 0;
    double best_score = 0;
    for (int v = 0; v < views; v++) {
        const uint8_t *a = answers + (size_t)v * cells;
        int first = 1, agree = 0;
        double score = 0;
        for (int u = 0; u < views; u++) {
            if (memcmp(a, answers + (size_t)u * cells, cells)) continue;
            if (u < v) first = 0;
            agree++;
            score += scores ? scores[u] : 0;
        }
        if (!first) continue; /* each answer once, at its first view */
        distinct++;
        score /= agree;
        if (agree > best_agree || (agree == best_agree && score > best_score)) {
            best = v;
            best_agree = agree;
            best_score = score;
        }
    }
    memcpy(winner, answers + (size_t)best * cells, cells);
    if (vote) {
        vote->winner = best;
        vote->agree = best_agree;
        vote->distinct = distinct;
    }
    return TRM_OK;
}

void trm_task_views_agreement(const uint8_t *answers, const uint8_t *winner, int h, int w, int views, float *share) {
    const size_t cells = (size_t)h * (size_t)w;
    for (size_t i = 0; i < cells; i++) {
        int agree = 0;
        for (int v = 0; v < views; v++) agree += answers[(size_t)v * cells + i] == winner[i];
        share[i] = views > 0 ? (float)agree / (float)views : 0.0f;
    }
}

trm_status trm_solver_vote(const trm_solver *s, const trm_task *t, int h, int w, int views, int frozen,
                           uint8_t *answers, float *scores, uint8_t *winner, float *share, float *q_halt,
                           trm_vote *vote, trm_error *err) {
    const size_t cells = (size_t)h * (size_t)w;
    trm_solver_read(s, answers, NULL); /* every slot; the views are the first `views` */
    for (int b = 0; b < views; b++) {
        const uint8_t *kept = frozen && trm_solver_halt_step(s, b) ? trm_solver_answer(s, b) : NULL;
        if (kept) memcpy(answers + (size_t)b * cells, kept, cells);
        scores[b] = trm_solver_halt_logit(s, b);
    }
    trm_vote v;
    const trm_status st = trm_task_views_vote(t, answers, scores, h, w, views, winner, &v, err);
    if (st != TRM_OK) return st;
    if (share) trm_task_views_agreement(answers, winner, h, w, views, share);
    if (q_halt) {
        double q = 0;
        for (int b = 0; b < views; b++)
            if (!memcmp(answers + (size_t)b * cells, winner, cells)) q += scores[b];
        *q_halt = (float)(q / v.agree);
    }
    if (vote) *vote = v;
    return TRM_OK;
}
