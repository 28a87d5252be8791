/* fuzz_config.c: libFuzzer harness for the trm-train JSON configuration reader (not built by
 * CMake).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Inative tests/fuzz/fuzz_config.c \
 *       native/train_config.c native/json.c native/fileio.c core/[a-z]*.c -lcjson -lm \
 *       -o /tmp/fuzz_config
 *   /tmp/fuzz_config -max_total_time=30 -max_len=2048
 *
 * Whatever the bytes: trmn_run_config_parse either fails with a non-empty message or succeeds;
 * then trmn_run_config_finish (with a few grid sizes) either fails with a message or yields a
 * config whose effective JSON (trmn_run_config_to_json) parses and finishes again to the same
 * JSON text (the checkpoint round trip that --resume relies on). */
#include "train_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    trmn_run_config c;
    trm_error err;
    trmn_run_config_default(&c);
    err.msg[0] = '\0';
    if (trmn_run_config_parse(&c, (const char *)data, size, "fuzz", &err)) {
        if (!err.msg[0]) abort(); /* every failure says why */
        return 0;
    }
    const int h = 1 + (size ? data[0] % 8 : 0), w = 1 + (size > 1 ? data[1] % 8 : 0);
    err.msg[0] = '\0';
    if (trmn_run_config_finish(&c, h, w, size, &err)) {
        if (!err.msg[0]) abort();
        return 0;
    }
    char *json = trmn_run_config_to_json(&c);
    if (!json) return 0; /* out of memory */
    trmn_run_config d;
    trmn_run_config_default(&d);
    if (trmn_run_config_parse(&d, json, strlen(json), "round trip", &err) ||
        trmn_run_config_finish(&d, h, w, size, &err))
        abort(); /* the effective config must read back */
    char *again = trmn_run_config_to_json(&d);
    if (again && strcmp(json, again) != 0) abort();
    free(again);
    free(json);
    return 0;
}
