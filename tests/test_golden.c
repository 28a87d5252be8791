/* test_golden.c: the whole model against golden tensors written by the independent PyTorch
 * reference (scripts/reference_trm.py; layout in tests/data/README.md): three ACT training steps
 * (carry, logits, q logits, losses, metrics, halting, every gradient, the lr), the parameters,
 * puzzle table and EMA after them, and every refinement pass of an eval-mode solve. Runs with
 * every kernel set this CPU supports. The bf16 path (trm_model_set_precision BF16) is checked
 * the same way against golden_bf16_*.safetensors: eval-mode solves by the reference with its
 * linear layers and attention in bf16 as trm.c defines them, and by PyTorch's own CPU autocast. */
#include <cjson/cJSON.h>
#include <string.h>

#include "check.h"
#include "fileio.h"
#include "model_io.h"
#include "safetensors.h"
#include "trm.h"

/* Tolerances (float32 against a float32 reference with a different summation order): */
#define FWD_RTOL 1e-4  /* values after up to a dozen network evaluations */
#define GRAD_RTOL 1e-3 /* gradients: long chains of products, many near-cancelling sums */
/* bf16 path against the reference's bf16 linears: the same roundings, but a float32 difference
 * in the last bit can move a value across a bf16 rounding boundary (2^-8 relative), and such
 * flips accumulate over the passes; against PyTorch autocast, which also rounds every matmul's
 * result, the attention products and the SwiGLU product to bf16: */
#define BF16_RTOL 2e-2
#define AUTOCAST_RTOL 1e-1

static const trmn_st_file *fx;
static double worst_fwd, worst_grad; /* max |err| / max |reference| per tensor, over all tensors */
static double worst_bf16, worst_autocast; /* the same for the bf16 comparisons */

static const trmn_st_tensor *need(const char *name) {
    const trmn_st_tensor *t = trmn_st_find(fx, name);
    if (!t) { fprintf(stderr, "fixture has no tensor '%s'\n", name); exit(1); }
    return t;
}

/* Copies (the data may be unaligned) converted to float. */
static float *as_f32(const char *name, size_t *n) {
    const trmn_st_tensor *t = need(name);
    float *out = malloc(sizeof(float) * (t->numel + 1));
    for (size_t i = 0; i < t->numel; i++) {
        if (t->dtype == TRMN_ST_F32) memcpy(&out[i], t->data + 4 * i, 4);
        else if (t->dtype == TRMN_ST_F64) { double d; memcpy(&d, t->data + 8 * i, 8); out[i] = (float)d; }
        else { int32_t v; memcpy(&v, t->data + 4 * i, 4); out[i] = (float)v; }
    }
    if (n) *n = t->numel;
    return out;
}

static double *as_f64(const char *name) {
    const trmn_st_tensor *t = need(name);
    double *out = malloc(sizeof(double) * t->numel);
    memcpy(out, t->data, 8 * t->numel);
    return out;
}

static void *as_u8(const char *name) {
    const trmn_st_tensor *t = need(name);
    uint8_t *out = malloc(t->numel);
    for (size_t i = 0; i < t->numel; i++) { int32_t v; memcpy(&v, t->data + 4 * i, 4); out[i] = (uint8_t)v; }
    return out;
}

/* Compare n floats; the absolute floor scales with the tensor's magnitude (max |want|). */
static void compare(const char *what, const float *got, const char *name, double rtol) {
    size_t n;
    float *want = as_f32(name, &n);
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    char label[256];
    snprintf(label, sizeof label, "%s %s", what, name);
    check_close(label, got, want, n, rtol * (scale > 0 ? scale : 1), rtol);
    double max_abs = 0;
    for (size_t i = 0; i < n; i++) max_abs = fabs(got[i] - want[i]) > max_abs ? fabs(got[i] - want[i]) : max_abs;
    double *worst = rtol == GRAD_RTOL ? &worst_grad : rtol == BF16_RTOL ? &worst_bf16 : rtol == AUTOCAST_RTOL ? &worst_autocast : &worst_fwd;
    if (scale > 0 && max_abs / scale > *worst) *worst = max_abs / scale;
    free(want);
}

static trm_model *load_initial_model(void) {
    trm_config cfg;
    trm_config_default(&cfg);
    trm_error err;
    if (trmn_config_apply_json(&cfg, trmn_st_metadata(fx, "config"), NULL, NULL, &err)) {
        fprintf(stderr, "config: %s\n", err.msg);
        exit(1);
    }
    trm_error e;
    trm_model *m = trm_model_create(&cfg, &e);
    if (!m) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    for (int i = 0; i < trm_model_tensor_count(m); i++) {
        const trmn_st_tensor *t = need(trm_model_tensor(m, i)->name);
        if (trm_model_load_tensor(m, t->name, trmn_st_dtype_name(t->dtype), t->shape, t->ndim, t->data, t->nbytes, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            exit(1);
        }
    }
    return m;
}

static double jnum(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) { fprintf(stderr, "train metadata lacks '%s'\n", key); exit(1); }
    return v->valuedouble;
}

static void read_train_config(trm_train_config *tc) {
    cJSON *o = cJSON_Parse(trmn_st_metadata(fx, "train"));
    trm_train_config_default(tc);
    tc->batch_size = (int)jnum(o, "batch_size");
    tc->lr = jnum(o, "lr");
    tc->lr_warmup_steps = (int)jnum(o, "lr_warmup_steps");
    tc->lr_min_ratio = jnum(o, "lr_min_ratio");
    tc->total_steps = (long)jnum(o, "total_steps");
    tc->weight_decay = jnum(o, "weight_decay");
    tc->beta1 = jnum(o, "beta1");
    tc->beta2 = jnum(o, "beta2");
    tc->puzzle_emb_lr = jnum(o, "puzzle_emb_lr");
    tc->puzzle_emb_weight_decay = jnum(o, "puzzle_emb_weight_decay");
    tc->ema_rate = jnum(o, "ema_rate");
    const char *opt = cJSON_GetObjectItemCaseSensitive(o, "optimizer")->valuestring;
    tc->optimizer = !strcmp(opt, "adamw") ? TRM_OPT_ADAMW : TRM_OPT_ADAM_ATAN2;
    tc->loss = TRM_LOSS_STABLEMAX;
    cJSON_Delete(o);
}

static void compare_params(const char *what, trm_model *m, const float *flat, const char *prefix, double rtol) {
    char name[256];
    for (int i = 0; i < trm_model_tensor_count(m); i++) {
        const trm_tensor_info *ti = trm_model_tensor(m, i);
        if (!ti->trainable) continue;
        snprintf(name, sizeof name, "%s%s", prefix, ti->name);
        compare(what, flat + ti->offset, name, rtol);
    }
}

static void run_training(const char *ks) {
    trm_model *m = load_initial_model();
    trm_model_set_kernels(m, trm_kernels_get(ks));
    trm_train_config tc;
    read_train_config(&tc);
    trm_error e;
    trm_trainer *t = trm_trainer_create(m, &tc, &e);
    if (!t) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    char name[160], what[64];
    snprintf(what, sizeof what, "[%s]", ks);
    for (int k = 1; k <= 3; k++) {
        snprintf(name, sizeof name, "step%d.inputs", k);
        uint8_t *in = as_u8(name);
        snprintf(name, sizeof name, "step%d.labels", k);
        uint8_t *lab = as_u8(name);
        snprintf(name, sizeof name, "step%d.puzzle_ids", k);
        size_t np;
        float *pf = as_f32(name, &np);
        int32_t pid[64];
        for (size_t i = 0; i < np; i++) pid[i] = (int32_t)pf[i];
        trm_batch b = {in, lab, pid, tc.batch_size};
        trm_step_stats st;
        if (trm_trainer_compute(t, &b, &st, &e) != TRM_OK) { fprintf(stderr, "step %d: %s\n", k, e.msg); exit(1); }
        snprintf(name, sizeof name, "step%d.out.logits", k);
        compare(what, trm_trainer_logits(t), name, FWD_RTOL);
        snprintf(name, sizeof name, "step%d.out.q_logits", k);
        compare(what, trm_trainer_q_logits(t), name, FWD_RTOL);
        snprintf(name, sizeof name, "step%d.out.z_H", k);
        compare(what, trm_trainer_new_carry(t, 0), name, FWD_RTOL);
        snprintf(name, sizeof name, "step%d.out.z_L", k);
        compare(what, trm_trainer_new_carry(t, 1), name, FWD_RTOL);
        snprintf(name, sizeof name, "step%d.out.losses", k);
        double *loss = as_f64(name);
        CHECK(fabs(st.lm_loss - loss[0]) <= 1e-5 * fabs(loss[0]) && fabs(st.q_halt_loss - loss[1]) <= 1e-5 * fabs(loss[1]) + 1e-9 &&
                  fabs(st.loss - loss[2]) <= 1e-5 * fabs(loss[2]),
              "%s step %d losses %.9g %.9g %.9g, reference %.9g %.9g %.9g", what, k, st.lm_loss, st.q_halt_loss, st.loss,
              loss[0], loss[1], loss[2]);
        printf("info %s step %d losses rel err %.2e %.2e %.2e\n", what, k, fabs(st.lm_loss - loss[0]) / fabs(loss[0]),
               fabs(st.q_halt_loss - loss[1]) / fabs(loss[1]), fabs(st.loss - loss[2]) / fabs(loss[2]));
        snprintf(name, sizeof name, "step%d.out.metrics", k);
        double *met = as_f64(name);
        double mine[5] = {st.count, st.accuracy, st.exact_accuracy, st.q_halt_accuracy, st.steps};
        for (int i = 0; i < 5; i++)
            CHECK(fabs(mine[i] - met[i]) < 1e-9, "%s step %d metric %d: %.9g, reference %.9g", what, k, i, mine[i], met[i]);
        snprintf(name, sizeof name, "step%d.out.lr", k);
        double *lr = as_f64(name);
        CHECK(fabs(st.lr - lr[0]) <= 1e-12 * lr[0], "%s step %d lr %.12g, reference %.12g", what, k, st.lr, lr[0]);
        snprintf(name, sizeof name, "step%d.grad.", k);
        compare_params(what, m, trm_trainer_grads(t), name, GRAD_RTOL);
        snprintf(name, sizeof name, "step%d.grad.puzzle_emb.weights", k);
        compare(what, trm_trainer_puzzle_grad(t), name, GRAD_RTOL);
        if (trm_trainer_apply(t, &e) != TRM_OK) { fprintf(stderr, "apply %d: %s\n", k, e.msg); exit(1); }
        snprintf(name, sizeof name, "step%d.out.halted", k);
        uint8_t *halted = as_u8(name);
        CHECK(!memcmp(halted, trm_trainer_halted(t), (size_t)tc.batch_size), "%s step %d halting decisions differ", what, k);
        free(in), free(lab), free(pf), free(loss), free(met), free(lr), free(halted);
    }
    /* AdamATan2's first step moves every element by lr*pi/4 times the sign of its gradient, so a
     * gradient within rounding of zero could flip; none does in these fixtures (checked above). */
    compare_params(what, m, trm_model_params(m), "final.", FWD_RTOL);
    compare(what, trm_model_tensor_data(m, trm_model_find_tensor(m, "puzzle_emb.weights")), "final.puzzle_emb.weights",
            FWD_RTOL);
    compare_params(what, m, trm_trainer_ema(t), "final_ema.", FWD_RTOL);
    trm_trainer_free(t);
    trm_model_free(m);
}

/* The solver's halting logits against the fixture's q logits [nb, 2] (halt in column 0). */
static void compare_halting(const char *name, const trm_solver *s, size_t nb, double atol, double rtol) {
    size_t nq;
    float *q = as_f32(name, &nq), mine[64];
    for (size_t b = 0; b < nb; b++) mine[b] = trm_solver_halt_logit(s, (int)b), q[b] = q[2 * b];
    check_close(name, mine, q, nb, atol, rtol);
    free(q);
}

/* Eval mode (TRM §3.4) through the solver, pass by pass, with the initial model. */
static void run_eval(const char *ks) {
    trm_model *m = load_initial_model();
    trm_model_set_kernels(m, trm_kernels_get(ks));
    const trm_config *c = trm_model_config(m);
    trm_error e;
    size_t nb;
    uint8_t *in = as_u8("step1.inputs");
    float *pf = as_f32("step1.puzzle_ids", &nb);
    int32_t pid[64];
    for (size_t i = 0; i < nb; i++) pid[i] = (int32_t)pf[i];
    trm_solver *s = trm_solver_create(m, (int)nb, &e);
    if (!s || trm_solver_reset(s, in, pid, (int)nb, &e) != TRM_OK) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    char name[96], what[64];
    snprintf(what, sizeof what, "[%s] eval", ks);
    for (int r = 1; r <= 2 * c->H_cycles; r++) {
        trm_solver_pass(s);
        snprintf(name, sizeof name, "eval.pass%d.z_H", r);
        compare(what, trm_solver_state(s, 0), name, FWD_RTOL);
        snprintf(name, sizeof name, "eval.pass%d.z_L", r);
        compare(what, trm_solver_state(s, 1), name, FWD_RTOL);
        snprintf(name, sizeof name, "eval.pass%d.logits", r);
        compare(what, trm_solver_logits(s), name, FWD_RTOL);
        if (r % c->H_cycles == 0) {
            snprintf(name, sizeof name, "eval.step%d.q_logits", r / c->H_cycles);
            compare_halting(name, s, nb, 1e-5, FWD_RTOL);
        }
    }
    trm_solver_free(s);
    free(in), free(pf);
    trm_model_free(m);
}

/* Eval mode in bf16 against the companion fixture (BF16_STEPS supervision steps): per pass, the
 * logits and states against the reference's bf16 path, and the logits and halting logits against
 * PyTorch autocast. */
static void run_eval_bf16(const char *ks, const trmn_st_file *bf) {
    trm_model *m = load_initial_model();
    trm_model_set_kernels(m, trm_kernels_get(ks));
    trm_error e;
    CHECK(trm_model_set_precision(m, TRM_PRECISION_BF16, &e) == TRM_OK, "%s", e.msg);
    const trm_config *c = trm_model_config(m);
    size_t nb;
    uint8_t *in = as_u8("step1.inputs");
    float *pf = as_f32("step1.puzzle_ids", &nb);
    int32_t pid[64];
    for (size_t i = 0; i < nb; i++) pid[i] = (int32_t)pf[i];
    const trmn_st_file *main_fx = fx;
    fx = bf;
    trm_solver *s = trm_solver_create(m, (int)nb, &e);
    if (!s || trm_solver_reset(s, in, pid, (int)nb, &e) != TRM_OK) { fprintf(stderr, "%s\n", e.msg); exit(1); }
    char name[96], what[64];
    snprintf(what, sizeof what, "[%s] bf16 eval", ks);
    enum { BF16_STEPS = 2 }; /* as scripts/reference_trm.py writes them */
    for (int r = 1; r <= BF16_STEPS * c->H_cycles; r++) {
        trm_solver_pass(s);
        snprintf(name, sizeof name, "bf16.eval.pass%d.z_H", r);
        compare(what, trm_solver_state(s, 0), name, BF16_RTOL);
        snprintf(name, sizeof name, "bf16.eval.pass%d.logits", r);
        compare(what, trm_solver_logits(s), name, BF16_RTOL);
        snprintf(name, sizeof name, "autocast.eval.pass%d.logits", r);
        compare(what, trm_solver_logits(s), name, AUTOCAST_RTOL);
        if (r % c->H_cycles == 0) {
            snprintf(name, sizeof name, "autocast.eval.step%d.q_logits", r / c->H_cycles);
            compare_halting(name, s, nb, AUTOCAST_RTOL, AUTOCAST_RTOL);
        }
    }
    fx = main_fx;
    trm_solver_free(s);
    free(in), free(pf);
    trm_model_free(m);
}

int main(int argc, char **argv) {
    const char *files[] = {"tests/data/golden_attn.safetensors", "tests/data/golden_mlpt.safetensors"};
    const char *bf16_files[] = {"tests/data/golden_bf16_attn.safetensors", "tests/data/golden_bf16_mlpt.safetensors"};
    const char *sets[] = {"scalar", "avx2", "avx512", "avx512bf16"};
    for (int f = 0; f < 2; f++) {
        const char *path = argc > 1 ? argv[1] : files[f];
        uint8_t *buf;
        size_t len;
        trm_error err;
        trmn_st_file file;
        if (trmn_read_file(path, 0, &buf, &len, &err) || trmn_st_parse(buf, len, &file, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        fx = &file;
        printf("== %s\n", path);
        uint8_t *buf16 = NULL;
        trmn_st_file file16;
        const int with_bf16 = argc <= 1;
        if (with_bf16 && (trmn_read_file(bf16_files[f], 0, &buf16, &len, &err) ||
                          trmn_st_parse(buf16, len, &file16, &err))) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        for (int k = 0; k < 4; k++) {
            if (!trm_kernels_get(sets[k])) { printf("skip kernel set %s (not built or not supported here)\n", sets[k]); continue; }
            run_training(sets[k]);
            run_eval(sets[k]);
            if (with_bf16) run_eval_bf16(sets[k], &file16);
        }
        if (with_bf16) trmn_st_free(&file16);
        free(buf16);
        trmn_st_free(&file);
        free(buf);
        if (argc > 1) break;
    }
    printf("summary: max |error| / max |reference| per tensor: forward values and weights %.3g, gradients %.3g; "
           "bf16 path against the reference's bf16 path %.3g, against PyTorch autocast %.3g\n",
           worst_fwd, worst_grad, worst_bf16, worst_autocast);
    return check_done();
}
