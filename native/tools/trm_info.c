/* trm-info: describe a model file: its configuration, parameter count and a table of every
 * tensor (name, shape, dtype as stored, min/max/mean/std). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "model_io.h"
#include "safetensors.h"

static const char TOOL[] = "trm-info";

static const char USAGE[] =
    "usage: trm-info --model FILE.safetensors [--threads N] [--kernels K]\n"
    "\n"
    "Prints the model's configuration (official key names), its derived sizes, the trainable\n"
    "parameter count (TRM.md section 7) and one line per tensor: name, shape, dtype as stored in\n"
    "the file, and min / max / mean / std of its values. The file is fully checked first (the\n"
    "same loader as trm-solve and trm-eval), so a file trm-info accepts will load.\n"
    "\n"
    "  --model FILE     model file (safetensors)\n"
    "%s"
    "\n"
    "Example:\n"
    "  native/trm-info --model runs/maze6/model.safetensors\n"
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

int main(int argc, char **argv) {
    const char *path = NULL;
    trmn_cli_common common = {0, NULL, NULL};
    static const char *const values[] = {"--model", NULL};
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
        else return trmn_cli_usage_error(TOOL, "unknown option '%s'", o.key);
    }
    if (!path) return trmn_cli_usage_error(TOOL, "missing --model FILE");
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
