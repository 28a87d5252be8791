/* sudoku.h: 9x9 Sudoku: tokens, checks, a counting solver that rates difficulty, a generator of
 * puzzles with one solution, and the validity-keeping shuffles (core/).
 *
 * Tokens (TRM §1.6, as the official Sudoku-Extreme dataset): PAD 0, blank '.' 1, digit d -> d + 1
 * (2..10); vocabulary 11. Grids are row-major: cell (r, c) is index 9 r + c; box b holds rows
 * 3 (b / 3) .. + 2 and columns 3 (b % 3) .. + 2.
 *
 * The solver is a complete depth-first search over candidate bitmasks: after every placement it
 * propagates naked singles (a cell with one candidate left) and hidden singles (a digit with one
 * place left in a row, column or box), then branches on the open cell with the fewest candidates
 * (the first such cell in index order), digits in increasing order. It counts solutions up to a
 * limit (2 proves uniqueness) and the effort it took:
 *   - guesses: branches tried (a digit placed in a cell with several candidates);
 *   - backtracks: branches that ended in a contradiction.
 * A puzzle's rating is the backtracks of the search that proves it has one solution: 0 for every
 * puzzle singles alone solve, more the more search it needs. As the Sudoku-Extreme rating (tdoku's
 * backtrack count), it is one solver's effort, not a human grade; relabelling the digits leaves it
 * unchanged (the search explores every branch of a one-solution puzzle, whatever the digit order).
 *
 * Nothing allocates: the solver and generator take a workspace of TRM_SUDOKU_WORKSPACE bytes
 * (aligned as malloc aligns). Generation uses only trm_rng and integer arithmetic: puzzle #index
 * of seed s is the same bytes on every platform.
 *
 * Usage:
 *     void *ws = malloc(TRM_SUDOKU_WORKSPACE);
 *     trm_sudoku_search s;
 *     trm_sudoku_solve(question, solution, 2, &s, ws, &err);   // s.solutions == 1: unique
 *     trm_sudoku_generate(TRM_SUDOKU_MINIMAL, 0, seed, index, question, solution, &rating, 1000, ws, &err);
 */
#ifndef TRM_SUDOKU_H
#define TRM_SUDOKU_H

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TRM_SUDOKU_PAD = 0,
    TRM_SUDOKU_BLANK = 1, /* '.' */
    TRM_SUDOKU_VOCAB = 11,
    TRM_SUDOKU_SIDE = 9,
    TRM_SUDOKU_CELLS = 81,
    TRM_SUDOKU_WORKSPACE = 82 * 256 /* one search frame per placed cell, and the root */
};

/* Token id = 1 + position in this string: '.' blank, then the digits. Readers also take '0' for a
 * blank (task.h aliases), as the HRM / Sudoku-Extreme CSV files write it. */
#define TRM_SUDOKU_CHARSET ".123456789"

/* The digit (1..9) of a token, 0 for a blank and anything else. */
static inline int trm_sudoku_digit(uint8_t token) { return token >= 2 && token <= 10 ? token - 1 : 0; }

/* A 9x9 grid of blanks and digits whose digits do not already clash (two equal digits in a row,
 * column or box). TRM_E_SHAPE for other sizes, TRM_E_FORMAT naming the cell or the clash. A
 * question that passes may still have no solution (the solver says so). */
trm_status trm_sudoku_check_question(const uint8_t *question, int h, int w, trm_error *err);

typedef struct trm_sudoku_search {
    int solutions;      /* found, at most the limit asked for */
    int64_t guesses;    /* branches tried */
    int64_t backtracks; /* branches that ended in a contradiction */
} trm_sudoku_search;

/* Search question (81 tokens; checked first) for up to max_solutions (>= 1) solutions; the first
 * found goes to solution (may be NULL). TRM_OK whatever the count (0: no solution). */
trm_status trm_sudoku_solve(const uint8_t *question, uint8_t *solution, int max_solutions, trm_sudoku_search *search,
                            void *workspace, trm_error *err);

/* The answer is a solved grid (a digit in every cell, each row, column and box a permutation of
 * 1..9) that keeps every given of the question. 1 if so; else 0 and, if reason is not NULL, the
 * first problem found (reason_size bytes, NUL-terminated). */
int trm_sudoku_valid(const uint8_t *question, const uint8_t *answer, char *reason, size_t reason_size);

/* Generators. */
typedef enum {
    TRM_SUDOKU_MINIMAL = 0,  /* clues removed in random order while the solution stays unique:
                                a minimal puzzle (no clue can go), typically 21-26 clues */
    TRM_SUDOKU_SYMMETRIC = 1 /* the same, clues removed in pairs symmetric about the centre (as
                                published puzzles are): more clues, usually easier */
} trm_sudoku_generator;

/* Puzzle #index of seed: a random solved grid, dug as the generator says; kept if its rating is
 * >= min_rating, else another grid is drawn, up to max_grids (TRM_E_INVALID naming the count
 * when none qualified). question and solution [81] tokens (solution may be NULL); *rating (may
 * be NULL) the puzzle's rating. */
trm_status trm_sudoku_generate(trm_sudoku_generator gen, int min_rating, uint64_t seed, uint64_t index,
                               uint8_t *question, uint8_t *solution, int *rating, int max_grids, void *workspace,
                               trm_error *err);

/* Shuffles that keep a Sudoku a Sudoku (the official augmentation, TRM §1.6): a permutation of
 * the digits, a transpose with probability 1/2, a permutation of the row bands and of the rows
 * inside each band, the same for the column stacks. Shuffle 0 is the identity; every other id
 * (1 .. TRM_SUDOKU_SHUFFLES - 1) names one drawn from trm_rng seeded by the id. */
#define TRM_SUDOKU_SHUFFLES 0x7fffffff

/* dst [81] = src [81] seen through shuffle id (inverse != 0: the shuffle that undoes it). Blanks,
 * PAD and tokens outside the vocabulary keep their token; only their place moves. dst must not
 * alias src. TRM_E_INVALID for a negative id. */
trm_status trm_sudoku_shuffle(const uint8_t *src, int id, int inverse, uint8_t *dst, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRM_SUDOKU_H */
