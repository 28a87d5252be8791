/* test_vote.c: symmetry voting (core/include/task.h, core/vote.c): which transforms are views,
 * that the maze transform and its inverse undo each other, that the copies of a question are its
 * transforms, and how the vote picks (majority, then mean score, then the lowest view). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "maze.h"
#include "task.h"

static void test_views(void) {
    const trm_task *m = trm_task_find("maze");
    CHECK(trm_task_views(m, 11, 11) == 8, "a square maze has 8 views, not %d", trm_task_views(m, 11, 11));
    CHECK(trm_task_views(m, 7, 9) == 4, "a 7 x 9 maze has 4 views (no quarter turn or diagonal), not %d",
          trm_task_views(m, 7, 9));
    const int want[4] = {0, 2, 4, 5}; /* trm_maze_dihedral: 2 half turn, 4 and 5 the mirrors */
    for (int v = 0; v < 4; v++)
        CHECK(trm_task_view_tid(m, 7, 9, v) == want[v], "7 x 9 view %d is transform %d, not %d", v, want[v],
              trm_task_view_tid(m, 7, 9, v));
    for (int v = 0; v < 8; v++) CHECK(trm_task_view_tid(m, 5, 5, v) == v, "square view %d is transform %d", v, v);
    CHECK(trm_task_view_tid(m, 5, 5, -1) == -1 && trm_task_view_tid(m, 5, 5, 8) == -1 &&
              trm_task_view_tid(m, 7, 9, 4) == -1,
          "views out of range give -1");
}

/* Every transform and its inverse undo each other on square and non-square grids; the
 * side-swapping ones refuse a non-square grid. */
static void test_transform(void) {
    const trm_task *m = trm_task_find("maze");
    trm_error e;
    uint8_t src[63], mid[63], back[63], want[63];
    for (int i = 0; i < 63; i++) src[i] = (uint8_t)(1 + (i * 7 + i / 5) % 5);
    for (int side = 0; side < 2; side++) {
        const int h = 7, w = side ? 9 : 7;
        for (int tid = 0; tid < m->augment_count; tid++) {
            const int swaps = m->swap_sides >> tid & 1;
            if (h != w && swaps) {
                CHECK(m->transform(src, h, w, tid, 0, mid, &e) == TRM_E_SHAPE && strstr(e.msg, "square"),
                      "transform %d of a %d x %d grid: %s", tid, h, w, e.msg);
                continue;
            }
            CHECK(m->transform(src, h, w, tid, 0, mid, &e) == TRM_OK, "transform %d: %s", tid, e.msg);
            trm_maze_dihedral(src, h, w, tid, want, NULL, NULL);
            CHECK(!memcmp(mid, want, (size_t)h * w), "transform %d is trm_maze_dihedral's", tid);
            CHECK(m->transform(mid, h, w, tid, 1, back, &e) == TRM_OK && !memcmp(back, src, (size_t)h * w),
                  "%d x %d: the inverse of transform %d does not undo it", h, w, tid);
        }
    }
    CHECK(m->transform(src, 7, 7, 8, 0, mid, &e) == TRM_E_INVALID && m->transform(src, 7, 7, -1, 1, mid, &e) == TRM_E_INVALID,
          "transforms 8 and -1 do not exist");
}

/* The copies of a generated maze are its transforms; solving each copy by the task's rule and
 * voting gives back a shortest path of the original, and a unique one with all 8 views agreeing. */
static void test_expand_and_vote_solutions(void) {
    const trm_task *m = trm_task_find("maze");
    enum { H = 9, W = 9, N = H * W, V = 8 };
    void *ws = malloc(m->workspace_bytes(H, W));
    trm_task_gen g;
    trm_task_gen_default(m, &g, H, W);
    trm_error e;
    int unique = 0, several = 0;
    for (int k = 0; k < 60; k++) {
        uint8_t q[N], l[N], copies[V * N], answers[V * N], winner[N], want[N];
        m->generate(&g, 5, (uint64_t)k, q, l, NULL, ws, &e);
        CHECK(trm_task_views_expand(m, q, H, W, V, copies, &e) == TRM_OK, "expand: %s", e.msg);
        for (int v = 0; v < V; v++) {
            trm_maze_dihedral(q, H, W, v, want, NULL, NULL);
            CHECK(!memcmp(copies + v * N, want, N), "maze %d: copy %d is not transform %d of the question", k, v, v);
            CHECK(m->solve(copies + v * N, H, W, answers + v * N, NULL, ws, &e) == TRM_OK, "solve copy %d: %s", v, e.msg);
        }
        trm_vote vote;
        CHECK(trm_task_views_vote(m, answers, NULL, H, W, V, winner, &vote, &e) == TRM_OK, "vote: %s", e.msg);
        trm_verdict verdict;
        m->verify(q, winner, l, H, W, ws, &verdict, &e);
        CHECK(verdict.valid && verdict.optimal, "maze %d: the voted answer is not a shortest path: %s", k, verdict.reason);
        int count = 0;
        trm_maze_count_shortest(q, H, W, 2, NULL, &count, ws, &e);
        if (count == 1) {
            unique++;
            CHECK(vote.agree == V && vote.distinct == 1 && vote.winner == 0 && !memcmp(winner, l, N),
                  "maze %d (one shortest path): %d views agree, %d answers, winner %d", k, vote.agree, vote.distinct,
                  vote.winner);
        } else {
            several++;
            CHECK(vote.distinct >= 1 && vote.agree >= 1 && vote.agree <= V, "maze %d: vote counts", k);
        }
        for (int v = 0; v < V; v++) /* the answers were transformed back in place */
            CHECK(m->verify(q, answers + v * N, NULL, H, W, ws, &verdict, &e) == TRM_OK && verdict.optimal,
                  "maze %d: answer %d in the question's frame is not a shortest path", k, v);
    }
    CHECK(unique > 0 && several > 0, "the sample holds both kinds of maze (%d unique, %d with ties)", unique, several);
    free(ws);
}

/* Answers given in the question's frame by the identity view only make the rule easy to see: a
 * square grid's views are then fed with answers already transformed into each view's frame. */
static void put(const trm_task *m, uint8_t *answers, int v, const uint8_t *answer, int n) {
    trm_error e;
    m->transform(answer, n, n, v, 0, answers + (size_t)v * n * n, &e);
}

static void test_vote_rule(void) {
    const trm_task *m = trm_task_find("maze");
    enum { S = 4, N = S * S, V = 8 };
    uint8_t a[N], b[N], c[N], answers[V * N], winner[N];
    for (int i = 0; i < N; i++) a[i] = b[i] = c[i] = (uint8_t)(1 + i % 3);
    b[5] = 5, c[6] = 5;
    trm_vote vote;
    trm_error e;
    /* 3 x a, 2 x b, 3 different others: a wins at its first view */
    const uint8_t *pick[V] = {b, a, c, a, b, NULL, a, NULL};
    uint8_t other[2][N];
    memcpy(other[0], a, N), other[0][0] = 4;
    memcpy(other[1], a, N), other[1][1] = 4;
    pick[5] = other[0], pick[7] = other[1];
    for (int v = 0; v < V; v++) put(m, answers, v, pick[v], S);
    CHECK(trm_task_views_vote(m, answers, NULL, S, S, V, winner, &vote, &e) == TRM_OK, "vote: %s", e.msg);
    CHECK(!memcmp(winner, a, N) && vote.winner == 1 && vote.agree == 3 && vote.distinct == 5,
          "majority: winner view %d, %d agree, %d distinct (want 1, 3, 5)", vote.winner, vote.agree, vote.distinct);
    /* a tie of 4 and 4 goes to the higher mean score, then to the lowest view */
    const uint8_t *tie[V] = {a, b, b, a, b, a, a, b};
    const float prefer_b[V] = {1, 2, 2, 1, 2, 1, 1, 2}, prefer_a[V] = {3, -1, -1, 3, -1, 3, 3, -1};
    const float nan_scores[V] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    const float *scores[4] = {prefer_b, prefer_a, NULL, nan_scores};
    const uint8_t *wins[4] = {b, a, a, a};
    for (int s = 0; s < 4; s++) {
        for (int v = 0; v < V; v++) put(m, answers, v, tie[v], S);
        CHECK(trm_task_views_vote(m, answers, scores[s], S, S, V, winner, &vote, &e) == TRM_OK, "vote: %s", e.msg);
        CHECK(!memcmp(winner, wins[s], N) && vote.agree == 4 && vote.distinct == 2,
              "tie %d: the wrong answer won (view %d, %d agree)", s, vote.winner, vote.agree);
    }
    float share[N];
    trm_task_views_agreement(answers, winner, S, S, V, share);
    CHECK(share[0] == 1.0f && share[5] == 0.5f && share[6] == 1.0f, "agreement: cell 0 %g (want 1), cell 5 %g (want 0.5)",
          share[0], share[5]);
    /* the count of views is checked */
    CHECK(trm_task_views_vote(m, answers, NULL, S, S, 9, winner, &vote, &e) == TRM_E_INVALID && strstr(e.msg, "1 to 8"),
          "9 views: %s", e.msg);
    CHECK(trm_task_views_expand(m, a, 3, 5, 5, answers, &e) == TRM_E_INVALID && strstr(e.msg, "1 to 4"), "5 views of 3 x 5: %s",
          e.msg);
    CHECK(trm_task_views_vote(m, answers, NULL, S, S, 0, winner, &vote, &e) == TRM_E_INVALID, "0 views");
    /* one view: the answer itself */
    memcpy(answers, c, N);
    CHECK(trm_task_views_vote(m, answers, NULL, S, S, 1, winner, &vote, &e) == TRM_OK && !memcmp(winner, c, N) &&
              vote.agree == 1 && vote.distinct == 1,
          "one view");
}

int main(void) {
    test_views();
    test_transform();
    test_expand_and_vote_solutions();
    test_vote_rule();
    return check_done();
}
