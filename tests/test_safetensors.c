/* test_safetensors.c: the safetensors writer and strict parser, and the file helpers.
 *
 * 1. Round trip: every dtype (plus a scalar and an empty tensor) and metadata go through the
 *    writer and back through the parser bit-exactly; the layout is aligned; the exact bytes of a
 *    small file match what the reference implementation writes.
 * 2. Every malformed case is rejected with the expected message fragment (not just "failed").
 * 3. Robustness: every truncation and thousands of random byte mutations of a valid file parse
 *    or fail cleanly (run under the ASan/UBSan build to catch overreads and leaks).
 * 4. fileio: atomic write, read back, missing file, directory, size cap, failed write leaves
 *    no temporary file behind.
 * Exits non-zero on any failure and prints every comparison it made.
 */
#define _POSIX_C_SOURCE 200809L
#include "fileio.h"
#include "safetensors.h"
#include "trm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

/* A file from a header string and data bytes (the header length is strlen(hdr)). */
static uint8_t *raw_file(const char *hdr, const void *data, size_t dlen, size_t *len)
{
    size_t n = strlen(hdr);
    uint8_t *b = malloc(8 + n + dlen + 1);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, hdr, n);
    if (dlen)
        memcpy(b + 8 + n, data, dlen);
    *len = 8 + n + dlen;
    return b;
}

/* buf must be rejected with a message containing want. */
static void expect_reject_buf(const char *what, const uint8_t *buf, size_t len, const char *want)
{
    trmn_st_file f;
    trm_error err = {TRM_OK, ""};
    int rc = trmn_st_parse(buf, len, &f, &err);
    CHECK(rc != 0, "%s: accepted, expected an error containing \"%s\"", what, want);
    CHECK(rc == 0 || strstr(err.msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"", what, err.msg,
          want);
    CHECK(f.n_tensors == 0 && f.tensors == NULL && f.meta == NULL,
          "%s: output not left empty on failure", what);
    if (rc != 0)
        printf("  ok  reject %-34s -> %s\n", what, err.msg);
    trmn_st_free(&f);
}

static void expect_reject(const char *what, const char *hdr, size_t dlen, const char *want)
{
    static const uint8_t zeros[64];
    size_t len;
    uint8_t *b = raw_file(hdr, zeros, dlen, &len);
    expect_reject_buf(what, b, len, want);
    free(b);
}

static void test_malformed(void)
{
    printf("malformed files:\n");
    uint8_t small[5] = {1, 0, 0, 0, 0};
    expect_reject_buf("shorter than 8 bytes", small, sizeof small, "file too short");
    expect_reject_buf("empty buffer", NULL, 0, "file too short");

    uint8_t hl[16] = {0};
    uint64_t absurd = 200000000ull;
    for (int i = 0; i < 8; i++)
        hl[i] = (uint8_t)(absurd >> (8 * i));
    expect_reject_buf("absurd header length", hl, sizeof hl, "absurd header length 200000000");
    memset(hl, 0, 8);
    hl[0] = 100;
    expect_reject_buf("header past the end", hl, sizeof hl, "goes past the end of the file");
    memset(hl, 0, 8);
    hl[7] = 0x80; /* 2^63: must not wrap around in any size arithmetic */
    expect_reject_buf("header length 2^63", hl, sizeof hl, "absurd header length");
    expect_reject("empty header", "", 0, "header is empty");

    expect_reject("JSON syntax error", "{\"a\": }", 0, "header byte 6 (file offset 14");
    expect_reject("JSON error line/column", "{\n \"a\":\n [1,]}", 0, "line 3, column");
    expect_reject("JSON truncated", "{\"a\": {\"dtype\"", 0, "not valid JSON");
    expect_reject("trailing bytes after JSON", "{}  x", 0, "header byte 4");
    {
        size_t len;
        uint8_t *b = raw_file("{}xx", NULL, 0, &len);
        b[10] = 0; /* header "{}\0x": cJSON must not stop silently at the NUL */
        expect_reject_buf("NUL inside header", b, len, "not valid JSON: a NUL byte at header byte 2");
        free(b);
        /* A raw NUL inside a tensor name: the C string would end there. */
        const char *named = "{\"lm_head.weight_junk\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        b = raw_file(named, "x", 1, &len);
        b[8 + 16] = 0;
        expect_reject_buf("raw NUL in a tensor name", b, len, "the string \"lm_head.weight\\u0000...\" holds a NUL");
        free(b);
    }
    /* Written as an escape, the NUL would make "lm_head.weight\u0000junk" read as lm_head.weight. */
    expect_reject("\\u0000 in a tensor name", "{\"lm_head.weight\\u0000junk\":{\"dtype\":\"U8\",\"shape\":[1],"
                  "\"data_offsets\":[0,1]}}", 1, "the string \"lm_head.weight\\u0000...\" holds a NUL character");
    expect_reject("\\u0000 in metadata", "{\"__metadata__\":{\"format\":\"trm\\u0000\"}}", 0, "\"trm\\u0000...\"");
    /* An escaped backslash before u0000 is plain text, not a NUL. */
    {
        size_t len;
        uint8_t *b = raw_file("{\"__metadata__\":{\"k\":\"a\\\\u0000\"}}", NULL, 0, &len);
        trmn_st_file f;
        trm_error err;
        const int rc = trmn_st_parse(b, len, &f, &err);
        CHECK(rc == 0 && f.n_meta == 1 && !strcmp(f.meta[0].value, "a\\u0000"), "escaped backslash + u0000: %s", rc ? err.msg : f.meta[0].value);
        if (!rc) trmn_st_free(&f);
        free(b);
    }
    expect_reject("invalid UTF-8", "{\"\xff\":1}", 0, "not valid UTF-8 at header byte 2");
    expect_reject("UTF-8 surrogate", "{\"\xed\xa0\x80\":1}", 0, "not valid UTF-8");
    expect_reject("header is an array", "[1,2]", 0, "must be a JSON object, but it is an array");
    expect_reject("header is a string", "\"x\"", 0, "must be a JSON object, but it is a string");

    expect_reject("__metadata__ not object", "{\"__metadata__\":[1]}", 0,
                  "__metadata__ must be an object of strings, but it is an array");
    expect_reject("__metadata__ value number", "{\"__metadata__\":{\"k\":1}}", 0,
                  "__metadata__ entry 'k' must be a string, but it is a number");
    expect_reject("__metadata__ duplicate key", "{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}",
                  0, "__metadata__ has the key 'k' twice");
    expect_reject("__metadata__ twice", "{\"__metadata__\":{},\"__metadata__\":{}}", 0,
                  "__metadata__ 2 times");

    expect_reject("entry not object", "{\"w\":[1]}", 0, "tensor 'w': entry must be an object");
    expect_reject("dtype missing", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "tensor 'w': missing \"dtype\"");
    expect_reject("dtype not string", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}",
                  4, "tensor 'w': \"dtype\" must be a string");
    expect_reject("unknown dtype", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],"
                  "\"data_offsets\":[0,1]}}", 1, "tensor 'w': unknown dtype 'F8_E4M3'");
    expect_reject("dtype wrong case", "{\"w\":{\"dtype\":\"f32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]}}", 4, "unknown dtype 'f32'");
    expect_reject("shape missing", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                  "tensor 'w': missing \"shape\"");
    expect_reject("shape not array", "{\"w\":{\"dtype\":\"F32\",\"shape\":4,"
                  "\"data_offsets\":[0,16]}}", 16, "tensor 'w': \"shape\" must be an array");
    expect_reject("shape negative", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],"
                  "\"data_offsets\":[0,8]}}", 8, "tensor 'w': shape[1] must be a non-negative");
    expect_reject("shape fractional", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],"
                  "\"data_offsets\":[0,4]}}", 4, "shape[0] must be a non-negative integer");
    expect_reject("shape string", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],"
                  "\"data_offsets\":[0,8]}}", 8, "shape[0] must be a non-negative integer");
    expect_reject("shape too many dims", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                  "\"data_offsets\":[0,1]}}", 1, "more than 8 dimensions");
    expect_reject("shape numel overflow", "{\"w\":{\"dtype\":\"U8\",\"shape\":"
                  "[4294967296,4294967296,16],\"data_offsets\":[0,1]}}", 1,
                  "tensor 'w': shape element count overflows");
    expect_reject("shape bytes overflow", "{\"w\":{\"dtype\":\"F64\",\"shape\":"
                  "[2147483648,2147483648],\"data_offsets\":[0,1]}}", 1,
                  "tensor 'w': shape byte count overflows");
    expect_reject("data_offsets missing", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                  "tensor 'w': missing \"data_offsets\"");
    expect_reject("data_offsets one value", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[4]}}", 4, "tensor 'w': \"data_offsets\" must be two");
    expect_reject("data_offsets three values", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4,8]}}", 8, "\"data_offsets\" must be two");
    expect_reject("data_offsets negative", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[-4,0]}}", 4, "\"data_offsets\" must be two non-negative");
    expect_reject("data_offsets strings", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[\"0\",\"4\"]}}", 4, "\"data_offsets\" must be two");
    expect_reject("data_offsets object", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":{\"a\":0}}}", 4, "\"data_offsets\" must be two");
    expect_reject("begin > end", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],"
                  "\"data_offsets\":[4,0]}}", 4, "tensor 'w': data_offsets begin 4 > end 0");
    expect_reject("end past data", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],"
                  "\"data_offsets\":[0,16]}}", 12,
                  "tensor 'w': data_offsets end 16 is past the end of the data buffer (12 bytes)");
    expect_reject("huge end", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,18446744073709551615]}}", 4, "\"data_offsets\" must be two");
    expect_reject("byte length mismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],"
                  "\"data_offsets\":[0,8]}}", 8,
                  "tensor 'w': data_offsets span 8 bytes, but shape [3] of F32 needs 12");
    expect_reject("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                  "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
    expect_reject("same range twice", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                  "\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I32\",\"shape\":[2],"
                  "\"data_offsets\":[0,8]}}", 8, "overlap");
    expect_reject("hole between", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12,
                  "hole in the data buffer: bytes [4, 8) before tensor 'b'");
    expect_reject("hole at start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[4,8]}}", 8, "bytes [0, 4) before tensor 'a'");
    expect_reject("trailing data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]}}", 8, "bytes [4, 8) after the last tensor");
    expect_reject("data but no tensors", "{}", 4, "data buffer has 4 bytes but there are no");
    expect_reject("duplicate names", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[4,8]}}", 8, "tensor 'a' appears twice in the header");
}

/* A fixed-size pattern for tensor data: byte i = (i * 37 + seed) & 255. */
static void fill(uint8_t *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 37 + (size_t)seed);
}

static void test_round_trip(void)
{
    printf("round trip:\n");
    trmn_st_writer *w = trmn_st_writer_create();
    trm_error err = {TRM_OK, ""};
    static uint8_t data[TRMN_ST_NUM_DTYPES][3 * 5 * 8];
    int64_t shape[3] = {3, 5, 1};
    /* Insertion order mixes element sizes, so the writer must reorder (8, 4, 2, 1 bytes). */
    const int order[TRMN_ST_NUM_DTYPES] = {TRMN_ST_U8, TRMN_ST_F32, TRMN_ST_BF16, TRMN_ST_F64,
                                          TRMN_ST_BOOL, TRMN_ST_I16, TRMN_ST_I32, TRMN_ST_I8,
                                          TRMN_ST_I64, TRMN_ST_F16};
    char names[TRMN_ST_NUM_DTYPES][32];
    for (int k = 0; k < TRMN_ST_NUM_DTYPES; k++) {
        int d = order[k];
        int nd = 1 + k % 3;
        fill(data[d], sizeof data[d], d);
        snprintf(names[d], sizeof names[d], "t.%s \"q\"\\", trmn_st_dtype_name((trmn_st_dtype)d));
        CHECK(trmn_st_writer_add(w, names[d], (trmn_st_dtype)d, shape, nd, data[d], &err) == 0,
              "add %s: %s", names[d], err.msg);
    }
    float scalar = 3.5f;
    CHECK(trmn_st_writer_add(w, "scalar", TRMN_ST_F32, NULL, 0, &scalar, &err) == 0,
          "add scalar: %s", err.msg);
    int64_t zero_shape[2] = {4, 0};
    CHECK(trmn_st_writer_add(w, "empty", TRMN_ST_F32, zero_shape, 2, NULL, &err) == 0,
          "add empty: %s", err.msg);
    CHECK(trmn_st_writer_set_metadata(w, "format", "pt", &err) == 0, "meta: %s", err.msg);
    CHECK(trmn_st_writer_set_metadata(w, "config", "{\"a\": 1,\n\"b\": \"\x01\"}", &err) == 0,
          "meta: %s", err.msg);
    CHECK(trmn_st_writer_set_metadata(w, "format", "trm.c/1", &err) == 0,
          "meta replace: %s", err.msg);

    /* The writer's own checks. */
    CHECK(trmn_st_writer_add(w, "scalar", TRMN_ST_F32, NULL, 0, &scalar, &err) != 0 &&
          strstr(err.msg, "added twice"), "duplicate add: %s", err.msg);
    CHECK(trmn_st_writer_add(w, "__metadata__", TRMN_ST_F32, NULL, 0, &scalar, &err) != 0,
          "add __metadata__ accepted");
    int64_t neg[1] = {-2};
    CHECK(trmn_st_writer_add(w, "neg", TRMN_ST_F32, neg, 1, &scalar, &err) != 0 &&
          strstr(err.msg, "bad dimension -2"), "negative dim: %s", err.msg);
    CHECK(trmn_st_writer_add(w, "nodata", TRMN_ST_F32, shape, 1, NULL, &err) != 0 &&
          strstr(err.msg, "NULL data"), "NULL data: %s", err.msg);

    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK(trmn_st_writer_serialize(w, &buf, &len, &err) == 0, "serialize: %s", err.msg);
    trmn_st_file f;
    int rc = trmn_st_parse(buf, len, &f, &err);
    CHECK(rc == 0, "parse of written file: %s", err.msg);
    if (rc == 0) {
        CHECK(f.header_len % 8 == 0, "header length %zu not a multiple of 8", f.header_len);
        CHECK(buf[8 + f.header_len - 1] == ' ' || buf[8 + f.header_len - 1] == '}',
              "header padding is not spaces");
        CHECK(f.n_tensors == TRMN_ST_NUM_DTYPES + 2, "tensor count %d", f.n_tensors);
        size_t prev_es = 8;
        for (int i = 0; i < f.n_tensors; i++) {
            const trmn_st_tensor *t = &f.tensors[i];
            size_t es = trmn_st_dtype_size(t->dtype);
            CHECK(t->offset % es == 0, "'%s' offset %zu not aligned to %zu", t->name, t->offset,
                  es);
            CHECK(es <= prev_es, "'%s': layout not by element size descending", t->name);
            prev_es = es;
        }
        int nbad = 0;
        for (int k = 0; k < TRMN_ST_NUM_DTYPES; k++) {
            int d = order[k], nd = 1 + k % 3;
            const trmn_st_tensor *t = trmn_st_find(&f, names[d]);
            size_t numel = nd == 1 ? 3 : 15, nbytes = numel * trmn_st_dtype_size((trmn_st_dtype)d);
            if (!t || (int)t->dtype != d || t->ndim != nd || t->shape[0] != 3 ||
                (nd > 1 && t->shape[1] != 5) || (nd > 2 && t->shape[2] != 1) ||
                t->nbytes != nbytes || t->numel != numel || memcmp(t->data, data[d], nbytes)) {
                nbad++;
                printf("FAIL round trip of '%s'\n", names[d]);
            }
        }
        CHECK(nbad == 0, "%d dtypes did not round-trip", nbad);
        printf("  ok  %d dtypes round-trip bit-exactly (%zu-byte file, header %zu)\n",
               TRMN_ST_NUM_DTYPES - nbad, len, f.header_len);
        const trmn_st_tensor *s = trmn_st_find(&f, "scalar"), *e = trmn_st_find(&f, "empty");
        float sv = 0;
        if (s)
            memcpy(&sv, s->data, 4);
        CHECK(s && s->ndim == 0 && s->numel == 1 && sv == 3.5f, "scalar tensor");
        CHECK(e && e->ndim == 2 && e->shape[1] == 0 && e->nbytes == 0, "empty tensor");
        CHECK(trmn_st_find(&f, "nope") == NULL, "find of a missing name");
        const char *fm = trmn_st_metadata(&f, "format"), *cf = trmn_st_metadata(&f, "config");
        CHECK(fm && strcmp(fm, "trm.c/1") == 0, "metadata format = %s", fm ? fm : "(null)");
        CHECK(cf && strcmp(cf, "{\"a\": 1,\n\"b\": \"\x01\"}") == 0, "metadata config");
        CHECK(f.n_meta == 2 && trmn_st_metadata(&f, "x") == NULL, "metadata count %d", f.n_meta);
    }
    trmn_st_free(&f);
    free(buf);
    trmn_st_writer_free(w);
}

/* The exact bytes the reference implementation (safetensors.serialize) writes for a small file:
 * __metadata__ first, compact JSON, space padding to 8, dtype-size-descending layout. */
static void test_reference_bytes(void)
{
    trmn_st_writer *w = trmn_st_writer_create();
    trm_error err;
    uint8_t b[2] = {1, 0};
    float x[2] = {1.0f, -2.0f};
    int64_t s2[1] = {2};
    trmn_st_writer_add(w, "b", TRMN_ST_BOOL, s2, 1, b, &err);
    trmn_st_writer_add(w, "x", TRMN_ST_F32, s2, 1, x, &err);
    trmn_st_writer_set_metadata(w, "format", "pt", &err);
    uint8_t *buf = NULL;
    size_t len = 0;
    trmn_st_writer_serialize(w, &buf, &len, &err);
    const char *hdr = "{\"__metadata__\":{\"format\":\"pt\"},"
                      "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                      "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[8,10]}}";
    size_t hn = strlen(hdr), padded = (hn + 7) / 8 * 8;
    int ok = buf && len == 8 + padded + 10 && buf[0] == padded && buf[1] == 0 &&
             memcmp(buf + 8, hdr, hn) == 0 && memcmp(buf + 8 + padded, x, 8) == 0 &&
             memcmp(buf + 8 + padded + 8, b, 2) == 0;
    for (size_t i = hn; ok && i < padded; i++)
        ok = buf[8 + i] == ' ';
    CHECK(ok, "reference byte layout differs (len %zu, expected %zu)", len, 8 + padded + 10);
    if (ok)
        printf("  ok  exact reference bytes (%zu bytes)\n", len);
    free(buf);
    trmn_st_writer_free(w);
}

/* Truncations and random mutations of a valid file must fail cleanly or parse consistently. */
static void test_robustness(void)
{
    trmn_st_writer *w = trmn_st_writer_create();
    trm_error err;
    float v[6] = {1, 2, 3, 4, 5, 6};
    int64_t sh[2] = {2, 3};
    trmn_st_writer_add(w, "alpha", TRMN_ST_F32, sh, 2, v, &err);
    trmn_st_writer_add(w, "beta", TRMN_ST_I16, sh, 2, v, &err);
    trmn_st_writer_set_metadata(w, "k", "v", &err);
    uint8_t *buf = NULL;
    size_t len = 0;
    trmn_st_writer_serialize(w, &buf, &len, &err);
    trmn_st_writer_free(w);
    int accepted = 0;
    for (size_t n = 0; n < len; n++) {
        /* A private copy of exactly n bytes so ASan sees any overread. */
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, buf, n);
        trmn_st_file f;
        if (trmn_st_parse(c, n, &f, &err) == 0)
            accepted++;
        trmn_st_free(&f);
        free(c);
    }
    CHECK(accepted == 0, "%d truncated files accepted", accepted);
    trm_rng r;
    trm_rng_seed(&r, 42);
    int parsed = 0, rejected = 0, bad = 0;
    uint8_t *c = malloc(len);
    for (int it = 0; it < 20000; it++) {
        memcpy(c, buf, len);
        int nm = 1 + (int)trm_rng_below(&r, 4);
        for (int k = 0; k < nm; k++)
            c[trm_rng_below(&r, (uint32_t)len)] = (uint8_t)trm_rng_next(&r);
        trmn_st_file f;
        if (trmn_st_parse(c, len, &f, &err) == 0) {
            parsed++;
            /* Whatever was accepted must describe bytes inside the buffer. */
            for (int i = 0; i < f.n_tensors; i++)
                if (f.tensors[i].data < c || f.tensors[i].data + f.tensors[i].nbytes > c + len)
                    bad++;
        } else {
            rejected++;
            if (!err.msg[0])
                bad++;
        }
        trmn_st_free(&f);
    }
    free(c);
    free(buf);
    CHECK(bad == 0, "%d mutated files gave out-of-buffer tensors or an empty message", bad);
    printf("  ok  %zu truncations rejected; 20000 mutations: %d parsed, %d rejected\n", len,
           parsed, rejected);
}

static int tmp_leftovers(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp."))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void test_fileio(void)
{
    printf("fileio:\n");
    char dir[] = "/tmp/trm_test_st_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[256];
    trm_error err;
    snprintf(path, sizeof path, "%s/m.safetensors", dir);

    trmn_st_writer *w = trmn_st_writer_create();
    float v[3] = {1.5f, -0.0f, 7.25f};
    int64_t sh[1] = {3};
    trmn_st_writer_add(w, "v", TRMN_ST_F32, sh, 1, v, &err);
    uint8_t *mem = NULL;
    size_t memlen = 0;
    trmn_st_writer_serialize(w, &mem, &memlen, &err);
    CHECK(trmn_st_writer_write(w, path, &err) == 0, "write: %s", err.msg);
    uint8_t *back = NULL;
    size_t blen = 0;
    CHECK(trmn_read_file(path, 0, &back, &blen, &err) == 0, "read: %s", err.msg);
    CHECK(back && blen == memlen && memcmp(back, mem, memlen) == 0 && back[blen] == 0,
          "file bytes differ from serialize() (%zu vs %zu)", blen, memlen);
    free(back);
    /* Overwrite in place: still atomic, no temp files left. */
    CHECK(trmn_st_writer_write(w, path, &err) == 0, "rewrite: %s", err.msg);
    CHECK(tmp_leftovers(dir, "m.safetensors") == 0, "temporary file left after write");

    CHECK(trmn_read_file(path, 10, &back, &blen, &err) != 0 &&
          strstr(err.msg, "too big"), "size cap: %s", err.msg);
    printf("  ok  size cap -> %s\n", err.msg);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.safetensors", dir);
    CHECK(trmn_read_file(missing, 0, &back, &blen, &err) != 0 &&
          strstr(err.msg, "cannot open") && strstr(err.msg, "nope.safetensors"), "missing: %s", err.msg);
    printf("  ok  missing   -> %s\n", err.msg);
    CHECK(trmn_read_file(dir, 0, &back, &blen, &err) != 0 &&
          strstr(err.msg, "not a regular file"), "directory: %s", err.msg);
    printf("  ok  directory -> %s\n", err.msg);

    /* Writing over a directory fails at rename: the temp file must be gone afterwards. */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    mkdir(sub, 0700);
    CHECK(trmn_write_file(sub, "x", 1, &err) != 0 && strstr(err.msg, "rename"),
          "write over a directory: %s", err.msg);
    printf("  ok  write over a directory -> %s\n", err.msg);
    CHECK(tmp_leftovers(dir, "sub") == 0, "temporary file left after a failed rename");
    snprintf(missing, sizeof missing, "%s/no/such/dir/f", dir);
    CHECK(trmn_write_file(missing, "x", 1, &err) != 0 && strstr(err.msg, "cannot create"),
          "write into a missing dir: %s", err.msg);
    printf("  ok  missing dir -> %s\n", err.msg);

    /* An empty file round-trips; the read buffer still gets its NUL. */
    snprintf(missing, sizeof missing, "%s/empty", dir);
    CHECK(trmn_write_file(missing, NULL, 0, &err) == 0, "empty write: %s", err.msg);
    CHECK(trmn_read_file(missing, 0, &back, &blen, &err) == 0 && blen == 0 &&
          back[0] == 0, "empty read: %s", err.msg);
    free(back);

    unlink(missing);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(mem);
    trmn_st_writer_free(w);
}

int main(void)
{
    test_malformed();
    test_round_trip();
    test_reference_bytes();
    test_robustness();
    test_fileio();
    return check_done();
}
