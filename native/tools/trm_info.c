/* trm-info: describe a model file: its configuration, parameter count and a table of every
 * tensor (name, shape, dtype as stored, min/max/mean/std); or with --init write a randomly
 * initialised model of a configuration. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "model_io.h"
#include "safetensors.h"
#include "task.h"
#include "train_config.h"

static const char TOOL[] = "trm-info";

static const char USAGE[] =
    "usage: trm-info --model FILE.safetensors [--threads N] [--kernels K]\n"
    "       trm-info --init CONFIG.json --out FILE.safetensors [--seed S]\n"
    "\n"
    "Prints the model's configuration (official key names), its derived sizes, the trainable\n"
    "parameter count (TRM.md section 7) and one line per tensor: name, shape, dtype as stored in\n"
    "the file, and min / max / mean / std of its values. The file is fully checked first (the\n"
    "same loader as trm-solve and trm-eval), so a file trm-info accepts will load.\n"
    "\n"
    "  --model FILE     model file (safetensors)\n"
    "  --init CONFIG    write a model file of the \"model\" section of a trm-train config file\n"
    "                   (checked as trm-train checks it), initialised as trm-train initialises a\n"
    "                   run (TRM.md section 5.7): for tests, timings, or a start elsewhere. The grid\n"
    "                   is model.grid_height x grid_width, else data.generator's height x width\n"
    "  --out FILE       where --init writes (atomically)\n"
    "  --seed S         --init's seed (default: the config's train.seed)\n"
    "%s"
    "\n"
    "Examples:\n"
    "  native/trm-info --model runs/maze6/model.safetensors\n"
    "  native/trm-info --init arc.json --seed 1 --out arc-init.safetensors\n"
    "Exit status: 0 ok, 1 bad file, 2 bad arguments.\n";

/* Statistics over a tensor as loaded into the model (f32). */
static void stats(const float *x, size_t n, double *mn, double *mx, double *mean, double *sd) {
    double s = 0, s2 = 0;
    *mn = n ? x[0] : 0;
    *mx = n ? x[0] : 0;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
        *mn = x[i] < *mn ? x[i] : *mn;
        *mx = x[i] > *mx ? x[i] : *mx;
    }
    *mean = n ? s / (double)n : 0;
    for (size_t i = 0; i < n; i++) s2 += (x[i] - *mean) * (x[i] - *mean);
    *sd = n ? sqrt(s2 / (double)n) : 0;
}

static void print_config(const trm_model *m, const trmn_st_file *f) {
    const trm_config *c = trm_model_config(m);
    const trm_dims *d = trm_model_dims(m);
    static const char *const POS[] = {"rope", "learned", "none"};
    const char *format = trmn_st_metadata(f, "format");
    printf("format           %s\n", format ? format : "(none)");
    printf("grid             %d x %d (seq_len %d), vocab %d\n", c->grid_height, c->grid_width, d->grid, c->vocab_size);
    printf("hidden_size      %d   num_heads %d (head_dim %d)   expansion %g (SwiGLU %d)\n", c->hidden_size, c->num_heads,
           d->head_dim, c->expansion, d->I);
    printf("L_layers         %d   H_cycles (T) %d   L_cycles (n) %d   halt_max_steps %d\n", c->L_layers, c->H_cycles,
           c->L_cycles, c->halt_max_steps);
    printf("puzzle_emb       len %d (prefix P %d), ndim %d, %d identifier%s\n", c->puzzle_emb_len, d->P, c->puzzle_emb_ndim,
           c->num_puzzle_identifiers, c->num_puzzle_identifiers == 1 ? "" : "s");
    printf("pos_encodings    %s%s   rope_theta %g   rms_norm_eps %g   halt_exploration_prob %g\n",
           POS[(unsigned)c->pos_encodings <= 2 ? c->pos_encodings : 0], c->mlp_t ? " (mlp_t: no attention)" : "",
           c->rope_theta, c->rms_norm_eps, c->halt_exploration_prob);
    printf("sequence         S = P + grid = %d positions\n", d->S);
    printf("parameters       %zu trainable (+ %zu buffer values: H_init, L_init, puzzle table)\n", d->n_params, d->n_buffers);
    printf("passes per solve %d supervision steps x %d recursions = %d\n", c->halt_max_steps, c->H_cycles,
           c->halt_max_steps * c->H_cycles);
    const char *training = trmn_st_metadata(f, "training");
    printf("trained on       %s\n", training ? training : "(not recorded)");
}

/* --init: a model of the config's "model" section, initialised from seed (or train.seed). */
static int init_model(const char *config, const char *out, const char *seed_text) {
    static trmn_run_config rc; /* large; static storage rather than the stack */
    trm_error e;
    uint64_t seed = 0;
    if (seed_text && trmn_cli_parse_u64(seed_text, &seed))
        return trmn_cli_usage_error(TOOL, "--seed '%s': expected a non-negative integer", seed_text);
    trmn_run_config_default(&rc);
    if (trmn_run_config_read(&rc, config, &e) != TRM_OK) return trmn_cli_error(TOOL, "%s", e.msg);
    trm_config c = rc.model;
    if (!(rc.model_grid_given & 1) || !(rc.model_grid_given & 2)) {
        if (!rc.use_generator)
            return trmn_cli_error(TOOL, "%s: give model.grid_height and model.grid_width (trm-train takes the grid from the "
                                  "data; here there is no data.generator to take it from)", config);
        c.grid_height = rc.gen.height;
        c.grid_width = rc.gen.width;
    }
    trm_model *m = trm_model_create(&c, &e);
    if (!m) return trmn_cli_error(TOOL, "%s: %s", config, e.msg);
    trm_model_init(m, seed_text ? seed : rc.seed);
    int code = 0;
    if (trmn_save_model_file(m, NULL, out, &e) != TRM_OK) code = trmn_cli_error(TOOL, "%s", e.msg);
    else
        printf("wrote %s: task %s, %dx%d grid, %zu parameters, %d puzzle identifier%s, seed %llu\n", out, c.task ? c.task->name : "?",
               c.grid_height, c.grid_width, trm_model_dims(m)->n_params, c.num_puzzle_identifiers,
               c.num_puzzle_identifiers == 1 ? "" : "s", (unsigned long long)(seed_text ? seed : rc.seed));
    trm_model_free(m);
    return code;
}

int main(int argc, char **argv) {
    const char *path = NULL, *init = NULL, *out = NULL, *seed = NULL;
    trmn_cli_common common = {0, NULL, NULL};
    static const char *const values[] = {"--model", "--init", "--out", "--seed", NULL};
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(TOOL, argc, argv, &i, NULL, values, &o)) return TRMN_EXIT_USAGE;
        int c = trmn_cli_common_option(TOOL, &o, &common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--help")) {
            printf(USAGE, TRMN_CLI_COMMON_HELP);
            return 0;
        } else if (!strcmp(o.key, "--model")) path = o.value;
        else if (!strcmp(o.key, "--init")) init = o.value;
        else if (!strcmp(o.key, "--out")) out = o.value;
        else if (!strcmp(o.key, "--seed")) seed = o.value;
        else return trmn_cli_usage_error(TOOL, "unknown option '%s'", o.key);
    }
    if (init && path) return trmn_cli_usage_error(TOOL, "--init and --model exclude each other");
    if (init && !out) return trmn_cli_usage_error(TOOL, "--init needs --out FILE.safetensors");
    if (!init && (out || seed)) return trmn_cli_usage_error(TOOL, "--out and --seed go with --init");
    if (init) return init_model(init, out, seed);
    if (!path) return trmn_cli_usage_error(TOOL, "missing --model FILE (or --init CONFIG.json)");
    if (!trmn_cli_kernels(TOOL, common.kernels)) return TRMN_EXIT_USAGE;
    trmn_cli_apply_threads(common.threads);
    trm_error e;
    uint8_t *buf;
    size_t len;
    if (trmn_read_file(path, 0, &buf, &len, &e) != TRM_OK) return trmn_cli_error(TOOL, "%s", e.msg);
    trmn_st_file f;
    if (trmn_st_parse(buf, len, &f, &e) != TRM_OK) {
        free(buf);
        return trmn_cli_error(TOOL, "%s: %s", path, e.msg);
    }
    trm_model *m = trmn_load_model_st(&f, NULL, NULL, NULL, &e);
    if (!m) {
        trmn_st_free(&f);
        free(buf);
        return trmn_cli_error(TOOL, "%s: %s", path, e.msg);
    }
    printf("%s (%zu bytes, %d tensors)\n", path, len, f.n_tensors);
    print_config(m, &f);
    printf("\n%-46s %-12s %-5s %11s %11s %11s %11s\n", "tensor", "shape", "dtype", "min", "max", "mean", "std");
    for (int i = 0; i < f.n_tensors; i++) {
        const trmn_st_tensor *t = &f.tensors[i];
        char shape[48] = "[";
        for (int k = 0; k < t->ndim; k++) {
            size_t l = strlen(shape);
            snprintf(shape + l, sizeof shape - l, "%s%lld", k ? "," : "", (long long)t->shape[k]);
        }
        strncat(shape, "]", sizeof shape - strlen(shape) - 1);
        const int idx = trm_model_find_tensor(m, t->name);
        double mn, mx, mean, sd;
        if (idx >= 0) {
            stats(trm_model_tensor_data(m, idx), trm_model_tensor(m, idx)->size, &mn, &mx, &mean, &sd);
            printf("%-46s %-12s %-5s %11.4g %11.4g %11.4g %11.4g\n", t->name, shape, trmn_st_dtype_name(t->dtype), mn, mx,
                   mean, sd);
        } else {
            printf("%-46s %-12s %-5s (not a model tensor)\n", t->name, shape, trmn_st_dtype_name(t->dtype));
        }
    }
    trm_model_free(m);
    trmn_st_free(&f);
    free(buf);
    return 0;
}
