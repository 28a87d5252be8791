/* trm-solve: solve one question of the model's task (a maze, a sudoku) with a model, pass by
 * pass, print the answer and the task's verdict,
 * and optionally write every refinement pass as JSON (--trace; format in native/TOOLS.md, the
 * same structure the web page animates). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "fileio.h"
#include "maze.h"
#include "model_io.h"
#include "task.h"

static const char TOOL[] = "trm-solve";

static const char USAGE[] =
    "usage: trm-solve --model FILE.safetensors (--grid FILE.txt | --csv FILE.csv --row K)\n"
    "                 [--steps N] [--early-halt] [--vote] [--trace FILE.json] [--quiet] [--color|--no-color]\n"
    "                 [--threads N] [--kernels K] [--precision P]\n"
    "\n"
    "Solves one question of the model's task and prints it, the model's answer and the task's\n"
    "verdict: valid (mazes: one S-G path over open cells, nothing else changed, checked by BFS;\n"
    "sudoku: a solved grid that keeps the givens), optimal (mazes: shortest), exact (equals the\n"
    "known answer, if there is one).\n"
    "\n"
    "  --model FILE     model file (safetensors)\n"
    "  --grid FILE      text file: one line per grid row (or the whole grid on one line) in the\n"
    "                   task's characters. Mazes: '#' wall, ' ' open, 'S' start, 'G' goal (trailing\n"
    "                   spaces count); an answer grid is accepted too: its 'o' cells become open\n"
    "                   cells for the question and it serves as the label. Sudoku: 9 lines of 9, or\n"
    "                   81 characters, '.' or '0' for a blank. --maze is the same option\n"
    "  --csv FILE --row K  data row K (1 = first row after the header) of an HRM CSV dataset\n"
    "  --steps N        supervision steps (default: the model's halt_max_steps)\n"
    "  --early-halt     stop at the first supervision step whose q_halt logit is > 0 and\n"
    "                   whose answer equals the previous step's (core's halting rule)\n"
    "  --vote           symmetry voting: solve the question in each of its views (the 8 rotations\n"
    "                   and reflections of a square maze, 4 otherwise; 8 fixed shuffles of a\n"
    "                   sudoku) at once, transform the answers\n"
    "                   back and keep the one most views give (with --early-halt each view halts\n"
    "                   by the rule and the solve stops when all have); views times the compute\n"
    "  --trace FILE     write every refinement pass as JSON (grid, per-cell confidence, q_halt)\n"
    "  --quiet          print only the verdict line\n"
    "  --color, --no-color  force ANSI colours on or off (default: on for a terminal)\n"
    "%s"
    "\n"
    "Example:\n"
    "  native/trm-solve --model runs/maze6/model.safetensors --csv test6.csv --row 1 --trace t.json\n"
    "Exit status: 0 solved (whatever the verdict), 1 bad file, 2 bad arguments.\n";

typedef struct args {
    const char *model, *grid, *csv, *trace;
    long row, steps;
    int early_halt, vote, quiet, color;
    trmn_cli_common common;
} args;

static int parse_args(int argc, char **argv, args *a) {
    static const char *const flags[] = {"--early-halt", "--vote", "--quiet", "--color", "--no-color", NULL};
    static const char *const values[] = {"--model", "--grid", "--maze", "--csv", "--row", "--steps", "--trace", NULL};
    memset(a, 0, sizeof *a);
    a->color = -1;
    for (int i = 1; i < argc;) {
        trmn_cli_opt o;
        if (trmn_cli_next(TOOL, argc, argv, &i, flags, values, &o)) return TRMN_EXIT_USAGE;
        int c = trmn_cli_common_option(TOOL, &o, &a->common);
        if (c < 0) return -c;
        if (c) continue;
        if (!strcmp(o.key, "--help")) {
            printf(USAGE, TRMN_CLI_COMMON_HELP);
            exit(0);
        } else if (!strcmp(o.key, "--model")) a->model = o.value;
        else if (!strcmp(o.key, "--grid") || !strcmp(o.key, "--maze")) a->grid = o.value;
        else if (!strcmp(o.key, "--csv")) a->csv = o.value;
        else if (!strcmp(o.key, "--trace")) a->trace = o.value;
        else if (!strcmp(o.key, "--early-halt")) a->early_halt = 1;
        else if (!strcmp(o.key, "--vote")) a->vote = 1;
        else if (!strcmp(o.key, "--quiet")) a->quiet = 1;
        else if (!strcmp(o.key, "--color")) a->color = 1;
        else if (!strcmp(o.key, "--no-color")) a->color = 0;
        else if (!strcmp(o.key, "--row")) {
            if (trmn_cli_parse_long(o.value, 1, 1000000000L, &a->row))
                return trmn_cli_usage_error(TOOL, "--row '%s': expected a positive integer (1 = first data row)", o.value);
        } else if (!strcmp(o.key, "--steps")) {
            if (trmn_cli_parse_long(o.value, 1, 100000, &a->steps))
                return trmn_cli_usage_error(TOOL, "--steps '%s': expected an integer in [1, 100000]", o.value);
        } else return trmn_cli_usage_error(TOOL, "unknown option '%s'", o.key);
    }
    if (!a->model) return trmn_cli_usage_error(TOOL, "missing --model FILE");
    if (!!a->grid == !!a->csv) return trmn_cli_usage_error(TOOL, "give either --grid FILE.txt or --csv FILE.csv --row K");
    if (a->csv && !a->row) return trmn_cli_usage_error(TOOL, "--csv needs --row K");
    if (a->grid && a->row) return trmn_cli_usage_error(TOOL, "--row goes with --csv, not --grid");
    return 0;
}

/* ---- input ---------------------------------------------------------------------------------- */

/* One line of a grid file (rows x cols cells) into tokens: the error names the file line and
 * column. */
static int tokenize_line(const trm_task *t, const char *path, int line, const char *p, size_t n, int rows, int cols,
                         uint8_t *tokens) {
    trm_error e;
    if (trm_task_tokenize(t, p, n, rows, cols, tokens, &e) == TRM_OK) return 0;
    size_t col = 0; /* e names row 0 of the 1-row grid; report the file line and column instead */
    while (col < n && p[col] && trm_task_tokenize(t, p + col, 1, 1, 1, &(uint8_t){0}, &e) == TRM_OK) col++;
    const unsigned char ch = (unsigned char)p[col];
    return trmn_cli_error(TOOL, ch >= 0x20 && ch < 0x7f ? "%s: line %d, column %zu: character '%c' is not one of \"%s\""
                                                        : "%s: line %d, column %zu: byte 0x%02x is not one of \"%s\"",
                          path, line, col + 1, ch, t->charset);
}

/* Parse a grid text file of exactly h lines of w characters (or one line of h*w) into tokens
 * [h*w]. */
static int read_grid_text(const trm_task *t, const char *path, int h, int w, uint8_t *tokens) {
    uint8_t *buf;
    size_t len;
    trm_error e;
    if (trmn_read_file(path, 1u << 24, &buf, &len, &e) != TRM_OK) return trmn_cli_error(TOOL, "%s", e.msg);
    const char *p = (const char *)buf, *end = p + len;
    int line = 0, rc = 0, rows = 0;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n && p[n - 1] == '\r') n--; /* CRLF */
        line++;
        if (line == 1 && h > 1 && n == (size_t)h * (size_t)w) { /* the whole grid on one line */
            rc = tokenize_line(t, path, line, p, n, h, w, tokens);
            rows = h;
        } else if (rows >= h) {
            for (size_t i = 0; i < n && !rc; i++)
                if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
                    rc = trmn_cli_error(TOOL, "%s: line %d: the grid has more than %d rows (the model is for %dx%d grids)",
                                        path, line, h, h, w);
        } else if (n != (size_t)w) {
            rc = trmn_cli_error(TOOL, "%s: line %d has %zu characters, expected %d (the model is for %dx%d grids%s)", path,
                                line, n, w, h, w, strchr(t->charset, ' ') ? "; trailing spaces count" : "");
        } else {
            rc = tokenize_line(t, path, line, p, n, 1, w, tokens + (size_t)rows * w);
            rows++;
        }
        if (!nl) break;
        p = nl + 1;
    }
    if (!rc && rows < h)
        rc = trmn_cli_error(TOOL, "%s: %d line%s, expected %d rows (the model is for %dx%d grids)", path, line,
                            line == 1 ? "" : "s", h, h, w);
    free(buf);
    return rc;
}

/* ---- output --------------------------------------------------------------------------------- */

/* Mazes: walls grey, S green, G red, path yellow; other tasks: what the answer filled in yellow. */
static void put_cell(char c, int color, int wrong, int filled, int maze) {
    if (!color) {
        putchar(c);
        return;
    }
    const char *style = !maze ? (filled ? "\033[1;33m" : "") : c == '#' ? "\033[90m" : c == 'S' ? "\033[1;32m"
                      : c == 'G' ? "\033[1;31m" : c == 'o' ? "\033[1;33m" : "";
    if (!wrong && !*style) putchar(c);
    else printf("%s%s%c\033[0m", wrong ? "\033[41m" : "", style, c);
}

static void print_grids(const trm_task *t, const char *q, const char *a, const char *label, int h, int w, int color) {
    const int maze = !strcmp(t->name, "maze");
    printf("%-*s   %s\n", w + 2, t->item, "answer");
    for (int r = 0; r < h; r++) {
        putchar('|');
        for (int c = 0; c < w; c++) put_cell(q[r * w + c], color, 0, 0, maze);
        printf("|   |");
        for (int c = 0; c < w; c++) {
            const int i = r * w + c;
            put_cell(a[i], color, label && a[i] != label[i] && !(maze && a[i] == 'o' && (label[i] == 'S' || label[i] == 'G')),
                     a[i] != q[i], maze);
        }
        printf("|\n");
    }
}

/* Growable text buffer for the trace. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) TRMN_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) { b->oom = 1; return; }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = cap;
    }
}

/* A grid as a JSON string (the charset needs no escaping). */
static void sb_grid(sbuf *b, const char *chars) { sb_printf(b, "\"%s\"", chars); }

typedef struct solve_ctx {
    const args *a;
    trm_model *m;
    const trm_task *task;      /* the model's: it verifies the answer */
    int maze;                  /* the task is mazes: maze-only facts (shortest path, 'o' cells) */
    int h, w, T;
    size_t grid;
    uint8_t *q, *label, *tok;  /* [grid]; label NULL when unknown */
    float *conf;
    char *chars;               /* [grid + 1] scratch */
    sbuf trace;
    int steps_used;
    int views;                 /* 1, or the views of --vote */
    trm_vote vote;             /* the last pass's vote (views > 1) */
} solve_ctx;

static void trace_pass(solve_ctx *c, int index, int step, int recursion, float q_halt, double ms) {
    sbuf *b = &c->trace;
    trm_task_detokenize(c->task, c->tok, c->h, c->w, c->chars, NULL);
    sb_printf(b, "%s\n    {\"index\": %d, \"step\": %d, \"recursion\": %d, \"grid\": ", index ? "," : "", index, step,
              recursion);
    sb_grid(b, c->chars);
    sb_printf(b, ", \"confidence\": [");
    for (size_t i = 0; i < c->grid; i++) sb_printf(b, "%s%.4f", i ? "," : "", c->conf[i]);
    if (isfinite(q_halt)) sb_printf(b, "], \"q_halt\": %.6g, ", q_halt);
    else sb_printf(b, "], \"q_halt\": null, ");
    if (c->views > 1)
        sb_printf(b, "\"votes\": {\"views\": %d, \"agree\": %d, \"distinct\": %d}, ", c->views, c->vote.agree,
                  c->vote.distinct);
    sb_printf(b, "\"ms\": %.3f}", ms);
}

/* The voting buffers: the views' questions, their answers (scratch of trm_solver_vote). */
typedef struct vote_bufs {
    uint8_t *copies, *answers;
    float *scores;
} vote_bufs;

/* Run the passes; the answer ends in c->tok. */
static int solve(solve_ctx *c) {
    trm_error e;
    const size_t n = (size_t)c->views * c->grid;
    vote_bufs vb = {0};
    if (c->views > 1) {
        vb.copies = malloc(n), vb.answers = malloc(n);
        vb.scores = malloc((size_t)c->views * sizeof *vb.scores);
    }
    trm_solver *s = NULL;
    int rc = 0;
    if (c->views > 1 && (!vb.copies || !vb.answers || !vb.scores)) rc = trmn_cli_error(TOOL, "out of memory");
    else if (c->views > 1 && trm_task_views_expand(c->task, c->q, c->h, c->w, c->views, vb.copies, &e) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s", e.msg);
    else if (!(s = trm_solver_create(c->m, c->views, &e))) rc = trmn_cli_error(TOOL, "%s", e.msg);
    else if (trm_solver_reset(s, c->views > 1 ? vb.copies : c->q, NULL, c->views, &e) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s", e.msg);
    const int steps = c->a->steps ? (int)c->a->steps : trm_model_config(c->m)->halt_max_steps;
    int index = 0;
    c->steps_used = steps;
    for (int step = 1; step <= steps && !rc; step++) {
        for (int r = 1; r <= c->T; r++, index++) {
            const double t0 = trmn_cli_now();
            trm_solver_pass(s);
            float q_halt = r == c->T ? trm_solver_halt_logit(s, 0) : NAN;
            if (c->views > 1) { /* the views were checked by expand: the vote cannot fail */
                float q;
                trm_solver_vote(s, c->task, c->h, c->w, c->views, c->a->early_halt, vb.answers, vb.scores, c->tok,
                                c->conf, &q, &c->vote, &e);
                if (r == c->T) q_halt = q;
            } else trm_solver_read(s, c->tok, c->conf);
            const double ms = (trmn_cli_now() - t0) * 1e3;
            if (c->a->trace) trace_pass(c, index, step, r, q_halt, ms);
        }
        /* core's halting rule: every view has halted */
        if (c->a->early_halt && (c->views > 1 ? trm_solver_all_halted(s) : trm_solver_halt_step(s, 0))) {
            c->steps_used = step;
            break;
        }
    }
    trm_solver_free(s);
    free(vb.copies), free(vb.answers), free(vb.scores);
    return rc;
}

static int report(solve_ctx *c, const trm_verdict *v) {
    const char *yn[] = {"no", "yes"};
    char *qc = malloc(c->grid + 1), *ac = malloc(c->grid + 1), *lc = c->label ? malloc(c->grid + 1) : NULL;
    if (!qc || !ac || (c->label && !lc)) {
        free(qc);
        free(ac);
        free(lc);
        return trmn_cli_error(TOOL, "out of memory");
    }
    trm_task_detokenize(c->task, c->q, c->h, c->w, qc, NULL);
    trm_task_detokenize(c->task, c->tok, c->h, c->w, ac, NULL);
    if (lc) trm_task_detokenize(c->task, c->label, c->h, c->w, lc, NULL);
    const int color = c->a->color >= 0 ? c->a->color : trmn_cli_isatty(stdout);
    if (!c->a->quiet) print_grids(c->task, qc, ac, lc, c->h, c->w, color);
    printf("%d supervision step%s (%d passes): valid %s, optimal %s", c->steps_used, c->steps_used == 1 ? "" : "s",
           c->steps_used * c->T, yn[v->valid], yn[v->optimal]);
    if (c->maze && v->valid) printf(" (length %d, shortest %d)", v->length, v->best_length);
    else if (c->maze) printf(" (%s; shortest %d)", v->reason, v->best_length);
    else if (v->valid) printf(" (length %d %s, best %d)", v->length, c->task->length_unit, v->best_length);
    else printf(" (%s; best %d)", v->reason, v->best_length);
    if (c->label) printf(", exact %s", yn[v->exact]);
    if (c->views > 1) printf("; %d of %d views gave this answer (%d different)", c->vote.agree, c->views, c->vote.distinct);
    printf("\n");
    free(qc);
    free(ac);
    free(lc);
    return 0;
}

static int write_trace(solve_ctx *c, const trm_verdict *v) {
    sbuf *b = &c->trace;
    sbuf h = {0};
    trm_task_detokenize(c->task, c->q, c->h, c->w, c->chars, NULL);
    char *model = trmn_cli_json_quote(c->a->model);
    if (!model) return trmn_cli_error(TOOL, "out of memory for the trace");
    sb_printf(&h, "{\"model\": %s,\n  \"height\": %d, \"width\": %d, \"H_cycles\": %d, \"early_halt\": %s, \"views\": %d,\n  \"question\": ",
              model, c->h, c->w, c->T, c->a->early_halt ? "true" : "false", c->views);
    free(model);
    sb_grid(&h, c->chars);
    sb_printf(&h, ",\n  \"label\": ");
    if (c->label) {
        trm_task_detokenize(c->task, c->label, c->h, c->w, c->chars, NULL);
        sb_grid(&h, c->chars);
    } else sb_printf(&h, "null");
    sb_printf(&h, ",\n  \"passes\": [");
    trm_task_detokenize(c->task, c->tok, c->h, c->w, c->chars, NULL);
    sb_printf(b, "\n  ],\n  \"final\": {\"grid\": ");
    sb_grid(b, c->chars);
    sb_printf(b, ", \"steps\": %d, \"valid\": %s, \"optimal\": %s, \"exact\": %s, \"length\": %d, \"shortest\": %d, "
              "\"reason\": \"%s\"}\n}\n", c->steps_used, v->valid ? "true" : "false", v->optimal ? "true" : "false",
              !c->label ? "null" : v->exact ? "true" : "false", v->length, v->best_length, v->reason);
    int rc = 0;
    trm_error e;
    if (h.oom || b->oom) rc = trmn_cli_error(TOOL, "out of memory for the trace");
    trmn_io_part parts[2] = {{h.p, h.len}, {b->p, b->len}};
    if (!rc && trmn_write_file_parts(c->a->trace, parts, 2, &e) != TRM_OK) rc = trmn_cli_error(TOOL, "%s", e.msg);
    free(h.p);
    return rc;
}

/* Question (and label) from --grid or --csv. */
static int load_input(solve_ctx *c) {
    const args *a = c->a;
    if (a->grid) {
        if (read_grid_text(c->task, a->grid, c->h, c->w, c->q)) return TRMN_EXIT_RUNTIME;
        int has_path = 0;
        for (size_t i = 0; c->maze && i < c->grid; i++) has_path |= c->q[i] == TRM_MAZE_PATH;
        if (has_path) { /* an answer grid: it is the label, its question has the path cleared */
            memcpy(c->label, c->q, c->grid);
            for (size_t i = 0; i < c->grid; i++)
                if (c->q[i] == TRM_MAZE_PATH) c->q[i] = TRM_MAZE_OPEN;
        } else {
            free(c->label);
            c->label = NULL;
        }
        return 0;
    }
    trmn_csv_dataset d;
    trm_error e;
    if (trmn_csv_read(a->csv, trm_model_config(c->m)->task, c->h, c->w, &d, &e) != TRM_OK)
        return trmn_cli_error(TOOL, "%s (the model is for %dx%d grids)", e.msg, c->h, c->w);
    int rc = 0;
    if ((size_t)a->row > d.count) rc = trmn_cli_error(TOOL, "%s: --row %ld, but the file has %zu data rows", a->csv, a->row, d.count);
    else {
        memcpy(c->q, d.questions + (size_t)(a->row - 1) * c->grid, c->grid);
        memcpy(c->label, d.answers + (size_t)(a->row - 1) * c->grid, c->grid);
    }
    trmn_csv_free(&d);
    return rc;
}

int main(int argc, char **argv) {
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    const trm_kernels *k = trmn_cli_kernels(TOOL, a.common.kernels);
    if (!k) return TRMN_EXIT_USAGE;
    trmn_cli_apply_threads(a.common.threads);
    trm_error e;
    solve_ctx c;
    memset(&c, 0, sizeof c);
    c.a = &a;
    c.m = trmn_load_model_file(a.model, &e);
    if (!c.m) return trmn_cli_error(TOOL, "%s", e.msg);
    trm_model_set_kernels(c.m, k);
    if ((rc = trmn_cli_apply_precision(TOOL, c.m, a.common.precision))) {
        trm_model_free(c.m);
        return rc;
    }
    const trm_config *cfg = trm_model_config(c.m);
    c.task = cfg->task ? cfg->task : trm_task_default();
    c.maze = !strcmp(c.task->name, "maze");
    c.h = cfg->grid_height;
    c.w = cfg->grid_width;
    c.T = cfg->H_cycles;
    c.views = a.vote ? trm_task_views(c.task, c.h, c.w) : 1;
    c.grid = (size_t)c.h * c.w;
    c.q = malloc(c.grid);
    c.label = malloc(c.grid);
    c.tok = malloc(c.grid);
    c.conf = malloc(c.grid * sizeof *c.conf);
    c.chars = malloc(c.grid + 1);
    void *ws = malloc(c.task->workspace_bytes(c.h, c.w)); /* also trm_maze_*'s, for mazes */
    if (!c.q || !c.label || !c.tok || !c.conf || !c.chars || !ws) rc = trmn_cli_error(TOOL, "out of memory");
    if (!rc) rc = load_input(&c);
    trm_verdict v;
    /* check the question before spending time on it (mazes: exactly one S and one G) */
    int shortest;
    if (!rc && (c.maze ? trm_maze_count_shortest(c.q, c.h, c.w, 1, &shortest, &(int){0}, ws, &e)
                       : c.task->check_question(c.q, c.h, c.w, &e)) != TRM_OK)
        rc = trmn_cli_error(TOOL, "%s: %s", a.grid ? a.grid : a.csv, e.msg);
    if (!rc) rc = solve(&c);
    if (!rc && c.task->verify(c.q, c.tok, c.label, c.h, c.w, ws, &v, &e) != TRM_OK) rc = trmn_cli_error(TOOL, "%s", e.msg);
    if (!rc) rc = report(&c, &v);
    if (!rc && a.trace) rc = write_trace(&c, &v);
    free(c.q);
    free(c.label);
    free(c.tok);
    free(c.conf);
    free(c.chars);
    free(c.trace.p);
    free(ws);
    trm_model_free(c.m);
    return rc;
}
