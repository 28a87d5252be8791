/* progress.h: a progress line for long runs that behaves on terminals and in logs.
 *
 * On a terminal the line is redrawn in place ("\r" + text + erase to end of line), at most
 * every min_interval seconds unless forced; trm_progress_print() clears it, prints a permanent
 * line and lets the next update redraw it. When the stream is not a terminal (piped, CI logs)
 * nothing is redrawn: trm_progress_update() prints nothing unless forced, so callers decide
 * which updates become plain periodic lines (e.g. every log interval).
 */
#ifndef TRM_PROGRESS_H
#define TRM_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trm_progress {
    FILE *f;
    int tty;             /* redraw in place */
    int shown;           /* a line is on screen and not terminated */
    double last;         /* time of the last redraw */
    double min_interval; /* seconds between redraws on a terminal (default 0.1) */
} trm_progress;

/* tty: 1 = redraw in place, 0 = plain lines, -1 = ask trm_cli_isatty(f). */
void trm_progress_init(trm_progress *p, FILE *f, int tty);
/* Show text as the current progress. On a terminal it is redrawn (rate-limited unless force);
 * otherwise it is printed as a line only when force is set. */
void trm_progress_update(trm_progress *p, int force, const char *fmt, ...) TRM_PRINTF(3, 4);
/* Print a permanent line (clears the progress line first on a terminal). */
void trm_progress_print(trm_progress *p, const char *fmt, ...) TRM_PRINTF(2, 3);
/* End the progress line (newline on a terminal if one is shown). */
void trm_progress_end(trm_progress *p);

/* "[#####.....]" of width cells for done/total into buf. */
void trm_progress_bar(char *buf, size_t cap, double done, double total, int width);
/* Seconds as "1h02m", "3m05s", "42s", or "?" for a negative or non-finite value. */
void trm_format_duration(char *buf, size_t cap, double seconds);

#ifdef __cplusplus
}
#endif
#endif /* TRM_PROGRESS_H */
