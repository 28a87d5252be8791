/* net.c: forward and backward of the shared network (TRM §2.8-2.9): net(h, inj) adds the
 * injection once, then runs L post-norm blocks:
 *     h = rms_norm(h + mixer(h));  h = rms_norm(h + SwiGLU(h))
 * where the mixer is fused-QKV attention with RoPE, or (mlp_t) a SwiGLU over the sequence axis
 * whose norm also runs over the sequence axis. Weight gradients accumulate (+=).
 *
 * Every sub-layer (attention, mlp_t, mlp) has a forward and a backward named after it, X_forward
 * and X_backward (+ X_backward_weights), as the linear layers do (linear_forward,
 * linear_backward_input, linear_backward_weight). */
#include <string.h>

#include "net.h"

static uint64_t mixer_cols(const trm_dims *d) { return (uint64_t)(3 * d->D > 2 * d->I ? 3 * d->D : 2 * d->I); }

/* The saved buffers of one evaluation, each B equal per-sequence slices ([B*S, cols] row-major,
 * or [B*D, cols] for mlp_t): the carve and the batch-chunk views walk this one list. A bf16
 * buffer takes half a float per value (every bf16 row count per sequence is even: D is, I and
 * I_seq are multiples of 256), so its slices are whole floats too. */
typedef struct {
    void **at;
    uint64_t per_seq; /* floats per sequence */
} acts_buf;

static int acts_list(trm_eval_acts *a, const trm_dims *d, int mlp_t, int bf16, acts_buf *list) {
    const uint64_t S = d->S, D = d->D, I = d->I, Is = d->I_seq;
    int n = 0;
    /* F32: kept in float32 by both paths; ONE: float32 in the float32 path, bf16 in the bf16 one */
#define BUF(field, floats) (list[n].at = (void **)&(field), list[n++].per_seq = (floats))
#define F32(field, floats) BUF(field, floats)
#define ONE(field, field_b, values) (bf16 ? BUF(field_b, (values) / 2) : BUF(field, values))
    /* the SwiGLU outputs: the bf16 path recomputes them in the backward from the kept gate/up */
#define F32_ONLY(field, floats) (bf16 ? (void)0 : (void)BUF(field, floats))
    F32(a->hs[0], S * D);
    for (int lyr = 0; lyr < d->L; lyr++) {
        trm_block_acts *b = &a->blk[lyr];
        if (mlp_t) {
            ONE(b->t_in, b->t_in_b, D * S);
            ONE(b->gu_t, b->gu_t_b, D * 2 * Is);
            F32_ONLY(b->act_t, D * Is);
            F32(b->r_t, D * S);
            F32(b->rstd1, D);
        } else {
            ONE(b->qkv, b->qkv_b, S * 3 * D);
            ONE(b->attn, b->attn_b, S * D);
            F32(b->rstd1, S);
        }
        F32(b->r1, S * D);
        ONE(b->gu, b->gu_b, S * 2 * I);
        F32_ONLY(b->act, S * I);
        F32(b->rstd2, S);
        F32(a->hs[lyr + 1], S * D);
    }
#undef F32_ONLY
#undef ONE
#undef F32
#undef BUF
    return n;
}

enum { ACTS_MAX_BUFS = 1 + 9 * TRM_MAX_LAYERS };

uint64_t trm__eval_acts_carve(trm_eval_acts *a, const trm_dims *d, int mlp_t, int bf16, int B, float *p) {
    acts_buf list[ACTS_MAX_BUFS];
    trm_arena l = {p, 0};
    memset(a, 0, sizeof *a);
    const int n = acts_list(a, d, mlp_t, bf16, list);
    for (int i = 0; i < n; i++) *list[i].at = trm__take(&l, (uint64_t)B * list[i].per_seq);
    return l.used;
}

/* The view of sequences b0.. of src: the same buffers, advanced by b0 sequences. */
static void eval_acts_from(trm_eval_acts *dst, const trm_eval_acts *src, const trm_dims *d, int mlp_t, int bf16,
                           int b0) {
    acts_buf list[ACTS_MAX_BUFS];
    *dst = *src;
    const int n = acts_list(dst, d, mlp_t, bf16, list);
    for (int i = 0; i < n; i++) *list[i].at = (float *)*list[i].at + (size_t)b0 * list[i].per_seq;
}

uint64_t trm__eval_acts_floats(const trm_dims *d, int mlp_t, int bf16, int B) {
    trm_eval_acts a;
    return trm__eval_acts_carve(&a, d, mlp_t, bf16, B, NULL);
}

/* Floats per sequence of the scratch's two shared buffers: d_big (and wide), the largest of the
 * [S, 3D] qkv, the [S, 2I] gate/up and mlp_t's [D, 2*I_seq]; d_act, the largest of [S, I] and
 * [D, I_seq]. The backward's chunks and the bf16 forward's views take one such slice per sequence. */
static void scratch_per_seq(const trm_dims *d, int mlp_t, uint64_t *big, uint64_t *act) {
    *big = (uint64_t)d->S * mixer_cols(d), *act = (uint64_t)d->S * d->I;
    if (mlp_t && (uint64_t)d->D * 2 * d->I_seq > *big) *big = (uint64_t)d->D * 2 * d->I_seq;
    if (mlp_t && (uint64_t)d->D * d->I_seq > *act) *act = (uint64_t)d->D * d->I_seq;
}

uint64_t trm__net_scratch_carve(trm_net_scratch *s, const trm_dims *d, int mlp_t, int bf16, int B, float *p) {
    uint64_t N = (uint64_t)B * d->S, BD = (uint64_t)B * d->D, big, act;
    scratch_per_seq(d, mlp_t, &big, &act);
    big *= (uint64_t)B, act *= (uint64_t)B;
    trm_arena l = {p, 0};
    s->d_tmp = trm__take(&l, N * d->D);
    s->d_norm = trm__take(&l, N * d->D);
    s->d_big = trm__take(&l, big);
    s->d_act = trm__take(&l, act);
    s->d_t = mlp_t ? trm__take(&l, BD * d->S) : NULL;
    s->wide = bf16 ? trm__take(&l, big) : NULL;
    s->d_norm_b = bf16 ? (trm_bf16 *)trm__take(&l, N * d->D / 2) : NULL;
    s->d_big_b = bf16 ? (trm_bf16 *)trm__take(&l, big / 2) : NULL;
    s->act_b = bf16 ? (trm_bf16 *)trm__take(&l, act / 2) : NULL;
    return l.used;
}

uint64_t trm__net_scratch_floats(const trm_dims *d, int mlp_t, int bf16, int B) {
    trm_net_scratch s;
    return trm__net_scratch_carve(&s, d, mlp_t, bf16, B, NULL);
}

/* The bf16 weights mirror the flat parameter array (trm_model_params), so the tensor table says
 * where each weight is and what shape it has; the embeddings and heads are converted too (a few
 * rows) and never read. */
uint64_t trm__net_bf16_floats(const trm_model *m) { return ((uint64_t)m->dims.n_params + 1) / 2; }

void trm__net_bf16_carve(trm_net_bf16 *wb, const trm_model *m, float *mem) {
    memset(wb, 0, sizeof *wb);
    if (!mem) return;
    trm_param_view v;
    trm__param_view(m, m->params, &v);
    wb->params = (trm_bf16 *)mem;
    for (int l = 0; l < m->dims.L; l++) {
        const trm_layer_view *f = &v.layer[l];
        trm_layer_bf16 *b = &wb->layer[l];
        b->mix_in = wb->params + (f->mix_in - m->params), b->mix_out = wb->params + (f->mix_out - m->params);
        b->gate_up = wb->params + (f->gate_up - m->params), b->down = wb->params + (f->down - m->params);
    }
}

void trm__net_bf16_update(const trm_model *m, const float *params, const trm_net_bf16 *wb) {
    for (int i = 0; i < m->n_tensors; i++) {
        const trm_tensor_info *t = &m->tensors[i];
        if (!t->trainable) continue;
        const int rows = t->shape[0], cols = t->ndim == 2 ? t->shape[1] : 1;
        m->k->f32_to_bf16(rows, cols, params + t->offset, cols, wb->params + t->offset, cols);
    }
}

uint64_t trm__attn_scratch_floats(const trm_dims *d, int mlp_t) {
    return mlp_t ? 0 : (uint64_t)trm_attention_scratch_floats(d->S, d->head_dim) * (uint64_t)trm__max_threads();
}

/* [B, S, D] <-> [B, D, S] */
static void transpose_bsd(float *dst, const float *src, int B, int rows, int cols) {
#pragma omp parallel for schedule(static) if (TRM_PAR(B * rows * cols > 65536))
    for (int b = 0; b < B; b++) {
        const float *s = src + (size_t)b * rows * cols;
        float *t = dst + (size_t)b * rows * cols;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[(size_t)c * rows + r] = s[(size_t)r * cols + c];
    }
}

/* ---- linear layers ----------------------------------------------------------------------- */
/* The linear layers, float32 or (wb given) with bf16 operands. Leading dimensions are the natural
 * ones: X [M, K], W [N, K] (a weight [out, in]), Y [M, N]. The backward is two functions because
 * its halves run at different times: the input gradient per batch chunk, the weight gradient over
 * the whole batch (see the batch chunks below).
 * Y = (acc ? Y : 0) + X W^T; the bf16 path rounds X into xb, which the weight gradient reads. */
static void linear_forward(const trm_kernels *k, int M, int N, int K, const float *X, trm_bf16 *xb, const float *W,
                           const trm_bf16 *wb, float *Y, int acc) {
    if (!wb) {
        k->gemm_nt(M, N, K, X, K, W, K, Y, N, acc);
        return;
    }
    k->f32_to_bf16(M, K, X, K, xb, K);
    k->gemm_nt_bf16(M, N, K, xb, K, wb, K, Y, N, acc);
}

/* dX [M, K] = (acc ? dX : 0) + dY W for dY [M, N]; the bf16 path rounds dY into dyb (kept for
 * the weight gradient). */
static void linear_backward_input(const trm_kernels *k, int M, int N, int K, const float *dY, trm_bf16 *dyb,
                                  const float *W, const trm_bf16 *wb, float *dX, int acc) {
    if (!wb) {
        k->gemm_nn(M, K, N, dY, N, W, K, dX, K, acc);
        return;
    }
    k->f32_to_bf16(M, N, dY, N, dyb, N);
    k->gemm_nn_bf16(M, K, N, dyb, N, wb, K, dX, K, acc);
}

/* G [N, K] += dY^T X over M rows: from the float32 tensors, or the bf16 operands kept by the two
 * functions above (dyb given). */
static void linear_backward_weight(const trm_kernels *k, int M, int N, int K, const float *dY, const trm_bf16 *dyb,
                                   const float *X, const trm_bf16 *xb, float *G) {
    if (!dyb) k->gemm_tn(N, K, M, dY, N, X, K, G, K, 1);
    else k->gemm_tn_bf16(N, K, M, dyb, N, xb, K, G, K, 1);
}

/* bf16 path: the projection y [rows, cols] (qkv, gate/up) kept for the backward as bf16 yb. The
 * forward goes on with the float32 y: rounding it as well makes more values depend on which side
 * of a bf16 rounding boundary a float32 sum fell, so kernel sets that differ only in summation
 * order drift further apart (test_golden's models after one pass, SIMD sets against the bf16
 * reference, which the scalar set matches to 5e-7: 0.016 / 0.011 (attn / mlpt) with rounding,
 * 0.0076 / 1.7e-6 without). The backward
 * reads the rounded values: its gradient is taken within bf16 rounding of the forward's point,
 * as under autocast. */
static void keep_bf16(const trm_kernels *k, int rows, int cols, const float *y, trm_bf16 *yb) {
    k->f32_to_bf16(rows, cols, y, cols, yb, cols);
}

/* ---- SwiGLU in the bf16 path --------------------------------------------------------------- */
/* There the SwiGLU output (forward) and its gate/up gradient (backward) only feed linear layers,
 * as bf16. So they are computed a tile of rows at a time and rounded while the tile is still in
 * cache (and the forward's gate/up kept in the same pass), instead of writing the float32 tensors
 * out and reading them back for separate roundings, which were the largest of a step's
 * conversions. The kernels and the values are those of the unfused path (training checkpoints
 * bit-identical); the float32 tiles land in the rows they would have filled, which are scratch
 * here. Tiles of 256 KB per float32 tensor (128 rows at I = 512) fit the 1 MB L2 of this machine
 * with their gate/up; measured (config (a), bf16, 1 thread, CPU s/step against the unfused
 * 1.53-1.65): 16 KB tiles 1.80 (a kernel call per 8 rows costs more than the fusion saves),
 * 64 KB 1.37-1.38, 128 KB 1.35-1.37, 256 KB 1.31-1.32. */
enum { SWIGLU_TILE_FLOATS = 65536 };

static int swiglu_tile_rows(int I) { return I >= SWIGLU_TILE_FLOATS ? 1 : SWIGLU_TILE_FLOATS / I; }

/* hb [rows, I] = bf16(silu(gate) * up) of gu [rows, 2I]; h [rows, I]: float32 scratch. gub (unless
 * NULL): gu rounded too, kept for the backward (keep_bf16 fused into the same pass). */
static void swiglu_fwd_rounded(const trm_kernels *k, trm_bf16 *hb, float *h, const float *gu, trm_bf16 *gub, int rows,
                               int I) {
    const int tr = swiglu_tile_rows(I);
#pragma omp parallel for schedule(static) if (TRM_PAR((size_t)rows * I >= ((size_t)1 << 16)))
    for (int r = 0; r < rows; r += tr) {
        const int n = rows - r < tr ? rows - r : tr;
        const size_t o = (size_t)r * I;
        k->swiglu_fwd(h + o, gu + 2 * o, n, I);
        k->f32_to_bf16(n, I, h + o, I, hb + o, I);
        if (gub) k->f32_to_bf16(n, 2 * I, gu + 2 * o, 2 * I, gub + 2 * o, 2 * I);
    }
}

/* The backward from dh [rows, I] and the kept gate/up gub [rows, 2I]: dgub = bf16(dL/d gate/up)
 * and hb = bf16(SwiGLU output), recomputed for the down projection's weight gradient. gu, dgu
 * [rows, 2I]: float32 scratch; dh is overwritten (the recomputed output, float32). */
static void swiglu_bwd_rounded(const trm_kernels *k, trm_bf16 *dgub, trm_bf16 *hb, float *dh, const trm_bf16 *gub,
                               float *gu, float *dgu, int rows, int I) {
    const int tr = swiglu_tile_rows(I);
#pragma omp parallel for schedule(static) if (TRM_PAR((size_t)rows * I >= ((size_t)1 << 16)))
    for (int r = 0; r < rows; r += tr) {
        const int n = rows - r < tr ? rows - r : tr;
        const size_t o = (size_t)r * I;
        k->bf16_to_f32(n, 2 * I, gub + 2 * o, 2 * I, gu + 2 * o, 2 * I);
        k->swiglu_bwd(dgu + 2 * o, dh + o, gu + 2 * o, n, I);
        k->f32_to_bf16(n, 2 * I, dgu + 2 * o, 2 * I, dgub + 2 * o, 2 * I);
        k->swiglu_fwd(dh + o, gu + 2 * o, n, I);
        k->f32_to_bf16(n, I, dh + o, I, hb + o, I);
    }
}

/* The bf16 copy of a scratch gradient for the rows starting at r0 (NULL in float32). */
static trm_bf16 *rows_b(trm_bf16 *base, size_t r0, int cols) { return base ? base + r0 * (size_t)cols : NULL; }

/* ---- batch chunks ------------------------------------------------------------------------ */
/* Every sequence's forward is independent of the others' (attention and the mlp_t mixer stay
 * within a sequence), and so is the backward except for the weight gradients, which sum over all
 * rows. With threads, the batch is cut into chunks of sequences that one thread runs whole, its
 * kernels on its own thread: the chunk's rows stay in that core's caches from one kernel to the
 * next, and the threads meet once per evaluation (forward) or sub-layer (backward) instead of
 * once per kernel. The weight gradients then run over the whole batch as before. Each output is
 * computed by the same arithmetic either way (a GEMM element is one chain over k whatever rows
 * surround it), so results are bit-identical to the unchunked network. */

/* Sequences per chunk, or 0 for kernel-level threads. Large chunks (fewer, larger GEMMs and
 * attention calls), as long as a chunk's SwiGLU gate/up rows, its largest tensor, stay within
 * 8 MB, so that both threads' chunks fit the shared last-level cache; at least one chunk per
 * thread and a whole number per thread (or so many that the last round hardly matters).
 * Measured with 2 threads (trm-bench train, alternating rounds): config (a), 241 positions,
 * hidden 128: 8 sequences a chunk (7.9 MB) 0.965 s/step, median of 7 rounds, against 0.986
 * with 2 (and 1 sequence slower still); config (b), 916 positions, hidden 256: 1 sequence
 * (7.5 MB) 3.30-4.27 s/step, 2 (15 MB) 3.49-4.68 s. */
static int chunk_seqs(const trm_dims *d, int B, int threads) {
    if (threads < 2 || B < threads) return 0;
    const size_t gu = (size_t)d->S * 2 * d->I, gu_t = (size_t)d->D * 2 * d->I_seq; /* per sequence */
    int cb = (int)(((size_t)8 << 20) / (sizeof(float) * (gu > gu_t ? gu : gu_t)));
    if (cb < 1) cb = 1;
    if (cb > B / threads) cb = B / threads;
    const int chunks = (B + cb - 1) / cb;
    return chunks % threads == 0 || chunks >= 4 * threads ? cb : 0;
}

/* What a chunk needs: the whole-batch tensors (each chunk offsets them to its sequences). */
typedef struct {
    const trm_model *m;
    const trm_net_weights *w;
    const trm_eval_acts *a; /* the views it hands out still write the buffers (forward) */
    const trm_net_scratch *s;
    const float *h, *inj; /* forward inputs */
    float *d;             /* backward: the gradient flowing down */
    int layer;
    int keep; /* forward: the backward will read this evaluation (bf16: keep the rounded projections) */
} net_job;

/* One chunk as its function sees it: sequences [b0, b0 + nb), the saved activations and the
 * layer's weights seen from b0, and this thread's attention scratch. */
typedef struct {
    const net_job *j;
    const trm_kernels *k;
    const trm_dims *d;
    const trm_layer_view *lw;
    const trm_layer_bf16 *lb; /* NULL: float32 */
    const trm_block_acts *b;  /* v.blk[j->layer] */
    trm_eval_acts v;
    int b0, nb;
    float *attn_scratch;
} net_chunk;

typedef void (*chunk_fn)(const net_chunk *c);

/* bf16 path: the float32 tensors a block computes but does not keep, as views of the net scratch
 * from sequence b0. Where two share a buffer their lives do not overlap: qkv ends in attention
 * before gate/up is computed, attn in the output projection before act (and t_in, gu_t, act_t of
 * mlp_t likewise); the backward widens qkv and gate/up into `wide` again, and writes its own
 * gradients to other buffers (d_big, d_tmp) or only where the view's value is no longer read (d_act,
 * d_t). */
static void bf16_scratch_views(trm_eval_acts *v, const trm_net_scratch *s, const trm_dims *d, int mlp_t, int b0,
                               int forward) {
    /* Each sequence owns a slice of the buffer as large as its largest view (per-view row
     * offsets would let one chunk's gate/up run into the next chunk's qkv while both compute). */
    const size_t S = d->S, D = d->D, I = d->I, Is = d->I_seq;
    uint64_t wide, act;
    scratch_per_seq(d, mlp_t, &wide, &act);
    float *w = s->wide + (size_t)b0 * wide, *a = s->d_act + (size_t)b0 * act;
    /* bf16 SwiGLU outputs: in the forward an operand of the down projection only (d_big_b is
     * free then); in the backward, recomputed into act_b, whose rows the weight gradient reads
     * as one [N, I] (or [B*D, I_seq]) matrix, a phase apart */
    trm_bf16 *ab = forward ? s->d_big_b + (size_t)b0 * wide : NULL;
    for (int l = 0; l < d->L; l++) {
        trm_block_acts *b = &v->blk[l];
        if (mlp_t) {
            b->t_in = s->d_t + (size_t)b0 * D * S;
            b->gu_t = w;
            b->act_t = a;
            b->act_t_b = forward ? ab : s->act_b + (size_t)b0 * D * Is;
        } else {
            b->qkv = w;
            b->attn = a;
        }
        b->gu = w;
        b->act = a;
        b->act_b = forward ? ab : s->act_b + (size_t)b0 * S * I;
    }
}

static void run_chunk(const net_job *j, int b0, int nb, float *attn_scratch, chunk_fn fn) {
    net_chunk c = {.j = j, .k = j->m->k, .d = &j->m->dims, .lw = &j->w->w->layer[j->layer],
                   .lb = j->w->wb ? &j->w->wb->layer[j->layer] : NULL, .b0 = b0, .nb = nb, .attn_scratch = attn_scratch};
    const int bf16 = j->w->wb != NULL;
    eval_acts_from(&c.v, j->a, c.d, j->m->cfg.mlp_t, bf16, b0);
    if (bf16) { /* a forward job carries no gradient */
        bf16_scratch_views(&c.v, j->s, c.d, j->m->cfg.mlp_t, b0, j->d == NULL);
        if (!j->d && !j->keep) /* nothing reads them: the forwards skip the copies */
            for (int l = 0; l < c.d->L; l++) c.v.blk[l].qkv_b = c.v.blk[l].gu_b = c.v.blk[l].gu_t_b = NULL;
    }
    c.b = &c.v.blk[j->layer];
    fn(&c);
}

/* fn over the batch chunk by chunk, each on one thread with its attention scratch. */
static void for_chunks(const net_job *j, int B, float *attn_scratch, chunk_fn fn) {
    const trm_dims *d = &j->m->dims;
    const int threads = trm__max_threads(), cb = chunk_seqs(d, B, threads);
    if (!cb) {
        run_chunk(j, 0, B, attn_scratch, fn);
        return;
    }
    const int chunks = (B + cb - 1) / cb;
    const size_t per_thread = j->m->cfg.mlp_t ? 0 : trm_attention_scratch_floats(d->S, d->head_dim);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int c = 0; c < chunks; c++) {
        const int b0 = c * cb, nb = B - b0 < cb ? B - b0 : cb;
        run_chunk(j, b0, nb, attn_scratch ? attn_scratch + (size_t)trm__thread_num() * per_thread : NULL, fn);
    }
}

/* ---- the sub-layers ---------------------------------------------------------------------- */
/* A block is two sub-layers, each out = rms_norm(x + f(x)): the mixer (attention, or mlp_t) and
 * the channel MLP. Each sub-layer X has
 *   X_forward           over the sequences it is given (one batch chunk); saves in trm_block_acts
 *                       what the backward reads;
 *   X_backward          per batch chunk (a chunk_fn): gn = dL/d(x + f(x)) (kept in s->d_norm for
 *                       the weight gradients), f's backward to its input, and d = gn + that; d is
 *                       dL/d out on entry, dL/d x on return;
 *   X_backward_weights  over the whole batch, once every chunk is done: f's weight gradients
 *                       (+=), from s->d_norm and s->d_big.
 * xb: the bf16 path's scratch for a linear input the forward does not keep ([N, D] rows; NULL in
 * float32). In the bf16 backward, d_norm_b holds the normalised gradient for the first weight
 * gradient of a sub-layer, then the bf16 form of the input the second one needs (r1, or the block
 * input), which the forward did not keep. */

/* RoPE on qkv [B*S, 3D]; qkv_b (bf16 path, when the backward will run): qkv rounded before it,
 * as the backward redoes RoPE. Both a sequence at a time, so that RoPE finds the rows the rounding
 * has just read in cache. */
static void keep_then_rope(const trm_model *m, float *qkv, trm_bf16 *qkv_b, int B) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int S = d->S, ld = 3 * d->D;
    if (!qkv_b || !m->rope_cos) {
        if (qkv_b) keep_bf16(k, B * S, ld, qkv, qkv_b);
        if (m->rope_cos) k->rope(qkv, B * S, ld, S, d->heads, d->head_dim, m->rope_cos, m->rope_sin, 0);
        return;
    }
#pragma omp parallel for schedule(static) if (TRM_PAR(B > 1 && (size_t)B * S * ld >= ((size_t)1 << 16)))
    for (int b = 0; b < B; b++) {
        const size_t o = (size_t)b * S * ld;
        keep_bf16(k, S, ld, qkv + o, qkv_b + o);
        k->rope(qkv + o, S, ld, S, d->heads, d->head_dim, m->rope_cos, m->rope_sin, 0);
    }
}

/* r1 = rms_norm(x + attn(x) W_o^T), attention over RoPE'd qkv = x W_qkv^T. In the bf16 path the
 * attention's products take bf16 operands too (attention_fwd_bf16: q, k, v and the probabilities
 * rounded, the softmax float32), as the official bf16 autocast runs SDPA on bf16 q, k, v. */
static void attention_forward(const trm_model *m, const trm_layer_view *w, const trm_layer_bf16 *wb,
                              const trm_block_acts *b, const float *in, int B, trm_bf16 *xb, float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D;
    linear_forward(k, N, 3 * D, D, in, xb, w->mix_in, wb ? wb->mix_in : NULL, b->qkv, 0);
    keep_then_rope(m, b->qkv, b->qkv_b, B);
    if (wb) k->attention_fwd_bf16(b->attn, b->qkv, B, d->S, d->heads, d->head_dim, attn_scratch);
    else k->attention_fwd(b->attn, b->qkv, B, d->S, d->heads, d->head_dim, attn_scratch);
    trm__add(b->r1, in, NULL, (size_t)N * D);
    linear_forward(k, N, D, D, b->attn, b->attn_b, w->mix_out, wb ? wb->mix_out : NULL, b->r1, 1);
    k->rmsnorm_fwd(b->r1, b->rstd1, b->r1, N, D, m->cfg.rms_norm_eps);
}

static void attention_backward(const net_chunk *c) {
    const trm_model *m = c->j->m;
    const trm_kernels *k = c->k;
    const trm_dims *dm = c->d;
    const trm_net_scratch *s = c->j->s;
    const trm_layer_bf16 *lb = c->lb;
    const int N = c->nb * dm->S, D = dm->D;
    const size_t r0 = (size_t)c->b0 * dm->S;
    float *d = c->j->d + r0 * D, *gn = s->d_norm + r0 * D, *dattn = s->d_tmp + r0 * D, *dqkv = s->d_big + r0 * 3 * D;
    k->rmsnorm_bwd(gn, d, c->b->r1, c->b->rstd1, N, D);
    linear_backward_input(k, N, D, D, gn, rows_b(s->d_norm_b, r0, D), c->lw->mix_out, lb ? lb->mix_out : NULL,
                          dattn, 0);
    if (lb) { /* qkv as the forward's attention read it, within bf16 rounding */
        k->bf16_to_f32(N, 3 * D, c->b->qkv_b, 3 * D, c->b->qkv, 3 * D);
        if (m->rope_cos) k->rope(c->b->qkv, N, 3 * D, dm->S, dm->heads, dm->head_dim, m->rope_cos, m->rope_sin, 0);
    }
    if (lb) /* D = rowsum(dO out) from the output as kept for W_o's gradient, rounded */
        k->attention_bwd_bf16(dqkv, dattn, c->b->qkv, c->b->attn_b, c->nb, dm->S, dm->heads, dm->head_dim,
                              c->attn_scratch);
    else k->attention_bwd(dqkv, dattn, c->b->qkv, c->nb, dm->S, dm->heads, dm->head_dim, c->attn_scratch);
    if (m->rope_cos) k->rope(dqkv, N, 3 * D, dm->S, dm->heads, dm->head_dim, m->rope_cos, m->rope_sin, 1);
    trm__add(d, gn, NULL, (size_t)N * D);
    linear_backward_input(k, N, 3 * D, D, dqkv, rows_b(s->d_big_b, r0, 3 * D), c->lw->mix_in,
                          lb ? lb->mix_in : NULL, d, 1);
}

/* W_o from dL/d(pre-norm) and attn; W_qkv from dqkv and the block input hs[layer]. */
static void attention_backward_weights(const net_job *j, const trm_layer_view *g, int B) {
    const trm_kernels *k = j->m->k;
    const trm_net_scratch *s = j->s;
    const trm_block_acts *b = &j->a->blk[j->layer];
    const float *in = j->a->hs[j->layer];
    const int bf16 = j->w->wb != NULL, N = B * j->m->dims.S, D = j->m->dims.D;
    trm_bf16 *gnb = bf16 ? s->d_norm_b : NULL, *bigb = bf16 ? s->d_big_b : NULL;
    linear_backward_weight(k, N, D, D, s->d_norm, gnb, b->attn, b->attn_b, g->mix_out);
    if (bf16) k->f32_to_bf16(N, D, in, D, gnb, D);
    linear_backward_weight(k, N, 3 * D, D, s->d_big, bigb, in, gnb, g->mix_in);
}

/* mlp_t: the SwiGLU sub-layer over the sequence axis, on [B*D, S] transposes of x:
 * r1 = transpose(rms_norm(t + SwiGLU_seq(t))), t = transpose(x). */
static void mlp_t_forward(const trm_model *m, const trm_layer_view *w, const trm_layer_bf16 *wb,
                          const trm_block_acts *b, const float *in, int B) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int D = d->D, BD = B * D, S = d->S, Is = d->I_seq;
    transpose_bsd(b->t_in, in, B, S, D);
    linear_forward(k, BD, 2 * Is, S, b->t_in, b->t_in_b, w->mix_in, wb ? wb->mix_in : NULL, b->gu_t, 0);
    trm__add(b->r_t, b->t_in, NULL, (size_t)BD * S);
    if (wb) {
        swiglu_fwd_rounded(k, b->act_t_b, b->act_t, b->gu_t, b->gu_t_b, BD, Is);
        k->gemm_nt_bf16(BD, S, Is, b->act_t_b, Is, wb->mix_out, Is, b->r_t, S, 1);
    } else {
        k->swiglu_fwd(b->act_t, b->gu_t, BD, Is);
        linear_forward(k, BD, S, Is, b->act_t, NULL, w->mix_out, NULL, b->r_t, 1);
    }
    k->rmsnorm_fwd(b->r_t, b->rstd1, b->r_t, BD, S, m->cfg.rms_norm_eps);
    transpose_bsd(b->r1, b->r_t, B, D, S);
}

static void mlp_t_backward(const net_chunk *c) {
    const trm_kernels *k = c->k;
    const trm_net_scratch *s = c->j->s;
    const trm_layer_bf16 *lb = c->lb;
    const int S = c->d->S, D = c->d->D, BD = c->nb * D, Is = c->d->I_seq;
    const size_t t0 = (size_t)c->b0 * D; /* first row of the [B*D, .] tensors */
    float *d = c->j->d + t0 * S, *dt = s->d_t + t0 * S, *gn = s->d_norm + t0 * S;
    float *dact = lb ? c->b->act_t : s->d_act + t0 * Is, *dgu = s->d_big + t0 * 2 * Is;
    transpose_bsd(dt, d, c->nb, S, D);
    k->rmsnorm_bwd(gn, dt, c->b->r_t, c->b->rstd1, BD, S);
    linear_backward_input(k, BD, S, Is, gn, rows_b(s->d_norm_b, t0, S), c->lw->mix_out, lb ? lb->mix_out : NULL,
                          dact, 0);
    trm__add(dt, gn, NULL, (size_t)BD * S);
    if (lb) {
        trm_bf16 *dgub = s->d_big_b + t0 * 2 * Is;
        swiglu_bwd_rounded(k, dgub, c->b->act_t_b, dact, c->b->gu_t_b, c->b->gu_t, dgu, BD, Is);
        k->gemm_nn_bf16(BD, S, 2 * Is, dgub, 2 * Is, lb->mix_in, S, dt, S, 1);
    } else {
        k->swiglu_bwd(dgu, dact, c->b->gu_t, BD, Is);
        linear_backward_input(k, BD, 2 * Is, S, dgu, NULL, c->lw->mix_in, NULL, dt, 1);
    }
    transpose_bsd(d, dt, c->nb, D, S);
}

/* mlp_t.down_proj from dL/d(pre-norm) and act_t (recomputed in the bf16 path: s->act_b);
 * mlp_t.gate_up_proj from dgu and t_in. */
static void mlp_t_backward_weights(const net_job *j, const trm_layer_view *g, int B) {
    const trm_kernels *k = j->m->k;
    const trm_net_scratch *s = j->s;
    const trm_block_acts *b = &j->a->blk[j->layer];
    const int bf16 = j->w->wb != NULL, BD = B * j->m->dims.D, S = j->m->dims.S, Is = j->m->dims.I_seq;
    trm_bf16 *gnb = bf16 ? s->d_norm_b : NULL, *bigb = bf16 ? s->d_big_b : NULL;
    linear_backward_weight(k, BD, S, Is, s->d_norm, gnb, b->act_t, s->act_b, g->mix_out);
    linear_backward_weight(k, BD, 2 * Is, S, s->d_big, bigb, b->t_in, b->t_in_b, g->mix_in);
}

/* out = rms_norm(r1 + SwiGLU(r1)): act = silu(gate) * up, gu = r1 W_gu^T, out W_down^T. */
static void mlp_forward(const trm_model *m, const trm_layer_view *w, const trm_layer_bf16 *wb,
                        const trm_block_acts *b, float *out, int B, trm_bf16 *xb) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D, I = d->I;
    linear_forward(k, N, 2 * I, D, b->r1, xb, w->gate_up, wb ? wb->gate_up : NULL, b->gu, 0);
    trm__add(out, b->r1, NULL, (size_t)N * D);
    if (wb) {
        swiglu_fwd_rounded(k, b->act_b, b->act, b->gu, b->gu_b, N, I);
        k->gemm_nt_bf16(N, D, I, b->act_b, I, wb->down, I, out, D, 1);
    } else {
        k->swiglu_fwd(b->act, b->gu, N, I);
        linear_forward(k, N, D, I, b->act, NULL, w->down, NULL, out, 1);
    }
    k->rmsnorm_fwd(out, b->rstd2, out, N, D, m->cfg.rms_norm_eps);
}

static void mlp_backward(const net_chunk *c) {
    const trm_kernels *k = c->k;
    const trm_net_scratch *s = c->j->s;
    const trm_layer_bf16 *lb = c->lb;
    const int N = c->nb * c->d->S, D = c->d->D, I = c->d->I;
    const size_t r0 = (size_t)c->b0 * c->d->S;
    /* bf16: dact in the chunk's slice of d_act, where the recomputed output goes after it */
    float *d = c->j->d + r0 * D, *gn = s->d_norm + r0 * D, *dact = lb ? c->b->act : s->d_act + r0 * I;
    float *dgu = s->d_big + r0 * 2 * I;
    k->rmsnorm_bwd(gn, d, c->v.hs[c->j->layer + 1], c->b->rstd2, N, D);
    linear_backward_input(k, N, D, I, gn, rows_b(s->d_norm_b, r0, D), c->lw->down, lb ? lb->down : NULL, dact, 0);
    trm__add(d, gn, NULL, (size_t)N * D); /* the residual's share, then the MLP's */
    if (lb) { /* from the rounded gate/up; also the SwiGLU output for the down projection's weights */
        trm_bf16 *dgub = s->d_big_b + r0 * 2 * I;
        swiglu_bwd_rounded(k, dgub, c->b->act_b, dact, c->b->gu_b, c->b->gu, dgu, N, I);
        k->gemm_nn_bf16(N, D, 2 * I, dgub, 2 * I, lb->gate_up, D, d, D, 1);
    } else {
        k->swiglu_bwd(dgu, dact, c->b->gu, N, I);
        linear_backward_input(k, N, 2 * I, D, dgu, NULL, c->lw->gate_up, NULL, d, 1);
    }
}

/* W_down from dL/d(pre-norm) and act (recomputed in the bf16 path: s->act_b); W_gu from dgu and r1. */
static void mlp_backward_weights(const net_job *j, const trm_layer_view *g, int B) {
    const trm_kernels *k = j->m->k;
    const trm_net_scratch *s = j->s;
    const trm_block_acts *b = &j->a->blk[j->layer];
    const int bf16 = j->w->wb != NULL, N = B * j->m->dims.S, D = j->m->dims.D, I = j->m->dims.I;
    trm_bf16 *gnb = bf16 ? s->d_norm_b : NULL, *bigb = bf16 ? s->d_big_b : NULL;
    linear_backward_weight(k, N, D, I, s->d_norm, gnb, b->act, s->act_b, g->down);
    if (bf16) k->f32_to_bf16(N, D, b->r1, D, gnb, D);
    linear_backward_weight(k, N, 2 * I, D, s->d_big, bigb, b->r1, gnb, g->gate_up);
}

/* ---- the network ------------------------------------------------------------------------- */
/* net over the sequences of one chunk: hs[0] = h + inj, then each block's mixer and MLP. Its
 * backward is trm__net_backward, which runs the blocks' sub-layers in reverse over the whole
 * batch, not chunk by chunk: each sub-layer's weight gradients wait for every chunk's gradients. */
static void net_forward_serial(const trm_model *m, const trm_net_weights *w, const trm_eval_acts *a, const float *h,
                               const float *inj, int B, trm_bf16 *xb, float *attn_scratch) {
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D;
    trm__add(a->hs[0], h, inj, (size_t)N * D);
    for (int l = 0; l < d->L; l++) {
        const trm_block_acts *b = &a->blk[l];
        const trm_layer_view *lw = &w->w->layer[l];
        const trm_layer_bf16 *lb = w->wb ? &w->wb->layer[l] : NULL;
        if (m->cfg.mlp_t) mlp_t_forward(m, lw, lb, b, a->hs[l], B);
        else attention_forward(m, lw, lb, b, a->hs[l], B, xb, attn_scratch);
        mlp_forward(m, lw, lb, b, a->hs[l + 1], B, xb);
    }
}

static void forward_chunk(const net_chunk *c) {
    const size_t off = (size_t)c->b0 * c->d->S * c->d->D;
    trm_bf16 *xb = c->lb ? c->j->s->d_norm_b + off : NULL;
    net_forward_serial(c->j->m, c->j->w, &c->v, c->j->h + off, c->j->inj + off, c->nb, xb, c->attn_scratch);
}

void trm__net_forward(const trm_model *m, const trm_net_weights *w, trm_eval_acts *a, const float *h,
                      const float *inj, int B, const trm_net_scratch *s, float *attn_scratch, int keep) {
    const net_job j = {m, w, a, s, h, inj, NULL, 0, keep};
    for_chunks(&j, B, attn_scratch, forward_chunk);
}

void trm__net_backward(const trm_model *m, const trm_net_weights *w, const trm_param_view *g,
                       const trm_eval_acts *a, float *d, int B, const trm_net_scratch *s, float *attn_scratch) {
    net_job j = {m, w, a, s, NULL, NULL, d, 0, 0};
    for (int l = m->dims.L - 1; l >= 0; l--) {
        const trm_layer_view *lg = &g->layer[l];
        j.layer = l;
        for_chunks(&j, B, attn_scratch, mlp_backward);
        mlp_backward_weights(&j, lg, B);
        if (m->cfg.mlp_t) {
            for_chunks(&j, B, attn_scratch, mlp_t_backward);
            mlp_t_backward_weights(&j, lg, B);
        } else {
            for_chunks(&j, B, attn_scratch, attention_backward);
            attention_backward_weights(&j, lg, B);
        }
    }
    /* hs[0] = h + inj: the gradient of both h and inj is d itself. */
}
