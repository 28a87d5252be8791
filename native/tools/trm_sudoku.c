/* trm-sudoku: generate a Sudoku dataset as HRM CSV (source,question,answer,rating; rating = the
 * C solver's backtracks, sudoku.h), or rate an existing one (Sudoku-Extreme's files). Puzzle k of
 * a run depends only on the options, the seed and k, so any row can be regenerated on its own (its
 * source field says how); rows are generated and rated in parallel. */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "csv.h"
#include "sudoku.h"
#include "task.h"

static const char USAGE[] =
    "usage: trm-sudoku --count K --seed S [--generator minimal|symmetric] [--min-rating R]\n"
    "                  [--max-grids M] --out FILE.csv\n"
    "       trm-sudoku --rate IN.csv [--out FILE.csv]\n"
    "\n"
    "Writes K 9x9 puzzles with one solution each as an HRM CSV dataset (header\n"
    "source,question,answer,rating), the format of Sudoku-Extreme: question = 81 characters, '.'\n"
    "for a blank; answer = the solution; rating = the backtracks of trm.c's solver when it proves\n"
    "the solution unique (0: naked and hidden singles alone solve it; more = more search). Puzzle k\n"
    "is determined by the options, --seed and k alone.\n"
    "\n"
    "  --generator G    minimal (default): clues removed in random order while the solution stays\n"
    "                   unique, down to a minimal puzzle (about 22-26 clues); symmetric: clues\n"
    "                   removed in centre-symmetric pairs (more clues, easier)\n"
    "  --min-rating R   keep puzzles rated >= R (default 0): about 55% of minimal puzzles rate\n"
    "                   >= 1, 20% >= 4, 5% >= 8, under 1% >= 16\n"
    "  --max-grids M    give up on a puzzle after M solved grids that rated too low (default 1000)\n"
    "  --count K        number of puzzles (>= 1)\n"
    "  --seed S         64-bit seed (decimal)\n"
    "  --rate IN.csv    instead: read a Sudoku CSV ('.' or '0' blanks), check every row (a one-\n"
    "                   solution puzzle whose answer is that solution) and print its ratings by\n"
    "                   band; with --out, write it again with trm.c's ratings\n"
    "  --out FILE       output CSV, written atomically; '-' for standard output\n"
    "  --threads N      threads generating or rating (default: all cores or OMP_NUM_THREADS)\n"
    "  --quiet          no summary\n"
    "  --help           this text\n"
    "\n"
    "Example:\n"
    "  native/trm-sudoku --count 100000 --seed 1 --min-rating 1 --out sudoku-train.csv\n"
    "Exit status: 0 ok, 1 generation, checking or I/O failure, 2 bad arguments.\n";

typedef struct args {
    trm_task_gen gen;
    long count;
    uint64_t seed;
    int have_seed, quiet;
    const char *out, *rate;
    trmn_cli_common common;
} args;

static const char TOOL[] = "trm-sudoku";

static int parse_value(args *a, const trm_task *t, const char *k, const char *v) {
    long n;
    if (!strcmp(k, "--generator")) {
        a->gen.kind = trm_task_generator_parse(t, v);
        if (a->gen.kind < 0) return trmn_cli_usage_error(TOOL, "--generator '%s': expected minimal or symmetric", v);
    } else if (!strcmp(k, "--min-rating")) {
        if (trmn_cli_parse_long(v, 0, 1000000000L, &n))
            return trmn_cli_usage_error(TOOL, "--min-rating '%s': expected a non-negative integer", v);
        a->gen.min_rating = (int)n;
    } else if (!strcmp(k, "--max-grids")) {
        if (trmn_cli_parse_long(v, 1, 1000000000L, &n))
            return trmn_cli_usage_error(TOOL, "--max-grids '%s': expected a positive integer", v);
        a->gen.max_layouts = (int)n;
    } else if (!strcmp(k, "--count")) {
        if (trmn_cli_parse_long(v, 1, 100000000L, &n))
            return trmn_cli_usage_error(TOOL, "--count '%s': expected an integer in [1, 100000000]", v);
        a->count = n;
    } else if (!strcmp(k, "--seed")) {
        if (trmn_cli_parse_u64(v, &a->seed))
            return trmn_cli_usage_error(TOOL, "--seed '%s': expected a non-negative 64-bit integer", v);
        a->have_seed = 1;
    } else if (!strcmp(k, "--rate")) {
        a->rate = v;
    } else {
        a->out = v;
    }
    return 0;
}

static int parse_args(int argc, char **argv, args *a, const trm_task *t) {
    static const char *const flags[] = {"--quiet", NULL};
    static const char *const values[] = {"--generator", "--min-rating", "--max-grids", "--count", "--seed", "--rate", "--out", NULL};
    memset(a, 0, sizeof *a);
    trm_task_gen_default(t, &a->gen, 9, 9);
    a->count = -1;
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(TOOL, argc, argv, &i, flags, values, &o)) return TRMN_EXIT_USAGE;
        if (!strcmp(o.key, "--help")) {
            fputs(USAGE, stdout);
            exit(0);
        }
        const int c = trmn_cli_common_option(TOOL, &o, &a->common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--quiet")) a->quiet = 1;
        else {
            const int rc = parse_value(a, t, o.key, o.value);
            if (rc) return rc;
        }
    }
    if (a->rate) {
        if (a->count >= 0 || a->have_seed)
            return trmn_cli_usage_error(TOOL, "--rate reads puzzles: --count and --seed are for generating");
        return 0;
    }
    if (a->count < 0) return trmn_cli_usage_error(TOOL, "missing --count");
    if (!a->have_seed) return trmn_cli_usage_error(TOOL, "missing --seed");
    if (!a->out) return trmn_cli_usage_error(TOOL, "missing --out FILE.csv");
    trm_error err;
    if (t->gen_check(&a->gen, &err) != TRM_OK) return trmn_cli_usage_error(TOOL, "%s", err.msg);
    return 0;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Generate every puzzle into q, l [count * 81] and rating [count]. 0, or 1 with the message printed. */
static int generate(const args *a, const trm_task *t, uint8_t *q, uint8_t *l, int *rating) {
    int failed = 0;
    char first[sizeof(trm_error) + 32] = "";
#pragma omp parallel reduction(| : failed)
    {
        void *ws = malloc(t->workspace_bytes(9, 9));
        if (!ws) failed = 1;
#pragma omp for schedule(dynamic, 16)
        for (long k = 0; k < a->count; k++) {
            if (failed || !ws) continue;
            trm_error err;
            if (t->generate(&a->gen, a->seed, (uint64_t)k, q + (size_t)k * 81, l + (size_t)k * 81, &rating[k], ws, &err) !=
                TRM_OK) {
                failed = 1;
#pragma omp critical
                if (!first[0]) snprintf(first, sizeof first, "puzzle %ld: %s", k, err.msg);
            }
        }
        free(ws);
    }
    if (failed) fprintf(stderr, "trm-sudoku: %s\n", first[0] ? first : "out of memory");
    return failed;
}

/* Ratings by band: 0, 1, 2-3, 4-7, ... (powers of two), with the clue counts. */
static void print_bands(const uint8_t *q, const int *rating, size_t count) {
    enum { BANDS = 24 };
    size_t n[BANDS] = {0}, clues[BANDS] = {0};
    for (size_t k = 0; k < count; k++) {
        int b = 0;
        while (b < BANDS - 1 && rating[k] >= (1 << b)) b++;
        n[b]++;
        for (int i = 0; i < 81; i++) clues[b] += q[k * 81 + i] != TRM_SUDOKU_BLANK;
    }
    fprintf(stderr, "  %-16s %9s %7s %11s\n", "rating", "puzzles", "share", "mean clues");
    for (int b = 0; b < BANDS; b++) {
        if (!n[b]) continue;
        char band[32];
        if (b == 0) snprintf(band, sizeof band, "0");
        else if (b == 1) snprintf(band, sizeof band, "1");
        else snprintf(band, sizeof band, "%d-%d", 1 << (b - 1), (1 << b) - 1);
        fprintf(stderr, "  %-16s %9zu %6.1f%% %11.1f\n", band, n[b], 100.0 * (double)n[b] / (double)count,
                (double)clues[b] / (double)n[b]);
    }
}

static int write_csv(const char *out, const trmn_csv_dataset *d) {
    trm_error err;
    int rc = 0;
    if (!strcmp(out, "-")) {
        char *text;
        size_t n;
        if (trmn_csv_format(d, &text, &n, &err) != TRM_OK) rc = 1;
        else {
            if (fwrite(text, 1, n, stdout) != n || fflush(stdout)) {
                snprintf(err.msg, sizeof err.msg, "writing to standard output failed");
                rc = 1;
            }
            free(text);
        }
    } else if (trmn_csv_write(out, d, &err) != TRM_OK) {
        rc = 1;
    }
    if (rc) fprintf(stderr, "trm-sudoku: %s\n", err.msg);
    return rc;
}

static int run_generate(const args *a, const trm_task *t) {
    uint8_t *q = malloc((size_t)a->count * 81), *l = malloc((size_t)a->count * 81);
    int *rating = malloc((size_t)a->count * sizeof *rating), rc = 0;
    if (!q || !l || !rating) {
        fprintf(stderr, "trm-sudoku: out of memory for %ld puzzles\n", a->count);
        rc = 1;
    }
    const double t0 = now_s();
    if (!rc) rc = generate(a, t, q, l, rating);
    const double secs = now_s() - t0;
    trmn_csv_dataset d;
    trmn_csv_init(&d, t, 9, 9);
    trm_error err;
    for (long k = 0; k < a->count && !rc; k++) {
        char src[128];
        snprintf(src, sizeof src, "trm-sudoku/%s/min=%d/seed=%" PRIu64 "/k=%ld", t->generators[a->gen.kind],
                 a->gen.min_rating, a->seed, k);
        if (trmn_csv_append(&d, src, q + (size_t)k * 81, l + (size_t)k * 81, rating[k], &err) != TRM_OK) {
            fprintf(stderr, "trm-sudoku: %s\n", err.msg);
            rc = 1;
        }
    }
    if (!rc) rc = write_csv(a->out, &d);
    if (!rc && !a->quiet) {
        int threads = 1;
#ifdef _OPENMP
        threads = omp_get_max_threads();
#endif
        fprintf(stderr, "trm-sudoku: %ld %s puzzles rated >= %d (seed %" PRIu64 ") -> %s\n", a->count,
                t->generators[a->gen.kind], a->gen.min_rating, a->seed, a->out);
        print_bands(q, rating, (size_t)a->count);
        fprintf(stderr, "  generated in %.3f s: %.1f puzzles/s (%d thread%s)\n", secs, (double)a->count / secs, threads,
                threads == 1 ? "" : "s");
    }
    trmn_csv_free(&d);
    free(q);
    free(l);
    free(rating);
    return rc;
}

/* Rate every row of d in place: it must have one solution, and its answer must be it. */
static int rate_rows(trmn_csv_dataset *d, const char *name) {
    long bad = -1;
    char why[160] = "";
#pragma omp parallel
    {
        void *ws = malloc(TRM_SUDOKU_WORKSPACE);
#pragma omp for schedule(dynamic, 64)
        for (long k = 0; k < (long)d->count; k++) {
            const uint8_t *q = d->questions + (size_t)k * 81, *a = d->answers + (size_t)k * 81;
            uint8_t solution[81];
            trm_sudoku_search s = {0};
            trm_error e = {TRM_OK, ""};
            char msg[160] = "";
            if (!ws) snprintf(msg, sizeof msg, "out of memory");
            else if (trm_sudoku_solve(q, solution, 2, &s, ws, &e) != TRM_OK) snprintf(msg, sizeof msg, "%s", e.msg);
            else if (s.solutions != 1) snprintf(msg, sizeof msg, "%s", s.solutions ? "several solutions" : "no solution");
            else if (memcmp(solution, a, 81)) snprintf(msg, sizeof msg, "the answer is not the puzzle's solution");
            else d->ratings[k] = s.backtracks > 0x7fffffff ? 0x7fffffff : (int32_t)s.backtracks;
            if (msg[0]) {
#pragma omp critical
                if (bad < 0 || k < bad) bad = k, snprintf(why, sizeof why, "%s", msg);
            }
        }
        free(ws);
    }
    if (bad >= 0) fprintf(stderr, "trm-sudoku: %s: row %ld: %s\n", name, bad + 1, why);
    return bad >= 0;
}

static int run_rate(const args *a, const trm_task *t) {
    trmn_csv_dataset d;
    trm_error err;
    if (trmn_csv_read(a->rate, t, 9, 9, &d, &err) != TRM_OK) {
        fprintf(stderr, "trm-sudoku: %s\n", err.msg);
        return 1;
    }
    const double t0 = now_s();
    int rc = rate_rows(&d, a->rate);
    if (!rc && !a->quiet) {
        int *r = malloc(d.count * sizeof *r);
        if (r) {
            for (size_t k = 0; k < d.count; k++) r[k] = d.ratings[k];
            fprintf(stderr, "trm-sudoku: %zu puzzles of %s, each with one solution (rated in %.2f s)\n", d.count, a->rate,
                    now_s() - t0);
            print_bands(d.questions, r, d.count);
            free(r);
        }
    }
    if (!rc && a->out) rc = write_csv(a->out, &d);
    trmn_csv_free(&d);
    return rc;
}

int main(int argc, char **argv) {
    const trm_task *t = trm_task_find("sudoku");
    args a;
    const int rc = parse_args(argc, argv, &a, t);
    if (rc) return rc;
    trmn_cli_apply_threads(a.common.threads);
    return a.rate ? run_rate(&a, t) : run_generate(&a, t);
}
