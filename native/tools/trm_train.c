/* trm-train: train a TRM on mazes from a JSON config (native/TOOLS.md).
 *
 * The loop: refill the slots that halted (data.c), one ACT training step (core trainer), a
 * progress line, a metrics line every log_interval steps, an evaluation of the EMA weights on
 * the held-out set every eval_interval steps (exports DIR/model.safetensors and, when the exact
 * accuracy improves, DIR/best.safetensors), and a checkpoint every checkpoint_interval steps
 * and at the end. SIGINT/SIGTERM finish the current step, write a checkpoint and exit 0. A
 * non-finite loss stops the run with exit status 1 without touching the last checkpoint.
 *
 * Under mpirun (native/dist.h) every process runs this loop on its slice of the global batch;
 * between the two halves of the step (trm_trainer_compute / _apply) the gradients are summed
 * over the processes, and the step's metrics after it. Process 0 alone writes files and prints;
 * evaluations are sharded (each process scores a slice of the held-out set, counts summed).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "checkpoint.h"
#include "cli.h"
#include "data.h"
#include "dist.h"
#include "evaluate.h"
#include "fileio.h"
#include "model_io.h"
#include "progress.h"
#include "task.h"
#include "train_config.h"

static const char TOOL[] = "trm-train";

static const char USAGE[] =
    "usage: trm-train --config FILE.json --out DIR [--force]\n"
    "       trm-train --resume DIR/checkpoint.safetensors [--out DIR]\n"
    "                 [--total-steps N] [--threads N] [--kernels K] [--precision P] [--quiet]\n"
    "       either form: [--set JSON]...\n"
    "\n"
    "Trains a Tiny Recursive Model on a grid task (model.task: maze or sudoku; CSV files, or mazes\n"
    "generated on the fly) as configured in\n"
    "FILE.json (sections model, data, train; every key and its default: native/TOOLS.md).\n"
    "Writes into DIR: metrics.jsonl (one JSON line per log interval and per evaluation),\n"
    "config.json (the effective configuration), checkpoint.safetensors (everything needed to\n"
    "resume exactly), model.safetensors (EMA weights, for trm-solve/trm-eval and the web page)\n"
    "and best.safetensors (the model with the best held-out exact accuracy so far).\n"
    "\n"
    "  --config FILE    training configuration (JSON)\n"
    "  --out DIR        output directory (created if missing; its parent must exist)\n"
    "  --force          start afresh even if DIR already holds a checkpoint\n"
    "  --resume CKPT    continue a run from its checkpoint, bit for bit (config from the file)\n"
    "  --total-steps N  override train.total_steps (e.g. to train a resumed run longer)\n"
    "  --set JSON       apply a JSON text on top of the configuration (file or checkpoint), e.g.\n"
    "                   --set '{\"train\": {\"lr_min_ratio\": 0.1}}' to change a resumed run's\n"
    "                   schedule; repeatable, applied in order; stored in the new checkpoints\n"
    "  --quiet          no progress line (errors and the final summary only)\n"
    "%s"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM: finishes the current step, writes the checkpoint, exits 0.\n"
    "Under mpirun -np N: data-parallel, batch_size is the global batch (native/TOOLS.md, \"trm-train on\n"
    "several processes\"); SIGTERM to any one process stops all of them cleanly.\n"
    "Example:\n"
    "  native/trm-train --config configs/maze6-tiny.json --out runs/maze6\n"
    "Exit status: 0 ok (or interrupted cleanly), 1 runtime error or divergence, 2 bad arguments.\n";

typedef struct args {
    const char *config, *out, *resume;
    const char *sets[16];
    int n_sets;
    long total_steps;
    int force, quiet;
    trmn_cli_common common;
} args;

static volatile sig_atomic_t g_stop = 0; /* the only global: set by the signal handler */
static void on_signal(int sig) { g_stop = sig; }

/* Sums over the steps of one log window. */
typedef struct window {
    long steps;
    double lm, halt, acc, exact, qacc, nsteps, all_acc, all_exact, lr;
    long count, all_count, changed, changed_ok;
    uint64_t examples0;
    double t0;
} window;

typedef struct run {
    args a;
    trmn_dist dist;      /* rank and size: data-parallel processes (1 without mpirun) */
    uint64_t examples_all; /* examples of every process (this one's alone when size is 1) */
    double train_s;      /* time in training steps (fill, compute, reduce, apply), this process */
    long train_steps;
    trmn_run_config cfg;
    char *cfg_json;
    char *training_json; /* trmn_data_describe: the model files' __metadata__.training */
    char path_ckpt[1100], path_metrics[1100], path_model[1100], path_best[1100], path_config[1100];
    trmn_data *data;
    trm_model *model, *eval_model;
    trm_trainer *t;
    uint8_t *inputs, *labels;
    FILE *metrics;
    int metrics_failed;  /* a metrics line could not be written: the run stops */
    int lock_fd;         /* flock on DIR/.lock: one trm-train per run directory */
    trmn_progress prog;
    window win;
    double t_start;      /* this process */
    long step0;          /* step at start of this process */
    int finished;        /* resumed at or past total_steps: nothing to do */
    int local_batch;     /* this process's slots: batch_size / processes */
    /* run state, checkpointed under "run." */
    uint64_t wall_us_before; /* wall time of earlier processes of this run */
    uint64_t best_step;
    float best_exact;
    long last_ckpt_step;
} run;

static int parse_args(int argc, char **argv, args *a) {
    static const char *const flags[] = {"--force", "--quiet", NULL};
    static const char *const values[] = {"--config", "--out", "--resume", "--total-steps", "--set", NULL};
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(TOOL, argc, argv, &i, flags, values, &o)) return TRMN_EXIT_USAGE;
        int c = trmn_cli_common_option(TOOL, &o, &a->common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--help")) {
            printf(USAGE, TRMN_CLI_COMMON_HELP);
            return -1; /* main exits 0 (after MPI_Finalize under mpirun) */
        } else if (!strcmp(o.key, "--config")) a->config = o.value;
        else if (!strcmp(o.key, "--out")) a->out = o.value;
        else if (!strcmp(o.key, "--resume")) a->resume = o.value;
        else if (!strcmp(o.key, "--set")) {
            if (a->n_sets == (int)(sizeof a->sets / sizeof a->sets[0]))
                return trmn_cli_usage_error(TOOL, "--set: at most %d times", a->n_sets);
            a->sets[a->n_sets++] = o.value;
        } else if (!strcmp(o.key, "--force")) a->force = 1;
        else if (!strcmp(o.key, "--quiet")) a->quiet = 1;
        else if (!strcmp(o.key, "--total-steps")) {
            if (trmn_cli_parse_long(o.value, 1, 1000000000000L, &a->total_steps))
                return trmn_cli_usage_error(TOOL, "--total-steps '%s': expected a positive integer", o.value);
        } else return trmn_cli_usage_error(TOOL, "unknown option '%s'", o.key);
    }
    if (a->config && a->resume) return trmn_cli_usage_error(TOOL, "give --config (new run) or --resume (continue), not both");
    if (!a->config && !a->resume) return trmn_cli_usage_error(TOOL, "missing --config FILE.json (or --resume CHECKPOINT)");
    if (a->config && !a->out) return trmn_cli_usage_error(TOOL, "missing --out DIR");
    return 0;
}

/* ---- metrics ------------------------------------------------------------------------------ */

/* Examples that entered training, in every process. */
static uint64_t run_examples(const run *r) { return r->dist.size > 1 ? r->examples_all : trmn_data_examples(r->data); }

static double wall_time(const run *r) { return (double)r->wall_us_before * 1e-6 + (trmn_cli_now() - r->t_start); }

static void window_reset(run *r) {
    memset(&r->win, 0, sizeof r->win);
    r->win.examples0 = run_examples(r);
    r->win.t0 = trmn_cli_now();
}

static void window_add(window *w, const trm_step_stats *s) {
    w->steps++;
    w->lm += s->lm_loss;
    w->halt += s->q_halt_loss;
    w->acc += s->accuracy;
    w->exact += s->exact_accuracy;
    w->qacc += s->q_halt_accuracy;
    w->nsteps += s->steps;
    w->count += s->count;
    w->all_acc += s->all_accuracy;
    w->all_exact += s->all_exact_accuracy;
    w->all_count += s->all_count;
    w->changed += s->changed_cells;
    w->changed_ok += s->changed_correct;
    w->lr = s->lr;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

static void progress_line(run *r, long step, int force) {
    const window *w = &r->win;
    const double dt = trmn_cli_now() - w->t0, done = (double)(step - r->step0);
    const double eta = done > 0 ? (trmn_cli_now() - r->t_start) / done * (double)(r->cfg.total_steps - step) : -1;
    char e[32];
    trmn_format_duration(e, sizeof e, eta);
    trmn_progress_update(&r->prog, force,
                         "step %ld/%ld  %.1f ex/s  lm %.4f  halt %.4f  cell %.4f  exact %.3f (halted %.3f)  "
                         "path %.3f  lr %.2e  ETA %s",
                         step, r->cfg.total_steps, ratio((double)(run_examples(r) - w->examples0), dt),
                         ratio(w->lm, (double)w->steps), ratio(w->halt, (double)w->steps),
                         ratio(w->all_acc, (double)w->all_count), ratio(w->all_exact, (double)w->all_count),
                         ratio(w->exact, (double)w->count), ratio((double)w->changed_ok, (double)w->changed), w->lr, e);
}

/* One metrics line; a failed write (a full disk) stops the run rather than leave a half line
 * and train on without a record. */
static void metrics_write(run *r, const char *line) {
    if (!r->metrics || r->metrics_failed) return;
    errno = 0;
    if (fputs(line, r->metrics) < 0 || fputc('\n', r->metrics) == EOF || fflush(r->metrics) != 0) {
        r->metrics_failed = errno ? errno : EIO;
        clearerr(r->metrics);
    }
}

static int metrics_check(run *r) {
    if (!r->metrics_failed) return 0;
    return trmn_cli_error(TOOL, "cannot write %s: %s; stopped (the last checkpoint, step %ld, is kept)", r->path_metrics,
                          strerror(r->metrics_failed), r->last_ckpt_step);
}

static void log_train(run *r, long step) {
    const window *w = &r->win;
    const double dt = trmn_cli_now() - w->t0;
    char line[1400];
    snprintf(line, sizeof line,
             "{\"type\": \"train\", \"step\": %ld, \"examples\": %llu, \"epoch\": %.6g, \"lm_loss\": %.6g, "
             "\"halt_loss\": %.6g, \"cell_accuracy\": %.6g, \"exact_accuracy\": %.6g, \"q_halt_accuracy\": %.6g, "
             "\"mean_steps\": %.6g, \"halted\": %ld, \"all_cell_accuracy\": %.6g, \"all_exact_accuracy\": %.6g, "
             "\"path_cell_accuracy\": %.6g, \"lr\": %.6g, \"examples_per_s\": %.6g, \"sample_steps_per_s\": %.6g, "
             "\"wall_time\": %.3f}",
             step, (unsigned long long)run_examples(r), trmn_data_epoch(r->data), ratio(w->lm, (double)w->steps),
             ratio(w->halt, (double)w->steps), ratio(w->acc, (double)w->count), ratio(w->exact, (double)w->count),
             ratio(w->qacc, (double)w->count), ratio(w->nsteps, (double)w->count), w->count,
             ratio(w->all_acc, (double)w->all_count), ratio(w->all_exact, (double)w->all_count),
             ratio((double)w->changed_ok, (double)w->changed), w->lr,
             ratio((double)(run_examples(r) - w->examples0), dt),
             ratio((double)w->steps * r->cfg.train.batch_size, dt), wall_time(r));
    metrics_write(r, line);
    if (!r->a.quiet && !r->prog.tty) progress_line(r, step, 1);
}

/* ---- evaluation, export, checkpoint --------------------------------------------------------- */

static void eval_progress(void *user, long done, long total) {
    run *r = user;
    if (!r->a.quiet)
        trmn_progress_update(&r->prog, 0, "evaluating %ld/%ld held-out %s", done, total, r->cfg.model.task->items);
}


/* The evaluation model (EMA weights) as a model file, with what it was trained on. */
static trm_status save_model(run *r, const char *path, trm_error *err) {
    trmn_st_writer *w = trmn_model_writer(r->eval_model, NULL, err);
    if (!w) return err->code;
    trm_status rc = TRM_OK;
    if (r->training_json) rc = trmn_st_writer_set_metadata(w, "training", r->training_json, err);
    if (!rc) rc = trmn_st_writer_write(w, path, err);
    trmn_st_writer_free(w);
    return rc;
}

/* The metrics of every process's slice, summed (in process order; counts, so exactly). */
static void eval_metrics_sum(run *r, trmn_eval_metrics *f, trmn_eval_metrics *h) {
    if (r->dist.size == 1) return;
    double v[18];
    trmn_eval_metrics *m[2] = {f, h};
    for (int k = 0; k < 2; k++) {
        const long c[8] = {m[k]->count, m[k]->exact, m[k]->valid, m[k]->optimal,
                           m[k]->cells, m[k]->cells_correct, m[k]->path_cells, m[k]->path_correct};
        for (int i = 0; i < 8; i++) v[9 * k + i] = (double)c[i];
        v[9 * k + 8] = m[k]->steps_sum;
    }
    trmn_dist_sum(&r->dist, v, 18);
    for (int k = 0; k < 2; k++) {
        long *c[8] = {&m[k]->count, &m[k]->exact, &m[k]->valid, &m[k]->optimal,
                      &m[k]->cells, &m[k]->cells_correct, &m[k]->path_cells, &m[k]->path_correct};
        for (int i = 0; i < 8; i++) *c[i] = (long)v[9 * k + i];
        m[k]->steps_sum = v[9 * k + 8];
    }
}

/* evaluate_and_export's result when a signal cut the evaluation short (in every process): no
 * score is recorded, and the caller stops the run. */
enum { EVAL_CUT = -1 };

/* Every process evaluates held-out items [rank*n/size, (rank+1)*n/size); process 0 writes.
 * Returns 0, an exit status, or EVAL_CUT (Ctrl-C or SIGTERM during the evaluation, which would
 * otherwise hold the signal for as long as the evaluation takes: minutes on a large held-out set). */
static int evaluate_and_export(run *r, long step) {
    trm_error e;
    if (trm_trainer_export(r->t, r->eval_model, &e) != TRM_OK) return trmn_cli_error(TOOL, "export: %s", e.msg);
    const size_t n_test = trmn_data_test_count(r->data);
    long n = r->cfg.eval_count > 0 && (size_t)r->cfg.eval_count < n_test ? r->cfg.eval_count : (long)n_test;
    const int rank = r->dist.rank, size = r->dist.size;
    if (n > 0) {
        trmn_eval_options o = {.steps = r->cfg.eval_steps, .batch = r->cfg.eval_batch, .mode = TRMN_EVAL_BOTH,
                              .progress = eval_progress, .user = r, .cancel = &g_stop};
        trmn_eval_metrics f, h;
        memset(&f, 0, sizeof f);
        memset(&h, 0, sizeof h);
        double t0 = trmn_cli_now();
        const long lo = n * rank / size, hi = n * (rank + 1) / size;
        const size_t G = (size_t)trm_model_dims(r->eval_model)->grid;
        int bad = hi > lo && trmn_evaluate(r->eval_model, trmn_data_test_questions(r->data) + (size_t)lo * G,
                                           trmn_data_test_labels(r->data) + (size_t)lo * G, hi - lo, lo, &o, &f, &h,
                                           &e) != TRM_OK;
        if (bad) trmn_cli_error(TOOL, "evaluation on the held-out set: %s", e.msg);
        if (trmn_dist_any(&r->dist, bad)) return TRMN_EXIT_RUNTIME;
        if (trmn_dist_any(&r->dist, g_stop != 0)) return EVAL_CUT;
        eval_metrics_sum(r, &f, &h);
        const double secs = trmn_cli_now() - t0;
        if (rank != 0) return 0; /* process 0 keeps the best score and writes the files */
        const int better = trmn_eval_exact(&f) > r->best_exact || r->best_step == 0;
        if (better) {
            r->best_exact = (float)trmn_eval_exact(&f);
            r->best_step = (uint64_t)step;
        }
        char line[1400];
        snprintf(line, sizeof line,
                 "{\"type\": \"eval\", \"step\": %ld, \"examples\": %llu, \"count\": %ld, \"steps\": %d, "
                 "\"exact_accuracy\": %.6g, \"valid_optimal_accuracy\": %.6g, \"cell_accuracy\": %.6g, "
                 "\"path_cell_accuracy\": %.6g, \"halt_exact_accuracy\": %.6g, \"halt_valid_optimal_accuracy\": %.6g, "
                 "\"halt_cell_accuracy\": %.6g, \"halt_path_cell_accuracy\": %.6g, \"halt_mean_steps\": %.6g, "
                 "\"best_exact_accuracy\": %.6g, \"best_step\": %llu, \"eval_seconds\": %.3f, \"wall_time\": %.3f}",
                 step, (unsigned long long)run_examples(r), n, r->cfg.eval_steps, trmn_eval_exact(&f),
                 trmn_eval_valid_optimal(&f), trmn_eval_cell_accuracy(&f), trmn_eval_path_accuracy(&f), trmn_eval_exact(&h),
                 trmn_eval_valid_optimal(&h), trmn_eval_cell_accuracy(&h), trmn_eval_path_accuracy(&h),
                 trmn_eval_mean_steps(&h), r->best_exact, (unsigned long long)r->best_step, secs, wall_time(r));
        metrics_write(r, line);
        if (!r->a.quiet)
            trmn_progress_print(&r->prog,
                                "eval step %ld: %ld %s, %d steps: exact %.3f, valid-optimal %.3f, cell %.4f, path %.3f"
                                " | early halt: exact %.3f, valid-optimal %.3f, mean steps %.2f (%.1f s)%s",
                                step, n, r->cfg.model.task->items, r->cfg.eval_steps, trmn_eval_exact(&f), trmn_eval_valid_optimal(&f),
                                trmn_eval_cell_accuracy(&f), trmn_eval_path_accuracy(&f), trmn_eval_exact(&h),
                                trmn_eval_valid_optimal(&h), trmn_eval_mean_steps(&h), secs, better ? " (best)" : "");
        if (better && save_model(r, r->path_best, &e) != TRM_OK)
            return trmn_cli_error(TOOL, "%s", e.msg);
    }
    if (rank == 0 && save_model(r, r->path_model, &e) != TRM_OK) return trmn_cli_error(TOOL, "%s", e.msg);
    return 0;
}

/* The checkpoint groups; entries arrays are filled into the caller's storage. */
/* (with several processes, run.processes records how many: a resumed run must have as many) */
static int checkpoint_groups(run *r, trm_state_entry *te, trm_state_entry *de, trm_state_entry *re, trmn_ckpt_group *g,
                             uint64_t *processes) {
    const int nt = trm_trainer_state_count(r->t), nd = trmn_data_state_count(r->data);
    for (int i = 0; i < nt; i++) te[i] = trm_trainer_state(r->t, i);
    for (int i = 0; i < nd; i++) de[i] = trmn_data_state(r->data, i);
    re[0] = (trm_state_entry){"wall_us", TRM_STATE_U64, &r->wall_us_before, 1, 0};
    re[1] = (trm_state_entry){"best_step", TRM_STATE_U64, &r->best_step, 1, 0};
    re[2] = (trm_state_entry){"best_exact", TRM_STATE_F32, &r->best_exact, 1, 0};
    g[0] = (trmn_ckpt_group){"trainer.", te, nt};
    g[1] = (trmn_ckpt_group){"data.", de, nd};
    *processes = (uint64_t)r->dist.size;
    re[3] = (trm_state_entry){"processes", TRM_STATE_U64, processes, 1, 0};
    g[2] = (trmn_ckpt_group){"run.", re, r->dist.size > 1 ? 4 : 3};
    return 3;
}

/* A 64-bit hash of the parameters and the puzzle table (FNV-1a over the bytes). */
static uint64_t params_hash(run *r) {
    uint64_t h = 1469598103934665603ull;
    const trm_state_entry e[2] = {trm_trainer_state(r->t, 0), trm_trainer_state(r->t, 1)};
    for (int k = 0; k < 2; k++) {
        const unsigned char *p = e[k].data;
        for (size_t i = 0; i < e[k].count * sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ull;
    }
    return h;
}

static int write_checkpoint(run *r, long step) {
    trm_state_entry te[32], de[16], re[4];
    trmn_ckpt_group g[3];
    uint64_t processes;
    /* every process applies the same update: check that the parameters agree (cheap, rare) */
    if (r->dist.size > 1 && !trmn_dist_same(&r->dist, params_hash(r)))
        return trmn_cli_error(TOOL, "step %ld: the parameters differ between the processes (a bug); no checkpoint written",
                              step);
    const uint64_t saved = r->wall_us_before;
    r->wall_us_before = (uint64_t)(wall_time(r) * 1e6); /* total wall time so far, as stored */
    int n = checkpoint_groups(r, te, de, re, g, &processes);
    trm_error e;
    const trm_status st = trmn_dist_checkpoint_write(&r->dist, r->path_ckpt, g, n, r->cfg_json, &e);
    r->wall_us_before = saved;
    if (st != TRM_OK) return r->dist.rank == 0 ? trmn_cli_error(TOOL, "%s", e.msg) : TRMN_EXIT_RUNTIME;
    r->last_ckpt_step = step;
    return 0;
}

/* ---- setup --------------------------------------------------------------------------------- */

static int load_config(run *r, trmn_checkpoint *ck) {
    trm_error e;
    trmn_run_config_default(&r->cfg);
    if (r->a.resume) {
        /* process 0 reads the checkpoint (the others may not see the file system) and hands
         * out its configuration and the process count it was written by */
        int bad = r->dist.rank == 0 && trmn_checkpoint_read(r->a.resume, ck, &e) != TRM_OK;
        if (bad) trmn_cli_error(TOOL, "%s", e.msg);
        if (trmn_dist_any(&r->dist, bad)) return TRMN_EXIT_RUNTIME;
        uint64_t procs = 1; /* checkpoints of one process do not say */
        const trmn_st_tensor *pt = r->dist.rank == 0 ? trmn_st_find(&ck->st, "run.processes") : NULL;
        if (pt && pt->nbytes == sizeof procs) memcpy(&procs, pt->data, sizeof procs);
        trmn_dist_bcast(&r->dist, &procs, sizeof procs);
        if (procs != (uint64_t)r->dist.size)
            return r->dist.rank ? TRMN_EXIT_RUNTIME
                                : trmn_cli_error(TOOL, "%s was written by a run of %llu process%s; this run has %d: resume it "
                                                 "with the same number (mpirun -np %llu)", r->a.resume,
                                                 (unsigned long long)procs, procs == 1 ? "" : "es", r->dist.size,
                                                 (unsigned long long)procs);
        char *cj = trmn_dist_bcast_string(&r->dist, r->dist.rank == 0 ? ck->config_json : "");
        if (!cj) return trmn_cli_error(TOOL, "out of memory");
        char name[1100];
        snprintf(name, sizeof name, "%s (__metadata__.config)", r->a.resume);
        bad = trmn_run_config_parse(&r->cfg, cj, strlen(cj), name, &e) != TRM_OK;
        free(cj);
        if (bad) return trmn_cli_error(TOOL, "%s", e.msg);
    } else if (trmn_run_config_read(&r->cfg, r->a.config, &e) != TRM_OK) {
        return trmn_cli_error(TOOL, "%s", e.msg);
    }
    for (int i = 0; i < r->a.n_sets; i++) {
        char name[32];
        snprintf(name, sizeof name, "--set #%d", i + 1);
        if (trmn_run_config_parse(&r->cfg, r->a.sets[i], strlen(r->a.sets[i]), name, &e) != TRM_OK)
            return trmn_cli_error(TOOL, "%s", e.msg);
    }
    /* ARC data are JSON tasks whose augmented puzzles each own a puzzle-embedding row, and a
     * canvas's PAD cells have no character: no CSV holds them. Say so before reading any data. */
    if (!strcmp(r->cfg.model.task->name, "arc"))
        return trmn_cli_error(TOOL, "model.task arc: trm-train does not train ARC-AGI models; convert an official checkpoint "
                                    "(scripts/convert_official.py) and evaluate it with trm-eval --arc (native/TOOLS.md)");
    if (r->a.total_steps) {
        r->cfg.total_steps = r->a.total_steps;
        r->cfg.epochs = 0;
    }
    return 0;
}

/* Temporary files of atomic writes ("<file>.tmp.<pid>") left by a process that was killed
 * (kill -9) before its rename; with the run directory locked, none belongs to a live writer. */
static void remove_stale_temps(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        const char *t = strstr(e->d_name, ".safetensors.tmp.");
        if (!t && !(t = strstr(e->d_name, ".json.tmp."))) continue;
        const char *pid = strstr(t, ".tmp.") + 5;
        if (!*pid || strspn(pid, "0123456789") != strlen(pid) || atol(pid) == (long)getpid()) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static int make_paths(run *r) {
    static char dir[1024];
    const char *out = r->a.out;
    if (!out) { /* resuming without --out: the checkpoint's directory */
        snprintf(dir, sizeof dir, "%s", r->a.resume);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        else snprintf(dir, sizeof dir, ".");
        out = dir;
    }
    if (strlen(out) > 1000) return trmn_cli_usage_error(TOOL, "--out: path too long");
    if (mkdir(out, 0777) && errno != EEXIST)
        return trmn_cli_error(TOOL, "cannot create output directory %s: %s", out, strerror(errno));
    struct stat sb;
    if (stat(out, &sb) || !S_ISDIR(sb.st_mode)) return trmn_cli_error(TOOL, "%s is not a directory", out);
    snprintf(r->path_ckpt, sizeof r->path_ckpt, "%s/checkpoint.safetensors", out);
    snprintf(r->path_metrics, sizeof r->path_metrics, "%s/metrics.jsonl", out);
    snprintf(r->path_model, sizeof r->path_model, "%s/model.safetensors", out);
    snprintf(r->path_best, sizeof r->path_best, "%s/best.safetensors", out);
    snprintf(r->path_config, sizeof r->path_config, "%s/config.json", out);
    if (!r->a.resume && !r->a.force && stat(r->path_ckpt, &sb) == 0)
        return trmn_cli_error(TOOL, "%s already exists: continue that run with --resume %s, or start afresh with --force",
                              r->path_ckpt, r->path_ckpt);
    /* One process per run directory: a second one would interleave metrics and checkpoints. */
    char lock[1100];
    snprintf(lock, sizeof lock, "%s/.lock", out);
    r->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (r->lock_fd < 0) return trmn_cli_error(TOOL, "cannot create %s: %s", lock, strerror(errno));
    if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return trmn_cli_error(TOOL, "%s is in use by another trm-train (%s is locked); wait for it or use another --out", out,
                              lock);
    remove_stale_temps(out);
    return 0;
}

/* On resume: drop metrics lines past the checkpoint's step (written after it by the
 * interrupted process), so the log reads as one run. */
static int trim_metrics(run *r, long step) {
    uint8_t *buf;
    size_t len;
    trm_error e;
    if (trmn_read_file(r->path_metrics, 0, &buf, &len, &e) != TRM_OK) return 0; /* no log yet */
    char *out = malloc(len + 1), *p = (char *)buf;
    size_t n = 0;
    if (!out) {
        free(buf);
        return trmn_cli_error(TOOL, "out of memory");
    }
    while (*p) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        char save = p[l];
        p[l] = '\0';
        cJSON *j = cJSON_Parse(p);
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "step");
        int keep = !cJSON_IsNumber(s) || s->valuedouble <= (double)step;
        cJSON_Delete(j);
        p[l] = save;
        if (keep && l) {
            memcpy(out + n, p, l);
            n += l;
            out[n++] = '\n';
        }
        p += l + (nl ? 1 : 0);
    }
    const trm_status st = trmn_write_file(r->path_metrics, out, n, &e);
    free(out);
    free(buf);
    return st != TRM_OK ? trmn_cli_error(TOOL, "%s", e.msg) : 0;
}

static int restore(run *r, trmn_checkpoint *ck) {
    trm_state_entry te[32], de[16], re[4];
    trmn_ckpt_group g[3];
    trm_error e;
    uint64_t processes;
    int n = checkpoint_groups(r, te, de, re, g, &processes);
    g[2].count = 3; /* run.processes was checked by load_config */
    for (int i = 0; i < n; i++)
        if (trmn_dist_checkpoint_restore(&r->dist, r->dist.rank == 0 ? ck : NULL, &g[i], &e) != TRM_OK)
            return r->dist.rank == 0 ? trmn_cli_error(TOOL, "%s", e.msg) : TRMN_EXIT_RUNTIME;
    /* A checkpoint is trusted no further than its shapes: every value must be one a run makes. */
    int rc = 0;
    if (trm_trainer_check_state(r->t, &e) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s: trainer.%s (a damaged or edited checkpoint)", r->a.resume, e.msg);
    else if (trmn_data_restored(r->data, &e) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s: %s", r->a.resume, e.msg);
    if (trmn_dist_any(&r->dist, rc)) return TRMN_EXIT_RUNTIME;
    r->last_ckpt_step = trm_trainer_steps_done(r->t);
    return r->dist.rank == 0 ? trim_metrics(r, r->last_ckpt_step) : 0;
}

/* Start from the tensors of a model file (fine-tuning): every tensor of the run's model must be
 * in the file with the same shape. Settings that shape no tensor (H_cycles, L_cycles,
 * halt_max_steps, ...) may differ. */
static int init_from_model(trm_model *m, const char *path) {
    trm_error e;
    trm_model *src = trmn_load_model_file(path, &e);
    if (!src) return trmn_cli_error(TOOL, "train.init_model: %s", e.msg);
    int rc = 0;
    for (int i = 0; i < trm_model_tensor_count(m) && !rc; i++) {
        const trm_tensor_info *t = trm_model_tensor(m, i);
        const int j = trm_model_find_tensor(src, t->name);
        const trm_tensor_info *u = j >= 0 ? trm_model_tensor(src, j) : NULL;
        if (!u)
            rc = trmn_cli_error(TOOL, "train.init_model: %s has no tensor %s", path, t->name);
        else if (u->ndim != t->ndim || u->size != t->size || u->shape[0] != t->shape[0] ||
                 (t->ndim > 1 && u->shape[1] != t->shape[1]))
            rc = trmn_cli_error(TOOL, "train.init_model: %s: tensor %s has %zu values, the run's model %zu "
                                "(hidden_size, heads, grid or puzzle prefix differ)", path, t->name, u->size, t->size);
        else
            memcpy(trm_model_tensor_data(m, i), trm_model_tensor_data(src, j), t->size * sizeof(float));
    }
    trm_model_free(src);
    return rc;
}

/* The global batch split over the processes (dist.h): data.streams resolved (one stream per
 * process; a single process may run several to match a data-parallel run's examples), and
 * this process's streams. */
static int split_batch(run *r) {
    const int N = r->dist.size, B = r->cfg.train.batch_size;
    const int S = r->cfg.data_streams ? r->cfg.data_streams : N;
    if (N > 1 && S != N) /* the same in every process: process 0 says it */
        return r->dist.rank ? TRMN_EXIT_RUNTIME
                            : trmn_cli_error(TOOL, "data.streams %d: a run of %d processes has one data stream per process "
                                             "(leave data.streams out)", S, N);
    if (B % S)
        return r->dist.rank ? TRMN_EXIT_RUNTIME
               : N > 1      ? trmn_cli_error(TOOL, "train.batch_size %d is the global batch: it must divide by the %d "
                                             "processes (mpirun -np %d)", B, N, N)
                            : trmn_cli_error(TOOL, "train.batch_size %d must divide by data.streams %d", B, S);
    r->cfg.data_streams = S; /* recorded in config.json and the checkpoints when > 1 */
    trm_error e;
    if (S > 1 && trmn_data_set_streams(r->data, N > 1 ? r->dist.rank : 0, N > 1 ? 1 : S, S, &e) != TRM_OK)
        return trmn_cli_error(TOOL, "%s", e.msg);
    r->local_batch = B / N;
    return 0;
}

static int setup(run *r) {
    trm_error e;
    trmn_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    const int root = r->dist.rank == 0;
    int rc = load_config(r, &ck);
    /* a failure in one process is everyone's before the next collective call (dist.h) */
    if (trmn_dist_any(&r->dist, rc)) rc = rc ? rc : TRMN_EXIT_RUNTIME;
    if (!rc) {
        r->data = trmn_data_open(&r->cfg, &e);
        if (!r->data) rc = trmn_cli_error(TOOL, "%s%s%s", r->a.config ? r->a.config : r->a.resume, ": ", e.msg);
    }
    if (!rc) rc = split_batch(r);
    const trm_kernels *k = NULL;
    if (!rc && !(k = trmn_cli_kernels(TOOL, r->a.common.kernels))) rc = TRMN_EXIT_USAGE;
    if (!rc && root) rc = make_paths(r);
    /* "auto" is settled here, and the checkpoint's config records the result, so that a resumed
     * run keeps its arithmetic (a checkpoint without the key predates bf16: float32) */
    if (!rc && r->a.common.precision) /* --precision (checked by the parser) wins over the config */
        r->cfg.precision = trmn_run_precision_parse(r->a.common.precision);
    if (!rc && r->cfg.precision == TRMN_RUN_PRECISION_AUTO) r->cfg.precision = (int)trm_precision_auto(k);
    if (!rc) {
        trmn_cli_apply_threads(r->a.common.threads ? r->a.common.threads : r->cfg.threads);
        r->cfg_json = trmn_run_config_to_json(&r->cfg);
        r->training_json = root ? trmn_data_describe(r->data) : NULL; /* for the model files */
        r->model = trm_model_create(&r->cfg.model, &e);
        r->eval_model = r->model ? trm_model_create(&r->cfg.model, &e) : NULL;
        if (!r->cfg_json || (root && !r->training_json) || !r->model || !r->eval_model) rc = trmn_cli_error(TOOL, "model: %s", r->cfg_json && (!root || r->training_json) ? e.msg : "out of memory");
    }
    if (!rc) {
        trm_model_init(r->model, r->cfg.seed);
        if (!r->a.resume && r->cfg.init_model[0]) rc = init_from_model(r->model, r->cfg.init_model);
    }
    if (!rc) {
        trm_model_set_kernels(r->model, k);
        trm_model_set_kernels(r->eval_model, k);
        if (trm_model_set_precision(r->model, (trm_precision)r->cfg.precision, &e) ||
            trm_model_set_precision(r->eval_model, (trm_precision)r->cfg.precision, &e))
            rc = trmn_cli_error(TOOL, "train.precision: %s", e.msg);
    }
    if (!rc) {
        trm_train_config tc = r->cfg.train; /* this process's slots of the global batch */
        if (r->dist.size > 1) {
            tc.batch_size = r->local_batch;
            tc.global_batch_size = r->cfg.train.batch_size;
            tc.slot_offset = r->dist.rank * r->local_batch;
        }
        r->t = trm_trainer_create(r->model, &tc, &e);
        if (!r->t) rc = trmn_cli_error(TOOL, "trainer: %s", e.msg);
    }
    if (!rc) {
        const size_t G = (size_t)r->local_batch * (size_t)trm_model_dims(r->model)->grid;
        r->inputs = calloc(G, 1);
        r->labels = calloc(G, 1);
        if (!r->inputs || !r->labels) rc = trmn_cli_error(TOOL, "out of memory");
    }
    if (trmn_dist_any(&r->dist, rc)) rc = rc ? rc : TRMN_EXIT_RUNTIME;
    if (!rc && r->a.resume) rc = restore(r, &ck);
    trmn_checkpoint_free(&ck);
    if (!rc && r->dist.size > 1) { /* examples of every process so far */
        double ex = (double)trmn_data_examples(r->data);
        trmn_dist_sum(&r->dist, &ex, 1);
        r->examples_all = (uint64_t)ex;
    }
    /* Resuming a run that has reached its total: nothing to train, and nothing is rewritten (no
     * second final evaluation in metrics.jsonl, config.json stays the checkpoint's). */
    if (!rc && r->a.resume && trm_trainer_steps_done(r->t) >= r->cfg.total_steps) {
        r->finished = 1;
        return 0;
    }
    if (!rc && root && trmn_write_file(r->path_config, r->cfg_json, strlen(r->cfg_json), &e) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s", e.msg);
    if (!rc && root && !(r->metrics = fopen(r->path_metrics, r->a.resume ? "a" : "w")))
        rc = trmn_cli_error(TOOL, "cannot open %s: %s", r->path_metrics, strerror(errno));
    if (trmn_dist_any(&r->dist, rc)) rc = rc ? rc : TRMN_EXIT_RUNTIME;
    return rc;
}

static void print_header(run *r) {
    if (r->a.quiet) return;
    const trm_config *c = &r->cfg.model;
    const trm_dims *d = trm_model_dims(r->model);
    char src[2400];
    if (r->cfg.use_generator) {
        char longs[64] = "";
        if (r->cfg.gen_long_fraction > 0)
            snprintf(longs, sizeof longs, "; %.3g%% with min path %d", 100 * r->cfg.gen_long_fraction,
                     r->cfg.gen_long_min_path);
        snprintf(src, sizeof src, "generator %s %dx%d (min path %d%s, seed %llu%s), %zu held-out mazes (seed %llu)",
                 trm_maze_algorithm_name(r->cfg.gen.algorithm), r->cfg.gen.height, r->cfg.gen.width,
                 r->cfg.gen.min_path, r->cfg.gen.unique ? ", unique" : "", (unsigned long long)r->cfg.gen_seed, longs,
                 trmn_data_test_count(r->data), (unsigned long long)r->cfg.gen_test_seed);
    } else
        snprintf(src, sizeof src, "%s (%zu %s %dx%d), held out: %s (%zu)", r->cfg.train_csv,
                 trmn_data_train_count(r->data), c->task->items, c->grid_height, c->grid_width, r->cfg.test_csv[0] ? r->cfg.test_csv : "none",
                 trmn_data_test_count(r->data));
    trmn_progress_print(&r->prog, "trm-train: %s %s, step %ld of %ld -> %s", r->a.resume ? "resuming" : "starting",
                        r->a.resume ? r->a.resume : r->a.config, trm_trainer_steps_done(r->t), r->cfg.total_steps,
                        r->path_ckpt);
    trmn_progress_print(&r->prog, "  model: D %d, heads %d, layers %d, T %d, n %d, N_sup %d, %zu parameters; kernels %s, %s, %d thread%s",
                        c->hidden_size, c->num_heads, c->L_layers, c->H_cycles, c->L_cycles, c->halt_max_steps, d->n_params,
                        trm_kernels_name(trm_model_kernels(r->model)), trm_precision_name(trm_model_precision(r->model)),
                        trmn_cli_threads(), trmn_cli_threads() == 1 ? "" : "s");
    trmn_progress_print(&r->prog, "  data: %s%s%s", src, r->cfg.augment ? ", augmented: " : "",
                        r->cfg.augment ? (c->task == trm_task_find("maze") ? "the 8 dihedral transforms" : "the task's shuffles") : "");
    trmn_progress_print(&r->prog, "  train: batch %d, lr %g (warmup %d), %s, EMA %s, seed %llu",
                        r->cfg.train.batch_size, r->cfg.train.lr, r->cfg.train.lr_warmup_steps,
                        r->cfg.train.optimizer == TRM_OPT_ADAMW ? "adamw" : "adam_atan2", r->cfg.train.ema ? "on" : "off",
                        (unsigned long long)r->cfg.seed);
    if (r->dist.size > 1)
        trmn_progress_print(&r->prog, "  data-parallel: %d processes x %d slots (%s), gradients %.1f MB per step", r->dist.size,
                            r->local_batch, trmn_dist_library(), 4e-6 * (double)(trm_model_dims(r->model)->n_params));
}

/* A failed step: the message (divergence: what is kept and what to try). */
static int step_error(run *r, long step, trm_status s, const trm_error *e) {
    trmn_progress_end(&r->prog);
    if (s == TRM_E_NONFINITE)
        return trmn_cli_error(TOOL, "step %ld: training diverged: %s. Stopped without writing a checkpoint; the last "
                              "good one (%s, step %ld) is kept. Try a lower train.lr or a longer warmup.",
                              step + 1, e->msg, r->last_ckpt_step ? r->path_ckpt : "none", r->last_ckpt_step);
    return trmn_cli_error(TOOL, "step %ld: %s", step + 1, e->msg);
}

/* One training step (after step `step`) in every process: refill this process's halted slots,
 * compute its gradients, sum them over the processes, the same update everywhere, and the
 * step's metrics (and a stop request: *stop) summed. Returns 0 or the exit status, the same in
 * every process. */
static int train_step(run *r, long step, trm_step_stats *st, int *stop) {
    trm_error e;
    const double t0 = trmn_cli_now();
    int rc = 0;
    trm_status s = trmn_data_fill(r->data, trm_trainer_halted(r->t), r->local_batch, r->inputs, r->labels, &e);
    if (s != TRM_OK) rc = trmn_cli_error(TOOL, "%s", e.msg);
    if (!rc) {
        trm_batch b = {r->inputs, r->labels, NULL, r->local_batch};
        s = trm_trainer_compute(r->t, &b, st, &e);
        if (s != TRM_OK) rc = step_error(r, step, s, &e);
    }
    if (trmn_dist_any(&r->dist, rc)) return rc ? rc : TRMN_EXIT_RUNTIME; /* a failed process stops all */
    if (trmn_dist_reduce_trainer(&r->dist, r->t, &e) != TRM_OK) return trmn_cli_error(TOOL, "step %ld: %s", step + 1, e.msg);
    s = trm_trainer_apply(r->t, &e); /* the same gradients everywhere: the same outcome */
    if (s != TRM_OK) return step_error(r, step, s, &e);
    r->train_s += trmn_cli_now() - t0;
    r->train_steps++;
    if (r->dist.size == 1) {
        *stop = g_stop != 0;
        return 0;
    }
    double v[15] = {st->lm_loss, st->q_halt_loss, st->loss, st->count, st->accuracy, st->exact_accuracy,
                    st->q_halt_accuracy, st->steps, st->all_count, st->all_accuracy, st->all_exact_accuracy,
                    (double)st->changed_cells, (double)st->changed_correct, (double)trmn_data_examples(r->data),
                    g_stop != 0};
    trmn_dist_sum(&r->dist, v, 15);
    st->lm_loss = v[0];
    st->q_halt_loss = v[1];
    st->loss = v[2];
    st->count = (int)v[3];
    st->accuracy = v[4];
    st->exact_accuracy = v[5];
    st->q_halt_accuracy = v[6];
    st->steps = v[7];
    st->all_count = (int)v[8];
    st->all_accuracy = v[9];
    st->all_exact_accuracy = v[10];
    st->changed_cells = (long)v[11];
    st->changed_correct = (long)v[12];
    r->examples_all = (uint64_t)v[13];
    *stop = v[14] > 0; /* a signal to any process stops all after this step */
    return 0;
}

/* Process 0's view of where a data-parallel step's time goes (scripts/bench_mpi.sh reads it). */
static void print_dist_summary(run *r) {
    const trmn_dist *d = &r->dist;
    if (d->size == 1 || r->a.quiet || !r->train_steps) return;
    const double step_ms = 1e3 * r->train_s / (double)r->train_steps;
    const double wait_ms = 1e3 * d->wait_s / (double)r->train_steps, red_ms = 1e3 * d->reduce_s / (double)r->train_steps;
    trmn_progress_print(&r->prog, "trm-train: data-parallel: %d processes, %.2f ms per training step (process 0): "
                        "%.2f ms waiting for the slowest process, %.2f ms in the gradient all-reduce = %.1f%% of a step "
                        "(%.2f MB per process per step)", d->size, step_ms, wait_ms, red_ms,
                        step_ms > 0 ? 100.0 * red_ms / step_ms : 0.0, (double)d->grad_bytes / 1e6);
}

/* The training loop. Returns the exit status (the same in every process). */
static int train(run *r) {
    const long total = r->cfg.total_steps;
    trmn_dist *d = &r->dist;
    long step = trm_trainer_steps_done(r->t);
    int stop = 0, rc;
    r->step0 = step;
    window_reset(r);
    /* one process: a signal stops it as soon as it is seen; several: once all know (train_step) */
    while (step < total && !(d->size == 1 ? g_stop != 0 : stop)) {
        trm_step_stats st;
        if ((rc = train_step(r, step, &st, &stop))) return rc;
        step++;
        window_add(&r->win, &st);
        if (!r->a.quiet) progress_line(r, step, 0);
        if (step % r->cfg.log_interval == 0 || step == total) {
            log_train(r, step);
            window_reset(r);
            if (trmn_dist_any(d, metrics_check(r))) return TRMN_EXIT_RUNTIME;
        }
        if (r->cfg.eval_interval && step % r->cfg.eval_interval == 0 && step != total) {
            const int ev = evaluate_and_export(r, step);
            if (ev == EVAL_CUT) {
                stop = 1;
                break;
            }
            if (trmn_dist_any(d, ev || metrics_check(r))) return TRMN_EXIT_RUNTIME;
        }
        if (r->cfg.checkpoint_interval && step % r->cfg.checkpoint_interval == 0 && step != total && write_checkpoint(r, step))
            return TRMN_EXIT_RUNTIME;
    }
    if (d->size == 1 ? g_stop != 0 : stop) {
        if (r->win.steps) log_train(r, step);
        if (write_checkpoint(r, step)) return TRMN_EXIT_RUNTIME;
        print_dist_summary(r);
        if (r->dist.rank == 0) { /* a data-parallel run resumes with as many processes */
            char launch[48] = "";
            if (d->size > 1) snprintf(launch, sizeof launch, "mpirun -np %d ", d->size);
            trmn_progress_print(&r->prog, "trm-train: interrupted (signal %d) after step %ld; checkpoint written. Continue with:\n"
                            "  %snative/trm-train --resume %s", g_stop ? (int)g_stop : SIGTERM, step, launch, r->path_ckpt);
        }
        return 0;
    }
    const int ev = evaluate_and_export(r, step);
    if (ev == EVAL_CUT) { /* trained to the end: keep it, say what the cut evaluation leaves out */
        if (write_checkpoint(r, step)) return TRMN_EXIT_RUNTIME;
        if (r->dist.rank == 0) {
            trm_error e;
            if (save_model(r, r->path_model, &e) != TRM_OK) return trmn_cli_error(TOOL, "%s", e.msg);
            trmn_progress_print(&r->prog, "trm-train: interrupted (signal %d) during the final evaluation, after all %ld "
                                "steps; checkpoint and %s written (best: the last full evaluation's). Evaluate it "
                                "with trm-eval --model %s", g_stop ? (int)g_stop : SIGTERM, step, r->path_model,
                                r->path_model);
        }
        return 0;
    }
    if (trmn_dist_any(d, ev || metrics_check(r)) || write_checkpoint(r, step)) return TRMN_EXIT_RUNTIME;
    print_dist_summary(r);
    if (!r->a.quiet) {
        char w[32];
        trmn_format_duration(w, sizeof w, wall_time(r));
        trmn_progress_print(&r->prog, "trm-train: done, %ld steps, %llu examples in %s; model: %s%s%s", step,
                            (unsigned long long)run_examples(r), w, r->path_model,
                            trmn_data_test_count(r->data) ? ", best: " : "", trmn_data_test_count(r->data) ? r->path_best : "");
    }
    return 0;
}

static void cleanup(run *r) {
    if (r->metrics) fclose(r->metrics);
    if (r->lock_fd > 0) close(r->lock_fd);
    trm_trainer_free(r->t);
    trm_model_free(r->model);
    trm_model_free(r->eval_model);
    trmn_data_free(r->data);
    free(r->inputs);
    free(r->labels);
    free(r->cfg_json);
    free(r->training_json);
}

int main(int argc, char **argv) {
    static run r; /* large; static storage rather than the stack */
    trmn_dist_init(&r.dist, &argc, &argv); /* under mpirun: this process's rank of how many */
    int rc = parse_args(argc, argv, &r.a);
    if (rc) { /* -1: --help */
        trmn_dist_finalize(&r.dist);
        return rc < 0 ? 0 : rc;
    }
    if (r.dist.rank != 0) r.a.quiet = 1; /* process 0 prints (the others: errors only) */
    trmn_progress_init(&r.prog, stderr, -1);
    r.t_start = trmn_cli_now();
    r.best_exact = -1.0f;
    rc = setup(&r);
    if (!rc) {
        trmn_cli_catch_stop(on_signal);
        if (r.finished && r.dist.rank == 0)
            trmn_progress_print(&r.prog, "trm-train: %s is at step %ld of %ld already: nothing to train (a larger "
                                "--total-steps continues it)", r.a.resume, trm_trainer_steps_done(r.t), r.cfg.total_steps);
        else if (!r.finished) {
            print_header(&r);
            rc = train(&r);
        }
        trmn_progress_end(&r.prog);
    }
    cleanup(&r);
    trmn_dist_finalize(&r.dist);
    return rc;
}
