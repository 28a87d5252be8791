/* trm-eval: evaluate a model file on an HRM CSV dataset of its task, or with --arc on ARC-AGI
 * tasks (native/arc_eval_cli.c) (native/TOOLS.md). */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_eval.h"
#include "cli.h"
#include "csv.h"
#include "evaluate.h"
#include "model_io.h"
#include "progress.h"

static const char TOOL[] = "trm-eval";

enum { EXIT_INTERRUPTED = 130 };
static volatile sig_atomic_t g_stop = 0; /* set by the signal handler */
static void on_signal(int sig) { g_stop = sig; }

static const char USAGE[] =
    "usage: trm-eval --model FILE.safetensors --csv FILE.csv [--limit K] [--steps N] [--early-halt]\n"
    "                [--vote] [--by-length] [--by-rating] [--batch B] [--json] [--threads N] [--kernels K]\n"
    "                [--precision P]\n"
    "       trm-eval --model FILE.safetensors --arc TASKS [...]   ARC-AGI tasks: see trm-eval --arc --help\n"
    "\n"
    "Solves every question of an HRM CSV dataset (header source,question,answer,rating) of the\n"
    "model's task with the model and checks the answers by the task's rules. Mazes, by BFS: exact\n"
    "(equals the CSV answer; S/G kept as letters or marked 'o' both accepted), valid-optimal (a\n"
    "valid S-G path of shortest length); sudoku: exact (the solution), valid (a solved grid that\n"
    "keeps the givens). Also cell accuracy, path-cell accuracy (cells the answer changes: a maze's\n"
    "path, a sudoku's blanks), mean supervision steps, questions per second.\n"
    "\n"
    "  --model FILE     model file (safetensors, e.g. runs/x/model.safetensors)\n"
    "  --csv FILE       dataset; its grids must have the model's size\n"
    "  --limit K        only the first K questions\n"
    "  --steps N        supervision steps (default: the model's halt_max_steps)\n"
    "  --early-halt     freeze each question's answer at the first step whose q_halt logit is > 0\n"
    "                   and whose answer equals the previous step's (core's halting rule)\n"
    "                   (mean steps then says how many were used)\n"
    "  --vote           symmetry voting: solve every question in each of its views (the task's\n"
    "                   transforms that keep the grid's shape: the 8 rotations and reflections of a\n"
    "                   square maze, 8 fixed shuffles of a sudoku), transform the answers back and\n"
    "                   score the one most views give (ties: the higher mean q_halt logit); costs\n"
    "                   views times the compute, and mean steps is then per view\n"
    "  --by-length      also break exact and valid-optimal accuracy down by the best answer's\n"
    "                   length (mazes: shortest path moves; sudoku: blanks), at most 12 ranges of\n"
    "                   equal width\n"
    "  --by-rating      also break them down by the CSV's rating column in bands 0, 1, 2-3, 4-7, ...\n"
    "                   (sudoku: the solver's backtracks, trm-sudoku)\n"
    "  --batch B        questions solved together (default 64)\n"
    "  --json           print exactly one JSON object on stdout (keys exact_accuracy,\n"
    "                   valid_optimal_accuracy, cell_accuracy, path_cell_accuracy, count, mean_steps,\n"
    "                   steps, early_halt, seconds, mazes_per_s (questions per second, whatever the\n"
    "                   task), precision, views, interrupted; with --by-length also by_length, with\n"
    "                   --by-rating by_rating:\n"
    "                   [{min, max, count, exact_accuracy, valid_optimal_accuracy}, ...])\n"
    "%s"
    "\n"
    "Example:\n"
    "  native/trm-eval --model runs/maze6/model.safetensors --csv test6.csv --early-halt\n"
    "Ctrl-C (or SIGTERM) stops after the current supervision step; the questions of the batches\n"
    "done are scored (\"interrupted\": true with --json) and the exit status is 130.\n"
    "Exit status: 0 ok, 1 bad file or evaluation error, 2 bad arguments, 130 interrupted.\n";

typedef struct args {
    const char *model, *csv;
    long limit, steps, batch;
    int vote, early_halt, json, by_length, by_rating;
    trmn_cli_common common;
} args;

static int parse_args(int argc, char **argv, args *a) {
    static const char *const flags[] = {"--early-halt", "--vote", "--json", "--by-length", "--by-rating", NULL};
    static const char *const values[] = {"--model", "--csv", "--limit", "--steps", "--batch", NULL};
    memset(a, 0, sizeof *a);
    a->batch = 64;
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(TOOL, argc, argv, &i, flags, values, &o)) return TRMN_EXIT_USAGE;
        int c = trmn_cli_common_option(TOOL, &o, &a->common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--help")) {
            printf(USAGE, TRMN_CLI_COMMON_HELP);
            exit(0);
        } else if (!strcmp(o.key, "--model")) a->model = o.value;
        else if (!strcmp(o.key, "--csv")) a->csv = o.value;
        else if (!strcmp(o.key, "--early-halt")) a->early_halt = 1;
        else if (!strcmp(o.key, "--json")) a->json = 1;
        else if (!strcmp(o.key, "--vote")) a->vote = 1;
        else if (!strcmp(o.key, "--by-length")) a->by_length = 1;
        else if (!strcmp(o.key, "--by-rating")) a->by_rating = 1;
        else if (!strcmp(o.key, "--limit")) {
            if (trmn_cli_parse_long(o.value, 1, 1000000000L, &a->limit))
                return trmn_cli_usage_error(TOOL, "--limit '%s': expected a positive integer", o.value);
        } else if (!strcmp(o.key, "--steps")) {
            if (trmn_cli_parse_long(o.value, 1, 100000, &a->steps))
                return trmn_cli_usage_error(TOOL, "--steps '%s': expected an integer in [1, 100000]", o.value);
        } else if (!strcmp(o.key, "--batch")) {
            if (trmn_cli_parse_long(o.value, 1, 65536, &a->batch))
                return trmn_cli_usage_error(TOOL, "--batch '%s': expected an integer in [1, 65536]", o.value);
        } else return trmn_cli_usage_error(TOOL, "unknown option '%s'", o.key);
    }
    if (!a->model) return trmn_cli_usage_error(TOOL, "missing --model FILE");
    if (!a->csv) return trmn_cli_usage_error(TOOL, "missing --csv FILE");
    return 0;
}

typedef struct prog_ctx {
    trmn_progress p;
    const char *items;
    double t0;
} prog_ctx;

static void on_progress(void *user, long done, long total) {
    prog_ctx *c = user;
    char bar[64], eta[32];
    const double dt = trmn_cli_now() - c->t0;
    trmn_progress_bar(bar, sizeof bar, (double)done, (double)total, 30);
    trmn_format_duration(eta, sizeof eta, done ? dt / (double)done * (double)(total - done) : -1);
    trmn_progress_update(&c->p, 0, "%s %ld/%ld %s  %.1f/s  ETA %s", bar, done, total, c->items, dt > 0 ? done / dt : 0.0, eta);
}

/* --by-length: questions grouped by the task's best answer length (trm_verdict.best_length;
 * mazes: the BFS shortest path) into at most 12 ranges of equal width, each with its exact and
 * valid-optimal accuracy; text rows or a JSON array. */
static void print_by_length(const trm_task *task, const trm_verdict *v, long count, int json) {
    if (count <= 0) {
        if (json) printf(", \"by_length\": []");
        return;
    }
    int lo = v[0].best_length, hi = lo; /* -1: no solution (mazes: S cannot reach G) */
    for (long i = 1; i < count; i++) {
        const int s = v[i].best_length;
        if (s < lo) lo = s;
        if (s > hi) hi = s;
    }
    const int width = (hi - lo + 12) / 12; /* ceil((hi - lo + 1) / 12) */
    if (json) printf(", \"by_length\": [");
    else if (!strcmp(task->name, "maze"))
        printf("  by shortest path length (moves; -1: no path):\n    %-9s %7s %8s %14s\n", "length", "mazes", "exact", "valid-optimal");
    else
        printf("  by best answer length (%s; -1: no solution):\n    %-9s %7s %8s %14s\n", task->length_unit, "length",
               "puzzles", "exact", "valid-optimal");
    for (int b0 = lo, first = 1; b0 <= hi; b0 += width) {
        const int b1 = b0 + width - 1 < hi ? b0 + width - 1 : hi;
        long n = 0, exact = 0, optimal = 0;
        for (long i = 0; i < count; i++)
            if (v[i].best_length >= b0 && v[i].best_length <= b1) {
                n++;
                exact += v[i].exact;
                optimal += v[i].optimal;
            }
        if (!n) continue;
        char range[32];
        if (b0 == b1) snprintf(range, sizeof range, "%d", b0);
        else snprintf(range, sizeof range, "%d-%d", b0, b1);
        if (json)
            printf("%s{\"min\": %d, \"max\": %d, \"count\": %ld, \"exact_accuracy\": %.6g, \"valid_optimal_accuracy\": %.6g}",
                   first ? "" : ", ", b0, b1, n, (double)exact / n, (double)optimal / n);
        else printf("    %-9s %7ld %8.4f %14.4f\n", range, n, (double)exact / n, (double)optimal / n);
        first = 0;
    }
    if (json) printf("]");
}

/* --by-rating: questions grouped by their CSV rating in bands 0, 1, 2-3, 4-7, ... (ratings below
 * 0 in one band of their own), each with its exact and valid-optimal accuracy. */
static void print_by_rating(const trm_task *task, const trm_verdict *v, const int32_t *rating, long count, int json) {
    enum { BANDS = 33 };
    long n[BANDS] = {0}, exact[BANDS] = {0}, optimal[BANDS] = {0};
    for (long i = 0; i < count; i++) {
        int b = 0; /* band 0: ratings < 0; band 1: 0; band k >= 2: [2^(k-2), 2^(k-1)) */
        if (rating[i] >= 0) {
            b = 1;
            while (b < BANDS - 1 && (int64_t)rating[i] >= ((int64_t)1 << (b - 1))) b++;
        }
        n[b]++, exact[b] += v[i].exact, optimal[b] += v[i].optimal;
    }
    if (json) printf(", \"by_rating\": [");
    else printf("  by rating (%s):\n    %-13s %7s %8s %14s\n", task->rating_means, "rating", task->items, "exact", "valid-optimal");
    for (int b = 0, first = 1; b < BANDS; b++) {
        if (!n[b]) continue;
        const long lo = b == 0 ? -2147483647L - 1 : b == 1 ? 0 : 1L << (b - 2), hi = b <= 1 ? (b ? 0 : -1) : (1L << (b - 1)) - 1;
        char range[40];
        if (b == 0) snprintf(range, sizeof range, "< 0");
        else if (lo == hi) snprintf(range, sizeof range, "%ld", lo);
        else snprintf(range, sizeof range, "%ld-%ld", lo, hi);
        if (json)
            printf("%s{\"min\": %ld, \"max\": %ld, \"count\": %ld, \"exact_accuracy\": %.6g, \"valid_optimal_accuracy\": %.6g}",
                   first ? "" : ", ", lo, hi, n[b], (double)exact[b] / n[b], (double)optimal[b] / n[b]);
        else printf("    %-13s %7ld %8.4f %14.4f\n", range, n[b], (double)exact[b] / n[b], (double)optimal[b] / n[b]);
        first = 0;
    }
    if (json) printf("]");
}

int main(int argc, char **argv) {
    if (trmn_arc_eval_wanted(argc, argv)) return trmn_arc_eval_main(TOOL, argc, argv);
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    const trm_kernels *k = trmn_cli_kernels(TOOL, a.common.kernels);
    if (!k) return TRMN_EXIT_USAGE;
    trmn_cli_apply_threads(a.common.threads);
    trm_error e;
    trm_model *m = trmn_load_model_file(a.model, &e);
    if (!m) return trmn_cli_error(TOOL, "%s", e.msg);
    trm_model_set_kernels(m, k);
    if ((rc = trmn_cli_apply_precision(TOOL, m, a.common.precision))) {
        trm_model_free(m);
        return rc;
    }
    const trm_config *cfg = trm_model_config(m);
    trmn_csv_dataset d;
    /* Read with the model's task and grid size, so a file of another size fails on its first row. */
    if (trmn_csv_read(a.csv, cfg->task, cfg->grid_height, cfg->grid_width, &d, &e) != TRM_OK) {
        rc = trmn_cli_error(TOOL, "%s (the model %s is for %dx%d grids)", e.msg, a.model, cfg->grid_height, cfg->grid_width);
        trm_model_free(m);
        return rc;
    }
    long count = (long)d.count;
    if (a.limit && a.limit < count) count = a.limit;
    prog_ctx pc;
    trmn_progress_init(&pc.p, stderr, -1);
    pc.t0 = trmn_cli_now();
    pc.items = cfg->task->items;
    const int steps = a.steps ? (int)a.steps : cfg->halt_max_steps;
    const int per_question = a.by_length || a.by_rating;
    trm_verdict *verdicts = per_question ? calloc((size_t)count, sizeof *verdicts) : NULL;
    if (per_question && !verdicts) {
        trmn_csv_free(&d);
        trm_model_free(m);
        return trmn_cli_error(TOOL, "out of memory");
    }
    const int views = a.vote ? trm_task_views(cfg->task ? cfg->task : trm_task_default(), cfg->grid_height, cfg->grid_width) : 1;
    trmn_eval_options o = {.steps = steps, .batch = (int)a.batch, .views = views, .mode = a.early_halt ? TRMN_EVAL_HALT : TRMN_EVAL_FIXED,
                          .progress = trmn_cli_isatty(stderr) ? on_progress : NULL, .user = &pc,
                          .verdict_fixed = a.early_halt ? NULL : verdicts, .verdict_halt = a.early_halt ? verdicts : NULL,
                          .cancel = &g_stop};
    trmn_eval_metrics f, h;
    trmn_cli_catch_stop(on_signal);
    const trm_status st = trmn_evaluate(m, d.questions, d.answers, count, 1, &o, &f, &h, &e);
    trmn_progress_end(&pc.p);
    const double secs = trmn_cli_now() - pc.t0;
    const long total = count;
    if (st == TRM_OK && g_stop) { /* the batches done are scored; their verdicts come first */
        count = (a.early_halt ? &h : &f)->count;
        fprintf(stderr, "%s: interrupted (signal %d) after %ld of %ld %s; the results are theirs\n", TOOL, (int)g_stop,
                count, total, cfg->task->items);
        rc = EXIT_INTERRUPTED;
    }
    if (st != TRM_OK) {
        const size_t skip = strlen(cfg->task->item) + 1; /* "<item> <row>: ..." -> "data row <row>: ..." */
        const int prefixed = !strncmp(e.msg, cfg->task->item, skip - 1) && e.msg[skip - 1] == ' ';
        rc = trmn_cli_error(TOOL, "%s: data row %s", a.csv, e.msg + (prefixed ? skip : 0));
    } else {
        const trmn_eval_metrics *r = a.early_halt ? &h : &f;
        const double rate = secs > 0 ? (double)count / secs : 0.0;
        if (a.json) {
            char *model = trmn_cli_json_quote(a.model), *csv = trmn_cli_json_quote(a.csv);
            if (!model || !csv) {
                rc = trmn_cli_error(TOOL, "out of memory");
            } else {
                printf("{\"model\": %s, \"csv\": %s, \"count\": %ld, \"exact_accuracy\": %.6g, "
                       "\"valid_optimal_accuracy\": %.6g, \"cell_accuracy\": %.6g, \"path_cell_accuracy\": %.6g, "
                       "\"mean_steps\": %.6g, \"steps\": %d, \"early_halt\": %s, \"seconds\": %.3f, "
                       "\"mazes_per_s\": %.6g, \"precision\": \"%s\", \"views\": %d, \"interrupted\": %s",
                       model, csv, r->count, trmn_eval_exact(r), trmn_eval_valid_optimal(r), trmn_eval_cell_accuracy(r),
                       trmn_eval_path_accuracy(r), trmn_eval_mean_steps(r), steps, a.early_halt ? "true" : "false", secs,
                       rate, trm_precision_name(trm_model_precision(m)), views, g_stop ? "true" : "false");
                if (a.by_length) print_by_length(cfg->task, verdicts, count, 1);
                if (a.by_rating) print_by_rating(cfg->task, verdicts, d.ratings, count, 1);
                printf("}\n");
            }
            free(model), free(csv);
        } else {
            printf("%s on %s: %ld %s %dx%d, %d supervision steps%s", a.model, a.csv, r->count, cfg->task->items, cfg->grid_height,
                   cfg->grid_width, steps, a.early_halt ? " with early halting" : "");
            if (views > 1) printf(", voting over %d views", views);
            printf("\n");
            printf("  exact            %.4f  (%ld/%ld)\n", trmn_eval_exact(r), r->exact, r->count);
            printf("  valid-optimal    %.4f  (%ld/%ld)\n", trmn_eval_valid_optimal(r), r->optimal, r->count);
            printf("  cell accuracy    %.4f\n", trmn_eval_cell_accuracy(r));
            printf("  path-cell acc.   %.4f\n", trmn_eval_path_accuracy(r));
            printf("  mean steps       %.2f%s\n", trmn_eval_mean_steps(r), views > 1 ? " (per view)" : "");
            printf("  speed            %.1f %s/s (%.2f s, %d thread%s, %s kernels, %s)\n", rate, cfg->task->items, secs, trmn_cli_threads(),
                   trmn_cli_threads() == 1 ? "" : "s", trm_kernels_name(k), trm_precision_name(trm_model_precision(m)));
            if (a.by_length) print_by_length(cfg->task, verdicts, count, 0);
            if (a.by_rating) print_by_rating(cfg->task, verdicts, d.ratings, count, 0);
        }
    }
    free(verdicts);
    trmn_csv_free(&d);
    trm_model_free(m);
    return rc;
}
