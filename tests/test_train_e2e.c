/* test_train_e2e.c: end-to-end training with the built tools.
 *
 * 1. trm-train on configs/maze6-tiny.json (fixed seed, generated 6x6 mazes) for E2E_STEPS steps,
 *    then trm-maze writes the run's held-out set (seed 2 = generator seed + 1) and trm-eval
 *    scores the exported EMA model on it: exact accuracy and path-cell accuracy must reach the
 *    thresholds below (an untrained model scores 0 on both), and trm-eval must agree with the
 *    run's own last evaluation in metrics.jsonl (same mazes, same model).
 * 2. Resume equals uninterrupted: N steps in one go vs N/2 steps, then --resume to N; the
 *    exported models must be byte-identical and so must every trainer and data state tensor of
 *    the final checkpoints. Once with the generator, once with CSV data + dihedral augmentation,
 *    once in bf16 (--precision bf16 on the first runs only: the resumed run must take it from
 *    its checkpoint, and its model must differ from the float32 one).
 * 3. SIGINT: a run interrupted mid-way exits 0 with a checkpoint that resumes to the end; one
 *    interrupted during its final evaluation stops it (exit 0, checkpoint and model written).
 * 4. Divergence: a checkpoint whose parameters hold a NaN stops the resumed run with exit 1 and
 *    a message, and the checkpoint file is left as it was.
 * With TRM_E2E_QUICK set in the environment, section 1 is skipped (e.g. for sanitizer builds).
 */
#include "tools_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <time.h>

#include "safetensors.h"

/* Thresholds for section 1 (measured runs: see native/TOOLS.md). */
#define E2E_STEPS 400
#define E2E_MIN_EXACT 0.003 /* at least one maze of 256 */
#define E2E_MIN_PATH 0.15

static const char TINY[] =
    "{\"model\": {\"hidden_size\": 16, \"num_heads\": 2, \"expansion\": 2, \"H_cycles\": 2, \"L_cycles\": 1,\n"
    "           \"halt_max_steps\": 3, \"puzzle_emb_len\": 1, \"puzzle_emb_ndim\": 16},\n"
    " \"data\": {%s},\n"
    " \"train\": {\"batch_size\": 8, \"lr\": 1e-3, \"lr_warmup_steps\": 3, \"total_steps\": %d, \"eval_interval\": 4,\n"
    "           \"log_interval\": 2, \"checkpoint_interval\": 5, \"threads\": 1, \"ema_rate\": 0.9, \"seed\": 7}}\n";

/* The last line of metrics.jsonl with "type": type, parsed (NULL if none); *lines = number of
 * lines of that type. */
static cJSON *last_metrics(const char *dir, const char *type, int *lines) {
    char path[600];
    snprintf(path, sizeof path, "%s/metrics.jsonl", dir);
    char *text = tu_read(path, NULL), *save = NULL;
    cJSON *last = NULL;
    *lines = 0;
    for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(l);
        CHECK(j != NULL, "%s: line %d is not JSON: %s", path, *lines + 1, l);
        const cJSON *t = cJSON_GetObjectItem(j, "type");
        if (j && cJSON_IsString(t) && !strcmp(t->valuestring, type)) {
            (*lines)++;
            cJSON_Delete(last);
            last = j;
        } else {
            cJSON_Delete(j);
        }
    }
    free(text);
    return last;
}

static double num(const cJSON *j, const char *key) {
    const cJSON *v = cJSON_GetObjectItem(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

static void check_learns(void) {
    tu_expect(tu_run("%s/trm-train --config configs/maze6-tiny.json --out %s/e2e --total-steps %d --threads 1", tu_bin,
                     tu_tmp, E2E_STEPS), 0, "done", "training configs/maze6-tiny.json");
    printf("%s\n", tu_out);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/e2e", tu_tmp);
    int lines;
    cJSON *ev = last_metrics(dir, "eval", &lines), *tr = last_metrics(dir, "train", &lines);
    CHECK(ev && tr && lines == E2E_STEPS / 50, "metrics.jsonl: %d train lines, expected %d", lines, E2E_STEPS / 50);
    tu_expect(tu_run("%s/trm-maze --algorithm lehnert --size 6 --min-path 6 --unique --count 256 --seed 2 --out %s/held.csv "
                     "--quiet", tu_bin, tu_tmp), 0, NULL, "held-out set");
    tu_expect(tu_run("%s/trm-eval --model %s/model.safetensors --csv %s/held.csv --json --threads 1", tu_bin, dir, tu_tmp), 0,
              "exact_accuracy", "trm-eval");
    cJSON *j = cJSON_Parse(tu_out);
    CHECK(j != NULL, "trm-eval --json output is not JSON: %s", tu_out);
    if (j && ev) {
        const double exact = num(j, "exact_accuracy"), path = num(j, "path_cell_accuracy");
        printf("trm-eval: exact %.4f (need >= %.4f), path-cell %.4f (need >= %.2f), valid-optimal %.4f, cell %.4f\n", exact,
               E2E_MIN_EXACT, path, E2E_MIN_PATH, num(j, "valid_optimal_accuracy"), num(j, "cell_accuracy"));
        CHECK(exact >= E2E_MIN_EXACT, "exact accuracy %.4f < %.2f after %d steps", exact, E2E_MIN_EXACT, E2E_STEPS);
        CHECK(path >= E2E_MIN_PATH, "path-cell accuracy %.4f < %.2f after %d steps", path, E2E_MIN_PATH, E2E_STEPS);
        CHECK(num(ev, "step") == E2E_STEPS && exact == num(ev, "exact_accuracy") && path == num(ev, "path_cell_accuracy") &&
              num(j, "valid_optimal_accuracy") == num(ev, "valid_optimal_accuracy"),
              "trm-eval (exact %g, path %g) disagrees with the run's own evaluation at step %g (exact %g, path %g)", exact,
              path, num(ev, "step"), num(ev, "exact_accuracy"), num(ev, "path_cell_accuracy"));
    }
    cJSON_Delete(j);
    cJSON_Delete(ev);
    cJSON_Delete(tr);
}

static void check_resume(const char *data, const char *what, const char *flags) {
    char cfg[400], text[2000], a[400], b[400];
    snprintf(cfg, sizeof cfg, "%s/resume.json", tu_tmp);
    snprintf(text, sizeof text, TINY, data, 12);
    tu_write(cfg, text);
    snprintf(a, sizeof a, "%s/%s-full", tu_tmp, what);
    snprintf(b, sizeof b, "%s/%s-half", tu_tmp, what);
    tu_expect(tu_run("%s/trm-train --config %s --out %s --quiet %s", tu_bin, cfg, a, flags), 0, NULL, "uninterrupted run");
    tu_expect(tu_run("%s/trm-train --config %s --out %s --total-steps 6 --quiet %s", tu_bin, cfg, b, flags), 0, NULL,
              "first half");
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 12", tu_bin, b), 0, "resuming", "resume");
    char ma[500], mb[500];
    snprintf(ma, sizeof ma, "%s/model.safetensors", a);
    snprintf(mb, sizeof mb, "%s/model.safetensors", b);
    CHECK(tu_same_file(ma, mb), "%s: resumed model %s differs from the uninterrupted %s", what, mb, ma);
    snprintf(ma, sizeof ma, "%s/checkpoint.safetensors", a);
    snprintf(mb, sizeof mb, "%s/checkpoint.safetensors", b);
    tu_same_checkpoints(ma, mb, what, 15);
    int la, lb, ta, tb;
    cJSON *ea = last_metrics(a, "eval", &la), *eb = last_metrics(b, "eval", &lb);
    cJSON *ra = last_metrics(a, "train", &ta), *rb = last_metrics(b, "train", &tb);
    /* the same train lines (the first half adds one evaluation at its end, step 6) */
    CHECK(ta == tb && lb == la + 1 && ea && eb && ra && rb && num(ea, "exact_accuracy") == num(eb, "exact_accuracy") &&
          num(ra, "lm_loss") == num(rb, "lm_loss") && num(ra, "examples") == num(rb, "examples"),
          "%s: metrics.jsonl: %d train + %d eval lines uninterrupted, %d + %d resumed, or different values", what, ta,
          la, tb, lb);
    cJSON_Delete(ea);
    cJSON_Delete(eb);
    cJSON_Delete(ra);
    cJSON_Delete(rb);
    /* resuming the finished run again trains nothing and writes nothing */
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 12", tu_bin, b), 0,
              "nothing to train", "resume at the end");
    int lb2, tb2;
    cJSON *eb2 = last_metrics(b, "eval", &lb2), *rb2 = last_metrics(b, "train", &tb2);
    CHECK(lb2 == lb && tb2 == tb, "%s: resuming a finished run changed metrics.jsonl (%d + %d lines, was %d + %d)", what,
          tb2, lb2, tb, lb);
    tu_same_checkpoints(ma, mb, what, 15);
    cJSON_Delete(eb2);
    cJSON_Delete(rb2);
}

/* Write TINY on 6x6 generated mazes for `steps` steps to tu_tmp/name.json; cfg gets the path. */
static void write_tiny_gen(char *cfg, size_t cap, const char *name, int steps) {
    char text[2000];
    snprintf(cfg, cap, "%s/%s.json", tu_tmp, name);
    snprintf(text, sizeof text, TINY, "\"generator\": {\"height\": 6, \"width\": 6, \"seed\": 3}, \"test_count\": 8", steps);
    tu_write(cfg, text);
}

/* --set on resume changes the run from then on: 6 steps logged every 2 steps (2, 4, 6), then
 * resumed to 12 with log_interval 3 gives lines at 9 and 12 (unchanged it would be 8, 10, 12);
 * the effective configuration (config.json) records every --set; a bad --set is refused by name.
 * (What adaptive_halting does is tested in test_config.) */
static void check_set(void) {
    char cfg[400], dir[400], path[500];
    write_tiny_gen(cfg, sizeof cfg, "set", 6);
    snprintf(dir, sizeof dir, "%s/set", tu_tmp);
    tu_expect(tu_run("%s/trm-train --config %s --out %s --quiet", tu_bin, cfg, dir), 0, NULL, "run to resume with --set");
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 12 --quiet "
                     "--set '{\"train\": {\"lrr\": 1}}'", tu_bin, dir),
              1, "--set #1: train.lrr", "unknown key in --set");
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 12 --quiet "
                     "--set '{\"train\": {\"adaptive_halting\": false}}' --set '{\"train\": {\"log_interval\": 3}}'",
                     tu_bin, dir),
              0, NULL, "resume with --set");
    int n;
    cJSON *last = last_metrics(dir, "train", &n);
    CHECK(last && n == 5 && num(last, "step") == 12,
          "after --set log_interval 3: %d train lines, the last at step %g (want 5: 2, 4, 6, 9, 12)", n, num(last, "step"));
    cJSON_Delete(last);
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *json = tu_read(path, NULL);
    cJSON *c = cJSON_Parse(json ? json : "");
    const cJSON *train = cJSON_GetObjectItem(c, "train");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(train, "adaptive_halting")) && num(train, "log_interval") == 3,
          "%s does not record the --set values:\n%s", path, json ? json : "(missing)");
    cJSON_Delete(c);
    free(json);
}

/* Start trm-train in the background, interrupt it once it has logged, expect a clean exit. */
static void check_sigint(void) {
    char cfg[400], dir[400], log[400];
    write_tiny_gen(cfg, sizeof cfg, "long", 100000);
    snprintf(dir, sizeof dir, "%s/sigint", tu_tmp);
    snprintf(log, sizeof log, "%s/sigint.log", tu_tmp);
    char bin[1200];
    snprintf(bin, sizeof bin, "%s/trm-train", tu_bin);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        if (!f || dup2(fileno(stdout), 2) < 0) _exit(99);
        execl(bin, bin, "--config", cfg, "--out", dir, (char *)NULL);
        _exit(98);
    }
    char metrics[500];
    snprintf(metrics, sizeof metrics, "%s/metrics.jsonl", dir);
    for (int i = 0; i < 600; i++) { /* up to 60 s for the first metrics line */
        struct stat sb;
        if (stat(metrics, &sb) == 0 && sb.st_size > 0) break;
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    kill(pid, SIGINT);
    int st = 0;
    waitpid(pid, &st, 0);
    char *out = tu_read(log, NULL);
    printf("$ trm-train --config %s (SIGINT) -> %d\n", cfg, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "interrupted run: exit status %d, expected 0; output:\n%s",
          WIFEXITED(st) ? WEXITSTATUS(st) : -1, out ? out : "");
    CHECK(out && strstr(out, "interrupted"), "interrupted run: no message:\n%s", out ? out : "");
    free(out);
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 200000 --quiet --out %s/sigint2 & "
                     "for i in $(seq 600); do [ -s %s/sigint2/metrics.jsonl ] && break; sleep 0.1; done; kill -TERM $! ; wait $!",
                     tu_bin, dir, tu_tmp, tu_tmp), 0, "interrupted", "SIGTERM of a resumed run");
}

/* SIGINT during the final evaluation (100,000 held-out mazes, minutes with the check gone) stops
 * it: exit 0, a checkpoint and the model written, no evaluation recorded for the last step. */
static void check_sigint_in_eval(void) {
    char cfg[400], dir[400], path[500];
    write_tiny_gen(cfg, sizeof cfg, "evalcut", 2);
    snprintf(dir, sizeof dir, "%s/evalcut", tu_tmp);
    tu_expect(tu_run("%s/trm-train --config %s --out %s --quiet --set "
                     "'{\"data\": {\"test_count\": 100000}, \"train\": {\"eval_interval\": 0, \"eval_steps\": 64}}' & "
                     "for i in $(seq 600); do grep -q '\"step\": 2,' %s/metrics.jsonl 2>/dev/null && break; sleep 0.1; done; "
                     "sleep 0.5; kill -INT $! ; wait $!",
                     tu_bin, cfg, dir, dir),
              0, "during the final evaluation", "SIGINT during the final evaluation");
    snprintf(path, sizeof path, "%s/metrics.jsonl", dir);
    char *m = tu_read(path, NULL);
    CHECK(m && !strstr(m, "\"type\": \"eval\""), "an evaluation was recorded after SIGINT:\n%s", m ? m : "");
    free(m);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    CHECK(access(path, R_OK) == 0, "no %s after SIGINT during the final evaluation", path);
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    CHECK(access(path, R_OK) == 0, "no %s after SIGINT during the final evaluation", path);
}

/* Put an overflowing weight into trainer.params of a checkpoint copy and resume from it. */
static void check_divergence(void) {
    char src[500], dst[500], dir[400];
    snprintf(src, sizeof src, "%s/gen-full/checkpoint.safetensors", tu_tmp);
    snprintf(dir, sizeof dir, "%s/nan", tu_tmp);
    snprintf(dst, sizeof dst, "%s/checkpoint.safetensors", dir);
    mkdir(dir, 0777);
    size_t len;
    char *buf = tu_read(src, &len);
    trm_error err;
    trmn_st_file f;
    int ok = buf && !trmn_st_parse((uint8_t *)buf, len, &f, &err);
    CHECK(ok, "cannot read %s", src);
    if (!ok) return;
    const trmn_st_tensor *t = trmn_st_find(&f, "trainer.params");
    CHECK(t != NULL, "checkpoint without trainer.params");
    if (t) {
        /* A huge but finite weight in the middle of the table (the first values are the PAD row
         * of the token embedding, which no input uses): the checkpoint passes the resume checks
         * (a NaN would be refused there, test_tools), and the first step overflows. */
        const float huge = 3.0e38f;
        memcpy((char *)buf + (t->data - (const uint8_t *)buf) + 4 * (t->numel / 2), &huge, 4);
        FILE *o = fopen(dst, "wb");
        CHECK(o && fwrite(buf, 1, len, o) == len, "cannot write %s", dst);
        if (o) fclose(o);
        tu_expect(tu_run("%s/trm-train --resume %s --total-steps 20", tu_bin, dst), 1, "diverged", "NaN parameters");
        size_t l2;
        char *after = tu_read(dst, &l2);
        CHECK(after && l2 == len && !memcmp(after, buf, len), "the last checkpoint must not be overwritten after divergence");
        free(after);
    }
    trmn_st_free(&f);
    free(buf);
}

int main(int argc, char **argv) {
    (void)argc;
    if (tu_init(argv[0], "trm_test_train_e2e")) return 1;
    const char *gen = "\"generator\": {\"height\": 6, \"width\": 6, \"seed\": 3}, \"test_count\": 8";
    check_resume(gen, "gen", "");
    check_resume(gen, "bf16", "--precision bf16");
    char f32[500], b16[500];
    snprintf(f32, sizeof f32, "%s/gen-full/model.safetensors", tu_tmp);
    snprintf(b16, sizeof b16, "%s/bf16-full/config.json", tu_tmp);
    char *bcfg = tu_read(b16, NULL);
    cJSON *bj = bcfg ? cJSON_Parse(bcfg) : NULL;
    const cJSON *prec = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(bj, "train"), "precision");
    CHECK(cJSON_IsString(prec) && !strcmp(prec->valuestring, "bf16"), "the bf16 run's config.json must record train.precision bf16");
    cJSON_Delete(bj);
    free(bcfg);
    snprintf(b16, sizeof b16, "%s/bf16-full/model.safetensors", tu_tmp);
    CHECK(!tu_same_file(f32, b16), "the bf16 run trained the float32 model bit for bit: --precision was ignored");
    char csv[400], data[1200];
    snprintf(csv, sizeof csv, "%s/train5.csv", tu_tmp);
    tu_expect(tu_run("%s/trm-maze --size 6 --count 40 --seed 9 --out %s --quiet", tu_bin, csv), 0, NULL, "CSV for resume");
    snprintf(data, sizeof data, "\"train_csv\": \"%s\", \"test_csv\": \"%s\", \"augment\": true", csv, csv);
    check_resume(data, "csv", "");
    check_divergence();
    check_set();
    check_sigint();
    check_sigint_in_eval();
    if (getenv("TRM_E2E_QUICK")) printf("TRM_E2E_QUICK set: skipping the learning run (section 1)\n");
    else check_learns();
    return tu_done();
}
