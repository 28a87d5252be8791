/* arc_tasks.c: ARC-AGI task files (one task, a directory, a combined challenges file plus its
 * solutions) read into trmn_arc_set with every grid checked; see arc_tasks.h. */
#define _POSIX_C_SOURCE 200809L
#include "arc_tasks.h"

#include "fileio.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What a message names before its JSON path: "<file>: task <id>". */
typedef struct where {
    const char *file, *id;
} where;

/* Byte offset -> 1-based line and column (as train_config.c reports a config's JSON errors). */
static void line_col(const char *text, size_t pos, int *line, int *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') (*line)++, *col = 1;
        else (*col)++;
    }
}

/* Parse text as JSON; errors as "file:line:column: reason". */
static cJSON *parse_json(const char *text, size_t len, const char *file, trm_error *err) {
    size_t at = 0;
    trm_error why;
    cJSON *root = trmn_json_parse(text, len, &at, &why);
    if (!root) {
        int line, col;
        line_col(text, at, &line, &col);
        trmn_error_set(err, why.code, "%s:%d:%d: %s", file, line, col, why.msg);
    }
    return root;
}

/* Read and parse a JSON file: *root, or the error (TRM_E_FORMAT with where, for bad JSON). */
static trm_status read_json(const char *path, cJSON **root, trm_error *err) {
    uint8_t *text;
    size_t len;
    *root = NULL;
    const trm_status st = trmn_read_file(path, 0, &text, &len, err);
    if (st != TRM_OK) return st;
    *root = parse_json((const char *)text, len, path, err);
    free(text);
    return *root ? TRM_OK : TRM_E_FORMAT;
}

static const char *json_kind(const cJSON *v) {
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "a number";
}

/* The first key of an object that appears twice (cJSON keeps both), or NULL. */
static const char *duplicate_key(const cJSON *obj) {
    for (const cJSON *a = obj->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && !strcmp(a->string, b->string)) return a->string;
    return NULL;
}

/* g <- the grid v (rows of colours); path (e.g. "train[1].input") names it in messages. */
static trm_status read_grid(const cJSON *v, const where *w, const char *path, trm_arc_grid *g, trm_error *err) {
    memset(g, 0, sizeof *g);
    if (!cJSON_IsArray(v))
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s: expected a grid (an array of rows), got %s", w->file, w->id,
                              path, json_kind(v));
    const int h = cJSON_GetArraySize(v);
    if (h < 1 || h > TRM_ARC_SIDE)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s: %d rows (a grid has 1 to %d)", w->file, w->id, path, h,
                              TRM_ARC_SIDE);
    int r = 0, width = 0;
    for (const cJSON *row = v->child; row; row = row->next, r++) {
        if (!cJSON_IsArray(row))
            return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: expected a row (an array of colours), got %s",
                                  w->file, w->id, path, r, json_kind(row));
        const int n = cJSON_GetArraySize(row);
        if (n < 1 || n > TRM_ARC_SIDE)
            return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: %d columns (a row has 1 to %d)", w->file, w->id,
                                  path, r, n, TRM_ARC_SIDE);
        if (r == 0) width = n;
        else if (n != width)
            return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s: row %d has %d columns, row 0 has %d", w->file, w->id,
                                  path, r, n, width);
        int c = 0;
        for (const cJSON *x = row->child; x; x = x->next, c++) {
            if (!cJSON_IsNumber(x))
                return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d][%d]: expected a colour 0..9, got %s", w->file,
                                      w->id, path, r, c, json_kind(x));
            const double d = x->valuedouble;
            if (!(d >= 0 && d <= 9 && d == (double)(int)d))
                return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d][%d]: %g is not a colour (0..9)", w->file, w->id,
                                      path, r, c, d);
            g->cells[r * width + c] = (uint8_t)d;
        }
    }
    g->h = h;
    g->w = width;
    return TRM_OK;
}

/* One pair {"input": grid, "output": grid}; the output is required in "train". */
static trm_status read_pair(const cJSON *v, const where *w, const char *list, int i, int need_output, trmn_arc_pair *p,
                            trm_error *err) {
    char path[64];
    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(v))
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: expected a pair {\"input\": ..., \"output\": ...}, got %s",
                              w->file, w->id, list, i, json_kind(v));
    const char *dup = duplicate_key(v);
    if (dup) return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: key \"%s\" appears twice", w->file, w->id, list, i, dup);
    for (const cJSON *k = v->child; k; k = k->next)
        if (strcmp(k->string, "input") && strcmp(k->string, "output"))
            return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: unknown key \"%s\" (a pair has input and output)",
                                  w->file, w->id, list, i, k->string);
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(v, "input"), *out = cJSON_GetObjectItemCaseSensitive(v, "output");
    if (!in) return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: no \"input\"", w->file, w->id, list, i);
    if (!out && need_output)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: %s[%d]: no \"output\"", w->file, w->id, list, i);
    snprintf(path, sizeof path, "%s[%d].input", list, i);
    trm_status st = read_grid(in, w, path, &p->input, err);
    if (st == TRM_OK && out) {
        snprintf(path, sizeof path, "%s[%d].output", list, i);
        st = read_grid(out, w, path, &p->output, err);
        p->has_output = st == TRM_OK;
    }
    return st;
}

/* pairs <- the array "train" or "test" of task object v (test: at least one pair). */
static trm_status read_pairs(const cJSON *v, const where *w, const char *list, trmn_arc_pair **pairs, int *n,
                             trm_error *err) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(v, list);
    const int test = !strcmp(list, "test");
    if (!a) return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: no \"%s\" array", w->file, w->id, list);
    if (!cJSON_IsArray(a))
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: \"%s\": expected an array of pairs, got %s", w->file, w->id, list,
                              json_kind(a));
    const int count = cJSON_GetArraySize(a);
    if (test && count < 1) return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: \"test\" is empty", w->file, w->id);
    *pairs = count ? calloc((size_t)count, sizeof **pairs) : NULL;
    if (count && !*pairs) return trmn_error_set(err, TRM_E_NOMEM, "%s: task %s: out of memory", w->file, w->id);
    *n = count;
    int i = 0;
    for (const cJSON *p = a->child; p; p = p->next, i++) {
        const trm_status st = read_pair(p, w, list, i, !test, &(*pairs)[i], err);
        if (st != TRM_OK) return st;
    }
    return TRM_OK;
}

/* task <- the task object v (task->id is set by the caller). */
static trm_status read_task(const cJSON *v, const where *w, trmn_arc_task *task, trm_error *err) {
    memset(task, 0, sizeof *task);
    if (!cJSON_IsObject(v))
        return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: expected an object {\"train\": [...], \"test\": [...]}, got %s",
                              w->file, w->id, json_kind(v));
    /* Other keys are left alone: some public files add one ("name" in 9 evaluation tasks). */
    const char *dup = duplicate_key(v);
    if (dup) return trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: key \"%s\" appears twice", w->file, w->id, dup);
    trm_status st = read_pairs(v, w, "train", &task->train, &task->n_train, err);
    if (st == TRM_OK) st = read_pairs(v, w, "test", &task->test, &task->n_test, err);
    return st;
}

void trmn_arc_task_free(trmn_arc_task *task) {
    if (!task) return;
    free(task->id);
    free(task->train);
    free(task->test);
    memset(task, 0, sizeof *task);
}

void trmn_arc_free(trmn_arc_set *set) {
    if (!set) return;
    for (int i = 0; i < set->count; i++) trmn_arc_task_free(&set->tasks[i]);
    free(set->tasks);
    memset(set, 0, sizeof *set);
}

int trmn_arc_task_scored(const trmn_arc_task *task) {
    for (int i = 0; i < task->n_test; i++)
        if (!task->test[i].has_output) return 0;
    return 1;
}

/* A task read from v, named id, appended to set. */
static trm_status add_task(trmn_arc_set *set, const cJSON *v, const char *file, const char *id, trm_error *err) {
    if ((set->count & (set->count - 1)) == 0) { /* grow at 0, 1, 2, 4, ... */
        trmn_arc_task *t = realloc(set->tasks, (size_t)(set->count ? 2 * set->count : 1) * sizeof *t);
        if (!t) return trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", file);
        set->tasks = t;
    }
    trmn_arc_task *task = &set->tasks[set->count];
    const where w = {file, id};
    trm_status st = read_task(v, &w, task, err);
    if (st == TRM_OK && !(task->id = strdup(id))) st = trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", file);
    if (st != TRM_OK) {
        trmn_arc_task_free(task);
        return st;
    }
    set->count++;
    return TRM_OK;
}

trm_status trmn_arc_parse_task(const char *text, size_t len, const char *file, const char *id, trmn_arc_task *task,
                               trm_error *err) {
    memset(task, 0, sizeof *task);
    cJSON *root = parse_json(text, len, file, err);
    if (!root) return TRM_E_FORMAT;
    trmn_arc_set one = {0};
    trm_status st = add_task(&one, root, file, id, err);
    cJSON_Delete(root);
    if (st == TRM_OK) *task = one.tasks[0];
    free(one.tasks);
    return st;
}

/* The file name without its directory and a ".json" ending, into buf. */
static void task_id_of(const char *path, char *buf, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json")) n -= 5;
    snprintf(buf, cap, "%.*s", (int)n, base);
}

/* One file: a single task (an object with "train" or "test") or a combined challenges file. */
static trm_status read_file(trmn_arc_set *set, const char *path, trm_error *err) {
    cJSON *root;
    trm_status st = read_json(path, &root, err);
    if (st != TRM_OK) return st;
    if (!cJSON_IsObject(root)) {
        st = trmn_error_set(err, TRM_E_FORMAT, "%s: expected a task {\"train\": ..., \"test\": ...} or an object of tasks by id, got %s",
                            path, json_kind(root));
    } else if (cJSON_GetObjectItemCaseSensitive(root, "train") || cJSON_GetObjectItemCaseSensitive(root, "test")) {
        char id[256];
        task_id_of(path, id, sizeof id);
        st = add_task(set, root, path, id, err);
    } else if (!root->child) {
        st = trmn_error_set(err, TRM_E_FORMAT, "%s: no tasks (an empty object)", path);
    } else {
        const char *dup = duplicate_key(root);
        if (dup) st = trmn_error_set(err, TRM_E_FORMAT, "%s: task %s appears twice", path, dup);
        for (const cJSON *t = root->child; t && st == TRM_OK; t = t->next) {
            if (!*t->string) st = trmn_error_set(err, TRM_E_FORMAT, "%s: a task with an empty id", path);
            else st = add_task(set, t, path, t->string, err);
        }
    }
    cJSON_Delete(root);
    return st;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every regular "*.json" file of a directory (not starting with '.'), by name. */
static trm_status read_dir(trmn_arc_set *set, const char *dir, trm_error *err) {
    DIR *d = opendir(dir);
    if (!d) return trmn_error_set(err, TRM_E_INVALID, "%s: cannot read the directory (%s)", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    trm_status st = TRM_OK;
    for (struct dirent *e; st == TRM_OK && (e = readdir(d));) {
        const size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json")) continue;
        char *full = malloc(strlen(dir) + len + 2);
        if (!full) {
            st = trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", dir);
            break;
        }
        sprintf(full, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(full, &sb) || !S_ISREG(sb.st_mode)) {
            free(full);
            continue;
        }
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
            if (!more) {
                free(full);
                st = trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", dir);
                break;
            }
            names = more;
        }
        names[n++] = full;
    }
    closedir(d);
    if (st == TRM_OK && !n) st = trmn_error_set(err, TRM_E_INVALID, "%s: no *.json task files in the directory", dir);
    if (st == TRM_OK) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && st == TRM_OK; i++) {
        char id[256];
        task_id_of(names[i], id, sizeof id);
        cJSON *root;
        st = read_json(names[i], &root, err);
        if (st == TRM_OK) st = add_task(set, root, names[i], id, err);
        cJSON_Delete(root);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}

/* Fill the test outputs from a solutions file {"<id>": [grid, ...]}. */
static trm_status apply_solutions(trmn_arc_set *set, const char *path, trm_error *err) {
    cJSON *root;
    trm_status st = read_json(path, &root, err);
    if (st != TRM_OK) return st;
    const char *dup = NULL;
    if (!cJSON_IsObject(root))
        st = trmn_error_set(err, TRM_E_FORMAT, "%s: expected an object {\"<task id>\": [grid, ...], ...}, got %s", path,
                            json_kind(root));
    else if ((dup = duplicate_key(root)))
        st = trmn_error_set(err, TRM_E_FORMAT, "%s: task %s appears twice", path, dup);
    for (int t = 0; t < set->count && st == TRM_OK; t++) {
        trmn_arc_task *task = &set->tasks[t];
        const where w = {path, task->id};
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, task->id);
        if (!v) {
            st = trmn_error_set(err, TRM_E_FORMAT, "%s: no solutions for task %s", path, task->id);
            break;
        }
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != task->n_test) {
            st = trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: expected an array of %d grid%s (one per test input), got %s%s",
                                path, task->id, task->n_test, task->n_test == 1 ? "" : "s", json_kind(v),
                                cJSON_IsArray(v) ? " of another length" : "");
            break;
        }
        int i = 0;
        for (const cJSON *g = v->child; g && st == TRM_OK; g = g->next, i++) {
            char where_in[32];
            trm_arc_grid out;
            snprintf(where_in, sizeof where_in, "[%d]", i);
            st = read_grid(g, &w, where_in, &out, err);
            if (st != TRM_OK) break;
            trmn_arc_pair *p = &task->test[i];
            if (p->has_output && !(p->output.h == out.h && p->output.w == out.w &&
                                   !memcmp(p->output.cells, out.cells, (size_t)out.h * out.w)))
                st = trmn_error_set(err, TRM_E_FORMAT, "%s: task %s: [%d] differs from the task's own test[%d].output", path,
                                    task->id, i, i);
            p->output = out;
            p->has_output = 1;
        }
    }
    cJSON_Delete(root);
    if (st == TRM_OK) snprintf(set->solutions, sizeof set->solutions, "%s", path);
    return st;
}

trm_status trmn_arc_read(const char *path, const char *solutions, trmn_arc_set *set, trm_error *err) {
    memset(set, 0, sizeof *set);
    struct stat sb;
    if (stat(path, &sb)) return trmn_error_set(err, TRM_E_INVALID, "%s: cannot read (%s)", path, strerror(errno));
    trm_status st = S_ISDIR(sb.st_mode) ? read_dir(set, path, err) : read_file(set, path, err);
    char found[sizeof set->solutions];
    const size_t n = strlen(path), suffix = strlen("_challenges.json");
    if (st == TRM_OK && !solutions && !S_ISDIR(sb.st_mode) && n > suffix && !strcmp(path + n - suffix, "_challenges.json") &&
        n - suffix + strlen("_solutions.json") < sizeof found) {
        snprintf(found, sizeof found, "%.*s_solutions.json", (int)(n - suffix), path);
        if (!stat(found, &sb)) solutions = found;
    }
    if (st == TRM_OK && solutions) st = apply_solutions(set, solutions, err);
    if (st != TRM_OK) trmn_arc_free(set);
    return st;
}
