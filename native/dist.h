/* dist.h: data-parallel training over MPI for trm-train (native/TOOLS.md, "Several processes").
 *
 * `mpirun -np N trm-train ...` starts N processes (ranks). train.batch_size is the global batch:
 * rank r holds slots [r*B/N, (r+1)*B/N) (its own ACT carry, halting state and data stream,
 * trm_train_config.global_batch_size / slot_offset and trmn_data_set_streams). Every step each
 * rank computes its gradients, trmn_dist_reduce_trainer() sums them over the ranks in a fixed
 * order, and every rank applies the same update, so the parameters, the optimizer state, the EMA
 * and the halting RNG stay identical in every process.
 *
 * Determinism: no reduction here uses MPI's reduction operators (whose order MPI leaves open).
 * Sums are reduce-scatter by hand: rank c receives chunk c of every rank's array
 * (MPI_Alltoallv, pure data movement), adds them in rank order 0, 1, ..., N-1 and the summed
 * chunks are gathered back (MPI_Allgatherv). So a run is bit-identical across repeats with the
 * same N and thread count, whatever algorithms the MPI library picks. The data moved per rank
 * is 2(N-1)/N times the gradient bytes, as a ring allreduce.
 *
 * Without MPI (the build option TRM_MPI off, or MPI not found) the same functions exist for one
 * process: rank 0 of 1, every reduction the identity. With one process (with or without mpirun)
 * trm-train does exactly what it does without MPI.
 *
 * Collective: every function below except trmn_dist_rank/size must be called by every rank in
 * the same order. A failure one rank sees is made everyone's with trmn_dist_any() before the
 * next collective, so that no rank waits forever; a rank that dies (killed) makes mpirun abort
 * the job (MPI's default error handler).
 */
#ifndef TRMN_DIST_H
#define TRMN_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_dist {
    int rank, size;
    int mpi;            /* 1: built with MPI and MPI_Init was called */
    /* time spent in trmn_dist_reduce_trainer, seconds, and how many calls */
    double wait_s;      /* waiting for the slowest rank to finish its compute (a barrier) */
    double reduce_s;    /* moving and summing the gradients */
    long reduce_calls;
    size_t grad_bytes;  /* bytes one rank contributes per reduction */
    float *scratch;     /* the reduce-scatter receive buffer */
    size_t scratch_cap;
} trmn_dist;

/* MPI_Init (when built with MPI) and the rank/size; call first in main (it may take MPI's own
 * arguments out of argv). Never fails: MPI aborts the job itself if it cannot start. */
void trmn_dist_init(trmn_dist *d, int *argc, char ***argv);
/* MPI_Finalize, after every rank agreed on how the run ends. */
void trmn_dist_finalize(trmn_dist *d);
/* "MPI: Open MPI 4.1.4" / "no MPI in this build" (for the header line). */
const char *trmn_dist_library(void);

/* The largest v over the ranks (v >= 0): every rank learns whether any failed (exit status). */
int trmn_dist_any(trmn_dist *d, int v);
/* Rank 0's n bytes to every rank. */
void trmn_dist_bcast(trmn_dist *d, void *buf, size_t n);
/* Rank 0's string (NULL allowed) to every rank: a malloc'd copy (NULL if rank 0's was NULL or
 * out of memory) on every rank, rank 0 included. */
char *trmn_dist_bcast_string(trmn_dist *d, const char *s);
/* v[0..n) summed over the ranks in rank order; every rank gets the same sums. */
void trmn_dist_sum(trmn_dist *d, double *v, int n);
/* 1 when v is the same in every rank. */
int trmn_dist_same(trmn_dist *d, uint64_t v);

/* Combine the trainer's reduce entries (trm_trainer_reduce_entry) between compute() and
 * apply(): F32 entries summed in rank order, U8 entries OR-ed. Times itself (wait_s, reduce_s).
 * TRM_E_NOMEM when the scratch buffer cannot be had (the same in every rank it happens to). */
trm_status trmn_dist_reduce_trainer(trmn_dist *d, trm_trainer *t, trm_error *err);

/* Checkpoints. Sharded entries (trm_state_entry.sharded) are gathered to rank 0 in rank order
 * (so the file holds the global arrays, laid out as a single process with the same streams
 * would), the others are taken from rank 0; rank 0 writes the file (atomically,
 * trmn_checkpoint_write). The status is every rank's; on other ranks err says rank 0 failed. */
trm_status trmn_dist_checkpoint_write(trmn_dist *d, const char *path, const trmn_ckpt_group *groups, int n_groups,
                                      const char *config_json, trm_error *err);
/* The reverse: ck is read on rank 0 only (others pass NULL); every entry is checked there (name,
 * dtype, count = the rank's count times N for sharded ones), then scattered (sharded) or
 * broadcast. The status and message are every rank's. */
trm_status trmn_dist_checkpoint_restore(trmn_dist *d, const trmn_checkpoint *ck, const trmn_ckpt_group *g, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_DIST_H */
