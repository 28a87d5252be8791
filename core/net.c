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

static void mixer_forward(const trm_model *m, const trm_layer_view *w, trm_block_acts *b, const float *in, int B,
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

static void net_forward_serial(const trm_model *m, const trm_param_view *w, trm_eval_acts *a, const float *h,
                               const float *inj, int B, float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *d = &m->dims;
    const int N = B * d->S, D = d->D, I = d->I;
    trm__add(a->hs[0], h, inj, (size_t)N * D);
    for (int l = 0; l < d->L; l++) {
        trm_block_acts *b = &a->blk[l];
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

/* Sequences per chunk of a batch-chunked forward, or 0 for kernel-level threads. Chunks of about
 * 512 rows, at least one per thread and a whole number per thread (or so many that the last
 * round hardly matters): a 2-thread inference pass of config (a) runs 7-10% faster than with
 * every kernel split over both threads. */
static int forward_chunk(const trm_dims *d, int B, int threads) {
    if (threads < 2 || B < threads) return 0;
    int cb = 512 / d->S;
    if (cb < 1) cb = 1;
    if (cb > B / threads) cb = B / threads;
    const int chunks = (B + cb - 1) / cb;
    return chunks % threads == 0 || chunks >= 4 * threads ? cb : 0;
}

/* Every sequence's evaluation is independent of the others' (attention and the mlp_t mixer stay
 * within a sequence), so with threads the batch is cut into chunks that each thread evaluates
 * whole, its kernels on one thread: its rows stay in its caches from one kernel to the next, and
 * the threads meet once per evaluation instead of once per kernel. Each output is computed by
 * exactly the same arithmetic either way (a GEMM element is one chain over k whatever the rows
 * around it), so the results are bit-identical to the unchunked forward. */
void trm__net_forward(const trm_model *m, const trm_param_view *w, trm_eval_acts *a, const float *h,
                      const float *inj, int B, float *attn_scratch) {
    const trm_dims *d = &m->dims;
    const int threads = trm__max_threads(), cb = forward_chunk(d, B, threads);
    if (!cb) {
        net_forward_serial(m, w, a, h, inj, B, attn_scratch);
        return;
    }
    const int mlp_t = m->cfg.mlp_t, chunks = (B + cb - 1) / cb;
    const size_t state = (size_t)d->S * d->D, per_thread = mlp_t ? 0 : trm_attention_scratch_floats(d->S, d->head_dim);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int c = 0; c < chunks; c++) {
        const int b0 = c * cb, nb = B - b0 < cb ? B - b0 : cb;
        trm_eval_acts view;
        eval_acts_from(&view, a, d, mlp_t, b0);
        float *scratch = attn_scratch ? attn_scratch + (size_t)trm__thread_num() * per_thread : NULL;
        net_forward_serial(m, w, &view, h + b0 * state, inj + b0 * state, nb, scratch);
    }
}

/* On entry d = dL/d r1 (output of the mixer sub-layer); on return dL/d(block input). */
static void mixer_backward(const trm_model *m, const trm_layer_view *w, const trm_layer_view *g,
                           const trm_block_acts *b, const float *in, float *d, int B, const trm_net_scratch *s,
                           float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *dm = &m->dims;
    const int N = B * dm->S, D = dm->D;
    if (m->cfg.mlp_t) {
        const int BD = B * D, S = dm->S, Is = dm->I_seq;
        float *dt = s->d_t, *dact = s->d_act, *dgu = s->d_big;
        transpose_bsd(dt, d, B, S, D);
        k->rmsnorm_bwd(dt, dt, b->r_t, b->rstd1, BD, S);
        k->gemm_nn(BD, Is, S, dt, S, w->mix_out, Is, dact, Is, 0);
        k->gemm_tn(S, Is, BD, dt, S, b->act_t, Is, g->mix_out, Is, 1);
        k->swiglu_bwd(dgu, dact, b->gu_t, BD, Is);
        k->gemm_tn(2 * Is, S, BD, dgu, 2 * Is, b->t_in, S, g->mix_in, S, 1);
        k->gemm_nn(BD, S, 2 * Is, dgu, 2 * Is, w->mix_in, S, dt, S, 1);
        transpose_bsd(d, dt, B, D, S);
        return;
    }
    float *dattn = s->d_tmp, *dqkv = s->d_big;
    k->rmsnorm_bwd(d, d, b->r1, b->rstd1, N, D);
    k->gemm_nn(N, D, D, d, D, w->mix_out, D, dattn, D, 0);
    k->gemm_tn(D, D, N, d, D, b->attn, D, g->mix_out, D, 1);
    k->attention_bwd(dqkv, dattn, b->qkv, B, dm->S, dm->heads, dm->head_dim, attn_scratch);
    if (m->rope_cos) k->rope(dqkv, N, 3 * D, dm->S, dm->heads, dm->head_dim, m->rope_cos, m->rope_sin, 1);
    k->gemm_tn(3 * D, D, N, dqkv, 3 * D, in, D, g->mix_in, D, 1);
    k->gemm_nn(N, D, 3 * D, dqkv, 3 * D, w->mix_in, D, d, D, 1);
}

void trm__net_backward(const trm_model *m, const trm_param_view *w, const trm_param_view *g,
                       const trm_eval_acts *a, float *d, int B, const trm_net_scratch *s, float *attn_scratch) {
    const trm_kernels *k = m->k;
    const trm_dims *dm = &m->dims;
    const int N = B * dm->S, D = dm->D, I = dm->I;
    for (int l = dm->L - 1; l >= 0; l--) {
        const trm_block_acts *b = &a->blk[l];
        const trm_layer_view *lw = &w->layer[l], *lg = &g->layer[l];
        /* out = rms_norm(r1 + act W_down^T) */
        k->rmsnorm_bwd(d, d, a->hs[l + 1], b->rstd2, N, D);
        k->gemm_nn(N, I, D, d, D, lw->down, I, s->d_act, I, 0);
        k->gemm_tn(D, I, N, d, D, b->act, I, lg->down, I, 1);
        /* act = silu(gate) * up, gu = r1 W_gu^T; the residual keeps d as dL/d r1's first term */
        k->swiglu_bwd(s->d_big, s->d_act, b->gu, N, I);
        k->gemm_tn(2 * I, D, N, s->d_big, 2 * I, b->r1, D, lg->gate_up, D, 1);
        k->gemm_nn(N, D, 2 * I, s->d_big, 2 * I, lw->gate_up, D, d, D, 1);
        mixer_backward(m, lw, lg, b, a->hs[l], d, B, s, attn_scratch);
    }
    /* hs[0] = h + inj: the gradient of both h and inj is d itself. */
}
