/* arc_views.c: the official identifiers.json and random augmentations as views of ARC-AGI test
 * inputs; see arc_views.h. */
#define _POSIX_C_SOURCE 200809L
#include "arc_views.h"

#include "fileio.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SEP[] = "|||";
static const char BLANK[] = "<blank>";

void trmn_arc_identifiers_free(trmn_arc_identifiers *ids) {
    if (!ids) return;
    free(ids->names);
    free(ids->augs);
    free(ids->rows);
    memset(ids, 0, sizeof *ids);
}

/* Row i, named s: its task name (copied to names + *used) and augmentation. */
static trm_status parse_row(trmn_arc_identifiers *ids, int i, const char *s, size_t *used, trm_error *err) {
    const char *sep = strstr(s, SEP);
    const size_t n = sep ? (size_t)(sep - s) : strlen(s);
    trm_error e;
    if (!n) return trmn_error_set(err, TRM_E_FORMAT, "%s: row %d (\"%.80s\"): no task id before \"|||\"", ids->path, i, s);
    if (sep && trm_arc_aug_parse(sep + strlen(SEP), &ids->augs[i], &e) != TRM_OK)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: row %d (\"%.80s\"): %s", ids->path, i, s, e.msg);
    char *name = ids->names + *used;
    memcpy(name, s, n);
    name[n] = '\0';
    *used += n + 1;
    ids->rows[ids->n_rows].task = name;
    ids->rows[ids->n_rows++].row = i;
    return TRM_OK;
}

static int cmp_rows(const void *a, const void *b) {
    const trmn_arc_id_row *x = a, *y = b;
    const int c = strcmp(x->task, y->task);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

trm_status trmn_arc_identifiers_read(const char *path, trmn_arc_identifiers *ids, trm_error *err) {
    memset(ids, 0, sizeof *ids);
    snprintf(ids->path, sizeof ids->path, "%s", path);
    uint8_t *text;
    size_t len, at = 0;
    trm_status st = trmn_read_file(path, 0, &text, &len, err);
    if (st != TRM_OK) return st;
    trm_error why;
    cJSON *root = trmn_json_parse((const char *)text, len, &at, &why);
    if (!root) {
        int line = 1, col = 1;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') line++, col = 1;
            else col++;
        }
        free(text);
        return trmn_error_set(err, why.code, "%s:%d:%d: %s", path, line, col, why.msg);
    }
    free(text);
    if (!cJSON_IsArray(root) || !cJSON_GetArraySize(root)) {
        cJSON_Delete(root);
        return trmn_error_set(err, TRM_E_FORMAT, "%s: expected a non-empty array of puzzle names (the official identifiers.json)",
                              path);
    }
    const int count = cJSON_GetArraySize(root);
    size_t bytes = 1;
    for (const cJSON *v = root->child; v; v = v->next) bytes += cJSON_IsString(v) ? strlen(v->valuestring) + 1 : 0;
    ids->count = count;
    ids->names = malloc(bytes);
    ids->augs = calloc((size_t)count, sizeof *ids->augs);
    ids->rows = malloc((size_t)count * sizeof *ids->rows);
    if (!ids->names || !ids->augs || !ids->rows)
        st = trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory for %d rows", path, count);
    size_t used = 0;
    int i = 0;
    for (const cJSON *v = root->child; v && st == TRM_OK; v = v->next, i++) {
        trm_arc_aug_identity(&ids->augs[i]);
        if (!cJSON_IsString(v)) st = trmn_error_set(err, TRM_E_FORMAT, "%s: row %d: expected a puzzle name (a string)", path, i);
        else if (strcmp(v->valuestring, BLANK)) st = parse_row(ids, i, v->valuestring, &used, err);
    }
    cJSON_Delete(root);
    if (st == TRM_OK) qsort(ids->rows, (size_t)ids->n_rows, sizeof *ids->rows, cmp_rows);
    else trmn_arc_identifiers_free(ids);
    return st;
}

trm_status trmn_arc_identifiers_views(const trmn_arc_identifiers *ids, const char *task, int num_puzzle_identifiers,
                                      trmn_arc_view **views, int *n, trm_error *err) {
    *views = NULL;
    *n = 0;
    int lo = 0, hi = ids->n_rows; /* the first row whose task is >= task */
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (strcmp(ids->rows[mid].task, task) < 0) lo = mid + 1;
        else hi = mid;
    }
    int end = lo;
    while (end < ids->n_rows && !strcmp(ids->rows[end].task, task)) end++;
    if (end == lo)
        return trmn_error_set(err, TRM_E_INVALID, "%s has no puzzle named %s: the model was not trained on this task", ids->path,
                              task);
    trmn_arc_view *v = malloc((size_t)(end - lo) * sizeof *v);
    if (!v) return trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", ids->path);
    for (int k = lo; k < end; k++) {
        const int32_t row = ids->rows[k].row;
        if (row >= num_puzzle_identifiers) {
            free(v);
            return trmn_error_set(err, TRM_E_INVALID,
                                  "%s: row %d (task %s) is beyond the model's %d puzzle identifiers (num_puzzle_identifiers): "
                                  "this identifiers.json belongs to another model",
                                  ids->path, row, task, num_puzzle_identifiers);
        }
        v[k - lo].puzzle_id = row;
        v[k - lo].aug = ids->augs[row];
    }
    *views = v;
    *n = end - lo;
    return TRM_OK;
}

trm_status trmn_arc_random_views(int n, uint64_t seed, trmn_arc_view *views, trm_error *err) {
    trm_arc_aug *augs = malloc((size_t)(n > 0 ? n : 1) * sizeof *augs);
    uint8_t *seen = malloc(TRM_ARC_AUG_SEEN_BYTES);
    trm_status st = augs && seen ? TRM_OK : trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    trm_rng rng;
    trm_rng_seed(&rng, seed);
    if (st == TRM_OK) st = trm_arc_aug_distinct(&rng, n, augs, seen, err);
    for (int i = 0; st == TRM_OK && i < n; i++) {
        views[i].puzzle_id = 0;
        views[i].aug = augs[i];
    }
    free(augs);
    free(seen);
    return st;
}
