/* sudoku.c: checks, the counting solver, the generator and the shuffles of sudoku.h. */
#include "sudoku.h"

#include "internal.h"

#include <stdio.h>
#include <string.h>

#define N TRM_SUDOKU_SIDE
#define CELLS TRM_SUDOKU_CELLS
#define ALL 0x1ffu /* all nine candidates: bit d is digit d + 1 */
#define FRESH 0xff /* a search frame that has not chosen its branching cell yet */

static int row_of(int i) { return i / N; }
static int col_of(int i) { return i % N; }
static int box_of(int i) { return i / 27 * 3 + i % N / 3; }
/* Cell k (0..8) of unit u: rows 0..8, columns 9..17, boxes 18..26. */
static int unit_cell(int u, int k) {
    if (u < N) return u * N + k;
    if (u < 2 * N) return k * N + (u - N);
    const int b = u - 2 * N;
    return (b / 3 * 3 + k / 3) * N + b % 3 * 3 + k % 3;
}
static const char *unit_kind(int u) { return u < N ? "row" : u < 2 * N ? "column" : "box"; }
static int unit_index(int u) { return u % N; }

static int popcount9(unsigned m) {
    int n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}
static int lowest_bit(unsigned m) {
    int d = 0;
    while (!(m >> d & 1)) d++;
    return d;
}

/* ---- checks ---------------------------------------------------------------------------------- */

static trm_status check_size(int h, int w, trm_error *err) {
    if (h != N || w != N) return trm__fail(err, TRM_E_SHAPE, "sudoku size %d x %d: a sudoku is 9 x 9", h, w);
    return TRM_OK;
}

/* The first unit holding some digit twice: 1 and the two cells, else 0. */
static int find_clash(const uint8_t *g, int *unit, int *digit, int *a, int *b) {
    for (int u = 0; u < 3 * N; u++) {
        int seen[N + 1];
        for (int d = 0; d <= N; d++) seen[d] = -1;
        for (int k = 0; k < N; k++) {
            const int i = unit_cell(u, k), d = trm_sudoku_digit(g[i]);
            if (!d) continue;
            if (seen[d] >= 0) {
                *unit = u, *digit = d, *a = seen[d], *b = i;
                return 1;
            }
            seen[d] = i;
        }
    }
    return 0;
}

trm_status trm_sudoku_check_question(const uint8_t *q, int h, int w, trm_error *err) {
    trm_status st = check_size(h, w, err);
    if (st != TRM_OK) return st;
    for (int i = 0; i < CELLS; i++)
        if (q[i] != TRM_SUDOKU_BLANK && !trm_sudoku_digit(q[i]))
            return trm__fail(err, TRM_E_FORMAT, "row %d, column %d: token %d is neither a blank nor a digit", row_of(i),
                             col_of(i), q[i]);
    int u, d, a, b;
    if (find_clash(q, &u, &d, &a, &b))
        return trm__fail(err, TRM_E_FORMAT, "contradictory givens: %s %d has two %ds (row %d, column %d and row %d, column %d)",
                         unit_kind(u), unit_index(u), d, row_of(a), col_of(a), row_of(b), col_of(b));
    return TRM_OK;
}

int trm_sudoku_valid(const uint8_t *q, const uint8_t *a, char *reason, size_t size) {
    char scratch[8];
    if (!reason) reason = scratch, size = sizeof scratch;
    for (int i = 0; i < CELLS; i++) {
        if (!trm_sudoku_digit(a[i])) {
            snprintf(reason, size, "row %d, column %d holds no digit", row_of(i), col_of(i));
            return 0;
        }
        if (trm_sudoku_digit(q[i]) && a[i] != q[i]) {
            snprintf(reason, size, "row %d, column %d is %d where the question gives %d", row_of(i), col_of(i),
                     trm_sudoku_digit(a[i]), trm_sudoku_digit(q[i]));
            return 0;
        }
    }
    int u, d, c0, c1;
    if (find_clash(a, &u, &d, &c0, &c1)) {
        snprintf(reason, size, "%s %d has two %ds (row %d, column %d and row %d, column %d)", unit_kind(u),
                 unit_index(u), d, row_of(c0), col_of(c0), row_of(c1), col_of(c1));
        return 0;
    }
    reason[0] = '\0';
    return 1; /* 81 digits and no unit repeats one: every unit is a permutation */
}

/* ---- the search ------------------------------------------------------------------------------ */

/* One node of the search: every cell's candidates (a placed cell keeps its one digit), which
 * cells are placed, and the branch it is working through. */
typedef struct {
    uint16_t cand[CELLS];
    uint8_t placed[CELLS];
    uint8_t filled; /* placed cells */
    uint8_t cell;   /* the branching cell, FRESH before it is chosen */
    uint16_t left;  /* its digits not tried yet */
} frame;
_Static_assert(sizeof(frame) <= 256 && TRM_SUDOKU_WORKSPACE >= (CELLS + 1) * 256,
               "the workspace holds a frame per placed cell and the root");

/* Digit bit d in cell i, and out of every peer's candidates. 0 on a contradiction (the digit
 * was not a candidate, or a peer is left with none). */
static int place(frame *f, int i, int d) {
    const unsigned bit = 1u << d;
    if (!(f->cand[i] & bit)) return 0;
    f->cand[i] = (uint16_t)bit;
    f->placed[i] = 1;
    f->filled++;
    const int r = row_of(i), c = col_of(i), b = box_of(i);
    for (int k = 0; k < N; k++) {
        const int peers[3] = {unit_cell(r, k), unit_cell(N + c, k), unit_cell(2 * N + b, k)};
        for (int p = 0; p < 3; p++) {
            const int j = peers[p];
            if (j == i || !(f->cand[j] & bit)) continue;
            f->cand[j] &= (uint16_t)~bit;
            if (!f->cand[j]) return 0;
        }
    }
    return 1;
}

/* Hidden singles of unit u: a digit with one possible cell gets it. -1 on a contradiction (a
 * digit with no place left), else the number placed. */
static int hidden_singles(frame *f, int u) {
    unsigned once = 0, twice = 0, done = 0;
    for (int k = 0; k < N; k++) {
        const int i = unit_cell(u, k);
        const unsigned c = f->cand[i];
        twice |= once & c;
        once |= c;
        if (f->placed[i]) done |= c;
    }
    if (once != ALL) return -1;
    int n = 0;
    for (unsigned single = once & ~twice & ~done; single; single &= single - 1) {
        const int d = lowest_bit(single);
        for (int k = 0; k < N; k++) {
            const int i = unit_cell(u, k);
            if (f->cand[i] >> d & 1) {
                if (!place(f, i, d)) return -1;
                n++;
                break;
            }
        }
    }
    return n;
}

/* Naked and hidden singles until neither places anything. 0 on a contradiction. */
static int propagate(frame *f) {
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < CELLS; i++) {
            if (f->placed[i]) continue;
            if (!f->cand[i]) return 0;
            if (!(f->cand[i] & (f->cand[i] - 1))) {
                if (!place(f, i, lowest_bit(f->cand[i]))) return 0;
                changed = 1;
            }
        }
        for (int u = 0; u < 3 * N && !changed; u++) {
            const int n = hidden_singles(f, u);
            if (n < 0) return 0;
            changed = n > 0;
        }
    }
    return 1;
}

/* The open cell with the fewest candidates, the first in index order among equals. */
static int branch_cell(const frame *f) {
    int best = -1, fewest = N + 1;
    for (int i = 0; i < CELLS && fewest > 2; i++) {
        if (f->placed[i]) continue;
        const int n = popcount9(f->cand[i]);
        if (n < fewest) best = i, fewest = n;
    }
    return best;
}

/* The k-th set bit of m (k < popcount). */
static int nth_bit(unsigned m, int k) {
    for (; k > 0; k--) m &= m - 1;
    return lowest_bit(m);
}

/* Depth-first search from the givens q (digit tokens; already checked) for up to max solutions,
 * the first written to solution (may be NULL). rng != NULL tries each branch's digits in random
 * order (random solved grids), else in increasing order. */
static void search(const uint8_t *q, int max, uint8_t *solution, trm_sudoku_search *s, frame *stack, trm_rng *rng) {
    memset(s, 0, sizeof *s);
    frame *f = &stack[0];
    memset(f, 0, sizeof *f);
    for (int i = 0; i < CELLS; i++) f->cand[i] = ALL;
    for (int i = 0; i < CELLS; i++)
        if (trm_sudoku_digit(q[i]) && !place(f, i, trm_sudoku_digit(q[i]) - 1)) return;
    if (!propagate(f)) return;
    f->cell = FRESH;
    for (int depth = 0; depth >= 0;) {
        f = &stack[depth];
        if (f->cell == FRESH) {
            if (f->filled == CELLS) {
                if (s->solutions++ == 0 && solution)
                    for (int i = 0; i < CELLS; i++) solution[i] = (uint8_t)(2 + lowest_bit(f->cand[i]));
                if (s->solutions >= max) return;
                depth--;
                continue;
            }
            f->cell = (uint8_t)branch_cell(f);
            f->left = f->cand[f->cell];
        }
        if (!f->left) {
            depth--;
            continue;
        }
        const int d = rng ? nth_bit(f->left, (int)trm_rng_below(rng, (uint32_t)popcount9(f->left))) : lowest_bit(f->left);
        f->left &= (uint16_t)~(1u << d);
        frame *child = &stack[depth + 1];
        *child = *f;
        child->cell = FRESH;
        s->guesses++;
        if (place(child, f->cell, d) && propagate(child)) depth++;
        else s->backtracks++;
    }
}

trm_status trm_sudoku_solve(const uint8_t *question, uint8_t *solution, int max_solutions, trm_sudoku_search *s,
                            void *workspace, trm_error *err) {
    trm_status st = trm_sudoku_check_question(question, N, N, err);
    if (st != TRM_OK) return st;
    if (max_solutions < 1) return trm__fail(err, TRM_E_INVALID, "max_solutions %d: must be >= 1", max_solutions);
    trm_sudoku_search local;
    search(question, max_solutions, solution, s ? s : &local, (frame *)workspace, NULL);
    return TRM_OK;
}

/* ---- generation ------------------------------------------------------------------------------ */

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A minimal (or symmetric-minimal) puzzle of a random solved grid: q holds the grid on entry
 * and the puzzle on return. Every clue is tried once, in random order: it goes if the solution
 * stays unique without it. Returns the puzzle's rating. */
static int dig(trm_sudoku_generator gen, uint8_t *q, frame *stack, trm_rng *rng) {
    int order[CELLS];
    for (int i = 0; i < CELLS; i++) order[i] = i;
    for (int i = CELLS - 1; i > 0; i--) { /* Fisher-Yates */
        const int j = (int)trm_rng_below(rng, (uint32_t)i + 1), t = order[i];
        order[i] = order[j], order[j] = t;
    }
    trm_sudoku_search s;
    for (int k = 0; k < CELLS; k++) {
        const int i = order[k], j = gen == TRM_SUDOKU_SYMMETRIC ? CELLS - 1 - i : i;
        if (q[i] == TRM_SUDOKU_BLANK) continue; /* went with its partner */
        const uint8_t qi = q[i], qj = q[j];
        q[i] = q[j] = TRM_SUDOKU_BLANK;
        search(q, 2, NULL, &s, stack, NULL);
        if (s.solutions != 1) q[i] = qi, q[j] = qj;
    }
    search(q, 2, NULL, &s, stack, NULL);
    return s.backtracks > 0x7fffffff ? 0x7fffffff : (int)s.backtracks;
}

trm_status trm_sudoku_generate(trm_sudoku_generator gen, int min_rating, uint64_t seed, uint64_t index,
                               uint8_t *question, uint8_t *solution, int *rating, int max_grids, void *workspace,
                               trm_error *err) {
    if (gen != TRM_SUDOKU_MINIMAL && gen != TRM_SUDOKU_SYMMETRIC)
        return trm__fail(err, TRM_E_INVALID, "sudoku generator %d: not one of minimal (0), symmetric (1)", (int)gen);
    if (max_grids < 1) return trm__fail(err, TRM_E_INVALID, "sudoku max_grids %d: must be >= 1", max_grids);
    frame *stack = (frame *)workspace;
    trm_rng rng;
    trm_rng_seed(&rng, mix64(seed ^ mix64(index + 0x5D0C0DE5D0C0DEull)));
    uint8_t blank[CELLS], grid[CELLS];
    memset(blank, TRM_SUDOKU_BLANK, sizeof blank);
    for (int g = 0; g < max_grids; g++) {
        trm_sudoku_search s;
        search(blank, 1, grid, &s, stack, &rng); /* a uniformly shuffled search: a random solved grid */
        memcpy(question, grid, CELLS);
        const int r = dig(gen, question, stack, &rng);
        if (r < min_rating) continue;
        if (solution) memcpy(solution, grid, CELLS);
        if (rating) *rating = r;
        return TRM_OK;
    }
    return trm__fail(err, TRM_E_INVALID, "no %s sudoku rated >= %d in %d solved grids; lower the minimum rating",
                     gen == TRM_SUDOKU_SYMMETRIC ? "symmetric" : "minimal", min_rating, max_grids);
}

/* ---- shuffles -------------------------------------------------------------------------------- */

/* Shuffle id as a cell map (dst cell i takes src cell from[i]) and a digit map (digit d + 1
 * becomes digit[d] + 1). */
static void shuffle_maps(int id, int from[CELLS], int digit[N]) {
    for (int d = 0; d < N; d++) digit[d] = d;
    for (int i = 0; i < CELLS; i++) from[i] = i;
    if (id == 0) return;
    trm_rng rng;
    trm_rng_seed(&rng, mix64((uint64_t)id * 0x9E3779B97F4A7C15ull));
    for (int d = N - 1; d > 0; d--) {
        const int j = (int)trm_rng_below(&rng, (uint32_t)d + 1), t = digit[d];
        digit[d] = digit[j], digit[j] = t;
    }
    const int transpose = (int)trm_rng_below(&rng, 2);
    int rows[N], cols[N]; /* dst row r takes src row rows[r]; columns alike */
    for (int pass = 0; pass < 2; pass++) {
        int *line = pass ? cols : rows, bands[3] = {0, 1, 2};
        for (int b = 2; b > 0; b--) {
            const int j = (int)trm_rng_below(&rng, (uint32_t)b + 1), t = bands[b];
            bands[b] = bands[j], bands[j] = t;
        }
        for (int b = 0; b < 3; b++) {
            int in[3] = {0, 1, 2};
            for (int k = 2; k > 0; k--) {
                const int j = (int)trm_rng_below(&rng, (uint32_t)k + 1), t = in[k];
                in[k] = in[j], in[j] = t;
            }
            for (int k = 0; k < 3; k++) line[b * 3 + k] = bands[b] * 3 + in[k];
        }
    }
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++) {
            const int sr = rows[r], sc = cols[c];
            from[r * N + c] = transpose ? sc * N + sr : sr * N + sc;
        }
}

trm_status trm_sudoku_shuffle(const uint8_t *src, int id, int inverse, uint8_t *dst, trm_error *err) {
    if (id < 0) return trm__fail(err, TRM_E_INVALID, "sudoku shuffle %d: ids are 0 .. %d", id, TRM_SUDOKU_SHUFFLES - 1);
    int from[CELLS], digit[N], undo[N];
    shuffle_maps(id, from, digit);
    for (int d = 0; d < N; d++) undo[digit[d]] = d;
    for (int i = 0; i < CELLS; i++) {
        const int s = inverse ? i : from[i], t = inverse ? from[i] : i, d = trm_sudoku_digit(src[s]);
        dst[t] = d ? (uint8_t)(2 + (inverse ? undo[d - 1] : digit[d - 1])) : src[s];
    }
    return TRM_OK;
}
