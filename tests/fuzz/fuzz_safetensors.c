/* fuzz_safetensors.c: libFuzzer harness for the strict safetensors parser (not built by CMake).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Inative \
 *       tests/fuzz/fuzz_safetensors.c native/safetensors.c native/json.c native/fileio.c core/error.c -lcjson -lm \
 *       -o /tmp/fuzz_safetensors
 *   /tmp/fuzz_safetensors -max_total_time=30 -max_len=4096
 *
 * Whatever the bytes, trmn_st_parse must either fail with a non-empty message or return tensors
 * that lie inside the buffer and tile the data section; every accepted file must also survive a
 * re-serialisation through the writer and parse again identically. */
#include "safetensors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_accepted(const trmn_st_file *f, const uint8_t *buf, size_t len)
{
    size_t total = 0;
    for (int i = 0; i < f->n_tensors; i++) {
        const trmn_st_tensor *t = &f->tensors[i];
        if (t->data < buf || t->nbytes > len || t->data + t->nbytes > buf + len)
            abort();
        total += t->nbytes;
        if (trmn_st_find(f, t->name) != t)
            abort(); /* names are unique */
    }
    if (total != f->data_len)
        abort(); /* no holes, no overlaps */

    trmn_st_writer *w = trmn_st_writer_create();
    trm_error err;
    for (int i = 0; i < f->n_tensors; i++) {
        const trmn_st_tensor *t = &f->tensors[i];
        /* A name the writer refuses (an empty one) skips the round trip; NULs never get here. */
        if (trmn_st_writer_add(w, t->name, t->dtype, t->shape, t->ndim, t->data, &err))
            goto done;
    }
    for (int i = 0; i < f->n_meta; i++)
        if (trmn_st_writer_set_metadata(w, f->meta[i].key, f->meta[i].value, &err))
            goto done;
    uint8_t *out = NULL;
    size_t n = 0;
    if (trmn_st_writer_serialize(w, &out, &n, &err) == 0) {
        trmn_st_file g;
        if (trmn_st_parse(out, n, &g, &err) != 0 || g.n_tensors != f->n_tensors ||
            g.n_meta != f->n_meta)
            abort();
        for (int i = 0; i < f->n_tensors; i++) {
            const trmn_st_tensor *a = &f->tensors[i], *b = trmn_st_find(&g, a->name);
            if (!b || b->dtype != a->dtype || b->ndim != a->ndim || b->nbytes != a->nbytes ||
                memcmp(b->shape, a->shape, sizeof a->shape) ||
                (a->nbytes && memcmp(a->data, b->data, a->nbytes)))
                abort();
        }
        trmn_st_free(&g);
        free(out);
    }
done:
    trmn_st_writer_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trmn_st_file f;
    trm_error err;
    err.msg[0] = 0;
    if (trmn_st_parse(data, size, &f, &err) == 0)
        check_accepted(&f, data, size);
    else if (!err.msg[0])
        abort();
    trmn_st_free(&f);
    return 0;
}
