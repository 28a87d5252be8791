/* test_arc.c: ARC-AGI in the core (core/include/arc.h, the "arc" task): the canvas layout and
 * its round trip, the official crop, augmentations and their ids and names, the vote, and the
 * task through the task table. The same functions are checked against outputs of the official
 * code in test_arc_official.c. */
#include <string.h>

#include "arc.h"
#include "check.h"
#include "maze.h"
#include "task.h"

enum { S = TRM_ARC_SIDE, N = TRM_ARC_CELLS };

static void random_grid(trm_rng *rng, int h, int w, trm_arc_grid *g) {
    memset(g, 0, sizeof *g);
    g->h = h;
    g->w = w;
    for (int i = 0; i < h * w; i++) g->cells[i] = (uint8_t)trm_rng_below(rng, 10);
}

static int rand_in(trm_rng *rng, int lo, int hi) { return lo + (int)trm_rng_below(rng, (uint32_t)(hi - lo + 1)); }

/* The layout as build_arc_dataset.py states it: pad (grid + 2) into PAD, then the EOS row under
 * the grid over its columns and the EOS column right of it over its rows, inside the canvas. */
static void spec_canvas(const trm_arc_grid *g, int pr, int pc, uint8_t *out) {
    memset(out, 0, N);
    for (int r = 0; r < g->h; r++)
        for (int c = 0; c < g->w; c++) out[(pr + r) * S + pc + c] = (uint8_t)(g->cells[r * g->w + c] + 2);
    const int er = pr + g->h, ec = pc + g->w;
    if (er < S)
        for (int c = pc; c < ec; c++) out[er * S + c] = 1;
    if (ec < S)
        for (int r = pr; r < er; r++) out[r * S + ec] = 1;
}

static void test_encode_decode(void) {
    trm_rng rng;
    trm_rng_seed(&rng, 1);
    trm_error e;
    int edge_r = 0, edge_c = 0, mutated = 0;
    for (int k = 0; k < 600; k++) {
        trm_arc_grid g, back;
        int h = rand_in(&rng, 1, 30), w = rand_in(&rng, 1, 30);
        if (k < 4) h = w = k < 2 ? 30 : 1; /* 30x30, 1x1 (also at the far corner, below) */
        random_grid(&rng, h, w, &g);
        int pr = rand_in(&rng, 0, S - h), pc = rand_in(&rng, 0, S - w);
        if (k % 5 == 1) pr = S - h; /* touching the bottom: no EOS row */
        if (k % 7 == 2) pc = S - w; /* touching the right: no EOS column */
        if (k == 3) pr = pc = 29;
        edge_r += pr + h == S;
        edge_c += pc + w == S;
        uint8_t canvas[N], want[N];
        CHECK(trm_arc_encode(&g, pr, pc, canvas, &e) == TRM_OK, "encode %d x %d at (%d, %d): %s", h, w, pr, pc, e.msg);
        spec_canvas(&g, pr, pc, want);
        CHECK(!memcmp(canvas, want, N), "%d x %d at (%d, %d): the canvas differs from the official layout", h, w, pr, pc);
        int r0 = -1, c0 = -1;
        CHECK(trm_arc_decode(canvas, &back, &r0, &c0, &e) == TRM_OK && trm_arc_grid_equal(&g, &back) && r0 == pr &&
                  c0 == pc,
              "decode %d x %d at (%d, %d): %s", h, w, pr, pc, e.msg);
        trm_arc_crop(canvas, &back);
        if (pr == 0 && pc == 0) CHECK(trm_arc_grid_equal(&g, &back), "crop of a grid at (0, 0) is the grid");
        else CHECK(back.h == 0 && back.w == 0, "crop of a grid off the corner is empty (%d x %d)", back.h, back.w);
        /* one cell after the grid's corner changed: decode names it, unless it is in the grid's
         * first row or column (whose runs of colours give the width and height) */
        if (pr * S + pc == N - 1) continue;
        const int i = pr * S + pc + 1 + (int)trm_rng_below(&rng, (uint32_t)(N - pr * S - pc - 1));
        const int r = i / S, c = i % S;
        const uint8_t old = canvas[i];
        canvas[i] = old >= 2 ? (uint8_t)trm_rng_below(&rng, 2) : old == 1 ? 0 : (uint8_t)(1 + trm_rng_below(&rng, 2) * 5);
        CHECK(trm_arc_decode(canvas, &back, NULL, NULL, &e) == TRM_E_FORMAT, "cell (%d, %d) %d -> %d must break the layout",
              r, c, old, canvas[i]);
        if (r != pr && c != pc) {
            char where[48];
            snprintf(where, sizeof where, "row %d, column %d:", r, c);
            CHECK(strstr(e.msg, where) != NULL, "the error names %s %s", where, e.msg);
            mutated++;
        }
    }
    CHECK(edge_r > 50 && edge_c > 50 && mutated > 300, "grids at the edges: %d, %d; named cells %d", edge_r, edge_c, mutated);
    trm_arc_grid g, back;
    random_grid(&rng, 5, 7, &g);
    uint8_t canvas[N];
    CHECK(trm_arc_encode(&g, 26, 0, canvas, &e) == TRM_E_SHAPE && strstr(e.msg, "5 x 7") && strstr(e.msg, "row 26"),
          "a grid that does not fit: %s", e.msg);
    CHECK(trm_arc_encode(&g, 0, -1, canvas, &e) == TRM_E_SHAPE, "a negative offset");
    g.cells[2 * 7 + 3] = 10;
    CHECK(trm_arc_encode(&g, 0, 0, canvas, &e) == TRM_E_FORMAT && strstr(e.msg, "row 2, column 3") && strstr(e.msg, "10"),
          "colour 10 names its cell: %s", e.msg);
    g.h = 31;
    CHECK(trm_arc_grid_check(&g, &e) == TRM_E_SHAPE && strstr(e.msg, "31 x 7"), "31 rows: %s", e.msg);
    g.h = 0;
    CHECK(trm_arc_grid_check(&g, &e) == TRM_E_SHAPE, "0 rows");
    memset(canvas, 0, N);
    CHECK(trm_arc_decode(canvas, &back, NULL, NULL, &e) == TRM_E_FORMAT && strstr(e.msg, "PAD"), "all PAD: %s", e.msg);
    canvas[3 * S + 4] = 1;
    CHECK(trm_arc_decode(canvas, &back, NULL, NULL, &e) == TRM_E_FORMAT && strstr(e.msg, "row 3, column 4"),
          "EOS before any colour: %s", e.msg);
    canvas[3 * S + 4] = 12;
    CHECK(trm_arc_decode(canvas, &back, NULL, NULL, &e) == TRM_E_FORMAT && strstr(e.msg, "token 12"), "token 12: %s",
          e.msg);
    random_grid(&rng, 3, 3, &g);
    trm_arc_encode(&g, 2, 2, canvas, &e);
    canvas[5 * S + 5] = 1; /* the corner diagonal to the grid stays PAD */
    CHECK(trm_arc_decode(canvas, &back, NULL, NULL, &e) == TRM_E_FORMAT && strstr(e.msg, "row 5, column 5") &&
              strstr(e.msg, "PAD (0)"),
          "EOS on the diagonal corner: %s", e.msg);
}

/* The crop stated another way: the r-row candidate is r x (the shortest run of colours from
 * column 0 among rows 0..r-1); the crop is the first of the largest. */
static void spec_crop(const uint8_t *canvas, int *h, int *w) {
    int shortest = S, best = 0;
    *h = *w = 0;
    for (int r = 0; r < S; r++) {
        int run = 0;
        while (run < S && canvas[r * S + run] >= 2 && canvas[r * S + run] <= 11) run++;
        if (run < shortest) shortest = run;
        if ((r + 1) * shortest > best) best = (r + 1) * shortest, *h = r + 1, *w = shortest;
    }
}

static void test_crop(void) {
    trm_rng rng;
    trm_rng_seed(&rng, 2);
    int nonempty = 0;
    for (int k = 0; k < 2000; k++) {
        uint8_t canvas[N];
        const uint32_t hole = 1 + trm_rng_below(&rng, 200); /* about one cell in `hole` is not a colour */
        for (int i = 0; i < N; i++)
            canvas[i] = trm_rng_below(&rng, hole) ? (uint8_t)(2 + trm_rng_below(&rng, 10)) : (uint8_t)trm_rng_below(&rng, 256);
        if (k % 3 == 0) /* ragged rows */
            for (int r = 0; r < S; r++) canvas[r * S + trm_rng_below(&rng, S)] = (uint8_t)trm_rng_below(&rng, 2);
        trm_arc_grid g;
        int h, w;
        trm_arc_crop(canvas, &g);
        spec_crop(canvas, &h, &w);
        CHECK(g.h == h && g.w == w, "canvas %d: crop %d x %d, expected %d x %d", k, g.h, g.w, h, w);
        int same = 1;
        for (int r = 0; r < g.h; r++)
            for (int c = 0; c < g.w; c++) same &= g.cells[r * g.w + c] + 2 == canvas[r * S + c];
        CHECK(same && (g.h == 0) == (g.w == 0), "canvas %d: the crop's cells are the canvas's colours", k);
        nonempty += g.h > 0;
    }
    CHECK(nonempty > 1000, "most random canvases crop to something (%d)", nonempty);
}

static void test_augment(void) {
    trm_rng rng;
    trm_rng_seed(&rng, 3);
    trm_error e;
    for (int k = 0; k < 400; k++) {
        trm_arc_grid g, a, back, d;
        random_grid(&rng, rand_in(&rng, 1, 30), rand_in(&rng, 1, 30), &g);
        trm_arc_aug aug;
        trm_arc_aug_random(&rng, &aug);
        aug.dihedral = k % 8;
        CHECK(trm_arc_augment(&g, &aug, 0, &a, &e) == TRM_OK && trm_arc_augment(&a, &aug, 1, &back, &e) == TRM_OK &&
                  trm_arc_grid_equal(&g, &back),
              "augment then inverse gives the grid back (dihedral %d): %s", aug.dihedral, e.msg);
        /* dihedral(map[g]): the map cell by cell, then maze.h's transform */
        trm_arc_grid m = g;
        for (int i = 0; i < g.h * g.w; i++) m.cells[i] = aug.colours[g.cells[i]];
        trm_maze_dihedral(m.cells, g.h, g.w, aug.dihedral, d.cells, &d.h, &d.w);
        CHECK(trm_arc_grid_equal(&a, &d), "augmented = dihedral(map[grid]) (dihedral %d)", aug.dihedral);
        const int swap = aug.dihedral == 1 || aug.dihedral == 3 || aug.dihedral == 6 || aug.dihedral == 7;
        CHECK(a.h == (swap ? g.w : g.h) && a.w == (swap ? g.h : g.w), "sides after dihedral %d", aug.dihedral);
    }
    trm_arc_grid g, a;
    trm_arc_aug id;
    trm_arc_aug_identity(&id);
    random_grid(&rng, 4, 9, &g);
    CHECK(trm_arc_augment(&g, &id, 0, &a, &e) == TRM_OK && trm_arc_grid_equal(&g, &a), "the identity");
    g.h = g.w = 0;
    a.h = 5;
    CHECK(trm_arc_augment(&g, &id, 1, &a, &e) == TRM_OK && a.h == 0 && a.w == 0, "an empty grid stays empty");
    id.colours[4] = 5;
    g.h = g.w = 2;
    CHECK(trm_arc_augment(&g, &id, 0, &a, &e) == TRM_E_INVALID && strstr(e.msg, "both map to 5"), "a bad map: %s", e.msg);
    trm_arc_aug_identity(&id);
    g.h = 31;
    CHECK(trm_arc_augment(&g, &id, 0, &a, &e) == TRM_E_SHAPE, "a bad grid");
}

static void test_aug_ids(void) {
    trm_error e;
    trm_arc_aug a, b;
    char name[TRM_ARC_AUG_NAME];
    CHECK(trm_arc_aug_from_id(0, &a, &e) == TRM_OK && trm_arc_aug_name(&a, name, sizeof name) == 15 &&
              !strcmp(name, "t0|||0123456789"),
          "id 0 is the identity: %s", name);
    trm_arc_aug_from_id(8 + 5, &a, &e);
    trm_arc_aug_name(&a, name, sizeof name);
    CHECK(!strcmp(name, "t5|||0123456798"), "id 13: dihedral 5, the second permutation: %s", name);
    trm_arc_aug_from_id(TRM_ARC_AUGMENTATIONS - 1, &a, &e);
    trm_arc_aug_name(&a, name, sizeof name);
    CHECK(!strcmp(name, "t7|||0987654321"), "the last id: %s", name);
    CHECK(trm_arc_aug_parse("t3|||0481326597", &a, &e) == TRM_OK && a.dihedral == 3 && a.colours[1] == 4 &&
              a.colours[9] == 7,
          "the header's example: %s", e.msg);
    trm_rng rng;
    trm_rng_seed(&rng, 4);
    for (int k = 0; k < 3000; k++) {
        const int id = k < 1000 ? k : (int)trm_rng_below(&rng, TRM_ARC_AUGMENTATIONS);
        CHECK(trm_arc_aug_from_id(id, &a, &e) == TRM_OK && trm_arc_aug_check(&a, &e) == TRM_OK &&
                  trm_arc_aug_id(&a) == id,
              "id %d round trip: %s", id, e.msg);
        CHECK(trm_arc_aug_name(&a, name, sizeof name) == 15 && trm_arc_aug_parse(name, &b, &e) == TRM_OK &&
                  !memcmp(&a, &b, sizeof a),
              "name %s round trip: %s", name, e.msg);
        if (k % 1000 == 999) { /* lexicographic order: id - 8 is the previous permutation */
            trm_arc_aug_from_id(id - 8 > 0 ? id - 8 : id, &b, &e);
            CHECK(id < 8 || memcmp(b.colours, a.colours, 10) < 0, "ids follow the permutations' order");
        }
    }
    CHECK(trm_arc_aug_from_id(-1, &a, &e) == TRM_E_INVALID && strstr(e.msg, "-1"), "id -1: %s", e.msg);
    CHECK(trm_arc_aug_from_id(TRM_ARC_AUGMENTATIONS, &a, &e) == TRM_E_INVALID && strstr(e.msg, "2903040"),
          "id 8 x 9!: %s", e.msg);
    static const struct { const char *name, *says; } BAD[] = {
        {"t8|||0123456789", "0..7"},          {"x3|||0123456789", "start with 't'"},
        {"t3||0123456789", "\"|||\""},         {"t3|||012345678", "10 digits"},
        {"t3|||01234567890", "more follow"},  {"t3|||1023456789", "colour 0"},
        {"t3|||0123456788", "both map to 8"}, {"t3|||01234a6789", "character 5"},
        {"", "start with 't'"},               {"t33|||0123456789", "\"|||\""},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        CHECK(trm_arc_aug_parse(BAD[i].name, &a, &e) == TRM_E_FORMAT && strstr(e.msg, BAD[i].says) &&
                  strstr(e.msg, BAD[i].name),
              "\"%s\" is refused saying %s: %s", BAD[i].name, BAD[i].says, e.msg);
    CHECK(trm_arc_aug_parse(NULL, &a, &e) == TRM_E_FORMAT, "NULL");
    trm_arc_aug_identity(&a);
    a.colours[0] = 3;
    CHECK(trm_arc_aug_check(&a, &e) == TRM_E_INVALID && strstr(e.msg, "colour 0") && trm_arc_aug_id(&a) == -1 &&
              trm_arc_aug_name(&a, name, sizeof name) == 0 && !name[0],
          "an invalid augmentation has no id or name: %s", e.msg);
    a.colours[0] = 0;
    a.dihedral = 9;
    CHECK(trm_arc_aug_check(&a, &e) == TRM_E_INVALID && strstr(e.msg, "9"), "dihedral 9: %s", e.msg);
    trm_arc_aug_from_id(77, &a, &e);
    CHECK(trm_arc_aug_name(&a, name, 6) == 15 && !strcmp(name, "t5|||"), "a short buffer truncates: %s", name);
}

/* trm_arc_aug_random: the draws arc.c documents, all dihedrals and colours reached. */
static void test_aug_random(void) {
    trm_arc_aug a, b;
    trm_error e;
    int dihedral_seen = 0, colour_seen[10] = {0};
    trm_rng r1, r2;
    trm_rng_seed(&r1, 99);
    trm_rng_seed(&r2, 99);
    for (int k = 0; k < 500; k++) {
        trm_arc_aug_random(&r1, &a);
        trm_arc_aug_identity(&b);
        b.dihedral = (int)trm_rng_below(&r2, 8);
        for (int i = 9; i >= 2; i--) {
            const int j = 1 + (int)trm_rng_below(&r2, (uint32_t)i);
            const uint8_t t = b.colours[i];
            b.colours[i] = b.colours[j], b.colours[j] = t;
        }
        CHECK(!memcmp(&a, &b, sizeof a) && trm_arc_aug_check(&a, &e) == TRM_OK, "random draw %d: the documented order", k);
        dihedral_seen |= 1 << a.dihedral;
        colour_seen[a.colours[1]]++;
    }
    CHECK(dihedral_seen == 0xff && colour_seen[0] == 0, "all dihedrals drawn, colour 0 never moves");
    for (int c = 1; c < 10; c++) CHECK(colour_seen[c] > 20, "colour %d reaches colour 1's place (%d)", c, colour_seen[c]);
}

/* trm_arc_aug_distinct: the identity, then trm_arc_aug_random's draws with repeats skipped. */
static void test_aug_distinct(void) {
    enum { N = 300 };
    static trm_arc_aug got[N], want[N];
    static uint8_t seen[TRM_ARC_AUG_SEEN_BYTES];
    trm_error e;
    trm_rng r1, r2;
    trm_rng_seed(&r1, 5);
    trm_rng_seed(&r2, 5);
    memset(seen, 0xff, sizeof seen); /* stale contents: cleared by the call */
    CHECK(trm_arc_aug_distinct(&r1, N, got, seen, &e) == TRM_OK, "distinct: %s", e.msg);
    trm_arc_aug_identity(&want[0]);
    for (int i = 1; i < N;) {
        trm_arc_aug_random(&r2, &want[i]);
        int dup = 0;
        for (int k = 0; k < i && !dup; k++) dup = trm_arc_aug_id(&want[k]) == trm_arc_aug_id(&want[i]);
        i += !dup;
    }
    CHECK(!memcmp(got, want, sizeof got), "distinct: the identity, then the random draws without repeats");
    CHECK(trm_arc_aug_distinct(&r1, 0, got, seen, &e) == TRM_E_INVALID && strstr(e.msg, "0 ARC augmentations"),
          "distinct: n = 0 refused (%s)", e.msg);
    CHECK(trm_arc_aug_distinct(&r1, 1, got, seen, &e) == TRM_OK && trm_arc_aug_id(&got[0]) == 0,
          "distinct: n = 1 is the identity alone");
}

/* The vote as ARC.result computes it, the slow way: groups by scanning, q summed in order, then a
 * stable insertion sort by (count, mean) descending. */
static int spec_vote(const trm_arc_grid *ans, const double *q, int n, int *ranked, int *counts, double *mean) {
    int m = 0;
    for (int i = 0; i < n; i++) {
        int first = 1;
        for (int j = 0; j < i && first; j++) first = !trm_arc_grid_equal(&ans[i], &ans[j]);
        if (!first) continue;
        int c = 0;
        double s = 0;
        for (int j = i; j < n; j++)
            if (trm_arc_grid_equal(&ans[i], &ans[j])) c++, s += q[j];
        int at = m++;
        while (at > 0 && (counts[at - 1] < c || (counts[at - 1] == c && mean[at - 1] < s / c))) {
            ranked[at] = ranked[at - 1], counts[at] = counts[at - 1], mean[at] = mean[at - 1];
            at--;
        }
        ranked[at] = i, counts[at] = c, mean[at] = s / c;
    }
    return m;
}

static void test_vote(void) {
    enum { MAX = 1200 };
    static trm_arc_grid ans[MAX];
    static double q[MAX], m1[MAX], m2[MAX];
    static int r1[MAX], r2[MAX], c1[MAX], c2[MAX];
    trm_rng rng;
    trm_rng_seed(&rng, 5);
    /* hand-made: a (2 votes, mean 0.5), b (2, 0.5), c (3), empty (2, 0.75) */
    trm_arc_grid a, b, c, empty = {0};
    random_grid(&rng, 2, 3, &a);
    b = a;
    b.h = 3, b.w = 2; /* the same cells in another shape */
    random_grid(&rng, 1, 1, &c);
    const trm_arc_grid *order[] = {&a, &b, &empty, &c, &b, &c, &a, &c, &empty};
    const double qs[] = {0.25, 0.5, 1.0, 0.1, 0.5, 0.2, 0.75, 0.3, 0.5};
    for (int i = 0; i < 9; i++) ans[i] = *order[i], q[i] = qs[i];
    int m = trm_arc_vote(ans, q, 9, r1, c1, m1);
    CHECK(m == 4 && r1[0] == 3 && c1[0] == 3 && r1[1] == 2 && c1[1] == 2 && m1[1] == 0.75 && r1[2] == 0 && r1[3] == 1 &&
              m1[2] == 0.5 && m1[3] == 0.5,
          "counts, then mean q, then first seen; empty answers vote: %d [%d %d %d %d]", m, r1[0], r1[1], r1[2], r1[3]);
    CHECK(fabs(m1[0] - 0.2) < 1e-15, "mean q of c: %.17g", m1[0]);
    CHECK(trm_arc_vote(ans, q, 0, r1, c1, m1) == 0 && trm_arc_vote(ans, q, 1, r1, c1, m1) == 1 && r1[0] == 0 &&
              c1[0] == 1 && m1[0] == 0.25,
          "no answers, one answer");
    /* random sets against the slow way: few distinct grids (ties in counts and means) to many */
    for (int k = 0; k < 60; k++) {
        const int n = k == 0 ? MAX : rand_in(&rng, 1, 300), pool = rand_in(&rng, 1, k % 3 ? 8 : 400);
        trm_arc_grid grids[8];
        for (int p = 0; p < 8; p++) random_grid(&rng, rand_in(&rng, 1, 3), rand_in(&rng, 1, 3), &grids[p]);
        for (int i = 0; i < n; i++) {
            const int p = (int)trm_rng_below(&rng, (uint32_t)pool);
            if (p < 8) ans[i] = grids[p];
            else { /* big grids that differ in one late cell: equal up to there */
                random_grid(&rng, 30, 30, &ans[i]);
                memset(ans[i].cells, 7, N);
                ans[i].cells[N - 1 - p % 10] = (uint8_t)(p / 10 % 10);
            }
            q[i] = k % 2 ? (double)trm_rng_below(&rng, 4) / 4 : trm_rng_uniform(&rng);
        }
        const int got = trm_arc_vote(ans, q, n, r1, c1, m1), want = spec_vote(ans, q, n, r2, c2, m2);
        CHECK(got == want && !memcmp(r1, r2, sizeof *r1 * (size_t)got) && !memcmp(c1, c2, sizeof *c1 * (size_t)got) &&
                  !memcmp(m1, m2, sizeof *m1 * (size_t)got),
              "set %d (n %d, pool %d): %d distinct, expected %d", k, n, pool, got, want);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The task                                                                                     */

static void test_task(void) {
    const trm_task *t = trm_task_find("arc");
    CHECK(t && t->vocab_size == TRM_ARC_VOCAB && t->max_side == 30 && !strcmp(t->charset, TRM_ARC_CHARSET) &&
              t->augment_count == TRM_ARC_AUGMENTATIONS && t->vote_tids == 8 && t->swap_sides == 0,
          "the arc task's table");
    if (!t) return;
    trm_error e;
    CHECK(t->generators && !t->generators[0] && trm_task_generator_parse(t, "lehnert") == -1, "no generators");
    trm_task_gen gen;
    trm_task_gen_default(t, &gen, 30, 30);
    CHECK(t->gen_check(&gen, &e) == TRM_E_INVALID && strstr(e.msg, "not generated"), "gen_check: %s", e.msg);
    CHECK(t->generate(&gen, 1, 0, NULL, NULL, NULL, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "JSON"), "generate: %s",
          e.msg);
    CHECK(t->workspace_bytes(30, 30) > 0 && t->workspace_bytes(29, 30) == 0 && t->workspace_bytes(9, 9) == 0,
          "workspace: 30 x 30 only");
    void *ws = malloc(t->workspace_bytes(30, 30));
    uint8_t q[N] = {0}, l[N], a[N], x[N];
    CHECK(t->check_question(q, 29, 30, &e) == TRM_E_SHAPE && strstr(e.msg, "29 x 30"), "bad size: %s", e.msg);
    CHECK(t->solve(q, 30, 30, l, NULL, ws, &e) == TRM_E_INVALID && strstr(e.msg, "no rule-based solver"), "solve: %s",
          e.msg);

    trm_rng rng;
    trm_rng_seed(&rng, 6);
    trm_arc_grid gq, gl;
    random_grid(&rng, 7, 5, &gq);
    random_grid(&rng, 3, 11, &gl); /* outputs may have another size */
    trm_arc_encode(&gq, 4, 9, q, &e); /* a training translation */
    trm_arc_encode(&gl, 0, 0, l, &e);
    CHECK(t->check_question(q, 30, 30, &e) == TRM_OK && t->check_label(q, l, 30, 30, &e) == TRM_OK, "checks: %s", e.msg);
    memcpy(x, q, N);
    x[6 * S + 11] = 0;
    CHECK(t->check_question(x, 30, 30, &e) == TRM_E_FORMAT && strstr(e.msg, "row 6, column 11"), "a hole: %s", e.msg);
    CHECK(t->check_label(q, x, 30, 30, &e) == TRM_E_FORMAT && strstr(e.msg, "row 6, column 11"), "label: %s", e.msg);

    trm_verdict v;
    memcpy(a, l, N);
    CHECK(t->verify(q, a, l, 30, 30, ws, &v, &e) == TRM_OK && v.valid && v.optimal && v.exact && v.length == 33 &&
              v.best_length == 33 && !v.reason[0],
          "the label: %s", e.msg);
    for (int i = 0; i < N; i++)
        if (a[i] < 2) a[i] = (uint8_t)(i % 3 ? 0 : 1); /* junk around the grid: the crop ignores it */
    a[3 * S + 0] = 5;
    CHECK(t->verify(q, a, l, 30, 30, ws, &v, &e) == TRM_OK && v.exact && v.length == 33, "junk outside the crop");
    a[2 * S + 10] = 1; /* cuts the last column off the crop */
    CHECK(t->verify(q, a, l, 30, 30, ws, &v, &e) == TRM_OK && v.valid && !v.exact && v.length == 30, "a cut crop: %d",
          v.length);
    CHECK(t->verify(q, a, NULL, 30, 30, ws, &v, &e) == TRM_OK && v.valid && !v.exact && v.best_length == -1, "no label");
    a[0] = 1;
    CHECK(t->verify(q, a, l, 30, 30, ws, &v, &e) == TRM_OK && !v.valid && !v.optimal && !v.exact && v.length == -1 &&
              strstr(v.reason, "empty") && strstr(v.reason, "token 1"),
          "an empty crop: %s", v.reason);
    CHECK(t->verify(x, a, l, 30, 30, ws, &v, &e) == TRM_E_FORMAT && !strcmp(v.reason, "malformed question"),
          "a malformed question: %s", e.msg);
    CHECK(t->verify(q, a, x, 30, 30, ws, &v, &e) == TRM_E_FORMAT && strstr(e.msg, "label: ARC canvas row 6, column 11") &&
              !strcmp(v.reason, "malformed label"),
          "a malformed label: %s", e.msg);
    CHECK(t->verify(q, a, x, 30, 30, ws, &v, NULL) == TRM_E_FORMAT, "no error slot");
    memcpy(a, q, N);
    CHECK(t->augment(a, x, 30, 30, 5, ws, &e) == TRM_E_FORMAT && strstr(e.msg, "label: ARC canvas row 6, column 11"),
          "augment names the malformed canvas: %s", e.msg);
    free(ws);
}

/* transform: the decoded question, augmented, at (0, 0); the inverse reads answers by the crop.
 * augment: the same augmentation for question and label, both at (0, 0). */
static void test_task_transforms(void) {
    const trm_task *t = trm_task_find("arc");
    if (!t) return;
    void *ws = malloc(t->workspace_bytes(30, 30));
    uint8_t q[N], l[N] = {0}, x[N], y[N];
    trm_arc_grid gq, gl, got;
    trm_error e;
    trm_rng rng;
    trm_rng_seed(&rng, 7);
    for (int k = 0; k < 200; k++) {
        const int tid = k < 8 ? k : (int)trm_rng_below(&rng, TRM_ARC_AUGMENTATIONS);
        trm_arc_aug aug;
        trm_arc_aug_from_id(tid, &aug, &e);
        random_grid(&rng, rand_in(&rng, 1, 30), rand_in(&rng, 1, 30), &gq);
        trm_arc_encode(&gq, 0, 0, q, &e);
        CHECK(t->transform(q, 30, 30, tid, 0, x, &e) == TRM_OK && t->transform(x, 30, 30, tid, 1, y, &e) == TRM_OK &&
                  !memcmp(y, q, N),
              "tid %d: the inverse undoes the transform: %s", tid, e.msg);
        trm_arc_augment(&gq, &aug, 0, &got, &e);
        uint8_t want[N];
        trm_arc_encode(&got, 0, 0, want, &e);
        CHECK(!memcmp(x, want, N), "tid %d: the transform encodes the augmented grid at (0, 0)", tid);
        random_grid(&rng, rand_in(&rng, 1, 30), rand_in(&rng, 1, 30), &gl);
        trm_arc_encode(&gq, rand_in(&rng, 0, 30 - gq.h), rand_in(&rng, 0, 30 - gq.w), x, &e);
        trm_arc_encode(&gl, 0, 0, y, &e);
        CHECK(t->augment(x, y, 30, 30, tid, ws, &e) == TRM_OK && !memcmp(x, want, N), "tid %d: augment: %s", tid, e.msg);
        trm_arc_augment(&gl, &aug, 0, &got, &e);
        trm_arc_encode(&got, 0, 0, want, &e);
        CHECK(!memcmp(y, want, N), "tid %d: the label gets the same augmentation", tid);
    }
    memset(x, 0, N);
    x[0] = 1;
    CHECK(t->transform(x, 30, 30, 3, 1, y, &e) == TRM_OK && !memchr(y, 1, N) && !memchr(y, 2, N),
          "an empty crop transforms to all PAD");
    CHECK(t->transform(q, 30, 30, TRM_ARC_AUGMENTATIONS, 0, x, &e) == TRM_E_INVALID && strstr(e.msg, "2903040"),
          "tid out of range: %s", e.msg);
    CHECK(t->transform(q, 9, 9, 1, 0, x, &e) == TRM_E_SHAPE && t->augment(q, l, 30, 29, 1, ws, &e) == TRM_E_SHAPE,
          "sizes");
    CHECK(trm_task_views(t, 30, 30) == 8 && trm_task_view_tid(t, 30, 30, 7) == 7, "8 voting views, colours kept");
    free(ws);
}

static void test_task_config(void) {
    trm_error e;
    trm_config cfg;
    trm_config_default(&cfg);
    cfg.grid_height = cfg.grid_width = 30;
    CHECK(trm_config_set_string(&cfg, "task", "arc", &e) == TRM_OK && cfg.vocab_size == 12 &&
              trm_config_set_string(&cfg, "charset", TRM_ARC_CHARSET, &e) == TRM_OK &&
              trm_config_validate(&cfg, NULL, &e) == TRM_OK,
          "a model config names the task: %s", e.msg);
    cfg.grid_height = 20;
    CHECK(trm_config_validate(&cfg, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "20 x 30"), "arc needs 30 x 30: %s",
          e.msg);
}

int main(void) {
    test_encode_decode();
    test_crop();
    test_augment();
    test_aug_ids();
    test_aug_random();
    test_aug_distinct();
    test_vote();
    test_task();
    test_task_transforms();
    test_task_config();
    return check_done();
}
