/* optim.c: learning-rate schedule (TRM §5.3), AdamATan2 and AdamW (§5.4), sign-SGD for the
 * puzzle table (§5.5) and the EMA of parameters (§5.6). */
#include <math.h>

#include "optim.h"

double trm_lr_at(const trm_train_config *c, double base, long step) {
    if (step < c->lr_warmup_steps) return base * (double)step / (double)c->lr_warmup_steps;
    const double r = c->lr_min_ratio;
    const long start = c->lr_decay_start > c->lr_warmup_steps ? c->lr_decay_start : c->lr_warmup_steps;
    if (step <= start) return base;
    const long span = c->total_steps - start;
    double progress = (double)(step - start) / (double)(span > 1 ? span : 1);
    if (progress > 1) progress = 1;
    const double cosine = (1.0 - r) * 0.5 * (1.0 + cos(3.141592653589793 * progress));
    return base * (r + (cosine > 0 ? cosine : 0));
}

void trm__adam_step(const trm_adam_args *a, float *p, const float *g, float *m, float *v, size_t n) {
    const double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    const float decay = (float)(1.0 - a->lr * a->wd), lr = (float)a->lr;
    const float b1 = (float)(1.0 - a->beta1), b2 = (float)(1.0 - a->beta2);
    const float inv_bc1 = (float)(1.0 / bc1), inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    const int atan2_update = a->kind == TRM_OPT_ADAM_ATAN2;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        float pi = p[i] * decay; /* decoupled weight decay first, on every element */
        m[i] += b1 * (gi - m[i]);
        v[i] += b2 * (gi * gi - v[i]);
        const float mh = m[i] * inv_bc1, vh = sqrtf(v[i]) * inv_sqrt_bc2;
        pi -= atan2_update ? lr * atan2f(mh, vh) : lr * mh / (vh + 1e-8f);
        p[i] = pi;
    }
}

void trm__sign_sgd(float *table, const float *grad, const unsigned char *present, int rows, int cols, double lr,
                   double wd) {
    const float decay = (float)(1.0 - lr * wd), step = (float)lr;
    for (int r = 0; r < rows; r++) {
        if (!present[r]) continue; /* rows absent from the batch are untouched, not even decayed */
        float *t = table + (size_t)r * cols;
        const float *g = grad + (size_t)r * cols;
        for (int j = 0; j < cols; j++) t[j] = t[j] * decay - step * (float)((g[j] > 0) - (g[j] < 0));
    }
}

void trm__ema_update(float *shadow, const float *p, size_t n, double rate) {
    const float keep = (float)rate, take = (float)(1.0 - rate);
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) shadow[i] = shadow[i] * keep + p[i] * take;
}
