/* cli.c: shared command-line helpers; see cli.h. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char TRMN_CLI_COMMON_HELP[] =
    "  --threads N      OpenMP threads (default: all cores, or OMP_NUM_THREADS)\n"
    "  --kernels K      scalar|avx2|avx512|avx512bf16|auto (default: $TRM_KERNELS, else auto = the fastest\n"
    "                   set this CPU runs)\n"
    "  --precision P    f32|bf16|auto: the network's linear layers and attention in float32 or with\n"
    "                   bf16 operands (auto = bf16 where the CPU has bf16 instructions; default f32,\n"
    "                   trm-train: its config's train.precision)\n"
    "  --help           this text\n";

int trmn_cli_usage_error(const char *tool, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", tool);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run %s --help for usage)\n", tool);
    va_end(ap);
    return TRMN_EXIT_USAGE;
}

int trmn_cli_error(const char *tool, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", tool);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return TRMN_EXIT_RUNTIME;
}

static int is_flag(const char *key, const char *const *flags) {
    for (int k = 0; flags && flags[k]; k++)
        if (!strcmp(key, flags[k])) return 1;
    return 0;
}

int trmn_cli_next(const char *tool, int argc, char **argv, int *i, const char *const *flags, const char *const *values,
                  trmn_cli_opt *o) {
    const char *a = argv[*i];
    memset(o, 0, sizeof *o);
    if (strncmp(a, "--", 2) != 0 || !a[2]) return trmn_cli_usage_error(tool, "unexpected argument '%s'", a);
    const char *eq = strchr(a, '=');
    size_t klen = eq ? (size_t)(eq - a) : strlen(a);
    if (klen >= sizeof o->key) return trmn_cli_usage_error(tool, "unknown option '%.60s'", a);
    memcpy(o->key, a, klen);
    o->key[klen] = '\0';
    (*i)++;
    if (!strcmp(o->key, "--help") || is_flag(o->key, flags)) {
        if (eq) return trmn_cli_usage_error(tool, "option %s takes no value", o->key);
        return 0;
    }
    if (!is_flag(o->key, values) && strcmp(o->key, "--threads") && strcmp(o->key, "--kernels") &&
        strcmp(o->key, "--precision"))
        return trmn_cli_usage_error(tool, "unknown option '%s'", o->key);
    if (eq) {
        o->value = eq + 1;
        return 0;
    }
    if (*i >= argc) return trmn_cli_usage_error(tool, "option %s needs a value", o->key);
    o->value = argv[(*i)++];
    return 0;
}

int trmn_cli_parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    if (!s || !*s) return -1;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int trmn_cli_parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

int trmn_cli_common_option(const char *tool, const trmn_cli_opt *o, trmn_cli_common *c) {
    if (!strcmp(o->key, "--threads")) {
        long n;
        if (trmn_cli_parse_long(o->value, 1, 1024, &n)) {
            trmn_cli_usage_error(tool, "--threads '%s': expected an integer in [1, 1024]", o->value);
            return -TRMN_EXIT_USAGE;
        }
        c->threads = (int)n;
        return 1;
    }
    if (!strcmp(o->key, "--kernels")) {
        c->kernels = o->value;
        return 1;
    }
    if (!strcmp(o->key, "--precision")) {
        if (trm_precision_parse(o->value, NULL) < 0) { /* "auto" parses too */
            trmn_cli_usage_error(tool, "--precision '%s': expected f32, bf16 or auto", o->value);
            return -TRMN_EXIT_USAGE;
        }
        c->precision = o->value;
        return 1;
    }
    return 0;
}

int trmn_cli_apply_precision(const char *tool, trm_model *m, const char *flag) {
    const int p = trm_precision_parse(flag ? flag : "f32", trm_model_kernels(m));
    trm_error e;
    if (p < 0) return trmn_cli_usage_error(tool, "--precision '%s': expected f32, bf16 or auto", flag);
    if (trm_model_set_precision(m, (trm_precision)p, &e) != TRM_OK) return trmn_cli_error(tool, "--precision %s: %s", flag, e.msg);
    return 0;
}

void trmn_cli_apply_threads(int threads) {
#ifdef _OPENMP
    if (threads > 0) omp_set_num_threads(threads);
#else
    (void)threads;
#endif
}

const trm_kernels *trmn_cli_kernels(const char *tool, const char *flag) {
    const char *name = flag, *from = "--kernels";
    if (!name || !*name) {
        name = getenv("TRM_KERNELS");
        from = "TRM_KERNELS";
    }
    if (!name || !*name) name = "auto";
    const trm_kernels *k = trm_kernels_get(name);
    if (!k) {
        trmn_cli_usage_error(tool, "%s '%s': unknown kernel set or not supported by this CPU/build "
                             "(expected scalar, avx2, avx512, avx512bf16 or auto)", from, name);
        return NULL;
    }
    return k;
}

int trmn_cli_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

double trmn_cli_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

char *trmn_cli_json_quote(const char *s) {
    char *out = malloc(6 * strlen(s) + 3), *o = out; /* \u00XX at the most per byte */
    if (!out) return NULL;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '"' || *p == '\\') *o++ = '\\', *o++ = (char)*p;
        else if (*p < 0x20) o += sprintf(o, "\\u%04x", *p);
        else *o++ = (char)*p;
    *o++ = '"';
    *o = 0;
    return out;
}

int trmn_cli_isatty(FILE *f) {
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb")) return 0;
    return isatty(fileno(f));
}

void trmn_cli_catch_stop(void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
