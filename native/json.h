/* json.h: the one way native/ parses JSON text (safetensors headers, model configs, run configs). */
#ifndef TRM_JSON_H
#define TRM_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parse text[0..len) as one JSON value followed by nothing but whitespace. A NUL character is
 * refused, raw or written as \u0000: names are C strings, so "lm_head.weight\u0000junk" would
 * otherwise be read as "lm_head.weight" (and a config key "num_heads\u0000x" as num_heads).
 * On failure returns NULL with *at = the byte offset of the problem and a reason in why
 * (whycap bytes, e.g. "invalid JSON" or "the string \"lm_head.weight\\u0000...\" holds a NUL
 * character"). */
cJSON *trm_json_parse(const char *text, size_t len, size_t *at, char *why, size_t whycap);

#ifdef __cplusplus
}
#endif

#endif
