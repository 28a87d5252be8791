/* recursion.h: one recursion of TRM §3.1 without gradient (internal). */
#ifndef TRM_RECURSION_H
#define TRM_RECURSION_H

#include "net.h"

/* z = net(z, y + x) n times, then y = net(y, z); y, z, x [B*S, D]; inj is scratch [B*S, D]. */
void trm__recursion(const trm_model *m, const trm_net_weights *w, trm_eval_acts *a, float *y, float *z,
                    const float *x, float *inj, int B, const trm_net_scratch *s, float *attn_scratch);
/* Every position of slot b gets the same vector (TRM §3.2). */
void trm__broadcast_init(float *state, const float *init, int b, int S, int D);

#endif
