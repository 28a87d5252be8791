/* train_config.c: parse, check and write the trm-train JSON configuration; see train_config.h.
 * Keys are table-driven so that parsing, defaults and the effective-config writer agree. */
#include "train_config.h"

#include "fileio.h"
#include "json.h"
#include "task.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seeds are JSON numbers, exact up to 2^53. */
#define SEED_MAX 9007199254740992.0

typedef enum { K_INT, K_LONG, K_DOUBLE, K_BOOL, K_U64, K_OPTIMIZER, K_LOSS, K_PRECISION } key_type;

typedef struct {
    const char *key;
    key_type type;
    size_t offset; /* into trmn_run_config */
    double lo, hi;
} key_spec;

#define OFF(f) offsetof(trmn_run_config, f)
static const key_spec TRAIN_KEYS[] = {
    {"batch_size", K_INT, OFF(train.batch_size), 1, 1 << 20},
    {"lr", K_DOUBLE, OFF(train.lr), 0, 10},
    {"lr_warmup_steps", K_INT, OFF(train.lr_warmup_steps), 0, 1e9},
    {"lr_min_ratio", K_DOUBLE, OFF(train.lr_min_ratio), 0, 1},
    {"lr_decay_start", K_LONG, OFF(train.lr_decay_start), 0, 1e15},
    {"total_steps", K_LONG, OFF(total_steps), 1, 1e15},
    {"epochs", K_DOUBLE, OFF(epochs), 0, 1e12},
    {"weight_decay", K_DOUBLE, OFF(train.weight_decay), 0, 1e6},
    {"beta1", K_DOUBLE, OFF(train.beta1), 0, 0.999999999},
    {"beta2", K_DOUBLE, OFF(train.beta2), 0, 0.999999999},
    {"optimizer", K_OPTIMIZER, OFF(train.optimizer), 0, 0},
    {"puzzle_emb_lr", K_DOUBLE, OFF(train.puzzle_emb_lr), 0, 10},
    {"puzzle_emb_weight_decay", K_DOUBLE, OFF(train.puzzle_emb_weight_decay), 0, 1e6},
    {"ema", K_BOOL, OFF(train.ema), 0, 1},
    {"ema_rate", K_DOUBLE, OFF(train.ema_rate), 0, 1},
    {"loss", K_LOSS, OFF(train.loss), 0, 0},
    {"adaptive_halting", K_BOOL, OFF(train.adaptive_halting), 0, 1},
    {"precision", K_PRECISION, OFF(precision), 0, 0},
    {"seed", K_U64, OFF(seed), 0, SEED_MAX},
    {"threads", K_INT, OFF(threads), 0, 1024},
    {"eval_interval", K_LONG, OFF(eval_interval), 0, 1e15},
    {"eval_count", K_LONG, OFF(eval_count), 0, 1e12},
    {"eval_steps", K_INT, OFF(eval_steps), 0, 100000},
    {"eval_batch", K_INT, OFF(eval_batch), 1, 1 << 16},
    {"log_interval", K_LONG, OFF(log_interval), 1, 1e15},
    {"checkpoint_interval", K_LONG, OFF(checkpoint_interval), 0, 1e15},
};
static const key_spec GEN_KEYS[] = {
    {"height", K_INT, OFF(gen.height), 1, TRM_MAZE_MAX_SIDE},
    {"width", K_INT, OFF(gen.width), 1, TRM_MAZE_MAX_SIDE},
    {"min_path", K_INT, OFF(gen.min_path), 0, 1 << 20},
    {"unique", K_BOOL, OFF(gen.unique), 0, 1},
    {"seed", K_U64, OFF(gen_seed), 0, SEED_MAX},
    {"test_seed", K_U64, OFF(gen_test_seed), 0, SEED_MAX},
    {"max_layouts", K_INT, OFF(gen.max_layouts), 1, 1e9},
    {"long_fraction", K_DOUBLE, OFF(gen_long_fraction), 0, 1},
    {"long_min_path", K_INT, OFF(gen_long_min_path), 0, 1 << 20},
};
#undef OFF

int trmn_run_precision_parse(const char *name) {
    if (name && !strcmp(name, "auto")) return TRMN_RUN_PRECISION_AUTO;
    const int p = trm_precision_parse(name, NULL);
    return p < 0 ? -2 : p;
}

void trmn_run_config_default(trmn_run_config *c) {
    memset(c, 0, sizeof *c);
    trm_config_default(&c->model);
    trm_maze_options_default(&c->gen, 0, 0);
    c->gen.min_path = 0; /* 0 = max(height, width), resolved by finish */
    c->test_count = 256;
    trm_train_config_default(&c->train);
    c->total_steps = 10000;
    c->eval_interval = 1000;
    c->eval_batch = 64;
    c->log_interval = 50;
    c->checkpoint_interval = 1000;
}

/* ---- parsing ---------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    trm_error *err;
    int total_steps_given, epochs_given;
} ctx;

static const char *type_name(const cJSON *v) {
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsArray(v)) return "an array";
    return "an object";
}

/* Error: object has the same key twice (cJSON keeps both). */
static trm_status check_duplicates(ctx *x, const cJSON *obj, const char *path) {
    for (const cJSON *a = obj->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && !strcmp(a->string, b->string))
                return trmn_error_set(x->err, TRM_E_FORMAT, "%s: %s%s%s: key appears twice", x->name, path, *path ? "." : "",
                            a->string);
    return TRM_OK;
}

static trm_status set_key(ctx *x, trmn_run_config *c, const key_spec *k, const cJSON *v, const char *path) {
    char *p = (char *)c + k->offset;
    if (k->type == K_BOOL) {
        if (!cJSON_IsBool(v)) return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: expected true or false, got %s", x->name, path, type_name(v));
        *(int *)p = cJSON_IsTrue(v);
        return TRM_OK;
    }
    if (k->type == K_OPTIMIZER || k->type == K_LOSS) {
        const char *a = k->type == K_OPTIMIZER ? "adam_atan2" : "stablemax";
        const char *b = k->type == K_OPTIMIZER ? "adamw" : "softmax";
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, a) && strcmp(v->valuestring, b)))
            return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: expected \"%s\" or \"%s\"", x->name, path, a, b);
        int second = !strcmp(v->valuestring, b);
        if (k->type == K_OPTIMIZER) *(trm_optimizer *)p = second ? TRM_OPT_ADAMW : TRM_OPT_ADAM_ATAN2;
        else *(trm_loss_kind *)p = second ? TRM_LOSS_SOFTMAX : TRM_LOSS_STABLEMAX;
        return TRM_OK;
    }
    if (k->type == K_PRECISION) {
        const int q = cJSON_IsString(v) ? trmn_run_precision_parse(v->valuestring) : -2;
        if (q == -2) return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: expected \"f32\", \"bf16\" or \"auto\"", x->name, path);
        *(int *)p = q;
        return TRM_OK;
    }
    if (!cJSON_IsNumber(v)) return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: expected a number, got %s", x->name, path, type_name(v));
    double d = v->valuedouble;
    int integral = k->type != K_DOUBLE;
    if (!isfinite(d) || d < k->lo || d > k->hi || (integral && d != floor(d)))
        return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: %.17g is not %s in [%.17g, %.17g]", x->name, path, d,
                    integral ? "an integer" : "a number", k->lo, k->hi);
    switch (k->type) {
    case K_INT: *(int *)p = (int)d; break;
    case K_LONG: *(long *)p = (long)d; break;
    case K_U64: *(uint64_t *)p = (uint64_t)d; break;
    default: *(double *)p = d; break;
    }
    return TRM_OK;
}

/* Append ", word" (or "word" to an empty list), truncating at cap. */
static void append(char *list, size_t cap, const char *word) {
    size_t len = strlen(list);
    if (len + 3 >= cap) return;
    snprintf(list + len, cap - len, "%s%s", len ? ", " : "", word);
}

/* Apply obj's keys through a key table; unknown keys are errors that list the known ones. */
static trm_status apply_table(ctx *x, trmn_run_config *c, const cJSON *obj, const char *section, const key_spec *keys,
                              size_t n, const char *const *extra) {
    for (const cJSON *v = obj->child; v; v = v->next) {
        char path[160];
        snprintf(path, sizeof path, "%s.%s", section, v->string);
        int found = 0;
        for (int e = 0; extra && extra[e]; e++) found |= !strcmp(v->string, extra[e]);
        if (found) continue; /* handled by the caller */
        for (size_t i = 0; i < n && !found; i++) {
            if (strcmp(v->string, keys[i].key)) continue;
            found = 1;
            const trm_status st = set_key(x, c, &keys[i], v, path);
            if (st != TRM_OK) return st;
            if (!strcmp(path, "train.total_steps")) x->total_steps_given = 1;
            if (!strcmp(path, "train.epochs")) x->epochs_given = 1;
            if (!strcmp(path, "data.generator.test_seed")) c->gen_test_seed_given = 1;
        }
        if (!found) {
            char known[600] = "";
            for (size_t i = 0; i < n; i++) append(known, sizeof known, keys[i].key);
            for (int e = 0; extra && extra[e]; e++) append(known, sizeof known, extra[e]);
            return trmn_error_set(x->err, TRM_E_UNKNOWN_KEY, "%s: %s: unknown key (known keys: %s)", x->name, path, known);
        }
    }
    return TRM_OK;
}

static trm_status parse_model(ctx *x, trmn_run_config *c, const cJSON *obj) {
    /* The task first: "charset" is checked against it wherever the object puts the two keys
     * (as model_io.c reads model files). A "task" that is not a string fails in the loop. */
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(obj, "task");
    if (cJSON_IsString(task)) {
        trm_error e = {TRM_OK, ""};
        const trm_status st = trm_config_set_string(&c->model, "task", task->valuestring, &e);
        if (st != TRM_OK) return trmn_error_set(x->err, st, "%s: model.task: %s", x->name, e.msg);
    }
    for (const cJSON *v = obj->child; v; v = v->next) {
        trm_error e = {TRM_OK, ""};
        trm_status st;
        if (v == task) continue; /* applied above */
        if (cJSON_IsNumber(v)) st = trm_config_set_number(&c->model, v->string, v->valuedouble, &e);
        else if (cJSON_IsBool(v)) st = trm_config_set_number(&c->model, v->string, cJSON_IsTrue(v), &e);
        else if (cJSON_IsString(v)) st = trm_config_set_string(&c->model, v->string, v->valuestring, &e);
        else {
            trm_config scratch = c->model; /* is the key known at all? */
            st = trm_config_set_string(&scratch, v->string, "", &e);
            if (st != TRM_E_UNKNOWN_KEY)
                return trmn_error_set(x->err, TRM_E_INVALID, "%s: model.%s: expected a number, boolean or string, got %s", x->name,
                            v->string, type_name(v));
        }
        if (st == TRM_E_UNKNOWN_KEY)
            return trmn_error_set(x->err, TRM_E_UNKNOWN_KEY, "%s: model.%s: unknown model key (the official config names are listed "
                        "in native/TOOLS.md)", x->name, v->string);
        if (st != TRM_OK) return trmn_error_set(x->err, st, "%s: model.%s: %s", x->name, v->string, e.msg);
        if (!strcmp(v->string, "grid_height")) c->model_grid_given |= 1;
        if (!strcmp(v->string, "grid_width")) c->model_grid_given |= 2;
    }
    return TRM_OK;
}

static trm_status parse_path(ctx *x, const cJSON *v, const char *path, char *dst) {
    if (cJSON_IsNull(v)) {
        dst[0] = '\0';
        return TRM_OK;
    }
    if (!cJSON_IsString(v)) return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: expected a file path string, got %s", x->name, path, type_name(v));
    size_t n = strlen(v->valuestring);
    if (n == 0 || n >= TRMN_PATH_MAX) return trmn_error_set(x->err, TRM_E_INVALID, "%s: %s: path is empty or too long", x->name, path);
    memcpy(dst, v->valuestring, n + 1);
    return TRM_OK;
}

static trm_status parse_generator(ctx *x, trmn_run_config *c, const cJSON *g) {
    if (cJSON_IsNull(g)) {
        c->use_generator = 0;
        return TRM_OK;
    }
    if (!cJSON_IsObject(g)) return trmn_error_set(x->err, TRM_E_INVALID, "%s: data.generator: expected an object, got %s", x->name, type_name(g));
    trm_status st = check_duplicates(x, g, "data.generator");
    static const char *const extra[] = {"algorithm", NULL};
    if (!st) st = apply_table(x, c, g, "data.generator", GEN_KEYS, sizeof GEN_KEYS / sizeof GEN_KEYS[0], extra);
    if (st != TRM_OK) return st;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(g, "algorithm");
    if (a) {
        const int parsed = cJSON_IsString(a) ? trm_maze_algorithm_parse(a->valuestring) : -1;
        if (parsed < 0)
            return trmn_error_set(x->err, TRM_E_INVALID, "%s: data.generator.algorithm: expected \"lehnert\", \"dfs\", \"dfs-any\" or \"sparse\"",
                              x->name);
        c->gen.algorithm = (trm_maze_algorithm)parsed;
    }
    c->use_generator = 1;
    return TRM_OK;
}

static trm_status parse_data(ctx *x, trmn_run_config *c, const cJSON *obj) {
    static const key_spec keys[] = {
        {"test_count", K_LONG, offsetof(trmn_run_config, test_count), 1, 1e9},
        {"augment", K_BOOL, offsetof(trmn_run_config, augment), 0, 1},
        {"streams", K_INT, offsetof(trmn_run_config, data_streams), 0, 1 << 20},
    };
    static const char *const extra[] = {"train_csv", "test_csv", "generator", NULL};
    trm_status st = apply_table(x, c, obj, "data", keys, 3, extra);
    for (const cJSON *v = obj->child; v && !st; v = v->next) {
        if (!strcmp(v->string, "train_csv")) st = parse_path(x, v, "data.train_csv", c->train_csv);
        if (!strcmp(v->string, "test_csv")) st = parse_path(x, v, "data.test_csv", c->test_csv);
        if (!strcmp(v->string, "generator")) st = parse_generator(x, c, v);
    }
    return st;
}

static trm_status parse_train(ctx *x, trmn_run_config *c, const cJSON *obj) {
    static const char *const extra[] = {"init_model", NULL};
    const trm_status st = apply_table(x, c, obj, "train", TRAIN_KEYS, sizeof TRAIN_KEYS / sizeof TRAIN_KEYS[0], extra);
    if (st != TRM_OK) return st;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "init_model");
    return v ? parse_path(x, v, "train.init_model", c->init_model) : TRM_OK;
}

/* Byte offset -> 1-based line and column. */
static void line_col(const char *text, size_t pos, int *line, int *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

trm_status trmn_run_config_parse(trmn_run_config *c, const char *text, size_t len, const char *name, trm_error *err) {
    ctx x = {name ? name : "config", err, 0, 0};
    size_t pos = 0;
    trm_error why;
    cJSON *root = trmn_json_parse(text, len, &pos, &why);
    if (!root) {
        int line, col;
        line_col(text, pos, &line, &col);
        return trmn_error_set(err, why.code, "%s:%d:%d: %s", x.name, line, col, why.msg);
    }
    trm_status rc = TRM_OK;
    if (!cJSON_IsObject(root)) rc = trmn_error_set(err, TRM_E_FORMAT, "%s: the configuration must be a JSON object", x.name);
    if (!rc) rc = check_duplicates(&x, root, "");
    for (const cJSON *s = rc ? NULL : root->child; s && !rc; s = s->next) {
        int m = !strcmp(s->string, "model"), d = !strcmp(s->string, "data"), t = !strcmp(s->string, "train");
        if (!m && !d && !t) {
            rc = trmn_error_set(err, TRM_E_UNKNOWN_KEY, "%s: %s: unknown section (expected model, data or train)", x.name,
                                s->string);
            break;
        }
        if (!cJSON_IsObject(s)) {
            rc = trmn_error_set(err, TRM_E_INVALID, "%s: %s: expected an object, got %s", x.name, s->string, type_name(s));
            break;
        }
        rc = check_duplicates(&x, s, s->string);
        if (!rc && m) rc = parse_model(&x, c, s);
        if (!rc && d) rc = parse_data(&x, c, s);
        if (!rc && t) rc = parse_train(&x, c, s);
    }
    cJSON_Delete(root);
    /* epochs given without total_steps: total_steps is derived by finish (0 marks it). */
    if (!rc && x.epochs_given && !x.total_steps_given) c->total_steps = 0;
    if (!rc && x.total_steps_given && !x.epochs_given) c->epochs = 0;
    return rc;
}

trm_status trmn_run_config_read(trmn_run_config *c, const char *path, trm_error *err) {
    uint8_t *buf;
    size_t len;
    trm_status st = trmn_read_file(path, 16u << 20, &buf, &len, err);
    if (st != TRM_OK) return st;
    st = trmn_run_config_parse(c, (const char *)buf, len, path, err);
    free(buf);
    return st;
}

/* ---- checking and deriving --------------------------------------------------------------- */

static trm_status finish_data(trmn_run_config *c, int h, int w, trm_error *err) {
    if (c->use_generator && c->train_csv[0])
        return trmn_error_set(err, TRM_E_INVALID, "data: give either train_csv (+ test_csv) or generator, not both");
    if (!c->use_generator && !c->train_csv[0])
        return trmn_error_set(err, TRM_E_INVALID, "data: no training data: set data.train_csv or data.generator");
    if (c->use_generator && c->test_csv[0])
        return trmn_error_set(err, TRM_E_INVALID, "data.test_csv: with the generator the held-out set is generated (data.test_count)");
    if (c->use_generator && strcmp(c->model.task->name, "maze"))
        return trmn_error_set(err, TRM_E_INVALID, "data.generator makes mazes, and the model's task is %s: give data.train_csv "
                              "(native/trm-%s makes one)", c->model.task->name, c->model.task->name);
    if (c->use_generator) {
        if (!c->gen.height || !c->gen.width)
            return trmn_error_set(err, TRM_E_INVALID, "data.generator: height and width are required");
        if (c->gen.min_path == 0) {
            trm_maze_options d;
            trm_maze_options_default(&d, c->gen.height, c->gen.width);
            c->gen.min_path = d.min_path;
        }
        trm_error e;
        if (trm_maze_options_check(&c->gen, &e) != TRM_OK) return trmn_error_set(err, e.code, "data.generator: %s", e.msg);
        if (c->gen_long_fraction > 0) {
            trm_maze_options lo = c->gen;
            lo.min_path = c->gen_long_min_path;
            if (c->gen_long_min_path <= c->gen.min_path)
                return trmn_error_set(err, TRM_E_INVALID, "data.generator.long_min_path %d must be greater than min_path %d when "
                                  "long_fraction is > 0", c->gen_long_min_path, c->gen.min_path);
            if (trm_maze_options_check(&lo, &e) != TRM_OK)
                return trmn_error_set(err, e.code, "data.generator.long_min_path: %s", e.msg);
        }
        if (!c->gen_test_seed_given) c->gen_test_seed = c->gen_seed + 1;
        if (c->gen_test_seed == c->gen_seed)
            return trmn_error_set(err, TRM_E_INVALID, "data.generator.test_seed must differ from data.generator.seed");
    }
    if (c->augment && h != w)
        return trmn_error_set(err, TRM_E_INVALID, "data.augment: the %s transforms need square grids, the data is %dx%d",
                              c->model.task->name, h, w);
    return TRM_OK;
}

trm_status trmn_run_config_finish(trmn_run_config *c, int h, int w, size_t n_train, trm_error *err) {
    if (c->use_generator) {
        h = c->gen.height;
        w = c->gen.width;
    }
    const trm_status st = finish_data(c, h, w, err);
    if (st != TRM_OK) return st;
    if (((c->model_grid_given & 1) && c->model.grid_height != h) || ((c->model_grid_given & 2) && c->model.grid_width != w))
        return trmn_error_set(err, TRM_E_INVALID, "model.grid_height/grid_width %dx%d do not match the data's %dx%d grids",
                    c->model.grid_height, c->model.grid_width, h, w);
    c->model.grid_height = h;
    c->model.grid_width = w;
    c->model_grid_given = 3;
    trm_error e;
    if (trm_config_validate(&c->model, NULL, &e) != TRM_OK) return trmn_error_set(err, e.code, "model: %s", e.msg);
    if (c->model.vocab_size < c->model.task->vocab_size)
        return trmn_error_set(err, TRM_E_INVALID, "model.vocab_size %d: %s tokens need at least %d", c->model.vocab_size,
                              c->model.task->name, c->model.task->vocab_size);
    if (c->epochs > 0) {
        if (!n_train) return trmn_error_set(err, TRM_E_INVALID, "train.epochs needs a CSV training set; use train.total_steps with the generator");
        double steps = floor(c->epochs * (double)n_train / c->train.batch_size);
        long derived = steps < 1 ? 1 : (long)steps;
        if (c->total_steps && c->total_steps != derived)
            return trmn_error_set(err, TRM_E_INVALID, "train.total_steps %ld and train.epochs %g (= %ld steps of batch %d over %zu examples) "
                        "disagree; give one of them", c->total_steps, c->epochs, derived, c->train.batch_size, n_train);
        c->total_steps = derived;
    }
    if (c->total_steps < 1) return trmn_error_set(err, TRM_E_INVALID, "train.total_steps must be >= 1");
    c->train.total_steps = c->total_steps;
    c->train.seed = trm_maze_seed(c->seed, 1); /* exploration stream, distinct from the init seed */
    if (c->eval_steps == 0) c->eval_steps = c->model.halt_max_steps;
    return TRM_OK;
}

/* ---- writing ----------------------------------------------------------------------------- */

static void add_key(cJSON *obj, const trmn_run_config *c, const key_spec *k) {
    const char *p = (const char *)c + k->offset;
    switch (k->type) {
    case K_INT: cJSON_AddNumberToObject(obj, k->key, *(const int *)p); break;
    case K_LONG: cJSON_AddNumberToObject(obj, k->key, (double)*(const long *)p); break;
    case K_U64: cJSON_AddNumberToObject(obj, k->key, (double)*(const uint64_t *)p); break;
    case K_DOUBLE: cJSON_AddNumberToObject(obj, k->key, *(const double *)p); break;
    case K_BOOL: cJSON_AddBoolToObject(obj, k->key, *(const int *)p); break;
    case K_OPTIMIZER:
        cJSON_AddStringToObject(obj, k->key, *(const trm_optimizer *)p == TRM_OPT_ADAMW ? "adamw" : "adam_atan2");
        break;
    case K_LOSS:
        cJSON_AddStringToObject(obj, k->key, *(const trm_loss_kind *)p == TRM_LOSS_SOFTMAX ? "softmax" : "stablemax");
        break;
    case K_PRECISION: {
        const int q = *(const int *)p;
        cJSON_AddStringToObject(obj, k->key, q == TRMN_RUN_PRECISION_AUTO ? "auto" : trm_precision_name((trm_precision)q));
        break;
    }
    }
}

char *trmn_run_config_to_json(const trmn_run_config *c) {
    char mj[1024];
    trm_config_to_json(&c->model, mj, sizeof mj);
    cJSON *root = cJSON_CreateObject(), *model = cJSON_Parse(mj);
    cJSON *data = cJSON_CreateObject(), *train = cJSON_CreateObject();
    if (!root || !model || !data || !train) {
        cJSON_Delete(root);
        cJSON_Delete(model);
        cJSON_Delete(data);
        cJSON_Delete(train);
        return NULL;
    }
    cJSON_AddItemToObject(root, "model", model);
    cJSON_AddItemToObject(root, "data", data);
    cJSON_AddItemToObject(root, "train", train);
    if (c->use_generator) {
        cJSON *g = cJSON_AddObjectToObject(data, "generator");
        if (g) {
            cJSON_AddStringToObject(g, "algorithm", trm_maze_algorithm_name(c->gen.algorithm));
            for (size_t i = 0; i < sizeof GEN_KEYS / sizeof GEN_KEYS[0]; i++) add_key(g, c, &GEN_KEYS[i]);
        }
        cJSON_AddNumberToObject(data, "test_count", (double)c->test_count);
    } else {
        cJSON_AddStringToObject(data, "train_csv", c->train_csv);
        if (c->test_csv[0]) cJSON_AddStringToObject(data, "test_csv", c->test_csv);
        else cJSON_AddNullToObject(data, "test_csv");
    }
    cJSON_AddBoolToObject(data, "augment", c->augment);
    if (c->data_streams > 1) cJSON_AddNumberToObject(data, "streams", c->data_streams); /* 0, 1: the plain stream */
    if (c->init_model[0]) cJSON_AddStringToObject(train, "init_model", c->init_model);
    else cJSON_AddNullToObject(train, "init_model");
    for (size_t i = 0; i < sizeof TRAIN_KEYS / sizeof TRAIN_KEYS[0]; i++) {
        if (!strcmp(TRAIN_KEYS[i].key, "epochs") && c->epochs <= 0) continue; /* total_steps rules */
        add_key(train, c, &TRAIN_KEYS[i]);
    }
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}
