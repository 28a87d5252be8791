/* task.c: the registry of tasks and what every task shares: its tokens (charset), generator
 * names and defaults. The tasks themselves live in task_<name>.c; see task.h. */
#include "task.h"

#include "internal.h"

#include <string.h>

/* Every task this build knows; the first is the default of files that state none. Constant
 * tables only: the core keeps no mutable globals. */
static const trm_task *const TASKS[] = {&trm__task_maze, &trm__task_sudoku, &trm__task_arc};
enum { N_TASKS = sizeof TASKS / sizeof TASKS[0] };

int trm_task_count(void) { return N_TASKS; }
const trm_task *trm_task_at(int i) { return i >= 0 && i < N_TASKS ? TASKS[i] : NULL; }
const trm_task *trm_task_default(void) { return TASKS[0]; }

const trm_task *trm_task_find(const char *name) {
    for (int i = 0; name && i < N_TASKS; i++)
        if (!strcmp(name, TASKS[i]->name)) return TASKS[i];
    return NULL;
}

int trm_task_generator_parse(const trm_task *t, const char *name) {
    for (int i = 0; name && t->generators[i]; i++)
        if (!strcmp(name, t->generators[i])) return i;
    return -1;
}

void trm_task_gen_default(const trm_task *t, trm_task_gen *g, int h, int w) {
    memset(g, 0, sizeof *g);
    g->height = h;
    g->width = w;
    g->tries = 100;
    g->max_layouts = 100000;
    if (t->gen_default) t->gen_default(g);
}

static trm_status ok(trm_error *err) {
    if (err) {
        err->code = TRM_OK;
        err->msg[0] = '\0';
    }
    return TRM_OK;
}

trm_status trm__task_check_size(const trm_task *t, int h, int w, trm_error *err) {
    if (h < 1 || w < 1 || h > t->max_side || w > t->max_side)
        return trm__fail(err, TRM_E_SHAPE, "%s size %d x %d: height and width must be in [1, %d]", t->name, h, w,
                         t->max_side);
    return TRM_OK;
}

char trm_task_token_char(const trm_task *t, uint8_t token) {
    return token >= 1 && token < t->vocab_size ? t->charset[token - 1] : '?';
}

trm_status trm_task_tokenize(const trm_task *t, const char *chars, size_t len, int h, int w, uint8_t *tokens,
                             trm_error *err) {
    trm_status st = trm__task_check_size(t, h, w, err);
    if (st != TRM_OK) return st;
    if (len != (size_t)h * (size_t)w)
        return trm__fail(err, TRM_E_SHAPE, "grid has %zu characters, expected %d x %d = %d", len, h, w, h * w);
    for (size_t i = 0; i < len; i++) {
        const uint8_t tok = trm_task_char_token(t, chars[i]);
        if (!tok) { /* tokens[i] and on are left as they were */
            const unsigned char ch = (unsigned char)chars[i];
            const int r = (int)(i / (size_t)w), c = (int)(i % (size_t)w);
            if (ch >= 0x20 && ch < 0x7f)
                return trm__fail(err, TRM_E_FORMAT, "grid row %d, column %d: character '%c' is not one of \"%s\"", r,
                                 c, ch, t->charset);
            return trm__fail(err, TRM_E_FORMAT, "grid row %d, column %d: byte 0x%02x is not one of \"%s\"", r, c, ch,
                             t->charset);
        }
        tokens[i] = tok;
    }
    return ok(err);
}

uint8_t trm_task_char_token(const trm_task *t, char ch) {
    for (const char *a = t->aliases; a && a[0] && a[1]; a += 2)
        if (ch == a[0]) ch = a[1];
    const char *p = ch ? strchr(t->charset, ch) : NULL;
    return p ? (uint8_t)(1 + (p - t->charset)) : 0;
}

trm_status trm_task_detokenize(const trm_task *t, const uint8_t *tokens, int h, int w, char *chars, trm_error *err) {
    trm_status st = trm__task_check_size(t, h, w, err);
    if (st != TRM_OK) return st;
    int n = h * w, bad = -1;
    for (int i = 0; i < n; i++) {
        chars[i] = trm_task_token_char(t, tokens[i]);
        if (chars[i] == '?' && bad < 0) bad = i;
    }
    chars[n] = '\0';
    if (bad >= 0)
        return trm__fail(err, TRM_E_FORMAT, "grid row %d, column %d: token %d is not a %s token (1..%d)", bad / w,
                         bad % w, tokens[bad], t->name, t->vocab_size - 1);
    return ok(err);
}
