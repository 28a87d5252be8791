/* arc_tasks.h: ARC-AGI tasks as the public JSON files hold them (trm-eval --arc).
 *
 * A task is a few demonstration pairs and one or more test inputs, every grid a list of rows of
 * colours 0..9 (1..30 rows of 1..30 columns, all rows of one length):
 *     {"train": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]}, ...],
 *      "test":  [{"input": ..., "output": ...}, ...]}
 * Three layouts are read (trmn_arc_read picks by what the path is):
 *   - one task file (fchollet/ARC-AGI data/<split>/<id>.json): the id is the file name without
 *     ".json";
 *   - a directory of such files: every regular "*.json" file in it, sorted by name (other files
 *     and subdirectories are skipped);
 *   - a combined challenges file (the official and Kaggle layout, e.g.
 *     kaggle/combined/arc-agi_evaluation_challenges.json): {"<id>": <task>, ...}, in file order.
 *     Its test pairs have no outputs; they come from a solutions file {"<id>": [grid, ...], ...}
 *     (one grid per test input, in order), given explicitly or found next to the challenges by
 *     replacing "_challenges.json" with "_solutions.json".
 * An explicit solutions file works with every layout. Every task read must have an entry in it
 * (entries for other tasks are ignored); where a task file already has a test output, the
 * solution must equal it. Test outputs may be missing altogether (a test set's challenges
 * alone): has_output is then 0 and such pairs are answered but not scored.
 *
 * A task has "train" (an array, possibly empty) and "test" (a non-empty array); other keys are
 * ignored (some public files add "name"). A pair has "input" and, in "train" always, "output",
 * nothing else. Errors (TRM_E_FORMAT; the file
 * itself: fileio.h's codes; TRM_E_NOMEM) name the file, the task id and the place as a JSON path,
 * rows and columns counted from 0 as in the file:
 *     "evaluation/abc.json: task abc: train[1].input[2][5]: 10 is not a colour (0..9)"
 *     "challenges.json: task abc: test[0].input: row 3 has 4 columns, row 0 has 5"
 *     "challenges.json:3:17: invalid JSON"
 * Everything is malloc'd and freed by trmn_arc_free.
 */
#ifndef TRMN_ARC_TASKS_H
#define TRMN_ARC_TASKS_H

#include <stddef.h>

#include "arc.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_arc_pair {
    trm_arc_grid input, output;
    int has_output; /* 0: output is empty (0 x 0) and unknown */
} trmn_arc_pair;

typedef struct trmn_arc_task {
    char *id;                 /* file name without ".json", or the combined file's key */
    int n_train, n_test;      /* n_test >= 1 */
    trmn_arc_pair *train, *test;
} trmn_arc_task;

typedef struct trmn_arc_set {
    trmn_arc_task *tasks;
    int count;
    char solutions[1024];     /* the solutions file used ("" = none) */
} trmn_arc_set;

/* Read path (a task file, a directory of them, or a combined challenges file). solutions: a
 * solutions file, or NULL to look for "<prefix>_solutions.json" next to a "<prefix>_challenges.json"
 * (used when it exists). On error *set is left empty (nothing to free). */
trm_status trmn_arc_read(const char *path, const char *solutions, trmn_arc_set *set, trm_error *err);

/* Parse one task from JSON text[0..len) (e.g. a file's bytes); file and id name it in messages. */
trm_status trmn_arc_parse_task(const char *text, size_t len, const char *file, const char *id, trmn_arc_task *task,
                               trm_error *err);

/* Free what a successful read or parse made (safe on a zeroed struct). */
void trmn_arc_free(trmn_arc_set *set);
void trmn_arc_task_free(trmn_arc_task *task);

/* 1 when every test pair of the task has an output (the task can be scored). */
int trmn_arc_task_scored(const trmn_arc_task *task);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_ARC_TASKS_H */
