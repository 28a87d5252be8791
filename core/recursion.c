/* recursion.c: the state evolution shared by the trainer's no-grad recursions and the solver. */
#include <string.h>

#include "recursion.h"

void trm__recursion(const trm_model *m, const trm_net_weights *w, trm_eval_acts *a, float *y, float *z,
                    const float *x, float *inj, int B, const trm_net_scratch *s, float *attn_scratch) {
    const size_t n = (size_t)B * m->dims.S * m->dims.D;
    const float *out = a->hs[m->dims.L];
    trm__add(inj, y, x, n); /* injection first, then net adds z */
    for (int i = 0; i < m->cfg.L_cycles; i++) {
        trm__net_forward(m, w, a, z, inj, B, s, attn_scratch, 0);
        trm__add(z, out, NULL, n);
    }
    trm__net_forward(m, w, a, y, z, B, s, attn_scratch, 0);
    trm__add(y, out, NULL, n);
}

void trm__broadcast_init(float *state, const float *init, int b, int S, int D) {
    float *p = state + (size_t)b * S * D;
    for (int s = 0; s < S; s++) memcpy(p + (size_t)s * D, init, sizeof(float) * D);
}
