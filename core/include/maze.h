/* maze.h: maze tokens, generators, BFS verification and the 8 dihedral transforms (core/).
 *
 * Grids are row-major uint8 token arrays of h*w cells: cell (r, c) is index r*w + c.
 * Tokens (TRM §1.1): PAD 0, '#' wall 1, ' ' open 2, 'S' start 3, 'G' goal 4, 'o' path 5.
 *
 * Definitions used everywhere in this file:
 *  - Moves are 4-neighbour steps of unit cost; cells outside the grid count as walls.
 *  - "Path length" = the number of moves from S to G (= the BFS distance for a shortest path),
 *    so a path through k 'o' cells has length k + 1. A dataset's `rating` holds this number and
 *    `trm-maze --min-path L` keeps mazes whose path length is >= L.
 *  - A label (the answer) is the question with the cells of one shortest path between S and G
 *    marked 'o'. S and G stay letters. Verification accepts answers and labels in either
 *    convention (S/G kept, or marked 'o').
 *  - When several shortest paths exist, the label uses the one found by walking back from G to
 *    S, taking at every step the first neighbour one move closer to S in the order up, left,
 *    right, down.
 *
 * Hot functions never allocate: they take a caller-provided workspace of
 * trm_maze_workspace_bytes(h, w) bytes, aligned as malloc aligns (one workspace per thread).
 *
 * Determinism: generation uses only trm_rng and integer arithmetic, so maze #index of seed s is
 * the same bytes on every platform and can be regenerated on its own from (s, index).
 *
 * Usage:
 *     trm_maze_options o; trm_maze_options_default(&o, 30, 30);
 *     o.min_path = 111;                                   // Maze-Hard: path length > 110
 *     void *ws = malloc(trm_maze_workspace_bytes(30, 30));
 *     uint8_t q[900], a[900]; int len; trm_error err;
 *     if (trm_maze_generate(&o, seed, k, q, a, &len, ws, &err) != TRM_OK) ... err.msg ...
 *     trm_maze_verdict v; trm_maze_verify(q, answer, a, 30, 30, ws, &v, &err);
 */
#ifndef TRM_MAZE_H
#define TRM_MAZE_H

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TRM_MAZE_PAD = 0,
    TRM_MAZE_WALL = 1,  /* '#' */
    TRM_MAZE_OPEN = 2,  /* ' ' */
    TRM_MAZE_START = 3, /* 'S' */
    TRM_MAZE_GOAL = 4,  /* 'G' */
    TRM_MAZE_PATH = 5,  /* 'o' */
    TRM_MAZE_VOCAB = 6,
    TRM_MAZE_MAX_SIDE = 1024 /* largest height or width accepted */
};

/* Token id = 1 + position in this string (TRM §1.1). */
#define TRM_MAZE_CHARSET "# SGo"

/* ------------------------------------------------------------------------------------------ */
/* Tokens                                                                                      */

/* chars [len] row-major, len must be h*w -> tokens [h*w]. The error names the grid row and
 * column (0-based) and the bad character. */
trm_status trm_maze_tokenize(const char *chars, size_t len, int h, int w, uint8_t *tokens,
                             trm_error *err);
/* tokens [h*w] -> chars [h*w + 1], NUL-terminated. Tokens outside 1..5 (PAD or garbage from a
 * model) are written as '?' and the first one is reported as TRM_E_FORMAT (the output is still
 * complete, so it can be displayed). */
trm_status trm_maze_detokenize(const uint8_t *tokens, int h, int w, char *chars, trm_error *err);
/* The character of one token, '?' outside 1..5. */
char trm_maze_token_char(uint8_t token);

/* ------------------------------------------------------------------------------------------ */
/* Workspace                                                                                   */

/* Bytes of workspace every function below needs for an h x w grid (0 if the size is invalid). */
size_t trm_maze_workspace_bytes(int h, int w);

/* ------------------------------------------------------------------------------------------ */
/* Generation                                                                                  */

typedef enum trm_maze_algorithm {
    /* Lehnert et al. / Maze-Hard (TRM §9): wall count uniform in [3*floor(N/10), 5*floor(N/10)]
     * on uniformly random cells, S and G distinct random open cells, up to tries_per_layout
     * (S, G) draws per layout, kept if the path length is >= min_path. Any h x w with N >= 2. */
    TRM_MAZE_LEHNERT = 0,
    /* Perfect corridor maze carved by randomized depth-first search. Rooms are the cells whose
     * row and column are both even (0-based; the "odd cells" when counting from 1), passages
     * are the cells between two rooms, and there is no border row or column: the grid edge
     * acts as the outer wall. For an odd side the lattice fills the grid exactly. For an even
     * side one row (the last) or column (the last) is left over; each of its cells next to a
     * room is opened with probability 1/2 as a one-cell dead end, which keeps the maze a tree.
     * S and G are the two ends of the longest path (two BFS passes), in random order. Every
     * path in a tree is unique. Needs h, w >= 3. */
    TRM_MAZE_DFS = 1,
    /* The same corridor maze with S and G on two distinct random open cells (rooms or
     * passages), up to tries_per_layout draws per maze, kept if their path length is >=
     * min_path: the mazes people make by dragging S and G around a corridor maze. */
    TRM_MAZE_DFS_ANY = 2,
    /* Lehnert's procedure with fewer walls: a wall count uniform in [0, 3*floor(N/10)], so
     * rooms, open floors and scattered walls, the mazes people draw by hand. Shortest paths are
     * rarely unique here. Any h x w with N >= 2. */
    TRM_MAZE_SPARSE = 3
} trm_maze_algorithm;

/* "lehnert", "dfs", "dfs-any", "sparse"; NULL for a value outside the enum. */
const char *trm_maze_algorithm_name(trm_maze_algorithm a);
/* The algorithm called name, or -1. */
int trm_maze_algorithm_parse(const char *name);

typedef struct trm_maze_options {
    trm_maze_algorithm algorithm;
    int height, width;
    int min_path;         /* keep mazes with path length >= min_path (moves); default max(h, w)
                             (at most h*w - 1) */
    int unique;           /* 1: keep only mazes whose shortest path is unique */
    int tries_per_layout; /* lehnert: (S, G) draws per wall layout; default 100 (Lehnert's) */
    int max_layouts;      /* give up (TRM_E_INVALID) after this many layouts; default 100000 */
} trm_maze_options;

void trm_maze_options_default(trm_maze_options *o, int h, int w);
/* Check sizes and limits; the message names the bad option. */
trm_status trm_maze_options_check(const trm_maze_options *o, trm_error *err);

/* The rng seed of maze #index of a data set with seed `seed` (a 64-bit mix of both), so that
 * any maze can be regenerated alone. */
uint64_t trm_maze_seed(uint64_t seed, uint64_t index);

/* Generate maze #index of seed `seed`: question [h*w] (walls, open, one S, one G) and label
 * [h*w] (or NULL) with the shortest path marked 'o'. *path_len (may be NULL) = path length in
 * moves. Fails with TRM_E_INVALID when the options are bad or no maze was found within
 * max_layouts. */
trm_status trm_maze_generate(const trm_maze_options *o, uint64_t seed, uint64_t index,
                             uint8_t *question, uint8_t *label, int *path_len, void *workspace,
                             trm_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Solving and verification                                                                    */

/* A question: tokens 1..4 only (no path cells), exactly one S and one G (else TRM_E_FORMAT,
 * naming the row and column or the counts), valid sizes (TRM_E_SHAPE). */
trm_status trm_maze_check_question(const uint8_t *question, int h, int w, trm_error *err);

/* Number of shortest paths from S to G, saturating at `cap` (>= 1); 0 if G is unreachable.
 * question [h*w] must hold exactly one S and one G (else TRM_E_FORMAT). *length (may be NULL)
 * receives the BFS distance or -1. */
trm_status trm_maze_count_shortest(const uint8_t *question, int h, int w, int cap, int *length,
                                   int *count, void *workspace, trm_error *err);

/* Write the question with one shortest path marked 'o' (S and G stay letters; the tie rule is in
 * the file comment) into answer [h*w]; *length (may be NULL) = its length in moves. Fails with
 * TRM_E_INVALID if G cannot be reached, TRM_E_FORMAT if the question is malformed. answer may
 * equal question. */
trm_status trm_maze_solve(const uint8_t *question, int h, int w, uint8_t *answer, int *length,
                          void *workspace, trm_error *err);

typedef struct trm_maze_verdict {
    int valid;           /* the 'o' cells plus S and G form one simple 4-connected path from S to
                            G over open cells, and every other cell equals the question. The
                            path is read off the grid, so each of its cells may touch only its
                            predecessor and successor: a path that runs alongside itself is not
                            valid (a shortest path never does) */
    int optimal;         /* valid, and path_length == shortest_length */
    int exact;           /* a label was given and answer == label (either S/G convention) */
    int path_length;     /* moves along the answer's path; -1 if not valid */
    int shortest_length; /* BFS distance from S to G in the question; -1 if unreachable */
    char reason[96];     /* why not valid (first problem found), "" when valid */
} trm_maze_verdict;

/* question, answer, label (or NULL): [h*w] tokens. The answer may hold anything (a model's
 * guess); only a malformed question (tokens outside 1..4, not exactly one S and one G) or bad
 * sizes give an error (TRM_E_FORMAT / TRM_E_SHAPE). */
trm_status trm_maze_verify(const uint8_t *question, const uint8_t *answer, const uint8_t *label,
                           int h, int w, void *workspace, trm_maze_verdict *verdict,
                           trm_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Dihedral transforms (TRM §6.1)                                                              */

/* tid 0..7 in the official order: 0 identity, 1 rot90 counter-clockwise (np.rot90), 2 rot180,
 * 3 rot90 clockwise, 4 flip left-right, 5 flip up-down, 6 transpose, 7 anti-diagonal reflection.
 * src [h*w] -> dst [h*w] (must not alias src). For a non-square grid tids 1, 3, 6 and 7 swap
 * the height and width: dst is w rows of h. *out_h, *out_w (may be NULL) receive the output
 * size. Returns TRM_E_INVALID for a tid outside 0..7. */
trm_status trm_maze_dihedral(const uint8_t *src, int h, int w, int tid, uint8_t *dst, int *out_h,
                             int *out_w);
/* The tid that undoes tid: [0, 3, 2, 1, 4, 5, 6, 7]; -1 outside 0..7. */
int trm_maze_dihedral_inverse(int tid);

#ifdef __cplusplus
}
#endif
#endif /* TRM_MAZE_H */
