/* test_layout.c: the arenas of activations and backward scratch put every buffer on a 64-byte
 * boundary, inside the size they report, without overlaps. Odd sizes (an [N] rstd buffer with N
 * = batch * 916) once misaligned everything after them, and unaligned vector loads made the
 * WebAssembly pass up to 1.5x slower; this pins the layout for shapes that provoke it. */
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

static void check_model(int mlp_t, int B) {
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
    snprintf(what, sizeof what, "%s, batch %d (S %d)", mlp_t ? "mlp_t" : "attention", B, d->S);

    const size_t na = trm__eval_acts_floats(d, mlp_t, B);
    float *mem = aligned_alloc(64, (na * sizeof(float) + 63) & ~(size_t)63);
    trm_eval_acts a;
    trm__eval_acts_carve(&a, d, mlp_t, B, mem);
    span s[8 * TRM_MAX_LAYERS + 1];
    int n = 0;
    s[n++] = (span){a.hs[0], N * D, "hs[0]"};
    for (int l = 0; l < d->L; l++) {
        const trm_block_acts *b = &a.blk[l];
        if (mlp_t) {
            s[n++] = (span){b->t_in, BD * d->S, "t_in"};
            s[n++] = (span){b->gu_t, BD * 2 * Is, "gu_t"};
            s[n++] = (span){b->act_t, BD * Is, "act_t"};
            s[n++] = (span){b->r_t, BD * d->S, "r_t"};
            s[n++] = (span){b->rstd1, BD, "rstd1"};
        } else {
            s[n++] = (span){b->qkv, N * 3 * D, "qkv"};
            s[n++] = (span){b->attn, N * D, "attn"};
            s[n++] = (span){b->rstd1, N, "rstd1"};
        }
        s[n++] = (span){b->r1, N * D, "r1"};
        s[n++] = (span){b->gu, N * 2 * I, "gu"};
        s[n++] = (span){b->act, N * I, "act"};
        s[n++] = (span){b->rstd2, N, "rstd2"};
        s[n++] = (span){a.hs[l + 1], N * D, "hs[l+1]"};
    }
    check_spans(what, mem, na, s, n);
    free(mem);

    const size_t ns = trm__net_scratch_floats(d, mlp_t, B);
    mem = aligned_alloc(64, (ns * sizeof(float) + 63) & ~(size_t)63);
    trm_net_scratch sc;
    trm__net_scratch_carve(&sc, d, mlp_t, B, mem);
    /* The extents the backward writes (core/net.c): d_big holds the attention mixer's [N, 3D] dqkv
     * and the MLP's [N, 2I] dgate_up (and, for mlp_t, the sequence MLP's [B*D, 2*I_seq]); d_act
     * holds [N, I] (and [B*D, I_seq]); d_norm holds a sub-layer's [N, D] normalised gradient. */
    size_t big = N * (3 * D > 2 * I ? 3 * D : 2 * I), act = N * I;
    if (mlp_t && BD * 2 * Is > big) big = BD * 2 * Is;
    if (mlp_t && BD * Is > act) act = BD * Is;
    span t[5] = {{sc.d_tmp, N * D, "d_tmp"}, {sc.d_norm, N * D, "d_norm"}, {sc.d_big, big, "d_big"},
                 {sc.d_act, act, "d_act"}, {sc.d_t, mlp_t ? BD * d->S : 0, "d_t"}};
    check_spans(what, mem, ns, t, mlp_t ? 5 : 4);
    free(mem);
    trm_model_free(m);
}

int main(void) {
    /* The default config is 30x30 with a 16-position prefix: S = 916, so N = B * 916 is
     * a multiple of 16 floats only for B = 4k. */
    for (int B = 1; B <= 4; B++) {
        check_model(0, B);
        check_model(1, B);
    }
    printf("arena layouts checked for S = 916, batch 1-4, attention and mlp_t\n");
    return check_done();
}
