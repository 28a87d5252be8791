/* csv.c: HRM maze CSV reader and writer (format in csv.h). The reader is a byte-level state
 * machine over the whole file in memory; it never trusts a length or a count from the input. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "task.h"

static const char CSV_HEADER[] = "source,question,answer,rating";

/* Grow *buf (of *cap elements of size elem) to hold at least need elements. */
static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > ((size_t)-1 / 2) / elem) return -1;
        n *= 2;
    }
    void *p = realloc(*buf, n * elem);
    if (!p) return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Dataset                                                                                     */

void trmn_csv_init(trmn_csv_dataset *d, const trm_task *task, int height, int width) {
    memset(d, 0, sizeof *d);
    d->task = task ? task : trm_task_default();
    d->height = height;
    d->width = width;
}

void trmn_csv_free(trmn_csv_dataset *d) {
    free(d->questions);
    free(d->answers);
    free(d->ratings);
    free(d->sources);
    free(d->text);
    free(d->text_off);
    trmn_csv_init(d, d->task, 0, 0);
}

/* Point sources[] into the text block again (after it moved). */
static void fix_sources(trmn_csv_dataset *d) {
    for (size_t i = 0; i < d->count; i++) d->sources[i] = d->text + d->text_off[i];
}

/* Resize every per-row array to rows rows; on failure nothing is lost (the arrays that did
 * grow are just larger than cap_rows says). */
static int reserve_rows(trmn_csv_dataset *d, size_t rows, size_t cells) {
    if (rows > ((size_t)-1 / 2) / (cells + sizeof(int32_t) + sizeof(char *) + sizeof(size_t))) return -1;
    uint8_t *q = realloc(d->questions, rows * cells);
    if (!q) return -1;
    d->questions = q;
    uint8_t *a = realloc(d->answers, rows * cells);
    if (!a) return -1;
    d->answers = a;
    int32_t *r = realloc(d->ratings, rows * sizeof *r);
    if (!r) return -1;
    d->ratings = r;
    char **s = realloc(d->sources, rows * sizeof *s);
    if (!s) return -1;
    d->sources = s;
    size_t *o = realloc(d->text_off, rows * sizeof *o);
    if (!o) return -1;
    d->text_off = o;
    d->cap_rows = rows;
    return 0;
}

trm_status trmn_csv_append(trmn_csv_dataset *d, const char *source, const uint8_t *question,
                           const uint8_t *answer, int32_t rating, trm_error *err) {
    if (d->height < 1 || d->width < 1 || d->height > d->task->max_side || d->width > d->task->max_side)
        return trmn_error_set(err, TRM_E_SHAPE, "dataset grid size %d x %d is not set or is over %d",
                        d->height, d->width, d->task->max_side);
    size_t cells = (size_t)d->height * (size_t)d->width, slen = strlen(source);
    if (d->count == d->cap_rows && reserve_rows(d, d->cap_rows ? 2 * d->cap_rows : 16, cells))
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory growing the dataset past %zu rows", d->count);
    char *old = d->text;
    if (grow((void **)&d->text, &d->text_cap, d->text_len + slen + 1, 1))
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory storing row sources");
    memcpy(d->questions + d->count * cells, question, cells);
    memcpy(d->answers + d->count * cells, answer, cells);
    d->ratings[d->count] = rating;
    d->text_off[d->count] = d->text_len;
    memcpy(d->text + d->text_len, source, slen + 1);
    d->text_len += slen + 1;
    d->count++;
    if (d->text != old) fix_sources(d);
    else d->sources[d->count - 1] = d->text + d->text_off[d->count - 1];
    return TRM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Reader                                                                                      */

enum { CSV_KEEP_FIELDS = 5 }; /* fields remembered per record: 4, plus one to detect extras */

typedef struct csv_parser {
    const char *p, *end;
    const char *name;
    long line;                    /* line of p (1-based) */
    long rec_line;                /* line where the current record starts */
    char *buf;                    /* unescaped fields of the current record, each NUL-ended */
    size_t buf_len, buf_cap;
    size_t off[CSV_KEEP_FIELDS], len[CSV_KEEP_FIELDS];
    int nf;                       /* fields in the current record */
} csv_parser;

static int put(csv_parser *ps, char c) {
    if (ps->buf_len == ps->buf_cap && grow((void **)&ps->buf, &ps->buf_cap, ps->buf_len + 1, 1)) return -1;
    ps->buf[ps->buf_len++] = c;
    return 0;
}

/* Where errors point: "name: line L". */
#define AT ps->name, ps->rec_line

/* One quoted field, p just past the opening quote. */
static trm_status read_quoted(csv_parser *ps, trm_error *err) {
    long start = ps->line;
    for (;;) {
        if (ps->p == ps->end)
            return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: column %d: quote opened on line %ld is never closed",
                            AT, ps->nf + 1, start);
        char c = *ps->p++;
        if (c == '"') {
            if (ps->p < ps->end && *ps->p == '"') ps->p++; /* "" is one literal quote */
            else break;
        } else if (c == '\n' || (c == '\r' && !(ps->p < ps->end && *ps->p == '\n'))) {
            ps->line++;
        } else if (c == '\0') {
            return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: column %d: NUL byte", AT, ps->nf + 1);
        }
        if (put(ps, c)) return trmn_error_set(err, TRM_E_NOMEM, "out of memory reading %s", ps->name);
    }
    if (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n' && *ps->p != '\r')
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: column %d: unexpected character '%c' after the closing quote",
                        AT, ps->nf + 1, *ps->p >= 0x20 && *ps->p < 0x7f ? *ps->p : '?');
    return TRM_OK;
}

/* Read the next non-empty record into ps. *got = 0 at the end of the text. */
static trm_status read_record(csv_parser *ps, int *got, trm_error *err) {
    *got = 0;
    while (ps->p < ps->end && (*ps->p == '\n' || *ps->p == '\r')) { /* empty lines */
        if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n') ps->p++;
        ps->p++;
        ps->line++;
    }
    if (ps->p == ps->end) return TRM_OK;
    ps->rec_line = ps->line;
    ps->nf = 0;
    ps->buf_len = 0;
    for (;;) {
        size_t off = ps->buf_len;
        if (ps->p < ps->end && *ps->p == '"') {
            ps->p++;
            trm_status st = read_quoted(ps, err);
            if (st != TRM_OK) return st;
        } else {
            while (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n' && *ps->p != '\r') {
                if (*ps->p == '\0')
                    return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: column %d: NUL byte", AT, ps->nf + 1);
                if (put(ps, *ps->p++)) return trmn_error_set(err, TRM_E_NOMEM, "out of memory reading %s", ps->name);
            }
        }
        if (put(ps, '\0')) return trmn_error_set(err, TRM_E_NOMEM, "out of memory reading %s", ps->name);
        if (ps->nf < CSV_KEEP_FIELDS) {
            ps->off[ps->nf] = off;
            ps->len[ps->nf] = ps->buf_len - 1 - off;
        }
        ps->nf++;
        if (ps->p == ps->end) break;
        char c = *ps->p++;
        if (c == ',') continue; /* at the end of the text this gives one last empty field */
        if (c == '\r' && ps->p < ps->end && *ps->p == '\n') ps->p++;
        ps->line++;
        break;
    }
    *got = 1;
    return TRM_OK;
}

static const char *field(const csv_parser *ps, int i) { return ps->buf + ps->off[i]; }

/* "118", "-3", "+7" or "118.0" / "118.00" (pandas writes integer columns with NaN as floats). */
static int parse_rating(const char *s, int32_t *out) {
    int neg = 0;
    long long v = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (*s < '0' || *s > '9') return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        if (v > 2147483648LL) return -1;
    }
    if (*s == '.') {
        s++;
        if (*s != '0') return -1;
        while (*s == '0') s++;
    }
    if (*s) return -1;
    if (neg) v = -v;
    if (v > 2147483647LL) return -1;
    *out = (int32_t)v;
    return 0;
}

static int isqrt_exact(size_t n, int max_side) {
    size_t r = 0;
    while ((r + 1) * (r + 1) <= n && r < (size_t)max_side) r++;
    return r * r == n ? (int)r : -1;
}

/* The question must be one of the task's (core's rule), and its answer must fit it (mazes: only
 * path cells marked). */
static trm_status check_pair(const csv_parser *ps, size_t row, const trmn_csv_dataset *d, const uint8_t *q,
                             const uint8_t *a, trm_error *err) {
    trm_error e;
    if (d->task->check_question(q, d->height, d->width, &e) != TRM_OK)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld (data row %zu): column 2 (%s)", AT, row, e.msg);
    if (d->task->check_label(q, a, d->height, d->width, &e) != TRM_OK)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld (data row %zu): column 3 (answer): %s", AT, row, e.msg);
    return TRM_OK;
}

static trm_status take_row(csv_parser *ps, size_t row, trmn_csv_dataset *d, uint8_t **q, uint8_t **a,
                           trm_error *err) {
    if (ps->nf != 4)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld (data row %zu): %d columns, expected 4 (source,question,answer,rating)",
                        AT, row, ps->nf);
    size_t qlen = ps->len[1], alen = ps->len[2];
    if (d->height == 0) {
        int side = isqrt_exact(qlen, d->task->max_side);
        if (side < 1)
            return trmn_error_set(err, TRM_E_SHAPE, "%s: line %ld (data row %zu): column 2 (question): length %zu is not a square "
                            "number of cells; give the grid height and width", AT, row, qlen);
        d->height = d->width = side;
    }
    size_t cells = (size_t)d->height * (size_t)d->width;
    if (qlen != cells)
        return trmn_error_set(err, TRM_E_SHAPE, "%s: line %ld (data row %zu): column 2 (question): %zu characters, expected %d x %d = %zu",
                        AT, row, qlen, d->height, d->width, cells);
    if (alen != qlen)
        return trmn_error_set(err, TRM_E_SHAPE, "%s: line %ld (data row %zu): column 3 (answer): %zu characters, but the question has %zu",
                        AT, row, alen, qlen);
    if (!*q) {
        *q = malloc(cells);
        *a = malloc(cells);
        if (!*q || !*a) return trmn_error_set(err, TRM_E_NOMEM, "out of memory reading %s", ps->name);
    }
    trm_error te;
    for (int col = 1; col <= 2; col++) {
        if (trm_task_tokenize(d->task, field(ps, col), cells, d->height, d->width, col == 1 ? *q : *a, &te) != TRM_OK)
            return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld (data row %zu): column %d (%s): %s", AT, row, col + 1,
                            col == 1 ? "question" : "answer", te.msg);
    }
    trm_status st = check_pair(ps, row, d, *q, *a, err);
    if (st != TRM_OK) return st;
    int32_t rating;
    if (parse_rating(field(ps, 3), &rating))
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld (data row %zu): column 4 (rating): '%.40s' is not an integer",
                        AT, row, field(ps, 3));
    return trmn_csv_append(d, field(ps, 0), *q, *a, rating, err);
}

static trm_status parse_all(csv_parser *ps, trmn_csv_dataset *out, trm_error *err) {
    int got;
    trm_status st = read_record(ps, &got, err);
    if (st != TRM_OK) return st;
    if (!got)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: empty file, expected the header %s", ps->name, CSV_HEADER);
    if (ps->nf != 4)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: header has %d columns, expected 4 (%s)", AT, ps->nf, CSV_HEADER);
    static const char *const names[4] = {"source", "question", "answer", "rating"};
    for (int i = 0; i < 4; i++)
        if (strcmp(field(ps, i), names[i]))
            return trmn_error_set(err, TRM_E_FORMAT, "%s: line %ld: column %d of the header is '%.40s', expected '%s' (the first "
                                  "line must be the header %s; a file without one would lose its first row)", AT, i + 1,
                                  field(ps, i), names[i], CSV_HEADER);
    uint8_t *q = NULL, *a = NULL;
    for (size_t row = 1;; row++) {
        st = read_record(ps, &got, err);
        if (st != TRM_OK || !got) break;
        st = take_row(ps, row, out, &q, &a, err);
        if (st != TRM_OK) break;
    }
    free(q);
    free(a);
    if (st == TRM_OK && out->count == 0)
        return trmn_error_set(err, TRM_E_FORMAT, "%s: no data rows after the header", ps->name);
    return st;
}

trm_status trmn_csv_parse(const char *text, size_t len, const char *name, const trm_task *task, int height,
                          int width, trmn_csv_dataset *out, trm_error *err) {
    trmn_csv_init(out, task, 0, 0);
    if (!name) name = "<csv>";
    if (height != 0 || width != 0) {
        if (height < 1 || width < 1 || height > out->task->max_side || width > out->task->max_side)
            return trmn_error_set(err, TRM_E_SHAPE, "%s: grid size %d x %d: height and width must be in [1, %d] (or both 0)",
                            name, height, width, out->task->max_side);
        out->height = height;
        out->width = width;
    }
    csv_parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = text;
    ps.end = text + len;
    ps.name = name;
    ps.line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ps.p += 3; /* UTF-8 byte order mark */
    trm_status st = parse_all(&ps, out, err);
    free(ps.buf);
    if (st != TRM_OK) {
        trmn_csv_free(out);
        return st;
    }
    if (err) {
        err->code = TRM_OK;
        err->msg[0] = '\0';
    }
    return TRM_OK;
}

trm_status trmn_csv_read(const char *path, const trm_task *task, int height, int width, trmn_csv_dataset *out,
                         trm_error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    trmn_csv_init(out, task, 0, 0);
    trm_status st = trmn_read_file(path, 0, &buf, &len, err);
    if (st != TRM_OK) return st;
    st = trmn_csv_parse((const char *)buf, len, path, task, height, width, out, err);
    free(buf);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */

typedef struct out_buf {
    char *p;
    size_t len, cap;
    int oom;
} out_buf;

static void out_bytes(out_buf *o, const char *s, size_t n) {
    if (o->oom) return;
    if (grow((void **)&o->p, &o->cap, o->len + n + 1, 1)) {
        o->oom = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void out_source(out_buf *o, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        out_bytes(o, s, strlen(s));
        return;
    }
    out_bytes(o, "\"", 1);
    for (; *s; s++) {
        if (*s == '"') out_bytes(o, "\"\"", 2); /* a quote inside quotes is doubled */
        else out_bytes(o, s, 1);
    }
    out_bytes(o, "\"", 1);
}

/* A grid as a quoted field; the charset holds no quote, so nothing needs escaping. */
static trm_status out_grid(out_buf *o, const trm_task *task, const uint8_t *t, size_t cells, char *scratch,
                           size_t row, const char *col, int w, trm_error *err) {
    for (size_t i = 0; i < cells; i++) {
        scratch[i] = trm_task_token_char(task, t[i]);
        if (scratch[i] == '?')
            return trmn_error_set(err, TRM_E_FORMAT, "row %zu, %s, grid row %d, column %d: token %d is not a %s token",
                            row + 1, col, (int)(i / (size_t)w), (int)(i % (size_t)w), t[i], task->name);
    }
    out_bytes(o, "\"", 1);
    out_bytes(o, scratch, cells);
    out_bytes(o, "\"", 1);
    return TRM_OK;
}

trm_status trmn_csv_format(const trmn_csv_dataset *d, char **out, size_t *len, trm_error *err) {
    *out = NULL;
    *len = 0;
    size_t cells = (size_t)d->height * (size_t)d->width;
    out_buf o = {0};
    char *scratch = malloc(cells + 1);
    if (!scratch) return trmn_error_set(err, TRM_E_NOMEM, "out of memory formatting CSV");
    if (grow((void **)&o.p, &o.cap, 64 + d->count * (2 * cells + 32) + d->text_len, 1)) o.oom = 1;
    out_bytes(&o, CSV_HEADER, sizeof CSV_HEADER - 1);
    out_bytes(&o, "\n", 1);
    trm_status st = TRM_OK;
    for (size_t r = 0; r < d->count && st == TRM_OK; r++) {
        char num[24];
        out_source(&o, d->sources[r]);
        out_bytes(&o, ",", 1);
        st = out_grid(&o, d->task, d->questions + r * cells, cells, scratch, r, "question", d->width, err);
        out_bytes(&o, ",", 1);
        if (st == TRM_OK) st = out_grid(&o, d->task, d->answers + r * cells, cells, scratch, r, "answer", d->width, err);
        int n = snprintf(num, sizeof num, ",%ld\n", (long)d->ratings[r]);
        out_bytes(&o, num, (size_t)n);
    }
    free(scratch);
    if (st == TRM_OK && o.oom) st = trmn_error_set(err, TRM_E_NOMEM, "out of memory formatting CSV");
    if (st != TRM_OK) {
        free(o.p);
        return st;
    }
    if (!o.p) out_bytes(&o, "", 0);
    *out = o.p;
    *len = o.len;
    return TRM_OK;
}

trm_status trmn_csv_write(const char *path, const trmn_csv_dataset *d, trm_error *err) {
    char *text;
    size_t len;
    trm_status st = trmn_csv_format(d, &text, &len, err);
    if (st != TRM_OK) return st;
    st = trmn_write_file(path, text, len, err);
    free(text);
    if (st != TRM_OK) return st;
    if (err) {
        err->code = TRM_OK;
        err->msg[0] = '\0';
    }
    return TRM_OK;
}
