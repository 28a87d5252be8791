/* tools_util.h: helpers for the ctest programs that run the built command-line tools
 * (test_tools.c, test_train_e2e.c): locate <build dir>/bin from the test's own path, run a command
 * line with its output captured, read files, check results with a message. Header-only (static
 * functions) because every tests/test_*.c is its own program. */
#ifndef TRM_TOOLS_UTIL_H
#define TRM_TOOLS_UTIL_H

#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safetensors.h"

static int tu_fail = 0, tu_checks = 0;
static char tu_bin[1024];  /* <build dir>/bin */
static char tu_tmp[256];   /* scratch directory, removed at the end when all passed */
static char tu_out[1 << 16]; /* output of the last tu_run */

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        tu_checks++;                                                                          \
        if (!(cond)) {                                                                        \
            tu_fail++;                                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                      \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

/* bin = dirname(dirname(argv0)) + "/bin"; a scratch directory under $TMPDIR or /tmp. */
static int tu_init(const char *argv0, const char *name) {
    char buf[900];
    snprintf(buf, sizeof buf, "%s", argv0);
    char *s = strrchr(buf, '/');
    if (s) *s = '\0';
    else snprintf(buf, sizeof buf, ".");
    snprintf(tu_bin, sizeof tu_bin, "%s/../bin", buf);
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/trm-train", tu_bin);
    if (access(probe, X_OK)) {
        printf("FAIL: %s not found (the tools are built next to the tests, in <build dir>/bin)\n", probe);
        return -1;
    }
    const char *t = getenv("TMPDIR");
    snprintf(tu_tmp, sizeof tu_tmp, "%s/%s.XXXXXX", t && *t ? t : "/tmp", name);
    if (!mkdtemp(tu_tmp)) {
        printf("FAIL: cannot create a scratch directory %s\n", tu_tmp);
        return -1;
    }
    return 0;
}

/* Run a shell command line (printf-style); stdout+stderr captured into tu_out. Returns the exit
 * status (128 + signal if killed). */
static int tu_run(const char *fmt, ...) {
    char cmd[4096], full[4600], outp[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(outp, sizeof outp, "%s/.out", tu_tmp);
    snprintf(full, sizeof full, "( %s ) > '%s' 2>&1", cmd, outp);
    int st = system(full);
    tu_out[0] = '\0';
    FILE *f = fopen(outp, "rb");
    if (f) {
        size_t n = fread(tu_out, 1, sizeof tu_out - 1, f);
        tu_out[n] = '\0';
        fclose(f);
    }
    int rc = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("$ %s  -> %d\n", cmd, rc);
    const char *nl = strchr(tu_out, '\n'); /* the first line says what the tool reported */
    if (tu_out[0]) printf("    %.*s\n", nl ? (int)(nl - tu_out) : 200, tu_out);
    return rc;
}

/* Whole file into a malloc'd NUL-terminated buffer (NULL if unreadable). */
static char *tu_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        if (len) *len = (size_t)n;
    }
    return b;
}

static int tu_write(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Expect exit status want and a fragment of the output. */
static void tu_expect(int rc, int want, const char *fragment, const char *what) {
    CHECK(rc == want, "%s: exit status %d, expected %d; output:\n%s", what, rc, want, tu_out);
    if (fragment) CHECK(strstr(tu_out, fragment) != NULL, "%s: output lacks \"%s\":\n%s", what, fragment, tu_out);
}

static int tu_done(void) {
    if (!tu_fail) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tu_tmp);
        if (system(cmd) != 0) printf("note: could not remove %s\n", tu_tmp);
        printf("all %d checks passed\n", tu_checks);
    } else {
        printf("%d of %d checks failed (scratch files kept in %s)\n", tu_fail, tu_checks, tu_tmp);
    }
    return tu_fail ? 1 : 0;
}

/* 1 when the two files hold the same bytes (inline: not every test uses these two). */
static inline int tu_same_file(const char *a, const char *b) {
    size_t la, lb;
    char *x = tu_read(a, &la), *y = tu_read(b, &lb);
    int same = x && y && la == lb && !memcmp(x, y, la);
    free(x);
    free(y);
    return same;
}

/* Every trainer./data. tensor of checkpoint files a and b equal (run.wall_us differs), and at
 * least min_tensors of them. */
static inline void tu_same_checkpoints(const char *a, const char *b, const char *what, int min_tensors) {
    size_t la, lb;
    char *x = tu_read(a, &la), *y = tu_read(b, &lb);
    trmn_st_file fa, fb;
    trm_error err;
    int ok = x && y && !trmn_st_parse((uint8_t *)x, la, &fa, &err);
    if (ok && trmn_st_parse((uint8_t *)y, lb, &fb, &err)) {
        trmn_st_free(&fa);
        ok = 0;
    }
    CHECK(ok, "%s: cannot read checkpoints %s, %s", what, a, b);
    int compared = 0;
    for (int i = 0; ok && i < fa.n_tensors; i++) {
        const trmn_st_tensor *t = &fa.tensors[i], *u = trmn_st_find(&fb, t->name);
        if (strncmp(t->name, "trainer.", 8) && strncmp(t->name, "data.", 5)) continue;
        compared++;
        CHECK(u && u->nbytes == t->nbytes && !memcmp(u->data, t->data, t->nbytes), "%s: checkpoint tensor %s differs", what,
              t->name);
    }
    printf("%s: %d checkpoint state tensors compared\n", what, compared);
    CHECK(compared >= min_tensors, "%s: only %d state tensors", what, compared);
    if (ok) {
        trmn_st_free(&fa);
        trmn_st_free(&fb);
    }
    free(x);
    free(y);
}

#endif /* TRM_TOOLS_UTIL_H */
