/* net.c: forward and backward of the shared network (TRM §2.8-2.9): net(h, inj) adds the
 * injection once, then runs L post-norm blocks:
 *     h = rms_norm(h + mixer(h));  h = rms_norm(h + SwiGLU(h))
 * where the mixer is fused-QKV attention with RoPE, or (mlp_t) a SwiGLU over the sequence axis
 * whose norm also runs over the sequence axis. Weight gradients accumulate (+=). */
#include <string.h>

#include "net.h"

static size_t mixer_cols(const trm_dims *d) { return (size_t)(3 * d->D > 2 * d->I ? 3 * d->D : 2 * d->I); }

/* The saved buffers of one evaluation, each B equal per-sequence slices ([B*S, cols] row-major,
 * or [B*D, cols] for mlp_t): the carve and the batch-chunk views walk this one list. */
typedef struct {
    float **at;
    size_t per_seq; /* floats per sequence */
} acts_buf;

static int acts_list(trm_eval_acts *a, const trm_dims *d, int mlp_t, acts_buf *list) {
    const size_t S = d->S, D = d->D, I = d->I, Is = d->I_seq;
    int n = 0;
#define BUF(field, floats) (list[n].at = &(field), list[n++].per_seq = (floats))
    BUF(a->hs[0], S * D);
    for (int lyr = 0; lyr < d->L; lyr++) {
        trm_block_acts *b = &a->blk[lyr];
        if (mlp_t) {
            BUF(b->t_in, D * S);
            BUF(b->gu_t, D * 2 * Is);
            BUF(b->act_t, D * Is);
            BUF(b->r_t, D * S);
            BUF(b->rstd1, D);
        } else {
            BUF(b->qkv, S * 3 * D);
            BUF(b->attn, S * D);
            BUF(b->rstd1, S);
        }
        BUF(b->r1, S * D);
        BUF(b->gu, S * 2 * I);
        BUF(b->act, S * I);
        BUF(b->rstd2, S);
        BUF(a->hs[lyr + 1], S * D);
    }
#undef BUF
    return n;
}

enum { ACTS_MAX_BUFS = 1 + 9 * TRM_MAX_LAYERS };

size_t trm__eval_acts_carve(trm_eval_acts *a, const trm_dims *d, int mlp_t, int B, float *p) {
    acts_buf list[ACTS_MAX_BUFS];
    trm_arena l = {p, 0};
    memset(a, 0, sizeof *a);
    const int n = acts_list(a, d, mlp_t, list);
    for (int i = 0; i < n; i++) *list[i].at = trm__take(&l, (size_t)B * list[i].per_seq);
    return l.used;
}

/* The view of sequences b0.. of src: the same buffers, advanced by b0 sequences. */
static void eval_acts_from(trm_eval_acts *dst, const trm_eval_acts *src, const trm_dims *d, int mlp_t, int b0) {
    acts_buf list[ACTS_MAX_BUFS];
    *dst = *src;
    const int n = acts_list(dst, d, mlp_t, list);
    for (int i = 0; i < n; i++) *list[i].at += (size_t)b0 * list[i].per_seq;
}

size_t trm__eval_acts_floats(const trm_dims *d, int mlp_t, int B) {
    trm_eval_acts a;
    return trm__eval_acts_carve(&a, d, mlp_t, B, NULL);
}

size_t trm__net_scratch_carve(trm_net_scratch *s, const trm_dims *d, int mlp_t, int B, float *p) {
    size_t N = (size_t)B * d->S, BD = (size_t)B * d->D, big = N * mixer_cols(d), act = N * d->I;
    if (mlp_t) {
        if (BD * 2 * d->I_seq > big) big = BD * 2 * d->I_seq;
        if (BD * d->I_seq > act) act = BD * d->I_seq;
    }
    trm_arena l = {p, 0};
    s->d_tmp = trm__take(&l, N * d->D);
    s->d_norm = trm__take(&l, N * d->D);
    s->d_big = trm__take(&l, big);
    s->d_act = trm__take(&l, act);
    s->d_t = mlp_t ? trm__take(&l, BD * d->S) : NULL;
    return l.used;
}

size_t trm__net_scratch_floats(const trm_dims *d, int mlp_t, int B) {
    trm_net_scratch s;
    return trm__net_scratch_carve(&s, d, mlp_t, B, NULL);
}

size_t trm__attn_scratch_floats(const trm_dims *d, int mlp_t) {
    return mlp_t ? 0 : trm_attention_scratch_floats(d->S, d->head_dim) * (size_t)trm__max_threads();
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

static void mixer_forward(const trm_model *m, const trm_layer_view *w, const trm_block_acts *b, const float *in, int B,
                          float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D;
    if (m->cfg.mlp_t) {
        const int BD = B * D, S = d->S, Is = d->I_seq;
        transpose_bsd(b->t_in, in, B, S, D);
        k->gemm_nt(BD, 2 * Is, S, b->t_in, S, w->mix_in, S, b->gu_t, 2 * Is, 0);
        k->swiglu_fwd(b->act_t, b->gu_t, BD, Is);
        trm__add(b->r_t, b->t_in, NULL, (size_t)BD * S);
        k->gemm_nt(BD, S, Is, b->act_t, Is, w->mix_out, Is, b->r_t, S, 1);
        k->rmsnorm_fwd(b->r_t, b->rstd1, b->r_t, BD, S, m->cfg.rms_norm_eps);
        transpose_bsd(b->r1, b->r_t, B, D, S);
        return;
    }
    k->gemm_nt(N, 3 * D, D, in, D, w->mix_in, D, b->qkv, 3 * D, 0);
    if (m->rope_cos) k->rope(b->qkv, N, 3 * D, d->S, d->heads, d->head_dim, m->rope_cos, m->rope_sin, 0);
    k->attention_fwd(b->attn, b->qkv, B, d->S, d->heads, d->head_dim, attn_scratch);
    trm__add(b->r1, in, NULL, (size_t)N * D);
    k->gemm_nt(N, D, D, b->attn, D, w->mix_out, D, b->r1, D, 1);
    k->rmsnorm_fwd(b->r1, b->rstd1, b->r1, N, D, m->cfg.rms_norm_eps);
}

static void net_forward_serial(const trm_model *m, const trm_param_view *w, const trm_eval_acts *a, const float *h,
                               const float *inj, int B, float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D, I = d->I;
    trm__add(a->hs[0], h, inj, (size_t)N * D);
    for (int l = 0; l < d->L; l++) {
        const trm_block_acts *b = &a->blk[l];
        const trm_layer_view *lw = &w->layer[l];
        mixer_forward(m, lw, b, a->hs[l], B, attn_scratch);
        k->gemm_nt(N, 2 * I, D, b->r1, D, lw->gate_up, D, b->gu, 2 * I, 0);
        k->swiglu_fwd(b->act, b->gu, N, I);
        float *out = a->hs[l + 1];
        trm__add(out, b->r1, NULL, (size_t)N * D);
        k->gemm_nt(N, D, I, b->act, I, lw->down, I, out, D, 1);
        k->rmsnorm_fwd(out, b->rstd2, out, N, D, m->cfg.rms_norm_eps);
    }
}

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
    const trm_param_view *w;
    const trm_eval_acts *a; /* the views it hands out still write the buffers (forward) */
    const trm_net_scratch *s;
    const float *h, *inj; /* forward inputs */
    float *d;             /* backward: the gradient flowing down */
    int layer;
} net_job;

/* One chunk as its function sees it: sequences [b0, b0 + nb), the saved activations and the
 * layer's weights seen from b0, and this thread's attention scratch. */
typedef struct {
    const net_job *j;
    const trm_kernels *k;
    const trm_dims *d;
    const trm_layer_view *lw;
    const trm_block_acts *b; /* v.blk[j->layer] */
    trm_eval_acts v;
    int b0, nb;
    float *attn_scratch;
} net_chunk;

typedef void (*chunk_fn)(const net_chunk *c);

static void run_chunk(const net_job *j, int b0, int nb, float *attn_scratch, chunk_fn fn) {
    net_chunk c = {.j = j, .k = j->m->k, .d = &j->m->dims, .lw = &j->w->layer[j->layer], .b0 = b0, .nb = nb,
                   .attn_scratch = attn_scratch};
    eval_acts_from(&c.v, j->a, c.d, j->m->cfg.mlp_t, b0);
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

static void forward_chunk(const net_chunk *c) {
    const size_t off = (size_t)c->b0 * c->d->S * c->d->D;
    net_forward_serial(c->j->m, c->j->w, &c->v, c->j->h + off, c->j->inj + off, c->nb,
                       c->attn_scratch);
}

void trm__net_forward(const trm_model *m, const trm_param_view *w, trm_eval_acts *a, const float *h,
                      const float *inj, int B, float *attn_scratch) {
    const net_job j = {m, w, a, NULL, h, inj, NULL, 0};
    for_chunks(&j, B, attn_scratch, forward_chunk);
}

/* ---- backward ---------------------------------------------------------------------------- */
/* Each sub-layer out = rms_norm(x + f(x)) in two phases: per chunk, gn = dL/d(x + f(x)) (kept
 * in s->d_norm for the weight gradients), f's backward to its input, and d = gn + that; then the
 * weight gradients of f over the whole batch. d is dL/d out on entry, dL/d x on return. */

/* out = rms_norm(r1 + SwiGLU(r1)): act = silu(gate) * up, gu = r1 W_gu^T, out W_down^T. */
static void mlp_chunk(const net_chunk *c) {
    const trm_kernels *k = c->k;
    const trm_net_scratch *s = c->j->s;
    const int N = c->nb * c->d->S, D = c->d->D, I = c->d->I;
    const size_t r0 = (size_t)c->b0 * c->d->S;
    float *d = c->j->d + r0 * D, *gn = s->d_norm + r0 * D, *dact = s->d_act + r0 * I, *dgu = s->d_big + r0 * 2 * I;
    k->rmsnorm_bwd(gn, d, c->v.hs[c->j->layer + 1], c->b->rstd2, N, D);
    k->gemm_nn(N, I, D, gn, D, c->lw->down, I, dact, I, 0);
    k->swiglu_bwd(dgu, dact, c->b->gu, N, I);
    trm__add(d, gn, NULL, (size_t)N * D); /* the residual's share, then the MLP's */
    k->gemm_nn(N, D, 2 * I, dgu, 2 * I, c->lw->gate_up, D, d, D, 1);
}

/* r1 = rms_norm(x + attn(x) W_o^T), attention over RoPE'd qkv = x W_qkv^T. */
static void attention_chunk(const net_chunk *c) {
    const trm_model *m = c->j->m;
    const trm_kernels *k = c->k;
    const trm_dims *dm = c->d;
    const trm_net_scratch *s = c->j->s;
    const int N = c->nb * dm->S, D = dm->D;
    const size_t r0 = (size_t)c->b0 * dm->S;
    float *d = c->j->d + r0 * D, *gn = s->d_norm + r0 * D, *dattn = s->d_tmp + r0 * D, *dqkv = s->d_big + r0 * 3 * D;
    k->rmsnorm_bwd(gn, d, c->b->r1, c->b->rstd1, N, D);
    k->gemm_nn(N, D, D, gn, D, c->lw->mix_out, D, dattn, D, 0);
    k->attention_bwd(dqkv, dattn, c->b->qkv, c->nb, dm->S, dm->heads, dm->head_dim, c->attn_scratch);
    if (m->rope_cos) k->rope(dqkv, N, 3 * D, dm->S, dm->heads, dm->head_dim, m->rope_cos, m->rope_sin, 1);
    trm__add(d, gn, NULL, (size_t)N * D);
    k->gemm_nn(N, D, 3 * D, dqkv, 3 * D, c->lw->mix_in, D, d, D, 1);
}

/* mlp_t: the same SwiGLU sub-layer over the sequence axis, on [B*D, S] transposes. */
static void mlp_t_chunk(const net_chunk *c) {
    const trm_kernels *k = c->k;
    const trm_net_scratch *s = c->j->s;
    const int S = c->d->S, D = c->d->D, BD = c->nb * D, Is = c->d->I_seq;
    const size_t t0 = (size_t)c->b0 * D; /* first row of the [B*D, .] tensors */
    float *d = c->j->d + t0 * S, *dt = s->d_t + t0 * S, *gn = s->d_norm + t0 * S;
    float *dact = s->d_act + t0 * Is, *dgu = s->d_big + t0 * 2 * Is;
    transpose_bsd(dt, d, c->nb, S, D);
    k->rmsnorm_bwd(gn, dt, c->b->r_t, c->b->rstd1, BD, S);
    k->gemm_nn(BD, Is, S, gn, S, c->lw->mix_out, Is, dact, Is, 0);
    k->swiglu_bwd(dgu, dact, c->b->gu_t, BD, Is);
    trm__add(dt, gn, NULL, (size_t)BD * S);
    k->gemm_nn(BD, S, 2 * Is, dgu, 2 * Is, c->lw->mix_in, S, dt, S, 1);
    transpose_bsd(d, dt, c->nb, D, S);
}

void trm__net_backward(const trm_model *m, const trm_param_view *w, const trm_param_view *g,
                       const trm_eval_acts *a, float *d, int B, const trm_net_scratch *s, float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *dm = &m->dims;
    const int N = B * dm->S, D = dm->D, I = dm->I, BD = B * D, S = dm->S, Is = dm->I_seq;
    net_job j = {m, w, a, s, NULL, NULL, d, 0};
    for (int l = dm->L - 1; l >= 0; l--) {
        const trm_block_acts *b = &a->blk[l];
        const trm_layer_view *lg = &g->layer[l];
        j.layer = l;
        for_chunks(&j, B, attn_scratch, mlp_chunk);
        k->gemm_tn(D, I, N, s->d_norm, D, b->act, I, lg->down, I, 1);
        k->gemm_tn(2 * I, D, N, s->d_big, 2 * I, b->r1, D, lg->gate_up, D, 1);
        if (m->cfg.mlp_t) {
            for_chunks(&j, B, attn_scratch, mlp_t_chunk);
            k->gemm_tn(S, Is, BD, s->d_norm, S, b->act_t, Is, lg->mix_out, Is, 1);
            k->gemm_tn(2 * Is, S, BD, s->d_big, 2 * Is, b->t_in, S, lg->mix_in, S, 1);
        } else {
            for_chunks(&j, B, attn_scratch, attention_chunk);
            k->gemm_tn(D, D, N, s->d_norm, D, b->attn, D, lg->mix_out, D, 1);
            k->gemm_tn(3 * D, D, N, s->d_big, 3 * D, a->hs[l], D, lg->mix_in, D, 1);
        }
    }
    /* hs[0] = h + inj: the gradient of both h and inj is d itself. */
}
