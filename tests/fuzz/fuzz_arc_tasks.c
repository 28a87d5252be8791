/* fuzz_arc_tasks.c: libFuzzer harness for the ARC-AGI task reader (native/arc_tasks.c; not built
 * by CMake; scripts/fuzz.sh builds and runs it).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Inative tests/fuzz/fuzz_arc_tasks.c \
 *       native/arc_tasks.c native/json.c native/fileio.c core/[a-z]*.c -lcjson -lm -o /tmp/fuzz_arc_tasks
 *   /tmp/fuzz_arc_tasks -max_total_time=30 -max_len=4096
 *
 * Whatever the bytes: trmn_arc_parse_task either fails with a non-empty message or gives a task
 * with at least one test input whose every grid passes trm_arc_grid_check (1..30 x 1..30, colours
 * 0..9), and an output only where has_output says so; everything is freed (LeakSanitizer). */
#include "arc_tasks.h"

#include <stdint.h>
#include <stdlib.h>

static void check_pairs(const trmn_arc_pair *p, int n, int train) {
    for (int i = 0; i < n; i++) {
        if (trm_arc_grid_check(&p[i].input, NULL) != TRM_OK) abort();
        if (p[i].has_output ? trm_arc_grid_check(&p[i].output, NULL) != TRM_OK : (train || p[i].output.h || p[i].output.w)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    trmn_arc_task t;
    trm_error err;
    err.msg[0] = '\0';
    if (trmn_arc_parse_task((const char *)data, size, "fuzz.json", "fuzz", &t, &err) != TRM_OK) {
        if (!err.msg[0]) abort(); /* every failure says why */
        return 0;
    }
    if (t.n_test < 1 || t.n_train < 0) abort();
    check_pairs(t.train, t.n_train, 1);
    check_pairs(t.test, t.n_test, 0);
    trmn_arc_task_free(&t);
    return 0;
}
