/* test_maze.c: maze tokens, generators, shortest-path counting, verification and the dihedral
 * transforms. Properties are checked over thousands of (seed, index) pairs and several sizes;
 * shortest-path counts are compared with an independent brute-force enumeration of simple paths;
 * a few maze hashes are pinned so that a platform difference in generation shows up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maze.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            if (++failures <= 30) {                                                      \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                     \
                fprintf(stderr, __VA_ARGS__);                                            \
                fprintf(stderr, "\n");                                                   \
            }                                                                            \
        }                                                                                \
    } while (0)

static void *ws_for(int h, int w) {
    void *ws = malloc(trm_maze_workspace_bytes(h, w));
    if (!ws) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return ws;
}

/* Grid from text rows (all of width w). */
static void grid_from(const char *const *rows, int h, int w, uint8_t *out) {
    char buf[4096];
    for (int r = 0; r < h; r++) memcpy(buf + r * w, rows[r], (size_t)w);
    trm_error err;
    if (trm_maze_tokenize(buf, (size_t)(h * w), h, w, out, &err) != TRM_OK) {
        fprintf(stderr, "bad test grid: %s\n", err.msg);
        exit(1);
    }
}

static uint64_t fnv1a(uint64_t hsh, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) hsh = (hsh ^ p[i]) * 0x100000001b3ull;
    return hsh;
}

/* ------------------------------------------------------------------------------------------ */
/* Independent brute force: count simple S-G paths of minimal length by depth-limited DFS.      */

typedef struct brute {
    const uint8_t *q;
    int h, w, g, limit;
    uint8_t on[1024];
    long count;
} brute;

static void brute_dfs(brute *b, int cell, int depth) {
    if (cell == b->g) {
        b->count++;
        return;
    }
    int r = cell / b->w, c = cell % b->w, gr = b->g / b->w, gc = b->g % b->w;
    int md = abs(r - gr) + abs(c - gc);
    if (depth + md > b->limit) return;
    const int dr[4] = {-1, 0, 0, 1}, dc[4] = {0, -1, 1, 0};
    for (int k = 0; k < 4; k++) {
        int nr = r + dr[k], nc = c + dc[k];
        if (nr < 0 || nc < 0 || nr >= b->h || nc >= b->w) continue;
        int v = nr * b->w + nc;
        if (b->q[v] == TRM_MAZE_WALL || b->on[v]) continue;
        b->on[v] = 1;
        brute_dfs(b, v, depth + 1);
        b->on[v] = 0;
    }
}

/* Minimal path length (or -1) and the number of paths of that length. */
static int brute_count(const uint8_t *q, int h, int w, long *count) {
    brute b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.h = h;
    b.w = w;
    int s = -1;
    for (int i = 0; i < h * w; i++) {
        if (q[i] == TRM_MAZE_START) s = i;
        if (q[i] == TRM_MAZE_GOAL) b.g = i;
    }
    for (b.limit = 1; b.limit < h * w; b.limit++) {
        memset(b.on, 0, sizeof b.on);
        b.on[s] = 1;
        b.count = 0;
        brute_dfs(&b, s, 0);
        if (b.count) {
            *count = b.count;
            return b.limit;
        }
    }
    *count = 0;
    return -1;
}

/* ------------------------------------------------------------------------------------------ */

static void test_tokens(void) {
    trm_error err;
    uint8_t t[6];
    char back[7];
    CHECK(trm_maze_tokenize("# SGo#", 6, 2, 3, t, &err) == TRM_OK, "tokenize: %s", err.msg);
    const uint8_t want[6] = {1, 2, 3, 4, 5, 1};
    CHECK(memcmp(t, want, 6) == 0, "token ids differ from TRM 1.1");
    CHECK(trm_maze_detokenize(t, 2, 3, back, &err) == TRM_OK && strcmp(back, "# SGo#") == 0,
          "detokenize round trip gave '%s'", back);
    CHECK(trm_maze_tokenize("# SxGo", 6, 2, 3, t, &err) == TRM_E_FORMAT &&
              strstr(err.msg, "row 1, column 0") && strstr(err.msg, "'x'"),
          "bad character message: '%s'", err.msg);
    CHECK(trm_maze_tokenize("# S\0Go", 6, 2, 3, t, &err) == TRM_E_FORMAT && strstr(err.msg, "0x00"),
          "NUL character message: '%s'", err.msg);
    CHECK(trm_maze_tokenize("# SG", 4, 2, 3, t, &err) == TRM_E_SHAPE && strstr(err.msg, "4 characters"),
          "length message: '%s'", err.msg);
    t[4] = 0;
    CHECK(trm_maze_detokenize(t, 2, 3, back, &err) == TRM_E_FORMAT && back[4] == '?' &&
              strstr(err.msg, "row 1, column 1"),
          "PAD detokenize: '%s' / '%s'", back, err.msg);
}

/* All checks on one generated maze; returns its path length or -1. */
static int check_maze(const trm_maze_options *o, uint64_t seed, uint64_t k, void *ws) {
    int h = o->height, w = o->width, n = h * w, len = -1;
    uint8_t q[1024], l[1024], q2[1024], l2[1024], tq[1024], tl[1024], back[1024];
    trm_error err;
    if (trm_maze_generate(o, seed, k, q, l, &len, ws, &err) != TRM_OK) {
        CHECK(0, "generate %dx%d alg %d seed %llu k %llu: %s", h, w, (int)o->algorithm,
              (unsigned long long)seed, (unsigned long long)k, err.msg);
        return -1;
    }
    const char *tag = trm_maze_algorithm_name(o->algorithm);
    int ns = 0, ng = 0, walls = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        ns += q[i] == TRM_MAZE_START;
        ng += q[i] == TRM_MAZE_GOAL;
        walls += q[i] == TRM_MAZE_WALL;
        bad += q[i] < 1 || q[i] > 4;
    }
    CHECK(ns == 1 && ng == 1 && !bad, "%s %dx%d k %llu: %d S, %d G, %d bad tokens", tag, h, w,
          (unsigned long long)k, ns, ng, bad);
    if (o->algorithm == TRM_MAZE_LEHNERT)
        CHECK(walls >= 3 * (n / 10) && walls <= 5 * (n / 10), "lehnert %dx%d: %d walls outside [%d, %d]",
              h, w, walls, 3 * (n / 10), 5 * (n / 10));
    if (o->algorithm == TRM_MAZE_SPARSE)
        CHECK(walls <= 3 * (n / 10), "sparse %dx%d: %d walls, more than %d", h, w, walls, 3 * (n / 10));
    CHECK(len >= o->min_path, "%s %dx%d: path %d < min %d", tag, h, w, len, o->min_path);
    int blen, count;
    trm_maze_count_shortest(q, h, w, 1 << 20, &blen, &count, ws, &err);
    CHECK(blen == len && count >= 1, "%s %dx%d: BFS length %d (count %d) vs generator %d", tag, h, w, blen,
          count, len);
    if (o->unique || o->algorithm == TRM_MAZE_DFS || o->algorithm == TRM_MAZE_DFS_ANY)
        CHECK(count == 1, "%s %dx%d unique=%d: %d shortest paths", tag, h, w, o->unique, count);
    trm_maze_verdict v;
    trm_maze_verify(q, l, l, h, w, ws, &v, &err);
    CHECK(v.valid && v.optimal && v.exact && v.path_length == len && v.shortest_length == len,
          "%s %dx%d label verdict valid %d optimal %d exact %d len %d/%d (%s)", tag, h, w, v.valid, v.optimal,
          v.exact, v.path_length, v.shortest_length, v.reason);
    /* The other label convention: S and G written as 'o'. */
    memcpy(l2, l, (size_t)n);
    for (int i = 0; i < n; i++)
        if (q[i] == TRM_MAZE_START || q[i] == TRM_MAZE_GOAL) l2[i] = TRM_MAZE_PATH;
    trm_maze_verify(q, l2, l, h, w, ws, &v, &err);
    CHECK(v.valid && v.optimal && v.exact, "%s %dx%d: S/G-as-'o' answer not accepted (%s)", tag, h, w, v.reason);
    trm_maze_verify(q, l, l2, h, w, ws, &v, &err);
    CHECK(v.exact, "%s %dx%d: S/G-as-'o' label not accepted", tag, h, w);
    /* Determinism: the same (seed, k) again gives the same bytes. */
    int len2;
    trm_maze_generate(o, seed, k, q2, l2, &len2, ws, &err);
    CHECK(len2 == len && !memcmp(q, q2, (size_t)n) && !memcmp(l, l2, (size_t)n), "%s %dx%d: not deterministic", tag,
          h, w);
    /* Every dihedral transform keeps validity and path length, and its inverse undoes it. */
    for (int tid = 0; tid < 8; tid++) {
        int th, tw, bh, bw;
        trm_maze_dihedral(q, h, w, tid, tq, &th, &tw);
        trm_maze_dihedral(l, h, w, tid, tl, NULL, NULL);
        trm_maze_verify(tq, tl, tl, th, tw, ws, &v, &err);
        CHECK(v.valid && v.optimal && v.path_length == len, "%s %dx%d tid %d: transformed label valid %d optimal %d len %d vs %d",
              tag, h, w, tid, v.valid, v.optimal, v.path_length, len);
        trm_maze_dihedral(tq, th, tw, trm_maze_dihedral_inverse(tid), back, &bh, &bw);
        CHECK(bh == h && bw == w && !memcmp(back, q, (size_t)n), "%s %dx%d tid %d: inverse does not restore", tag, h, w, tid);
    }
    return len;
}

/* A perfect maze is a tree: connected, open cells - 1 adjacent open pairs. */
static void check_tree(const trm_maze_options *o, uint64_t seed, uint64_t k, void *ws) {
    int h = o->height, w = o->width, n = h * w, open = 0, edges = 0, len;
    uint8_t q[1024];
    trm_error err;
    if (trm_maze_generate(o, seed, k, q, NULL, &len, ws, &err) != TRM_OK) return;
    for (int i = 0; i < n; i++) {
        if (q[i] == TRM_MAZE_WALL) continue;
        open++;
        if (i % w + 1 < w && q[i + 1] != TRM_MAZE_WALL) edges++;
        if (i + w < n && q[i + w] != TRM_MAZE_WALL) edges++;
    }
    CHECK(edges == open - 1, "%s %dx%d k %llu: %d open cells, %d edges: not a tree", trm_maze_algorithm_name(o->algorithm), h, w, (unsigned long long)k, open,
          edges);
}

static void test_generators(void) {
    int before = failures;
    static const int sizes[][2] = {{5, 5}, {6, 6}, {4, 7}, {7, 4}, {9, 13}, {10, 10}, {3, 17}, {16, 11}, {30, 30}};
    long mazes = 0;
    for (int alg = TRM_MAZE_LEHNERT; alg <= TRM_MAZE_SPARSE; alg++) {
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            int h = sizes[si][0], w = sizes[si][1];
            void *ws = ws_for(h, w);
            trm_maze_options o;
            trm_maze_options_default(&o, h, w);
            o.algorithm = (trm_maze_algorithm)alg;
            int reps = h * w >= 400 ? 40 : 400;
            for (int unique = 0; unique < 2; unique++) {
                if (unique && alg == TRM_MAZE_LEHNERT && h * w > 100) continue; /* rare (maze.h) */
                if (unique && alg == TRM_MAZE_SPARSE) continue;                  /* rarer still */
                o.unique = unique;
                for (int k = 0; k < reps; k++) {
                    uint64_t seed = 1000u + (uint64_t)k * 7919u;
                    check_maze(&o, seed, (uint64_t)k, ws);
                    if (alg == TRM_MAZE_DFS || alg == TRM_MAZE_DFS_ANY) check_tree(&o, seed, (uint64_t)k, ws);
                    mazes++;
                }
            }
            free(ws);
        }
    }
    /* Maze-Hard settings, a few mazes. */
    trm_maze_options o;
    trm_maze_options_default(&o, 30, 30);
    o.min_path = 111;
    void *ws = ws_for(30, 30);
    for (int k = 0; k < 10; k++, mazes++) CHECK(check_maze(&o, 42, (uint64_t)k, ws) >= 111, "Maze-Hard maze %d", k);
    free(ws);
    /* dfs-any: the corridors of dfs (same carve for the same rng draws is not promised), S and G
     * anywhere: over many mazes S and G are not always the ends of a longest path, and every
     * kept pair is min_path apart. */
    trm_maze_options_default(&o, 11, 11);
    o.algorithm = TRM_MAZE_DFS_ANY;
    o.min_path = 5;
    ws = ws_for(11, 11);
    int not_ends = 0, short_ones = 0;
    for (int k = 0; k < 300; k++, mazes++) {
        uint8_t q[121];
        int len, d0;
        trm_error err;
        check_maze(&o, 77, (uint64_t)k, ws);
        trm_maze_generate(&o, 77, (uint64_t)k, q, NULL, &len, ws, &err);
        for (int i = 0; i < 121; i++) { /* an end of a longest path is a dead end */
            int deg = 0;
            if (q[i] != TRM_MAZE_START) continue;
            if (i % 11 > 0 && q[i - 1] != TRM_MAZE_WALL) deg++;
            if (i % 11 < 10 && q[i + 1] != TRM_MAZE_WALL) deg++;
            if (i >= 11 && q[i - 11] != TRM_MAZE_WALL) deg++;
            if (i < 110 && q[i + 11] != TRM_MAZE_WALL) deg++;
            not_ends += deg > 1;
        }
        trm_maze_count_shortest(q, 11, 11, 2, &d0, &len, ws, &err);
        short_ones += d0 < 20;
    }
    CHECK(not_ends > 50 && short_ones > 30, "dfs-any: S on a corridor (not a dead end) in %d of 300, path < 20 in %d", not_ends,
          short_ones);
    o.min_path = 120; /* no 11x11 tree has a path of 120 moves */
    o.max_layouts = 20;
    {
        uint8_t q[121];
        trm_error err;
        CHECK(trm_maze_generate(&o, 1, 0, q, NULL, NULL, ws, &err) == TRM_E_INVALID && strstr(err.msg, "dfs-any"),
              "dfs-any with an impossible min_path must fail naming the generator: %s", err.msg);
    }
    free(ws);
    CHECK(trm_maze_algorithm_parse("dfs-any") == TRM_MAZE_DFS_ANY && trm_maze_algorithm_parse("dfs") == TRM_MAZE_DFS &&
              trm_maze_algorithm_parse("sparse") == TRM_MAZE_SPARSE && trm_maze_algorithm_parse("prim") == -1 && trm_maze_algorithm_parse(NULL) == -1 &&
              trm_maze_algorithm_name((trm_maze_algorithm)7) == NULL,
          "algorithm names");
    /* sparse: fewer walls than lehnert, and many shortest paths on average */
    trm_maze_options_default(&o, 11, 11);
    o.algorithm = TRM_MAZE_SPARSE;
    o.min_path = 2;
    ws = ws_for(11, 11);
    long wall_sum = 0, multi = 0;
    for (int k = 0; k < 200; k++) {
        uint8_t q[121];
        int len, cnt;
        trm_error err;
        trm_maze_generate(&o, 5, (uint64_t)k, q, NULL, &len, ws, &err);
        for (int i = 0; i < 121; i++) wall_sum += q[i] == TRM_MAZE_WALL;
        trm_maze_count_shortest(q, 11, 11, 2, &len, &cnt, ws, &err);
        multi += cnt > 1;
    }
    free(ws);
    CHECK(wall_sum < 200 * 121 * 2 / 10 && wall_sum > 200 * 121 / 20 && multi > 100,
          "sparse: %.1f walls a maze on average (expected about 18 of 121), %ld of 200 with several shortest paths",
          (double)wall_sum / 200, multi);
    printf("%s generator properties over %ld mazes\n", failures > before ? "FAIL" : "ok  ", mazes);
}

/* Shortest-path counts and the unique filter against brute force on small grids. */
static void test_counts_brute(void) {
    static const int sizes[][2] = {{5, 5}, {6, 6}, {4, 7}, {5, 8}};
    long checked = 0, multi = 0;
    for (size_t si = 0; si < 4; si++) {
        int h = sizes[si][0], w = sizes[si][1];
        void *ws = ws_for(h, w);
        trm_maze_options o;
        trm_maze_options_default(&o, h, w);
        o.min_path = 1;
        for (int unique = 0; unique < 2; unique++) {
            o.unique = unique;
            for (int k = 0; k < 300; k++) {
                uint8_t q[64], l[64];
                int len, blen, count;
                long bcount;
                trm_error err;
                if (trm_maze_generate(&o, 77, (uint64_t)k, q, l, &len, ws, &err) != TRM_OK) {
                    CHECK(0, "%s", err.msg);
                    continue;
                }
                trm_maze_count_shortest(q, h, w, 1 << 20, &blen, &count, ws, &err);
                int bl = brute_count(q, h, w, &bcount);
                CHECK(bl == len && blen == len && bcount == count,
                      "%dx%d k %d: brute length %d count %ld, BFS %d count %d, generator %d", h, w, k, bl, bcount, blen,
                      count, len);
                if (unique) CHECK(bcount == 1, "%dx%d k %d: unique maze has %ld shortest paths", h, w, k, bcount);
                multi += bcount > 1;
                checked++;
            }
        }
        free(ws);
    }
    CHECK(multi > 50, "only %ld of the mazes have several shortest paths: the count test is weak", multi);
    printf("ok   shortest-path counts == brute force on %ld mazes (%ld with several shortest paths)\n", checked, multi);
}

/* Pinned bytes: a change here means the generator or the RNG changed (or differs on this
 * platform), which breaks "maze #k of seed s" links and published datasets. */
static void test_pinned(void) {
    int before = failures;
    struct {
        int alg, h, w, min_path, unique;
        uint64_t seed, k, want;
    } pins[] = {
        {TRM_MAZE_LEHNERT, 30, 30, 111, 0, 1, 0, 0xb2b4d3be36d814aaull},
        {TRM_MAZE_LEHNERT, 30, 30, 111, 0, 1, 1, 0xba70652aad56b4b6ull},
        {TRM_MAZE_LEHNERT, 9, 13, 13, 1, 3, 5, 0x7e863702261a3282ull},
        {TRM_MAZE_DFS, 30, 30, 30, 0, 7, 0, 0x1fae70797ded8fe0ull},
        {TRM_MAZE_DFS, 11, 8, 8, 0, 7, 123456789, 0x05580c8b97cd3d24ull},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        trm_maze_options o;
        trm_maze_options_default(&o, pins[i].h, pins[i].w);
        o.algorithm = (trm_maze_algorithm)pins[i].alg;
        o.min_path = pins[i].min_path;
        o.unique = pins[i].unique;
        void *ws = ws_for(o.height, o.width);
        uint8_t q[900], l[900];
        int len;
        trm_error err;
        int n = o.height * o.width;
        uint64_t got = 0;
        if (trm_maze_generate(&o, pins[i].seed, pins[i].k, q, l, &len, ws, &err) == TRM_OK)
            got = fnv1a(fnv1a(0xcbf29ce484222325ull, q, (size_t)n), l, (size_t)n) ^ (uint64_t)len;
        CHECK(got == pins[i].want, "pinned maze %zu: hash 0x%016llx, expected 0x%016llx", i, (unsigned long long)got,
              (unsigned long long)pins[i].want);
        free(ws);
    }
    CHECK(trm_maze_seed(0, 0) != trm_maze_seed(0, 1) && trm_maze_seed(1, 0) != trm_maze_seed(0, 1),
          "trm_maze_seed collides");
    if (failures == before) printf("ok   pinned maze hashes\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Dihedral transforms                                                                         */

static void test_dihedral(void) {
    /* The formulas of TRM 6.1 on a square grid with distinct values. */
    enum { N = 5 };
    uint8_t a[N * N], out[N * N];
    for (int i = 0; i < N * N; i++) a[i] = (uint8_t)i;
    for (int tid = 0; tid < 8; tid++) {
        trm_maze_dihedral(a, N, N, tid, out, NULL, NULL);
        int bad = 0;
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++) {
                int sr = r, sc = c;
                switch (tid) {
                case 1: sr = c; sc = N - 1 - r; break;
                case 2: sr = N - 1 - r; sc = N - 1 - c; break;
                case 3: sr = N - 1 - c; sc = r; break;
                case 4: sc = N - 1 - c; break;
                case 5: sr = N - 1 - r; break;
                case 6: sr = c; sc = r; break;
                case 7: sr = N - 1 - c; sc = N - 1 - r; break;
                }
                bad += out[r * N + c] != a[sr * N + sc];
            }
        CHECK(!bad, "tid %d: %d cells differ from TRM 6.1", tid, bad);
    }
    /* Non-square 3 x 5: shapes, rot90 as np.rot90, group structure. */
    enum { H = 3, W = 5 };
    uint8_t g[H * W], t1[H * W], t2[H * W], d[H * W];
    for (int i = 0; i < H * W; i++) g[i] = (uint8_t)(i + 1);
    int oh, ow;
    for (int tid = 0; tid < 8; tid++) {
        trm_maze_dihedral(g, H, W, tid, t1, &oh, &ow);
        int swapped = tid == 1 || tid == 3 || tid == 6 || tid == 7;
        CHECK(oh == (swapped ? W : H) && ow == (swapped ? H : W), "tid %d: output %dx%d", tid, oh, ow);
    }
    trm_maze_dihedral(g, H, W, 1, t1, &oh, &ow); /* np.rot90(A)[r][c] = A[c][W-1-r] */
    int bad = 0;
    for (int r = 0; r < W; r++)
        for (int c = 0; c < H; c++) bad += t1[r * H + c] != g[c * W + (W - 1 - r)];
    CHECK(!bad, "rot90 on 3x5 differs from np.rot90 in %d cells", bad);
    int table[8][8];
    for (int x = 0; x < 8; x++) {
        int xh, xw;
        trm_maze_dihedral(g, H, W, x, t1, &xh, &xw);
        for (int y = 0; y < 8; y++) {
            int yh, yw, found = -1;
            trm_maze_dihedral(t1, xh, xw, y, t2, &yh, &yw);
            for (int z = 0; z < 8; z++) {
                int zh, zw;
                trm_maze_dihedral(g, H, W, z, d, &zh, &zw);
                if (zh == yh && zw == yw && !memcmp(d, t2, H * W)) found = found < 0 ? z : 99;
            }
            CHECK(found >= 0 && found < 8, "tid %d then %d is %s", x, y, found < 0 ? "no transform" : "ambiguous");
            table[x][y] = found;
        }
        CHECK(table[x][trm_maze_dihedral_inverse(x)] == 0, "inverse of %d wrong", x);
    }
    CHECK(table[1][1] == 2 && table[1][2] == 3 && table[2][1] == 3 && table[3][1] == 0, "rotations do not compose");
    CHECK(table[1][4] == 7, "tid 7 is not fliplr(rot90)");
    static const int inv[8] = {0, 3, 2, 1, 4, 5, 6, 7};
    for (int x = 0; x < 8; x++) CHECK(trm_maze_dihedral_inverse(x) == inv[x], "inverse table at %d", x);
    CHECK(trm_maze_dihedral_inverse(8) == -1 && trm_maze_dihedral(g, H, W, 8, t1, NULL, NULL) == TRM_E_INVALID,
          "tid 8 accepted");
    printf("ok   dihedral transforms: TRM 6.1 formulas, shapes, group table, inverses\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Verifier: hand-made answers                                                                 */

static trm_maze_verdict verdict_of(const char *const *qrows, const char *const *arows, int h, int w) {
    uint8_t q[256], a[256], l[256];
    grid_from(qrows, h, w, q);
    grid_from(arows, h, w, a);
    void *ws = ws_for(h, w);
    trm_error err;
    trm_maze_solve(q, h, w, l, NULL, ws, &err);
    trm_maze_verdict v;
    trm_status st = trm_maze_verify(q, a, l, h, w, ws, &v, &err);
    CHECK(st == TRM_OK, "verify failed: %s", err.msg);
    free(ws);
    return v;
}

#define EXPECT(v, val, opt, ex, len, why)                                                                  \
    CHECK((v).valid == (val) && (v).optimal == (opt) && (v).exact == (ex) && (v).path_length == (len) &&  \
              strstr((v).reason, why),                                                                     \
          "%s: got valid %d optimal %d exact %d len %d reason '%s'", why[0] ? why : "good answer", (v).valid, \
          (v).optimal, (v).exact, (v).path_length, (v).reason)

static void test_verifier(void) {
    const char *q[] = {"S   G", " ### ", "     "};
    trm_maze_verdict v;
    const char *good[] = {"SoooG", " ### ", "     "};
    v = verdict_of(q, good, 3, 5);
    EXPECT(v, 1, 1, 1, 4, "");
    CHECK(v.shortest_length == 4, "shortest %d", v.shortest_length);
    const char *oconv[] = {"ooooo", " ### ", "     "};
    v = verdict_of(q, oconv, 3, 5);
    EXPECT(v, 1, 1, 1, 4, "");
    const char *detour[] = {"S   G", "o###o", "ooooo"};
    v = verdict_of(q, detour, 3, 5);
    EXPECT(v, 1, 0, 0, 8, "");
    const char *broken[] = {"So oG", " ### ", "     "};
    v = verdict_of(q, broken, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "broken");
    const char *wall[] = {"S   G", "ooooo", "     "};
    v = verdict_of(q, wall, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "through the wall");
    const char *changed[] = {"SoooG", " # # ", "     "};
    v = verdict_of(q, changed, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "wall at row 1, column 2");
    const char *extra[] = {"SoooG", " ### ", "  o  "};
    v = verdict_of(q, extra, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "broken at path cell (row 2, column 2)");
    const char *branch[] = {"SoooG", "o### ", "     "};
    v = verdict_of(q, branch, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "branches at S");
    const char *lost_s[] = {" oooG", " ### ", "     "};
    v = verdict_of(q, lost_s, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "S at row 0, column 0 became ' '");
    const char *empty[] = {"S   G", " ### ", "     "};
    v = verdict_of(q, empty, 3, 5);
    EXPECT(v, 0, 0, 0, -1, "broken at S");

    const char *open3[] = {"S  ", "   ", "  G"};
    const char *diag[] = {"S  ", " o ", "  G"};
    v = verdict_of(open3, diag, 3, 3);
    EXPECT(v, 0, 0, 0, -1, "broken");
    const char *other[] = {"S  ", "o  ", "ooG"}; /* a different shortest path than the label's */
    v = verdict_of(open3, other, 3, 3);
    EXPECT(v, 1, 1, 0, 4, "");
    const char *alongside[] = {"Soo", "ooo", "  G"}; /* runs alongside itself: order unreadable */
    v = verdict_of(open3, alongside, 3, 3);
    CHECK(!v.valid, "a path touching itself was accepted");

    const char *q4[] = {"S    G", "      ", "      ", "      "};
    const char *cycle[] = {"SooooG", "      ", " oo   ", " oo   "};
    v = verdict_of(q4, cycle, 4, 6);
    EXPECT(v, 0, 0, 0, -1, "4 path cells are not on the path");

    /* A PAD or out-of-range token in the answer is just wrong, not an error. */
    uint8_t qq[15], aa[15];
    grid_from(q, 3, 5, qq);
    grid_from(good, 3, 5, aa);
    aa[7] = 0;
    void *ws = ws_for(3, 5);
    trm_error err;
    CHECK(trm_maze_verify(qq, aa, NULL, 3, 5, ws, &v, &err) == TRM_OK && !v.valid && !v.exact &&
              strstr(v.reason, "wall at row 1, column 2 became '?'"),
          "PAD answer: valid %d reason '%s'", v.valid, v.reason);
    /* Malformed questions are errors. */
    const char *two_s[] = {"S  SG", " ### ", "     "};
    grid_from(two_s, 3, 5, qq);
    CHECK(trm_maze_verify(qq, aa, NULL, 3, 5, ws, &v, &err) == TRM_E_FORMAT && strstr(err.msg, "2 start"),
          "two S: '%s'", err.msg);
    qq[3] = TRM_MAZE_PATH;
    CHECK(trm_maze_verify(qq, aa, NULL, 3, 5, ws, &v, &err) == TRM_E_FORMAT && strstr(err.msg, "row 0, column 3"),
          "'o' in question: '%s'", err.msg);
    /* Unreachable goal. */
    const char *walled[] = {"S # G", " ### ", "  #  "};
    grid_from(walled, 3, 5, qq);
    int len = 0;
    CHECK(trm_maze_solve(qq, 3, 5, aa, &len, ws, &err) == TRM_E_INVALID && len == -1 && strstr(err.msg, "cannot be reached"),
          "unreachable: '%s'", err.msg);
    CHECK(trm_maze_verify(qq, qq, NULL, 3, 5, ws, &v, &err) == TRM_OK && v.shortest_length == -1 && !v.valid,
          "unreachable verdict");
    free(ws);
    printf("ok   verifier: valid, optimal, exact and every rejection case\n");
}

static void test_options(void) {
    trm_maze_options o;
    trm_error err;
    void *ws = ws_for(5, 5);
    uint8_t q[25];
    trm_maze_options_default(&o, 5, 5);
    CHECK(o.min_path == 5 && o.tries_per_layout == 100, "defaults");
    o.min_path = 25;
    CHECK(trm_maze_generate(&o, 1, 0, q, NULL, NULL, ws, &err) == TRM_E_INVALID && strstr(err.msg, "min_path 25"),
          "min_path too long: '%s'", err.msg);
    o.min_path = 23; /* needs 24 open cells; a 5x5 Lehnert grid has at most 19 */
    o.max_layouts = 50;
    CHECK(trm_maze_generate(&o, 1, 0, q, NULL, NULL, ws, &err) == TRM_E_INVALID && strstr(err.msg, "in 50 layouts"),
          "impossible maze: '%s'", err.msg);
    trm_maze_options_default(&o, 2, 5);
    o.algorithm = TRM_MAZE_DFS;
    CHECK(trm_maze_options_check(&o, &err) == TRM_E_SHAPE && strstr(err.msg, "at least 3"), "dfs 2x5: '%s'", err.msg);
    trm_maze_options_default(&o, 0, 5);
    CHECK(trm_maze_options_check(&o, &err) == TRM_E_SHAPE, "0x5 accepted");
    CHECK(trm_maze_workspace_bytes(0, 5) == 0 && trm_maze_workspace_bytes(2000, 5) == 0, "workspace of a bad size");
    trm_maze_options_default(&o, 1, 2); /* the smallest Lehnert maze */
    uint8_t l[2];
    int len;
    CHECK(trm_maze_generate(&o, 9, 0, q, l, &len, ws, &err) == TRM_OK && len == 1, "1x2 maze: %s", err.msg);
    free(ws);
    printf("ok   option checks and bounded failure\n");
}

int main(void) {
    test_tokens();
    test_dihedral();
    test_verifier();
    test_options();
    test_counts_brute();
    test_pinned();
    test_generators();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all maze checks passed\n");
    return 0;
}
