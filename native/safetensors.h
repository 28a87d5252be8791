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
 * Tensor data is not copied: trm_st_tensor.data points into the caller's buffer, which must
 * outlive the trm_st_file. The pointers are not necessarily aligned for their dtype (memcpy).
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
 * Functions return 0 on success, -1 on failure with a message in err (errcap bytes, may be NULL).
 */
#ifndef TRM_SAFETENSORS_H
#define TRM_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum trm_st_dtype {
    TRM_ST_F64 = 0,
    TRM_ST_F32,
    TRM_ST_F16,
    TRM_ST_BF16,
    TRM_ST_I64,
    TRM_ST_I32,
    TRM_ST_I16,
    TRM_ST_I8,
    TRM_ST_U8,
    TRM_ST_BOOL,
    TRM_ST_NUM_DTYPES
} trm_st_dtype;

enum {
    TRM_ST_MAX_DIMS = 8,                   /* more dimensions are rejected with a message */
    TRM_ST_MAX_HEADER = 100 * 1000 * 1000  /* header lengths above this are "absurd" */
};

const char *trm_st_dtype_name(trm_st_dtype d);   /* "F32", ...; "?" if out of range */
size_t trm_st_dtype_size(trm_st_dtype d);        /* bytes per element; 0 if out of range */
/* The dtype named name (exact, upper case as in the format); -1 if unknown. */
int trm_st_dtype_from_name(const char *name);

typedef struct trm_st_tensor {
    const char *name;
    trm_st_dtype dtype;
    int ndim;                        /* 0 = scalar (one element) */
    int64_t shape[TRM_ST_MAX_DIMS];
    size_t numel;
    const uint8_t *data;             /* into the parsed buffer; not aligned in general */
    size_t nbytes;                   /* numel * dtype size */
    size_t offset;                   /* begin, relative to the data buffer */
} trm_st_tensor;

typedef struct trm_st_meta {
    const char *key;
    const char *value;
} trm_st_meta;

typedef struct trm_st_file {
    trm_st_tensor *tensors;   /* in header order */
    int n_tensors;
    trm_st_meta *meta;        /* __metadata__ entries in header order */
    int n_meta;
    size_t header_len;        /* N */
    const uint8_t *data;      /* data buffer: buf + 8 + N */
    size_t data_len;
} trm_st_file;

/* Parse and validate buf[0..len). On failure *out is left empty (trm_st_free is still safe). */
int trm_st_parse(const uint8_t *buf, size_t len, trm_st_file *out, char *err, size_t errcap);
/* The tensor called name, or NULL. */
const trm_st_tensor *trm_st_find(const trm_st_file *f, const char *name);
/* The __metadata__ value for key, or NULL. */
const char *trm_st_metadata(const trm_st_file *f, const char *key);
void trm_st_free(trm_st_file *f);

/* ---- writer ---- */

typedef struct trm_st_writer trm_st_writer;

trm_st_writer *trm_st_writer_create(void);   /* NULL if out of memory */
void trm_st_writer_free(trm_st_writer *w);
/* Add a tensor. name and shape are copied; data (numel * dtype size bytes) is only referenced
 * and must stay valid until the last write/serialize call. Rejects empty, duplicate or
 * "__metadata__" names, negative dims, too many dims, and NULL data for a non-empty tensor. */
int trm_st_writer_add(trm_st_writer *w, const char *name, trm_st_dtype dtype,
                      const int64_t *shape, int ndim, const void *data, char *err, size_t errcap);
/* Set a __metadata__ entry (copied; setting a key again replaces its value). */
int trm_st_writer_set_metadata(trm_st_writer *w, const char *key, const char *value,
                               char *err, size_t errcap);
/* The whole file in one malloc'd buffer (free with free()); for tests and in-memory use. */
int trm_st_writer_serialize(const trm_st_writer *w, uint8_t **out, size_t *len,
                            char *err, size_t errcap);
/* Write the file atomically (temporary file + fsync + rename, see fileio.h). */
int trm_st_writer_write(const trm_st_writer *w, const char *path, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif
#endif /* TRM_SAFETENSORS_H */
