/* model.c: the parameter table with the official tensor names (TRM §8.2), initialisation
 * (TRM §5.7), loading tensors from raw bytes with strict checks, and the RoPE tables (§2.3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void add_tensor(trm_model *m, const char *name, int rows, int cols, int trainable, trm_init_kind init,
                       size_t *p_off, size_t *b_off) {
    trm_tensor_info *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->size = (size_t)rows * (cols ? cols : 1);
    t->trainable = trainable;
    t->init = init;
    size_t *off = trainable ? p_off : b_off;
    t->offset = *off;
    *off += t->size;
}

/* Trainable tensors first in a fixed order (the flat parameter array), buffers after. */
static void build_table(trm_model *m) {
    const trm_dims *d = &m->dims;
    const trm_config *c = &m->cfg;
    size_t p = 0, b = 0;
    char name[TRM_MAX_NAME];
    add_tensor(m, "embed_tokens.embedding_weight", d->V, d->D, 1, TRM_INIT_EMBED, &p, &b);
    if (c->pos_encodings == TRM_POS_LEARNED)
        add_tensor(m, "embed_pos.embedding_weight", d->S, d->D, 1, TRM_INIT_EMBED, &p, &b);
    add_tensor(m, "lm_head.weight", d->V, d->D, 1, TRM_INIT_LECUN, &p, &b);
    add_tensor(m, "q_head.weight", 2, d->D, 1, TRM_INIT_ZERO, &p, &b);
    add_tensor(m, "q_head.bias", 2, 0, 1, TRM_INIT_Q_BIAS, &p, &b);
    for (int l = 0; l < d->L; l++) {
        if (c->mlp_t) {
            snprintf(name, sizeof name, "L_level.layers.%d.mlp_t.gate_up_proj.weight", l);
            add_tensor(m, name, 2 * d->I_seq, d->S, 1, TRM_INIT_LECUN, &p, &b);
            snprintf(name, sizeof name, "L_level.layers.%d.mlp_t.down_proj.weight", l);
            add_tensor(m, name, d->S, d->I_seq, 1, TRM_INIT_LECUN, &p, &b);
        } else {
            snprintf(name, sizeof name, "L_level.layers.%d.self_attn.qkv_proj.weight", l);
            add_tensor(m, name, 3 * d->D, d->D, 1, TRM_INIT_LECUN, &p, &b);
            snprintf(name, sizeof name, "L_level.layers.%d.self_attn.o_proj.weight", l);
            add_tensor(m, name, d->D, d->D, 1, TRM_INIT_LECUN, &p, &b);
        }
        snprintf(name, sizeof name, "L_level.layers.%d.mlp.gate_up_proj.weight", l);
        add_tensor(m, name, 2 * d->I, d->D, 1, TRM_INIT_LECUN, &p, &b);
        snprintf(name, sizeof name, "L_level.layers.%d.mlp.down_proj.weight", l);
        add_tensor(m, name, d->D, d->I, 1, TRM_INIT_LECUN, &p, &b);
    }
    add_tensor(m, "H_init", d->D, 0, 0, TRM_INIT_UNIT, &p, &b);
    add_tensor(m, "L_init", d->D, 0, 0, TRM_INIT_UNIT, &p, &b);
    if (c->puzzle_emb_ndim > 0)
        add_tensor(m, "puzzle_emb.weights", c->num_puzzle_identifiers, c->puzzle_emb_ndim, 0, TRM_INIT_ZERO, &p, &b);
}

void trm__param_view(const trm_model *m, float *base, trm_param_view *v) {
    memset(v, 0, sizeof *v);
    const trm_tensor_info *t = m->tensors;
    int i = 0;
    v->embed = base + t[i++].offset;
    if (m->cfg.pos_encodings == TRM_POS_LEARNED) v->pos = base + t[i++].offset;
    v->lm = base + t[i++].offset;
    v->q_w = base + t[i++].offset;
    v->q_b = base + t[i++].offset;
    for (int l = 0; l < m->dims.L; l++) {
        v->layer[l].mix_in = base + t[i++].offset;
        v->layer[l].mix_out = base + t[i++].offset;
        v->layer[l].gate_up = base + t[i++].offset;
        v->layer[l].down = base + t[i++].offset;
    }
}

/* TRM §2.3: inv_freq = 1 / theta^(2i/hd) and angles in float32; cos/sin rows have both halves equal. */
static void build_rope(trm_model *m) {
    const int S = m->dims.S, hd = m->dims.head_dim, half = hd / 2;
    for (int t = 0; t < S; t++)
        for (int i = 0; i < half; i++) {
            float inv_freq = 1.0f / powf(m->cfg.rope_theta, (float)(2 * i) / (float)hd);
            float ang = (float)t * inv_freq;
            float c = (float)cos((double)ang), s = (float)sin((double)ang);
            m->rope_cos[(size_t)t * hd + i] = m->rope_cos[(size_t)t * hd + i + half] = c;
            m->rope_sin[(size_t)t * hd + i] = m->rope_sin[(size_t)t * hd + i + half] = s;
        }
}

trm_model *trm_model_create(const trm_config *cfg, trm_error *err) {
    trm_dims d;
    if (trm_config_validate(cfg, &d, err) != TRM_OK) return NULL;
    trm_model *m = calloc(1, sizeof *m);
    if (!m) { trm__fail(err, TRM_E_NOMEM, "out of memory for the model"); return NULL; }
    m->cfg = *cfg;
    m->cfg.seq_len = d.grid;
    m->dims = d;
    build_table(m);
    int rope = cfg->pos_encodings == TRM_POS_ROPE && !cfg->mlp_t;
    m->params = calloc(d.n_params, sizeof(float));
    m->buffers = calloc(d.n_buffers ? d.n_buffers : 1, sizeof(float));
    if (rope) {
        m->rope_cos = malloc(sizeof(float) * (size_t)d.S * d.head_dim);
        m->rope_sin = malloc(sizeof(float) * (size_t)d.S * d.head_dim);
    }
    if (!m->params || !m->buffers || (rope && (!m->rope_cos || !m->rope_sin))) {
        trm_model_free(m);
        trm__fail(err, TRM_E_NOMEM, "out of memory for %zu parameters", d.n_params);
        return NULL;
    }
    if (rope) build_rope(m);
    m->k = trm_kernels_get(NULL);
    return m;
}

void trm_model_free(trm_model *m) {
    if (!m) return;
    free(m->params);
    free(m->buffers);
    free(m->rope_cos);
    free(m->rope_sin);
    free(m);
}

void trm_model_init(trm_model *m, uint64_t seed) {
    trm_rng rng;
    trm_rng_seed(&rng, seed);
    for (int i = 0; i < m->n_tensors; i++) {
        const trm_tensor_info *t = &m->tensors[i];
        float *x = trm_model_tensor_data(m, i);
        double std = 0;
        switch (t->init) {
        case TRM_INIT_LECUN: std = 1.0 / sqrt((double)t->shape[1]); break;
        case TRM_INIT_EMBED: std = 1.0 / sqrt((double)m->dims.D); break;
        case TRM_INIT_UNIT: std = 1.0; break;
        case TRM_INIT_ZERO: memset(x, 0, sizeof(float) * t->size); break;
        case TRM_INIT_Q_BIAS: for (size_t j = 0; j < t->size; j++) x[j] = -5.0f; break;
        }
        if (std > 0)
            for (size_t j = 0; j < t->size; j++) x[j] = (float)trm_rng_trunc_normal(&rng, std);
        m->loaded[i] = 1;
    }
}

const trm_config *trm_model_config(const trm_model *m) { return &m->cfg; }
const trm_dims *trm_model_dims(const trm_model *m) { return &m->dims; }
int trm_model_tensor_count(const trm_model *m) { return m->n_tensors; }
const trm_tensor_info *trm_model_tensor(const trm_model *m, int i) {
    return i >= 0 && i < m->n_tensors ? &m->tensors[i] : NULL;
}
int trm_model_find_tensor(const trm_model *m, const char *name) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return i;
    return -1;
}
float *trm_model_tensor_data(trm_model *m, int i) {
    const trm_tensor_info *t = &m->tensors[i];
    return (t->trainable ? m->params : m->buffers) + t->offset;
}
float *trm_model_params(trm_model *m) { return m->params; }
float *trm_model_buffers(trm_model *m) { return m->buffers; }
void trm_model_set_kernels(trm_model *m, const trm_kernels *k) { if (k) m->k = k; }
const trm_kernels *trm_model_kernels(const trm_model *m) { return m->k; }

trm_status trm_model_set_precision(trm_model *m, trm_precision p, trm_error *err) {
    if (p != TRM_PRECISION_F32 && p != TRM_PRECISION_BF16)
        return trm__fail(err, TRM_E_INVALID, "unknown precision %d", (int)p);
    /* bf16 rows of odd length would leave a sequence's bf16 block half a float wide */
    if (p == TRM_PRECISION_BF16 && m->dims.D % 2)
        return trm__fail(err, TRM_E_INVALID, "precision bf16 needs an even hidden_size (%d)", m->dims.D);
    m->precision = p;
    return TRM_OK;
}

trm_precision trm_model_precision(const trm_model *m) { return m->precision; }
trm_precision trm_precision_auto(const trm_kernels *k) {
    return k && k->bf16_native ? TRM_PRECISION_BF16 : TRM_PRECISION_F32;
}
const char *trm_precision_name(trm_precision p) { return p == TRM_PRECISION_BF16 ? "bf16" : "f32"; }
int trm_precision_parse(const char *name, const trm_kernels *k) {
    if (!name) return -1;
    if (!strcmp(name, "f32")) return TRM_PRECISION_F32;
    if (!strcmp(name, "bf16")) return TRM_PRECISION_BF16;
    if (!strcmp(name, "auto")) return (int)trm_precision_auto(k);
    return -1;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) { /* zero or subnormal: value = man * 2^-24 */
        float f = (float)man * 0x1.0p-24f;
        return sign ? -f : f;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static void shape_string(char *buf, size_t cap, const int64_t *shape, int ndim) {
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++) n += (size_t)snprintf(buf + n, cap - n, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

trm_status trm_model_load_tensor(trm_model *m, const char *name, const char *dtype, const int64_t *shape, int ndim,
                                 const void *data, size_t nbytes, trm_error *err) {
    int i = trm_model_find_tensor(m, name);
    if (i < 0) return trm__fail(err, TRM_E_FORMAT, "tensor '%s' is not part of this model's configuration", name);
    const trm_tensor_info *t = &m->tensors[i];
    if (m->loaded[i]) return trm__fail(err, TRM_E_FORMAT, "tensor '%s' appears twice", name);
    int ok = ndim == t->ndim && shape[0] == t->shape[0] && (t->ndim == 1 || shape[1] == t->shape[1]);
    if (!ok) {
        char got[96], want[96];
        int64_t w[2] = {t->shape[0], t->shape[1]};
        shape_string(got, sizeof got, shape, ndim);
        shape_string(want, sizeof want, w, t->ndim);
        return trm__fail(err, TRM_E_SHAPE, "tensor '%s': shape %s, expected %s", name, got, want);
    }
    size_t width = !strcmp(dtype, "F32") ? 4 : (!strcmp(dtype, "F16") || !strcmp(dtype, "BF16")) ? 2 : 0;
    if (!width) return trm__fail(err, TRM_E_FORMAT, "tensor '%s': dtype %s is not F32, F16 or BF16", name, dtype);
    if (nbytes != width * t->size)
        return trm__fail(err, TRM_E_FORMAT, "tensor '%s': %zu bytes of data, expected %zu", name, nbytes, width * t->size);
    float *x = trm_model_tensor_data(m, i);
    const unsigned char *p = data;
    for (size_t j = 0; j < t->size; j++) {
        uint32_t bits;
        if (width == 4) {
            bits = (uint32_t)p[4 * j] | (uint32_t)p[4 * j + 1] << 8 | (uint32_t)p[4 * j + 2] << 16 | (uint32_t)p[4 * j + 3] << 24;
            memcpy(&x[j], &bits, 4);
        } else {
            uint16_t h = (uint16_t)(p[2 * j] | p[2 * j + 1] << 8);
            if (dtype[0] == 'B') { bits = (uint32_t)h << 16; memcpy(&x[j], &bits, 4); }
            else x[j] = half_to_float(h);
        }
        if (!isfinite(x[j])) {
            memset(x, 0, sizeof(float) * t->size);
            return trm__fail(err, TRM_E_NONFINITE, "tensor '%s': element %zu is not finite", name, j);
        }
    }
    m->loaded[i] = 1;
    return TRM_OK;
}

trm_status trm_model_check_loaded(const trm_model *m, trm_error *err) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!m->loaded[i]) return trm__fail(err, TRM_E_FORMAT, "tensor '%s' is missing", m->tensors[i].name);
    return TRM_OK;
}
