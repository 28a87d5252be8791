/* internal.h: shared between the core's own files; not part of the public API. */
#ifndef TRM_INTERNAL_H
#define TRM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "trm.h"

#define TRM_MAX_TENSORS (8 + 4 * TRM_MAX_LAYERS)

/* The core's name for trm_error_set (trm.h). */
#define trm__fail trm_error_set

/* The halting rule (TRM §3.3), one for training and inference: an answer is final at the first
 * supervision step whose q_halt logit is > 0 (sigmoid(q_halt) > 0.5: the Q head's estimate that
 * the current answer is right). Training adds the step cap and exploration (trainer.c). */
static inline int trm__q_halts(float q_halt) { return q_halt > 0.0f; }

/* Tasks (task.h): the tasks' tables, and the grid size check every task shares. */
extern const trm_task trm__task_maze, trm__task_sudoku, trm__task_arc;
trm_status trm__task_check_size(const trm_task *t, int h, int w, trm_error *err);

/* Pointers to every weight inside one flat array laid out like trm_model_params(); the same view
 * type addresses parameters, gradients, optimizer moments and EMA weights. */
typedef struct trm_layer_view {
    float *mix_in;  /* attention: qkv_proj [3D, D];  mlp_t: mlp_t.gate_up_proj [2*I_seq, S] */
    float *mix_out; /* attention: o_proj [D, D];     mlp_t: mlp_t.down_proj [S, I_seq] */
    float *gate_up; /* mlp.gate_up_proj [2I, D] */
    float *down;    /* mlp.down_proj [D, I] */
} trm_layer_view;

typedef struct trm_param_view {
    float *embed;   /* embed_tokens.embedding_weight [V, D] */
    float *pos;     /* embed_pos.embedding_weight [S, D] or NULL */
    float *lm;      /* lm_head.weight [V, D] */
    float *q_w;     /* q_head.weight [2, D] */
    float *q_b;     /* q_head.bias [2] */
    trm_layer_view layer[TRM_MAX_LAYERS];
} trm_param_view;

struct trm_model {
    trm_config cfg;
    trm_dims dims;
    int n_tensors;
    trm_tensor_info tensors[TRM_MAX_TENSORS];
    unsigned char loaded[TRM_MAX_TENSORS];
    float *params;      /* dims.n_params */
    float *buffers;     /* H_init [D], L_init [D], puzzle table [num_ids, ndim] */
    float *rope_cos;    /* [S, head_dim] or NULL */
    float *rope_sin;
    const trm_kernels *k;
    trm_precision precision;
};

void trm__param_view(const trm_model *m, float *base, trm_param_view *v);
/* Carving buffers from one 64-byte-aligned arena: every buffer starts on a 64-byte boundary
 * (sizes rounded up to 16 floats), so odd sizes (an [N] rstd buffer) cannot misalign those
 * after them; unaligned vector loads that straddle cache lines made WASM passes up to 1.5x
 * slower. With base NULL the same calls only count the floats needed. Counts are 64-bit on every
 * target, so that a 32-bit one (WebAssembly) sizes a configuration exactly and can refuse it
 * before a size_t would wrap (trm_model_bytes, trm_solver_bytes); carving happens only once the
 * total is known to fit. */
typedef struct trm_arena {
    float *base;
    uint64_t used; /* floats so far */
} trm_arena;

static inline float *trm__take(trm_arena *a, uint64_t n) {
    float *p = a->base ? a->base + a->used : NULL;
    a->used += (n + 15) / 16 * 16;
    return p;
}

static inline const float *trm__H_init(const trm_model *m) { return m->buffers; }
static inline const float *trm__L_init(const trm_model *m) { return m->buffers + m->dims.D; }
static inline float *trm__puzzle_table(const trm_model *m) { return m->buffers + 2 * m->dims.D; }

/* Threads a kernel may use: OpenMP's maximum from serial code, 1 inside a parallel region. The
 * network runs batch chunks one per thread (net.c), and every kernel inside then stays on its
 * caller's thread, whatever OMP_MAX_ACTIVE_LEVELS allows: the attention kernels index their
 * scratch by the thread number, which a nested team would reuse. */
int trm__max_threads(void);
/* This thread's number in the innermost parallel region (0 outside one). */
int trm__thread_num(void);
/* The condition of a kernel's `omp parallel ... if (...)` clause: cond, and threads to use. */
#define TRM_PAR(cond) ((cond) && trm__max_threads() > 1)

/* dst[i] = a[i] + b[i] (b NULL: a copy) for i < n, split over the threads when n is large: the
 * input injections, residual copies and gradient sums of every net evaluation (serial, they were
 * 3-4% of a training step with 2 threads). Elementwise, so results do not depend on threads;
 * dst may be a. In vec.c. */
void trm__add(float *dst, const float *a, const float *b, size_t n);

#endif
