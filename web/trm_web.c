/* trm_web.c: the WebAssembly exports that web/trm.js drives. A thin layer over core/: it owns no
 * maths, only the plumbing a JavaScript caller needs (plain pointers and numbers across the
 * boundary, character grids in and out, one buffer per solver for the per-pass results).
 *
 * Conventions:
 *  - No globals. Every error goes to a caller-owned trm_error (trm_web_error_create), one per
 *    JS instance, so several models and solvers can coexist and the module never needs a
 *    "last error" slot of its own.
 *  - Pointers are 32-bit offsets into the module's memory; JS allocates argument buffers with
 *    trm_web_malloc and frees them right after the call.
 *  - Functions that can fail return a trm_status (0 = ok) or NULL; the message is in err.
 *  - Grids cross as ASCII characters (row-major, h*w, no separators) of a task's charset: a
 *    solver's are its model's task's (the config key "task", mazes by default), the maze
 *    functions' are the maze task's "# SGo", the sudoku functions' the sudoku task's ".123456789"
 *    ('0' read as '.'). The core's tokenizer checks them and names the bad row and column.
 *
 * Built with -sSTANDALONE_WASM --no-entry (see web/CMakeLists.txt): no Emscripten JS glue; the
 * only import is env.emscripten_notify_memory_growth. */
#include <emscripten.h>
#include <malloc.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maze.h"
#include "sudoku.h"
#include "task.h"
#include "trm.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

/* Returned instead of TRM_E_FORMAT when a grid string holds a character outside the task's
 * charset, so that JS can tell a bad character (its 'bad_charset') from a malformed grid
 * ('bad_grid'). */
enum { TRM_WEB_E_CHARSET = 64 };

/* Tokenize a grid of task t; a bad character becomes TRM_WEB_E_CHARSET (err->code keeps the
 * core's) and the message starts with `what` ("question", "label") when given. */
static int tokenize(const trm_task *t, const char *chars, size_t len, int h, int w, uint8_t *tokens, trm_error *err,
                    const char *what) {
    trm_status st = trm_task_tokenize(t, chars, len, h, w, tokens, err);
    if (st != TRM_OK && what) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s: %s", what, err->msg);
        memcpy(err->msg, msg, sizeof msg);
    }
    return st == TRM_E_FORMAT ? TRM_WEB_E_CHARSET : (int)st;
}

/* ------------------------------------------------------------------------------------------ */
/* Memory and errors                                                                           */

EXPORT void *trm_web_malloc(size_t n) { return malloc(n ? n : 1); }
EXPORT void trm_web_free(void *p) { free(p); }

/* Bytes currently allocated by malloc: the leak check of the tests (it returns to the same
 * value after every create/free pair, whereas memory.buffer only ever grows). */
EXPORT size_t trm_web_heap_in_use(void) { return mallinfo().uordblks; }

EXPORT trm_error *trm_web_error_create(void) {
    trm_error *e = calloc(1, sizeof *e);
    return e;
}
EXPORT void trm_web_error_free(trm_error *e) { free(e); }
EXPORT int trm_web_error_code(const trm_error *e) { return (int)e->code; }
EXPORT const char *trm_web_error_msg(const trm_error *e) { return e->msg; }
EXPORT void trm_web_error_clear(trm_error *e) {
    e->code = TRM_OK;
    e->msg[0] = '\0';
}

static trm_status fail(trm_error *err, trm_status code, const char *msg) {
    err->code = code;
    strncpy(err->msg, msg, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
    return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Tasks: the ones this build knows (core's registry), for JS to name and check a model's task  */

EXPORT int trm_web_task_count(void) { return trm_task_count(); }
/* NULL when i is out of range. */
EXPORT const char *trm_web_task_name(int i) {
    const trm_task *t = trm_task_at(i);
    return t ? t->name : NULL;
}
EXPORT const char *trm_web_task_charset(int i) {
    const trm_task *t = trm_task_at(i);
    return t ? t->charset : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Configuration and model                                                                     */

EXPORT trm_config *trm_web_config_create(void) {
    trm_config *c = malloc(sizeof *c);
    if (c) trm_config_default(c);
    return c;
}
EXPORT void trm_web_config_free(trm_config *c) { free(c); }
EXPORT int trm_web_config_set_number(trm_config *c, const char *key, double v, trm_error *err) {
    return (int)trm_config_set_number(c, key, v, err);
}
EXPORT int trm_web_config_set_string(trm_config *c, const char *key, const char *v, trm_error *err) {
    return (int)trm_config_set_string(c, key, v, err);
}

/* The module addresses 2 GB. The core sizes a model and a solver in 64 bits (trm_model_bytes,
 * trm_solver_bytes: the same carve that allocates), so anything larger is refused here by name
 * before a wasm32 size_t could wrap; configs beyond 4 GB already fail trm_config_validate. */
#define WASM_MAX_BYTES 2147483648.0

static int too_big(uint64_t bytes, const char *what, trm_error *err) {
    if ((double)bytes < WASM_MAX_BYTES) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "%s needs about %.0f MB, more than the 2048 MB a WebAssembly module can address",
             what, (double)bytes / 1048576.0);
    fail(err, TRM_E_NOMEM, msg);
    return 1;
}

EXPORT trm_model *trm_web_model_create(const trm_config *c, trm_error *err) {
    if (trm_config_validate(c, NULL, err) != TRM_OK) return NULL;
    if (too_big(trm_model_bytes(c), "this model", err)) return NULL;
    return trm_model_create(c, err);
}
EXPORT void trm_web_model_free(trm_model *m) { trm_model_free(m); }
EXPORT int trm_web_model_find_tensor(const trm_model *m, const char *name) { return trm_model_find_tensor(m, name); }
EXPORT int trm_web_model_tensor_count(const trm_model *m) { return trm_model_tensor_count(m); }
EXPORT const char *trm_web_model_tensor_name(const trm_model *m, int i) {
    const trm_tensor_info *t = trm_model_tensor(m, i);
    return t ? t->name : NULL;
}

/* TRM §5.7 initialisation from a 64-bit seed (split into halves), for models made in JS. */
EXPORT void trm_web_model_init(trm_model *m, uint32_t seed_lo, uint32_t seed_hi) {
    trm_model_init(m, (uint64_t)seed_hi << 32 | seed_lo);
}

/* Tensor i of the table: out [3] = ndim, shape[0], shape[1]; returns its f32 data (NULL if i is
 * out of range). Used by Model.save() in JS. */
EXPORT float *trm_web_model_tensor(trm_model *m, int i, int *out) {
    const trm_tensor_info *t = trm_model_tensor(m, i);
    if (!t) return NULL;
    out[0] = t->ndim;
    out[1] = t->shape[0];
    out[2] = t->shape[1];
    return trm_model_tensor_data(m, i);
}

/* shape [ndim] as doubles (JSON numbers, already checked to be non-negative integers by JS). */
EXPORT int trm_web_model_load_tensor(trm_model *m, const char *name, const char *dtype, const double *shape,
                                     int ndim, const void *data, size_t nbytes, trm_error *err) {
    int64_t s[8] = {0};
    if (ndim < 0 || ndim > 8) return fail(err, TRM_E_SHAPE, "tensor has more than 8 dimensions");
    for (int i = 0; i < ndim; i++) s[i] = (int64_t)shape[i];
    return (int)trm_model_load_tensor(m, name, dtype, s, ndim, data, nbytes, err);
}

EXPORT int trm_web_model_check_loaded(const trm_model *m, trm_error *err) {
    return (int)trm_model_check_loaded(m, err);
}

/* The config as JSON (official key names); returns the length it needs (excluding the NUL). */
EXPORT size_t trm_web_model_config_json(const trm_model *m, char *buf, size_t cap) {
    return trm_config_to_json(trm_model_config(m), buf, cap);
}
EXPORT double trm_web_model_param_count(const trm_model *m) { return (double)trm_model_dims(m)->n_params; }

/* 1 if the kernel set exists in this build (then it is used), 0 if not (nothing changes). */
EXPORT int trm_web_model_set_kernels(trm_model *m, const char *name) {
    const trm_kernels *k = trm_kernels_get(name);
    if (!k) return 0;
    trm_model_set_kernels(m, k);
    return 1;
}
EXPORT const char *trm_web_model_kernels(const trm_model *m) { return trm_kernels_name(trm_model_kernels(m)); }
/* Name of the set trm_kernels_get(NULL) picks: "wasm128" in a SIMD build, else "scalar". */
EXPORT const char *trm_web_default_kernels(void) { return trm_kernels_name(trm_kernels_get(NULL)); }

/* ------------------------------------------------------------------------------------------ */
/* Solver: one question, with the buffers that one pass's results are read from                 */
/*                                                                                              */
/* One question runs in one slot of the core solver, or, with symmetry voting (task.h), in      */
/* `views` slots: the question seen through each of its task's shape-keeping transforms (view 0 */
/* is the question itself). After every pass the views' answers are transformed back and the    */
/* answer most views give is the pass's answer, as native trm-eval --vote and trm-solve --vote   */
/* decide it: with early halting a view that has halted votes with its answer as of its halting */
/* step, the others with their current one; ties go to the higher mean q_halt logit, then to    */
/* the lowest view. The core solver starts at batch 1 and grows to the views on the first voted */
/* reset (a caller that never votes never pays for them).                                        */

typedef struct trm_web_solver {
    trm_solver *s;
    const trm_model *m;
    const trm_task *task; /* the model's: what its tokens mean */
    int h, w, cells, T;   /* T: passes per supervision step (H_cycles) */
    int capacity;         /* slots of s (1, or the views once a voted reset asked for them) */
    int views;            /* slots in use since the last reset: 1, or the task's views when voting */
    int early_halt;       /* voting: a halted view votes with its answer frozen at its halting step */
    int ready;            /* reset() has succeeded */
    uint8_t *tokens;      /* [cells] question, then the prediction (the voted answer when voting) */
    char *chars;          /* [cells + 1] predicted characters, NUL-terminated; '?' for ids outside the charset */
    float *confidence;    /* [cells]: softmax probability, or the share of views agreeing when voting */
    /* voting, [capacity * cells] each: the views' questions and their answers (trm_solver_vote's
     * scratch); scores [capacity] */
    uint8_t *copies, *answers;
    float *scores;
    trm_vote vote;        /* the last pass's vote */
    float vote_q_halt;    /* mean q_halt logit of the views that gave the winning answer */
} trm_web_solver;

static void free_vote_buffers(trm_web_solver *ws) {
    free(ws->scores); /* one allocation: scores, then copies, answers */
    ws->copies = ws->answers = NULL;
    ws->scores = NULL;
}

EXPORT void trm_web_solver_free(trm_web_solver *ws) {
    if (!ws) return;
    trm_solver_free(ws->s);
    free_vote_buffers(ws);
    free(ws->tokens);
    free(ws->chars);
    free(ws->confidence);
    free(ws);
}

EXPORT trm_web_solver *trm_web_solver_create(const trm_model *m, trm_error *err) {
    const trm_config *c = trm_model_config(m);
    if (too_big(trm_solver_bytes(m, 1), "a solver for this model", err)) return NULL;
    trm_web_solver *ws = calloc(1, sizeof *ws);
    if (!ws) {
        fail(err, TRM_E_NOMEM, "out of memory for a solver");
        return NULL;
    }
    ws->m = m;
    ws->task = c->task;
    ws->h = c->grid_height;
    ws->w = c->grid_width;
    ws->cells = ws->h * ws->w;
    ws->T = c->H_cycles;
    ws->views = 1;
    ws->tokens = malloc((size_t)ws->cells);
    ws->chars = malloc((size_t)ws->cells + 1);
    ws->confidence = malloc(sizeof(float) * (size_t)ws->cells);
    if (!ws->tokens || !ws->chars || !ws->confidence) {
        trm_web_solver_free(ws);
        fail(err, TRM_E_NOMEM, "out of memory for a solver");
        return NULL;
    }
    ws->s = trm_solver_create(m, 1, err);
    if (!ws->s) {
        trm_web_solver_free(ws);
        return NULL;
    }
    ws->capacity = 1;
    return ws;
}

/* The views of a voted solve of this model's grids (trm_task_views: 8 for a square maze, 4 for a
 * non-square one). */
EXPORT int trm_web_model_views(const trm_model *m) {
    const trm_config *c = trm_model_config(m);
    return trm_task_views(c->task, c->grid_height, c->grid_width);
}

/* Room for `views` slots: a core solver of that batch and the voting buffers. On failure the
 * solver keeps what it had. */
static trm_status grow(trm_web_solver *ws, int views, trm_error *err) {
    if (ws->capacity >= views) return TRM_OK;
    if (too_big(trm_solver_bytes(ws->m, views), "a voting solver for this model", err)) return TRM_E_NOMEM;
    const size_t n = (size_t)views * (size_t)ws->cells;
    float *p = malloc(sizeof(float) * (size_t)views + 2 * n);
    if (!p) return fail(err, TRM_E_NOMEM, "out of memory for a voting solver");
    trm_solver *s = trm_solver_create(ws->m, views, err);
    if (!s) {
        free(p);
        return err->code;
    }
    trm_solver_free(ws->s);
    free_vote_buffers(ws);
    ws->s = s;
    ws->capacity = views;
    ws->scores = p;
    ws->copies = (uint8_t *)(p + views);
    ws->answers = ws->copies + n;
    return TRM_OK;
}

/* Start a solve of the question chars [len] (must be exactly h*w characters of the model's task,
 * forming a question the task accepts). vote != 0: symmetry voting over the task's views;
 * early_halt != 0 (voting only): a view that has halted votes with its answer at its halting
 * step. */
EXPORT int trm_web_solver_reset(trm_web_solver *ws, const char *chars, size_t len, int vote, int early_halt,
                                trm_error *err) {
    ws->ready = 0;
    const int views = vote ? trm_task_views(ws->task, ws->h, ws->w) : 1;
    int st = tokenize(ws->task, chars, len, ws->h, ws->w, ws->tokens, err, NULL);
    if (st == TRM_OK) st = (int)ws->task->check_question(ws->tokens, ws->h, ws->w, err);
    if (st == TRM_OK && views > 1) st = (int)grow(ws, views, err);
    if (st == TRM_OK && views > 1)
        st = (int)trm_task_views_expand(ws->task, ws->tokens, ws->h, ws->w, views, ws->copies, err);
    if (st == TRM_OK) st = (int)trm_solver_reset(ws->s, views > 1 ? ws->copies : ws->tokens, NULL, views, err);
    if (st != TRM_OK) return st;
    ws->views = views;
    ws->early_halt = early_halt != 0;
    memset(&ws->vote, 0, sizeof ws->vote);
    ws->vote_q_halt = NAN;
    ws->ready = 1;
    return TRM_OK;
}

/* After a pass of a voted solve: core's trm_solver_vote (with early halting a halted view votes
 * with its answer at its halting step); tokens = the winner, confidence = the views' agreement. */
static void vote_pass(trm_web_solver *ws) {
    trm_error e; /* the views were checked at reset: the vote cannot fail */
    trm_solver_vote(ws->s, ws->task, ws->h, ws->w, ws->views, ws->early_halt, ws->answers, ws->scores, ws->tokens,
                    ws->confidence, &ws->vote_q_halt, &ws->vote, &e);
}

EXPORT int trm_web_solver_pass(trm_web_solver *ws) {
    if (!ws->ready) return -1;
    trm_solver_pass(ws->s);
    if (ws->views > 1) vote_pass(ws);
    else trm_solver_read(ws->s, ws->tokens, ws->confidence);
    trm_task_detokenize(ws->task, ws->tokens, ws->h, ws->w, ws->chars, NULL); /* '?' marks ids outside the charset */
    return trm_solver_passes(ws->s);
}

EXPORT const char *trm_web_solver_chars(const trm_web_solver *ws) { return ws->chars; }
EXPORT const float *trm_web_solver_confidence(const trm_web_solver *ws) { return ws->confidence; }
EXPORT int trm_web_solver_passes(const trm_web_solver *ws) { return ws->ready ? trm_solver_passes(ws->s) : 0; }
/* q_halt logit of the last completed supervision step (NaN before the first); when voting, the
 * mean over the views that gave the winning answer. */
EXPORT float trm_web_solver_halt_logit(const trm_web_solver *ws) {
    return ws->views > 1 ? ws->vote_q_halt : trm_solver_halt_logit(ws->s, 0);
}
/* The supervision step at which q_halt first said halt (the core's rule), 0 while it has not;
 * when voting, the step at which the last view halted, 0 while any has not. */
EXPORT int trm_web_solver_halt_step(const trm_web_solver *ws) {
    if (!ws->ready) return 0;
    if (ws->views == 1) return trm_solver_halt_step(ws->s, 0);
    int last = 0;
    for (int b = 0; b < ws->views; b++) {
        const int k = trm_solver_halt_step(ws->s, b);
        if (!k) return 0;
        if (k > last) last = k;
    }
    return last;
}
/* Views of the solve since the last reset: 1 without voting. */
EXPORT int trm_web_solver_views(const trm_web_solver *ws) { return ws->views; }
/* The last pass's vote (all 0 before the first pass or without voting): three int32s, the
 * fields of trm_vote in order: winner (the first view that gave the winning answer), agree (the
 * views that gave it), distinct (different answers among the views). */
EXPORT const trm_vote *trm_web_solver_vote(const trm_web_solver *ws) { return &ws->vote; }
_Static_assert(sizeof(trm_vote) == 3 * sizeof(int) && offsetof(trm_vote, agree) == sizeof(int) &&
                   offsetof(trm_vote, distinct) == 2 * sizeof(int),
               "trm.js reads trm_vote as three int32s");

/* ------------------------------------------------------------------------------------------ */
/* Mazes: the maze task's helpers, whatever task a model has                                    */

static const trm_task *maze_task(void) { return trm_task_find("maze"); }

/* One allocation for a workspace and up to three token grids. */
static void *maze_scratch(int h, int w, uint8_t **grids, trm_error *err) {
    size_t ws = trm_maze_workspace_bytes(h, w), n = (size_t)h * (size_t)w;
    if (!ws) {
        fail(err, TRM_E_SHAPE, "maze size out of range");
        return NULL;
    }
    ws = (ws + 15) & ~(size_t)15;
    unsigned char *p = malloc(ws + 3 * n);
    if (!p) {
        fail(err, TRM_E_NOMEM, "out of memory for a maze workspace");
        return NULL;
    }
    for (int i = 0; i < 3; i++) grids[i] = p + ws + (size_t)i * n;
    return p;
}

/* algorithm 0 lehnert, 1 dfs, 2 dfs-any; min_path < 0: the default. seed and index are 64-bit values split
 * into 32-bit halves (portable across JS engines without BigInt/i64 integration).
 * question_out, label_out: [h*w + 1] chars. *path_len: moves along the shortest path. */
EXPORT int trm_web_maze_generate(int algorithm, int h, int w, int min_path, int unique, uint32_t seed_lo,
                                 uint32_t seed_hi, uint32_t index_lo, uint32_t index_hi, char *question_out,
                                 char *label_out, int *path_len, trm_error *err) {
    trm_maze_options o;
    trm_maze_options_default(&o, h, w);
    o.algorithm = (trm_maze_algorithm)algorithm;
    if (min_path >= 0) o.min_path = min_path;
    o.unique = unique;
    trm_status st = trm_maze_options_check(&o, err);
    if (st != TRM_OK) return (int)st;
    uint8_t *g[3];
    void *ws = maze_scratch(h, w, g, err);
    if (!ws) return (int)err->code;
    uint64_t seed = (uint64_t)seed_hi << 32 | seed_lo, index = (uint64_t)index_hi << 32 | index_lo;
    st = trm_maze_generate(&o, seed, index, g[0], g[1], path_len, ws, err);
    if (st == TRM_OK) {
        trm_maze_detokenize(g[0], h, w, question_out, NULL);
        trm_maze_detokenize(g[1], h, w, label_out, NULL);
    }
    free(ws);
    return (int)st;
}

/* The question with one shortest path marked 'o' (core's tie rule); answer_out [h*w + 1]. */
EXPORT int trm_web_maze_solve(const char *question, int h, int w, char *answer_out, int *length, trm_error *err) {
    uint8_t *g[3];
    void *ws = maze_scratch(h, w, g, err);
    if (!ws) return (int)err->code;
    int st = tokenize(maze_task(), question, (size_t)h * (size_t)w, h, w, g[0], err, NULL);
    if (st == TRM_OK) st = (int)trm_maze_solve(g[0], h, w, g[1], length, ws, err);
    if (st == TRM_OK) trm_maze_detokenize(g[1], h, w, answer_out, NULL);
    free(ws);
    return st;
}

/* Shortest paths of a question: *length = BFS distance (-1 if G is unreachable), *count = how
 * many shortest paths there are, saturating at cap. */
EXPORT int trm_web_maze_count(const char *question, int h, int w, int cap, int *length, int *count, trm_error *err) {
    uint8_t *g[3];
    void *ws = maze_scratch(h, w, g, err);
    if (!ws) return (int)err->code;
    int st = tokenize(maze_task(), question, (size_t)h * (size_t)w, h, w, g[0], err, NULL);
    if (st == TRM_OK) st = (int)trm_maze_count_shortest(g[0], h, w, cap, length, count, ws, err);
    free(ws);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Any task: checking an answer                                                                 */

/* Answers may hold anything a model predicts: characters outside task t's charset (after its
 * aliases, e.g. sudoku's '0' for '.') become PAD (0), which the verifier reports as a cell that
 * breaks the answer. */
static void tokenize_lenient(const trm_task *t, const char *chars, int n, uint8_t *tokens) {
    for (int i = 0; i < n; i++) tokens[i] = trm_task_char_token(t, chars[i]);
}

/* Task task_index's verdict on answer for question (and label, may be NULL): verdict_out [5]:
 * valid, optimal, exact, length, best_length (trm_verdict); reason_out [96]. The question and label
 * must be well-formed grids of the task; the answer may hold anything. */
EXPORT int trm_web_verify(int task_index, const char *question, const char *answer, const char *label, int h, int w,
                          int *verdict_out, char *reason_out, trm_error *err) {
    const trm_task *t = trm_task_at(task_index);
    if (!t) return fail(err, TRM_E_INVALID, "no such task");
    if (h < 1 || w < 1 || h > t->max_side || w > t->max_side) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s size %d x %d is out of range (1 to %d a side)", t->name, h, w, t->max_side);
        return fail(err, TRM_E_SHAPE, msg);
    }
    const size_t n = (size_t)h * (size_t)w, wsb = (t->workspace_bytes(h, w) + 15) & ~(size_t)15;
    unsigned char *ws = malloc(wsb + 3 * n);
    if (!ws) return fail(err, TRM_E_NOMEM, "out of memory for a verification workspace");
    uint8_t *q = ws + wsb, *a = q + n, *l = a + n;
    int st = tokenize(t, question, n, h, w, q, err, "question");
    if (st == TRM_OK && label) st = tokenize(t, label, n, h, w, l, err, "label");
    trm_verdict v;
    if (st == TRM_OK) {
        tokenize_lenient(t, answer, (int)n, a);
        st = (int)t->verify(q, a, label ? l : NULL, h, w, ws, &v, err);
    }
    if (st == TRM_OK) {
        verdict_out[0] = v.valid;
        verdict_out[1] = v.optimal;
        verdict_out[2] = v.exact;
        verdict_out[3] = v.length;
        verdict_out[4] = v.best_length;
        memcpy(reason_out, v.reason, sizeof v.reason);
    }
    free(ws);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Sudoku: the sudoku task's generator and counting solver (sudoku.h), whatever task a model has */

static const trm_task *sudoku_task(void) { return trm_task_find("sudoku"); }

/* With a maximum rating, how many puzzle indexes are tried before giving up (each up to
 * max_grids solved grids): ample for any band that holds more than a few percent of the puzzles
 * at its minimum (the page's bands are 0, 1-3, 4-15 and >= 16). */
#define SUDOKU_BAND_TRIES 100

/* Puzzle #index of seed (core's trm_sudoku_generate: generator 0 minimal, 1 symmetric; rated >=
 * min_rating within max_grids solved grids). max_rating >= 0 bounds the rating from above too,
 * which core's generator does not: puzzles index, index + 1, ... (each core's puzzle of that
 * index) are drawn until one rates <= max_rating, at most SUDOKU_BAND_TRIES of them, so every
 * puzzle returned is one native trm-sudoku makes too (row *index_out of the same seed and
 * options). seed, index: 64-bit values in 32-bit halves. question_out, solution_out: [82] chars;
 * *rating; index_out [2]: the index kept (lo, hi). */
EXPORT int trm_web_sudoku_generate(int generator, int min_rating, int max_rating, int max_grids, uint32_t seed_lo,
                                   uint32_t seed_hi, uint32_t index_lo, uint32_t index_hi, char *question_out,
                                   char *solution_out, int *rating, uint32_t *index_out, trm_error *err) {
    if (max_rating >= 0 && max_rating < min_rating) {
        char msg[96];
        snprintf(msg, sizeof msg, "maximum rating %d is below the minimum rating %d", max_rating, min_rating);
        return fail(err, TRM_E_INVALID, msg);
    }
    void *ws = malloc(TRM_SUDOKU_WORKSPACE);
    if (!ws) return fail(err, TRM_E_NOMEM, "out of memory for a sudoku workspace");
    const uint64_t seed = (uint64_t)seed_hi << 32 | seed_lo, index = (uint64_t)index_hi << 32 | index_lo;
    uint8_t q[TRM_SUDOKU_CELLS], sol[TRM_SUDOKU_CELLS];
    trm_status st = TRM_OK;
    uint64_t k = index;
    int found = 0;
    for (int t = 0; t < (max_rating >= 0 ? SUDOKU_BAND_TRIES : 1) && st == TRM_OK && !found; t++) {
        k = index + (uint64_t)t; /* wraps at 2^64, as the index of a data set would */
        st = trm_sudoku_generate((trm_sudoku_generator)generator, min_rating, seed, k, q, sol, rating, max_grids, ws,
                                 err);
        found = st == TRM_OK && (max_rating < 0 || *rating <= max_rating);
    }
    free(ws);
    if (st != TRM_OK) return (int)st;
    if (!found) {
        char msg[160];
        snprintf(msg, sizeof msg, "no sudoku rated %d to %d among puzzles %llu to %llu; widen the rating range",
                 min_rating, max_rating, (unsigned long long)index, (unsigned long long)k);
        return fail(err, TRM_E_INVALID, msg);
    }
    trm_task_detokenize(sudoku_task(), q, 9, 9, question_out, NULL);
    trm_task_detokenize(sudoku_task(), sol, 9, 9, solution_out, NULL);
    index_out[0] = (uint32_t)k;
    index_out[1] = (uint32_t)(k >> 32);
    return TRM_OK;
}

/* Count the solutions of question [len] (81 characters) up to max_solutions (>= 1) with core's
 * search; the first found goes to solution_out [82] ("" when there is none). out [3] as doubles
 * (the counts are 64-bit): solutions, guesses, backtracks (the rating when solutions == 1 and
 * max_solutions >= 2). */
EXPORT int trm_web_sudoku_solve(const char *question, size_t len, int max_solutions, char *solution_out, double *out,
                                trm_error *err) {
    uint8_t q[TRM_SUDOKU_CELLS], sol[TRM_SUDOKU_CELLS];
    int st = tokenize(sudoku_task(), question, len, 9, 9, q, err, NULL);
    if (st != TRM_OK) return st;
    void *ws = malloc(TRM_SUDOKU_WORKSPACE);
    if (!ws) return fail(err, TRM_E_NOMEM, "out of memory for a sudoku workspace");
    trm_sudoku_search s;
    st = (int)trm_sudoku_solve(q, sol, max_solutions, &s, ws, err);
    free(ws);
    if (st != TRM_OK) return st;
    if (s.solutions) trm_task_detokenize(sudoku_task(), sol, 9, 9, solution_out, NULL);
    else solution_out[0] = '\0';
    out[0] = s.solutions;
    out[1] = (double)s.guesses;
    out[2] = (double)s.backtracks;
    return TRM_OK;
}
