/* recursion.c: the state evolution shared by the trainer's no-grad recursions and the solver. */
#include <string.h>

#include "recursion.h"

void trm__recursion(const trm_model *m, const trm_param_view *w, trm_eval_acts *a, float *y, float *z,
                    const float *x, float *inj, int B, float *attn_scratch) {
    const size_t n = (size_t)B * m->dims.S * m->dims.D;
    const float *out = a->hs[m->dims.L];
    for (size_t i = 0; i < n; i++) inj[i] = y[i] + x[i]; /* injection first, then net adds z */
    for (int i = 0; i < m->cfg.L_cycles; i++) {
        trm__net_forward(m, w, a, z, inj, B, attn_scratch);
        memcpy(z, out, sizeof(float) * n);
    }
    trm__net_forward(m, w, a, y, z, B, attn_scratch);
    memcpy(y, out, sizeof(float) * n);
}

void trm__broadcast_init(float *state, const float *init, int b, int S, int D) {
    float *p = state + (size_t)b * S * D;
    for (int s = 0; s < S; s++) memcpy(p + (size_t)s * D, init, sizeof(float) * D);
}
