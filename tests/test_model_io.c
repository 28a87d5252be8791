/* test_model_io.c: model files (safetensors + config metadata) <-> trm_model.
 *
 * 1. Save a small initialised model (hidden 16, 2 heads, 4x4 grid) and load it back: every
 *    tensor bit-exact, the config identical; also with an EMA-style params override, and for an
 *    mlp_t + learned-positions variant.
 * 2. BF16 and F16 encoded tensors load converted exactly (values chosen exactly representable,
 *    including subnormals and -0).
 * 3. Rejected with the expected message: wrong shape, missing tensor, extra tensor, NaN, F16
 *    infinity, an integer dtype, bad config values/types/JSON, duplicate config keys, a foreign
 *    format, no config, a truncated file, a missing path.
 * 4. Accepted with a warning: an unknown config key, a file without "format".
 * Exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include "fileio.h"
#include "model_io.h"
#include "safetensors.h"
#include "trm.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* Warnings collected by the loader callback. */
typedef struct warnings {
    int n;
    char last[512];
} warnings;

static void collect(void *user, const char *msg)
{
    warnings *w = user;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static trm_model *small_model(int variant, uint64_t seed)
{
    trm_config c;
    trm_config_default(&c);
    trm_error e;
    const char *keys[] = {"hidden_size", "num_heads", "grid_height", "grid_width",
                          "puzzle_emb_len", "puzzle_emb_ndim", "L_layers"};
    const double vals[] = {16, 2, 4, 4, 1, 16, 2};
    for (int i = 0; i < 7; i++)
        trm_config_set_number(&c, keys[i], vals[i], &e);
    if (variant == 1) {
        trm_config_set_number(&c, "mlp_t", 1, &e);
        trm_config_set_string(&c, "pos_encodings", "learned", &e);
        trm_config_set_number(&c, "num_puzzle_identifiers", 3, &e);
        trm_config_set_number(&c, "expansion", 2.5, &e);
    }
    trm_model *m = trm_model_create(&c, &e);
    if (!m) {
        printf("FAIL trm_model_create: %s\n", e.msg);
        exit(1);
    }
    trm_model_init(m, seed);
    /* Buffers (puzzle table) start at zero; give them values so the comparison means something. */
    float *b = trm_model_buffers(m);
    for (size_t i = 0; i < trm_model_dims(m)->n_buffers; i++)
        b[i] = 0.001f * (float)((i * 7919) % 1000) - 0.5f;
    return m;
}

/* Every tensor of a and b bit-identical (ref_params: expected trainable values, or NULL). */
static int compare_models(const char *what, trm_model *a, trm_model *b, const float *ref_params)
{
    int bad = 0;
    size_t worst_i = 0;
    const char *worst = "";
    CHECK(trm_model_tensor_count(a) == trm_model_tensor_count(b), "%s: tensor counts", what);
    for (int i = 0; i < trm_model_tensor_count(a); i++) {
        const trm_tensor_info *t = trm_model_tensor(a, i);
        int j = trm_model_find_tensor(b, t->name);
        if (j < 0) {
            bad++;
            continue;
        }
        const float *x = ref_params && t->trainable ? ref_params + t->offset
                                                    : trm_model_tensor_data(a, i);
        const float *y = trm_model_tensor_data(b, j);
        for (size_t k = 0; k < t->size; k++)
            if (memcmp(&x[k], &y[k], 4) != 0) {
                if (!bad)
                    worst = t->name, worst_i = k;
                bad++;
            }
    }
    CHECK(bad == 0, "%s: %d values differ (first: %s[%zu])", what, bad, worst, worst_i);
    const trm_config *ca = trm_model_config(a), *cb = trm_model_config(b);
    CHECK(memcmp(ca, cb, sizeof *ca) == 0, "%s: configs differ", what);
    char ja[1024], jb[1024];
    trm_config_to_json(ca, ja, sizeof ja);
    trm_config_to_json(cb, jb, sizeof jb);
    CHECK(strcmp(ja, jb) == 0, "%s: config JSON differs:\n  %s\n  %s", what, ja, jb);
    if (!bad)
        printf("  ok  %s: %d tensors (%zu params + %zu buffers) bit-exact, config equal\n", what,
               trm_model_tensor_count(a), trm_model_dims(a)->n_params,
               trm_model_dims(a)->n_buffers);
    return bad;
}

static void test_round_trip(const char *dir)
{
    printf("round trip:\n");
    char path[300];
    trm_error err;
    snprintf(path, sizeof path, "%s/small.safetensors", dir);
    for (int variant = 0; variant < 2; variant++) {
        trm_model *m = small_model(variant, 1);
        CHECK(trmn_save_model_file(m, NULL, path, &err) == 0, "save: %s", err.msg);
        warnings w = {0, ""};
        trm_model *l = trmn_load_model_file_ex(path, collect, &w, &err);
        CHECK(l != NULL, "load: %s", err.msg);
        CHECK(w.n == 0, "unexpected warning: %s", w.last);
        if (l)
            compare_models(variant ? "mlp_t + learned pos" : "attention + rope", m, l, NULL);
        trm_model_free(l);

        /* EMA-style override: trainable tensors from the override, buffers from the model. */
        size_t np = trm_model_dims(m)->n_params;
        float *ema = malloc(np * sizeof *ema);
        for (size_t i = 0; i < np; i++)
            ema[i] = trm_model_params(m)[i] * 0.5f + 0.25f;
        CHECK(trmn_save_model_file(m, ema, path, &err) == 0, "save ema: %s", err.msg);
        l = trmn_load_model_file(path, &err);
        CHECK(l != NULL, "load ema: %s", err.msg);
        if (l)
            compare_models("params override", m, l, ema);
        trm_model_free(l);
        free(ema);
        trm_model_free(m);
    }
    unlink(path);
}

/* How make_file builds a model file from a model's tensors. */
typedef struct spec {
    const char *skip;        /* leave this tensor out */
    const char *transpose;   /* write this 2-D tensor with its shape swapped */
    const char *nan;         /* put a NaN at element 3 of this tensor */
    const char *extra;       /* add a tensor of this name */
    const char *as_int;      /* write this tensor as I32 */
    trmn_st_dtype dtype;      /* F32, BF16 or F16 for all tensors */
    const char *format;      /* NULL: no "format" */
    const char *config;      /* NULL: no "config"; "" = the model's own */
} spec;

static uint16_t f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16); /* test values are exact in bf16: truncation is exact */
}

/* Exact f32 -> f16 for values representable in f16 (normal, subnormal, zero, inf). */
static uint16_t f32_to_f16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    float a = fabsf(f);
    if (isinf(a))
        return sign | 0x7C00;
    if (a == 0)
        return sign;
    int e;
    float mant = frexpf(a, &e); /* a = mant * 2^e, mant in [0.5, 1) */
    if (e - 1 < -14)            /* subnormal: a = k * 2^-24 */
        return sign | (uint16_t)ldexpf(a, 24);
    return sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)(ldexpf(mant, 11) - 1024.0f);
}

static uint8_t *make_file(trm_model *m, const spec *s, size_t *len)
{
    trm_error err;
    trmn_st_writer *w = trmn_st_writer_create();
    int n = trm_model_tensor_count(m);
    void **copies = calloc((size_t)n + 1, sizeof *copies);
    for (int i = 0; i < n; i++) {
        const trm_tensor_info *t = trm_model_tensor(m, i);
        if (s->skip && !strcmp(t->name, s->skip))
            continue;
        const float *src = trm_model_tensor_data(m, i);
        int64_t shape[2] = {t->shape[0], t->shape[1]};
        if (s->transpose && !strcmp(t->name, s->transpose)) {
            shape[0] = t->shape[1];
            shape[1] = t->shape[0];
        }
        trmn_st_dtype dt = s->as_int && !strcmp(t->name, s->as_int) ? TRMN_ST_I32 : s->dtype;
        uint8_t *buf = malloc(t->size * 4);
        copies[i] = buf;
        for (size_t k = 0; k < t->size; k++) {
            float v = src[k];
            if (s->nan && !strcmp(t->name, s->nan) && k == 3)
                v = NAN;
            if (dt == TRMN_ST_BF16) {
                uint16_t h = f32_to_bf16(v);
                memcpy(buf + 2 * k, &h, 2);
            } else if (dt == TRMN_ST_F16) {
                uint16_t h = f32_to_f16(v);
                memcpy(buf + 2 * k, &h, 2);
            } else {
                memcpy(buf + 4 * k, &v, 4);
            }
        }
        if (trmn_st_writer_add(w, t->name, dt, shape, t->ndim, buf, &err))
            printf("FAIL make_file add: %s\n", err.msg);
    }
    float extra[2] = {0, 0};
    int64_t two[1] = {2};
    if (s->extra)
        trmn_st_writer_add(w, s->extra, TRMN_ST_F32, two, 1, extra, &err);
    if (s->format)
        trmn_st_writer_set_metadata(w, "format", s->format, &err);
    char own[1024];
    trm_config_to_json(trm_model_config(m), own, sizeof own);
    if (s->config)
        trmn_st_writer_set_metadata(w, "config", *s->config ? s->config : own, &err);
    uint8_t *out = NULL;
    if (trmn_st_writer_serialize(w, &out, len, &err))
        printf("FAIL make_file serialize: %s\n", err.msg);
    for (int i = 0; i < n; i++)
        free(copies[i]);
    free(copies);
    trmn_st_writer_free(w);
    return out;
}

/* Load the file described by s; expect failure with want in the message (want_warn NULL), or
 * success with a warning containing want_warn. Returns the loaded model on success. */
static trm_model *try_load(const char *what, trm_model *m, const spec *s, const char *want,
                           const char *want_warn)
{
    size_t len = 0;
    uint8_t *buf = make_file(m, s, &len);
    trm_error err = {TRM_OK, ""};
    warnings w = {0, ""};
    trm_model *l = trmn_load_model_buffer(buf, len, collect, &w, &err);
    free(buf);
    if (want) {
        CHECK(l == NULL, "%s: loaded, expected an error containing \"%s\"", what, want);
        CHECK(l != NULL || strstr(err.msg, want), "%s: message \"%s\" lacks \"%s\"", what, err.msg, want);
        if (!l)
            printf("  ok  reject %-28s -> %s\n", what, err.msg);
        trm_model_free(l);
        return NULL;
    }
    CHECK(l != NULL, "%s: not loaded: %s", what, err.msg);
    if (want_warn) {
        CHECK(w.n == 1 && strstr(w.last, want_warn), "%s: %d warnings, last \"%s\", wanted \"%s\"",
              what, w.n, w.last, want_warn);
        printf("  ok  warn   %-28s -> %s\n", what, w.last);
    } else {
        CHECK(w.n == 0, "%s: unexpected warning \"%s\"", what, w.last);
    }
    return l;
}

static void test_dtypes(void)
{
    printf("BF16 / F16 tensors:\n");
    trm_model *m = small_model(0, 2);
    /* Values exact in both F16 and BF16: k/64 for small k, plus special values. */
    for (int i = 0; i < trm_model_tensor_count(m); i++) {
        const trm_tensor_info *t = trm_model_tensor(m, i);
        float *x = trm_model_tensor_data(m, i);
        for (size_t k = 0; k < t->size; k++)
            x[k] = (float)((int)((k * 31 + (size_t)i * 7) % 129) - 64) / 64.0f;
    }
    float *x = trm_model_tensor_data(m, trm_model_find_tensor(m, "lm_head.weight"));
    x[0] = -0.0f;
    x[1] = ldexpf(1.0f, -24);        /* smallest f16 subnormal; exact in bf16 */
    x[2] = ldexpf(3.0f, -20);        /* f16 subnormal */
    x[3] = 61440.0f;                 /* near the f16 maximum, exact in both */
    x[4] = -ldexpf(1.0f, -14);       /* smallest f16 normal */
    x[5] = 1.5f;
    spec s = {0};
    s.format = TRMN_MODEL_FORMAT;
    s.config = "";
    s.dtype = TRMN_ST_BF16;
    trm_model *l = try_load("BF16", m, &s, NULL, NULL);
    if (l)
        compare_models("BF16 -> f32", m, l, NULL);
    trm_model_free(l);
    s.dtype = TRMN_ST_F16;
    l = try_load("F16", m, &s, NULL, NULL);
    if (l)
        compare_models("F16 -> f32", m, l, NULL);
    trm_model_free(l);
    /* F16 infinity must be caught like a NaN. */
    x[3] = INFINITY;
    try_load("F16 infinity", m, &s, "tensor 'lm_head.weight': element 3 is not finite", NULL);
    trm_model_free(m);
}

/* dst = the config JSON own with key set to the raw JSON text value, or removed when value is "". */
static void config_with(char *dst, size_t cap, const char *own, const char *key, const char *value)
{
    cJSON *o = cJSON_Parse(own);
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    char *text = cJSON_PrintUnformatted(o);
    if (*value)
        snprintf(dst, cap, "%.*s, \"%s\": %s}", (int)strlen(text) - 1, text, key, value);
    else
        snprintf(dst, cap, "%s", text);
    cJSON_free(text);
    cJSON_Delete(o);
}

static void test_rejects(void)
{
    printf("bad model files:\n");
    trm_model *m = small_model(0, 3);
    const spec base = {.dtype = TRMN_ST_F32, .format = TRMN_MODEL_FORMAT, .config = ""};
    spec s;
    char cfg[1200], own[1024], own_open[1024];
    trm_config_to_json(trm_model_config(m), own, sizeof own);
    memcpy(own_open, own, sizeof own);
    own_open[strlen(own_open) - 1] = 0; /* without the closing brace, to append keys */

    s = base, s.transpose = "lm_head.weight";
    try_load("wrong shape", m, &s, "tensor 'lm_head.weight': shape [16, 6], expected [6, 16]", NULL);
    s = base, s.skip = "q_head.bias";
    try_load("missing tensor", m, &s, "tensor 'q_head.bias' is missing", NULL);
    s = base, s.extra = "L_level.layers.7.mlp.down_proj.weight";
    try_load("extra tensor", m, &s, "'L_level.layers.7.mlp.down_proj.weight' is not part", NULL);
    s = base, s.nan = "L_level.layers.1.mlp.gate_up_proj.weight";
    try_load("NaN", m, &s, "'L_level.layers.1.mlp.gate_up_proj.weight': element 3 is not finite",
             NULL);
    s = base, s.as_int = "H_init";
    try_load("I32 tensor", m, &s, "tensor 'H_init': dtype I32", NULL);
    s = base, s.format = "trm.c/2";
    try_load("foreign format", m, &s, "unsupported format 'trm.c/2'", NULL);
    s = base, s.config = NULL;
    try_load("no config", m, &s, "no \"config\" in __metadata__", NULL);

    /* The model's own config with one key replaced by a bad value each (raw JSON text). */
    struct { const char *what, *key, *value, *want; } bad[] = {
        {"bad config value", "num_heads", "3", "hidden_size 16 is not a multiple of"},
        {"negative L_cycles", "L_cycles", "-1", "config key 'L_cycles'"},
        {"fractional layers", "L_layers", "1.5", "config key 'L_layers'"},
        {"bad pos_encodings", "pos_encodings", "\"alibi\"", "'alibi' is not rope"},
        {"number as string", "H_cycles", "\"3\"", "'H_cycles' takes a number"},
        {"string as number", "pos_encodings", "1", "'pos_encodings' takes a string"},
        {"array value", "expansion", "[4]", "key 'expansion': the value must be"},
        {"null value", "rope_theta", "null", "not null"},
        {"seq_len mismatch", "seq_len", "17", "seq_len 17"},
        {"bad mlp_t", "mlp_t", "2", "'mlp_t'"},
        {"bad charset", "charset", "\"01\"", "'charset'"},
        {"unknown task", "task", "\"go\"", "config key 'task': 'go' is not a task this version knows (maze, sudoku, arc)"},
        {"task as number", "task", "3", "'task' takes a string"},
        {"config/tensor mismatch", "hidden_size", "32", "expected [6, 32]"},
        /* A NUL would cut the key short and set num_heads under another name. */
        {"NUL in a key", "num_heads", NULL, "the string \"num_heads\\u0000...\" holds a NUL character"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i].value)
            config_with(cfg, sizeof cfg, own, bad[i].key, bad[i].value);
        else { /* "num_heads\u0000x": 2 in place of num_heads */
            config_with(cfg, sizeof cfg, own, bad[i].key, "");
            snprintf(cfg + strlen(cfg) - 1, sizeof cfg - strlen(cfg) + 1, ", \"num_heads\\u0000x\": 2}");
        }
        s = base, s.config = cfg;
        try_load(bad[i].what, m, &s, bad[i].want, NULL);
    }
    snprintf(cfg, sizeof cfg, "%s, \"hidden_size\": 16}", own_open);
    s = base, s.config = cfg;
    try_load("duplicate key", m, &s, "config key 'hidden_size' appears twice", NULL);
    snprintf(cfg, sizeof cfg, "%s, \"x\": }", own_open);
    try_load("config not JSON", m, &s, "config: invalid JSON at byte", NULL);
    snprintf(cfg, sizeof cfg, "%s} x", own_open);
    try_load("trailing garbage", m, &s, "config: unexpected text after the JSON value", NULL);
    /* Every key the writer writes must be there ("task" and "charset" alone may be absent: files
     * written before them hold mazes): a default in its place would load a different model. */
    cJSON *keys = cJSON_Parse(own);
    for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next) {
        config_with(cfg, sizeof cfg, own, k->string, "");
        char what[80], want[120];
        snprintf(what, sizeof what, "no %s", k->string);
        snprintf(want, sizeof want, "__metadata__.config has no key '%s'", k->string);
        s = base, s.config = cfg;
        const int optional = !strcmp(k->string, "charset") || !strcmp(k->string, "task");
        trm_model *l = try_load(what, m, &s, optional ? NULL : want, NULL);
        if (l) compare_models(what, m, l, NULL);
        trm_model_free(l);
    }
    CHECK(keys && cJSON_GetArraySize(keys) == 21, "the model's config has %d keys", cJSON_GetArraySize(keys));
    cJSON_Delete(keys);
    /* Booleans and seq_len are accepted as numbers; no warning. */
    config_with(cfg, sizeof cfg, own, "mlp_t", "false");
    s = base, s.config = cfg;
    trm_model *ok = try_load("bool as number", m, &s, NULL, NULL);
    if (ok)
        compare_models("bool as number", m, ok, NULL);
    trm_model_free(ok);
    s = base, s.config = "[1, 2]";
    try_load("config is an array", m, &s, "config must be a JSON object", NULL);

    printf("accepted with a warning:\n");
    snprintf(cfg, sizeof cfg, "%s, \"future_key\": [1, {\"a\": 2}]}", own_open);
    s = base, s.config = cfg;
    trm_model *l;
    /* An unknown key may hold any JSON value: it is only reported, never interpreted. */
    l = try_load("unknown config key", m, &s, NULL, "future_key");
    trm_model_free(l);
    snprintf(cfg, sizeof cfg, "%s, \"future_key\": 3}", own_open);
    s.config = cfg;
    l = try_load("unknown config key (number)", m, &s, NULL, "future_key");
    if (l)
        compare_models("loaded despite the unknown key", m, l, NULL);
    trm_model_free(l);
    s = base, s.format = NULL;
    l = try_load("no format", m, &s, NULL, "no \"format\"");
    trm_model_free(l);
    trm_model_free(m);
}

static void test_files(const char *dir)
{
    printf("files:\n");
    trm_model *m = small_model(0, 4);
    char path[300];
    trm_error err;
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    size_t len = 0;
    spec s = {.dtype = TRMN_ST_F32, .format = NULL, .config = ""};
    uint8_t *buf = make_file(m, &s, &len);
    /* Warnings of a file load name the file. */
    trmn_write_file(path, buf, len, &err);
    warnings w = {0, ""};
    trm_model *l = trmn_load_model_file_ex(path, collect, &w, &err);
    CHECK(l && w.n == 1 && strstr(w.last, path) && strstr(w.last, "no \"format\""),
          "file warning: %s", w.last);
    trm_model_free(l);
    /* Truncated: the data ends early. */
    trmn_write_file(path, buf, len - 10, &err);
    l = trmn_load_model_file(path, &err);
    CHECK(!l && strstr(err.msg, path) && strstr(err.msg, "past the end of the data buffer"),
          "truncated: %s", err.msg);
    printf("  ok  truncated -> %s\n", err.msg);
    trm_model_free(l);
    unlink(path);
    l = trmn_load_model_file(path, &err);
    CHECK(!l && strstr(err.msg, "cannot open") && strstr(err.msg, path), "missing: %s", err.msg);
    printf("  ok  missing   -> %s\n", err.msg);
    /* Saving to an impossible place fails cleanly. */
    snprintf(path, sizeof path, "%s/no/such/dir/m.safetensors", dir);
    CHECK(trmn_save_model_file(m, NULL, path, &err) != 0 && strstr(err.msg, "cannot create"),
          "save to a missing dir: %s", err.msg);
    free(buf);
    trm_model_free(m);
}

int main(void)
{
    char dir[] = "/tmp/trm_test_model_io_XXXXXX";
    if (!mkdtemp(dir)) {
        printf("FAIL mkdtemp\n");
        return 1;
    }
    test_round_trip(dir);
    test_dtypes();
    test_rejects();
    test_files(dir);
    rmdir(dir);
    return check_done();
}
