/* trm-maze: generate a maze dataset as HRM CSV (source,question,answer,rating; rating = shortest
 * path length in moves). Maze k of a run depends only on the options, the seed and k, so any row
 * can be regenerated on its own (its source field says how); rows are generated in parallel. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "csv.h"
#include "fileio.h"
#include "maze.h"

static const char USAGE[] =
    "usage: trm-maze --algorithm lehnert|dfs --size N | --height H --width W\n"
    "                --count K --seed S [--min-path L] [--unique] [--max-layouts M] --out FILE.csv\n"
    "\n"
    "Writes K mazes as an HRM CSV dataset (header source,question,answer,rating), the format of\n"
    "the Maze-Hard files: question = the maze ('#' wall, ' ' open, 'S' start, 'G' goal), answer =\n"
    "the question with one shortest S-G path marked 'o' (S and G stay letters), rating = path\n"
    "length in moves. Maze k is determined by the options, --seed and k alone.\n"
    "\n"
    "  --algorithm A    lehnert (default): random obstacles, 30-50%% walls, as Lehnert et al. and\n"
    "                   Maze-Hard (TRM.md section 9); dfs: perfect corridor maze (unique paths),\n"
    "                   S and G at the ends of its longest path; dfs-any: the same maze with S\n"
    "                   and G on random open cells at least --min-path moves apart; sparse:\n"
    "                   random walls on 0-30%% of the cells (rooms, open floors)\n"
    "  --size N         square N x N grid (or --height/--width for a rectangle); 1..1024\n"
    "  --count K        number of mazes (>= 1)\n"
    "  --seed S         64-bit seed (decimal)\n"
    "  --min-path L     keep mazes whose shortest path has >= L moves (default max(H, W));\n"
    "                   Maze-Hard 30x30 is '--min-path 111' (difficulty > 110)\n"
    "  --unique         keep only mazes whose shortest path is unique (fair exact-match scoring);\n"
    "                   practical with dfs, or lehnert on small grids / short paths: random-obstacle\n"
    "                   grids almost always have many shortest paths (30x30, >110 moves: 10^3-10^8)\n"
    "  --max-layouts M  give up on a maze after M wall layouts (default 100000)\n"
    "  --out FILE       output CSV, written atomically; '-' for standard output\n"
    "  --quiet          no summary\n"
    "  --help           this text\n"
    "\n"
    "Example (Maze-Hard-like, 1000 mazes):\n"
    "  native/trm-maze --algorithm lehnert --size 30 --min-path 111 --count 1000 --seed 1 --out train.csv\n"
    "Exit status: 0 ok, 1 generation or I/O failure, 2 bad arguments.\n";

typedef struct args {
    trm_maze_options opt;
    int size, height, width, min_path, unique, max_layouts, quiet;
    long count;
    uint64_t seed;
    int have_seed;
    const char *out;
} args;

static int bad_arg(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Print "trm-maze: <message>" and return the bad-arguments exit status. */
static int bad_arg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "trm-maze: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run trm-maze --help for usage)\n");
    va_end(ap);
    return 2;
}

/* Decimal integer in [lo, hi]; returns 0 on success. */
static int parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, args *a) {
    memset(a, 0, sizeof *a);
    a->min_path = -1;
    a->count = -1;
    int algo = TRM_MAZE_LEHNERT;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = NULL;
        char key[32];
        const char *eq = strchr(k, '=');
        if (strncmp(k, "--", 2) != 0) return bad_arg("unexpected argument '%s'", k);
        if (eq && (size_t)(eq - k) < sizeof key) { /* --key=value */
            memcpy(key, k, (size_t)(eq - k));
            key[eq - k] = '\0';
            k = key;
            v = eq + 1;
        }
        if (!strcmp(k, "--help")) { fputs(USAGE, stdout); exit(0); }
        if (!strcmp(k, "--unique")) { a->unique = 1; continue; }
        if (!strcmp(k, "--quiet")) { a->quiet = 1; continue; }
        static const char *const valued[] = {"--algorithm", "--size", "--height", "--width", "--count",
                                             "--seed", "--min-path", "--max-layouts", "--out"};
        int known = 0;
        for (size_t j = 0; j < sizeof valued / sizeof valued[0]; j++) known |= !strcmp(k, valued[j]);
        if (!known) return bad_arg("unknown option '%s'", k);
        if (!v) {
            if (i + 1 >= argc) return bad_arg("option %s needs a value", k);
            v = argv[++i];
        }
        long n;
        if (!strcmp(k, "--algorithm")) {
            int parsed = trm_maze_algorithm_parse(v);
            if (parsed < 0) return bad_arg("--algorithm '%s': expected lehnert, dfs, dfs-any or sparse", v);
            algo = (trm_maze_algorithm)parsed;
        } else if (!strcmp(k, "--size") || !strcmp(k, "--height") || !strcmp(k, "--width")) {
            if (parse_long(v, 1, TRM_MAZE_MAX_SIDE, &n)) return bad_arg("%s '%s': expected an integer in [1, 1024]", k, v);
            if (k[2] == 's') a->size = (int)n;
            else if (k[2] == 'h') a->height = (int)n;
            else a->width = (int)n;
        } else if (!strcmp(k, "--count")) {
            if (parse_long(v, 1, 100000000L, &n)) return bad_arg("--count '%s': expected an integer in [1, 100000000]", v);
            a->count = n;
        } else if (!strcmp(k, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end || strchr(v, '-')) return bad_arg("--seed '%s': expected a non-negative 64-bit integer", v);
            a->seed = (uint64_t)s;
            a->have_seed = 1;
        } else if (!strcmp(k, "--min-path")) {
            if (parse_long(v, 0, 1 << 20, &n)) return bad_arg("--min-path '%s': expected a non-negative integer", v);
            a->min_path = (int)n;
        } else if (!strcmp(k, "--max-layouts")) {
            if (parse_long(v, 1, 1000000000L, &n)) return bad_arg("--max-layouts '%s': expected a positive integer", v);
            a->max_layouts = (int)n;
        } else {
            a->out = v;
        }
    }
    if (a->size && (a->height || a->width)) return bad_arg("give --size or --height/--width, not both");
    if (a->size) a->height = a->width = a->size;
    if (!a->height || !a->width) return bad_arg("missing grid size: --size N or both --height H and --width W");
    if (a->count < 0) return bad_arg("missing --count");
    if (!a->have_seed) return bad_arg("missing --seed");
    if (!a->out) return bad_arg("missing --out FILE.csv");
    trm_maze_options_default(&a->opt, a->height, a->width);
    a->opt.algorithm = (trm_maze_algorithm)algo;
    if (a->min_path >= 0) a->opt.min_path = a->min_path;
    a->opt.unique = a->unique;
    if (a->max_layouts) a->opt.max_layouts = a->max_layouts;
    trm_error err;
    if (trm_maze_options_check(&a->opt, &err) != TRM_OK) return bad_arg("%s", err.msg);
    return 0;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_int(const void *x, const void *y) {
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* Generate all mazes into q, l [count * cells] and len [count]. Returns 0 or 1 (message printed). */
static int generate(const args *a, uint8_t *q, uint8_t *l, int *len) {
    size_t cells = (size_t)a->height * (size_t)a->width, wsb = trm_maze_workspace_bytes(a->height, a->width);
    int failed = 0;
    char first[sizeof(trm_error) + 32] = ""; /* the first failure's message */
#pragma omp parallel reduction(| : failed)
    {
        void *ws = malloc(wsb);
        if (!ws) failed = 1;
#pragma omp for schedule(dynamic, 4)
        for (long k = 0; k < a->count; k++) {
            if (failed || !ws) continue;
            trm_error err;
            if (trm_maze_generate(&a->opt, a->seed, (uint64_t)k, q + (size_t)k * cells, l + (size_t)k * cells,
                                  &len[k], ws, &err) != TRM_OK) {
                failed = 1;
#pragma omp critical
                if (!first[0]) snprintf(first, sizeof first, "maze %ld: %s", k, err.msg);
            }
        }
        free(ws);
    }
    if (failed) fprintf(stderr, "trm-maze: %s\n", first[0] ? first : "out of memory");
    return failed ? 1 : 0;
}

static void summary(const args *a, const uint8_t *q, const int *len, double secs) {
    size_t cells = (size_t)a->height * (size_t)a->width;
    int *sorted = malloc((size_t)a->count * sizeof *sorted);
    double dsum = 0, dmin = 1, dmax = 0;
    for (long k = 0; k < a->count; k++) {
        size_t walls = 0;
        for (size_t i = 0; i < cells; i++) walls += q[(size_t)k * cells + i] == TRM_MAZE_WALL;
        double d = (double)walls / (double)cells;
        dsum += d;
        dmin = d < dmin ? d : dmin;
        dmax = d > dmax ? d : dmax;
    }
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    fprintf(stderr, "trm-maze: %ld %s mazes %dx%d (min path %d%s, seed %" PRIu64 ") -> %s\n", a->count,
            trm_maze_algorithm_name(a->opt.algorithm), a->height, a->width, a->opt.min_path,
            a->unique ? ", unique" : "", a->seed, a->out);
    if (sorted) {
        memcpy(sorted, len, (size_t)a->count * sizeof *sorted);
        qsort(sorted, (size_t)a->count, sizeof *sorted, cmp_int);
        long c = a->count;
        double med = c % 2 ? sorted[c / 2] : 0.5 * (sorted[c / 2 - 1] + sorted[c / 2]);
        fprintf(stderr, "  path length (moves): min %d, median %.1f, max %d\n", sorted[0], med, sorted[c - 1]);
        free(sorted);
    }
    fprintf(stderr, "  wall density: mean %.3f, min %.3f, max %.3f\n", dsum / (double)a->count, dmin, dmax);
    fprintf(stderr, "  generated in %.3f s: %.1f mazes/s (%d thread%s)\n", secs, (double)a->count / secs, threads,
            threads == 1 ? "" : "s");
}

static int write_out(const args *a, const uint8_t *q, const uint8_t *l, const int *len) {
    size_t cells = (size_t)a->height * (size_t)a->width;
    trmn_csv_dataset d;
    trm_error err;
    trmn_csv_init(&d, trm_task_find("maze"), a->height, a->width);
    int rc = 0;
    for (long k = 0; k < a->count && !rc; k++) {
        char src[160];
        snprintf(src, sizeof src, "trm-maze/%s/%dx%d/min=%d%s/seed=%" PRIu64 "/k=%ld",
                 trm_maze_algorithm_name(a->opt.algorithm), a->height, a->width, a->opt.min_path,
                 a->unique ? "/unique" : "", a->seed, k);
        if (trmn_csv_append(&d, src, q + (size_t)k * cells, l + (size_t)k * cells, len[k], &err) != TRM_OK) rc = 1;
    }
    if (!rc && !strcmp(a->out, "-")) {
        char *text;
        size_t n;
        if (trmn_csv_format(&d, &text, &n, &err) != TRM_OK) rc = 1;
        else {
            if (fwrite(text, 1, n, stdout) != n || fflush(stdout)) {
                trmn_error_set(&err, TRM_E_INVALID, "writing to standard output failed");
                rc = 1;
            }
            free(text);
        }
    } else if (!rc && trmn_csv_write(a->out, &d, &err) != TRM_OK) {
        rc = 1;
    }
    if (rc) fprintf(stderr, "trm-maze: %s\n", err.msg);
    trmn_csv_free(&d);
    return rc;
}

int main(int argc, char **argv) {
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    size_t cells = (size_t)a.height * (size_t)a.width;
    uint8_t *q = malloc((size_t)a.count * cells), *l = malloc((size_t)a.count * cells);
    int *len = malloc((size_t)a.count * sizeof *len);
    if (!q || !l || !len) {
        fprintf(stderr, "trm-maze: out of memory for %ld mazes of %zu cells\n", a.count, cells);
        rc = 1;
    }
    double t0 = now_s();
    if (!rc) rc = generate(&a, q, l, len);
    double secs = now_s() - t0;
    if (!rc) rc = write_out(&a, q, l, len);
    if (!rc && !a.quiet) summary(&a, q, len, secs);
    free(q);
    free(l);
    free(len);
    return rc;
}
