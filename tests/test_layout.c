/* test_layout.c: the arenas of activations and backward scratch put every buffer on a 64-byte
 * boundary, inside the size they report, without overlaps. Odd sizes (an [N] rstd buffer with N
 * = batch * 916) once misaligned everything after them, and unaligned vector loads made the
 * WebAssembly pass up to 1.5x slower; this pins the layout for shapes that provoke it, in float32
 * and with the bf16 path's buffers (half a float per value). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "net.h"
#include "trm.h"

typedef struct { const float *p; size_t n; const char *name; } span;

/* All spans aligned, inside [base, base + total), and pairwise disjoint. */
static void check_spans(const char *what, const float *base, size_t total, span *s, int n) {
    for (int i = 0; i < n; i++) {
        CHECK(((uintptr_t)s[i].p & 63) == 0, "%s: %s is not 64-byte aligned (offset %td floats)", what, s[i].name,
              s[i].p - base);
        CHECK(s[i].p >= base && s[i].p + s[i].n <= base + total, "%s: %s lies outside the %zu reported floats", what,
              s[i].name, total);
        for (int j = 0; j < i; j++)
            CHECK(s[i].p + s[i].n <= s[j].p || s[j].p + s[j].n <= s[i].p, "%s: %s overlaps %s", what, s[i].name,
                  s[j].name);
    }
}

/* A bf16 buffer of n values as a span of floats. */
static span bf16_span(const trm_bf16 *p, size_t n, const char *name) { return (span){(const float *)(const void *)p, n / 2, name}; }

static void check_model(int mlp_t, int bf16, int B) {
    trm_config c;
    trm_config_default(&c);
    c.hidden_size = 64, c.num_heads = 2, c.puzzle_emb_ndim = 64; /* prefix 16: S = 916 */
    c.mlp_t = mlp_t;
    if (mlp_t) c.pos_encodings = TRM_POS_LEARNED;
    trm_error err;
    trm_model *m = trm_model_create(&c, &err);
    CHECK(m != NULL, "model: %s", err.msg);
    if (!m) return;
    const trm_dims *d = trm_model_dims(m);
    const size_t N = (size_t)B * d->S, D = d->D, I = d->I, BD = (size_t)B * D, Is = (size_t)d->I_seq;
    char what[64];
    snprintf(what, sizeof what, "%s%s, batch %d (S %d)", mlp_t ? "mlp_t" : "attention", bf16 ? " bf16" : "", B, d->S);

    const size_t na = trm__eval_acts_floats(d, mlp_t, bf16, B);
    float *mem = aligned_alloc(64, (na * sizeof(float) + 63) & ~(size_t)63);
    trm_eval_acts a;
    trm__eval_acts_carve(&a, d, mlp_t, bf16, B, mem);
    span s[12 * TRM_MAX_LAYERS + 1];
    int n = 0;
    s[n++] = (span){a.hs[0], N * D, "hs[0]"};
    /* f32: kept in float32 by both paths; one: float32 in the float32 path, bf16 in the bf16 one,
     * where the float32 field is left NULL (a view of the scratch, set by net.c per block) */
#define F32(p, count, name) (s[n++] = (span){p, count, name})
#define ONE(p, pb, count, name)                                                                     \
    do {                                                                                            \
        s[n++] = bf16 ? bf16_span(pb, count, name "_b") : (span){p, count, name};                   \
        CHECK(bf16 ? !p : !pb, "%s: %s must be carved in one form only", what, name);               \
    } while (0)
    /* the SwiGLU outputs: the bf16 path keeps neither form (it recomputes them) */
#define F32_ONLY(p, pb, count, name)                                                                \
    do {                                                                                            \
        if (!bf16) s[n++] = (span){p, count, name};                                                 \
        CHECK(!pb && (bf16 ? !p : 1), "%s: %s is carved in bf16 form or, in bf16, at all", what, name); \
    } while (0)
    for (int l = 0; l < d->L; l++) {
        const trm_block_acts *b = &a.blk[l];
        if (mlp_t) {
            ONE(b->t_in, b->t_in_b, BD * d->S, "t_in");
            ONE(b->gu_t, b->gu_t_b, BD * 2 * Is, "gu_t");
            F32_ONLY(b->act_t, b->act_t_b, BD * Is, "act_t");
            F32(b->r_t, BD * d->S, "r_t");
            F32(b->rstd1, BD, "rstd1");
        } else {
            ONE(b->qkv, b->qkv_b, N * 3 * D, "qkv");
            ONE(b->attn, b->attn_b, N * D, "attn");
            F32(b->rstd1, N, "rstd1");
        }
        F32(b->r1, N * D, "r1");
        ONE(b->gu, b->gu_b, N * 2 * I, "gu");
        F32_ONLY(b->act, b->act_b, N * I, "act");
        F32(b->rstd2, N, "rstd2");
        F32(a.hs[l + 1], N * D, "hs[l+1]");
    }
#undef F32_ONLY
#undef ONE
#undef F32
    check_spans(what, mem, na, s, n);
    free(mem);

    const size_t ns = trm__net_scratch_floats(d, mlp_t, bf16, B);
    mem = aligned_alloc(64, (ns * sizeof(float) + 63) & ~(size_t)63);
    trm_net_scratch sc;
    trm__net_scratch_carve(&sc, d, mlp_t, bf16, B, mem);
    /* The extents the backward writes (core/net.c): d_big holds the attention mixer's [N, 3D] dqkv
     * and the MLP's [N, 2I] dgate_up (and, for mlp_t, the sequence MLP's [B*D, 2*I_seq]); d_act
     * holds [N, I] (and [B*D, I_seq]); d_norm holds a sub-layer's [N, D] normalised gradient. */
    size_t big = N * (3 * D > 2 * I ? 3 * D : 2 * I), act = N * I;
    if (mlp_t && BD * 2 * Is > big) big = BD * 2 * Is;
    if (mlp_t && BD * Is > act) act = BD * Is;
    span t[9] = {{sc.d_tmp, N * D, "d_tmp"}, {sc.d_norm, N * D, "d_norm"}, {sc.d_big, big, "d_big"},
                 {sc.d_act, act, "d_act"}};
    int nt = 4;
    if (mlp_t) t[nt++] = (span){sc.d_t, BD * d->S, "d_t"};
    if (bf16) {
        t[nt++] = (span){sc.wide, big, "wide"}; /* qkv and gate/up widened, in the forward too */
        t[nt++] = bf16_span(sc.act_b, act, "act_b");
        t[nt++] = bf16_span(sc.d_norm_b, N * D, "d_norm_b");
        t[nt++] = bf16_span(sc.d_big_b, big, "d_big_b");
    }
    check_spans(what, mem, ns, t, nt);
    free(mem);

    /* the bf16 copies of the linear weights: each at its float32 weight's place in a mirror of
     * the parameter array, inside the reported size */
    if (bf16) {
        const size_t nw = trm__net_bf16_floats(m);
        mem = aligned_alloc(64, (nw * sizeof(float) + 63) & ~(size_t)63);
        trm_net_bf16 wb;
        trm__net_bf16_carve(&wb, m, mem);
        trm_param_view v;
        float *params = trm_model_params(m);
        trm__param_view(m, params, &v);
        CHECK(wb.params == (trm_bf16 *)(void *)mem && 2 * nw >= d->n_params, "%s: bf16 weights outside the arena", what);
        for (int l = 0; l < d->L; l++) {
            const trm_bf16 *got[4] = {wb.layer[l].mix_in, wb.layer[l].mix_out, wb.layer[l].gate_up, wb.layer[l].down};
            const float *want[4] = {v.layer[l].mix_in, v.layer[l].mix_out, v.layer[l].gate_up, v.layer[l].down};
            for (int k = 0; k < 4; k++)
                CHECK(got[k] - wb.params == want[k] - params, "%s: layer %d weight %d is not at its float32 offset", what, l, k);
        }
        free(mem);
    }
    trm_model_free(m);
}

int main(void) {
    /* The default config is 30x30 with a 16-position prefix: S = 916, so N = B * 916 is
     * a multiple of 16 floats only for B = 4k. */
    for (int B = 1; B <= 4; B++) {
        for (int bf16 = 0; bf16 <= 1; bf16++) {
            check_model(0, bf16, B);
            check_model(1, bf16, B);
        }
    }
    printf("arena layouts checked for S = 916, batch 1-4, attention and mlp_t, float32 and bf16\n");
    return check_done();
}
