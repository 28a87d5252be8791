/* train_config.h: the JSON training configuration of trm-train (DESIGN.md §4, native/TOOLS.md).
 *
 *     {"model": {official config keys, TRM §0},
 *      "data":  {"train_csv": ..., "test_csv": ...}  or  {"generator": {...}, "test_count": ...},
 *               plus "augment",
 *      "train": {batch_size, lr, ..., eval_interval, checkpoint_interval}}
 *
 * Every key has a default (listed in native/TOOLS.md and in trmn_run_config_default); a key
 * this version does not know is an error that names its path ("train.lrr", TRM_E_UNKNOWN_KEY), as
 * are wrong value types and out-of-range values (TRM_E_INVALID), duplicate keys and invalid JSON
 * (TRM_E_FORMAT, reported as line:column).
 *
 * Two stages: trmn_run_config_parse() applies a JSON text on top of the defaults;
 * trmn_run_config_finish() checks the combination once the grid size of the data is known (the
 * generator states it; CSV files are read first) and derives the model's grid size, the
 * number of steps (from epochs) and the evaluation steps. trmn_run_config_to_json() writes the
 * complete effective configuration, which parses back to the same values (checkpoints store it).
 */
#ifndef TRMN_TRAIN_CONFIG_H
#define TRMN_TRAIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "maze.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TRMN_PATH_MAX = 1024, TRMN_RUN_PRECISION_AUTO = -1 };

typedef struct trmn_run_config {
    /* model: the official keys on top of trm_config_default(). grid_height/grid_width follow
     * the data unless given (then they must agree). */
    trm_config model;
    int model_grid_given;

    /* data: CSV files or the generator */
    char train_csv[TRMN_PATH_MAX];  /* "" = not given */
    char test_csv[TRMN_PATH_MAX];   /* "" = no held-out set (no evaluation) */
    int use_generator;
    trm_maze_options gen;          /* algorithm, height, width, min_path, unique, max_layouts */
    uint64_t gen_seed;             /* training maze k = trm_maze_generate(gen, gen_seed, k) */
    uint64_t gen_test_seed;        /* held-out maze k = ... (test_seed, k); default seed + 1 */
    int gen_test_seed_given;
    double gen_long_fraction;      /* share of training mazes drawn with gen_long_min_path instead */
    int gen_long_min_path;         /* of min_path (long-path oversampling; the held-out set is not) */
    long test_count;               /* generator: held-out mazes (default 256) */
    int augment;                   /* random dihedral transform per training example */
    int data_streams;              /* data.streams: the global batch's slots split into this many
                                      groups, each fed by its own data stream (data.h); 0 = one
                                      per process (1 without MPI); with N processes it must be N */

    /* train */
    trm_train_config train;        /* batch_size ... loss; train.seed is set from seed */
    int precision;                 /* trm_precision of the network (default F32), or
                                      TRMN_RUN_PRECISION_AUTO: bf16 where the kernel set has
                                      native bf16 GEMMs (trm-train resolves it before the first
                                      checkpoint, which records the result) */
    long total_steps;              /* 0 = from epochs (CSV) */
    double epochs;                 /* 0 = use total_steps */
    uint64_t seed;                 /* model init, halting exploration, data order/augmentation */
    int threads;                   /* 0 = OpenMP default */
    long eval_interval;            /* steps between evaluations; 0 = only at the end */
    long eval_count;               /* held-out mazes per evaluation; 0 = all */
    int eval_steps;                /* supervision steps at evaluation; 0 = model.halt_max_steps */
    int eval_batch;                /* solver batch at evaluation */
    long log_interval;             /* steps between metrics lines */
    long checkpoint_interval;      /* steps between checkpoints; 0 = only at the end */
    char init_model[TRMN_PATH_MAX]; /* "" = random init; else a model file whose tensors (same
                                      shapes) start the run: fine-tuning */
} trmn_run_config;

void trmn_run_config_default(trmn_run_config *c);
/* "f32", "bf16" (a trm_precision) or "auto" (TRMN_RUN_PRECISION_AUTO); -2 for anything else. */
int trmn_run_precision_parse(const char *name);

/* Apply the JSON text[0..len) on top of *c. name (e.g. the path) prefixes messages. Returns
 * TRM_OK, or a status with "name:line:column: ..." or "name: key.path: ..." in err. */
trm_status trmn_run_config_parse(trmn_run_config *c, const char *text, size_t len, const char *name,
                                 trm_error *err);
/* Read and parse a file. */
trm_status trmn_run_config_read(trmn_run_config *c, const char *path, trm_error *err);

/* Check the whole configuration for data of grid h x w and n_train training examples (0 for the
 * generator) and derive: model.grid_height/width, total_steps from epochs, eval_steps. Returns
 * TRM_OK, or TRM_E_INVALID (or the core's status) with the key named in err. */
trm_status trmn_run_config_finish(trmn_run_config *c, int h, int w, size_t n_train, trm_error *err);

/* The complete configuration as pretty-printed JSON (malloc'd, NUL-terminated; NULL if out of
 * memory). Every key is written, so it documents the run and parses back to the same values. */
char *trmn_run_config_to_json(const trmn_run_config *c);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_TRAIN_CONFIG_H */
