/* cli.h: small helpers shared by the command-line tools: option scanning (--key value and
 * --key=value), number parsing with range checks, the common --threads / --kernels options
 * (plus the TRM_KERNELS environment variable), and uniform error messages.
 *
 * Exit codes used by every tool: 0 success, 1 runtime error (bad file, failed training),
 * 2 usage error (bad option or value). Messages go to stderr as "<tool>: <message>".
 */
#ifndef TRMN_CLI_H
#define TRMN_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TRMN_EXIT_OK = 0, TRMN_EXIT_RUNTIME = 1, TRMN_EXIT_USAGE = 2 };

#if defined(__GNUC__)
#define TRMN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TRMN_PRINTF(f, a)
#endif

/* "<tool>: <message>\n(run <tool> --help for usage)" on stderr; returns TRMN_EXIT_USAGE. */
int trmn_cli_usage_error(const char *tool, const char *fmt, ...) TRMN_PRINTF(2, 3);
/* "<tool>: <message>" on stderr; returns TRMN_EXIT_RUNTIME. */
int trmn_cli_error(const char *tool, const char *fmt, ...) TRMN_PRINTF(2, 3);

/* One scanned option. For "--key=value" value points after '='; for flags value is NULL. */
typedef struct trmn_cli_opt {
    char key[48];
    const char *value;
} trmn_cli_opt;

/* Scan argv[*i] as an option. flags: NULL-terminated names that take no value (e.g. "--quiet";
 * --help always is one); values: names that take the next argument or the part after '='
 * (--threads and --kernels always do). Advances *i past what was consumed. Returns 0, or
 * TRMN_EXIT_USAGE after printing why (not an option, unknown option, missing value, value given
 * to a flag). */
int trmn_cli_next(const char *tool, int argc, char **argv, int *i, const char *const *flags,
                  const char *const *values, trmn_cli_opt *o);

/* Strict decimal parsers: the whole string must be a number in [lo, hi]. 0 on success. */
int trmn_cli_parse_long(const char *s, long lo, long hi, long *out);
int trmn_cli_parse_u64(const char *s, uint64_t *out);

/* Options every tool accepts. threads 0 = leave the OpenMP default; kernels NULL = not given. */
typedef struct trmn_cli_common {
    int threads;
    const char *kernels;
    const char *precision; /* "f32", "bf16", "auto" or NULL = not given */
} trmn_cli_common;

/* If o is --threads, --kernels or --precision, record it in c and return 1; on a bad value print the error
 * and return -TRMN_EXIT_USAGE; otherwise return 0 (not a common option). */
int trmn_cli_common_option(const char *tool, const trmn_cli_opt *o, trmn_cli_common *c);
/* Apply --threads (omp_set_num_threads when built with OpenMP). */
void trmn_cli_apply_threads(int threads);
/* The kernel set named by --kernels, else $TRM_KERNELS, else "auto". On an unknown or
 * unsupported name prints an error and returns NULL. */
const trm_kernels *trmn_cli_kernels(const char *tool, const char *flag);
/* Set the model's precision from --precision (NULL: f32; auto: by the model's kernel set, so set
 * the kernels first). 0, or prints why not and returns an exit code. */
int trmn_cli_apply_precision(const char *tool, trm_model *m, const char *flag);
/* Help text for the common options (appended to each tool's usage). */
extern const char TRMN_CLI_COMMON_HELP[];

/* Threads the tools will use (omp_get_max_threads, or 1 without OpenMP). */
int trmn_cli_threads(void);
/* Wall-clock seconds from a monotonic clock. */
double trmn_cli_now(void);
/* SIGINT and SIGTERM call handler once; a second Ctrl-C then kills at once (the default action). */
void trmn_cli_catch_stop(void (*handler)(int));
/* 1 if the stream is a terminal (and TERM is not "dumb"). */
int trmn_cli_isatty(FILE *f);
/* s as a JSON string literal (quotes included; quotes, backslashes and control characters
 * escaped, UTF-8 as is), malloc'd; NULL when out of memory. */
char *trmn_cli_json_quote(const char *s);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_CLI_H */
