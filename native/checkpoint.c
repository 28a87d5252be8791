/* checkpoint.c: write and restore training checkpoints; see checkpoint.h. */
#include "checkpoint.h"

#include "fileio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static trm_st_dtype st_dtype(trm_state_dtype d) {
    switch (d) {
    case TRM_STATE_F32: return TRM_ST_F32;
    case TRM_STATE_U8: return TRM_ST_U8;
    case TRM_STATE_I32: return TRM_ST_I32;
    case TRM_STATE_U64: return TRM_ST_I64; /* same bits: safetensors has no U64 */
    }
    return TRM_ST_U8;
}

int trm_checkpoint_write(const char *path, const trm_ckpt_group *groups, int n_groups, const char *config_json,
                         char *err, size_t cap) {
    trm_st_writer *w = trm_st_writer_create();
    if (!w) return trm_errorf(err, cap, "out of memory");
    char e[400] = "";
    int rc = trm_st_writer_set_metadata(w, "format", TRM_CHECKPOINT_FORMAT, e, sizeof e);
    if (!rc) rc = trm_st_writer_set_metadata(w, "config", config_json ? config_json : "{}", e, sizeof e);
    for (int g = 0; g < n_groups && !rc; g++) {
        for (int i = 0; i < groups[g].count && !rc; i++) {
            const trm_state_entry *s = &groups[g].entries[i];
            char name[160];
            snprintf(name, sizeof name, "%s%s", groups[g].prefix, s->name);
            int64_t shape[1] = {(int64_t)s->count};
            rc = trm_st_writer_add(w, name, st_dtype(s->dtype), shape, 1, s->data, e, sizeof e);
        }
    }
    if (!rc) rc = trm_st_writer_write(w, path, e, sizeof e);
    trm_st_writer_free(w);
    return rc ? trm_errorf(err, cap, "checkpoint %s: %s", path, e) : 0;
}

int trm_checkpoint_read(const char *path, trm_checkpoint *ck, char *err, size_t cap) {
    memset(ck, 0, sizeof *ck);
    snprintf(ck->path, sizeof ck->path, "%s", path);
    char e[400] = "";
    if (trm_read_file(path, 0, &ck->buf, &ck->len, e, sizeof e)) return trm_errorf(err, cap, "%s", e);
    if (trm_st_parse(ck->buf, ck->len, &ck->st, e, sizeof e)) {
        trm_checkpoint_free(ck);
        return trm_errorf(err, cap, "%s: %s", path, e);
    }
    const char *format = trm_st_metadata(&ck->st, "format");
    if (!format || strcmp(format, TRM_CHECKPOINT_FORMAT) != 0) {
        int is_model = format && !strcmp(format, "trm.c/1");
        trm_errorf(err, cap, "%s: not a training checkpoint (format %s%s%s, expected %s)%s", path, format ? "\"" : "",
             format ? format : "missing", format ? "\"" : "", TRM_CHECKPOINT_FORMAT,
             is_model ? "; this is a model file: it has no optimizer state to resume from" : "");
        trm_checkpoint_free(ck);
        return -1;
    }
    ck->config_json = trm_st_metadata(&ck->st, "config");
    if (!ck->config_json) {
        trm_checkpoint_free(ck);
        return trm_errorf(err, cap, "%s: no \"config\" in __metadata__", path);
    }
    return 0;
}

int trm_checkpoint_restore(const trm_checkpoint *ck, const trm_ckpt_group *g, char *err, size_t cap) {
    for (int i = 0; i < g->count; i++) {
        const trm_state_entry *s = &g->entries[i];
        char name[160];
        snprintf(name, sizeof name, "%s%s", g->prefix, s->name);
        const trm_st_tensor *t = trm_st_find(&ck->st, name);
        if (!t) return trm_errorf(err, cap, "%s: tensor '%s' is missing", ck->path, name);
        if (t->dtype != st_dtype(s->dtype))
            return trm_errorf(err, cap, "%s: tensor '%s' has dtype %s, expected %s", ck->path, name, trm_st_dtype_name(t->dtype),
                        trm_st_dtype_name(st_dtype(s->dtype)));
        if (t->numel != s->count || t->ndim != 1)
            return trm_errorf(err, cap, "%s: tensor '%s' has %zu elements, this run needs %zu (different config?)", ck->path,
                        name, t->numel, s->count);
        if (t->nbytes) memcpy(s->data, t->data, t->nbytes);
    }
    return 0;
}

void trm_checkpoint_free(trm_checkpoint *ck) {
    trm_st_free(&ck->st);
    free(ck->buf);
    ck->buf = NULL;
    ck->config_json = NULL;
}
