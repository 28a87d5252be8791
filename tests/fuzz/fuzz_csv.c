/* fuzz_csv.c: libFuzzer harness for the HRM CSV reader (native/csv.c). Not built by CMake;
 * build and run by hand from the repository root:
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Inative \
 *       tests/fuzz/fuzz_csv.c native/csv.c native/fileio.c core/error.c core/maze.c core/rng.c \
 *       core/task.c core/task_maze.c -lm -o /tmp/fuzz_csv
 *   mkdir -p /tmp/fuzz_csv_corpus && /tmp/fuzz_csv /tmp/fuzz_csv_corpus -max_total_time=30
 *
 * Each input is parsed twice (size inferred, and a fixed 3 x 3); whatever parses must survive a
 * format + parse round trip unchanged. Any crash, leak, sanitizer report or abort() is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static void round_trip(const trmn_csv_dataset *d, int h, int w) {
    char *text;
    size_t len;
    trm_error err;
    trmn_csv_dataset back;
    if (trmn_csv_format(d, &text, &len, &err) != TRM_OK) abort(); /* parsed tokens are always 1..5 */
    if (trmn_csv_parse(text, len, "round-trip", trm_task_default(), h, w, &back, &err) != TRM_OK) abort();
    size_t cells = (size_t)d->height * (size_t)d->width;
    if (back.count != d->count || back.height != d->height || back.width != d->width) abort();
    if (memcmp(back.questions, d->questions, d->count * cells) || memcmp(back.answers, d->answers, d->count * cells) ||
        memcmp(back.ratings, d->ratings, d->count * sizeof *d->ratings))
        abort();
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(back.sources[i], d->sources[i])) abort();
    trmn_csv_free(&back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int sizes[2][2] = {{0, 0}, {3, 3}};
    for (int i = 0; i < 2; i++) {
        trmn_csv_dataset d;
        trm_error err;
        if (trmn_csv_parse((const char *)data, size, "fuzz", trm_task_default(), sizes[i][0], sizes[i][1], &d, &err) == TRM_OK) {
            /* A source may hold CR/LF and quotes; after a round trip it must come back the same. */
            round_trip(&d, d.height, d.width);
        } else if (err.msg[0] == '\0') {
            abort(); /* every failure must say why */
        }
        trmn_csv_free(&d);
    }
    return 0;
}
