/* test_arc_eval.c: ARC-AGI evaluation in the native tools: the task readers (one file, a
 * directory, a combined challenges file with its solutions) and their named errors, the views
 * (identifiers.json, random augmentations), the evaluation against a by-hand solve of one view,
 * and trm-eval --arc on a tiny random ARC model (made by trm-info --init): JSON keys, views,
 * the submission file, unscored tasks, bad identifiers, interruption.
 *
 * Fixtures: tests/data/arc/ (four public ARC-AGI evaluation tasks, see its README). Runs the
 * binaries of the same build (<build dir>/bin) from the repository root.
 */
#include "tools_util.h"

#include "arc_eval.h"
#include "arc_tasks.h"
#include "arc_views.h"
#include "model_io.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const IDS[4] = {"00576224", "66e6c45b", "6ea4a07e", "be03b35f"}; /* sorted */
static const int N_TEST[4] = {1, 1, 2, 1};

/* The tiny ARC model: hidden 32, 1 layer, T 1, n 1, N_sup 2, one prefix position, 16 rows. */
static const char MODEL_CONFIG[] =
    "{\"model\": {\"task\": \"arc\", \"hidden_size\": 32, \"num_heads\": 4, \"expansion\": 2, \"L_layers\": 1,\n"
    "           \"H_cycles\": 1, \"L_cycles\": 1, \"halt_max_steps\": 2, \"puzzle_emb_len\": 1, \"puzzle_emb_ndim\": 32,\n"
    "           \"num_puzzle_identifiers\": 16, \"grid_height\": 30, \"grid_width\": 30}}\n";

static char path_buf[8][600];
static const char *tmp_path(int slot, const char *name) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", tu_tmp, name);
    return path_buf[slot];
}

/* <tmp>/<prefix>_challenges.json and (solutions != NULL) <solutions>: the four fixture tasks in the
 * official combined layout, test outputs moved to the solutions file. */
static void write_combined(const char *challenges, const char *solutions) {
    cJSON *all = cJSON_CreateObject(), *sols = cJSON_CreateObject();
    for (int i = 3; i >= 0; i--) { /* not in id order: the file's order counts */
        char file[200];
        snprintf(file, sizeof file, "tests/data/arc/%s.json", IDS[i]);
        char *text = tu_read(file, NULL);
        cJSON *task = text ? cJSON_Parse(text) : NULL;
        free(text);
        CHECK(task != NULL, "cannot read %s", file);
        if (!task) continue;
        cJSON *outs = cJSON_CreateArray();
        for (cJSON *p = cJSON_GetObjectItem(task, "test")->child; p; p = p->next)
            cJSON_AddItemToArray(outs, cJSON_DetachItemFromObject(p, "output"));
        cJSON_AddItemToObject(all, IDS[i], task);
        cJSON_AddItemToObject(sols, IDS[i], outs);
    }
    char *a = cJSON_PrintUnformatted(all), *s = cJSON_PrintUnformatted(sols);
    tu_write(challenges, a);
    if (solutions) tu_write(solutions, s);
    free(a), free(s);
    cJSON_Delete(all), cJSON_Delete(sols);
}

/* ------------------------------------------------------------------------------------------ */
/* Readers                                                                                     */

static void check_layouts(void) {
    trmn_arc_set set;
    trm_error e;
    /* a directory (README.md is skipped), sorted by name */
    CHECK(trmn_arc_read("tests/data/arc", NULL, &set, &e) == TRM_OK, "directory: %s", e.msg);
    CHECK(set.count == 4, "directory: %d tasks", set.count);
    for (int i = 0; i < set.count && i < 4; i++) {
        CHECK(!strcmp(set.tasks[i].id, IDS[i]) && set.tasks[i].n_test == N_TEST[i] && trmn_arc_task_scored(&set.tasks[i]),
              "directory task %d: %s, %d test inputs", i, set.tasks[i].id, set.tasks[i].n_test);
    }
    if (set.count == 4) { /* 00576224: train[0] 2x2 -> 6x6, test output [[3, 2, 3, 2, 3, 2], ...] */
        const trmn_arc_task *t = &set.tasks[0];
        CHECK(t->n_train == 2 && t->train[0].input.h == 2 && t->train[0].input.w == 2 && t->train[0].output.h == 6 &&
              t->train[0].output.w == 6 && t->train[0].input.cells[1] == 6 && t->test[0].output.cells[0] == 3 &&
              t->test[0].output.cells[6] == 7, "00576224's grids read wrongly");
        CHECK(set.tasks[3].test[0].output.h == 2 && set.tasks[3].test[0].output.w == 2, "be03b35f's output is 2x2");
    }
    trmn_arc_free(&set);
    /* one task file: the id is the file name */
    CHECK(trmn_arc_read("tests/data/arc/6ea4a07e.json", NULL, &set, &e) == TRM_OK, "one file: %s", e.msg);
    CHECK(set.count == 1 && !strcmp(set.tasks[0].id, "6ea4a07e") && set.tasks[0].n_train == 6 && set.tasks[0].n_test == 2,
          "one file: the task 6ea4a07e with 6 train pairs and 2 test inputs");
    trmn_arc_free(&set);
    /* combined challenges + solutions found next to them; explicit; missing */
    const char *ch = tmp_path(0, "arc-agi_evaluation_challenges.json"), *so = tmp_path(1, "arc-agi_evaluation_solutions.json");
    write_combined(ch, so);
    CHECK(trmn_arc_read(ch, NULL, &set, &e) == TRM_OK, "combined: %s", e.msg);
    CHECK(set.count == 4 && !strcmp(set.tasks[0].id, IDS[3]) && !strcmp(set.tasks[3].id, IDS[0]) && !strcmp(set.solutions, so),
          "combined: 4 tasks in file order, solutions %s found", set.solutions);
    for (int i = 0; i < set.count; i++) CHECK(trmn_arc_task_scored(&set.tasks[i]), "combined task %d has its outputs", i);
    trmn_arc_free(&set);
    const char *ch2 = tmp_path(2, "other.json");
    write_combined(ch2, NULL);
    CHECK(trmn_arc_read(ch2, NULL, &set, &e) == TRM_OK && set.count == 4 && !set.solutions[0], "combined alone: %s", e.msg);
    for (int i = 0; i < set.count; i++)
        CHECK(!trmn_arc_task_scored(&set.tasks[i]) && !set.tasks[i].test[0].has_output, "combined alone: no outputs");
    trmn_arc_free(&set);
    CHECK(trmn_arc_read(ch2, so, &set, &e) == TRM_OK && trmn_arc_task_scored(&set.tasks[2]), "--solutions: %s", e.msg);
    trmn_arc_free(&set);
    /* other task keys are ignored (9 public evaluation tasks have "name"); a test output may be missing */
    const char *named = tmp_path(3, "named.json");
    tu_write(named, "{\"name\": \"x\", \"train\": [], \"test\": [{\"input\": [[1, 2]]}]}");
    CHECK(trmn_arc_read(named, NULL, &set, &e) == TRM_OK && set.count == 1 && !strcmp(set.tasks[0].id, "named") &&
          set.tasks[0].n_train == 0 && !set.tasks[0].test[0].has_output && set.tasks[0].test[0].input.w == 2,
          "a task with a name key and no test output: %s", e.msg);
    trmn_arc_free(&set);
    /* solutions given for task files that have their outputs: equal is fine */
    CHECK(trmn_arc_read("tests/data/arc", so, &set, &e) == TRM_OK && set.count == 4, "directory + solutions: %s", e.msg);
    trmn_arc_free(&set);
}

/* Each bad input fails with TRM_E_FORMAT (or _INVALID for paths) and a message naming the place. */
static void check_errors(void) {
    static const struct { const char *json, *fragment; } cases[] = {
        {"{\"train\": [], \"test\": [{\"input\": [[1, 2], [3]]}]}", "test[0].input: row 1 has 1 columns, row 0 has 2"},
        {"{\"train\": [], \"test\": [{\"input\": [[1, 10]]}]}", "test[0].input[0][1]: 10 is not a colour (0..9)"},
        {"{\"train\": [], \"test\": [{\"input\": [[1, -1]]}]}", "test[0].input[0][1]: -1 is not a colour"},
        {"{\"train\": [], \"test\": [{\"input\": [[1.5]]}]}", "[0][0]: 1.5 is not a colour"},
        {"{\"train\": [], \"test\": [{\"input\": [[\"3\"]]}]}", "test[0].input[0][0]: expected a colour 0..9, got a string"},
        {"{\"train\": [], \"test\": [{\"input\": [[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]}]}",
         "test[0].input[0]: 31 columns (a row has 1 to 30)"},
        {"{\"train\": [], \"test\": [{\"input\": [[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],"
         "[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0],[0]]}]}", "test[0].input: 31 rows (a grid has 1 to 30)"},
        {"{\"train\": [], \"test\": [{\"input\": []}]}", "test[0].input: 0 rows"},
        {"{\"train\": [], \"test\": [{\"input\": [[]]}]}", "test[0].input[0]: 0 columns"},
        {"{\"train\": [{\"input\": [[1]], \"output\": [[1]]}]}", "no \"test\" array"},
        {"{\"train\": [], \"test\": []}", "\"test\" is empty"},
        {"{\"train\": [{\"input\": [[1]]}], \"test\": [{\"input\": [[1]]}]}", "train[0]: no \"output\""},
        {"{\"train\": [], \"test\": [{\"input\": [[1]], \"ouptut\": [[1]]}]}", "test[0]: unknown key \"ouptut\""},
        {"{\"train\": [], \"test\": [{\"input\": [[1]]}], \"test\": []}", "key \"test\" appears twice"},
        {"{\"train\": [], \"test\": [{\"input\": [1, 2]}]}", "test[0].input[0]: expected a row (an array of colours), got a number"},
        {"{\"train\": [],\n \"test\": [{\"input\": [[1]}]}", "bad.json:2:"},
        {"{\"abc\": {\"train\": [], \"test\": [{\"input\": [[1, 2], [3]]}]}}", "task abc: test[0].input: row 1"},
        {"{\"abc\": {\"train\": [], \"test\": [{\"input\": [[1]]}]}, \"abc\": {}}", "task abc appears twice"},
        {"{\"abc\": [1]}", "task abc: expected an object"},
        {"{}", "no tasks"},
        {"[1]", "expected a task"},
    };
    const char *bad = tmp_path(3, "bad.json");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trmn_arc_set set;
        trm_error e = {0};
        tu_write(bad, cases[i].json);
        const trm_status st = trmn_arc_read(bad, NULL, &set, &e);
        CHECK(st == TRM_E_FORMAT && strstr(e.msg, cases[i].fragment) && strstr(e.msg, "bad.json"),
              "case %zu: status %d, message \"%s\", expected \"%s\"", i, (int)st, e.msg, cases[i].fragment);
        CHECK(set.count == 0 && set.tasks == NULL, "case %zu: a failed read leaves nothing", i);
    }
    /* solutions that do not fit */
    const char *good = tmp_path(4, "good.json"), *sol = tmp_path(5, "sol.json");
    tu_write(good, "{\"abc\": {\"train\": [], \"test\": [{\"input\": [[1]]}, {\"input\": [[2]]}]}}");
    static const struct { const char *json, *fragment; } sols[] = {
        {"{\"xyz\": [[[1]], [[2]]]}", "no solutions for task abc"},
        {"{\"abc\": [[[1]]]}", "task abc: expected an array of 2 grids"},
        {"{\"abc\": [[[1]], [[2, 11]]]}", "task abc: [1][0][1]: 11 is not a colour"},
        {"{\"abc\": [[[1]], [[2]]], \"abc\": []}", "task abc appears twice"},
    };
    for (size_t i = 0; i < sizeof sols / sizeof sols[0]; i++) {
        trmn_arc_set set;
        trm_error e = {0};
        tu_write(sol, sols[i].json);
        const trm_status st = trmn_arc_read(good, sol, &set, &e);
        CHECK(st == TRM_E_FORMAT && strstr(e.msg, sols[i].fragment) && strstr(e.msg, "sol.json"),
              "solutions case %zu: status %d, message \"%s\", expected \"%s\"", i, (int)st, e.msg, sols[i].fragment);
    }
    trmn_arc_set set;
    trm_error e = {0};
    tu_write(sol, "{\"66e6c45b\": [[[1]]], \"00576224\": [[[1]]], \"6ea4a07e\": [[[1]], [[1]]], \"be03b35f\": [[[1]]]}");
    CHECK(trmn_arc_read("tests/data/arc", sol, &set, &e) == TRM_E_FORMAT && strstr(e.msg, "differs from the task's own test[0].output"),
          "solutions that contradict a task file: %s", e.msg);
    CHECK(trmn_arc_read(tmp_path(6, "nothing-here"), NULL, &set, &e) == TRM_E_INVALID && strstr(e.msg, "nothing-here"),
          "missing path: %s", e.msg);
    tu_run("mkdir -p %s/empty && touch %s/empty/notes.txt", tu_tmp, tu_tmp);
    CHECK(trmn_arc_read(tmp_path(6, "empty"), NULL, &set, &e) == TRM_E_INVALID && strstr(e.msg, "no *.json task files"),
          "empty directory: %s", e.msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Views                                                                                       */

static void check_views(void) {
    trmn_arc_identifiers ids;
    trm_error e = {0};
    const char *path = tmp_path(3, "identifiers.json");
    tu_write(path, "[\"<blank>\", \"abc\", \"xyz|||t1|||0123456789\", \"abc|||t3|||0481326597\", \"abcd\", \"abc|||t7|||0987654321\"]");
    CHECK(trmn_arc_identifiers_read(path, &ids, &e) == TRM_OK && ids.count == 6 && ids.n_rows == 5, "identifiers: %s", e.msg);
    trmn_arc_view *v = NULL;
    int n = 0;
    CHECK(trmn_arc_identifiers_views(&ids, "abc", 6, &v, &n, &e) == TRM_OK && n == 3, "abc has 3 views: %s", e.msg);
    if (n == 3) {
        trm_arc_aug id;
        trm_arc_aug_identity(&id);
        CHECK(v[0].puzzle_id == 1 && v[1].puzzle_id == 3 && v[2].puzzle_id == 5, "views in row order");
        CHECK(v[0].aug.dihedral == 0 && !memcmp(v[0].aug.colours, id.colours, 10), "the plain id is the identity");
        CHECK(v[1].aug.dihedral == 3 && v[1].aug.colours[1] == 4 && v[1].aug.colours[9] == 7, "row 3's augmentation");
        CHECK(v[2].aug.dihedral == 7 && v[2].aug.colours[1] == 9, "row 5's augmentation");
    }
    free(v);
    CHECK(trmn_arc_identifiers_views(&ids, "abc", 5, &v, &n, &e) == TRM_E_INVALID && strstr(e.msg, "row 5") &&
          strstr(e.msg, "5 puzzle identifiers"), "a row beyond the model: %s", e.msg);
    CHECK(trmn_arc_identifiers_views(&ids, "ab", 6, &v, &n, &e) == TRM_E_INVALID && strstr(e.msg, "no puzzle named ab"),
          "a task without rows: %s", e.msg);
    trmn_arc_identifiers_free(&ids);
    static const struct { const char *json, *fragment; } bad[] = {
        {"[\"<blank>\", \"abc\", \"abc|||t9|||0123456789\"]", "row 2 (\"abc|||t9|||0123456789\")"},
        {"[\"<blank>\", \"abc|||t1|||0123\"]", "row 1 (\"abc|||t1|||0123\")"},
        {"[\"<blank>\", \"abc|||t1|||1023456789\"]", "row 1"},
        {"[\"<blank>\", \"|||t1|||0123456789\"]", "row 1 (\"|||t1|||0123456789\"): no task id"},
        {"[\"<blank>\", 5]", "row 1: expected a puzzle name"},
        {"{\"a\": 1}", "expected a non-empty array"},
        {"[\"<blank>\",\n \"abc\"", "identifiers.json:2:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_write(path, bad[i].json);
        const trm_status st = trmn_arc_identifiers_read(path, &ids, &e);
        CHECK(st == TRM_E_FORMAT && strstr(e.msg, bad[i].fragment), "identifiers case %zu: %d \"%s\", expected \"%s\"", i, (int)st,
              e.msg, bad[i].fragment);
    }
    /* random views: the identity first, then distinct non-identity augmentations, by seed */
    trmn_arc_view r[64], r2[64];
    CHECK(trmn_arc_random_views(64, 7, r, &e) == TRM_OK && trmn_arc_random_views(64, 7, r2, &e) == TRM_OK, "random views");
    for (int i = 0; i < 64; i++)
        CHECK(r[i].puzzle_id == r2[i].puzzle_id && trm_arc_aug_id(&r[i].aug) == trm_arc_aug_id(&r2[i].aug),
              "random view %d repeats with the seed", i);
    CHECK(trm_arc_aug_id(&r[0].aug) == 0, "view 0 is the identity");
    for (int i = 1; i < 64; i++) {
        CHECK(r[i].puzzle_id == 0 && trm_arc_aug_id(&r[i].aug) > 0, "view %d: row 0, not the identity", i);
        for (int j = 1; j < i; j++) CHECK(trm_arc_aug_id(&r[i].aug) != trm_arc_aug_id(&r[j].aug), "views %d and %d equal", i, j);
    }
    CHECK(trmn_arc_random_views(0, 7, r, &e) == TRM_E_INVALID, "0 random views");
}

/* ------------------------------------------------------------------------------------------ */
/* The evaluation, in process                                                                  */

/* One view solved by hand (encode, solve, crop, un-augment) equals what trmn_arc_evaluate keeps;
 * batch sizes do not change answers; a label equal to the answer ranks first. */
static void check_engine(const char *model_path) {
    trm_error e;
    trm_model *m = trmn_load_model_file(model_path, &e);
    CHECK(m != NULL, "load %s: %s", model_path, e.msg);
    if (!m) return;
    trmn_arc_set set;
    CHECK(trmn_arc_read("tests/data/arc", NULL, &set, &e) == TRM_OK, "%s", e.msg);
    /* by hand: task 6ea4a07e's second test input through augmentation 12345 on puzzle row 3 */
    trmn_arc_view view = {3, {0}};
    CHECK(trm_arc_aug_from_id(12345, &view.aug, &e) == TRM_OK, "%s", e.msg);
    const trmn_arc_task *task = &set.tasks[2];
    trm_arc_grid g, crop, want;
    uint8_t canvas[TRM_ARC_CELLS], out[TRM_ARC_CELLS];
    trm_arc_augment(&task->test[1].input, &view.aug, 0, &g, &e);
    trm_arc_encode(&g, 0, 0, canvas, &e);
    trm_solver *s = trm_solver_create(m, 1, &e);
    trm_solver_reset(s, canvas, &view.puzzle_id, 1, &e);
    const trm_config *c = trm_model_config(m);
    for (int p = 0; p < c->halt_max_steps * c->H_cycles; p++) trm_solver_pass(s);
    trm_solver_read(s, out, NULL);
    const double q = 1.0 / (1.0 + exp(-(double)trm_solver_halt_logit(s, 0)));
    trm_solver_free(s);
    trm_arc_crop(out, &crop);
    trm_arc_augment(&crop, &view.aug, 1, &want, &e);
    printf("by hand: view answer %dx%d, q %.6f\n", want.h, want.w, q);

    const trmn_arc_view *views[4] = {&view, &view, &view, &view};
    const int n_views[4] = {1, 1, 1, 1};
    trmn_arc_answer ans[5];
    trmn_arc_eval_options o = {.steps = c->halt_max_steps, .batch = 3, .views = views, .n_views = n_views};
    int done;
    long passes;
    CHECK(trmn_arc_evaluate(m, set.tasks, 4, &o, ans, &done, &passes, &e) == TRM_OK, "evaluate: %s", e.msg);
    CHECK(done == 4 && passes == 2L * c->halt_max_steps * c->H_cycles, "4 tasks done in 2 batches of 3: %d, %ld passes", done,
          passes);
    CHECK(trm_arc_grid_equal(&ans[3].attempt[0], &want) && trm_arc_grid_equal(&ans[3].attempt[1], &want) &&
          ans[3].mean_q[0] == q && ans[3].votes[0] == 1 && ans[3].distinct == 1 && ans[3].views == 1,
          "the evaluation's answer for 6ea4a07e test[1] differs from the view solved by hand");
    /* batch 1 and 5 give the same answers (views of several tasks share batches) */
    trmn_arc_answer ans1[5];
    o.batch = 1;
    CHECK(trmn_arc_evaluate(m, set.tasks, 4, &o, ans1, &done, &passes, &e) == TRM_OK, "%s", e.msg);
    for (int i = 0; i < 5; i++)
        CHECK(trm_arc_grid_equal(&ans[i].attempt[0], &ans1[i].attempt[0]) && ans[i].mean_q[0] == ans1[i].mean_q[0],
              "answer %d: batch 1 and 3 differ", i);
    /* a label equal to the answer ranks first; the official label does not (a random model) */
    set.tasks[2].test[1].output = want;
    CHECK(trmn_arc_evaluate(m, set.tasks, 4, &o, ans1, &done, &passes, &e) == TRM_OK, "%s", e.msg);
    CHECK(ans1[3].rank == 1 && ans1[2].rank == 0, "ranks %d %d, expected 1 0", ans1[3].rank, ans1[2].rank);
    /* early halting runs and keeps at most the steps */
    o.early_halt = 1;
    CHECK(trmn_arc_evaluate(m, set.tasks, 4, &o, ans1, &done, &passes, &e) == TRM_OK && done == 4 &&
          passes <= 5L * c->halt_max_steps * c->H_cycles, "early halt: %s", e.msg);
    /* cancelled before the first step: nothing done */
    volatile sig_atomic_t stop = 1;
    o.cancel = &stop;
    CHECK(trmn_arc_evaluate(m, set.tasks, 4, &o, ans1, &done, &passes, &e) == TRM_OK && done == 0 && passes == 0, "cancel");
    trmn_arc_free(&set);
    trm_model_free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* trm-eval --arc                                                                              */

/* The JSON object of the last run (stderr's notes come first in tu_out). */
static cJSON *json_out(const char *what) {
    const char *brace = strchr(tu_out, '{');
    cJSON *j = brace ? cJSON_Parse(brace) : NULL;
    CHECK(j != NULL, "%s: stdout is not one JSON object:\n%s", what, tu_out);
    return j;
}

static double num(const cJSON *j, const char *key) {
    const cJSON *v = cJSON_GetObjectItem(j, key);
    CHECK(cJSON_IsNumber(v), "JSON key %s missing or not a number", key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A submission {"<id>": [{"attempt_1": grid, "attempt_2": grid}, ...]} of the given tasks. */
static void check_submission(const char *path, const char *const *ids, const int *n_test, int n) {
    char *text = tu_read(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(cJSON_IsObject(j) && cJSON_GetArraySize(j) == n, "submission %s: an object of %d tasks:\n%.300s", path, n,
          text ? text : "(missing)");
    for (int i = 0; j && i < n; i++) {
        const cJSON *a = cJSON_GetObjectItem(j, ids[i]);
        CHECK(cJSON_IsArray(a) && cJSON_GetArraySize(a) == n_test[i], "submission: task %s has %d entries", ids[i], n_test[i]);
        for (const cJSON *p = a ? a->child : NULL; p; p = p->next) {
            CHECK(cJSON_GetArraySize(p) == 2, "submission: two attempts per test input");
            for (int k = 1; k <= 2; k++) {
                char key[16];
                snprintf(key, sizeof key, "attempt_%d", k);
                const cJSON *g = cJSON_GetObjectItem(p, key);
                int ok = cJSON_IsArray(g) && cJSON_GetArraySize(g) <= 30;
                const int w = g && g->child ? cJSON_GetArraySize(g->child) : 0;
                for (const cJSON *row = g ? g->child : NULL; ok && row; row = row->next) {
                    ok = cJSON_IsArray(row) && cJSON_GetArraySize(row) == w && w >= 1 && w <= 30;
                    for (const cJSON *x = row->child; ok && x; x = x->next) ok = cJSON_IsNumber(x) && x->valueint >= 0 && x->valueint <= 9;
                }
                CHECK(ok, "submission: task %s %s is not a grid of colours", ids[i], key);
            }
        }
    }
    cJSON_Delete(j);
    free(text);
}

static void check_tool(const char *model) {
    const char *sub = tmp_path(4, "submission.json");
    /* identity only */
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --json --threads 2", tu_bin, model), 0, "\"pass@1\"", "arc --json");
    cJSON *j = json_out("arc --json");
    static const char *const keys[] = {"pass@1", "pass@2", "pass@5", "pass@10", "pass@100", "pass@1000", "seconds",
                                       "seconds_per_task", "seconds_per_pass", "passes", "views_per_input"};
    for (size_t k = 0; j && k < sizeof keys / sizeof keys[0]; k++) {
        const double v = num(j, keys[k]);
        CHECK(v >= 0 && (strncmp(keys[k], "pass@", 5) || v <= 1), "%s = %g", keys[k], v);
    }
    CHECK(j && num(j, "tasks") == 4 && num(j, "scored_tasks") == 4 && num(j, "test_pairs") == 5 && num(j, "views") == 5 &&
          num(j, "steps") == 2 && cJSON_IsFalse(cJSON_GetObjectItem(j, "interrupted")), "arc --json counts:\n%s", tu_out);
    cJSON_Delete(j);
    /* 8 views, a submission */
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --augmentations 8 --seed 3 --batch 16 --json --submission %s",
                     tu_bin, model, sub), 0, "\"views\": 40", "arc --augmentations 8");
    j = json_out("arc --augmentations 8");
    CHECK(j && num(j, "views_per_input") == 8 && num(j, "passes") == 3 * 2, "8 views: 40 views in 3 batches:\n%s", tu_out);
    CHECK(j && num(j, "pass@1") <= num(j, "pass@2") && num(j, "pass@2") <= num(j, "pass@1000"), "pass@k grows with k");
    cJSON_Delete(j);
    check_submission(sub, IDS, N_TEST, 4);
    /* the human table */
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc/6ea4a07e.json --augmentations 3 --early-halt", tu_bin, model), 0,
              "pass@1000", "arc table");
    CHECK(strstr(tu_out, "s/task") && strstr(tu_out, "s/pass") && strstr(tu_out, "2 test inputs"), "arc table:\n%s", tu_out);
    /* identifiers.json: the views are each task's rows (1 + its index: 1, 2, 3, 4 -> 1 + 2 + 6 + 4 = 13) */
    const char *ids = tmp_path(5, "identifiers.json");
    tu_write(ids, "[\"<blank>\", \"00576224\", \"66e6c45b\", \"66e6c45b|||t1|||0123456789\", \"6ea4a07e\", "
                  "\"6ea4a07e|||t2|||0213456789\", \"6ea4a07e|||t5|||0987654321\", \"be03b35f\", \"be03b35f|||t3|||0123456798\", "
                  "\"be03b35f|||t4|||0123456789\", \"be03b35f|||t7|||0912345678\", \"other|||t1|||0123456789\"]");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --identifiers %s --json", tu_bin, model, ids), 0, "\"views\": 13",
              "arc --identifiers");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --identifiers %s --augmentations 2", tu_bin, model, ids), 2,
              "exclude each other", "--identifiers with --augmentations");
    tu_write(ids, "[\"<blank>\", \"00576224\", \"66e6c45b\", \"6ea4a07e\", \"be03b35f|||t8|||0123456789\"]");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --identifiers %s", tu_bin, model, ids), 1, "row 4",
              "bad identifiers row");
    tu_write(ids, "[\"<blank>\", \"00576224\", \"66e6c45b\", \"6ea4a07e\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", "
                  "\"x\", \"x\", \"x\", \"x\", \"be03b35f\"]");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --identifiers %s", tu_bin, model, ids), 1,
              "row 16 (task be03b35f) is beyond the model's 16 puzzle identifiers", "identifiers row beyond the model");
    tu_write(ids, "[\"<blank>\", \"00576224\"]");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --identifiers %s", tu_bin, model, ids), 1,
              "no puzzle named 66e6c45b", "identifiers without a task");
    /* a challenges file without solutions: answered, not scored */
    const char *ch = tmp_path(6, "test_challenges.json");
    write_combined(ch, NULL);
    tu_expect(tu_run("%s/trm-eval --model %s --arc %s --limit 3 --json --submission %s", tu_bin, model, ch, sub), 0,
              "\"pass@1\": null", "arc without outputs");
    j = json_out("arc without outputs");
    CHECK(j && num(j, "tasks") == 3 && num(j, "scored_tasks") == 0, "without outputs: 3 tasks, none scored:\n%s", tu_out);
    cJSON_Delete(j);
    static const char *const rev[3] = {"be03b35f", "6ea4a07e", "66e6c45b"};
    static const int rev_test[3] = {1, 2, 1};
    check_submission(sub, rev, rev_test, 3);
    tu_expect(tu_run("%s/trm-eval --model %s --arc %s", tu_bin, model, ch), 0, "not scored", "arc table without outputs");
    /* errors */
    tu_expect(tu_run("%s/trm-eval --model tests/data/maze6_tiny.safetensors --arc tests/data/arc", tu_bin), 1, "task 'maze'",
              "a maze model");
    tu_write(tmp_path(7, "ragged.json"), "{\"train\": [], \"test\": [{\"input\": [[1, 2], [3]]}]}");
    tu_expect(tu_run("%s/trm-eval --model %s --arc %s", tu_bin, model, path_buf[7]), 1,
              "ragged.json: task ragged: test[0].input: row 1 has 1 columns, row 0 has 2", "a ragged grid");
    tu_expect(tu_run("%s/trm-eval --arc --help", tu_bin), 0, "--identifiers FILE", "arc --help");
    tu_expect(tu_run("%s/trm-eval --help", tu_bin), 0, "--arc TASKS", "eval --help mentions --arc");
    tu_expect(tu_run("%s/trm-eval --model %s --arc tests/data/arc --augmentations 0", tu_bin, model), 2, "--augmentations '0'",
              "bad --augmentations");
    tu_expect(tu_run("%s/trm-eval --model %s --arc", tu_bin, model), 2, "--arc needs a value", "--arc without a value");
    /* Ctrl-C: the tasks done are reported, exit status 130 */
    const int rc = tu_run("%s/trm-eval --model %s --arc tests/data/arc --augmentations 5000 --batch 8 --threads 1 --json "
                          "--submission %s & pid=$!; sleep 1.5; kill -INT $pid; wait $pid", tu_bin, model, sub);
    CHECK(rc == 130, "interrupted: exit status %d, expected 130:\n%s", rc, tu_out);
    j = strchr(tu_out, '{') ? cJSON_Parse(strchr(tu_out, '{')) : NULL;
    CHECK(j && cJSON_IsTrue(cJSON_GetObjectItem(j, "interrupted")) && num(j, "tasks") < 4, "interrupted run's JSON:\n%s", tu_out);
    cJSON_Delete(j);
}

int main(int argc, char **argv) {
    (void)argc;
    if (tu_init(argv[0], "test_arc_eval")) return 1;
    check_layouts();
    check_errors();
    check_views();
    const char *cfg = tmp_path(0, "arc-tiny.json"), *model = tmp_path(1, "arc-tiny.safetensors");
    tu_write(cfg, MODEL_CONFIG);
    tu_expect(tu_run("%s/trm-info --init %s --seed 5 --out %s", tu_bin, cfg, model), 0, "task arc", "trm-info --init");
    tu_expect(tu_run("%s/trm-info --init %s --out %s", tu_bin, cfg, tmp_path(2, "x.safetensors")), 0, NULL, "--init again");
    CHECK(!tu_same_file(path_buf[1], path_buf[2]), "--seed 5 and the config's seed 0 give different models");
    tu_expect(tu_run("%s/trm-info --model %s", tu_bin, model), 0, "30 x 30", "trm-info on the initialised model");
    tu_write(tmp_path(3, "nogrid.json"), "{\"model\": {\"task\": \"arc\"}}");
    tu_expect(tu_run("%s/trm-info --init %s --out %s/y.safetensors", tu_bin, path_buf[3], tu_tmp), 1, "model.grid_height",
              "--init without a grid");
    tu_expect(tu_run("%s/trm-info --init %s", tu_bin, cfg), 2, "--out", "--init without --out");
    tu_expect(tu_run("%s/trm-train --config %s --out %s/train", tu_bin, cfg, tu_tmp), 1, "trm-eval --arc",
              "trm-train refuses ARC and says what to do instead");
    check_engine(model);
    check_tool(model);
    return tu_done();
}
