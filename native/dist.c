/* dist.c: data-parallel training over MPI, or its one-process stand-in; see dist.h.
 * The only file of trm.c that includes mpi.h (compiled with TRM_HAVE_MPI when the build found MPI). */
#include "dist.h"

#include "fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef TRM_HAVE_MPI
#include <mpi.h>
#endif


#define TRMN_STR2(x) #x
#define TRMN_STR(x) TRMN_STR2(x)
const char *trmn_dist_library(void) {
#if defined(TRM_HAVE_MPI) && defined(OMPI_MAJOR_VERSION)
    return "Open MPI " TRMN_STR(OMPI_MAJOR_VERSION) "." TRMN_STR(OMPI_MINOR_VERSION) "." TRMN_STR(OMPI_RELEASE_VERSION);
#elif defined(TRM_HAVE_MPI)
    return "MPI " TRMN_STR(MPI_VERSION) "." TRMN_STR(MPI_SUBVERSION);
#else
    return "no MPI in this build";
#endif
}

#ifndef TRM_HAVE_MPI
/* ---- one process ---------------------------------------------------------------------------- */

void trmn_dist_init(trmn_dist *d, int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    memset(d, 0, sizeof *d);
    d->size = 1;
}
void trmn_dist_finalize(trmn_dist *d) { (void)d; }
int trmn_dist_any(trmn_dist *d, int v) {
    (void)d;
    return v;
}
void trmn_dist_bcast(trmn_dist *d, void *buf, size_t n) {
    (void)d;
    (void)buf;
    (void)n;
}
void trmn_dist_sum(trmn_dist *d, double *v, int n) {
    (void)d;
    (void)v;
    (void)n;
}
int trmn_dist_same(trmn_dist *d, uint64_t v) {
    (void)d;
    (void)v;
    return 1;
}
trm_status trmn_dist_reduce_trainer(trmn_dist *d, trm_trainer *t, trm_error *err) {
    (void)d;
    (void)t;
    (void)err;
    return TRM_OK;
}
#else
/* ---- MPI ------------------------------------------------------------------------------------ */

static size_t elem_size(trm_state_dtype t) {
    switch (t) {
    case TRM_STATE_F32: return 4;
    case TRM_STATE_U8: return 1;
    case TRM_STATE_I32: return 4;
    case TRM_STATE_U64: return 8;
    }
    return 1;
}

enum { CHUNK = 1 << 30 }; /* bytes per point-to-point message: MPI counts are int */

static void send_bytes(const void *buf, size_t n, int to) {
    for (size_t o = 0; o < n; o += CHUNK) {
        const size_t k = n - o < CHUNK ? n - o : CHUNK;
        MPI_Send((const char *)buf + o, (int)k, MPI_BYTE, to, 7, MPI_COMM_WORLD);
    }
}

static void recv_bytes(void *buf, size_t n, int from) {
    for (size_t o = 0; o < n; o += CHUNK) {
        const size_t k = n - o < CHUNK ? n - o : CHUNK;
        MPI_Recv((char *)buf + o, (int)k, MPI_BYTE, from, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
}

/* Whether a launcher (mpirun, mpiexec, srun) started this process; a plain `trm-train` does
 * not initialise MPI (an Open MPI singleton would start a daemon), unless TRM_MPI_INIT=1. */
static int launched_by_mpi(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", NULL};
    for (int i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return 1;
    }
    const char *force = getenv("TRM_MPI_INIT");
    return force && !strcmp(force, "1");
}

void trmn_dist_init(trmn_dist *d, int *argc, char ***argv) {
    memset(d, 0, sizeof *d);
    d->size = 1;
    if (!launched_by_mpi()) return;
    int provided;
    /* Only the main thread calls MPI (OpenMP threads compute between the calls). */
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    d->mpi = 1;
}

void trmn_dist_finalize(trmn_dist *d) {
    free(d->scratch);
    d->scratch = NULL;
    if (d->mpi) MPI_Finalize();
    d->mpi = 0;
}

int trmn_dist_any(trmn_dist *d, int v) {
    if (d->size == 1) return v;
    int m = v;
    MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD); /* max of ints: exact in any order */
    return m;
}

void trmn_dist_bcast(trmn_dist *d, void *buf, size_t n) {
    if (d->size == 1) return;
    for (size_t o = 0; o < n; o += CHUNK) {
        const size_t k = n - o < CHUNK ? n - o : CHUNK;
        MPI_Bcast((char *)buf + o, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
}

void trmn_dist_sum(trmn_dist *d, double *v, int n) {
    if (d->size == 1 || n <= 0) return;
    double *all = malloc(sizeof(double) * (size_t)n * (size_t)d->size);
    if (!all) MPI_Abort(MPI_COMM_WORLD, 1); /* a few doubles: nothing sensible is left to do */
    MPI_Allgather(v, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
    for (int i = 0; i < n; i++) {
        double s = all[i];
        for (int r = 1; r < d->size; r++) s += all[(size_t)r * n + i];
        v[i] = s;
    }
    free(all);
}

int trmn_dist_same(trmn_dist *d, uint64_t v) {
    if (d->size == 1) return 1;
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)d->size);
    if (!all) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    int same = 1;
    for (int r = 0; r < d->size; r++) same &= all[r] == v;
    free(all);
    return trmn_dist_any(d, !same) == 0;
}

/* x[0..n) summed over the ranks, in rank order, identical in every rank (see dist.h). */
static void sum_f32(trmn_dist *d, float *x, size_t n) {
    const int N = d->size, me = d->rank;
    enum { BLOCK = 1 << 26 }; /* floats per round: every count and offset fits an int */
    int cnt[1024], off[1024], rc[1024], ro[1024];
    for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
        const size_t bn = n - b0 < BLOCK ? n - b0 : BLOCK;
        for (int c = 0; c < N; c++) {
            off[c] = (int)(bn * (size_t)c / (size_t)N);
            cnt[c] = (int)(bn * (size_t)(c + 1) / (size_t)N) - off[c];
        }
        for (int r = 0; r < N; r++) { /* from rank r: its chunk `me`, placed r-th */
            rc[r] = cnt[me];
            ro[r] = r * cnt[me];
        }
        float *xb = x + b0, *recv = d->scratch;
        MPI_Alltoallv(xb, cnt, off, MPI_FLOAT, recv, rc, ro, MPI_FLOAT, MPI_COMM_WORLD);
        float *mine = xb + off[me];
        for (int i = 0; i < cnt[me]; i++) {
            float s = recv[i];
            for (int r = 1; r < N; r++) s += recv[(size_t)r * cnt[me] + i];
            mine[i] = s;
        }
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, xb, cnt, off, MPI_FLOAT, MPI_COMM_WORLD);
    }
}

/* p[0..n) OR-ed over the ranks. */
static trm_status or_u8(trmn_dist *d, uint8_t *p, size_t n, trm_error *err) {
    uint8_t *all = malloc(n * (size_t)d->size);
    if (trmn_dist_any(d, !all)) {
        free(all);
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    }
    MPI_Allgather(p, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE, MPI_COMM_WORLD);
    for (size_t i = 0; i < n; i++) {
        uint8_t v = 0;
        for (int r = 0; r < d->size; r++) v |= all[(size_t)r * n + i];
        p[i] = v;
    }
    free(all);
    return TRM_OK;
}

trm_status trmn_dist_reduce_trainer(trmn_dist *d, trm_trainer *t, trm_error *err) {
    if (d->size == 1) return TRM_OK;
    if (d->size > 1024) return trmn_error_set(err, TRM_E_INVALID, "more than 1024 processes");
    size_t need = 0, bytes = 0;
    for (int i = 0; i < trm_trainer_reduce_count(t); i++) {
        const trm_state_entry e = trm_trainer_reduce_entry(t, i);
        const size_t n = e.count < (1u << 26) ? e.count : (1u << 26);
        if (e.dtype == TRM_STATE_F32 && n + (size_t)d->size > need) need = n + (size_t)d->size;
        bytes += e.count * elem_size(e.dtype);
    }
    d->grad_bytes = bytes;
    if (need > d->scratch_cap) {
        free(d->scratch);
        d->scratch = malloc(need * sizeof(float));
        d->scratch_cap = d->scratch ? need : 0;
    }
    if (trmn_dist_any(d, !d->scratch))
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory for the gradient reduction (%zu MB)", need * 4 >> 20);
    const double t0 = MPI_Wtime();
    MPI_Barrier(MPI_COMM_WORLD); /* the wait for the slowest rank, timed apart from the transfer */
    const double t1 = MPI_Wtime();
    trm_status st = TRM_OK;
    for (int i = 0; i < trm_trainer_reduce_count(t) && !st; i++) {
        const trm_state_entry e = trm_trainer_reduce_entry(t, i);
        if (!e.count) continue;
        if (e.dtype == TRM_STATE_F32) sum_f32(d, e.data, e.count);
        else st = or_u8(d, e.data, e.count, err);
    }
    const double t2 = MPI_Wtime();
    d->wait_s += t1 - t0;
    d->reduce_s += t2 - t1;
    d->reduce_calls++;
    return st;
}
#endif

/* ---- both: strings and checkpoints (written with the primitives above) ------------------------ */

char *trmn_dist_bcast_string(trmn_dist *d, const char *s) {
    uint64_t n = s ? (uint64_t)strlen(s) + 1 : 0;
    trmn_dist_bcast(d, &n, sizeof n);
    char *c = n ? malloc((size_t)n) : NULL;
    if (d->rank == 0 && c) memcpy(c, s, (size_t)n);
    if (trmn_dist_any(d, n && !c)) {
        free(c);
        return NULL;
    }
    if (n) trmn_dist_bcast(d, c, (size_t)n);
    return c;
}

#ifdef TRM_HAVE_MPI
/* The error of rank 0 on every rank (a message for the ranks that did not fail themselves). */
static trm_status agree_error(trmn_dist *d, trm_status st, trm_error *err) {
    if (d->size == 1) return st;
    trm_error e = {st, ""};
    if (st && err) e = *err;
    trmn_dist_bcast(d, &e, sizeof e);
    if (e.code && err) *err = e;
    return e.code;
}
#endif

trm_status trmn_dist_checkpoint_write(trmn_dist *d, const char *path, const trmn_ckpt_group *groups, int n_groups,
                                      const char *config_json, trm_error *err) {
    if (d->size == 1) return trmn_checkpoint_write(path, groups, n_groups, config_json, err);
#ifdef TRM_HAVE_MPI
    enum { MAX_GROUPS = 8, MAX_ENTRIES = 64 };
    trmn_ckpt_group g[MAX_GROUPS];
    trm_state_entry e[MAX_ENTRIES];
    void *bufs[MAX_ENTRIES];
    int ne = 0, oom = 0;
    if (n_groups > MAX_GROUPS) return trmn_error_set(err, TRM_E_INVALID, "too many checkpoint groups");
    for (int gi = 0; gi < n_groups; gi++) {
        g[gi] = groups[gi];
        g[gi].entries = e + ne;
        for (int i = 0; i < groups[gi].count; i++, ne++) {
            if (ne == MAX_ENTRIES) MPI_Abort(MPI_COMM_WORLD, 1); /* a programming error */
            e[ne] = groups[gi].entries[i];
            bufs[ne] = NULL;
            if (!e[ne].sharded) continue;
            const size_t part = e[ne].count * elem_size(e[ne].dtype);
            if (d->rank == 0) { /* the global array: the ranks' parts in rank order */
                bufs[ne] = malloc(part * (size_t)d->size + 1);
                oom |= !bufs[ne];
            }
        }
    }
    trm_status st = TRM_OK;
    if (trmn_dist_any(d, oom)) st = trmn_error_set(err, TRM_E_NOMEM, "checkpoint %s: out of memory gathering the state", path);
    for (int i = 0; i < ne && !st; i++) {
        if (!e[i].sharded) continue;
        const size_t part = e[i].count * elem_size(e[i].dtype);
        if (d->rank == 0) {
            memcpy(bufs[i], e[i].data, part);
            for (int r = 1; r < d->size; r++) recv_bytes((char *)bufs[i] + part * (size_t)r, part, r);
            e[i].data = bufs[i];
            e[i].count *= (size_t)d->size;
        } else {
            send_bytes(e[i].data, part, 0);
        }
    }
    if (!st && d->rank == 0) st = trmn_checkpoint_write(path, g, n_groups, config_json, err);
    for (int i = 0; i < ne; i++) free(bufs[i]);
    if (d->rank != 0 && !st) {
        trm_status s0 = (trm_status)trmn_dist_any(d, 0);
        if (s0) return trmn_error_set(err, s0, "process 0 could not write checkpoint %s", path);
        return TRM_OK;
    }
    trmn_dist_any(d, (int)st);
    return st;
#else
    return trmn_checkpoint_write(path, groups, n_groups, config_json, err);
#endif
}

trm_status trmn_dist_checkpoint_restore(trmn_dist *d, const trmn_checkpoint *ck, const trmn_ckpt_group *g, trm_error *err) {
    if (d->size == 1) return trmn_checkpoint_restore(ck, g, err);
#ifdef TRM_HAVE_MPI
    for (int i = 0; i < g->count; i++) {
        trm_state_entry e = g->entries[i];
        const size_t part = e.count * elem_size(e.dtype);
        void *buf = NULL;
        trm_status st = TRM_OK;
        if (d->rank == 0) { /* check and read it here: the global array for a sharded entry */
            if (e.sharded) {
                buf = malloc(part * (size_t)d->size + 1);
                if (!buf) st = trmn_error_set(err, TRM_E_NOMEM, "%s: out of memory", ck->path);
                e.data = buf;
                e.count *= (size_t)d->size;
            }
            const trmn_ckpt_group one = {g->prefix, &e, 1};
            if (!st) st = trmn_checkpoint_restore(ck, &one, err);
        }
        st = agree_error(d, st, err);
        if (!st && e.sharded) {
            if (d->rank == 0) {
                memcpy(g->entries[i].data, buf, part);
                for (int r = 1; r < d->size; r++) send_bytes((char *)buf + part * (size_t)r, part, r);
            } else {
                recv_bytes(g->entries[i].data, part, 0);
            }
        } else if (!st) {
            trmn_dist_bcast(d, g->entries[i].data, part);
        }
        free(buf);
        if (st) return st;
    }
    return TRM_OK;
#else
    return trmn_checkpoint_restore(ck, g, err);
#endif
}
