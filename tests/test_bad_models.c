/* test_bad_models.c: the native model-file reader (native/model_io.c over native/safetensors.c)
 * against the bad-file corpus it shares with the JavaScript reader, tests/data/bad-models/
 * (manifest.json, made with the files by generate.mjs; tests/js/bad-models.test.mjs runs the same
 * cases through web/trm.js), so that the two implementations of the format cannot drift apart.
 *
 * For every case of the manifest, trmn_load_model_file_ex (what the tools use) must
 *   - refuse the file, returning NULL without crashing (.ci/run repeats the C tests under ASan
 *     and UBSan), with the case's trm_status ("c") and a message that contains every keyword; or
 *   - for an "accept" case, load it, warning with the "warning" keywords when given, else silently.
 * A case's known_difference.c, where present, replaces those fields for this reader: the
 * manifest records how the readers disagree today, and this test pins that too.
 * Exits non-zero on any failure.
 */
#include "fileio.h"
#include "model_io.h"
#include "trm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define DIR "tests/data/bad-models/"

/* Every warning of one load, one per line. */
typedef struct warnings {
    int n;
    char text[2048];
} warnings;

static void collect(void *user, const char *msg)
{
    warnings *w = user;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
    w->n++;
}

static const struct {
    const char *name;
    trm_status code;
} STATUS[] = {
    {"TRM_OK", TRM_OK},           {"TRM_E_INVALID", TRM_E_INVALID},     {"TRM_E_UNKNOWN_KEY", TRM_E_UNKNOWN_KEY},
    {"TRM_E_FORMAT", TRM_E_FORMAT}, {"TRM_E_SHAPE", TRM_E_SHAPE},         {"TRM_E_NOMEM", TRM_E_NOMEM},
    {"TRM_E_NONFINITE", TRM_E_NONFINITE}, {"TRM_E_STATE", TRM_E_STATE},
};

static const char *status_name(trm_status s)
{
    for (size_t i = 0; i < sizeof STATUS / sizeof STATUS[0]; i++)
        if (STATUS[i].code == s)
            return STATUS[i].name;
    return "?";
}

static int status_of(const char *name)
{
    for (size_t i = 0; name && i < sizeof STATUS / sizeof STATUS[0]; i++)
        if (strcmp(STATUS[i].name, name) == 0)
            return (int)STATUS[i].code;
    return -1;
}

/* Field `key` of the case as this reader sees it: known_difference.c's value if it has one. */
static const cJSON *field(const cJSON *c, const char *key)
{
    const cJSON *ours = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "known_difference"), "c");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ours, key);
    return v ? v : cJSON_GetObjectItemCaseSensitive(c, key);
}

/* Every string of the array kw occurs in text; the first that does not, else NULL. */
static const char *missing_keyword(const cJSON *kw, const char *text)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, kw) {
        if (!cJSON_IsString(k) || !strstr(text, k->valuestring))
            return cJSON_IsString(k) ? k->valuestring : "(not a string)";
    }
    return NULL;
}

/* One case; returns 1 if the reader refused the file. */
static int run_case(const cJSON *c)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "file"));
    const cJSON *known = cJSON_GetObjectItemCaseSensitive(c, "known_difference");
    CHECK(name && file, "a manifest case without name or file");
    if (!name || !file)
        return 0;
    const int pinned = cJSON_GetObjectItemCaseSensitive(known, "c") != NULL;
    const char *note = pinned ? " (known difference: here)" : known ? " (known difference: in JS)" : "";
    /* Failing where a difference is pinned may mean it was fixed: then the manifest must say so. */
    const char *hint = pinned ? " [if native/ now agrees with web/, drop this case's known_difference.c in "
                                "generate.mjs]" : "";
    char path[256];
    snprintf(path, sizeof path, DIR "%s", file);

    warnings w = {0, ""};
    trm_error err = {TRM_OK, ""};
    trm_model *m = trmn_load_model_file_ex(path, collect, &w, &err);

    if (cJSON_IsTrue(field(c, "accept"))) {
        const cJSON *warning = cJSON_IsNull(field(c, "warning")) ? NULL : field(c, "warning");
        const char *absent = warning ? missing_keyword(warning, w.text) : NULL;
        CHECK(m != NULL, "%s: refused, but it must load: %s%s", name, err.msg, hint);
        CHECK(warning || w.n == 0, "%s: unexpected warning: %s%s", name, w.text, hint);
        CHECK(!warning || (w.n > 0 && !absent), "%s: the warning lacks '%s': %s%s", name, absent ? absent : "", w.text,
              hint);
        printf("%-28s loads%s%s%s", name, note, w.n ? ", warning: " : "\n", w.text);
        trm_model_free(m);
        return 0;
    }

    const char *want = cJSON_GetStringValue(field(c, "c"));
    const cJSON *kw = field(c, "keywords");
    CHECK(status_of(want) > 0 && cJSON_IsArray(kw), "%s: the manifest needs a \"c\" status name and keywords", name);
    CHECK(m == NULL, "%s: loaded, but must be refused (%s)%s", name, want ? want : "?", hint);
    if (m) {
        trm_model_free(m);
        return 0;
    }
    const char *absent = missing_keyword(kw, err.msg);
    CHECK((int)err.code == status_of(want), "%s: status %s, expected %s: %s%s", name, status_name(err.code),
          want ? want : "?", err.msg, hint);
    CHECK(!absent, "%s: the message lacks '%s': %s%s", name, absent ? absent : "", err.msg, hint);
    printf("%-28s %-15s %s%s\n", name, status_name(err.code), err.msg, note);
    return 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line per case, not interleaved with the FAIL lines on stderr */
    uint8_t *text = NULL;
    size_t len = 0;
    trm_error err;
    if (trmn_read_file(DIR "manifest.json", 0, &text, &len, &err) != TRM_OK) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        return 1;
    }
    cJSON *manifest = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(manifest, "cases");
    CHECK(cJSON_IsArray(cases), DIR "manifest.json: no \"cases\" array");

    int n = 0, refused = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        refused += run_case(c);
        n++;
    }
    /* An empty or unreadable manifest must not pass as "nothing failed". */
    CHECK(refused > 0 && refused < n, "the manifest has %d cases, %d refused: expected both kinds", n, refused);
    printf("%d cases: %d refused, %d loaded\n", n, refused, n - refused);
    cJSON_Delete(manifest);
    return check_done();
}
