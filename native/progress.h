/* progress.h: a progress line for long runs that behaves on terminals and in logs.
 *
 * On a terminal the line is redrawn in place ("\r" + text + erase to end of line), at most
 * every min_interval seconds unless forced; trmn_progress_print() clears it, prints a permanent
 * line and lets the next update redraw it. When the stream is not a terminal (piped, CI logs)
 * nothing is redrawn: trmn_progress_update() prints nothing unless forced, so callers decide
 * which updates become plain periodic lines (e.g. every log interval).
 */
#ifndef TRMN_PROGRESS_H
#define TRMN_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_progress {
    FILE *f;
    int tty;             /* redraw in place */
    int shown;           /* a line is on screen and not terminated */
    double last;         /* time of the last redraw */
    double min_interval; /* seconds between redraws on a terminal (default 0.1) */
} trmn_progress;

/* tty: 1 = redraw in place, 0 = plain lines, -1 = ask trmn_cli_isatty(f). */
void trmn_progress_init(trmn_progress *p, FILE *f, int tty);
/* Show text as the current progress. On a terminal it is redrawn (rate-limited unless force);
 * otherwise it is printed as a line only when force is set. */
void trmn_progress_update(trmn_progress *p, int force, const char *fmt, ...) TRMN_PRINTF(3, 4);
/* Print a permanent line (clears the progress line first on a terminal). */
void trmn_progress_print(trmn_progress *p, const char *fmt, ...) TRMN_PRINTF(2, 3);
/* End the progress line (newline on a terminal if one is shown). */
void trmn_progress_end(trmn_progress *p);

/* "[#####.....]" of width cells for done/total into buf. */
void trmn_progress_bar(char *buf, size_t cap, double done, double total, int width);
/* Seconds as "1h02m", "3m05s", "42s", or "?" for a negative or non-finite value. */
void trmn_format_duration(char *buf, size_t cap, double seconds);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_PROGRESS_H */
