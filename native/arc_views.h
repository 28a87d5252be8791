/* arc_views.h: the views an ARC-AGI test input is solved in (trm-eval --arc): which puzzle-
 * embedding row and which augmentation (arc.h) each copy of it gets.
 *
 * The official dataset (dataset/build_arc_dataset.py) trains one puzzle-embedding row per
 * augmented version of every task and lists their names by row in identifiers.json:
 *     ["<blank>", "007bbfb7", "007bbfb7|||t3|||0481326597", ...]
 * row 0 is the blank (padding) row, the task's own id names the un-augmented version, and
 * "<task>|||t<dihedral>|||<map of colours 0..9>" an augmented one. The official evaluation runs
 * every test input in every version of its task: the views of a task are every row whose name
 * is the task's id (the identity) or "<id>|||<augmentation>", in row order.
 *
 * A model trained without a row per augmented puzzle (or when identifiers.json is not at hand)
 * gets random views instead: the identity plus n - 1 distinct random augmentations, all on row 0.
 */
#ifndef TRMN_ARC_VIEWS_H
#define TRMN_ARC_VIEWS_H

#include <stdint.h>

#include "arc.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One view: the puzzle-embedding row (puzzle_ids of trm_solver_reset) and the augmentation. */
typedef struct trmn_arc_view {
    int32_t puzzle_id;
    trm_arc_aug aug;
} trmn_arc_view;

/* A row of identifiers.json that names a task. */
typedef struct trmn_arc_id_row {
    const char *task; /* the part of its name before "|||" (in trmn_arc_identifiers.names) */
    int32_t row;
} trmn_arc_id_row;

/* identifiers.json, parsed: every row's augmentation, and the rows that name a task by name. */
typedef struct trmn_arc_identifiers {
    char path[1024];
    int count;             /* rows */
    trm_arc_aug *augs;     /* [count]: row i's augmentation (the identity for plain ids and blanks) */
    trmn_arc_id_row *rows; /* [n_rows]: every row but the blanks, by (task, row) */
    int n_rows;
    char *names;           /* the task names, NUL-separated */
} trmn_arc_identifiers;

/* Read identifiers.json (a JSON array of strings). Rows named "<blank>" are skipped; every other
 * name must be a task id, optionally followed by "|||t<dihedral>|||<colours>" (trm_arc_aug_parse).
 * Errors name the file and the row: "identifiers.json: row 17 (\"abc|||t9|||0123456789\"): ...". */
trm_status trmn_arc_identifiers_read(const char *path, trmn_arc_identifiers *ids, trm_error *err);
void trmn_arc_identifiers_free(trmn_arc_identifiers *ids);

/* The views of task `task`: *views (malloc'd, *n of them, in row order). TRM_E_INVALID when no
 * row names the task, or a row is not below num_puzzle_identifiers (the model has no such
 * row: the message names it). */
trm_status trmn_arc_identifiers_views(const trmn_arc_identifiers *ids, const char *task, int num_puzzle_identifiers,
                                      trmn_arc_view **views, int *n, trm_error *err);

/* views [n] on puzzle row 0: the identity, then n - 1 distinct random augmentations, neither the
 * identity nor each other (trm_arc_aug_random from a generator seeded with seed).
 * TRM_E_INVALID unless 1 <= n <= TRM_ARC_AUGMENTATIONS. */
trm_status trmn_arc_random_views(int n, uint64_t seed, trmn_arc_view *views, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_ARC_VIEWS_H */
