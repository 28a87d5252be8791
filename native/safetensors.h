/* safetensors.h: a strict safetensors reader (on a memory buffer) and an atomic writer.
 *
 * Format (https://github.com/huggingface/safetensors): 8-byte little-endian header length N,
 * N bytes of JSON header, then the data buffer. The header is an object mapping tensor names to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data buffer), plus an
 * optional "__metadata__" object of string -> string.
 *
 * The reader accepts only files the reference implementation would accept, and says precisely
 * what is wrong otherwise (file offset or tensor name in every message): truncated files, absurd
 * header lengths, invalid JSON (byte offset, line and column), bad metadata, unknown dtypes, bad
 * shapes, bad or out-of-range offsets, size mismatches, overlaps, holes, duplicate names.
 * Tensor data is not copied: trmn_st_tensor.data points into the caller's buffer, which must
 * outlive the trmn_st_file. The pointers are not necessarily aligned for their dtype (memcpy).
 *
 * The writer collects tensors (data not copied until written) and metadata and produces a file
 * the reference implementation reads: header padded with spaces to a multiple of 8 bytes,
 * tensors packed back to back. Tensors are laid out by element size, largest first (as the
 * reference does), and in insertion order within one size, so every tensor's offset is a
 * multiple of its element size and an all-F32 model keeps its table order.
 *
 * Byte order: data is little-endian in the file and is read/written as stored; like the rest of
 * trm.c this assumes a little-endian host.
 *
 * Functions return TRM_OK, or a trm_status with a message in err (may be NULL): TRM_E_FORMAT for
 * a malformed file, TRM_E_INVALID for a tensor or metadata the writer cannot store, TRM_E_NOMEM
 * when out of memory (and fileio.h's codes for the file itself).
 */
#ifndef TRMN_SAFETENSORS_H
#define TRMN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum trmn_st_dtype {
    TRMN_ST_F64 = 0,
    TRMN_ST_F32,
    TRMN_ST_F16,
    TRMN_ST_BF16,
    TRMN_ST_I64,
    TRMN_ST_I32,
    TRMN_ST_I16,
    TRMN_ST_I8,
    TRMN_ST_U8,
    TRMN_ST_BOOL,
    TRMN_ST_NUM_DTYPES
} trmn_st_dtype;

enum {
    TRMN_ST_MAX_DIMS = 8,                   /* more dimensions are rejected with a message */
    TRMN_ST_MAX_HEADER = 100 * 1000 * 1000  /* header lengths above this are "absurd" */
};

const char *trmn_st_dtype_name(trmn_st_dtype d);   /* "F32", ...; "?" if out of range */
size_t trmn_st_dtype_size(trmn_st_dtype d);        /* bytes per element; 0 if out of range */
/* The dtype named name (exact, upper case as in the format); -1 if unknown. */
int trmn_st_dtype_from_name(const char *name);

typedef struct trmn_st_tensor {
    const char *name;
    trmn_st_dtype dtype;
    int ndim;                        /* 0 = scalar (one element) */
    int64_t shape[TRMN_ST_MAX_DIMS];
    size_t numel;
    const uint8_t *data;             /* into the parsed buffer; not aligned in general */
    size_t nbytes;                   /* numel * dtype size */
    size_t offset;                   /* begin, relative to the data buffer */
} trmn_st_tensor;

typedef struct trmn_st_meta {
    const char *key;
    const char *value;
} trmn_st_meta;

typedef struct trmn_st_file {
    trmn_st_tensor *tensors;   /* in header order */
    int n_tensors;
    trmn_st_meta *meta;        /* __metadata__ entries in header order */
    int n_meta;
    size_t header_len;        /* N */
    const uint8_t *data;      /* data buffer: buf + 8 + N */
    size_t data_len;
} trmn_st_file;

/* Parse and validate buf[0..len). On failure *out is left empty (trmn_st_free is still safe). */
trm_status trmn_st_parse(const uint8_t *buf, size_t len, trmn_st_file *out, trm_error *err);
/* The tensor called name, or NULL. */
const trmn_st_tensor *trmn_st_find(const trmn_st_file *f, const char *name);
/* The __metadata__ value for key, or NULL. */
const char *trmn_st_metadata(const trmn_st_file *f, const char *key);
void trmn_st_free(trmn_st_file *f);

/* ---- writer ---- */

typedef struct trmn_st_writer trmn_st_writer;

trmn_st_writer *trmn_st_writer_create(void);   /* NULL if out of memory */
void trmn_st_writer_free(trmn_st_writer *w);
/* Add a tensor. name and shape are copied; data (numel * dtype size bytes) is only referenced
 * and must stay valid until the last write/serialize call. Rejects empty, duplicate or
 * "__metadata__" names, negative dims, too many dims, and NULL data for a non-empty tensor. */
trm_status trmn_st_writer_add(trmn_st_writer *w, const char *name, trmn_st_dtype dtype, const int64_t *shape, int ndim,
                              const void *data, trm_error *err);
/* Set a __metadata__ entry (copied; setting a key again replaces its value). */
trm_status trmn_st_writer_set_metadata(trmn_st_writer *w, const char *key, const char *value, trm_error *err);
/* The whole file in one malloc'd buffer (free with free()); for tests and in-memory use. */
trm_status trmn_st_writer_serialize(const trmn_st_writer *w, uint8_t **out, size_t *len, trm_error *err);
/* Write the file atomically (temporary file + fsync + rename, see fileio.h). */
trm_status trmn_st_writer_write(const trmn_st_writer *w, const char *path, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_SAFETENSORS_H */
