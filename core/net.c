/* net.c: forward and backward of the shared network (TRM §2.8-2.9): net(h, inj) adds the
 * injection once, then runs L post-norm blocks:
 *     h = rms_norm(h + mixer(h));  h = rms_norm(h + SwiGLU(h))
 * where the mixer is fused-QKV attention with RoPE, or (mlp_t) a SwiGLU over the sequence axis
 * whose norm also runs over the sequence axis. Weight gradients accumulate (+=). */
#include <string.h>

#include "net.h"

static size_t mixer_cols(const trm_dims *d) { return (size_t)(3 * d->D > 2 * d->I ? 3 * d->D : 2 * d->I); }

size_t trm__eval_acts_carve(trm_eval_acts *a, const trm_dims *d, int mlp_t, int B, float *p) {
    const size_t N = (size_t)B * d->S, D = d->D, I = d->I, BD = (size_t)B * d->D, Is = (size_t)d->I_seq;
    trm_arena l = {p, 0};
    memset(a, 0, sizeof *a);
    a->hs[0] = trm__take(&l, N * D);
    for (int lyr = 0; lyr < d->L; lyr++) {
        trm_block_acts *b = &a->blk[lyr];
        if (mlp_t) {
            b->t_in = trm__take(&l, BD * d->S);
            b->gu_t = trm__take(&l, BD * 2 * Is);
            b->act_t = trm__take(&l, BD * Is);
            b->r_t = trm__take(&l, BD * d->S);
            b->rstd1 = trm__take(&l, BD);
        } else {
            b->qkv = trm__take(&l, N * 3 * D);
            b->attn = trm__take(&l, N * D);
            b->rstd1 = trm__take(&l, N);
        }
        b->r1 = trm__take(&l, N * D);
        b->gu = trm__take(&l, N * 2 * I);
        b->act = trm__take(&l, N * I);
        b->rstd2 = trm__take(&l, N);
        a->hs[lyr + 1] = trm__take(&l, N * D);
    }
    return l.used;
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
#pragma omp parallel for schedule(static) if (B * rows * cols > 65536)
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

void trm__net_forward(const trm_model *m, const trm_param_view *w, trm_eval_acts *a, const float *h,
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
