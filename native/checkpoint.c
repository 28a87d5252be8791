/* checkpoint.c: write and restore training checkpoints; see checkpoint.h. */
#include "checkpoint.h"

#include "fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static trmn_st_dtype st_dtype(trm_state_dtype d) {
    switch (d) {
    case TRM_STATE_F32: return TRMN_ST_F32;
    case TRM_STATE_U8: return TRMN_ST_U8;
    case TRM_STATE_I32: return TRMN_ST_I32;
    case TRM_STATE_U64: return TRMN_ST_I64; /* same bits: safetensors has no U64 */
    }
    return TRMN_ST_U8;
}

trm_status trmn_checkpoint_write(const char *path, const trmn_ckpt_group *groups, int n_groups,
                                 const char *config_json, trm_error *err) {
    trmn_st_writer *w = trmn_st_writer_create();
    if (!w) return trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    trm_error e;
    trm_status rc = trmn_st_writer_set_metadata(w, "format", TRMN_CHECKPOINT_FORMAT, &e);
    if (!rc) rc = trmn_st_writer_set_metadata(w, "config", config_json ? config_json : "{}", &e);
    for (int g = 0; g < n_groups && !rc; g++) {
        for (int i = 0; i < groups[g].count && !rc; i++) {
            const trm_state_entry *s = &groups[g].entries[i];
            char name[160];
            snprintf(name, sizeof name, "%s%s", groups[g].prefix, s->name);
            int64_t shape[1] = {(int64_t)s->count};
            rc = trmn_st_writer_add(w, name, st_dtype(s->dtype), shape, 1, s->data, &e);
        }
    }
    if (!rc) rc = trmn_st_writer_write(w, path, &e);
    trmn_st_writer_free(w);
    return rc ? trmn_error_set(err, rc, "checkpoint %s: %s", path, e.msg) : TRM_OK;
}

trm_status trmn_checkpoint_read(const char *path, trmn_checkpoint *ck, trm_error *err) {
    memset(ck, 0, sizeof *ck);
    snprintf(ck->path, sizeof ck->path, "%s", path);
    trm_status st = trmn_read_file(path, 0, &ck->buf, &ck->len, err);
    if (st != TRM_OK) return st;
    trm_error e;
    st = trmn_st_parse(ck->buf, ck->len, &ck->st, &e);
    if (st != TRM_OK) {
        trmn_checkpoint_free(ck);
        return trmn_error_set(err, st, "%s: %s", path, e.msg);
    }
    const char *format = trmn_st_metadata(&ck->st, "format");
    if (!format || strcmp(format, TRMN_CHECKPOINT_FORMAT) != 0) {
        int is_model = format && !strcmp(format, "trm.c/1");
        trmn_error_set(err, TRM_E_FORMAT, "%s: not a training checkpoint (format %s%s%s, expected %s)%s", path,
                       format ? "\"" : "", format ? format : "missing", format ? "\"" : "", TRMN_CHECKPOINT_FORMAT,
                       is_model ? "; this is a model file: it has no optimizer state to resume from" : "");
        trmn_checkpoint_free(ck);
        return TRM_E_FORMAT;
    }
    ck->config_json = trmn_st_metadata(&ck->st, "config");
    if (!ck->config_json) {
        trmn_checkpoint_free(ck);
        return trmn_error_set(err, TRM_E_FORMAT, "%s: no \"config\" in __metadata__", path);
    }
    return TRM_OK;
}

trm_status trmn_checkpoint_restore(const trmn_checkpoint *ck, const trmn_ckpt_group *g, trm_error *err) {
    for (int i = 0; i < g->count; i++) {
        const trm_state_entry *s = &g->entries[i];
        char name[160];
        snprintf(name, sizeof name, "%s%s", g->prefix, s->name);
        const trmn_st_tensor *t = trmn_st_find(&ck->st, name);
        if (!t) return trmn_error_set(err, TRM_E_FORMAT, "%s: tensor '%s' is missing", ck->path, name);
        if (t->dtype != st_dtype(s->dtype))
            return trmn_error_set(err, TRM_E_FORMAT, "%s: tensor '%s' has dtype %s, expected %s", ck->path, name,
                                  trmn_st_dtype_name(t->dtype), trmn_st_dtype_name(st_dtype(s->dtype)));
        if (t->numel != s->count || t->ndim != 1)
            return trmn_error_set(err, TRM_E_SHAPE, "%s: tensor '%s' has %zu elements, this run needs %zu (different "
                                  "config?)", ck->path, name, t->numel, s->count);
        if (t->nbytes) memcpy(s->data, t->data, t->nbytes);
    }
    return TRM_OK;
}

void trmn_checkpoint_free(trmn_checkpoint *ck) {
    trmn_st_free(&ck->st);
    free(ck->buf);
    ck->buf = NULL;
    ck->config_json = NULL;
}
