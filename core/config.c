/* config.c: the model configuration (TRM §0): defaults, setting keys by their official names,
 * validation with a message, derived sizes, and the JSON form stored in model files. */
#include "trm.h"
#include "internal.h"
#include "task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void trm_config_default(trm_config *c) {
    memset(c, 0, sizeof *c);
    c->hidden_size = 512;
    c->num_heads = 8;
    c->expansion = 4.0f;
    c->L_layers = 2;
    c->H_cycles = 3;
    c->L_cycles = 4;
    c->halt_max_steps = 16;
    c->halt_exploration_prob = 0.1f;
    c->puzzle_emb_len = 16;
    c->puzzle_emb_ndim = 512;
    c->num_puzzle_identifiers = 1;
    c->pos_encodings = TRM_POS_ROPE;
    c->mlp_t = 0;
    c->rms_norm_eps = 1e-5f;
    c->rope_theta = 10000.0f;
    c->vocab_size = 6;
    c->grid_height = 30;
    c->grid_width = 30;
    c->task = trm_task_default();
}

/* Integer keys: name and field. Kept as a table so set/json/validate agree on the key list. */
typedef struct { const char *key; size_t offset; int min, max; } int_key;
#define IK(k, lo, hi) { #k, offsetof(trm_config, k), lo, hi }
static const int_key INT_KEYS[] = {
    IK(hidden_size, 1, 65536),   IK(num_heads, 1, 4096),       IK(L_layers, 1, TRM_MAX_LAYERS),
    IK(H_cycles, 1, 1000),       IK(L_cycles, 1, 1000),        IK(halt_max_steps, 1, 100000),
    IK(puzzle_emb_len, 0, 4096), IK(puzzle_emb_ndim, 0, 65536), IK(num_puzzle_identifiers, 1, 1 << 24),
    IK(vocab_size, 2, 256),      IK(grid_height, 1, 1024),     IK(grid_width, 1, 1024),
};
#undef IK

static int is_integer(double v) { return isfinite(v) && v == floor(v); }

trm_status trm_config_set_number(trm_config *c, const char *key, double v, trm_error *err) {
    for (size_t i = 0; i < sizeof INT_KEYS / sizeof INT_KEYS[0]; i++) {
        const int_key *k = &INT_KEYS[i];
        if (strcmp(key, k->key) != 0) continue;
        if (!is_integer(v) || v < k->min || v > k->max)
            return trm__fail(err, TRM_E_INVALID, "config key '%s': %g is not an integer in [%d, %d]",
                             key, v, k->min, k->max);
        *(int *)((char *)c + k->offset) = (int)v;
        return TRM_OK;
    }
    if (!strcmp(key, "seq_len")) { /* derived from the grid; kept only to be checked by validate */
        if (!is_integer(v) || v < 1 || v > 1 << 20)
            return trm__fail(err, TRM_E_INVALID, "config key 'seq_len': %g is not a positive integer", v);
        c->seq_len = (int)v;
        return TRM_OK;
    }
    if (!strcmp(key, "mlp_t")) {
        if (v != 0 && v != 1) return trm__fail(err, TRM_E_INVALID, "config key 'mlp_t': %g is not a boolean", v);
        c->mlp_t = (int)v;
        return TRM_OK;
    }
    float *f = !strcmp(key, "expansion") ? &c->expansion
             : !strcmp(key, "halt_exploration_prob") ? &c->halt_exploration_prob
             : !strcmp(key, "rms_norm_eps") ? &c->rms_norm_eps
             : !strcmp(key, "rope_theta") ? &c->rope_theta : NULL;
    if (f) {
        if (!isfinite(v)) return trm__fail(err, TRM_E_INVALID, "config key '%s': value is not finite", key);
        *f = (float)v;
        return TRM_OK;
    }
    if (!strcmp(key, "pos_encodings") || !strcmp(key, "charset") || !strcmp(key, "task"))
        return trm__fail(err, TRM_E_INVALID, "config key '%s' takes a string, not a number", key);
    return trm__fail(err, TRM_E_UNKNOWN_KEY, "unknown config key '%s'", key);
}

trm_status trm_config_set_string(trm_config *c, const char *key, const char *v, trm_error *err) {
    if (!strcmp(key, "pos_encodings")) {
        if (!strcmp(v, "rope")) c->pos_encodings = TRM_POS_ROPE;
        else if (!strcmp(v, "learned")) c->pos_encodings = TRM_POS_LEARNED;
        else if (!strcmp(v, "none")) c->pos_encodings = TRM_POS_NONE;
        else return trm__fail(err, TRM_E_INVALID, "config key 'pos_encodings': '%s' is not rope, learned or none", v);
        return TRM_OK;
    }
    if (!strcmp(key, "task")) {
        const trm_task *t = trm_task_find(v);
        if (!t) {
            char known[128] = "";
            for (int i = 0; i < trm_task_count(); i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                         trm_task_at(i)->name);
            return trm__fail(err, TRM_E_INVALID, "config key 'task': '%s' is not a task this version knows (%s)", v,
                             known);
        }
        /* Another task brings its tokens (a vocab_size key may add more); setting the same task
         * again, as a file's key loop after a task-first pass does, changes nothing. */
        if (c->task != t) c->vocab_size = t->vocab_size;
        c->task = t;
        return TRM_OK;
    }
    if (!strcmp(key, "charset")) { /* stated by files for people to read; must be the task's */
        const trm_task *t = c->task ? c->task : trm_task_default();
        if (strcmp(v, t->charset) != 0)
            return trm__fail(err, TRM_E_INVALID, "config key 'charset': \"%s\" is not the charset of task '%s' (\"%s\")",
                             v, t->name, t->charset);
        return TRM_OK;
    }
    if (!strcmp(key, "mlp_t") || !strcmp(key, "seq_len"))
        return trm__fail(err, TRM_E_INVALID, "config key '%s' takes a number, not a string", key);
    for (size_t i = 0; i < sizeof INT_KEYS / sizeof INT_KEYS[0]; i++)
        if (!strcmp(key, INT_KEYS[i].key))
            return trm__fail(err, TRM_E_INVALID, "config key '%s' takes a number, not a string", key);
    if (!strcmp(key, "expansion") || !strcmp(key, "halt_exploration_prob") || !strcmp(key, "rms_norm_eps") ||
        !strcmp(key, "rope_theta"))
        return trm__fail(err, TRM_E_INVALID, "config key '%s' takes a number, not a string", key);
    return trm__fail(err, TRM_E_UNKNOWN_KEY, "unknown config key '%s'", key);
}

int trm_swiglu_intermediate(float expansion, int d_in) {
    /* Python: round(expansion * d_in * 2 / 3) rounds halves to even, as nearbyint does in the
     * default rounding mode; then up to a multiple of 256. */
    double x = nearbyint((double)expansion * d_in * 2.0 / 3.0);
    long i = (long)x;
    return (int)((i + 255) / 256 * 256);
}

trm_status trm_config_validate(const trm_config *c, trm_dims *out, trm_error *err) {
    trm_dims d;
    memset(&d, 0, sizeof d);
    for (size_t i = 0; i < sizeof INT_KEYS / sizeof INT_KEYS[0]; i++) {
        int v = *(const int *)((const char *)c + INT_KEYS[i].offset);
        if (v < INT_KEYS[i].min || v > INT_KEYS[i].max)
            return trm__fail(err, TRM_E_INVALID, "config key '%s': %d is outside [%d, %d]", INT_KEYS[i].key, v,
                             INT_KEYS[i].min, INT_KEYS[i].max);
    }
    if (c->hidden_size % c->num_heads)
        return trm__fail(err, TRM_E_INVALID, "hidden_size %d is not a multiple of num_heads %d", c->hidden_size, c->num_heads);
    if (!(c->expansion > 0 && c->expansion <= 64))
        return trm__fail(err, TRM_E_INVALID, "expansion %g must be in (0, 64]", c->expansion);
    if (!(c->halt_exploration_prob >= 0 && c->halt_exploration_prob <= 1))
        return trm__fail(err, TRM_E_INVALID, "halt_exploration_prob %g must be in [0, 1]", c->halt_exploration_prob);
    if (!(c->rms_norm_eps > 0 && c->rms_norm_eps < 1))
        return trm__fail(err, TRM_E_INVALID, "rms_norm_eps %g must be in (0, 1)", c->rms_norm_eps);
    if (!(c->rope_theta > 1))
        return trm__fail(err, TRM_E_INVALID, "rope_theta %g must be > 1", c->rope_theta);
    if ((unsigned)c->pos_encodings > TRM_POS_NONE)
        return trm__fail(err, TRM_E_INVALID, "pos_encodings %d is not rope, learned or none", (int)c->pos_encodings);
    if (c->mlp_t != 0 && c->mlp_t != 1) return trm__fail(err, TRM_E_INVALID, "mlp_t must be 0 or 1");
    if (!c->task) return trm__fail(err, TRM_E_INVALID, "config has no task");
    if (c->vocab_size < c->task->vocab_size)
        return trm__fail(err, TRM_E_INVALID, "vocab_size %d is smaller than task '%s' needs (%d: PAD and \"%s\")",
                         c->vocab_size, c->task->name, c->task->vocab_size, c->task->charset);
    if (!c->task->workspace_bytes(c->grid_height, c->grid_width)) /* the task's sizes: sudoku is 9 x 9 */
        return trm__fail(err, TRM_E_INVALID, "grid %d x %d is not a size task '%s' takes (%s; at most %d a side)",
                         c->grid_height, c->grid_width, c->task->name, c->task->title, c->task->max_side);
    d.D = c->hidden_size;
    d.heads = c->num_heads;
    d.head_dim = d.D / d.heads;
    if (c->pos_encodings == TRM_POS_ROPE && !c->mlp_t && d.head_dim % 2)
        return trm__fail(err, TRM_E_INVALID, "RoPE needs an even head_dim, got %d", d.head_dim);
    d.V = c->vocab_size;
    d.grid = c->grid_height * c->grid_width;
    if (c->seq_len && c->seq_len != d.grid)
        return trm__fail(err, TRM_E_INVALID, "seq_len %d does not equal grid_height*grid_width = %dx%d",
                         c->seq_len, c->grid_height, c->grid_width);
    if (c->puzzle_emb_ndim == 0) d.P = 0; /* TRM §1.4: no prefix at all */
    else d.P = c->puzzle_emb_len > 0 ? c->puzzle_emb_len : (c->puzzle_emb_ndim + d.D - 1) / d.D;
    if ((long)d.P * d.D < c->puzzle_emb_ndim)
        return trm__fail(err, TRM_E_INVALID, "puzzle_emb_ndim %d does not fit in puzzle_emb_len %d x hidden_size %d",
                         c->puzzle_emb_ndim, d.P, d.D);
    d.S = d.P + d.grid;
    if (d.S > 1 << 16) return trm__fail(err, TRM_E_INVALID, "sequence length %d is too long", d.S);
    d.I = trm_swiglu_intermediate(c->expansion, d.D);
    d.I_seq = c->mlp_t ? trm_swiglu_intermediate(c->expansion, d.S) : 0;
    d.L = c->L_layers;
    /* counted in 64 bits: a 32-bit target refuses what its size_t cannot hold (trm_model_bytes) */
    const uint64_t D = (uint64_t)d.D, I = (uint64_t)d.I;
    const uint64_t mixer = c->mlp_t ? 3 * (uint64_t)d.I_seq * d.S : 4 * D * D;
    uint64_t n_params = d.L * (mixer + 3 * I * D) + 2 * (uint64_t)d.V * D + 2 * D + 2;
    if (c->pos_encodings == TRM_POS_LEARNED) n_params += (uint64_t)d.S * D;
    const uint64_t n_buffers = 2 * D + (uint64_t)c->num_puzzle_identifiers * c->puzzle_emb_ndim;
    if (n_params > SIZE_MAX / sizeof(float) || n_buffers > SIZE_MAX / sizeof(float))
        return trm__fail(err, TRM_E_NOMEM, "this model needs %.0f MB, more than this platform can address",
                         (double)(n_params + n_buffers) * sizeof(float) / 1048576.0);
    d.n_params = (size_t)n_params, d.n_buffers = (size_t)n_buffers;
    if (out) *out = d;
    return TRM_OK;
}

uint64_t trm_model_bytes(const trm_config *c) {
    trm_dims d;
    if (trm_config_validate(c, &d, NULL) != TRM_OK) return 0;
    const int rope = c->pos_encodings == TRM_POS_ROPE && !c->mlp_t;
    const uint64_t tables = rope ? 2 * (uint64_t)d.S * d.head_dim : 0;
    return sizeof(float) * ((uint64_t)d.n_params + d.n_buffers + tables);
}

size_t trm_param_count(const trm_config *c) {
    trm_dims d;
    return trm_config_validate(c, &d, NULL) == TRM_OK ? d.n_params : 0;
}

/* The shortest decimal form that reads back as the same float (0.1, not 0.100000001). */
static void float_text(char *buf, size_t cap, float v) {
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, cap, "%.*g", digits, (double)v);
        if ((float)strtod(buf, NULL) == v) return;
    }
}

size_t trm_config_to_json(const trm_config *c, char *buf, size_t cap) {
    static const char *const POS[] = {"rope", "learned", "none"};
    const trm_task *t = c->task ? c->task : trm_task_default();
    char exp[32], explore[32], eps[32], theta[32];
    float_text(exp, sizeof exp, c->expansion);
    float_text(explore, sizeof explore, c->halt_exploration_prob);
    float_text(eps, sizeof eps, c->rms_norm_eps);
    float_text(theta, sizeof theta, c->rope_theta);
    int n = snprintf(buf, cap,
        "{\"hidden_size\": %d, \"num_heads\": %d, \"expansion\": %s, \"L_layers\": %d, \"H_cycles\": %d, "
        "\"L_cycles\": %d, \"halt_max_steps\": %d, \"halt_exploration_prob\": %s, \"puzzle_emb_len\": %d, "
        "\"puzzle_emb_ndim\": %d, \"num_puzzle_identifiers\": %d, \"pos_encodings\": \"%s\", \"mlp_t\": %s, "
        "\"rms_norm_eps\": %s, \"rope_theta\": %s, \"vocab_size\": %d, \"seq_len\": %d, "
        "\"grid_height\": %d, \"grid_width\": %d, \"task\": \"%s\", \"charset\": \"%s\"}",
        c->hidden_size, c->num_heads, exp, c->L_layers, c->H_cycles, c->L_cycles, c->halt_max_steps, explore,
        c->puzzle_emb_len, c->puzzle_emb_ndim, c->num_puzzle_identifiers,
        POS[(unsigned)c->pos_encodings <= 2 ? c->pos_encodings : 0], c->mlp_t ? "true" : "false", eps, theta,
        c->vocab_size, c->grid_height * c->grid_width, c->grid_height, c->grid_width, t->name, t->charset);
    return n < 0 ? 0 : (size_t)n;
}
