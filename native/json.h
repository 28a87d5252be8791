/* json.h: the one way native/ parses JSON text (safetensors headers, model configs, run configs). */
#ifndef TRMN_JSON_H
#define TRMN_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse text[0..len) as one JSON value followed by nothing but whitespace. A NUL character is
 * refused, raw or written as \u0000: names are C strings, so "lm_head.weight\u0000junk" would
 * otherwise be read as "lm_head.weight" (and a config key "num_heads\u0000x" as num_heads).
 * On failure returns NULL with *at = the byte offset of the problem and the reason in err
 * (TRM_E_FORMAT; e.g. "invalid JSON" or "the string \"lm_head.weight\\u0000...\" holds a NUL
 * character"), which callers place in a message of their own that says where. */
cJSON *trmn_json_parse(const char *text, size_t len, size_t *at, trm_error *err);

#ifdef __cplusplus
}
#endif

#endif
