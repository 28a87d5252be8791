/* fileio.h: whole-file reads and atomic writes for the native tools, and the error helper of
 * native/ (trmn_error_set; it lives here because every native source that reports errors, the
 * fuzz harnesses' included, already links fileio.c).
 *
 * Names: native/'s own API is trmn_ (functions, types) and TRMN_ (macros, constants), so that
 * none of it reads like the core's trm_ API (core/include/trm.h); native/ reports errors in the
 * core's style, a trm_status plus a message in a caller-owned trm_error.
 *
 * Reads load a regular file into one malloc'd buffer with a size cap, so a wrong path (a
 * directory, a device, a 40 GB file) fails with a message instead of exhausting memory.
 * Writes never leave a half-written file at the destination: the bytes go to
 * "<path>.tmp.<pid>" in the same directory, are fsync'ed, then renamed over <path> (atomic on
 * POSIX file systems); on any failure the temporary file is removed and <path> is untouched.
 *
 * Every function returns TRM_OK, or a trm_status with a one-line message naming the path and the
 * reason in err (may be NULL): TRM_E_INVALID for a path that cannot be read or written (missing,
 * not a regular file, too big, an I/O error), TRM_E_NOMEM when out of memory.
 */
#ifndef TRMN_FILEIO_H
#define TRMN_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* trm_error_set for native/: the same code and printf-style message (err may be NULL; returns
 * code), except that a message longer than trm_error.msg loses its middle ("...") rather than its
 * end. Messages here lead with the file (or the config key) and end with the reason, and a long
 * path, often named twice ("checkpoint P: cannot write 'P' (rename of 'P.tmp.1' failed: ...)"),
 * must not push the reason out of the 511 characters. Every native/ error goes through it. */
trm_status trmn_error_set(trm_error *err, trm_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Default cap for trmn_read_file (max_bytes == 0): 4 GiB, far above any model or dataset here. */
#define TRMN_READ_FILE_DEFAULT_MAX ((uint64_t)4 << 30)

/* Read the whole file at path. On success *out is a malloc'd buffer of *len bytes plus one
 * extra NUL byte (so text can be parsed in place); free it with free(). max_bytes == 0 means
 * TRMN_READ_FILE_DEFAULT_MAX. Fails on a missing/unreadable path, a non-regular file, a file
 * larger than max_bytes, or a file that changes size while being read. */
trm_status trmn_read_file(const char *path, uint64_t max_bytes, uint8_t **out, size_t *len,
                          trm_error *err);

/* One piece of a file written by trmn_write_file_parts (pieces are written back to back). */
typedef struct trmn_io_part {
    const void *data;
    size_t len;
} trmn_io_part;

/* Atomically replace path with the concatenation of parts[0..n). */
trm_status trmn_write_file_parts(const char *path, const trmn_io_part *parts, int n, trm_error *err);
/* Atomically replace path with data[0..len). */
trm_status trmn_write_file(const char *path, const void *data, size_t len, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_FILEIO_H */
