/* maze.c: maze tokens, BFS, the Lehnert and DFS generators, verification, dihedral transforms.
 * Conventions (path length, label, tie rule, even-sized DFS mazes) are documented in maze.h.
 * No allocation, no I/O, no globals: scratch memory is the caller's workspace, carved below. */
#include "maze.h"
#include "task.h"

#include "internal.h"

#include <stdio.h>
#include <string.h>

static trm_status maze_ok(trm_error *err) {
    if (err) {
        err->code = TRM_OK;
        err->msg[0] = '\0';
    }
    return TRM_OK;
}

static int size_ok(int h, int w) {
    return h >= 1 && w >= 1 && h <= TRM_MAZE_MAX_SIDE && w <= TRM_MAZE_MAX_SIDE;
}

/* The size rule and message of every task (task.c), with the maze's limit. */
static trm_status check_size(int h, int w, trm_error *err) {
    return trm__task_check_size(&trm__task_maze, h, w, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Tokens                                                                                      */

/* The maze task's tokens are those of every task (task.c), with its charset. */
char trm_maze_token_char(uint8_t token) { return trm_task_token_char(&trm__task_maze, token); }

trm_status trm_maze_tokenize(const char *chars, size_t len, int h, int w, uint8_t *tokens,
                             trm_error *err) {
    return trm_task_tokenize(&trm__task_maze, chars, len, h, w, tokens, err);
}

trm_status trm_maze_detokenize(const uint8_t *tokens, int h, int w, char *chars, trm_error *err) {
    return trm_task_detokenize(&trm__task_maze, tokens, h, w, chars, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Workspace: five int32 arrays of N cells, then N bytes.                                      */

typedef struct maze_ws {
    int32_t *dist;  /* BFS distance from the source, -1 = not reached */
    int32_t *queue; /* BFS order */
    int32_t *aux;   /* lehnert: cell permutation (walls first, then open cells); dfs: stack */
    int32_t *cnt;   /* shortest-path counts, saturating */
    int32_t *comp;  /* lehnert: component id of each open cell, -1 for walls */
    uint8_t *mark;  /* dfs: visited rooms; verify: cells of the answer's path; lehnert: per
                       component, 1 if it may hold a pair at distance >= min_path */
    int touched;    /* cells whose dist the last BFS set (queue[0..touched)); the rest are -1 */
} maze_ws;

size_t trm_maze_workspace_bytes(int h, int w) {
    if (!size_ok(h, w)) return 0;
    size_t n = (size_t)h * (size_t)w;
    return 5 * n * sizeof(int32_t) + n;
}

static maze_ws carve(void *workspace, int n) {
    maze_ws ws;
    int32_t *p = (int32_t *)workspace;
    ws.dist = p;
    ws.queue = p + n;
    ws.aux = p + 2 * (size_t)n;
    ws.cnt = p + 3 * (size_t)n;
    ws.comp = p + 4 * (size_t)n;
    ws.mark = (uint8_t *)(p + 5 * (size_t)n);
    for (int i = 0; i < n; i++) ws.dist[i] = -1;
    ws.touched = 0;
    return ws;
}

/* ------------------------------------------------------------------------------------------ */
/* BFS                                                                                         */

/* The four neighbours of cell i in the fixed order up, left, right, down (the tie rule of the
 * label depends on it); returns how many exist inside the grid. */
static int neighbours(int i, int h, int w, int out[4]) {
    int r = i / w, c = i % w, k = 0;
    if (r > 0) out[k++] = i - w;
    if (c > 0) out[k++] = i - 1;
    if (c + 1 < w) out[k++] = i + 1;
    if (r + 1 < h) out[k++] = i + w;
    return k;
}

/* BFS over non-wall cells of grid [h*w] from src. Fills ws->dist (-1 = unreached) and ws->queue
 * (cells in visiting order). With count_cap > 0 it also counts shortest paths into ws->cnt,
 * saturating at count_cap. Stops once target (>= 0) is dequeued: at that point the distances and
 * counts of every cell at distance <= dist[target] - 1, and of the target itself, are final.
 * Returns the number of cells dequeued. */
static int bfs(const uint8_t *grid, int h, int w, int src, int target, maze_ws *ws,
               int32_t count_cap) {
    int head = 0, tail = 0, nb[4];
    /* Only the cells the previous BFS reached need resetting: BFS cost stays proportional to the
     * component searched (the Lehnert filter runs one BFS per component). */
    for (int i = 0; i < ws->touched; i++) ws->dist[ws->queue[i]] = -1;
    ws->dist[src] = 0;
    if (count_cap > 0) ws->cnt[src] = 1;
    ws->queue[tail++] = src;
    while (head < tail) {
        int u = ws->queue[head++];
        if (u == target) break;
        int k = neighbours(u, h, w, nb);
        for (int j = 0; j < k; j++) {
            int v = nb[j];
            if (grid[v] == TRM_MAZE_WALL) continue;
            if (ws->dist[v] < 0) {
                ws->dist[v] = ws->dist[u] + 1;
                if (count_cap > 0) ws->cnt[v] = ws->cnt[u];
                ws->queue[tail++] = v;
            } else if (count_cap > 0 && ws->dist[v] == ws->dist[u] + 1) {
                int32_t s = ws->cnt[v] + ws->cnt[u]; /* both <= cap < 2^30: no overflow */
                ws->cnt[v] = s < count_cap ? s : count_cap;
            }
        }
    }
    ws->touched = tail;
    return head;
}

/* Mark one shortest path from src to dst (after bfs from src) with 'o' in out, leaving src and
 * dst untouched. Walks back from dst taking the first neighbour (up, left, right, down) that is
 * one move closer to src. */
static void trace_path(const uint8_t *grid, int h, int w, int src, int dst, maze_ws *ws,
                       uint8_t *out) {
    int cur = dst, nb[4];
    while (cur != src) {
        int k = neighbours(cur, h, w, nb), next = -1;
        for (int j = 0; j < k && next < 0; j++)
            if (grid[nb[j]] != TRM_MAZE_WALL && ws->dist[nb[j]] == ws->dist[cur] - 1) next = nb[j];
        if (next < 0) return; /* cannot happen after a BFS that reached dst */
        if (next != src) out[next] = TRM_MAZE_PATH;
        cur = next;
    }
}

/* Check a question grid: tokens 1..4 only, exactly one S and one G. */
static trm_status find_endpoints(const uint8_t *q, int h, int w, int *s, int *g, trm_error *err) {
    trm_status st = check_size(h, w, err);
    if (st != TRM_OK) return st;
    int n = h * w, ns = 0, ng = 0;
    *s = *g = -1;
    for (int i = 0; i < n; i++) {
        uint8_t t = q[i];
        if (t < TRM_MAZE_WALL || t > TRM_MAZE_GOAL)
            return trm__fail(err, TRM_E_FORMAT,
                             "question row %d, column %d: token %d ('%c') is not '#', ' ', 'S' or 'G'",
                             i / w, i % w, t, trm_maze_token_char(t));
        if (t == TRM_MAZE_START && ns++ == 0) *s = i;
        if (t == TRM_MAZE_GOAL && ng++ == 0) *g = i;
    }
    if (ns != 1) return trm__fail(err, TRM_E_FORMAT, "question has %d start cells 'S', expected 1", ns);
    if (ng != 1) return trm__fail(err, TRM_E_FORMAT, "question has %d goal cells 'G', expected 1", ng);
    return TRM_OK;
}

trm_status trm_maze_check_question(const uint8_t *question, int h, int w, trm_error *err) {
    int s, g;
    return find_endpoints(question, h, w, &s, &g, err);
}

trm_status trm_maze_count_shortest(const uint8_t *question, int h, int w, int cap, int *length,
                                   int *count, void *workspace, trm_error *err) {
    int s, g;
    trm_status st = find_endpoints(question, h, w, &s, &g, err);
    if (st != TRM_OK) return st;
    if (cap < 1 || cap > (1 << 29))
        return trm__fail(err, TRM_E_INVALID, "count cap %d is outside [1, 2^29]", cap);
    maze_ws ws = carve(workspace, h * w);
    bfs(question, h, w, s, g, &ws, cap);
    if (length) *length = ws.dist[g];
    if (count) *count = ws.dist[g] < 0 ? 0 : ws.cnt[g];
    return maze_ok(err);
}

trm_status trm_maze_solve(const uint8_t *question, int h, int w, uint8_t *answer, int *length,
                          void *workspace, trm_error *err) {
    int s, g;
    trm_status st = find_endpoints(question, h, w, &s, &g, err);
    if (st != TRM_OK) return st;
    maze_ws ws = carve(workspace, h * w);
    bfs(question, h, w, s, g, &ws, 0);
    if (length) *length = ws.dist[g];
    if (ws.dist[g] < 0)
        return trm__fail(err, TRM_E_INVALID, "G at row %d, column %d cannot be reached from S at row %d, column %d",
                         g / w, g % w, s / w, s % w);
    if (answer != question) memcpy(answer, question, (size_t)h * (size_t)w);
    trace_path(question, h, w, s, g, &ws, answer);
    return maze_ok(err);
}

/* ------------------------------------------------------------------------------------------ */
/* Generation                                                                                  */

const char *trm_maze_algorithm_name(trm_maze_algorithm a) {
    switch (a) {
    case TRM_MAZE_LEHNERT: return "lehnert";
    case TRM_MAZE_DFS: return "dfs";
    case TRM_MAZE_DFS_ANY: return "dfs-any";
    case TRM_MAZE_SPARSE: return "sparse";
    }
    return NULL;
}

int trm_maze_algorithm_parse(const char *name) {
    for (int a = TRM_MAZE_LEHNERT; a <= TRM_MAZE_SPARSE; a++)
        if (name && !strcmp(name, trm_maze_algorithm_name((trm_maze_algorithm)a))) return a;
    return -1;
}

void trm_maze_options_default(trm_maze_options *o, int h, int w) {
    trm_task_gen g; /* the defaults of every task's generator (task.c) */
    trm_task_gen_default(&trm__task_maze, &g, h, w);
    o->algorithm = TRM_MAZE_LEHNERT;
    o->height = h;
    o->width = w;
    o->min_path = g.min_rating;
    o->unique = g.unique;
    o->tries_per_layout = g.tries;
    o->max_layouts = g.max_layouts;
}

trm_status trm_maze_options_check(const trm_maze_options *o, trm_error *err) {
    int h = o->height, w = o->width;
    if (!trm_maze_algorithm_name(o->algorithm))
        return trm__fail(err, TRM_E_INVALID, "maze algorithm %d is not lehnert (0), dfs (1), dfs-any (2) or sparse (3)",
                         (int)o->algorithm);
    trm_status st = check_size(h, w, err);
    if (st != TRM_OK) return st;
    const int walls_anywhere = o->algorithm == TRM_MAZE_LEHNERT || o->algorithm == TRM_MAZE_SPARSE;
    if (walls_anywhere && h * w < 2)
        return trm__fail(err, TRM_E_SHAPE, "%s maze %d x %d: needs at least 2 cells for S and G",
                         trm_maze_algorithm_name(o->algorithm), h, w);
    if (!walls_anywhere && (h < 3 || w < 3))
        return trm__fail(err, TRM_E_SHAPE, "%s maze %d x %d: height and width must be at least 3",
                         trm_maze_algorithm_name(o->algorithm), h, w);
    if (o->min_path < 0 || o->min_path > h * w - 1)
        return trm__fail(err, TRM_E_INVALID,
                         "min_path %d is outside [0, %d] (a path in a %d x %d grid has at most %d moves)",
                         o->min_path, h * w - 1, h, w, h * w - 1);
    if (o->tries_per_layout < 1)
        return trm__fail(err, TRM_E_INVALID, "tries_per_layout %d must be at least 1", o->tries_per_layout);
    if (o->max_layouts < 1)
        return trm__fail(err, TRM_E_INVALID, "max_layouts %d must be at least 1", o->max_layouts);
    if (o->unique != 0 && o->unique != 1)
        return trm__fail(err, TRM_E_INVALID, "unique %d must be 0 or 1", o->unique);
    return TRM_OK;
}

/* splitmix64's finaliser: a bijective 64-bit mix. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Mixing the index before xoring keeps (seed, index) pairs apart: seed ^ index alone would make
 * (1, 0) and (0, 1) the same maze. */
uint64_t trm_maze_seed(uint64_t seed, uint64_t index) {
    return mix64(seed ^ mix64(index + 0x9E3779B97F4A7C15ull));
}

/* Step back from cell b towards the BFS source `steps` times (after a BFS that reached b). */
static int walk_back(const uint8_t *grid, int h, int w, int b, int steps, const maze_ws *ws) {
    int nb[4];
    for (int s = 0; s < steps; s++) {
        int k = neighbours(b, h, w, nb), next = b;
        for (int j = 0; j < k && next == b; j++)
            if (grid[nb[j]] != TRM_MAZE_WALL && ws->dist[nb[j]] == ws->dist[b] - 1) next = nb[j];
        b = next;
    }
    return b;
}

/* Label the components of the open cells (ws->comp) and decide for each whether it may hold a
 * pair at distance >= min_len (ws->mark[id]). "No" is only said when it is certain: the
 * component has <= min_len cells, or 2 * ecc(x) < min_len for some cell x (any two cells are
 * within ecc(x) of x). The cells tried are the first one flooded from, an end of a double-sweep
 * path and that path's middle. The centre cell is flooded first: when open it is usually in the
 * largest component and near its centre, so one BFS often settles it. Returns the number of
 * "maybe" components. This only skips (S, G) draws that would fail anyway, so the distribution
 * of kept mazes is exactly that of the plain procedure. */
static int lehnert_components(const uint8_t *q, int h, int w, int min_len, maze_ws *ws) {
    int n = h * w, ncomp = 0, maybe = 0, centre = (h / 2) * w + w / 2;
    for (int i = 0; i < n; i++) ws->comp[i] = -1;
    for (int i = -1; i < n; i++) {
        int from = i < 0 ? centre : i;
        if (q[from] == TRM_MAZE_WALL || ws->comp[from] >= 0) continue;
        int size = bfs(q, h, w, from, -1, ws, 0);
        for (int j = 0; j < size; j++) ws->comp[ws->queue[j]] = ncomp;
        int a = ws->queue[size - 1], ecc0 = ws->dist[a], ok = 0;
        if (size - 1 >= min_len && 2 * ecc0 >= min_len) {
            bfs(q, h, w, a, -1, ws, 0);
            int b = ws->queue[size - 1], lb = ws->dist[b]; /* lb = ecc(a) <= diameter */
            if (lb >= min_len) {
                ok = 1;
            } else if (2 * lb >= min_len) {
                int m = walk_back(q, h, w, b, lb / 2, ws);
                bfs(q, h, w, m, -1, ws, 0);
                ok = 2 * ws->dist[ws->queue[size - 1]] >= min_len;
            }
        }
        ws->mark[ncomp++] = (uint8_t)ok;
        maybe += ok;
    }
    return maybe;
}

/* One Lehnert layout: walls on a uniformly random subset of the cells (3 to 5 tenths of them;
 * sparse: 0 to 3 tenths), then up to tries_per_layout (S, G) draws. Returns the path length
 * when a pair was kept, else -1. On success q holds walls, open cells, S and G. */
static int lehnert_layout(const trm_maze_options *o, trm_rng *rng, uint8_t *q, maze_ws *ws) {
    int h = o->height, w = o->width, n = h * w;
    const int sparse = o->algorithm == TRM_MAZE_SPARSE;
    int lo = sparse ? 0 : 3 * (n / 10), hi = sparse ? 3 * (n / 10) : 5 * (n / 10);
    int walls = lo + (int)trm_rng_below(rng, (uint32_t)(hi - lo + 1));
    int32_t *perm = ws->aux;
    for (int i = 0; i < n; i++) perm[i] = i;
    /* Partial Fisher-Yates: perm[0..walls) is a uniformly random subset (the walls); the rest,
     * in some order, are the open cells. */
    for (int i = 0; i < walls; i++) {
        int j = i + (int)trm_rng_below(rng, (uint32_t)(n - i));
        int32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < n; i++) q[i] = TRM_MAZE_OPEN;
    for (int i = 0; i < walls; i++) q[perm[i]] = TRM_MAZE_WALL;
    if (lehnert_components(q, h, w, o->min_path, ws) == 0) return -1;
    const int32_t *open = perm + walls;
    int n_open = n - walls;
    for (int t = 0; t < o->tries_per_layout; t++) {
        int a = (int)trm_rng_below(rng, (uint32_t)n_open);
        int b = (int)trm_rng_below(rng, (uint32_t)(n_open - 1));
        if (b >= a) b++;
        int s = open[a], g = open[b];
        if (ws->comp[s] != ws->comp[g] || !ws->mark[ws->comp[s]]) continue; /* cannot qualify */
        bfs(q, h, w, s, g, ws, o->unique ? 2 : 0);
        int d = ws->dist[g];
        if (d < 0 || d < o->min_path) continue;
        if (o->unique && ws->cnt[g] != 1) continue;
        q[s] = TRM_MAZE_START;
        q[g] = TRM_MAZE_GOAL;
        return d;
    }
    return -1;
}

/* Open the passage between rooms a and b (two cells apart in a row or column) and room b. */
static void carve_passage(uint8_t *q, int a, int b) {
    q[(a + b) / 2] = TRM_MAZE_OPEN;
    q[b] = TRM_MAZE_OPEN;
}

/* Randomized depth-first search over the rooms (even row and column); see maze.h. */
static void dfs_carve(int h, int w, trm_rng *rng, uint8_t *q, maze_ws *ws) {
    int n = h * w, rooms_r = (h + 1) / 2, rooms_c = (w + 1) / 2;
    for (int i = 0; i < n; i++) {
        q[i] = TRM_MAZE_WALL;
        ws->mark[i] = 0;
    }
    int start_room = (int)trm_rng_below(rng, (uint32_t)(rooms_r * rooms_c));
    int start = (start_room / rooms_c) * 2 * w + (start_room % rooms_c) * 2;
    int32_t *stack = ws->aux;
    int top = 0;
    stack[top++] = start;
    ws->mark[start] = 1;
    q[start] = TRM_MAZE_OPEN;
    while (top > 0) {
        int u = stack[top - 1], r = u / w, c = u % w, cand[4], k = 0;
        if (r >= 2 && !ws->mark[u - 2 * w]) cand[k++] = u - 2 * w;
        if (c >= 2 && !ws->mark[u - 2]) cand[k++] = u - 2;
        if (c + 2 < w && !ws->mark[u + 2]) cand[k++] = u + 2;
        if (r + 2 < h && !ws->mark[u + 2 * w]) cand[k++] = u + 2 * w;
        if (k == 0) {
            top--;
            continue;
        }
        int v = cand[k == 1 ? 0 : trm_rng_below(rng, (uint32_t)k)];
        carve_passage(q, u, v);
        ws->mark[v] = 1;
        stack[top++] = v;
    }
    /* Even side: the last row/column is not part of the lattice. Opening cells of it next to a
     * room (never two adjacent ones, never the corner) adds one-cell dead ends and no cycle. */
    if (h % 2 == 0)
        for (int c = 0; c < w; c += 2)
            if (trm_rng_below(rng, 2)) q[(h - 1) * w + c] = TRM_MAZE_OPEN;
    if (w % 2 == 0)
        for (int r = 0; r < h; r += 2)
            if (trm_rng_below(rng, 2)) q[r * w + (w - 1)] = TRM_MAZE_OPEN;
}

/* One DFS maze with S and G at the ends of its longest path. Returns the path length if it is
 * >= min_path, else -1. */
static int dfs_layout(const trm_maze_options *o, trm_rng *rng, uint8_t *q, maze_ws *ws) {
    int h = o->height, w = o->width;
    dfs_carve(h, w, rng, q, ws);
    /* In a tree the last cell a BFS reaches is an end of a longest path; a BFS from there
     * reaches the other end last. */
    int seen = bfs(q, h, w, 0, -1, ws, 0); /* cell 0 is always a room */
    int a = ws->queue[seen - 1];
    seen = bfs(q, h, w, a, -1, ws, 0);
    int b = ws->queue[seen - 1], d = ws->dist[b];
    if (d < o->min_path || d < 1) return -1;
    if (trm_rng_below(rng, 2)) {
        int t = a;
        a = b;
        b = t;
    }
    q[a] = TRM_MAZE_START;
    q[b] = TRM_MAZE_GOAL;
    return d;
}

/* One DFS maze with S and G on random open cells: up to tries_per_layout draws of a pair, kept
 * when its path length is >= min_path. Returns the path length, or -1. */
static int dfs_any_layout(const trm_maze_options *o, trm_rng *rng, uint8_t *q, maze_ws *ws) {
    int h = o->height, w = o->width, n = h * w, n_open = 0;
    dfs_carve(h, w, rng, q, ws);
    int32_t *open = ws->aux;
    for (int i = 0; i < n; i++)
        if (q[i] == TRM_MAZE_OPEN) open[n_open++] = i;
    if (n_open - 1 < o->min_path || n_open < 2) return -1;
    for (int t = 0; t < o->tries_per_layout; t++) {
        int a = (int)trm_rng_below(rng, (uint32_t)n_open);
        int b = (int)trm_rng_below(rng, (uint32_t)(n_open - 1));
        if (b >= a) b++;
        int s = open[a], g = open[b];
        bfs(q, h, w, s, g, ws, 0);
        int d = ws->dist[g];
        if (d < o->min_path || d < 1) continue;
        q[s] = TRM_MAZE_START;
        q[g] = TRM_MAZE_GOAL;
        return d;
    }
    return -1;
}

trm_status trm_maze_generate(const trm_maze_options *o, uint64_t seed, uint64_t index,
                             uint8_t *question, uint8_t *label, int *path_len, void *workspace,
                             trm_error *err) {
    trm_status st = trm_maze_options_check(o, err);
    if (st != TRM_OK) return st;
    int h = o->height, w = o->width;
    maze_ws ws = carve(workspace, h * w);
    trm_rng rng;
    trm_rng_seed(&rng, trm_maze_seed(seed, index));
    int d = -1;
    for (int layout = 0; layout < o->max_layouts && d < 0; layout++)
        d = o->algorithm == TRM_MAZE_DFS       ? dfs_layout(o, &rng, question, &ws)
            : o->algorithm == TRM_MAZE_DFS_ANY ? dfs_any_layout(o, &rng, question, &ws)
                                               : lehnert_layout(o, &rng, question, &ws);
    if (d < 0)
        return trm__fail(err, TRM_E_INVALID,
                         "no %s maze %d x %d with a%s path of at least %d moves in %d layouts; "
                         "lower min_path",
                         trm_maze_algorithm_name(o->algorithm), h, w, o->unique ? " unique shortest" : " shortest", o->min_path, o->max_layouts);
    if (path_len) *path_len = d;
    if (label) {
        /* The last BFS of the layout started at S (lehnert) or at one end (dfs), so re-run it
         * from S for the trace. */
        int s = -1, g = -1;
        for (int i = 0; i < h * w; i++) {
            if (question[i] == TRM_MAZE_START) s = i;
            if (question[i] == TRM_MAZE_GOAL) g = i;
        }
        bfs(question, h, w, s, g, &ws, 0);
        memcpy(label, question, (size_t)h * (size_t)w);
        trace_path(question, h, w, s, g, &ws, label);
    }
    return maze_ok(err);
}

/* ------------------------------------------------------------------------------------------ */
/* Verification                                                                                */

/* Check that every answer cell is allowed by its question cell; mark the path cells. Returns 1 if
 * fine, else 0 with the reason. */
static int check_cells(const uint8_t *q, const uint8_t *a, int h, int w, uint8_t *mark,
                       trm_maze_verdict *v) {
    int n = h * w;
    for (int i = 0; i < n; i++) {
        uint8_t qt = q[i], at = a[i];
        int r = i / w, c = i % w;
        mark[i] = 0;
        if (qt == TRM_MAZE_START || qt == TRM_MAZE_GOAL) {
            mark[i] = 1;
            if (at == qt || at == TRM_MAZE_PATH) continue;
            snprintf(v->reason, sizeof v->reason, "%c at row %d, column %d became '%c'",
                     trm_maze_token_char(qt), r, c, trm_maze_token_char(at));
            return 0;
        }
        if (qt == TRM_MAZE_WALL && at != TRM_MAZE_WALL) {
            if (at == TRM_MAZE_PATH)
                snprintf(v->reason, sizeof v->reason, "path goes through the wall at row %d, column %d", r, c);
            else
                snprintf(v->reason, sizeof v->reason, "wall at row %d, column %d became '%c'", r, c,
                         trm_maze_token_char(at));
            return 0;
        }
        if (qt == TRM_MAZE_OPEN) {
            if (at == TRM_MAZE_PATH) {
                mark[i] = 1;
            } else if (at != TRM_MAZE_OPEN) {
                snprintf(v->reason, sizeof v->reason, "open cell at row %d, column %d became '%c'", r,
                         c, trm_maze_token_char(at));
                return 0;
            }
        }
    }
    return 1;
}

/* Number of marked 4-neighbours of cell i. */
static int path_degree(const uint8_t *mark, int i, int h, int w) {
    int nb[4], k = neighbours(i, h, w, nb), d = 0;
    for (int j = 0; j < k; j++) d += mark[nb[j]];
    return d;
}

/* The marked cells must form one simple path from s to g: s and g have one marked neighbour,
 * every other marked cell two, and a walk from s reaches g through all of them. Returns the
 * path length in moves, or -1 with the reason. */
static int check_path(const uint8_t *mark, int h, int w, int s, int g, trm_maze_verdict *v) {
    int n = h * w, cells = 0;
    for (int i = 0; i < n; i++) {
        if (!mark[i]) continue;
        cells++;
        int d = path_degree(mark, i, h, w), want = (i == s || i == g) ? 1 : 2;
        if (d == want) continue;
        const char *what = i == s ? "S" : i == g ? "G" : "path cell";
        if (d > want)
            snprintf(v->reason, sizeof v->reason, "the path branches at %s (row %d, column %d)", what, i / w, i % w);
        else
            snprintf(v->reason, sizeof v->reason, "the path is broken at %s (row %d, column %d)", what, i / w, i % w);
        return -1;
    }
    int prev = -1, cur = s, steps = 0, nb[4];
    while (cur != g && steps < cells) {
        int k = neighbours(cur, h, w, nb), next = -1;
        for (int j = 0; j < k; j++)
            if (mark[nb[j]] && nb[j] != prev) next = nb[j];
        prev = cur;
        cur = next;
        steps++;
    }
    if (cur != g || steps + 1 != cells) {
        snprintf(v->reason, sizeof v->reason, "%d path cells are not on the path from S to G",
                 cells - (cur == g ? steps + 1 : 0));
        return -1;
    }
    return steps;
}

/* Token at cell i with S/G written as 'o' mapped back to the letter, so both label conventions
 * compare equal. */
static uint8_t canonical(const uint8_t *q, const uint8_t *x, int i) {
    if ((q[i] == TRM_MAZE_START || q[i] == TRM_MAZE_GOAL) && x[i] == TRM_MAZE_PATH) return q[i];
    return x[i];
}

trm_status trm_maze_verify(const uint8_t *question, const uint8_t *answer, const uint8_t *label,
                           int h, int w, void *workspace, trm_maze_verdict *v, trm_error *err) {
    memset(v, 0, sizeof *v);
    v->path_length = v->shortest_length = -1;
    int s, g;
    trm_status st = find_endpoints(question, h, w, &s, &g, err);
    if (st != TRM_OK) {
        snprintf(v->reason, sizeof v->reason, "malformed question");
        return st;
    }
    int n = h * w;
    maze_ws ws = carve(workspace, n);
    bfs(question, h, w, s, g, &ws, 0);
    v->shortest_length = ws.dist[g];
    if (label) {
        v->exact = 1;
        for (int i = 0; i < n && v->exact; i++)
            if (canonical(question, answer, i) != canonical(question, label, i)) v->exact = 0;
    }
    if (check_cells(question, answer, h, w, ws.mark, v)) {
        v->path_length = check_path(ws.mark, h, w, s, g, v);
        v->valid = v->path_length >= 0;
    }
    v->optimal = v->valid && v->path_length == v->shortest_length;
    return maze_ok(err);
}

/* ------------------------------------------------------------------------------------------ */
/* Dihedral transforms                                                                         */

int trm_maze_dihedral_inverse(int tid) {
    static const int inv[8] = {0, 3, 2, 1, 4, 5, 6, 7};
    return (tid >= 0 && tid < 8) ? inv[tid] : -1;
}

trm_status trm_maze_dihedral(const uint8_t *src, int h, int w, int tid, uint8_t *dst, int *out_h,
                             int *out_w) {
    if (tid < 0 || tid > 7 || h < 1 || w < 1) return TRM_E_INVALID;
    int swap = tid == 1 || tid == 3 || tid == 6 || tid == 7;
    int oh = swap ? w : h, ow = swap ? h : w;
    for (int r = 0; r < oh; r++) {
        for (int c = 0; c < ow; c++) {
            int sr, sc; /* source cell of output (r, c); TRM §6.1 with n-1 -> h-1 or w-1 */
            switch (tid) {
            case 0: sr = r; sc = c; break;
            case 1: sr = c; sc = w - 1 - r; break;
            case 2: sr = h - 1 - r; sc = w - 1 - c; break;
            case 3: sr = h - 1 - c; sc = r; break;
            case 4: sr = r; sc = w - 1 - c; break;
            case 5: sr = h - 1 - r; sc = c; break;
            case 6: sr = c; sc = r; break;
            default: sr = h - 1 - c; sc = w - 1 - r; break;
            }
            dst[r * ow + c] = src[sr * w + sc];
        }
    }
    if (out_h) *out_h = oh;
    if (out_w) *out_w = ow;
    return TRM_OK;
}
