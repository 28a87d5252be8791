/* embed_heads.c: the input embedding with the puzzle-embedding prefix (TRM §2.1-2.2, §2.4), the
 * LM and Q heads (§2.9), and their backward passes (§5.9). */
#include <math.h>
#include <string.h>

#include "embed_heads.h"

/* x [B, S, D] = sqrt(D) * seq, seq = [prefix rows | E_tok[tokens]] (learned: 0.707106781*(seq + E_pos)). */
void trm__embed_forward(const trm_model *m, const trm_param_view *w, const uint8_t *tokens, const int32_t *pids,
                        int B, float *x) {
    const trm_dims *d = &m->dims;
    const int D = d->D, S = d->S, P = d->P, ndim = m->cfg.puzzle_emb_ndim;
    const float scale = (float)sqrt((double)D);
    const float *table = trm__puzzle_table(m);
    for (int b = 0; b < B; b++) {
        float *xb = x + (size_t)b * S * D;
        memset(xb, 0, sizeof(float) * (size_t)P * D);
        if (ndim > 0) memcpy(xb, table + (size_t)(pids ? pids[b] : 0) * ndim, sizeof(float) * (size_t)ndim);
        for (int p = 0; p < d->grid; p++)
            memcpy(xb + (size_t)(P + p) * D, w->embed + (size_t)tokens[(size_t)b * d->grid + p] * D, sizeof(float) * D);
        for (int s = 0; s < S; s++) {
            float *r = xb + (size_t)s * D;
            if (w->pos) {
                const float *pe = w->pos + (size_t)s * D;
                for (int j = 0; j < D; j++) r[j] = scale * (0.707106781f * (r[j] + pe[j]));
            } else {
                for (int j = 0; j < D; j++) r[j] = scale * r[j];
            }
        }
    }
}

/* dx [B, S, D] -> embedding (and position) gradients; the prefix gradient of every sample is
 * summed per puzzle id into puzzle_grad [num_ids, ndim] (TRM §5.5). */
void trm__embed_backward(const trm_model *m, const trm_param_view *g, const uint8_t *tokens, const int32_t *pids,
                         int B, const float *dx, float *puzzle_grad) {
    const trm_dims *d = &m->dims;
    const int D = d->D, S = d->S, P = d->P, ndim = m->cfg.puzzle_emb_ndim;
    const float f = (float)sqrt((double)D) * (g->pos ? 0.707106781f : 1.0f);
    for (int b = 0; b < B; b++) {
        const float *db = dx + (size_t)b * S * D;
        if (ndim > 0) {
            float *pg = puzzle_grad + (size_t)(pids ? pids[b] : 0) * ndim;
            for (int j = 0; j < ndim; j++) pg[j] += f * db[j];
        }
        for (int p = 0; p < d->grid; p++) {
            float *ge = g->embed + (size_t)tokens[(size_t)b * d->grid + p] * D;
            const float *r = db + (size_t)(P + p) * D;
            for (int j = 0; j < D; j++) ge[j] += f * r[j];
        }
        if (g->pos)
            for (int s = 0; s < S; s++)
                for (int j = 0; j < D; j++) g->pos[(size_t)s * D + j] += f * db[(size_t)s * D + j];
    }
}

/* logits [B, grid, V] from the grid rows of y; q [B, 2] from position 0. */
void trm__heads_forward(const trm_model *m, const trm_param_view *w, const float *y, int B, float *logits, float *q) {
    const trm_dims *d = &m->dims;
    const int D = d->D, S = d->S;
    for (int b = 0; b < B; b++) {
        const float *yb = y + (size_t)b * S * D;
        if (logits)
            m->k->gemm_nt(d->grid, d->V, D, yb + (size_t)d->P * D, D, w->lm, D, logits + (size_t)b * d->grid * d->V,
                          d->V, 0);
        if (q)
            for (int j = 0; j < 2; j++) {
                float s = 0.0f;
                for (int i = 0; i < D; i++) s += yb[i] * w->q_w[(size_t)j * D + i];
                q[2 * b + j] = s + w->q_b[j];
            }
    }
}

/* dy [B, S, D] is written (prefix rows other than 0 get zero); head weight gradients accumulate. */
void trm__heads_backward(const trm_model *m, const trm_param_view *w, const trm_param_view *g, const float *y,
                         int B, const float *dlogits, const float *dq, float *dy) {
    const trm_dims *d = &m->dims;
    const int D = d->D, S = d->S, P = d->P, V = d->V;
    memset(dy, 0, sizeof(float) * (size_t)B * S * D);
    for (int b = 0; b < B; b++) {
        const float *yb = y + (size_t)b * S * D, *dl = dlogits + (size_t)b * d->grid * V;
        float *dyb = dy + (size_t)b * S * D;
        m->k->gemm_nn(d->grid, D, V, dl, V, w->lm, D, dyb + (size_t)P * D, D, 0);
        m->k->gemm_tn(V, D, d->grid, dl, V, yb + (size_t)P * D, D, g->lm, D, 1);
        for (int j = 0; j < 2; j++) {
            const float dqj = dq[2 * b + j];
            g->q_b[j] += dqj;
            for (int i = 0; i < D; i++) {
                g->q_w[(size_t)j * D + i] += dqj * yb[i];
                dyb[i] += dqj * w->q_w[(size_t)j * D + i];
            }
        }
    }
}
