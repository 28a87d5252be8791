/* error.c: status names and the error message every core function reports through (trm.h). A
 * file of its own: every part of the core (and native/ and web/) reports through it, so it
 * belongs to none of them. */
#include <stdarg.h>
#include <stdio.h>

#include "trm.h"

const char *trm_status_name(trm_status s) {
    switch (s) {
    case TRM_OK: return "ok";
    case TRM_E_INVALID: return "invalid argument";
    case TRM_E_UNKNOWN_KEY: return "unknown key";
    case TRM_E_FORMAT: return "bad format";
    case TRM_E_SHAPE: return "wrong shape";
    case TRM_E_NOMEM: return "out of memory";
    case TRM_E_NONFINITE: return "non-finite value";
    case TRM_E_STATE: return "wrong call order";
    }
    return "unknown status";
}

trm_status trm_error_set(trm_error *err, trm_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
