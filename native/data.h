/* data.h: training data for trm-train: CSV datasets or mazes generated on the fly, optional
 * dihedral augmentation, the held-out set, and a small resumable state.
 *
 * Filling a batch. The trainer (TRM §3.3) only takes new examples into slots that halted at the
 * previous step; loader examples at other slots are discarded. So trmn_data_fill() is given the
 * slots to refill and consumes exactly one example per such slot, in slot order. Nothing is
 * wasted, and "examples seen" counts the examples that entered training. (The official loader
 * hands over B examples every step and discards the rest; with a finite CSV set an "epoch"
 * here is one pass over every example, see native/TOOLS.md.)
 *
 *  - CSV: the training rows in a random order per epoch: the permutation of epoch e is drawn
 *    from an RNG seeded with (seed, e), so it can be rebuilt from the epoch number alone.
 *  - Generator: training maze k is trm_maze_generate(options, generator seed, k) for
 *    k = 0, 1, 2, ...; a maze whose question equals a held-out maze is skipped, so the
 *    held-out set (maze k of test_seed, k < test_count, exactly what
 *    `trm-maze --seed <test_seed>` writes) stays unseen. Mazes are generated in parallel.
 *  - Augmentation: one dihedral transform (TRM §6.1) drawn per example from the data RNG,
 *    applied to question and label alike.
 *
 * State (for checkpoints): a few integers and the RNG, exposed as trm_state_entry items so the
 * checkpoint code stores them next to the trainer's. After restoring them call
 * trmn_data_restored().
 */
#ifndef TRMN_DATA_H
#define TRMN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "train_config.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_data trmn_data;

/* Load the CSV files or build the held-out set of the generator, then finish the config
 * (trmn_run_config_finish: grid size, steps). Returns NULL with the status of what failed
 * (trmn_csv_read, trmn_run_config_finish, the generator) and a message naming the file, row and
 * column, or the config key, in err. */
trmn_data *trmn_data_open(trmn_run_config *c, trm_error *err);
void trmn_data_free(trmn_data *d);

int trmn_data_height(const trmn_data *d);
int trmn_data_width(const trmn_data *d);
size_t trmn_data_train_count(const trmn_data *d); /* 0 for the generator (unbounded) */
size_t trmn_data_test_count(const trmn_data *d);  /* held-out mazes (0 = none) */
const uint8_t *trmn_data_test_questions(const trmn_data *d); /* [test_count * grid] */
const uint8_t *trmn_data_test_labels(const trmn_data *d);    /* [test_count * grid] */

/* Data streams, for data-parallel training (native/dist.h): serve streams first..first+count-1
 * of total. Stream g takes training maze g + total*j (j = 0, 1, ...) of the generator, or the
 * rows at positions g, g + total, ... of each epoch's order (every stream shuffles epoch e the
 * same way, so the streams split each epoch); its augmentation RNG derives from (seed, g);
 * stream 0 of 1 (what trmn_data_open sets up) is the plain sequence above. A batch of B slots
 * is split into count equal groups: group i is filled from served stream i. So a process that
 * holds slots [r*B/N, (r+1)*B/N) of a global batch and serves stream r of N sees exactly what
 * a single process serving all N streams puts into those slots. Call before the first fill;
 * the state starts afresh. TRM_E_INVALID for a bad range or fewer CSV rows than streams. */
trm_status trmn_data_set_streams(trmn_data *d, int first, int count, int total, trm_error *err);

/* Fill the slots b < B with refill[b] != 0 (refill NULL = all): inputs/labels [B * grid].
 * Other slots are left as they are. Returns TRM_OK, or the core's status with a message when
 * generating or augmenting a maze failed (TRM_E_NOMEM when out of memory). */
trm_status trmn_data_fill(trmn_data *d, const uint8_t *refill, int B, uint8_t *inputs, uint8_t *labels, trm_error *err);

uint64_t trmn_data_examples(const trmn_data *d); /* examples handed out so far (served streams) */
double trmn_data_epoch(const trmn_data *d);       /* CSV: epochs completed (fractional, the mean
                                                     over served streams); else 0 */
uint64_t trmn_data_skipped(const trmn_data *d);   /* generator: mazes skipped (equal a held-out one) */

/* What the model was trained on, as one JSON object (malloc'd; NULL when out of memory), for
 * the model file's __metadata__.training:
 *   {"task": "maze", "height": H, "width": W, "source": "csv" | "generator",
 *    "path_min": P, "path_max": Q,          BFS path lengths (moves) of the training mazes
 *    "kinds": [{"algorithm": "lehnert" | "dfs" | "dfs-any", "min_path": M, "unique": bool,
 *               "share": fraction of the mazes, "path_min": P, "path_max": Q}, ...]}
 * CSV: every row counts; its kind is read from trm-maze's source column
 * ("trm-maze/dfs/11x11/min=11/unique/..."), "algorithm": null for rows from elsewhere.
 * Generator: the configured kinds, measured on the first 2048 training mazes (a sample). */
char *trmn_data_describe(const trmn_data *d);

/* Resumable state, named for the checkpoint ("rng", "epoch", "position", ...): one value (rng:
 * four) per served stream, entries marked sharded. */
int trmn_data_state_count(const trmn_data *d);
trm_state_entry trmn_data_state(trmn_data *d, int i);
/* Call after the state entries were overwritten (rebuilds the permutation). Returns
 * TRM_E_INVALID with a message if the restored values do not fit this data set. */
trm_status trmn_data_restored(trmn_data *d, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_DATA_H */
