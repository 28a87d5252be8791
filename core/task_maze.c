/* task_maze.c: mazes as a task (task.h): the shortest path from S to G, over maze.c. */
#include "maze.h"
#include "task.h"

#include "internal.h"

#include <string.h>

/* trm_maze_dihedral's transforms 1, 3, 6 and 7 (quarter turns, the diagonal reflections) turn
 * h x w into w x h. */
#define SWAP_SIDES 0xCAu

static const char *const GENERATORS[] = {"lehnert", "dfs", "dfs-any", "sparse", NULL};

/* The maze workspace, then two grids for the transforms of augment(). */
static size_t maze_bytes(int h, int w) { return trm__round_up(trm_maze_workspace_bytes(h, w), 16); }

static size_t workspace_bytes(int h, int w) {
    const size_t m = trm_maze_workspace_bytes(h, w);
    return m ? maze_bytes(h, w) + 2 * (size_t)h * (size_t)w : 0;
}

static trm_status check_label(const uint8_t *q, const uint8_t *a, int h, int w, trm_error *err) {
    const size_t cells = (size_t)h * (size_t)w;
    for (size_t i = 0; i < cells; i++)
        if (a[i] != q[i] && !(a[i] == TRM_MAZE_PATH && q[i] != TRM_MAZE_WALL))
            return trm__fail(err, TRM_E_FORMAT,
                             "row %d, column %d is '%c' where the question has '%c' (an answer only marks path cells 'o')",
                             (int)(i / (size_t)w), (int)(i % (size_t)w), trm_maze_token_char(a[i]),
                             trm_maze_token_char(q[i]));
    return TRM_OK;
}

static trm_status verify(const uint8_t *question, const uint8_t *answer, const uint8_t *label, int h, int w,
                         void *workspace, trm_verdict *v, trm_error *err) {
    trm_maze_verdict m;
    trm_status st = trm_maze_verify(question, answer, label, h, w, workspace, &m, err);
    memset(v, 0, sizeof *v);
    v->valid = m.valid;
    v->optimal = m.optimal;
    v->exact = m.exact;
    v->length = m.path_length;
    v->best_length = m.shortest_length;
    _Static_assert(sizeof v->reason == sizeof m.reason, "one reason buffer size");
    memcpy(v->reason, m.reason, sizeof v->reason);
    return st;
}

static trm_maze_options options(const trm_task_gen *g) {
    trm_maze_options o;
    o.algorithm = (trm_maze_algorithm)g->kind;
    o.height = g->height;
    o.width = g->width;
    o.min_path = g->min_rating;
    o.unique = g->unique;
    o.tries_per_layout = g->tries;
    o.max_layouts = g->max_layouts;
    return o;
}

static trm_status gen_check(const trm_task_gen *g, trm_error *err) {
    const trm_maze_options o = options(g);
    return trm_maze_options_check(&o, err);
}

static trm_status generate(const trm_task_gen *g, uint64_t seed, uint64_t index, uint8_t *question, uint8_t *label,
                           int *rating, void *workspace, trm_error *err) {
    const trm_maze_options o = options(g);
    return trm_maze_generate(&o, seed, index, question, label, rating, workspace, err);
}

/* Paths of at least the longer side (at most h*w - 1 moves: 1 x n grids). */
static void gen_default(trm_task_gen *g) {
    const int h = g->height, w = g->width, most = h * w - 1 > 0 ? h * w - 1 : 0;
    g->min_rating = h > w ? h : w;
    if (g->min_rating > most) g->min_rating = most;
}

/* A dihedral transform moves the label's path but not the tie rule (maze.h): where several
 * shortest paths exist, the moved path is still shortest yet not the rule's choice in the new
 * frame, and training on both would teach a blend of the two. Such a label is therefore taken
 * anew from the transformed question; a unique path is its own relabelling. */
static trm_status augment(uint8_t *question, uint8_t *label, int h, int w, int tid, void *workspace,
                          trm_error *err) {
    if (tid < 0 || tid > 7)
        return trm__fail(err, TRM_E_INVALID, "maze transform %d is not one of the 8 dihedral transforms (0..7)", tid);
    if (h != w && (SWAP_SIDES >> tid & 1))
        return trm__fail(err, TRM_E_SHAPE, "maze transform %d swaps height and width: needs a square grid, not %d x %d",
                         tid, h, w);
    if (!workspace_bytes(h, w)) return trm__task_check_size(&trm__task_maze, h, w, err);
    if (tid == 0) return TRM_OK;
    const size_t n = (size_t)h * (size_t)w;
    uint8_t *tmp = (uint8_t *)workspace + maze_bytes(h, w);
    trm_maze_dihedral(question, h, w, tid, tmp, NULL, NULL);
    trm_maze_dihedral(label, h, w, tid, tmp + n, NULL, NULL);
    memcpy(question, tmp, n);
    memcpy(label, tmp + n, n);
    int len = -1, count = 0;
    trm_error e;
    if (trm_maze_count_shortest(question, h, w, 2, &len, &count, workspace, &e) == TRM_OK && count > 1)
        return trm_maze_solve(question, h, w, label, NULL, workspace, err);
    return TRM_OK;
}

static trm_status transform(const uint8_t *src, int h, int w, int tid, int inverse, uint8_t *dst, trm_error *err) {
    const int t = trm_maze_dihedral_inverse(tid) < 0 ? -1 : inverse ? trm_maze_dihedral_inverse(tid) : tid;
    if (t < 0) return trm__fail(err, TRM_E_INVALID, "maze transform %d is not one of the 8 dihedral transforms (0..7)", tid);
    if (h != w && (SWAP_SIDES >> t & 1))
        return trm__fail(err, TRM_E_SHAPE, "maze transform %d swaps height and width: needs a square grid, not %d x %d",
                         tid, h, w);
    if (!workspace_bytes(h, w)) return trm__task_check_size(&trm__task_maze, h, w, err);
    trm_maze_dihedral(src, h, w, t, dst, NULL, NULL);
    return TRM_OK;
}

const trm_task trm__task_maze = {
    .name = "maze",
    .title = "maze: a shortest path from S to G",
    .item = "maze",
    .items = "mazes",
    .charset = TRM_MAZE_CHARSET,
    .vocab_size = TRM_MAZE_VOCAB,
    .max_side = TRM_MAZE_MAX_SIDE,
    .valid_means = "the 'o' cells join S to G in one simple 4-connected path over open cells, and every other cell "
                   "is as in the question",
    .exact_means = "the answer equals the label: the shortest path the tie rule picks (up, left, right, down)",
    .length_unit = "moves",
    .rating_means = "the shortest path's length in moves",
    .generators = GENERATORS,
    .augment_count = 8,
    .vote_tids = 8,
    .swap_sides = SWAP_SIDES,
    .workspace_bytes = workspace_bytes,
    .check_question = trm_maze_check_question,
    .check_label = check_label,
    .verify = verify,
    .solve = trm_maze_solve,
    .generate = generate,
    .gen_check = gen_check,
    .gen_default = gen_default,
    .augment = augment,
    .transform = transform,
};
