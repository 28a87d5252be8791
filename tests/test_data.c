/* test_data.c: the generator's training stream (native/data.c) with long-path oversampling
 * (data.generator.long_fraction / long_min_path):
 *  - without it, training maze k is maze k of the generator seed, as before;
 *  - with it, about long_fraction of the mazes have a shortest path >= long_min_path, the others
 *    keep the base minimum, and the 256 held-out mazes are the base distribution's;
 *  - the share is far from what the base distribution gives by itself, so the test fails when
 *    the option is ignored;
 *  - with augmentation (data.augment), every training label is the tie rule's path of its
 *    transformed question (trm_maze_solve), including mazes with several shortest paths, whose
 *    transformed label is another path (counted, so the test fails when relabelling is dropped);
 *  - the training config's model object applies "task" before its other keys ("charset"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "maze.h"
#include "train_config.h"

enum { N = 400, SIDE = 8, BASE_MIN = 8, LONG_MIN = 12 };

/* Moves of the labelled path: its 'o' cells plus one. */
static int path_moves(const uint8_t *label) {
    int n = 0;
    for (int i = 0; i < SIDE * SIDE; i++) n += label[i] == TRM_MAZE_PATH;
    return n + 1;
}

static trmn_data *open_json(const char *generator_extra, const char *unique, const char *augment, trm_error *err) {
    char json[512];
    snprintf(json, sizeof json,
             "{\"data\": {\"generator\": {\"height\": %d, \"width\": %d, \"min_path\": %d, \"unique\": %s, "
             "\"seed\": 5%s}, \"test_count\": 64, \"augment\": %s}, \"train\": {\"total_steps\": 10}}",
             SIDE, SIDE, BASE_MIN, unique, generator_extra, augment);
    trmn_run_config c;
    trmn_run_config_default(&c);
    if (trmn_run_config_parse(&c, json, strlen(json), "test", err)) return NULL;
    return trmn_data_open(&c, err);
}

static trmn_data *open_with(const char *generator_extra, trm_error *err) {
    return open_json(generator_extra, "true", "false", err);
}

/* Augmented mazes with several shortest paths: the stream without augmentation gives each
 * maze's untransformed form; the transform is found by matching questions. */
static void check_augmented_labels(void *ws) {
    enum { G = SIDE * SIDE };
    static uint8_t q[N * G], l[N * G], q0[N * G], l0[N * G];
    trm_error err = {TRM_OK, ""};
    trmn_data *plain = open_json("", "false", "false", &err), *aug = open_json("", "false", "true", &err);
    CHECK(plain && aug, "open (augment): %s", err.msg);
    if (!plain || !aug) return;
    CHECK(trmn_data_fill(plain, NULL, N, q0, l0, &err) == 0, "fill: %s", err.msg);
    CHECK(trmn_data_fill(aug, NULL, N, q, l, &err) == 0, "fill (augment): %s", err.msg);
    int rule = 1, matched = 1, moved = 0, relabelled = 0;
    for (int k = 0; k < N; k++) {
        uint8_t want[G], t[G], tl[G];
        trm_error e;
        rule &= trm_maze_solve(q + k * G, SIDE, SIDE, want, NULL, ws, &e) == TRM_OK && !memcmp(want, l + k * G, G);
        int tid = -1;
        for (int i = 0; i < 8 && tid < 0; i++) {
            trm_maze_dihedral(q0 + k * G, SIDE, SIDE, i, t, NULL, NULL);
            if (!memcmp(t, q + k * G, G)) tid = i;
        }
        matched &= tid >= 0;
        if (tid <= 0) continue;
        moved++;
        trm_maze_dihedral(l0 + k * G, SIDE, SIDE, tid, tl, NULL, NULL);
        relabelled += memcmp(tl, l + k * G, G) != 0;
    }
    printf("augmented, several shortest paths allowed: %d of %d mazes transformed, %d relabelled by the tie rule\n",
           moved, N, relabelled);
    CHECK(matched, "each augmented maze must be a dihedral transform of the same maze without augmentation");
    CHECK(rule, "each augmented label must be the tie rule's path of its (transformed) question");
    CHECK(moved > N / 2 && relabelled > 0, "the test needs transformed mazes whose moved path is not the rule's");
    trmn_data_free(plain);
    trmn_data_free(aug);
}

/* The model object's "task" is applied before its other keys, so "charset" is checked against
 * the task the config names wherever the two keys stand (as model files are read): a charset
 * before an unknown task fails on the task, not on the charset checked against the default. */
static void check_model_task_first(void) {
    char json[256];
    trmn_run_config c;
    trm_error err = {TRM_OK, ""};
    snprintf(json, sizeof json, "{\"model\": {\"charset\": \"%s\", \"task\": \"maze\"}}", TRM_MAZE_CHARSET);
    trmn_run_config_default(&c);
    CHECK(trmn_run_config_parse(&c, json, strlen(json), "test", &err) == TRM_OK, "charset before task: %s", err.msg);
    static const char bad[] = "{\"model\": {\"charset\": \"0123456789\", \"task\": \"no-such-task\"}}";
    trmn_run_config_default(&c);
    CHECK(trmn_run_config_parse(&c, bad, strlen(bad), "test", &err) != TRM_OK && strstr(err.msg, "model.task") &&
              strstr(err.msg, "no-such-task"),
          "a charset before an unknown task must fail on model.task (the task is applied first): %s", err.msg);
    static const char bad_type[] = "{\"model\": {\"charset\": \"x\", \"task\": 3}}";
    trmn_run_config_default(&c);
    CHECK(trmn_run_config_parse(&c, bad_type, strlen(bad_type), "test", &err) != TRM_OK,
          "a task that is not a string must fail: %s", err.msg);
}

int main(void) {
    check_model_task_first();
    static uint8_t q[N * SIDE * SIDE], l[N * SIDE * SIDE], q0[N * SIDE * SIDE], l0[N * SIDE * SIDE];
    trm_error err = {TRM_OK, ""};
    /* base stream: maze k of seed 5 (no test maze collides at this size and count: checked below) */
    trmn_data *d = open_with("", &err);
    CHECK(d != NULL, "open: %s", err.msg);
    if (!d) return 1;
    CHECK(trmn_data_fill(d, NULL, N, q0, l0, &err) == 0, "fill: %s", err.msg);
    const uint8_t *held0 = trmn_data_test_labels(d);
    uint8_t *held = malloc(64 * SIDE * SIDE);
    memcpy(held, held0, 64 * SIDE * SIDE);
    CHECK(trmn_data_skipped(d) == 0, "a training maze equals a held-out one; choose another seed for this test");
    trm_maze_options o;
    trm_maze_options_default(&o, SIDE, SIDE);
    o.min_path = BASE_MIN;
    o.unique = 1;
    void *ws = malloc(trm_maze_workspace_bytes(SIDE, SIDE));
    int same = 1, base_long = 0;
    for (int k = 0; k < N; k++) {
        uint8_t mq[SIDE * SIDE], ml[SIDE * SIDE];
        trm_error e;
        trm_maze_generate(&o, 5, (uint64_t)k, mq, ml, NULL, ws, &e);
        same &= !memcmp(mq, q0 + k * SIDE * SIDE, sizeof mq) && !memcmp(ml, l0 + k * SIDE * SIDE, sizeof ml);
        base_long += path_moves(l0 + k * SIDE * SIDE) >= LONG_MIN;
    }
    CHECK(same, "without long_fraction, training maze k must be maze k of the seed");
    trmn_data_free(d);

    /* oversampled stream */
    d = open_with(", \"long_fraction\": 0.5, \"long_min_path\": 12", &err);
    CHECK(d != NULL, "open with long_fraction: %s", err.msg);
    if (!d) return 1;
    CHECK(trmn_data_fill(d, NULL, N, q, l, &err) == 0, "fill: %s", err.msg);
    CHECK(!memcmp(trmn_data_test_labels(d), held, 64 * SIDE * SIDE), "the held-out set must not be oversampled");
    int longs = 0, short_ok = 1;
    for (int k = 0; k < N; k++) {
        const int m = path_moves(l + k * SIDE * SIDE);
        longs += m >= LONG_MIN;
        short_ok &= m >= BASE_MIN;
    }
    /* 0.5 of the mazes drawn long, plus the base share among the others: binomial, 400 draws */
    const double want = 0.5 + 0.5 * base_long / (double)N, got = longs / (double)N;
    printf("long paths (>= %d moves): base stream %d of %d, oversampled %d of %d (expected about %.0f)\n", LONG_MIN,
           base_long, N, longs, N, want * N);
    CHECK(got > want - 0.08 && got < want + 0.08, "share of long mazes %.3f, expected about %.3f", got, want);
    CHECK(base_long < N / 4, "the base stream already has %d long mazes of %d: the test cannot tell", base_long, N);
    CHECK(short_ok, "every maze keeps the base minimum path length");
    trmn_data_free(d);

    /* bad values name the key */
    CHECK(open_with(", \"long_fraction\": 0.5", &err) == NULL && strstr(err.msg, "long_min_path"),
          "long_fraction without long_min_path must fail naming long_min_path: %s", err.msg);
    CHECK(open_with(", \"long_fraction\": 1.5, \"long_min_path\": 12", &err) == NULL &&
              strstr(err.msg, "long_fraction"),
          "long_fraction 1.5 must fail naming the key: %s", err.msg);
    check_augmented_labels(ws);
    free(ws);
    free(held);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
