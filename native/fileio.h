/* fileio.h: whole-file reads and atomic writes for the native tools.
 *
 * Reads load a regular file into one malloc'd buffer with a size cap, so a wrong path (a
 * directory, a device, a 40 GB file) fails with a message instead of exhausting memory.
 * Writes never leave a half-written file at the destination: the bytes go to
 * "<path>.tmp.<pid>" in the same directory, are fsync'ed, then renamed over <path> (atomic on
 * POSIX file systems); on any failure the temporary file is removed and <path> is untouched.
 *
 * Every function returns 0 on success and -1 on failure, with a one-line message naming the
 * path and the reason in err (errcap bytes, always NUL-terminated; err may be NULL).
 */
#ifndef TRM_FILEIO_H
#define TRM_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write a printf-style message into err (errcap bytes; err may be NULL) and return -1: the one
 * error helper of native/ (functions report failure as -1 plus a message). */
int trm_errorf(char *err, size_t errcap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Default cap for trm_read_file (max_bytes == 0): 4 GiB, far above any model or dataset here. */
#define TRM_READ_FILE_DEFAULT_MAX ((uint64_t)4 << 30)

/* Read the whole file at path. On success *out is a malloc'd buffer of *len bytes plus one
 * extra NUL byte (so text can be parsed in place); free it with free(). max_bytes == 0 means
 * TRM_READ_FILE_DEFAULT_MAX. Fails on a missing/unreadable path, a non-regular file, a file
 * larger than max_bytes, or a file that changes size while being read. */
int trm_read_file(const char *path, uint64_t max_bytes, uint8_t **out, size_t *len,
                  char *err, size_t errcap);

/* One piece of a file written by trm_write_file_parts (pieces are written back to back). */
typedef struct trm_io_part {
    const void *data;
    size_t len;
} trm_io_part;

/* Atomically replace path with the concatenation of parts[0..n). */
int trm_write_file_parts(const char *path, const trm_io_part *parts, int n,
                         char *err, size_t errcap);
/* Atomically replace path with data[0..len). */
int trm_write_file(const char *path, const void *data, size_t len, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif
#endif /* TRM_FILEIO_H */
