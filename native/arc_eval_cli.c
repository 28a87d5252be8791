/* arc_eval_cli.c: trm-eval --arc, the ARC-AGI evaluation from the command line (options, views,
 * progress, pass@k table or JSON, Kaggle submission file); the evaluation itself is arc_eval.c.
 * See native/TOOLS.md. */
#define _POSIX_C_SOURCE 200809L
#include "arc_eval.h"

#include "cli.h"
#include "fileio.h"
#include "model_io.h"
#include "progress.h"
#include "task.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: trm-eval --model FILE.safetensors --arc TASKS [--solutions FILE] [--identifiers FILE]\n"
    "                [--augmentations N] [--seed S] [--limit K] [--steps N] [--early-halt] [--batch B]\n"
    "                [--submission OUT.json] [--json] [--threads N] [--kernels K] [--precision P]\n"
    "\n"
    "ARC-AGI evaluation as the official TRM runs it (evaluators/arc.py): every test input is solved\n"
    "in every view of its task (an augmentation, one of the 8 rotations and reflections after a\n"
    "permutation of colours 1..9, with a puzzle-embedding row), each answer is cropped from the\n"
    "30x30 canvas and un-augmented, and the answers are voted on (most views first, then the highest\n"
    "mean sigmoid(q_halt logit)). pass@k: a test input is solved when its label is among the k best\n"
    "answers; a task scores the fraction of its test inputs solved, pass@k is the mean over tasks.\n"
    "The model's task must be \"arc\" (scripts/convert_official.py converts official checkpoints).\n"
    "\n"
    "  --model FILE        model file of task \"arc\"\n"
    "  --arc TASKS         a task file ({\"train\": [...], \"test\": [...]}, e.g. fchollet/ARC-AGI\n"
    "                      data/evaluation/<id>.json: the id is the file name), a directory of them\n"
    "                      (by name), or a combined challenges file {\"<id>\": task, ...} (the official\n"
    "                      kaggle/combined/arc-agi_evaluation_challenges.json)\n"
    "  --solutions FILE    the test outputs, {\"<id>\": [grid, ...]} (default: <prefix>_solutions.json\n"
    "                      next to a <prefix>_challenges.json, when there is one). Test inputs without\n"
    "                      an output are answered (--submission) but not scored\n"
    "  --identifiers FILE  the official dataset's identifiers.json: a task's views are its puzzles\n"
    "                      there (the task and its augmented versions, 1,001 in the official data,\n"
    "                      each with its own puzzle-embedding row), as the official evaluation runs\n"
    "  --augmentations N   without --identifiers: the input as it is plus N-1 distinct random\n"
    "                      augmentations, all on puzzle identifier 0 (default 1). A model trained\n"
    "                      with one identifier per augmented puzzle (the official recipe) needs\n"
    "                      --identifiers instead: row 0 is the official dataset's blank puzzle\n"
    "  --seed S            seed of those augmentations (default 0; the same ones for every task)\n"
    "  --limit K           only the first K tasks\n"
    "  --steps N           supervision steps (default: the model's halt_max_steps; all of them run,\n"
    "                      as in the official evaluation)\n"
    "  --early-halt        take each view's answer and q at the first step the solver halts it\n"
    "                      (q_halt logit > 0 and the answer unchanged); a batch stops when all halted\n"
    "  --batch B           views solved together (default 64; they may span test inputs and tasks)\n"
    "  --submission FILE   write the answers as a Kaggle submission {\"<id>\": [{\"attempt_1\": grid,\n"
    "                      \"attempt_2\": grid}, ...]} (the two best answers; the best twice when there\n"
    "                      is only one), atomically\n"
    "  --json              print exactly one JSON object on stdout: pass@1, pass@2, pass@5, pass@10,\n"
    "                      pass@100, pass@1000 (null when nothing is scored), tasks, scored_tasks,\n"
    "                      test_pairs, views, views_per_input, steps, early_halt, batch, passes,\n"
    "                      seconds, seconds_per_task, seconds_per_pass, precision, threads, interrupted\n"
    "%s"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM stops after the current supervision step; the tasks finished so far\n"
    "are reported (and written to --submission) and the exit status is 130.\n"
    "Example:\n"
    "  native/trm-eval --model arc.safetensors --arc kaggle/combined/arc-agi_evaluation_challenges.json \\\n"
    "      --identifiers data/arc1concept-aug-1000/identifiers.json --submission submission.json\n"
    "Exit status: 0 ok, 1 bad file or evaluation error, 2 bad arguments, 130 interrupted.\n";

enum { N_KS = 6, EXIT_INTERRUPTED = 130, MAX_RANDOM_VIEWS = 100000 };
static const int KS[N_KS] = {1, 2, 5, 10, 100, 1000}; /* the official pass_Ks */

typedef struct args {
    const char *model, *tasks, *solutions, *identifiers, *submission;
    long limit, steps, batch, augmentations;
    uint64_t seed;
    int early_halt, json;
    trmn_cli_common common;
} args;

static volatile sig_atomic_t g_stop = 0; /* set by the signal handler */
static void on_signal(int sig) { g_stop = sig; }

int trmn_arc_eval_wanted(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--arc") || !strncmp(argv[i], "--arc=", 6)) return 1;
    return 0;
}

static int parse_args(const char *tool, int argc, char **argv, args *a) {
    static const char *const flags[] = {"--early-halt", "--json", NULL};
    static const char *const values[] = {"--model", "--arc", "--solutions", "--identifiers", "--augmentations", "--seed",
                                         "--limit", "--steps", "--batch", "--submission", NULL};
    memset(a, 0, sizeof *a);
    a->batch = 64;
    for (int i = 1; i < argc; i++) /* before the scan: "--arc --help" would take --help as the value */
        if (!strcmp(argv[i], "--help")) {
            printf(USAGE, TRMN_CLI_COMMON_HELP);
            exit(0);
        }
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(tool, argc, argv, &i, flags, values, &o)) return TRMN_EXIT_USAGE;
        const int c = trmn_cli_common_option(tool, &o, &a->common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--model")) a->model = o.value;
        else if (!strcmp(o.key, "--arc")) a->tasks = o.value;
        else if (!strcmp(o.key, "--solutions")) a->solutions = o.value;
        else if (!strcmp(o.key, "--identifiers")) a->identifiers = o.value;
        else if (!strcmp(o.key, "--submission")) a->submission = o.value;
        else if (!strcmp(o.key, "--early-halt")) a->early_halt = 1;
        else if (!strcmp(o.key, "--json")) a->json = 1;
        else if (!strcmp(o.key, "--seed")) {
            if (trmn_cli_parse_u64(o.value, &a->seed))
                return trmn_cli_usage_error(tool, "--seed '%s': expected a non-negative integer", o.value);
        } else if (!strcmp(o.key, "--augmentations")) {
            if (trmn_cli_parse_long(o.value, 1, MAX_RANDOM_VIEWS, &a->augmentations))
                return trmn_cli_usage_error(tool, "--augmentations '%s': expected an integer in [1, %d]", o.value, MAX_RANDOM_VIEWS);
        } else if (!strcmp(o.key, "--limit")) {
            if (trmn_cli_parse_long(o.value, 1, 1000000000L, &a->limit))
                return trmn_cli_usage_error(tool, "--limit '%s': expected a positive integer", o.value);
        } else if (!strcmp(o.key, "--steps")) {
            if (trmn_cli_parse_long(o.value, 1, 100000, &a->steps))
                return trmn_cli_usage_error(tool, "--steps '%s': expected an integer in [1, 100000]", o.value);
        } else if (!strcmp(o.key, "--batch")) {
            if (trmn_cli_parse_long(o.value, 1, 65536, &a->batch))
                return trmn_cli_usage_error(tool, "--batch '%s': expected an integer in [1, 65536]", o.value);
        } else return trmn_cli_usage_error(tool, "unknown option '%s'", o.key);
    }
    if (!a->model) return trmn_cli_usage_error(tool, "missing --model FILE");
    if (!a->tasks) return trmn_cli_usage_error(tool, "missing --arc TASKS");
    if (a->identifiers && a->augmentations)
        return trmn_cli_usage_error(tool, "--augmentations and --identifiers exclude each other (the identifiers name the views)");
    if (!a->augmentations) a->augmentations = 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

/* Everything one run holds. */
typedef struct arc_run {
    const char *tool;
    args a;
    trmn_arc_set set;
    int count;                  /* tasks evaluated (--limit) */
    trm_model *m;
    const trm_kernels *k;
    trmn_arc_identifiers ids;
    trmn_arc_view *random_views; /* without --identifiers: one array for every task */
    const trmn_arc_view **views; /* [count] */
    int *n_views;                /* [count] */
    trmn_arc_answer *answers;    /* [test inputs] */
    int done;                    /* tasks finished */
    long passes, test_pairs, views_solved;
    double seconds;
    trmn_progress p;
    double t0;
} arc_run;

static void on_progress(void *user, int done, int total, long passes) {
    arc_run *r = user;
    char bar[64], eta[32];
    const double dt = trmn_cli_now() - r->t0;
    trmn_progress_bar(bar, sizeof bar, (double)done, (double)total, 30);
    trmn_format_duration(eta, sizeof eta, done ? dt / done * (total - done) : -1);
    trmn_progress_update(&r->p, done == total, "%s %d/%d tasks  %.2f s/task  %.4f s/pass  ETA %s", bar, done, total, done ? dt / done : 0.0,
                         passes ? dt / (double)passes : 0.0, eta);
}

/* The views of every task: from identifiers.json, or the same random ones for all. */
static int make_views(arc_run *r) {
    trm_error e;
    const trm_config *c = trm_model_config(r->m);
    r->views = calloc((size_t)r->count, sizeof *r->views);
    r->n_views = calloc((size_t)r->count, sizeof *r->n_views);
    if (!r->views || !r->n_views) return trmn_cli_error(r->tool, "out of memory");
    if (!r->a.identifiers) {
        const int n = (int)r->a.augmentations;
        if (!(r->random_views = malloc((size_t)n * sizeof *r->random_views))) return trmn_cli_error(r->tool, "out of memory");
        if (trmn_arc_random_views(n, r->a.seed, r->random_views, &e) != TRM_OK) return trmn_cli_error(r->tool, "%s", e.msg);
        for (int t = 0; t < r->count; t++) r->views[t] = r->random_views, r->n_views[t] = n;
        if (c->num_puzzle_identifiers > 1 && c->puzzle_emb_ndim > 0)
            fprintf(stderr, "%s: note: the model has %d puzzle identifiers and every view uses row 0 (the official "
                    "dataset's blank puzzle); give the dataset's identifiers.json with --identifiers\n",
                    r->tool, c->num_puzzle_identifiers);
        return 0;
    }
    if (trmn_arc_identifiers_read(r->a.identifiers, &r->ids, &e) != TRM_OK) return trmn_cli_error(r->tool, "%s", e.msg);
    for (int t = 0; t < r->count; t++) {
        trmn_arc_view *v;
        if (trmn_arc_identifiers_views(&r->ids, r->set.tasks[t].id, c->num_puzzle_identifiers, &v, &r->n_views[t], &e) != TRM_OK)
            return trmn_cli_error(r->tool, "%s", e.msg);
        r->views[t] = v;
    }
    return 0;
}

/* Read the tasks and the model, check that they go together, make the views. */
static int setup(arc_run *r) {
    trm_error e;
    if (!(r->k = trmn_cli_kernels(r->tool, r->a.common.kernels))) return TRMN_EXIT_USAGE;
    trmn_cli_apply_threads(r->a.common.threads);
    if (trmn_arc_read(r->a.tasks, r->a.solutions, &r->set, &e) != TRM_OK) return trmn_cli_error(r->tool, "%s", e.msg);
    r->count = r->a.limit && r->a.limit < r->set.count ? (int)r->a.limit : r->set.count;
    if (!(r->m = trmn_load_model_file(r->a.model, &e))) return trmn_cli_error(r->tool, "%s", e.msg);
    const trm_config *c = trm_model_config(r->m);
    if (!c->task || strcmp(c->task->name, "arc"))
        return trmn_cli_error(r->tool, "%s is a model of task '%s'; --arc needs an ARC-AGI model (task 'arc')", r->a.model,
                              c->task ? c->task->name : "?");
    if (c->grid_height != TRM_ARC_SIDE || c->grid_width != TRM_ARC_SIDE)
        return trmn_cli_error(r->tool, "%s: grid %dx%d; ARC-AGI models see the %dx%d canvas", r->a.model, c->grid_height,
                              c->grid_width, TRM_ARC_SIDE, TRM_ARC_SIDE);
    trm_model_set_kernels(r->m, r->k);
    int rc = trmn_cli_apply_precision(r->tool, r->m, r->a.common.precision);
    if (!rc) rc = make_views(r);
    for (int t = 0; t < r->count; t++) r->test_pairs += r->set.tasks[t].n_test;
    if (!rc && !(r->answers = calloc((size_t)r->test_pairs, sizeof *r->answers))) rc = trmn_cli_error(r->tool, "out of memory");
    return rc;
}

static void cleanup(arc_run *r) {
    if (r->a.identifiers)
        for (int t = 0; r->views && t < r->count; t++) free((void *)r->views[t]);
    free(r->views);
    free(r->n_views);
    free(r->random_views);
    free(r->answers);
    trmn_arc_identifiers_free(&r->ids);
    trmn_arc_free(&r->set);
    trm_model_free(r->m);
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                     */

/* pass[k] over the finished tasks whose test outputs are all known; returns their number. */
static int score(const arc_run *r, double pass[N_KS]) {
    int scored = 0;
    memset(pass, 0, N_KS * sizeof *pass);
    for (int t = 0, at = 0; t < r->done; at += r->set.tasks[t++].n_test) {
        const trmn_arc_task *task = &r->set.tasks[t];
        if (!trmn_arc_task_scored(task)) continue;
        scored++;
        for (int k = 0; k < N_KS; k++) {
            int solved = 0;
            for (int p = 0; p < task->n_test; p++) solved += r->answers[at + p].rank >= 1 && r->answers[at + p].rank <= KS[k];
            pass[k] += (double)solved / task->n_test;
        }
    }
    for (int k = 0; scored && k < N_KS; k++) pass[k] /= scored;
    return scored;
}

/* A growing text buffer. */
typedef struct text {
    char *s;
    size_t len, cap;
    int oom;
} text;

static void put(text *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (b->oom || n < 0) return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s, b->cap = cap;
    }
    if ((size_t)n < sizeof small) memcpy(b->s + b->len, small, (size_t)n + 1);
    else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

static void put_grid(text *b, const trm_arc_grid *g) {
    put(b, "[");
    for (int i = 0; i < g->h; i++) {
        put(b, "%s[", i ? ", " : "");
        for (int j = 0; j < g->w; j++) put(b, j ? ", %d" : "%d", g->cells[i * g->w + j]);
        put(b, "]");
    }
    put(b, "]");
}

/* The Kaggle submission of the finished tasks, written atomically. */
static int write_submission(const arc_run *r) {
    text b = {0};
    put(&b, "{");
    for (int t = 0, at = 0; t < r->done; at += r->set.tasks[t++].n_test) {
        const trmn_arc_task *task = &r->set.tasks[t];
        char *id = trmn_cli_json_quote(task->id);
        if (!id) b.oom = 1;
        else put(&b, "%s%s: [", t ? ", " : "", id);
        free(id);
        for (int p = 0; p < task->n_test; p++) {
            put(&b, "%s{\"attempt_1\": ", p ? ", " : "");
            put_grid(&b, &r->answers[at + p].attempt[0]);
            put(&b, ", \"attempt_2\": ");
            put_grid(&b, &r->answers[at + p].attempt[1]);
            put(&b, "}");
        }
        put(&b, "]");
    }
    put(&b, "}\n");
    trm_error e;
    int rc = 0;
    if (b.oom) rc = trmn_cli_error(r->tool, "%s: out of memory", r->a.submission);
    else if (trmn_write_file(r->a.submission, b.s, b.len, &e) != TRM_OK) rc = trmn_cli_error(r->tool, "%s", e.msg);
    free(b.s);
    return rc;
}

static void print_json(const arc_run *r, const double pass[N_KS], int scored) {
    char *model = trmn_cli_json_quote(r->a.model), *tasks = trmn_cli_json_quote(r->a.tasks);
    printf("{\"model\": %s, \"arc\": %s", model ? model : "null", tasks ? tasks : "null");
    free(model), free(tasks);
    for (int k = 0; k < N_KS; k++) {
        if (scored) printf(", \"pass@%d\": %.6g", KS[k], pass[k]);
        else printf(", \"pass@%d\": null", KS[k]);
    }
    long inputs = 0;
    for (int t = 0; t < r->done; t++) inputs += r->set.tasks[t].n_test;
    printf(", \"tasks\": %d, \"scored_tasks\": %d, \"test_pairs\": %ld, \"views\": %ld, \"views_per_input\": %.6g, "
           "\"steps\": %d, \"early_halt\": %s, \"batch\": %ld, \"passes\": %ld, \"seconds\": %.3f, \"seconds_per_task\": %.6g, "
           "\"seconds_per_pass\": %.6g, \"precision\": \"%s\", \"threads\": %d, \"interrupted\": %s}\n",
           r->done, scored, inputs, r->views_solved, inputs ? (double)r->views_solved / inputs : 0.0,
           r->a.steps ? (int)r->a.steps : trm_model_config(r->m)->halt_max_steps, r->a.early_halt ? "true" : "false", r->a.batch,
           r->passes, r->seconds, r->done ? r->seconds / r->done : 0.0, r->passes ? r->seconds / r->passes : 0.0,
           trm_precision_name(trm_model_precision(r->m)), trmn_cli_threads(), r->done < r->count ? "true" : "false");
}

static void print_text(const arc_run *r, const double pass[N_KS], int scored) {
    long inputs = 0, found = 0, distinct = 0;
    for (int t = 0, at = 0; t < r->done; at += r->set.tasks[t++].n_test)
        for (int p = 0; p < r->set.tasks[t].n_test; p++, inputs++) {
            found += r->answers[at + p].rank > 0;
            distinct += r->answers[at + p].distinct;
        }
    const int steps = r->a.steps ? (int)r->a.steps : trm_model_config(r->m)->halt_max_steps;
    printf("%s on %s: %d task%s (%d scored), %ld test input%s, %s%d supervision step%s\n", r->a.model, r->a.tasks, r->done,
           r->done == 1 ? "" : "s", scored, inputs, inputs == 1 ? "" : "s", r->a.early_halt ? "early halting, up to " : "", steps,
           steps == 1 ? "" : "s");
    if (r->a.identifiers)
        printf("  views        %.1f per test input (puzzles of %s)\n", inputs ? (double)r->views_solved / inputs : 0.0,
               r->a.identifiers);
    else if (r->a.augmentations == 1)
        printf("  views        1 per test input (the input as it is, puzzle identifier 0)\n");
    else
        printf("  views        %ld per test input (the input and %ld random augmentations, seed %llu, puzzle identifier 0)\n",
               r->a.augmentations, r->a.augmentations - 1, (unsigned long long)r->a.seed);
    for (int k = 0; k < N_KS; k++) {
        if (scored) printf("  pass@%-7d %.4f\n", KS[k], pass[k]);
        else if (!k) printf("  pass@k       not scored: no task has all its test outputs (--solutions)\n");
    }
    printf("  answers      %.1f distinct per test input; the label among them for %ld of %ld\n",
           inputs ? (double)distinct / inputs : 0.0, found, inputs);
    printf("  speed        %.3f s/task, %.4f s/pass (%ld passes of batches of up to %ld views), %.2f s, %d thread%s, %s kernels, %s\n",
           r->done ? r->seconds / r->done : 0.0, r->passes ? r->seconds / r->passes : 0.0, r->passes, r->a.batch, r->seconds,
           trmn_cli_threads(), trmn_cli_threads() == 1 ? "" : "s", trm_kernels_name(r->k),
           trm_precision_name(trm_model_precision(r->m)));
    if (r->a.submission) printf("  submission   %s (%d task%s)\n", r->a.submission, r->done, r->done == 1 ? "" : "s");
}

int trmn_arc_eval_main(const char *tool, int argc, char **argv) {
    static arc_run r; /* large; static storage rather than the stack */
    memset(&r, 0, sizeof r);
    r.tool = tool;
    int rc = parse_args(tool, argc, argv, &r.a);
    if (!rc) rc = setup(&r);
    if (rc) {
        cleanup(&r);
        return rc;
    }
    trmn_cli_catch_stop(on_signal);
    trmn_progress_init(&r.p, stderr, -1);
    r.t0 = trmn_cli_now();
    const trmn_arc_eval_options o = {.steps = r.a.steps ? (int)r.a.steps : trm_model_config(r.m)->halt_max_steps,
                                     .batch = (int)r.a.batch, .early_halt = r.a.early_halt, .views = r.views,
                                     .n_views = r.n_views, .progress = r.p.tty ? on_progress : NULL, .user = &r,
                                     .cancel = &g_stop};
    trm_error e;
    const trm_status st = trmn_arc_evaluate(r.m, r.set.tasks, r.count, &o, r.answers, &r.done, &r.passes, &e);
    trmn_progress_end(&r.p);
    r.seconds = trmn_cli_now() - r.t0;
    if (st != TRM_OK) {
        rc = trmn_cli_error(tool, "%s: %s", r.a.tasks, e.msg);
        cleanup(&r);
        return rc;
    }
    for (int t = 0; t < r.done; t++) r.views_solved += (long)r.set.tasks[t].n_test * r.n_views[t];
    if (r.done < r.count)
        fprintf(stderr, "%s: interrupted (signal %d) after %d of %d tasks; the results are theirs\n", tool, (int)g_stop, r.done,
                r.count);
    double pass[N_KS];
    const int scored = score(&r, pass);
    if (r.a.submission) rc = write_submission(&r);
    if (r.a.json) print_json(&r, pass, scored);
    else print_text(&r, pass, scored);
    if (!rc && r.done < r.count) rc = EXIT_INTERRUPTED;
    cleanup(&r);
    return rc;
}
