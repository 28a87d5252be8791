/* net.h: the one network `net` (L post-norm blocks, TRM §2.5-2.9) with stored activations for
 * the backward pass, and the backward itself. Internal to the core. */
#ifndef TRM_NET_H
#define TRM_NET_H

#include "internal.h"

/* Saved activations of one block in one evaluation. Attention variant uses qkv/attn, the mlp_t
 * variant t_in/gu_t/act_t/r_t (all [B*D, ...]: the sequence axis last).
 * The bf16 path keeps, instead of the float32 tensors that only feed linear layers or are their
 * results, their bf16 forms (the *_b fields; NULL in float32): the operands its weight gradients
 * read, and the projections (qkv before RoPE, gate/up) that its backward widens again for
 * attention and SwiGLU (the forward reads them in float32); the SwiGLU outputs (act, act_t) it
 * recomputes from gate/up in the backward. Its float32 fields qkv,
 * attn, t_in, gu_t, act_t, gu, act and act_b, act_t_b are then views of the net scratch, valid
 * while one block is computed (net.c), so an evaluation stores about 45% as much. */
typedef struct trm_block_acts {
    float *qkv;   /* [N, 3D] after RoPE */
    float *attn;  /* [N, D] heads concatenated */
    float *t_in;  /* [B*D, S] transposed block input */
    float *gu_t;  /* [B*D, 2*I_seq] */
    float *act_t; /* [B*D, I_seq] */
    float *r_t;   /* [B*D, S] normalised (transposed) */
    float *rstd1; /* [N] (attention) or [B*D] (mlp_t) */
    float *r1;    /* [N, D] output of the first sub-layer */
    float *gu;    /* [N, 2I] */
    float *act;   /* [N, I] */
    float *rstd2; /* [N] */
    trm_bf16 *qkv_b;   /* [N, 3D] the qkv projection, rounded, before RoPE */
    trm_bf16 *attn_b;  /* [N, D] */
    trm_bf16 *t_in_b;  /* [B*D, S] (mlp_t) */
    trm_bf16 *gu_t_b;  /* [B*D, 2*I_seq] (mlp_t) rounded */
    trm_bf16 *act_t_b; /* [B*D, I_seq] (mlp_t; a scratch view) */
    trm_bf16 *gu_b;    /* [N, 2I] rounded */
    trm_bf16 *act_b;   /* [N, I] (a scratch view) */
} trm_block_acts;

/* One evaluation of net: hs[0] = h + inj, hs[l + 1] = output of block l. */
typedef struct trm_eval_acts {
    float *hs[TRM_MAX_LAYERS + 1];
    trm_block_acts blk[TRM_MAX_LAYERS];
} trm_eval_acts;

/* Backward scratch, sized for B sequences. The bf16 path also computes its forward in it (the
 * float32 views of trm_block_acts), so its solvers carve one too. */
typedef struct trm_net_scratch {
    float *d_tmp;  /* [N, D] */
    float *d_norm; /* [N, D] = [B*D, S]: a sub-layer's normalised gradient, kept for its weights' */
    float *d_big;  /* [N, max(3D, 2I)] or, for mlp_t, also [B*D, 2*I_seq] */
    float *d_act;  /* [N, I] or [B*D, I_seq]; bf16 forward: attn and act, act_t */
    float *d_t;    /* [B*D, S] (mlp_t); bf16 forward: t_in */
    float *wide;   /* bf16 path, the size of d_big: qkv and gate/up (the forward's float32 ones, and
                    * in the backward the same widened from their bf16 forms) */
    trm_bf16 *d_norm_b; /* bf16 path: d_norm as an operand; also a linear layer's bf16 input */
    trm_bf16 *d_big_b;  /* bf16 path: d_big as an operand */
    trm_bf16 *act_b;    /* bf16 path: [N, I] or [B*D, I_seq], the SwiGLU output recomputed in the
                         * backward for the down projection's weight gradient */
} trm_net_scratch;

/* The bf16 path's copies of the network's linear weights (the shapes of trm_layer_view), views
 * into a bf16 mirror of the whole parameter array. */
typedef struct trm_layer_bf16 {
    trm_bf16 *mix_in, *mix_out, *gate_up, *down;
} trm_layer_bf16;
typedef struct trm_net_bf16 {
    trm_bf16 *params; /* [n_params], laid out as trm_model_params() */
    trm_layer_bf16 layer[TRM_MAX_LAYERS];
} trm_net_bf16;

/* Carve the buffers from mem (64-byte aligned; NULL: carve nothing) and return the floats used,
 * which is what *_floats reports. Every buffer is 64-byte aligned (trm__take). bf16: also the
 * bf16 path's buffers. */
uint64_t trm__eval_acts_floats(const trm_dims *d, int mlp_t, int bf16, int B);
uint64_t trm__eval_acts_carve(trm_eval_acts *a, const trm_dims *d, int mlp_t, int bf16, int B, float *mem);
uint64_t trm__net_scratch_floats(const trm_dims *d, int mlp_t, int bf16, int B);
uint64_t trm__net_scratch_carve(trm_net_scratch *s, const trm_dims *d, int mlp_t, int bf16, int B, float *mem);
uint64_t trm__net_bf16_floats(const trm_model *m);
void trm__net_bf16_carve(trm_net_bf16 *wb, const trm_model *m, float *mem);
/* Round the float32 parameters (laid out as trm_model_params) into wb, after every change. */
void trm__net_bf16_update(const trm_model *m, const float *params, const trm_net_bf16 *wb);
/* attn_scratch: trm_attention_scratch_floats(S, head_dim) floats per thread. */
uint64_t trm__attn_scratch_floats(const trm_dims *d, int mlp_t);

/* The weights one evaluation reads: float32, and the bf16 copies (NULL: the float32 path). The
 * bf16 path is taken exactly when wb is given; buffers must have been carved with bf16 then. */
typedef struct trm_net_weights {
    const trm_param_view *w;
    const trm_net_bf16 *wb;
} trm_net_weights;

/* out = net(h + inj): the result is a->hs[L]. h and inj are [B*S, D]. s: the net scratch (only
 * the bf16 path uses it in the forward; may be NULL in float32). keep: trm__net_backward will
 * run on a (the bf16 path then keeps the rounded projections; without, it skips those copies,
 * and a backward over a is undefined). */
void trm__net_forward(const trm_model *m, const trm_net_weights *w, trm_eval_acts *a, const float *h,
                      const float *inj, int B, const trm_net_scratch *s, float *attn_scratch, int keep);
/* d [B*S, D]: on entry dL/d(output), on return dL/d(h + inj). Weight gradients accumulate in g. */
void trm__net_backward(const trm_model *m, const trm_net_weights *w, const trm_param_view *g,
                       const trm_eval_acts *a, float *d, int B, const trm_net_scratch *s, float *attn_scratch);

#endif
