/* loss.h: losses and metrics (internal). */
#ifndef TRM_LOSS_H
#define TRM_LOSS_H

#include "internal.h"

typedef struct trm_loss_args {
    trm_loss_kind kind;
    int B, grid, V;
    int div_B;              /* the divisor of losses and gradients (0 = B); data-parallel training
                               divides by the global batch, so the processes' sums add up to it */
    const float *logits;    /* [B, grid, V] */
    const float *q;         /* [B, 2] */
    const uint8_t *labels;  /* [B, grid], 0 = ignored */
    const uint8_t *inputs;  /* [B, grid] or NULL: for the changed-cell accuracy */
    const uint8_t *halted;  /* [B] or NULL (= all): which slots count in the TRM §4.3 metrics */
    const int32_t *steps;   /* [B] or NULL: supervision step of each slot */
} trm_loss_args;

/* Fills st (sums of metrics, losses / div); writes dlogits [B, grid, V] and dq [B, 2] if non-NULL:
 * the gradients of (lm_loss + 0.5 * q_halt_loss) / div, where div = div_B or, when 0, B. */
void trm__loss(const trm_loss_args *a, float *dlogits, float *dq, trm_step_stats *st);
int trm__argmax(const float *v, int n);

#endif
