/* test_config.c: config defaults, keys, validation messages, derived sizes and the parameter
 * counts of TRM §7, the parameter table names of §8.2, initialisation statistics of §5.7 and
 * the tensor loader's checks. */
#include <string.h>

#include "check.h"
#include "trm.h"

static void test_counts(void) {
    trm_config c;
    trm_config_default(&c);
    trm_dims d;
    CHECK(trm_config_validate(&c, &d, NULL) == TRM_OK, "default config invalid");
    CHECK(trm_param_count(&c) == 6822914, "maze TRM-Att has %zu params, expected 6,822,914", trm_param_count(&c));
    CHECK(d.I == 1536 && d.S == 916 && d.P == 16 && d.head_dim == 64, "derived sizes I=%d S=%d P=%d", d.I, d.S, d.P);
    c.mlp_t = 1;
    CHECK(trm_param_count(&c) == 18795522, "maze TRM-MLP has %zu params, expected 18,795,522", trm_param_count(&c));
    trm_config_default(&c); /* Sudoku: 9x9, V 11 */
    c.grid_height = c.grid_width = 9, c.vocab_size = 11;
    CHECK(trm_param_count(&c) == 6828034, "sudoku TRM-Att has %zu params, expected 6,828,034", trm_param_count(&c));
    c.mlp_t = 1;
    CHECK(trm_param_count(&c) == 5028866, "sudoku TRM-MLP has %zu params, expected 5,028,866", trm_param_count(&c));
    CHECK(trm_swiglu_intermediate(4.0f, 512) == 1536, "I(512)");
    CHECK(trm_swiglu_intermediate(4.0f, 97) == 512, "I(97)");
    CHECK(trm_swiglu_intermediate(4.0f, 916) == 2560, "I(916)");
    CHECK(trm_swiglu_intermediate(0.75f, 4) == 256, "round half to even: 0.75*4*2/3 = 2");
}

static void test_keys(void) {
    trm_config c;
    trm_error e;
    trm_config_default(&c);
    CHECK(trm_config_set_number(&c, "hidden_size", 64, &e) == TRM_OK, "hidden_size");
    CHECK(trm_config_set_number(&c, "hiden_size", 64, &e) == TRM_E_UNKNOWN_KEY && strstr(e.msg, "hiden_size"),
          "unknown key message: %s", e.msg);
    CHECK(trm_config_set_number(&c, "num_heads", 2.5, &e) == TRM_E_INVALID && strstr(e.msg, "num_heads"), "%s", e.msg);
    CHECK(trm_config_set_string(&c, "pos_encodings", "rotary", &e) == TRM_E_INVALID && strstr(e.msg, "rotary"), "%s", e.msg);
    CHECK(trm_config_set_string(&c, "pos_encodings", "learned", &e) == TRM_OK && c.pos_encodings == TRM_POS_LEARNED, "learned");
    CHECK(trm_config_set_number(&c, "mlp_t", 2, &e) == TRM_E_INVALID, "mlp_t must be boolean");
    CHECK(trm_config_set_string(&c, "hidden_size", "64", &e) == TRM_E_INVALID, "a number key given a string");
    trm_config_default(&c);
    c.num_heads = 7;
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "num_heads"), "%s", e.msg);
    /* a task fixes its sizes and vocabulary: sudoku is 9 x 9 with 11 tokens */
    trm_config_default(&c);
    CHECK(trm_config_set_string(&c, "task", "sudoku", &e) == TRM_OK && c.vocab_size == 11, "the task sets its vocabulary");
    c.grid_height = c.grid_width = 6;
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "6 x 6") && strstr(e.msg, "'sudoku'"),
          "a 6 x 6 sudoku model: %s", e.msg);
    c.grid_height = c.grid_width = 9;
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_OK, "9 x 9 sudoku: %s", e.msg);
    trm_config_default(&c);
    trm_config_set_number(&c, "seq_len", 400, &e);
    CHECK(trm_config_validate(&c, NULL, &e) == TRM_E_INVALID && strstr(e.msg, "seq_len"), "%s", e.msg);
    /* JSON form: every key present, floats in shortest form */
    char buf[1024];
    trm_config_default(&c);
    size_t n = trm_config_to_json(&c, buf, sizeof buf);
    CHECK(n < sizeof buf && strstr(buf, "\"halt_exploration_prob\": 0.1,") && strstr(buf, "\"seq_len\": 900"), "%s", buf);
}

static void test_table_and_init(void) {
    trm_config c;
    trm_config_default(&c);
    trm_error e;
    trm_model *m = trm_model_create(&c, &e);
    CHECK(m != NULL, "create");
    const char *names[] = {"embed_tokens.embedding_weight", "lm_head.weight", "q_head.weight", "q_head.bias",
                           "L_level.layers.0.self_attn.qkv_proj.weight", "L_level.layers.1.mlp.down_proj.weight",
                           "H_init", "L_init", "puzzle_emb.weights"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK(trm_model_find_tensor(m, names[i]) >= 0, "tensor %s missing", names[i]);
    const trm_tensor_info *t = trm_model_tensor(m, trm_model_find_tensor(m, "L_level.layers.0.mlp.gate_up_proj.weight"));
    CHECK(t->shape[0] == 3072 && t->shape[1] == 512, "gate_up shape %dx%d", t->shape[0], t->shape[1]);
    trm_model_init(m, 1);
    /* truncated LeCun normal: std 1/sqrt(fan_in) exactly, support +-2.2737 std */
    const float *w = trm_model_tensor_data(m, trm_model_find_tensor(m, t->name));
    double s = 0, ss = 0, mx = 0;
    for (size_t i = 0; i < t->size; i++) s += w[i], ss += (double)w[i] * w[i], mx = fabs(w[i]) > mx ? fabs(w[i]) : mx;
    double mean = s / t->size, std = sqrt(ss / t->size - mean * mean), want = 1 / sqrt(512.0);
    CHECK(fabs(std / want - 1) < 0.01 && fabs(mean) < 0.01 * want, "init std %.6g, want %.6g (mean %.3g)", std, want, mean);
    CHECK(mx <= 2.2738 * want && mx > 2.2 * want, "init support %.6g std", mx / want);
    const float *qb = trm_model_tensor_data(m, trm_model_find_tensor(m, "q_head.bias"));
    const float *qw = trm_model_tensor_data(m, trm_model_find_tensor(m, "q_head.weight"));
    CHECK(qb[0] == -5 && qb[1] == -5 && qw[0] == 0 && qw[1023] == 0, "q head init");
    const float *pz = trm_model_tensor_data(m, trm_model_find_tensor(m, "puzzle_emb.weights"));
    CHECK(pz[0] == 0 && pz[511] == 0, "puzzle table starts at zero");
    /* loader: shape, dtype, bytes, non-finite, duplicates */
    int64_t shape[2] = {6, 512};
    float *buf = calloc(6 * 512, sizeof(float));
    trm_model *m2 = trm_model_create(&c, &e);
    CHECK(trm_model_load_tensor(m2, "lm_head.weight", "F32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_OK, "%s", e.msg);
    CHECK(trm_model_load_tensor(m2, "lm_head.weight", "F32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_E_FORMAT &&
              strstr(e.msg, "twice"), "%s", e.msg);
    shape[0] = 7;
    CHECK(trm_model_load_tensor(m2, "embed_tokens.embedding_weight", "F32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_E_SHAPE &&
              strstr(e.msg, "[7, 512], expected [6, 512]"), "%s", e.msg);
    shape[0] = 6;
    CHECK(trm_model_load_tensor(m2, "embed_tokens.embedding_weight", "I32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_E_FORMAT, "%s", e.msg);
    CHECK(trm_model_load_tensor(m2, "embed_tokens.embedding_weight", "F32", shape, 2, buf, 100, &e) == TRM_E_FORMAT, "%s", e.msg);
    CHECK(trm_model_load_tensor(m2, "no.such.tensor", "F32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_E_FORMAT, "%s", e.msg);
    buf[5] = NAN;
    CHECK(trm_model_load_tensor(m2, "embed_tokens.embedding_weight", "F32", shape, 2, buf, 6 * 512 * 4, &e) == TRM_E_NONFINITE &&
              strstr(e.msg, "element 5"), "%s", e.msg);
    uint16_t bf[6 * 512];
    for (int i = 0; i < 6 * 512; i++) bf[i] = 0x3fc0; /* bf16 1.5 */
    CHECK(trm_model_load_tensor(m2, "embed_tokens.embedding_weight", "BF16", shape, 2, bf, sizeof bf, &e) == TRM_OK &&
              trm_model_tensor_data(m2, trm_model_find_tensor(m2, "embed_tokens.embedding_weight"))[7] == 1.5f, "bf16");
    CHECK(trm_model_check_loaded(m2, &e) == TRM_E_FORMAT && strstr(e.msg, "missing"), "%s", e.msg);
    free(buf);
    trm_model_free(m2);
    trm_model_free(m);
}

static void test_rng(void) {
    trm_rng r;
    trm_rng_seed(&r, 42);
    uint64_t first = trm_rng_next(&r);
    trm_rng_seed(&r, 42);
    CHECK(trm_rng_next(&r) == first, "rng not deterministic");
    /* pinned value: the same on every platform (xoshiro256** seeded by splitmix64) */
    CHECK(first == 0x15780b2e0c2ec716ull, "rng(42) first output %llx changed", (unsigned long long)first);
    int counts[5] = {0};
    for (int i = 0; i < 50000; i++) counts[trm_rng_below(&r, 5)]++;
    for (int i = 0; i < 5; i++) CHECK(abs(counts[i] - 10000) < 500, "below(5) bucket %d has %d", i, counts[i]);
}

/* Warmup, then constant until lr_decay_start, then a cosine to lr * lr_min_ratio at total_steps
 * (warmup-stable-decay); lr_decay_start 0 is the TRM schedule (cosine right after warmup). */
static void test_lr_schedule(void) {
    trm_train_config c;
    trm_train_config_default(&c);
    c.lr_warmup_steps = 10, c.total_steps = 110, c.lr_min_ratio = 0.1, c.lr_decay_start = 0;
    CHECK(fabs(trm_lr_at(&c, 1.0, 5) - 0.5) < 1e-12 && fabs(trm_lr_at(&c, 1.0, 10) - 1.0) < 1e-12 &&
              fabs(trm_lr_at(&c, 1.0, 60) - 0.55) < 1e-12 && fabs(trm_lr_at(&c, 1.0, 110) - 0.1) < 1e-12,
          "cosine after warmup: %g %g %g %g", trm_lr_at(&c, 1.0, 5), trm_lr_at(&c, 1.0, 10), trm_lr_at(&c, 1.0, 60),
          trm_lr_at(&c, 1.0, 110));
    c.lr_decay_start = 70;
    CHECK(trm_lr_at(&c, 2.0, 40) == 2.0 && trm_lr_at(&c, 2.0, 70) == 2.0 && fabs(trm_lr_at(&c, 2.0, 90) - 1.1) < 1e-12 &&
              fabs(trm_lr_at(&c, 2.0, 110) - 0.2) < 1e-12 && fabs(trm_lr_at(&c, 2.0, 130) - 0.2) < 1e-12,
          "decay from step 70: %g %g %g %g %g", trm_lr_at(&c, 2.0, 40), trm_lr_at(&c, 2.0, 70), trm_lr_at(&c, 2.0, 90),
          trm_lr_at(&c, 2.0, 110), trm_lr_at(&c, 2.0, 130));
}

/* Slots halt after the first step when q_halt > 0 (q_head.bias set to +20 so that it is, whatever
 * the input), unless adaptive_halting is off: then every slot runs all halt_max_steps (3) steps.
 * lr 0 keeps the weights, so q_halt stays positive for every step. */
static void test_adaptive_halting(void) {
    enum { B = 4, N_SUP = 3 };
    for (int adaptive = 0; adaptive <= 1; adaptive++) {
        trm_config c;
        trm_config_default(&c);
        c.hidden_size = 16, c.num_heads = 2, c.L_layers = 1, c.H_cycles = 1, c.L_cycles = 1, c.halt_max_steps = N_SUP;
        c.halt_exploration_prob = 0, c.puzzle_emb_len = 1, c.puzzle_emb_ndim = 16, c.grid_height = 3, c.grid_width = 3;
        trm_error e;
        trm_model *m = trm_model_create(&c, &e);
        CHECK(m != NULL, "model: %s", e.msg);
        if (!m) return;
        trm_model_init(m, 1);
        int qb = trm_model_find_tensor(m, "q_head.bias");
        CHECK(qb >= 0, "no q_head.bias");
        if (qb < 0) return;
        trm_model_tensor_data(m, qb)[0] = 20.0f; /* the halt logit */
        trm_train_config tc;
        trm_train_config_default(&tc);
        tc.batch_size = B, tc.lr = 0, tc.puzzle_emb_lr = 0, tc.lr_warmup_steps = 0, tc.adaptive_halting = adaptive;
        trm_trainer *t = trm_trainer_create(m, &tc, &e);
        CHECK(t != NULL, "trainer: %s", e.msg);
        uint8_t in[B * 9], lab[B * 9];
        for (int i = 0; i < B * 9; i++) in[i] = (uint8_t)(1 + i % 4), lab[i] = (uint8_t)(1 + (i + 1) % 4);
        const trm_batch b = {in, lab, NULL, B};
        for (int step = 1; t && step <= 2 * N_SUP; step++) {
            trm_step_stats st;
            if (trm_trainer_step(t, &b, &st, &e) != TRM_OK) {
                CHECK(0, "step %d: %s", step, e.msg);
                break;
            }
            /* adaptive: every slot halts at every step, after 1 step; else all halt at steps 3, 6 */
            const int want = adaptive ? B : step % N_SUP == 0 ? B : 0;
            CHECK(st.count == want && (!want || st.steps == (adaptive ? 1 : N_SUP) * (double)want),
                  "adaptive_halting %d, step %d: %d slots halted after %g steps in all, want %d after %d each", adaptive,
                  step, st.count, st.steps, want, adaptive ? 1 : N_SUP);
        }
        trm_trainer_free(t);
        trm_model_free(m);
    }
}

int main(void) {
    test_counts();
    test_lr_schedule();
    test_adaptive_halting();
    test_keys();
    test_table_and_init();
    test_rng();
    return check_done();
}
