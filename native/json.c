/* json.c: strict JSON parsing on top of cJSON. See json.h. */
#include "json.h"

#include "fileio.h"

#include <string.h>

/* The first NUL in text: a raw byte, or a \u0000 escape inside a string (cJSON decodes it into
 * a 0 byte and the C string ends there). Returns its offset and, through *str, where the string
 * holding it starts (or SIZE_MAX for a raw NUL outside strings); len if there is none. */
static size_t first_nul(const char *text, size_t len, size_t *str)
{
    int in_string = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = text[i];
        if (c == 0) {
            *str = in_string ? start : (size_t)-1;
            return i;
        }
        if (!in_string) {
            if (c == '"') in_string = 1, start = i;
        } else if (c == '"') {
            in_string = 0;
        } else if (c == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 6 <= len && !memcmp(text + i + 2, "0000", 4)) {
                *str = start;
                return i;
            }
            i++; /* the escaped character cannot end the string */
        }
    }
    return len;
}

cJSON *trmn_json_parse(const char *text, size_t len, size_t *at, trm_error *err)
{
    size_t str = 0;
    const size_t nul = first_nul(text, len, &str);
    if (nul < len) {
        *at = nul;
        if (str == (size_t)-1)
            trmn_error_set(err, TRM_E_FORMAT, "a NUL byte");
        else {
            /* Quote the string up to the NUL (at most 60 bytes) so the reader can find it. */
            const size_t n = nul - str - 1 < 60 ? nul - str - 1 : 60;
            trmn_error_set(err, TRM_E_FORMAT, "the string \"%.*s%s\\u0000...\" holds a NUL character", (int)n,
                           text + str + 1, nul - str - 1 > n ? "..." : "");
        }
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t pos = end && end >= text ? (size_t)(end - text) : 0;
    if (pos > len) pos = len;
    while (root && pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
        pos++;
    if (root && pos == len) return root;
    *at = pos;
    trmn_error_set(err, TRM_E_FORMAT, "%s", root ? "unexpected text after the JSON value" : "invalid JSON");
    cJSON_Delete(root);
    return NULL;
}
