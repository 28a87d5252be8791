/* model_io.c: load and save TRM model files (safetensors + config metadata). See model_io.h. */
#include "model_io.h"

#include "fileio.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void warn_msg(trmn_warn_fn warn, void *user, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (warn)
        warn(user, msg);
    else
        fprintf(stderr, "warning: %s\n", msg);
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key of obj that occurs twice (cJSON keeps duplicates), or NULL. */
static const char *duplicate_key(const cJSON *obj, int *oom)
{
    int n = cJSON_GetArraySize(obj);
    *oom = 0;
    if (n < 2)
        return NULL;
    const char **v = malloc((size_t)n * sizeof *v);
    if (!v) {
        *oom = 1;
        return NULL;
    }
    int k = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        v[k++] = c->string;
    qsort(v, (size_t)k, sizeof *v, cmp_str_ptr);
    const char *dup = NULL;
    for (int i = 1; i < k && !dup; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            dup = v[i];
    free(v);
    return dup;
}

trm_status trmn_config_apply_json(trm_config *cfg, const char *json, trmn_warn_fn warn, void *user, trm_error *err)
{
    if (!cfg || !json)
        return trmn_error_set(err, TRM_E_INVALID, "config: NULL argument");
    size_t pos = 0;
    trm_error why;
    cJSON *root = trmn_json_parse(json, strlen(json), &pos, &why);
    if (!root)
        return trmn_error_set(err, why.code, "config: %s at byte %zu", why.msg, pos);
    trm_status rc = TRM_OK;
    int oom = 0;
    const char *dup = NULL;
    if (!cJSON_IsObject(root))
        rc = trmn_error_set(err, TRM_E_FORMAT, "config must be a JSON object");
    else if ((dup = duplicate_key(root, &oom)) != NULL || oom)
        rc = oom ? trmn_error_set(err, TRM_E_NOMEM, "out of memory") :
                   trmn_error_set(err, TRM_E_FORMAT, "config key '%s' appears twice", dup);
    /* The task first: "charset" is checked against it wherever the file puts the two keys. */
    const cJSON *task = rc ? NULL : cJSON_GetObjectItemCaseSensitive(root, "task");
    if (cJSON_IsString(task)) {
        trm_error e = {TRM_OK, ""};
        if (trm_config_set_string(cfg, "task", task->valuestring, &e) != TRM_OK)
            rc = trmn_error_set(err, e.code, "config: %s", e.msg);
    }
    for (const cJSON *c = rc ? NULL : root->child; c && !rc; c = c->next) {
        trm_error e = {TRM_OK, ""};
        trm_status st;
        if (cJSON_IsNumber(c))
            st = trm_config_set_number(cfg, c->string, c->valuedouble, &e);
        else if (cJSON_IsBool(c))
            st = trm_config_set_number(cfg, c->string, cJSON_IsTrue(c) ? 1.0 : 0.0, &e);
        else if (cJSON_IsString(c))
            st = trm_config_set_string(cfg, c->string, c->valuestring, &e);
        else {
            /* Any JSON value is fine for a key we do not know (a newer version may use
             * arrays); probe on a scratch copy whether the core knows the key. */
            trm_config scratch = *cfg;
            st = trm_config_set_string(&scratch, c->string, "", &e);
            if (st != TRM_E_UNKNOWN_KEY) {
                rc = trmn_error_set(err, TRM_E_FORMAT, "config key '%s': the value must be a number, boolean "
                                    "or string, not %s", c->string, cJSON_IsArray(c) ? "an array" :
                                    cJSON_IsObject(c) ? "an object" : "null");
                break;
            }
        }
        if (st == TRM_E_UNKNOWN_KEY)
            warn_msg(warn, user, "config: %s (ignored; written by a newer version?)", e.msg);
        else if (st != TRM_OK)
            rc = trmn_error_set(err, st, "config: %s", e.msg);
    }
    cJSON_Delete(root);
    return rc;
}

/* The first key that model files carry (what trm_config_to_json writes) but json lacks, or NULL.
 * A missing key must not silently take its default: a file without num_heads would load as an
 * 8-head model. "task" and "charset" alone may be absent: files written before them hold
 * mazes, the default task. Sets *oom when out of memory. */
static const char *missing_config_key(const char *json, char *buf, size_t cap, int *oom)
{
    trm_config def;
    trm_config_default(&def);
    char canon[1024];
    trm_config_to_json(&def, canon, sizeof canon);
    cJSON *want = cJSON_Parse(canon), *have = cJSON_Parse(json);
    const char *missing = NULL;
    *oom = !want || !have;
    for (const cJSON *k = *oom ? NULL : want->child; k && !missing; k = k->next)
        if (strcmp(k->string, "charset") != 0 && strcmp(k->string, "task") != 0 &&
            !cJSON_GetObjectItemCaseSensitive(have, k->string))
            missing = strncpy(buf, k->string, cap - 1);
    cJSON_Delete(want);
    cJSON_Delete(have);
    return missing;
}

/* Config from the metadata: every key the format writes, over the defaults. */
static trm_status config_from_file(const trmn_st_file *f, trm_config *cfg, trmn_warn_fn warn, void *user,
                                   trm_error *err)
{
    const char *format = trmn_st_metadata(f, "format");
    if (!format)
        warn_msg(warn, user, "no \"format\" in __metadata__ (a converted checkpoint?); "
                 "reading it as %s", TRMN_MODEL_FORMAT);
    else if (strcmp(format, TRMN_MODEL_FORMAT) != 0)
        return trmn_error_set(err, TRM_E_FORMAT, "unsupported format '%s' in __metadata__ (this build reads %s)",
                              format, TRMN_MODEL_FORMAT);
    const char *json = trmn_st_metadata(f, "config");
    if (!json)
        return trmn_error_set(err, TRM_E_FORMAT, "no \"config\" in __metadata__: cannot tell the model's "
                              "configuration (hidden_size, grid size, ...)");
    trm_config_default(cfg);
    trm_error e;
    /* its messages start "config": they become "__metadata__.config..." */
    if (trmn_config_apply_json(cfg, json, warn, user, &e) != TRM_OK)
        return trmn_error_set(err, e.code, "__metadata__.%s", e.msg);
    char key[64] = "";
    int oom = 0;
    if (missing_config_key(json, key, sizeof key, &oom) || oom)
        return oom ? trmn_error_set(err, TRM_E_NOMEM, "out of memory (config)")
                   : trmn_error_set(err, TRM_E_FORMAT, "__metadata__.config has no key '%s' (a model file "
                                    "records its whole configuration)", key);
    return TRM_OK;
}

trm_model *trmn_load_model_st(const trmn_st_file *f, const char *skip_prefix, trmn_warn_fn warn, void *user,
                              trm_error *err)
{
    if (!f) {
        trmn_error_set(err, TRM_E_INVALID, "NULL safetensors file");
        return NULL;
    }
    trm_config cfg;
    if (config_from_file(f, &cfg, warn, user, err) != TRM_OK)
        return NULL;
    trm_error e;
    trm_model *m = trm_model_create(&cfg, &e);
    if (!m) {
        trmn_error_set(err, e.code, "__metadata__.config: %s", e.msg);
        return NULL;
    }
    size_t skip_len = skip_prefix ? strlen(skip_prefix) : 0;
    for (int i = 0; i < f->n_tensors; i++) {
        const trmn_st_tensor *t = &f->tensors[i];
        if (skip_len && strncmp(t->name, skip_prefix, skip_len) == 0)
            continue;
        if (trm_model_load_tensor(m, t->name, trmn_st_dtype_name(t->dtype), t->shape, t->ndim,
                                  t->data, t->nbytes, err) != TRM_OK) {
            trm_model_free(m);
            return NULL;
        }
    }
    if (trm_model_check_loaded(m, err) != TRM_OK) {
        trm_model_free(m);
        return NULL;
    }
    return m;
}

trm_model *trmn_load_model_buffer(const uint8_t *buf, size_t len, trmn_warn_fn warn, void *user, trm_error *err)
{
    trmn_st_file f;
    if (trmn_st_parse(buf, len, &f, err) != TRM_OK)
        return NULL;
    trm_model *m = trmn_load_model_st(&f, NULL, warn, user, err);
    trmn_st_free(&f);
    return m;
}

/* Warnings of a file load carry the path, like its errors. */
typedef struct path_warn {
    const char *path;
    trmn_warn_fn warn;
    void *user;
} path_warn;

static void warn_with_path(void *user, const char *msg)
{
    const path_warn *pw = user;
    warn_msg(pw->warn, pw->user, "%s: %s", pw->path, msg);
}

trm_model *trmn_load_model_file_ex(const char *path, trmn_warn_fn warn, void *user, trm_error *err)
{
    if (!path) {
        trmn_error_set(err, TRM_E_INVALID, "NULL model path");
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (trmn_read_file(path, 0, &buf, &len, err) != TRM_OK)
        return NULL;
    trm_error e;
    path_warn pw = {path, warn, user};
    trm_model *m = trmn_load_model_buffer(buf, len, warn_with_path, &pw, &e);
    free(buf);
    if (!m)
        trmn_error_set(err, e.code, "%s: %s", path, e.msg);
    return m;
}

trm_model *trmn_load_model_file(const char *path, trm_error *err)
{
    return trmn_load_model_file_ex(path, NULL, NULL, err);
}

trmn_st_writer *trmn_model_writer(const trm_model *m, const float *params_override, trm_error *err)
{
    if (!m) {
        trmn_error_set(err, TRM_E_INVALID, "NULL model");
        return NULL;
    }
    trmn_st_writer *w = trmn_st_writer_create();
    size_t need = trm_config_to_json(trm_model_config(m), NULL, 0);
    char *json = malloc(need + 1);
    if (!w || !json) {
        trmn_error_set(err, TRM_E_NOMEM, "out of memory saving the model");
        goto fail;
    }
    trm_config_to_json(trm_model_config(m), json, need + 1);
    if (trmn_st_writer_set_metadata(w, "format", TRMN_MODEL_FORMAT, err) != TRM_OK ||
        trmn_st_writer_set_metadata(w, "config", json, err) != TRM_OK)
        goto fail;
    /* The table API takes a non-const model to hand out writable pointers; we only read. */
    trm_model *mm = (trm_model *)m;
    for (int i = 0; i < trm_model_tensor_count(m); i++) {
        const trm_tensor_info *t = trm_model_tensor(m, i);
        const float *data = params_override && t->trainable ? params_override + t->offset
                                                            : trm_model_tensor_data(mm, i);
        int64_t shape[2] = {t->shape[0], t->shape[1]};
        if (trmn_st_writer_add(w, t->name, TRMN_ST_F32, shape, t->ndim, data, err) != TRM_OK)
            goto fail;
    }
    free(json);
    return w;
fail:
    free(json);
    trmn_st_writer_free(w);
    return NULL;
}

trm_status trmn_save_model_file(const trm_model *m, const float *params_override, const char *path,
                                trm_error *err)
{
    trm_error e;
    trmn_st_writer *w = trmn_model_writer(m, params_override, &e);
    if (!w)
        return trmn_error_set(err, e.code, "%s", e.msg);
    const trm_status st = trmn_st_writer_write(w, path, err);
    trmn_st_writer_free(w);
    return st;
}
