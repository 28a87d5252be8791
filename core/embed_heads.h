/* embed_heads.h: input embedding and output heads (internal). */
#ifndef TRM_EMBED_HEADS_H
#define TRM_EMBED_HEADS_H

#include "internal.h"

void trm__embed_forward(const trm_model *m, const trm_param_view *w, const uint8_t *tokens, const int32_t *pids,
                        int B, float *x);
void trm__embed_backward(const trm_model *m, const trm_param_view *g, const uint8_t *tokens, const int32_t *pids,
                         int B, const float *dx, float *puzzle_grad);
void trm__heads_forward(const trm_model *m, const trm_param_view *w, const float *y, int B, float *logits, float *q);
void trm__heads_backward(const trm_model *m, const trm_param_view *w, const trm_param_view *g, const float *y,
                         int B, const float *dlogits, const float *dq, float *dy);

#endif
