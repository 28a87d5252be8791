/* tiny_model.h: the small model that several tests train: 5x5 grid, hidden 32, 4 heads, 2 layers,
 * T 2, n 2, N_sup 3, halting exploration 0.5 (so the halting RNG matters), 2 prefix positions,
 * initialised from seed 3; and its training settings (lr 1e-3, warmup 2, seed 9). */
#ifndef TRM_TEST_TINY_MODEL_H
#define TRM_TEST_TINY_MODEL_H

#include "trm.h"

/* kernels: a set name (NULL = auto); returns NULL if the model cannot be made. */
static inline trm_model *tiny_model(const char *kernels, int mlp_t, trm_precision precision) {
    trm_config c;
    trm_config_default(&c);
    c.hidden_size = 32, c.num_heads = 4, c.L_layers = 2, c.H_cycles = 2, c.L_cycles = 2, c.halt_max_steps = 3;
    c.halt_exploration_prob = 0.5f, c.puzzle_emb_len = 2, c.puzzle_emb_ndim = 32, c.grid_height = 5, c.grid_width = 5;
    c.mlp_t = mlp_t;
    trm_error e;
    trm_model *m = trm_model_create(&c, &e);
    if (!m) return NULL;
    trm_model_set_kernels(m, trm_kernels_get(kernels));
    if (trm_model_set_precision(m, precision, &e) != TRM_OK) {
        trm_model_free(m);
        return NULL;
    }
    trm_model_init(m, 3);
    return m;
}

static inline void tiny_train_config(trm_train_config *tc, int batch) {
    trm_train_config_default(tc);
    tc->batch_size = batch, tc->lr = 1e-3, tc->lr_warmup_steps = 2, tc->seed = 9;
}

#endif
