/* optim.h: optimizer updates (internal). */
#ifndef TRM_OPTIM_H
#define TRM_OPTIM_H

#include "internal.h"

typedef struct trm_adam_args {
    trm_optimizer kind;
    double lr, wd, beta1, beta2;
    long t; /* 1-based step */
} trm_adam_args;

void trm__adam_step(const trm_adam_args *a, float *p, const float *g, float *m, float *v, size_t n);
void trm__sign_sgd(float *table, const float *grad, const unsigned char *present, int rows, int cols, double lr,
                   double wd);
void trm__ema_update(float *shadow, const float *p, size_t n, double rate);

#endif
