/* fileio.c: whole-file reads with a size cap and atomic writes (temp file + fsync + rename).
 * POSIX only (the native tools run on Linux/macOS); the WebAssembly build never links this. */
#define _POSIX_C_SOURCE 200809L
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

trm_status trmn_error_set(trm_error *err, trm_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    char small[1024], *text = small;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0)
        small[0] = '\0';
    if (n >= (int)sizeof small) {
        char *big = malloc((size_t)n + 1);
        if (big) { /* else (out of memory) the first 1023 bytes are all there is */
            vsnprintf(big, (size_t)n + 1, fmt, again);
            text = big;
        }
    }
    va_end(again);
    va_end(ap);
    const size_t len = strlen(text), room = sizeof err->msg - 1;
    if (len <= room) {
        trm_error_set(err, code, "%s", text);
    } else {
        /* The first and the last (room - 3) / 2 bytes around "...", cut between UTF-8 characters
         * (a continuation byte 10xxxxxx never starts one). */
        size_t head = (room - 3) / 2, tail = len - (room - 3 - head);
        while (head > 0 && ((unsigned char)text[head] & 0xC0) == 0x80)
            head--;
        while (tail < len && ((unsigned char)text[tail] & 0xC0) == 0x80)
            tail++;
        trm_error_set(err, code, "%.*s...%s", (int)head, text, text + tail);
    }
    if (text != small)
        free(text);
    return code;
}

trm_status trmn_read_file(const char *path, uint64_t max_bytes, uint8_t **out, size_t *len,
                          trm_error *err)
{
    if (!path || !out || !len)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_read_file: NULL argument");
    *out = NULL;
    *len = 0;
    if (max_bytes == 0)
        max_bytes = TRMN_READ_FILE_DEFAULT_MAX;
    int fd;
    /* O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever; it is refused
     * below like every other file that is not a regular one. */
    do {
        fd = open(path, O_RDONLY | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return trmn_error_set(err, TRM_E_INVALID, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return trmn_error_set(err, TRM_E_INVALID, "cannot stat '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return trmn_error_set(err, TRM_E_INVALID, "'%s' is not a regular file%s", path,
                    S_ISDIR(st.st_mode) ? " (it is a directory)" : S_ISFIFO(st.st_mode) ? " (it is a FIFO)" : "");
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    /* st_size is signed; also guard size_t on 32-bit hosts (and the +1 for the NUL). */
    uint64_t size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
    if (size > max_bytes || size >= (uint64_t)SIZE_MAX) {
        close(fd);
        return trmn_error_set(err, TRM_E_INVALID, "'%s' is too big: %llu bytes, the limit is %llu", path,
                    (unsigned long long)size, (unsigned long long)max_bytes);
    }
    uint8_t *buf = malloc((size_t)size + 1);
    if (!buf) {
        close(fd);
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory reading '%s' (%llu bytes)", path,
                    (unsigned long long)size);
    }
    size_t got = 0;
    while (got < (size_t)size) {
        ssize_t r = read(fd, buf + got, (size_t)size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return trmn_error_set(err, TRM_E_INVALID, "cannot read '%s': %s", path, strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    /* One more read must hit EOF, or the file grew under us. */
    uint8_t extra;
    ssize_t more;
    do {
        more = read(fd, &extra, 1);
    } while (more < 0 && errno == EINTR);
    close(fd);
    if (got != (size_t)size || more != 0) {
        free(buf);
        return trmn_error_set(err, TRM_E_INVALID, "'%s' changed size while being read (expected %llu bytes)",
                    path, (unsigned long long)size);
    }
    buf[size] = 0;
    *out = buf;
    *len = (size_t)size;
    return TRM_OK;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        /* Chunks of at most 1 GiB: some kernels cap a single write below SSIZE_MAX. */
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO; /* no progress and no error code: call it an I/O error */
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync the directory holding path so the rename itself survives a crash. Best effort: some
 * file systems refuse fsync on directories, and the data is already safe at this point. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = malloc(2);
        if (dir)
            strcpy(dir, ".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = 0;
        }
    }
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

trm_status trmn_write_file_parts(const char *path, const trmn_io_part *parts, int n, trm_error *err)
{
    if (!path || !*path || (n > 0 && !parts) || n < 0)
        return trmn_error_set(err, TRM_E_INVALID, "trmn_write_file: bad arguments");
    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (!tmp)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory writing '%s'", path);
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0 && errno == EEXIST) {
        /* A leftover of a crashed process that had our pid: it is ours to replace. */
        unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    }
    if (fd < 0) {
        int e = errno;
        trmn_error_set(err, TRM_E_INVALID, "cannot create '%s': %s", tmp, strerror(e));
        free(tmp);
        return TRM_E_INVALID;
    }
    const char *what = NULL;
    int e = 0;
    for (int i = 0; i < n && !what; i++) {
        if (parts[i].len && !parts[i].data) {
            what = "NULL data";
            e = EINVAL;
        } else if (parts[i].len && write_all(fd, parts[i].data, parts[i].len) != 0) {
            what = "write";
            e = errno;
        }
    }
    if (!what && fsync(fd) != 0) {
        what = "fsync";
        e = errno;
    }
    if (close(fd) != 0 && !what) {
        what = "close";
        e = errno;
    }
    if (!what && rename(tmp, path) != 0) {
        what = "rename";
        e = errno;
    }
    if (what) {
        unlink(tmp);
        trmn_error_set(err, TRM_E_INVALID, "cannot write '%s' (%s of '%s' failed: %s)", path, what, tmp,
                       strerror(e));
        free(tmp);
        return TRM_E_INVALID;
    }
    free(tmp);
    sync_parent_dir(path);
    return TRM_OK;
}

trm_status trmn_write_file(const char *path, const void *data, size_t len, trm_error *err)
{
    trmn_io_part part = {data, len};
    return trmn_write_file_parts(path, &part, 1, err);
}
