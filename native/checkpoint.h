/* checkpoint.h: training checkpoints as safetensors files.
 *
 * A checkpoint holds named state arrays in groups ("trainer." + every trm_trainer_state entry:
 * parameters, puzzle table, H_init/L_init, optimizer moments, ACT carry and slot data, halting
 * RNG, step, EMA; "data." + the data source state; "run." + the tool's own counters) and
 * __metadata__ {"format": "trm.c-checkpoint/1", "config": <the effective run config JSON>}.
 * dtypes: F32, U8 and I32 entries are stored as is; U64 entries as I64 with the same bit
 * pattern (safetensors has no U64). Files are written atomically (temporary file + fsync +
 * rename), so a crash never leaves a half-written checkpoint in place of the last good one.
 *
 * Restoring is strict: every entry must be present with the expected dtype and element count,
 * otherwise the message names the tensor and what differs.
 *
 * Errors: a trm_status and a message in err (may be NULL) that names the file: TRM_E_FORMAT for a
 * file that is not a checkpoint or lacks an entry, TRM_E_SHAPE for an entry of another size, and
 * the codes of fileio.h and safetensors.h.
 */
#ifndef TRMN_CHECKPOINT_H
#define TRMN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "safetensors.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRMN_CHECKPOINT_FORMAT "trm.c-checkpoint/1"

/* A group of state entries stored under name prefix + entry name. */
typedef struct trmn_ckpt_group {
    const char *prefix;           /* e.g. "trainer." */
    const trm_state_entry *entries;
    int count;
} trmn_ckpt_group;

trm_status trmn_checkpoint_write(const char *path, const trmn_ckpt_group *groups, int n_groups,
                                 const char *config_json, trm_error *err);

typedef struct trmn_checkpoint {
    uint8_t *buf;
    size_t len;
    trmn_st_file st;
    const char *config_json;      /* from __metadata__, points into st */
    char path[1024];
} trmn_checkpoint;

/* Read and parse; checks the format tag and that a config is present. */
trm_status trmn_checkpoint_read(const char *path, trmn_checkpoint *ck, trm_error *err);
/* Copy every entry of the group from the checkpoint into its memory. */
trm_status trmn_checkpoint_restore(const trmn_checkpoint *ck, const trmn_ckpt_group *g, trm_error *err);
void trmn_checkpoint_free(trmn_checkpoint *ck);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_CHECKPOINT_H */
