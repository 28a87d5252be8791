/* progress.c: progress line and bar; see progress.h. */
#include "progress.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void trmn_progress_init(trmn_progress *p, FILE *f, int tty) {
    memset(p, 0, sizeof *p);
    p->f = f;
    p->tty = tty < 0 ? trmn_cli_isatty(f) : tty;
    p->min_interval = 0.1;
    p->last = -1e30;
}

void trmn_progress_update(trmn_progress *p, int force, const char *fmt, ...) {
    double now = trmn_cli_now();
    if (!force && (!p->tty || now - p->last < p->min_interval)) return;
    va_list ap;
    va_start(ap, fmt);
    if (p->tty) {
        fputs("\r", p->f);
        vfprintf(p->f, fmt, ap);
        fputs("\033[K", p->f); /* erase what a longer previous line left */
        p->shown = 1;
    } else {
        vfprintf(p->f, fmt, ap);
        fputc('\n', p->f);
    }
    va_end(ap);
    fflush(p->f);
    p->last = now;
}

void trmn_progress_print(trmn_progress *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (p->tty && p->shown) fputs("\r\033[K", p->f);
    vfprintf(p->f, fmt, ap);
    fputc('\n', p->f);
    va_end(ap);
    fflush(p->f);
    p->shown = 0;
    p->last = -1e30; /* redraw the progress line at the next update */
}

void trmn_progress_end(trmn_progress *p) {
    if (p->tty && p->shown) fputc('\n', p->f);
    p->shown = 0;
    fflush(p->f);
}

void trmn_progress_bar(char *buf, size_t cap, double done, double total, int width) {
    if (!cap) return;
    double frac = total > 0 ? done / total : 0;
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    int full = (int)(frac * width + 1e-9);
    size_t k = 0;
    if (k + 1 < cap) buf[k++] = '[';
    for (int i = 0; i < width && k + 1 < cap; i++) buf[k++] = i < full ? '#' : '.';
    if (k + 1 < cap) buf[k++] = ']';
    buf[k] = '\0';
}

void trmn_format_duration(char *buf, size_t cap, double s) {
    if (!isfinite(s) || s < 0) {
        snprintf(buf, cap, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, cap, "%lds", t);
}
