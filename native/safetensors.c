/* safetensors.c: strict safetensors parsing (cJSON for the header) and atomic writing.
 * See safetensors.h for the format and the guarantees. */
#include "safetensors.h"

#include "fileio.h"
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
} DTYPES[TRMN_ST_NUM_DTYPES] = {
    [TRMN_ST_F64] = {"F64", 8},  [TRMN_ST_F32] = {"F32", 4}, [TRMN_ST_F16] = {"F16", 2},
    [TRMN_ST_BF16] = {"BF16", 2}, [TRMN_ST_I64] = {"I64", 8}, [TRMN_ST_I32] = {"I32", 4},
    [TRMN_ST_I16] = {"I16", 2},  [TRMN_ST_I8] = {"I8", 1},   [TRMN_ST_U8] = {"U8", 1},
    [TRMN_ST_BOOL] = {"BOOL", 1},
};

/* JSON integers are parsed as doubles; above 2^53 they are no longer exact, and no offset or
 * dimension that large can describe a real file anyway. */
#define MAX_EXACT_INT 9007199254740992.0

const char *trmn_st_dtype_name(trmn_st_dtype d)
{
    return (unsigned)d < TRMN_ST_NUM_DTYPES ? DTYPES[d].name : "?";
}

size_t trmn_st_dtype_size(trmn_st_dtype d)
{
    return (unsigned)d < TRMN_ST_NUM_DTYPES ? DTYPES[d].size : 0;
}

int trmn_st_dtype_from_name(const char *name)
{
    for (int i = 0; name && i < TRMN_ST_NUM_DTYPES; i++)
        if (strcmp(name, DTYPES[i].name) == 0)
            return i;
    return -1;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Offset of the first byte that is not part of valid UTF-8, or len if all valid (the header
 * must be UTF-8 JSON; overlong forms, surrogates and values above U+10FFFF are invalid). */
static size_t utf8_invalid_at(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                     */

void trmn_st_free(trmn_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_tensors && f->tensors; i++)
        free((char *)f->tensors[i].name);
    for (int i = 0; i < f->n_meta && f->meta; i++) {
        free((char *)f->meta[i].key);
        free((char *)f->meta[i].value);
    }
    free(f->tensors);
    free(f->meta);
    memset(f, 0, sizeof *f);
}

static const char *json_kind(const cJSON *v)
{
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an invalid value";
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Find a string occurring twice among n strings at first, first + stride, ... (a field of an
 * array of structs) in O(n log n): a hostile header may hold millions of keys. *dup = NULL if
 * all differ. Returns -1 only when out of memory. */
static int first_duplicate(const char *const *first, int n, size_t stride, const char **dup)
{
    *dup = NULL;
    if (n < 2)
        return 0;
    const char **v = malloc((size_t)n * sizeof *v);
    if (!v)
        return -1;
    for (int i = 0; i < n; i++)
        v[i] = *(const char *const *)((const char *)first + (size_t)i * stride);
    qsort(v, (size_t)n, sizeof *v, cmp_str_ptr);
    for (int i = 1; i < n && !*dup; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            *dup = v[i];
    free(v);
    return 0;
}

/* A JSON number that is a non-negative integer, exactly representable. */
static int get_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d >= 0.0) || d > MAX_EXACT_INT || d != floor(d))
        return 0;
    *out = (uint64_t)d;
    return 1;
}

static trm_status parse_metadata(const cJSON *md, trmn_st_file *f, trm_error *err)
{
    if (!cJSON_IsObject(md))
        return trmn_error_set(err, TRM_E_FORMAT, "__metadata__ must be an object of strings, but it is %s",
                    json_kind(md));
    int n = 0;
    for (const cJSON *c = md->child; c; c = c->next)
        n++;
    if (n == 0)
        return TRM_OK;
    f->meta = calloc((size_t)n, sizeof *f->meta);
    if (!f->meta)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (%d metadata entries)", n);
    for (const cJSON *c = md->child; c; c = c->next) {
        if (!cJSON_IsString(c))
            return trmn_error_set(err, TRM_E_FORMAT, "__metadata__ entry '%s' must be a string, but it is %s",
                        c->string, json_kind(c));
        trmn_st_meta *m = &f->meta[f->n_meta];
        m->key = dup_str(c->string);
        m->value = dup_str(c->valuestring);
        if (m->key)
            f->n_meta++; /* counted as soon as key is owned, so trmn_st_free frees it */
        if (!m->key || !m->value)
            return trmn_error_set(err, TRM_E_NOMEM, "out of memory (metadata)");
    }
    const char *twice = NULL;
    if (first_duplicate(&f->meta[0].key, f->n_meta, sizeof *f->meta, &twice))
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (metadata)");
    if (twice)
        return trmn_error_set(err, TRM_E_FORMAT, "__metadata__ has the key '%s' twice", twice);
    return TRM_OK;
}

static trm_status parse_shape(const cJSON *sh, trmn_st_tensor *t, trm_error *err)
{
    if (!cJSON_IsArray(sh))
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': \"shape\" must be an array of non-negative "
                    "integers, but it is %s", t->name, json_kind(sh));
    uint64_t numel = 1;
    int nd = 0;
    for (const cJSON *c = sh->child; c; c = c->next, nd++) {
        uint64_t d;
        if (!get_uint(c, &d))
            return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': shape[%d] must be a non-negative integer",
                        t->name, nd);
        if (nd >= TRMN_ST_MAX_DIMS)
            return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': shape has more than %d dimensions", t->name,
                        TRMN_ST_MAX_DIMS);
        t->shape[nd] = (int64_t)d;
        if (d != 0 && numel > (uint64_t)SIZE_MAX / d)
            return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': shape element count overflows", t->name);
        numel *= d;
    }
    t->ndim = nd;
    size_t es = DTYPES[t->dtype].size;
    if (numel > (uint64_t)SIZE_MAX / es)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': shape byte count overflows", t->name);
    t->numel = (size_t)numel;
    t->nbytes = (size_t)numel * es;
    return TRM_OK;
}

static void shape_str(const trmn_st_tensor *t, char *s, size_t cap)
{
    size_t k = (size_t)snprintf(s, cap, "[");
    for (int i = 0; i < t->ndim && k < cap; i++)
        k += (size_t)snprintf(s + k, cap - k, "%s%lld", i ? "," : "", (long long)t->shape[i]);
    if (k < cap)
        snprintf(s + k, cap - k, "]");
}

/* One tensor entry: dtype, shape, data_offsets, and the size check against the data buffer. */
static trm_status parse_entry(const cJSON *e, trmn_st_tensor *t, size_t data_len, trm_error *err)
{
    if (!cJSON_IsObject(e))
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': entry must be an object, but it is %s", t->name,
                    json_kind(e));
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    if (!dt)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': missing \"dtype\"", t->name);
    if (!cJSON_IsString(dt))
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': \"dtype\" must be a string, but it is %s",
                    t->name, json_kind(dt));
    int d = trmn_st_dtype_from_name(dt->valuestring);
    if (d < 0)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': unknown dtype '%s' (supported: F64 F32 F16 BF16 "
                    "I64 I32 I16 I8 U8 BOOL)", t->name, dt->valuestring);
    t->dtype = (trmn_st_dtype)d;
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    if (!sh)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': missing \"shape\"", t->name);
    const trm_status st = parse_shape(sh, t, err);
    if (st != TRM_OK)
        return st;
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!off)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': missing \"data_offsets\"", t->name);
    uint64_t b = 0, en = 0;
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !get_uint(off->child, &b) ||
        !get_uint(off->child->next, &en))
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': \"data_offsets\" must be two non-negative "
                    "integers [begin, end]", t->name);
    if (b > en)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': data_offsets begin %llu > end %llu", t->name,
                    (unsigned long long)b, (unsigned long long)en);
    if (en > data_len)
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': data_offsets end %llu is past the end of the "
                    "data buffer (%zu bytes): truncated file?", t->name, (unsigned long long)en,
                    data_len);
    if (en - b != t->nbytes) {
        char s[160];
        shape_str(t, s, sizeof s);
        return trmn_error_set(err, TRM_E_FORMAT, "tensor '%s': data_offsets span %llu bytes, but shape %s of "
                    "%s needs %zu", t->name, (unsigned long long)(en - b), s,
                    DTYPES[t->dtype].name, t->nbytes);
    }
    t->offset = (size_t)b;
    return TRM_OK;
}

static int cmp_offset(const void *a, const void *b)
{
    const trmn_st_tensor *x = *(const trmn_st_tensor *const *)a, *y = *(const trmn_st_tensor *const *)b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    size_t xe = x->offset + x->nbytes, ye = y->offset + y->nbytes;
    return xe < ye ? -1 : xe > ye;
}

/* Names unique; tensors tile the data buffer exactly (no overlap, no hole, nothing after). */
static trm_status check_layout(const trmn_st_file *f, trm_error *err)
{
    int n = f->n_tensors;
    if (n == 0)
        return f->data_len ? trmn_error_set(err, TRM_E_FORMAT, "data buffer has %zu bytes but there are no "
                                  "tensors", f->data_len) : TRM_OK;
    const trmn_st_tensor **idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (%d tensors)", n);
    for (int i = 0; i < n; i++)
        idx[i] = &f->tensors[i];
    trm_status rc = TRM_OK;
    const char *twice = NULL;
    if (first_duplicate(&f->tensors[0].name, n, sizeof *f->tensors, &twice))
        rc = trmn_error_set(err, TRM_E_NOMEM, "out of memory (%d tensors)", n);
    else if (twice)
        rc = trmn_error_set(err, TRM_E_FORMAT, "tensor '%s' appears twice in the header", twice);
    if (!rc)
        qsort(idx, (size_t)n, sizeof *idx, cmp_offset);
    size_t cursor = 0;
    const trmn_st_tensor *prev = NULL;
    for (int i = 0; i < n && !rc; i++) {
        const trmn_st_tensor *t = idx[i];
        if (t->offset < cursor)
            rc = trmn_error_set(err, TRM_E_FORMAT, "tensors '%s' [%zu, %zu) and '%s' [%zu, %zu) overlap",
                      prev->name, prev->offset, prev->offset + prev->nbytes, t->name, t->offset,
                      t->offset + t->nbytes);
        else if (t->offset > cursor)
            rc = trmn_error_set(err, TRM_E_FORMAT, "hole in the data buffer: bytes [%zu, %zu) before tensor "
                      "'%s' belong to no tensor", cursor, t->offset, t->name);
        cursor = t->offset + t->nbytes;
        prev = t;
    }
    if (!rc && cursor != f->data_len)
        rc = trmn_error_set(err, TRM_E_FORMAT, "hole in the data buffer: bytes [%zu, %zu) after the last "
                  "tensor belong to no tensor", cursor, f->data_len);
    free(idx);
    return rc;
}

/* Checks before JSON: sizes, header length, UTF-8. Fills f->header_len/data/data_len. */
static trm_status parse_prefix(const uint8_t *buf, size_t len, trmn_st_file *f, trm_error *err)
{
    if (len < 8)
        return trmn_error_set(err, TRM_E_FORMAT, "file too short: %zu bytes, a safetensors file starts with an "
                    "8-byte header length", len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | buf[i];
    if (n > TRMN_ST_MAX_HEADER)
        return trmn_error_set(err, TRM_E_FORMAT, "absurd header length %llu (limit %d bytes): not a "
                    "safetensors file?", (unsigned long long)n, TRMN_ST_MAX_HEADER);
    if (n > len - 8)
        return trmn_error_set(err, TRM_E_FORMAT, "header length %llu goes past the end of the file (%zu bytes "
                    "after the length field): truncated file?", (unsigned long long)n, len - 8);
    if (n == 0)
        return trmn_error_set(err, TRM_E_FORMAT, "header is empty (header length 0)");
    size_t bad = utf8_invalid_at(buf + 8, (size_t)n);
    if (bad < n)
        return trmn_error_set(err, TRM_E_FORMAT, "header is not valid UTF-8 at header byte %zu (file offset "
                    "%zu)", bad, bad + 8);
    f->header_len = (size_t)n;
    f->data = buf + 8 + n;
    f->data_len = len - 8 - (size_t)n;
    return TRM_OK;
}

/* Parse the header text; report a failure by byte offset, line and column. */
static trm_status parse_json(const uint8_t *hdr, size_t n, cJSON **root, trm_error *err)
{
    /* A NUL-terminated private copy: cJSON then cannot read past the header whatever it does. */
    char *text = malloc(n + 1);
    if (!text)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (header of %zu bytes)", n);
    memcpy(text, hdr, n);
    text[n] = 0;
    size_t pos = 0;
    trm_error why;
    *root = trmn_json_parse(text, n, &pos, &why);
    free(text);
    if (*root)
        return TRM_OK;
    int line = 1;
    size_t col = 1;
    for (size_t i = 0; i < pos; i++)
        col = hdr[i] == '\n' ? (line++, 1) : col + 1;
    return trmn_error_set(err, why.code, "header is not valid JSON: %s at header byte %zu (file offset %zu, "
                          "line %d, column %zu)", why.msg, pos, pos + 8, line, col);
}

static trm_status parse_header(const cJSON *root, trmn_st_file *f, trm_error *err)
{
    if (!cJSON_IsObject(root))
        return trmn_error_set(err, TRM_E_FORMAT, "header must be a JSON object, but it is %s", json_kind(root));
    int n = 0, n_md = 0;
    for (const cJSON *c = root->child; c; c = c->next) {
        if (strcmp(c->string, "__metadata__") == 0)
            n_md++;
        else
            n++;
    }
    if (n_md > 1)
        return trmn_error_set(err, TRM_E_FORMAT, "header has __metadata__ %d times", n_md);
    if (n > 0) {
        f->tensors = calloc((size_t)n, sizeof *f->tensors);
        if (!f->tensors)
            return trmn_error_set(err, TRM_E_NOMEM, "out of memory (%d tensors)", n);
    }
    for (const cJSON *c = root->child; c; c = c->next) {
        if (strcmp(c->string, "__metadata__") == 0) {
            const trm_status st = parse_metadata(c, f, err);
            if (st != TRM_OK)
                return st;
            continue;
        }
        trmn_st_tensor *t = &f->tensors[f->n_tensors];
        t->name = dup_str(c->string);
        if (!t->name)
            return trmn_error_set(err, TRM_E_NOMEM, "out of memory (tensor names)");
        f->n_tensors++;
        const trm_status st = parse_entry(c, t, f->data_len, err);
        if (st != TRM_OK)
            return st;
        t->data = f->data + t->offset;
    }
    return check_layout(f, err);
}

trm_status trmn_st_parse(const uint8_t *buf, size_t len, trmn_st_file *out, trm_error *err)
{
    if (!out)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_st_parse: NULL output");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_st_parse: NULL buffer");
    trm_status st = parse_prefix(buf, len, out, err);
    if (st != TRM_OK)
        return st;
    cJSON *root = NULL;
    st = parse_json(buf + 8, out->header_len, &root, err);
    if (st == TRM_OK)
        st = parse_header(root, out, err);
    cJSON_Delete(root);
    if (st != TRM_OK)
        trmn_st_free(out);
    return st;
}

const trmn_st_tensor *trmn_st_find(const trmn_st_file *f, const char *name)
{
    for (int i = 0; f && name && i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *trmn_st_metadata(const trmn_st_file *f, const char *key)
{
    for (int i = 0; f && key && i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                     */

typedef struct wr_tensor {
    char *name;
    trmn_st_dtype dtype;
    int ndim;
    int64_t shape[TRMN_ST_MAX_DIMS];
    const void *data;
    size_t nbytes;
} wr_tensor;

struct trmn_st_writer {
    wr_tensor *t;
    int n, cap;
    trmn_st_meta *meta; /* owned strings */
    int n_meta, cap_meta;
};

trmn_st_writer *trmn_st_writer_create(void)
{
    return calloc(1, sizeof(trmn_st_writer));
}

void trmn_st_writer_free(trmn_st_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++)
        free(w->t[i].name);
    for (int i = 0; i < w->n_meta; i++) {
        free((char *)w->meta[i].key);
        free((char *)w->meta[i].value);
    }
    free(w->t);
    free(w->meta);
    free(w);
}

/* Grow *arr (of elem bytes each) to hold at least need elements. */
static int grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

trm_status trmn_st_writer_add(trmn_st_writer *w, const char *name, trmn_st_dtype dtype, const int64_t *shape, int ndim,
                              const void *data, trm_error *err)
{
    if (!w || !name)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_st_writer_add: NULL argument");
    if (!*name || strcmp(name, "__metadata__") == 0)
        return trmn_error_set(err, TRM_E_INVALID, "cannot add a tensor called '%s'", name);
    if (utf8_invalid_at((const uint8_t *)name, strlen(name)) != strlen(name))
        return trmn_error_set(err, TRM_E_INVALID, "tensor name '%s' is not valid UTF-8", name);
    if ((unsigned)dtype >= TRMN_ST_NUM_DTYPES)
        return trmn_error_set(err, TRM_E_INVALID, "tensor '%s': bad dtype %d", name, (int)dtype);
    if (ndim < 0 || ndim > TRMN_ST_MAX_DIMS || (ndim > 0 && !shape))
        return trmn_error_set(err, TRM_E_INVALID, "tensor '%s': bad ndim %d (0..%d)", name, ndim, TRMN_ST_MAX_DIMS);
    uint64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (double)shape[i] > MAX_EXACT_INT)
            return trmn_error_set(err, TRM_E_INVALID, "tensor '%s': bad dimension %lld", name,
                        (long long)shape[i]);
        uint64_t d = (uint64_t)shape[i];
        if (d && numel > (uint64_t)SIZE_MAX / DTYPES[dtype].size / d)
            return trmn_error_set(err, TRM_E_INVALID, "tensor '%s': size overflows", name);
        numel *= d;
    }
    size_t nbytes = (size_t)numel * DTYPES[dtype].size;
    if (nbytes && !data)
        return trmn_error_set(err, TRM_E_INVALID, "tensor '%s': NULL data", name);
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->t[i].name, name) == 0)
            return trmn_error_set(err, TRM_E_INVALID, "tensor '%s' added twice", name);
    if (grow((void **)&w->t, &w->cap, w->n + 1, sizeof *w->t))
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory adding tensor '%s'", name);
    wr_tensor *t = &w->t[w->n];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    if (!t->name)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory adding tensor '%s'", name);
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = data;
    t->nbytes = nbytes;
    w->n++;
    return TRM_OK;
}

trm_status trmn_st_writer_set_metadata(trmn_st_writer *w, const char *key, const char *value, trm_error *err)
{
    if (!w || !key || !value)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_st_writer_set_metadata: NULL argument");
    if (utf8_invalid_at((const uint8_t *)key, strlen(key)) != strlen(key) ||
        utf8_invalid_at((const uint8_t *)value, strlen(value)) != strlen(value))
        return trmn_error_set(err, TRM_E_INVALID, "metadata '%s' is not valid UTF-8", key);
    char *v = dup_str(value);
    if (!v)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (metadata '%s')", key);
    for (int i = 0; i < w->n_meta; i++) {
        if (strcmp(w->meta[i].key, key) == 0) {
            free((char *)w->meta[i].value);
            w->meta[i].value = v;
            return TRM_OK;
        }
    }
    char *k = dup_str(key);
    if (!k || grow((void **)&w->meta, &w->cap_meta, w->n_meta + 1, sizeof *w->meta)) {
        free(k);
        free(v);
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (metadata '%s')", key);
    }
    w->meta[w->n_meta].key = k;
    w->meta[w->n_meta].value = v;
    w->n_meta++;
    return TRM_OK;
}

/* A growable string for the header. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *q = realloc(b->s, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->s = q;
        b->cap = nc;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A JSON string literal: quotes, backslashes and control characters escaped; UTF-8 as is. */
static void sb_json_string(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            sb_put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)p, 1);
        }
    }
    sb_put(b, "\"", 1);
}

/* Data layout order: element size descending, insertion order within a size. */
static int layout_order(const trmn_st_writer *w, int *order)
{
    int k = 0;
    for (size_t es = 8; es >= 1; es /= 2)
        for (int i = 0; i < w->n; i++)
            if (DTYPES[w->t[i].dtype].size == es)
                order[k++] = i;
    return k;
}

/* The header (padded to a multiple of 8 with spaces) and the layout order; *data_len total. */
static trm_status build_header(const trmn_st_writer *w, sbuf *b, int *order, size_t *data_len, trm_error *err)
{
    layout_order(w, order);
    sb_str(b, "{");
    int first = 1;
    if (w->n_meta) {
        sb_str(b, "\"__metadata__\":{");
        for (int i = 0; i < w->n_meta; i++) {
            if (i)
                sb_str(b, ",");
            sb_json_string(b, w->meta[i].key);
            sb_str(b, ":");
            sb_json_string(b, w->meta[i].value);
        }
        sb_str(b, "}");
        first = 0;
    }
    size_t off = 0;
    for (int k = 0; k < w->n; k++) {
        const wr_tensor *t = &w->t[order[k]];
        char num[64];
        if (!first)
            sb_str(b, ",");
        first = 0;
        sb_json_string(b, t->name);
        sb_str(b, ":{\"dtype\":\"");
        sb_str(b, DTYPES[t->dtype].name);
        sb_str(b, "\",\"shape\":[");
        for (int i = 0; i < t->ndim; i++) {
            snprintf(num, sizeof num, "%s%lld", i ? "," : "", (long long)t->shape[i]);
            sb_str(b, num);
        }
        if (t->nbytes > SIZE_MAX - off)
            return trmn_error_set(err, TRM_E_INVALID, "total tensor size overflows at '%s'", t->name);
        snprintf(num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", off, off + t->nbytes);
        sb_str(b, num);
        off += t->nbytes;
    }
    sb_str(b, "}");
    while (!b->oom && b->len % 8)
        sb_str(b, " ");
    if (b->oom)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory building the safetensors header");
    if (b->len > TRMN_ST_MAX_HEADER)
        return trmn_error_set(err, TRM_E_INVALID, "header of %zu bytes is over the %d-byte limit", b->len,
                    TRMN_ST_MAX_HEADER);
    *data_len = off;
    return TRM_OK;
}

/* Header + parts list shared by serialize and write: parts[0] = length, [1] = header, then
 * one per tensor in layout order. */
static trm_status plan(const trmn_st_writer *w, sbuf *b, uint8_t len8[8], trmn_io_part **parts, size_t *total,
                       trm_error *err)
{
    if (!w)
        return trmn_error_set(err, TRM_E_INVALID, "NULL safetensors writer");
    int *order = malloc(((size_t)w->n + 1) * sizeof *order);
    *parts = malloc(((size_t)w->n + 2) * sizeof **parts);
    size_t data_len = 0;
    if (!order || !*parts) {
        free(order);
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory (%d tensors)", w->n);
    }
    const trm_status st = build_header(w, b, order, &data_len, err);
    if (st != TRM_OK) {
        free(order);
        return st;
    }
    uint64_t n = b->len;
    for (int i = 0; i < 8; i++)
        len8[i] = (uint8_t)(n >> (8 * i));
    (*parts)[0] = (trmn_io_part){len8, 8};
    (*parts)[1] = (trmn_io_part){b->s, b->len};
    for (int k = 0; k < w->n; k++)
        (*parts)[k + 2] = (trmn_io_part){w->t[order[k]].data, w->t[order[k]].nbytes};
    free(order);
    if (data_len > SIZE_MAX - 8 - b->len)
        return trmn_error_set(err, TRM_E_INVALID, "file size overflows");
    *total = 8 + b->len + data_len;
    return TRM_OK;
}

trm_status trmn_st_writer_serialize(const trmn_st_writer *w, uint8_t **out, size_t *len, trm_error *err)
{
    if (!out || !len)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_st_writer_serialize: NULL argument");
    *out = NULL;
    *len = 0;
    sbuf b = {0};
    uint8_t len8[8];
    trmn_io_part *parts = NULL;
    size_t total = 0;
    trm_status rc = plan(w, &b, len8, &parts, &total, err);
    uint8_t *buf = rc ? NULL : malloc(total ? total : 1);
    if (!rc && !buf)
        rc = trmn_error_set(err, TRM_E_NOMEM, "out of memory (%zu-byte safetensors file)", total);
    if (!rc) {
        size_t k = 0;
        for (int i = 0; i < w->n + 2; i++) {
            if (parts[i].len)
                memcpy(buf + k, parts[i].data, parts[i].len);
            k += parts[i].len;
        }
        *out = buf;
        *len = total;
    }
    free(parts);
    free(b.s);
    return rc;
}

trm_status trmn_st_writer_write(const trmn_st_writer *w, const char *path, trm_error *err)
{
    sbuf b = {0};
    uint8_t len8[8];
    trmn_io_part *parts = NULL;
    size_t total = 0;
    trm_status rc = plan(w, &b, len8, &parts, &total, err);
    if (!rc)
        rc = trmn_write_file_parts(path, parts, w->n + 2, err);
    free(parts);
    free(b.s);
    return rc;
}
