/* test_task.c: the task interface (core/include/task.h) and the maze task behind it: the
 * registry, the shared tokens, that every maze entry agrees with maze.h's functions, that
 * augment() keeps labels canonical (the tie rule) and that a model config names its task. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "maze.h"
#include "task.h"

static void test_registry(void) {
    const trm_task *m = trm_task_find("maze");
    CHECK(m != NULL, "no maze task");
    CHECK(trm_task_default() == m, "the default task (files that state none) is not mazes");
    CHECK(trm_task_find("sudoku-9000") == NULL && trm_task_find(NULL) == NULL, "unknown names must give NULL");
    CHECK(trm_task_count() >= 1 && trm_task_at(-1) == NULL && trm_task_at(trm_task_count()) == NULL, "registry bounds");
    for (int i = 0; i < trm_task_count(); i++) {
        const trm_task *t = trm_task_at(i);
        CHECK(trm_task_find(t->name) == t, "task %d: lookup by its own name", i);
        CHECK(t->vocab_size == 1 + (int)strlen(t->charset), "%s: vocab_size %d != 1 + |charset|", t->name, t->vocab_size);
        CHECK(!strpbrk(t->charset, "\"\\?"), "%s: charset must be JSON-safe and not hold '?' (the unknown-token mark)",
              t->name);
        CHECK(t->generators && t->augment_count >= 1, "%s: generators and transforms", t->name);
        if (!t->generators[0]) { /* a task whose puzzles are read, not generated (arc) says so */
            trm_task_gen g;
            trm_error e;
            trm_task_gen_default(t, &g, t->max_side, t->max_side);
            CHECK(trm_task_generator_parse(t, "") == -1 && t->gen_check(&g, &e) == TRM_E_INVALID &&
                      t->generate(&g, 1, 0, NULL, NULL, NULL, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "not generated"),
                  "%s: no generators, and generating is refused: %s", t->name, e.msg);
        }
        CHECK(t->title && t->item && t->items && t->valid_means && t->exact_means && t->length_unit && t->rating_means &&
                  t->vote_tids >= 1 && t->vote_tids <= 32,
              "%s: the words for people, and the voting transforms", t->name);
        CHECK(t->workspace_bytes && t->check_question && t->check_label && t->verify && t->solve && t->generate &&
                  t->gen_check && t->augment && t->transform,
              "%s: every entry is set", t->name);
    }
    CHECK(trm_task_generator_parse(m, "dfs-any") == TRM_MAZE_DFS_ANY && trm_task_generator_parse(m, "dfs_any") == -1,
          "maze generator names follow trm_maze_algorithm");
}

static void test_tokens(void) {
    const trm_task *m = trm_task_find("maze");
    const char grid[] = "#S  Go#";
    uint8_t tok[7], tok2[7];
    char back[8];
    trm_error e;
    CHECK(trm_task_tokenize(m, grid, 7, 1, 7, tok, &e) == TRM_OK, "tokenize: %s", e.msg);
    CHECK(trm_maze_tokenize(grid, 7, 1, 7, tok2, &e) == TRM_OK && !memcmp(tok, tok2, 7), "maze.h wraps the same tokens");
    CHECK(tok[0] == TRM_MAZE_WALL && tok[1] == TRM_MAZE_START && tok[5] == TRM_MAZE_PATH, "token ids (TRM §1.1)");
    CHECK(trm_task_detokenize(m, tok, 1, 7, back, &e) == TRM_OK && !strcmp(back, grid), "round trip");
    CHECK(trm_task_tokenize(m, "#x", 2, 1, 2, tok, &e) == TRM_E_FORMAT && strstr(e.msg, "column 1") && strstr(e.msg, "'x'"),
          "a bad character names its cell: %s", e.msg);
    tok[3] = 9;
    CHECK(trm_task_detokenize(m, tok, 1, 7, back, &e) == TRM_E_FORMAT && back[3] == '?' && strstr(e.msg, "maze token"),
          "an unknown token is '?' and reported: %s", e.msg);
    CHECK(trm_task_token_char(m, 0) == '?' && trm_task_token_char(m, 4) == 'G', "token_char");
}

/* The task's entries give what maze.h gives, on generated mazes of every generator. */
static void test_maze_entries(void) {
    const trm_task *m = trm_task_find("maze");
    enum { H = 9, W = 9, N = H * W };
    void *ws = malloc(m->workspace_bytes(H, W));
    CHECK(ws && m->workspace_bytes(H, W) >= trm_maze_workspace_bytes(H, W) && m->workspace_bytes(0, 5) == 0, "workspace");
    trm_error e;
    for (int kind = 0; m->generators[kind]; kind++) {
        trm_task_gen g;
        trm_task_gen_default(m, &g, H, W);
        g.kind = kind;
        g.min_rating = 4;
        CHECK(m->gen_check(&g, &e) == TRM_OK, "%s: %s", m->generators[kind], e.msg);
        trm_maze_options o;
        trm_maze_options_default(&o, H, W);
        o.algorithm = (trm_maze_algorithm)kind;
        o.min_path = 4;
        for (int k = 0; k < 40; k++) {
            uint8_t q[N], l[N], q2[N], l2[N], s[N];
            int len = -1, len2 = -2;
            CHECK(m->generate(&g, 7, (uint64_t)k, q, l, &len, ws, &e) == TRM_OK, "generate: %s", e.msg);
            CHECK(trm_maze_generate(&o, 7, (uint64_t)k, q2, l2, &len2, ws, &e) == TRM_OK, "maze.h: %s", e.msg);
            CHECK(!memcmp(q, q2, N) && !memcmp(l, l2, N) && len == len2, "%s #%d: the task's maze differs from maze.h's",
                  m->generators[kind], k);
            CHECK(m->check_question(q, H, W, &e) == TRM_OK && m->check_label(q, l, H, W, &e) == TRM_OK, "checks: %s", e.msg);
            CHECK(m->solve(q, H, W, s, &len2, ws, &e) == TRM_OK && !memcmp(s, l, N) && len2 == len, "solve = the label");
            trm_verdict v;
            trm_maze_verdict mv;
            CHECK(m->verify(q, l, l, H, W, ws, &v, &e) == TRM_OK, "verify: %s", e.msg);
            CHECK(v.valid && v.optimal && v.exact && v.length == len && v.best_length == len && !v.reason[0],
                  "the label is valid, optimal, exact");
            uint8_t bad[N];
            memcpy(bad, l, N);
            for (int i = 0; i < N; i++)
                if (bad[i] == TRM_MAZE_PATH) { bad[i] = TRM_MAZE_OPEN; break; }
            m->verify(q, bad, l, H, W, ws, &v, &e);
            trm_maze_verify(q, bad, l, H, W, ws, &mv, &e);
            CHECK(v.valid == mv.valid && v.exact == mv.exact && v.length == mv.path_length &&
                      !strcmp(v.reason, mv.reason) && !v.valid,
                  "a broken path: the task's verdict is maze.h's (%s)", v.reason);
        }
    }
    uint8_t q[N], l[N];
    memset(q, TRM_MAZE_OPEN, N);
    q[0] = TRM_MAZE_START;
    q[N - 1] = TRM_MAZE_GOAL;
    memcpy(l, q, N);
    l[1] = TRM_MAZE_WALL;
    CHECK(m->check_label(q, l, H, W, &e) == TRM_E_FORMAT && strstr(e.msg, "row 0, column 1"),
          "a label may only mark path cells: %s", e.msg);
    free(ws);
}

/* augment(): a unique path is transformed with its maze; where several shortest paths exist the
 * label is the tie rule's path of the transformed maze (what trm_maze_solve gives). */
static void test_maze_augment(void) {
    const trm_task *m = trm_task_find("maze");
    enum { H = 8, W = 8, N = H * W };
    void *ws = malloc(m->workspace_bytes(H, W));
    trm_task_gen g;
    trm_task_gen_default(m, &g, H, W);
    g.min_rating = 6;
    trm_error e;
    int ties = 0, moved = 0;
    for (int k = 0; k < 200; k++) {
        uint8_t q[N], l[N], q0[N], l0[N], want_q[N], want_l[N], rule[N];
        m->generate(&g, 11, (uint64_t)k, q0, l0, NULL, ws, &e);
        for (int tid = 0; tid < m->augment_count; tid++) {
            memcpy(q, q0, N);
            memcpy(l, l0, N);
            CHECK(m->augment(q, l, H, W, tid, ws, &e) == TRM_OK, "augment %d: %s", tid, e.msg);
            trm_maze_dihedral(q0, H, W, tid, want_q, NULL, NULL);
            trm_maze_dihedral(l0, H, W, tid, want_l, NULL, NULL);
            CHECK(!memcmp(q, want_q, N), "maze %d, transform %d: the question is the dihedral transform", k, tid);
            trm_maze_solve(q, H, W, rule, NULL, ws, &e);
            CHECK(!memcmp(l, rule, N), "maze %d, transform %d: the label is not the tie rule's path", k, tid);
            int count = 0;
            trm_maze_count_shortest(q, H, W, 2, NULL, &count, ws, &e);
            if (count == 1) CHECK(!memcmp(l, want_l, N), "maze %d, transform %d: a unique path moves with the maze", k, tid);
            else ties++;
            moved += memcmp(l, want_l, N) != 0;
        }
    }
    CHECK(ties > 0 && moved > 0, "the sample must hold mazes with several shortest paths that needed relabelling "
                                 "(%d, %d)", ties, moved);
    uint8_t q[6 * 5] = {0}, l[6 * 5] = {0};
    CHECK(m->augment(q, l, 6, 5, 1, ws, &e) == TRM_E_SHAPE && strstr(e.msg, "square"), "non-square rotation: %s", e.msg);
    CHECK(m->augment(q, l, H, W, 8, ws, &e) == TRM_E_INVALID, "transform 8 does not exist");
    free(ws);
}

static void test_config_task(void) {
    trm_config c;
    trm_config_default(&c);
    trm_error e;
    CHECK(c.task == trm_task_find("maze"), "the default config is a maze model");
    CHECK(trm_config_set_string(&c, "task", "chess", &e) == TRM_E_INVALID && strstr(e.msg, "'chess'") &&
              strstr(e.msg, "maze"),
          "unknown task: %s", e.msg);
    CHECK(trm_config_set_number(&c, "task", 1, &e) == TRM_E_INVALID, "task takes a string");
    CHECK(trm_config_set_string(&c, "task", "maze", &e) == TRM_OK, "task maze: %s", e.msg);
    CHECK(trm_config_set_string(&c, "charset", "# SGo", &e) == TRM_OK, "the maze charset: %s", e.msg);
    CHECK(trm_config_set_string(&c, "charset", "#SG o", &e) == TRM_E_INVALID && strstr(e.msg, "task 'maze'"),
          "another charset: %s", e.msg);
    char json[1024];
    trm_config_to_json(&c, json, sizeof json);
    CHECK(strstr(json, "\"task\": \"maze\", \"charset\": \"# SGo\""), "the JSON names the task: %s", json);
    c.vocab_size = 5;
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "vocab_size 5"), "vocab too small: %s", e.msg);
    c.vocab_size = 6;
    c.task = NULL;
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_E_INVALID, "a config without a task");
}

int main(void) {
    test_registry();
    test_tokens();
    test_maze_entries();
    test_maze_augment();
    test_config_task();
    printf("test_task: %d checks, %d failures\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
