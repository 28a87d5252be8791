/* test_sudoku.c: the sudoku task (core/include/sudoku.h, task_sudoku.c): tokens and aliases, the
 * named errors for bad questions, the counting solver against an independent plain backtracking
 * counter written here, the generator (unique, minimal, rated, deterministic, the rating filter,
 * symmetric), the shuffles (validity kept, inverse, digits and places both move) and the verdicts. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sudoku.h"
#include "task.h"

enum { C = TRM_SUDOKU_CELLS };

/* Norvig's "grid1" (singles solve it), and Arto Inkala's "hardest sudoku" (they do not). */
static const char EASY[] = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
static const char HARD[] = "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..";

static void tokens_of(const trm_task *t, const char *s, uint8_t *q) {
    trm_error e;
    if (trm_task_tokenize(t, s, strlen(s), 9, 9, q, &e) != TRM_OK) {
        fprintf(stderr, "tokenize: %s\n", e.msg);
        exit(1);
    }
}

/* ---- an independent counter: plain backtracking in cell order, no propagation --------------- */
static int fits(const int *g, int i, int d) {
    const int r = i / 9, c = i % 9, br = r / 3 * 3, bc = c / 3 * 3;
    for (int k = 0; k < 9; k++)
        if (g[r * 9 + k] == d || g[k * 9 + c] == d || g[(br + k / 3) * 9 + bc + k % 3] == d) return 0;
    return 1;
}
static int count_plain(int *g, int from, int limit) {
    while (from < C && g[from]) from++;
    if (from == C) return 1;
    int n = 0;
    for (int d = 1; d <= 9 && n < limit; d++)
        if (fits(g, from, d)) {
            g[from] = d;
            n += count_plain(g, from + 1, limit - n);
            g[from] = 0;
        }
    return n;
}
static int plain_solutions(const uint8_t *q, int limit) {
    int g[C];
    for (int i = 0; i < C; i++) g[i] = trm_sudoku_digit(q[i]);
    return count_plain(g, 0, limit);
}
/* Valid by the rules, checked here without the core. */
static int plain_valid(const uint8_t *q, const uint8_t *a) {
    for (int i = 0; i < C; i++) {
        const int d = trm_sudoku_digit(a[i]);
        if (!d || (trm_sudoku_digit(q[i]) && q[i] != a[i])) return 0;
        int g[C];
        for (int j = 0; j < C; j++) g[j] = j == i ? 0 : trm_sudoku_digit(a[j]);
        if (!fits(g, i, d)) return 0;
    }
    return 1;
}

static void test_tokens_and_errors(void) {
    const trm_task *t = trm_task_find("sudoku");
    CHECK(t && t->vocab_size == 11 && !strcmp(t->charset, ".123456789"), "the official tokens: blank 1, digit d -> d + 1");
    uint8_t q[C], z[C];
    char zeros[C + 1], back[C + 1];
    tokens_of(t, EASY, q);
    CHECK(q[0] == TRM_SUDOKU_BLANK && q[2] == 4 && trm_sudoku_digit(q[2]) == 3, "token of '3' is 4");
    for (int i = 0; i < C; i++) zeros[i] = EASY[i] == '.' ? '0' : EASY[i];
    zeros[C] = '\0';
    tokens_of(t, zeros, z);
    CHECK(!memcmp(q, z, C), "'0' reads as a blank (HRM CSV files)");
    trm_error e;
    CHECK(trm_task_detokenize(t, q, 9, 9, back, &e) == TRM_OK && !strcmp(back, EASY), "round trip");
    char bad[C + 1];
    memcpy(bad, EASY, C + 1);
    bad[9 * 4 + 7] = 'x';
    CHECK(trm_task_tokenize(t, bad, C, 9, 9, q, &e) == TRM_E_FORMAT && strstr(e.msg, "row 4, column 7") && strstr(e.msg, "'x'"),
          "a bad character names its cell: %s", e.msg);
    CHECK(trm_task_tokenize(t, EASY, C - 1, 9, 9, q, &e) == TRM_E_SHAPE, "80 characters: %s", e.msg);
    tokens_of(t, EASY, q);
    CHECK(t->check_question(q, 9, 8, &e) == TRM_E_SHAPE && strstr(e.msg, "9 x 9"), "9 x 8: %s", e.msg);
    CHECK(t->check_question(q, 9, 9, &e) == TRM_OK, "a good question: %s", e.msg);
    uint8_t c2[C];
    memcpy(c2, q, C);
    c2[9 * 8 + 0] = 1 + 9; /* a 9 in row 8, column 0: column 0 already has a 9 at row 1 */
    CHECK(t->check_question(c2, 9, 9, &e) == TRM_E_FORMAT && strstr(e.msg, "contradictory") && strstr(e.msg, "column 0") &&
              strstr(e.msg, "two 9s") && strstr(e.msg, "row 1, column 0") && strstr(e.msg, "row 8, column 0"),
          "clashing givens are named: %s", e.msg);
    memcpy(c2, q, C);
    c2[10] = 0;
    CHECK(t->check_question(c2, 9, 9, &e) == TRM_E_FORMAT && strstr(e.msg, "row 1, column 1") && strstr(e.msg, "token 0"),
          "PAD in a question: %s", e.msg);
}

static void test_solver(void) {
    const trm_task *t = trm_task_find("sudoku");
    void *ws = malloc(TRM_SUDOKU_WORKSPACE);
    uint8_t q[C], s[C];
    trm_sudoku_search r;
    trm_error e;
    tokens_of(t, EASY, q);
    CHECK(trm_sudoku_solve(q, s, 2, &r, ws, &e) == TRM_OK && r.solutions == 1 && r.guesses == 0 && r.backtracks == 0,
          "easy: one solution, no search (%d, %lld)", r.solutions, (long long)r.guesses);
    CHECK(plain_valid(q, s) && trm_sudoku_valid(q, s, NULL, 0) && plain_solutions(q, 2) == 1, "easy: the solution is right");
    tokens_of(t, HARD, q);
    CHECK(trm_sudoku_solve(q, s, 2, &r, ws, &e) == TRM_OK && r.solutions == 1 && r.backtracks > 0 && r.guesses > r.backtracks / 2,
          "hard: one solution after search (%lld guesses, %lld backtracks)", (long long)r.guesses, (long long)r.backtracks);
    CHECK(plain_valid(q, s), "hard: the solution is right");
    const int64_t hard_rating = r.backtracks;
    uint8_t relabelled[C];
    for (int i = 0; i < C; i++) relabelled[i] = trm_sudoku_digit(q[i]) ? (uint8_t)(2 + (trm_sudoku_digit(q[i]) * 4) % 9) : q[i];
    CHECK(trm_sudoku_solve(relabelled, NULL, 2, &r, ws, &e) == TRM_OK && r.backtracks == hard_rating,
          "the rating does not depend on the digits' names (%lld vs %lld)", (long long)r.backtracks, (long long)hard_rating);
    memset(q, TRM_SUDOKU_BLANK, C);
    CHECK(trm_sudoku_solve(q, s, 5, &r, ws, &e) == TRM_OK && r.solutions == 5 && plain_valid(q, s), "an empty grid: many");
    /* consistent givens without a solution: row 0 holds 1..8, and a 9 in column 0 below */
    memset(q, TRM_SUDOKU_BLANK, C);
    for (int c = 1; c < 9; c++) q[c] = (uint8_t)(1 + c);
    q[9 * 5] = 10;
    CHECK(t->check_question(q, 9, 9, &e) == TRM_OK, "no clash: %s", e.msg);
    CHECK(trm_sudoku_solve(q, s, 2, &r, ws, &e) == TRM_OK && r.solutions == 0, "no solution: %d", r.solutions);
    CHECK(t->solve(q, 9, 9, s, NULL, ws, &e) == TRM_E_INVALID && strstr(e.msg, "no solution"), "task solve: %s", e.msg);
    CHECK(trm_sudoku_solve(q, s, 0, &r, ws, &e) == TRM_E_INVALID, "max_solutions 0");
    free(ws);
}

/* Generated puzzles: unique and minimal by the plain counter, rated as the solver rates them, the
 * same bytes again, and the rating filter and the symmetric generator do what they say. */
static void test_generator(void) {
    const trm_task *t = trm_task_find("sudoku");
    void *ws = malloc(t->workspace_bytes(9, 9));
    trm_task_gen g;
    trm_task_gen_default(t, &g, 9, 9);
    trm_error e;
    CHECK(g.min_rating == 0 && t->gen_check(&g, &e) == TRM_OK, "defaults: %s", e.msg);
    int rated = 0, clue_min = C, clue_max = 0;
    for (int k = 0; k < 12; k++) {
        uint8_t q[C], l[C], q2[C], l2[C];
        int rating = -1, rating2 = -2;
        CHECK(t->generate(&g, 5, (uint64_t)k, q, l, &rating, ws, &e) == TRM_OK, "generate: %s", e.msg);
        CHECK(t->generate(&g, 5, (uint64_t)k, q2, l2, &rating2, ws, &e) == TRM_OK && !memcmp(q, q2, C) &&
                  !memcmp(l, l2, C) && rating == rating2,
              "puzzle %d: the same bytes again", k);
        CHECK(t->check_label(q, l, 9, 9, &e) == TRM_OK && plain_valid(q, l), "puzzle %d: the label solves it", k);
        CHECK(plain_solutions(q, 2) == 1, "puzzle %d: one solution", k);
        int clues = 0, removable = 0;
        for (int i = 0; i < C; i++) {
            if (q[i] == TRM_SUDOKU_BLANK) continue;
            clues++;
            if (k >= 4) continue; /* the plain counter is slow: minimality on the first four */
            const uint8_t keep = q[i];
            q[i] = TRM_SUDOKU_BLANK;
            removable += plain_solutions(q, 2) == 1;
            q[i] = keep;
        }
        CHECK(removable == 0, "puzzle %d: minimal (%d of %d clues could go)", k, removable, clues);
        clue_min = clues < clue_min ? clues : clue_min, clue_max = clues > clue_max ? clues : clue_max;
        trm_sudoku_search r;
        trm_sudoku_solve(q, NULL, 2, &r, ws, &e);
        CHECK(r.backtracks == rating, "puzzle %d: rating %d is the solver's backtracks %lld", k, rating, (long long)r.backtracks);
        rated += rating > 0;
    }
    printf("12 minimal puzzles: %d to %d clues, %d needed search\n", clue_min, clue_max, rated);
    CHECK(clue_min >= 17 && clue_max <= 35, "minimal puzzles have 17..35 clues (%d..%d)", clue_min, clue_max);
    uint8_t q[C], other[C];
    t->generate(&g, 5, 0, q, NULL, NULL, ws, &e);
    t->generate(&g, 6, 0, other, NULL, NULL, ws, &e);
    CHECK(memcmp(q, other, C) != 0, "another seed, another puzzle");
    g.min_rating = 3;
    for (int k = 0; k < 3; k++) {
        int rating = -1;
        CHECK(t->generate(&g, 9, (uint64_t)k, q, NULL, &rating, ws, &e) == TRM_OK && rating >= 3, "min_rating 3: %d (%s)",
              rating, e.msg);
    }
    g.min_rating = 1000000;
    g.max_layouts = 2;
    CHECK(t->generate(&g, 9, 0, q, NULL, NULL, ws, &e) == TRM_E_INVALID && strstr(e.msg, "2 solved grids"),
          "an impossible rating: %s", e.msg);
    trm_task_gen_default(t, &g, 9, 9);
    g.kind = trm_task_generator_parse(t, "symmetric");
    CHECK(g.kind == TRM_SUDOKU_SYMMETRIC, "generator names");
    for (int k = 0; k < 4; k++) {
        t->generate(&g, 5, (uint64_t)k, q, NULL, NULL, ws, &e);
        int sym = 1;
        for (int i = 0; i < C; i++) sym &= (q[i] == TRM_SUDOKU_BLANK) == (q[C - 1 - i] == TRM_SUDOKU_BLANK);
        CHECK(sym && plain_solutions(q, 2) == 1, "symmetric puzzle %d: clues in centre-symmetric pairs, unique", k);
    }
    g.kind = 2;
    CHECK(t->gen_check(&g, &e) == TRM_E_INVALID, "generator 2 does not exist");
    trm_task_gen_default(t, &g, 9, 8);
    CHECK(t->gen_check(&g, &e) == TRM_E_SHAPE && t->workspace_bytes(9, 8) == 0, "9 x 8: %s", e.msg);
    free(ws);
}

static void test_shuffles(void) {
    const trm_task *t = trm_task_find("sudoku");
    void *ws = malloc(t->workspace_bytes(9, 9));
    uint8_t q[C], l[C], q2[C], l2[C], back[C];
    trm_error e;
    tokens_of(t, HARD, q);
    t->solve(q, 9, 9, l, NULL, ws, &e);
    int moved_places = 0, moved_digits = 0, transposed = 0;
    for (int tid = 0; tid < 200; tid++) {
        memcpy(q2, q, C);
        memcpy(l2, l, C);
        CHECK(t->augment(q2, l2, 9, 9, tid, ws, &e) == TRM_OK, "augment %d: %s", tid, e.msg);
        CHECK(plain_valid(q2, l2) && plain_solutions(q2, 2) == 1, "shuffle %d keeps a one-solution sudoku", tid);
        CHECK(t->transform(q2, 9, 9, tid, 1, back, &e) == TRM_OK && !memcmp(back, q, C), "shuffle %d: the inverse undoes it", tid);
        int blanks_moved = 0, given_digits_differ = 0;
        for (int i = 0; i < C; i++) blanks_moved += (q2[i] == TRM_SUDOKU_BLANK) != (q[i] == TRM_SUDOKU_BLANK);
        for (int i = 0; i < C; i++) given_digits_differ += q2[i] != q[i];
        if (tid == 0) CHECK(!memcmp(q2, q, C) && !memcmp(l2, l, C), "shuffle 0 is the identity");
        moved_places += blanks_moved > 0;
        /* digits relabelled: some cell keeps its place in the solution but not its digit */
        uint8_t t0[C];
        t->transform(l, 9, 9, tid, 0, t0, &e);
        moved_digits += memcmp(t0, l2, C) == 0 && given_digits_differ > 0;
        /* the transpose: the first row of the solution becomes a column */
        int col = 1;
        for (int c = 0; c < 9; c++) col &= trm_sudoku_digit(l2[c * 9]) != 0;
        transposed += col;
    }
    CHECK(moved_places > 150 && moved_digits > 150, "shuffles move places and digits (%d, %d of 200)", moved_places,
          moved_digits);
    CHECK(t->transform(q, 9, 9, -1, 0, back, &e) == TRM_E_INVALID, "negative shuffle id");
    CHECK(t->transform(q, 9, 6, 1, 0, back, &e) == TRM_E_SHAPE, "9 x 6 shuffle");
    /* PAD and unknown tokens keep their token and move with their cell */
    memcpy(q2, q, C);
    q2[0] = 0;
    q2[1] = 77;
    t->transform(q2, 9, 9, 3, 0, back, &e);
    t->transform(back, 9, 9, 3, 1, l2, &e);
    CHECK(!memcmp(l2, q2, C), "PAD and unknown tokens survive a shuffle and its inverse");
    CHECK(trm_task_views(t, 9, 9) == 8, "8 voting views (%d)", trm_task_views(t, 9, 9));
    (void)transposed;
    free(ws);
}

static void test_verdicts(void) {
    const trm_task *t = trm_task_find("sudoku");
    void *ws = malloc(t->workspace_bytes(9, 9));
    uint8_t q[C], l[C], a[C];
    trm_verdict v;
    trm_error e;
    tokens_of(t, EASY, q);
    t->solve(q, 9, 9, l, NULL, ws, &e);
    int blanks = 0;
    for (int i = 0; i < C; i++) blanks += q[i] == TRM_SUDOKU_BLANK;
    CHECK(t->verify(q, l, l, 9, 9, ws, &v, &e) == TRM_OK && v.valid && v.optimal && v.exact && v.length == blanks &&
              v.best_length == blanks && !v.reason[0],
          "the solution is valid and exact");
    memcpy(a, l, C);
    int i0 = 0, i1;
    while (q[i0] != TRM_SUDOKU_BLANK) i0++;
    for (i1 = i0 + 1; q[i1] != TRM_SUDOKU_BLANK || i1 / 9 != i0 / 9; i1++) {}
    a[i0] = l[i1], a[i1] = l[i0];
    t->verify(q, a, l, 9, 9, ws, &v, &e);
    CHECK(!v.valid && !v.exact && v.length == -1 && v.best_length == blanks && strstr(v.reason, "has two"),
          "two blanks of a row swapped: %s", v.reason);
    memcpy(a, l, C);
    a[2] = l[2] == 2 ? 3 : 2;
    t->verify(q, a, NULL, 9, 9, ws, &v, &e);
    CHECK(!v.valid && strstr(v.reason, "row 0, column 2") && strstr(v.reason, "question gives 3"), "a given changed: %s",
          v.reason);
    memcpy(a, l, C);
    a[i0] = TRM_SUDOKU_BLANK;
    t->verify(q, a, NULL, 9, 9, ws, &v, &e);
    CHECK(!v.valid && strstr(v.reason, "no digit") && v.best_length == blanks, "a blank left: %s", v.reason);
    CHECK(t->check_label(q, a, 9, 9, &e) == TRM_E_FORMAT && strstr(e.msg, "no digit"), "label with a blank: %s", e.msg);
    /* several solutions: a valid answer that is not the label */
    uint8_t empty[C];
    memset(empty, TRM_SUDOKU_BLANK, C);
    t->verify(empty, l, NULL, 9, 9, ws, &v, &e);
    CHECK(v.valid && !v.exact && v.length == C, "any solved grid answers an empty one");
    /* unsolvable: best_length -1 */
    memset(a, TRM_SUDOKU_BLANK, C);
    for (int c = 1; c < 9; c++) a[c] = (uint8_t)(1 + c);
    a[9 * 5] = 10;
    t->verify(a, l, NULL, 9, 9, ws, &v, &e);
    CHECK(!v.valid && v.best_length == -1, "no solution: best_length -1 (%d)", v.best_length);
    free(ws);
}

int main(void) {
    test_tokens_and_errors();
    test_solver();
    test_generator();
    test_shuffles();
    test_verdicts();
    printf("test_sudoku: %d checks, %d failures\n", check_count, check_failures);
    return check_failures != 0;
}
