/* test_tools.c: the command-line tools as a user runs them: --help, bad arguments (exit 2), bad
 * files (exit 1 with the file/row/column/key named), trm-solve output and its --trace JSON,
 * trm-info, trm-eval --json, on a tiny model trained for a few steps.
 *
 * Runs the binaries of the same build (<build dir>/bin, found from argv[0]) from the repository
 * root. Exits non-zero on any failure and prints every command with its exit status.
 */
#include "tools_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tiny 6x6 run (few steps: only the file formats matter here). */
static const char TINY_CONFIG[] =
    "{\"model\": {\"hidden_size\": 16, \"num_heads\": 2, \"expansion\": 2, \"H_cycles\": 2, \"L_cycles\": 1,\n"
    "           \"halt_max_steps\": 3, \"puzzle_emb_len\": 1, \"puzzle_emb_ndim\": 16},\n"
    " \"data\": {\"generator\": {\"height\": 6, \"width\": 6, \"unique\": true, \"seed\": 5}, \"test_count\": 16},\n"
    " \"train\": {\"batch_size\": 8, \"lr\": 1e-3, \"lr_warmup_steps\": 2, \"total_steps\": 6, \"eval_interval\": 3,\n"
    "           \"log_interval\": 2, \"checkpoint_interval\": 3, \"threads\": 1}}\n";

static void check_help(void) {
    static const char *const tools[] = {"trm-train", "trm-solve", "trm-eval", "trm-info"};
    for (int i = 0; i < 4; i++) {
        tu_expect(tu_run("%s/%s --help", tu_bin, tools[i]), 0, "usage:", tools[i]);
        tu_expect(tu_run("%s/%s --bogus-option", tu_bin, tools[i]), 2, "unknown option '--bogus-option'", tools[i]);
        tu_expect(tu_run("%s/%s --threads 0 --help", tu_bin, tools[i]), 2, "--threads '0'", tools[i]);
    }
    tu_expect(tu_run("%s/trm-info --model x --kernels nosuchisa", tu_bin), 2, "--kernels 'nosuchisa'", "bad --kernels");
    tu_expect(tu_run("TRM_KERNELS=nosuchisa %s/trm-info --model x", tu_bin), 2, "TRM_KERNELS 'nosuchisa'", "bad TRM_KERNELS");
    tu_expect(tu_run("%s/trm-solve --model m.safetensors", tu_bin), 2, "--grid FILE.txt or --csv", "solve without input");
    tu_expect(tu_run("%s/trm-eval --csv x.csv", tu_bin), 2, "missing --model", "eval without model");
    tu_expect(tu_run("%s/trm-train --out x", tu_bin), 2, "missing --config", "train without config");
    tu_expect(tu_run("%s/trm-eval --model m --csv c --limit -3", tu_bin), 2, "--limit '-3'", "bad --limit");
}

/* Bad training configs: each must fail with exit 1 and name the problem. */
static void check_bad_configs(void) {
    static const struct { const char *json, *fragment; } cases[] = {
        {"{\"train\": {\"lrr\": 1}}", "train.lrr: unknown key"},
        {"{\"train\": {\"lr\": \"fast\"}}", "train.lr: expected a number, got a string"},
        {"{\"train\": {\"batch_size\": 2.5}}", "train.batch_size: 2.5 is not an integer"},
        {"{\"model\": {\"hidden_sise\": 64}}", "model.hidden_sise: unknown model key"},
        {"{\"model\": {\"pos_encodings\": \"sinus\"}}", "model.pos_encodings"},
        {"{\"data\": {\"generator\": {\"height\": 6, \"width\": 6, \"algo\": \"dfs\"}}}", "data.generator.algo: unknown key"},
        {"{\"data\": {\"generator\": {\"height\": 6, \"width\": 6, \"algorithm\": \"prim\"}}}", "data.generator.algorithm"},
        {"{\"mdoel\": {}}", "mdoel: unknown section"},
        {"{\"train\": {\"precision\": \"fp16\"}}", "train.precision: expected \"f32\", \"bf16\" or \"auto\""},
        {"{\"train\": {\"lr\": 1e-3,\n  \"ema\": tru}}", ":2:"},
        {"{\"train\": {\"lr\": 1, \"lr\": 2}}", "train.lr: key appears twice"},
        {"{\"data\": {}}", "no training data"},
        {"{\"data\": {\"generator\": {\"height\": 5, \"width\": 6}, \"augment\": true}}", "data.augment"},
        {"{\"model\": {\"grid_height\": 7}, \"data\": {\"generator\": {\"height\": 6, \"width\": 6}}}", "do not match"},
        {"{\"data\": {\"train_csv\": \"/nonexistent/train.csv\"}}", "/nonexistent/train.csv"},
    };
    char path[400];
    snprintf(path, sizeof path, "%s/bad.json", tu_tmp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write(path, cases[i].json);
        tu_expect(tu_run("%s/trm-train --config %s --out %s/badrun", tu_bin, path, tu_tmp), 1, cases[i].fragment,
                  cases[i].json);
    }
    tu_expect(tu_run("%s/trm-train --config %s/missing.json --out %s/badrun", tu_bin, tu_tmp, tu_tmp), 1, "missing.json",
              "missing config file");
}

/* trm-solve on a text maze, a CSV row and an answer grid; the trace's structure. */
static void check_solve(const char *model, const char *csv) {
    char maze[400], trace[400];
    snprintf(maze, sizeof maze, "%s/maze.txt", tu_tmp);
    snprintf(trace, sizeof trace, "%s/trace.json", tu_tmp);
    tu_write(maze, "S   # \n ##   \n  #   \n ## # \n    #G\n #    \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s --trace %s", tu_bin, model, maze, trace), 0, "valid", "solve maze");
    CHECK(strstr(tu_out, "\033[") == NULL, "piped output must have no ANSI colours:\n%s", tu_out);
    size_t len;
    char *text = tu_read(trace, &len);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j != NULL, "trace %s is not valid JSON", trace);
    if (j) {
        const cJSON *passes = cJSON_GetObjectItem(j, "passes"), *fin = cJSON_GetObjectItem(j, "final");
        CHECK(cJSON_GetObjectItem(j, "height")->valueint == 6 && cJSON_GetObjectItem(j, "width")->valueint == 6, "trace size");
        CHECK(cJSON_GetArraySize(passes) == 3 * 2, "trace has %d passes, expected 3 steps x 2 recursions", cJSON_GetArraySize(passes));
        for (int i = 0; i < cJSON_GetArraySize(passes); i++) {
            const cJSON *p = cJSON_GetArrayItem(passes, i);
            const cJSON *q = cJSON_GetObjectItem(p, "q_halt");
            CHECK(cJSON_GetObjectItem(p, "index")->valueint == i, "pass %d index", i);
            CHECK(cJSON_GetObjectItem(p, "step")->valueint == i / 2 + 1, "pass %d step", i);
            CHECK(cJSON_GetObjectItem(p, "recursion")->valueint == i % 2 + 1, "pass %d recursion", i);
            CHECK(strlen(cJSON_GetObjectItem(p, "grid")->valuestring) == 36, "pass %d grid length", i);
            CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(p, "confidence")) == 36, "pass %d confidence length", i);
            CHECK(i % 2 == 1 ? cJSON_IsNumber(q) : cJSON_IsNull(q), "pass %d: q_halt must be a number exactly at the end "
                  "of a supervision step", i);
            CHECK(cJSON_IsNumber(cJSON_GetObjectItem(p, "ms")), "pass %d ms", i);
        }
        CHECK(fin && cJSON_IsBool(cJSON_GetObjectItem(fin, "valid")) && cJSON_IsNull(cJSON_GetObjectItem(fin, "exact")) &&
              cJSON_GetObjectItem(fin, "shortest")->valueint == 9 && cJSON_GetObjectItem(fin, "steps")->valueint == 3,
              "trace final block: %s", text ? text + (len > 300 ? len - 300 : 0) : "");
    }
    cJSON_Delete(j);
    free(text);
    /* an answer grid is accepted: its path becomes the label, so exact is reported */
    tu_write(maze, "Sooo# \n ##ooo\n  #  o\n ## #o\n    #G\n #    \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s --quiet", tu_bin, model, maze), 0, "exact", "solve answer grid");
    tu_expect(tu_run("%s/trm-solve --model %s --csv %s --row 2 --early-halt", tu_bin, model, csv), 0, "optimal", "solve CSV row");
    /* bad mazes */
    tu_write(maze, "S   # \n ##   \n  #x  \n ## # \n    #G\n #    \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s", tu_bin, model, maze), 1, "line 3, column 4: character 'x'", "bad character");
    tu_write(maze, "S   #  \n ##    \n  #    \n ## #  \n    #G \n #     \n       \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s", tu_bin, model, maze), 1, "line 1 has 7 characters, expected 6",
              "wrong grid size");
    tu_write(maze, "S   # \n ##   \n  #   \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s", tu_bin, model, maze), 1, "3 lines, expected 6", "too few rows");
    tu_write(maze, "S   # \n ##   \n  #   \n ## # \n    # \n #    \n");
    tu_expect(tu_run("%s/trm-solve --model %s --maze %s", tu_bin, model, maze), 1, "G", "maze without a goal");
    tu_expect(tu_run("%s/trm-solve --model %s --csv %s --row 999", tu_bin, model, csv), 1, "--row 999", "row out of range");
    tu_expect(tu_run("%s/trm-solve --model %s/nope.safetensors --maze %s", tu_bin, tu_tmp, maze), 1, "nope.safetensors",
              "missing model");
}

/* Ctrl-C during trm-eval: exit status 130, and the JSON scores the batches done (their by_length
 * ranges add up to the count, fewer than the file's mazes). */
static void check_eval_interrupt(void) {
    char csv[400];
    snprintf(csv, sizeof csv, "%s/many6.csv", tu_tmp);
    tu_expect(tu_run("%s/trm-maze --algorithm lehnert --size 6 --min-path 6 --count 20000 --seed 3 --out %s --quiet",
                     tu_bin, csv), 0, NULL, "CSV for the interrupted evaluation");
    const int rc = tu_run("%s/trm-eval --model tests/data/maze6_tiny.safetensors --csv %s --json --by-length --batch 8 "
                          "--threads 1 & pid=$!; sleep 1.5; kill -INT $pid; wait $pid", tu_bin, csv);
    CHECK(rc == 130, "interrupted trm-eval: exit status %d, expected 130:\n%s", rc, tu_out);
    cJSON *j = strchr(tu_out, '{') ? cJSON_Parse(strchr(tu_out, '{')) : NULL;
    const cJSON *count = j ? cJSON_GetObjectItem(j, "count") : NULL, *bins = j ? cJSON_GetObjectItem(j, "by_length") : NULL;
    CHECK(j && cJSON_IsTrue(cJSON_GetObjectItem(j, "interrupted")) && cJSON_IsNumber(count) && count->valueint > 0 &&
              count->valueint < 20000 && count->valueint % 8 == 0,
          "interrupted trm-eval's JSON (whole batches, fewer than all):\n%s", tu_out);
    long total = 0;
    for (const cJSON *b = cJSON_IsArray(bins) ? bins->child : NULL; b; b = b->next)
        total += cJSON_GetObjectItem(b, "count")->valueint;
    CHECK(count && total == count->valueint, "interrupted trm-eval: by_length counts %ld, the count %d", total,
          count ? count->valueint : -1);
    cJSON_Delete(j);
}

/* trm-eval --by-length on the trained tests/data/maze6_tiny (a few percent exact, so the sums
 * below are not 0 = 0): ascending ranges that partition the mazes and whose exact and
 * valid-optimal counts add up to the overall figures. */
static void check_by_length(void) {
    char csv[400];
    snprintf(csv, sizeof csv, "%s/len6.csv", tu_tmp);
    tu_expect(tu_run("%s/trm-maze --algorithm lehnert --size 6 --min-path 6 --unique --count 200 --seed 2 --out %s --quiet",
                     tu_bin, csv), 0, NULL, "CSV for --by-length");
    tu_expect(tu_run("%s/trm-eval --model tests/data/maze6_tiny.safetensors --csv %s --json --by-length --threads 1", tu_bin,
                     csv), 0, "\"by_length\"", "eval --by-length");
    cJSON *j = cJSON_Parse(tu_out);
    const cJSON *bins = j ? cJSON_GetObjectItem(j, "by_length") : NULL;
    CHECK(cJSON_IsArray(bins) && cJSON_GetArraySize(bins) >= 2, "by_length must hold several ranges:\n%s", tu_out);
    if (cJSON_IsArray(bins)) {
        const long count = cJSON_GetObjectItem(j, "count")->valueint;
        const long want_exact = (long)(cJSON_GetObjectItem(j, "exact_accuracy")->valuedouble * count + 0.5);
        const long want_opt = (long)(cJSON_GetObjectItem(j, "valid_optimal_accuracy")->valuedouble * count + 0.5);
        long total = 0, exact = 0, opt = 0, prev_max = -2;
        for (const cJSON *b = bins->child; b; b = b->next) {
            const int lo = cJSON_GetObjectItem(b, "min")->valueint, hi = cJSON_GetObjectItem(b, "max")->valueint;
            const long n = cJSON_GetObjectItem(b, "count")->valueint;
            const double acc = cJSON_GetObjectItem(b, "exact_accuracy")->valuedouble;
            const double vo = cJSON_GetObjectItem(b, "valid_optimal_accuracy")->valuedouble;
            CHECK(lo > prev_max && hi >= lo && n > 0 && acc >= 0 && acc <= 1, "bad range [%d, %d] n %ld acc %g", lo, hi, n, acc);
            prev_max = hi;
            total += n;
            exact += (long)(acc * n + 0.5);
            opt += (long)(vo * n + 0.5);
        }
        CHECK(count == 200 && total == count, "the ranges hold %ld mazes of %ld (200 expected)", total, count);
        CHECK(want_exact > 0, "maze6_tiny should solve a few of these mazes (the sums would be trivial)");
        CHECK(exact == want_exact && opt == want_opt, "by length: exact %ld, valid-optimal %ld; overall %ld, %ld", exact,
              opt, want_exact, want_opt);
    }
    cJSON_Delete(j);
}

/* trm-eval and trm-info on good and bad files. */
static void check_eval_info(const char *model, const char *csv) {
    char bad[400], trunc[400];
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s --json --limit 10", tu_bin, model, csv), 0, "\"exact_accuracy\"", "eval --json");
    cJSON *j = cJSON_Parse(tu_out);
    CHECK(j && cJSON_GetObjectItem(j, "count")->valueint == 10 && cJSON_IsNumber(cJSON_GetObjectItem(j, "valid_optimal_accuracy")) &&
          cJSON_IsNumber(cJSON_GetObjectItem(j, "cell_accuracy")) && cJSON_IsNumber(cJSON_GetObjectItem(j, "mean_steps")),
          "eval --json must print exactly one JSON object with the documented keys:\n%s", tu_out);
    cJSON_Delete(j);
    /* file names are JSON strings: a quote, a backslash and a tab survive the round trip */
    char odd[400];
    snprintf(odd, sizeof odd, "%s/we\"ird\\na\tme.csv", tu_tmp);
    tu_run("cp %s '%s'", csv, odd);
    tu_expect(tu_run("%s/trm-eval --model %s --csv '%s' --json --limit 2", tu_bin, model, odd), 0, "\"count\"",
              "eval --json, odd file name");
    j = cJSON_Parse(tu_out);
    const cJSON *name = j ? cJSON_GetObjectItem(j, "csv") : NULL;
    CHECK(cJSON_IsString(name) && !strcmp(name->valuestring, odd), "eval --json must escape the file name %s:\n%s", odd,
          tu_out);
    cJSON_Delete(j);
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s --early-halt --by-length", tu_bin, model, csv), 0, "valid-optimal",
              "eval early halt by length");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s --early-halt", tu_bin, model, csv), 0, "mean steps", "eval early halt");
    tu_expect(tu_run("%s/trm-info --model %s", tu_bin, model), 0, "L_level.layers.0.self_attn.qkv_proj.weight", "info");
    CHECK(strstr(tu_out, "trainable") && strstr(tu_out, "[16]"), "info prints the parameter count and shapes:\n%s", tu_out);
    /* truncated model */
    snprintf(trunc, sizeof trunc, "%s/trunc.safetensors", tu_tmp);
    tu_run("head -c 300 %s > %s", model, trunc);
    tu_expect(tu_run("%s/trm-info --model %s", tu_bin, trunc), 1, "trunc.safetensors", "truncated model (info)");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s", tu_bin, trunc, csv), 1, "trunc.safetensors", "truncated model (eval)");
    /* CSV with a row of the wrong length, and a 7x7 file for a 6x6 model */
    snprintf(bad, sizeof bad, "%s/bad.csv", tu_tmp);
    tu_run("head -3 %s > %s && echo 'x,\"S   G\",\"S   G\",3' >> %s", csv, bad, bad);
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s", tu_bin, model, bad), 1, "bad.csv", "CSV row of the wrong length");
    CHECK(strstr(tu_out, "row 3") || strstr(tu_out, "line 4"), "the message names the row:\n%s", tu_out);
    tu_expect(tu_run("%s/trm-maze --size 7 --count 3 --seed 1 --out %s --quiet", tu_bin, bad), 0, NULL, "7x7 CSV");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s", tu_bin, model, bad), 1, "6x6", "7x7 CSV for a 6x6 model");
    tu_run("head -2 %s | sed 's/S/x/' > %s.x && mv %s.x %s", csv, bad, bad, bad);
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s", tu_bin, model, bad), 1, "'x'", "bad character in a CSV");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s/none.csv", tu_bin, model, tu_tmp), 1, "none.csv", "missing CSV");
}

/* train.init_model (fine-tuning) and the model file's record of its training data. With lr 0 a
 * fine-tune changes nothing, so its model must hold the start model's tensors bit for bit. */
static void check_init_and_training_record(const char *cfg, const char *model) {
    char csv[400], a[400], b[400];
    snprintf(csv, sizeof csv, "%s/mix.csv", tu_tmp);
    snprintf(a, sizeof a, "%s/a.csv", tu_tmp);
    snprintf(b, sizeof b, "%s/b.csv", tu_tmp);
    tu_expect(tu_run("%s/trm-maze --algorithm dfs-any --size 6 --min-path 4 --count 30 --seed 3 --out %s --quiet", tu_bin, a), 0,
              NULL, "dfs-any CSV");
    tu_expect(tu_run("%s/trm-maze --size 6 --unique --count 10 --seed 4 --out %s --quiet", tu_bin, b), 0, NULL, "lehnert CSV");
    tu_run("(cat %s; tail -n +2 %s) > %s", a, b, csv);
    tu_expect(tu_run("%s/trm-train --config %s --out %s/ft --quiet --set '{\"data\": {\"generator\": null, \"train_csv\": \"%s\", "
                     "\"test_csv\": \"%s\"}, \"train\": {\"init_model\": \"%s\", \"lr\": 0, \"puzzle_emb_lr\": 0}, "
                     "\"model\": {\"H_cycles\": 3}}'", tu_bin, cfg, tu_tmp, csv, b, model),
              0, NULL, "fine-tune from a model file");
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    tu_run("%s/trm-info --model %s | grep -v '^/' | grep -v trained | grep -v passes | grep -v H_cycles", tu_bin, model);
    x = strdup(tu_out);
    nx = strlen(x);
    tu_run("%s/trm-info --model %s/ft/model.safetensors | grep -v '^/' | grep -v trained | grep -v passes | grep -v H_cycles",
           tu_bin, tu_tmp);
    y = strdup(tu_out);
    ny = strlen(y);
    CHECK(nx > 200 && nx == ny && !strcmp(x, y), "an lr-0 fine-tune must keep every tensor of its start model:\n%s\n---\n%s", x, y);
    free(x);
    free(y);
    tu_expect(tu_run("%s/trm-info --model %s/ft/model.safetensors", tu_bin, tu_tmp), 0, "\"source\":\"csv\"",
              "the training record of a CSV run");
    CHECK(strstr(tu_out, "{\"algorithm\":\"dfs-any\",\"min_path\":4,\"unique\":true,\"share\":0.75") &&
              strstr(tu_out, "{\"algorithm\":\"lehnert\",\"min_path\":6,\"unique\":true,\"share\":0.25"),
          "the record names both kinds with their shares (30 and 10 rows):\n%s", tu_out);
    tu_expect(tu_run("%s/trm-info --model %s", tu_bin, model), 0, "\"source\":\"generator\"", "the training record of a generator run");
    tu_expect(tu_run("%s/trm-train --config %s --out %s/ft2 --quiet --set '{\"model\": {\"hidden_size\": 32, \"puzzle_emb_ndim\": 32}, "
                     "\"train\": {\"init_model\": \"%s\"}}'", tu_bin, cfg, tu_tmp, model),
              1, "train.init_model", "fine-tune from a model of another size");
    CHECK(strstr(tu_out, "hidden_size"), "the message says which setting differs:\n%s", tu_out);
    tu_expect(tu_run("%s/trm-train --config %s --out %s/ft3 --quiet --set '{\"train\": {\"init_model\": \"%s/none.safetensors\"}}'",
                     tu_bin, cfg, tu_tmp, tu_tmp), 1, "none.safetensors", "fine-tune from a missing file");
}

/* Copy checkpoint src to dst with n bytes of tensor `name` (at byte offset off) replaced. */
static int patch_tensor(const char *src, const char *dst, const char *name, size_t off, const void *bytes, size_t n) {
    FILE *f = fopen(src, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len);
    int rc = buf && fread(buf, 1, (size_t)len, f) == (size_t)len ? 0 : -1;
    fclose(f);
    uint64_t hlen = 0;
    for (int i = 0; !rc && i < 8; i++) hlen |= (uint64_t)buf[i] << (8 * i);
    cJSON *h = rc ? NULL : cJSON_ParseWithLength((const char *)buf + 8, (size_t)hlen);
    const cJSON *t = h ? cJSON_GetObjectItem(h, name) : NULL;
    const cJSON *offs = t ? cJSON_GetObjectItem(t, "data_offsets") : NULL;
    if (!offs) rc = -1;
    else memcpy(buf + 8 + hlen + (size_t)cJSON_GetArrayItem(offs, 0)->valuedouble + off, bytes, n);
    cJSON_Delete(h);
    if (!rc && (f = fopen(dst, "wb"))) {
        rc = fwrite(buf, 1, (size_t)len, f) == (size_t)len ? 0 : -1;
        fclose(f);
    } else if (!rc) {
        rc = -1;
    }
    free(buf);
    return rc;
}

/* --resume trusts no value in a checkpoint: each edit below must be refused with its name. */
static void check_resume_validation(const char *run_dir) {
    const int32_t big = 2147483647, five = 5, minus = -1;
    const uint8_t tok = 200, two = 2;
    const float nan = NAN;
    const uint64_t zero[4] = {0, 0, 0, 0};
    static const struct { const char *tensor; size_t off, n; int value; const char *want; } cases[] = {
        {"trainer.data.puzzle_ids", 0, 4, 0, "trainer.data.puzzle_ids[0] is 5"},
        {"trainer.act.steps", 4, 4, 1, "trainer.act.steps[1] is 2147483647"},
        {"trainer.act.steps", 0, 4, 2, "trainer.act.steps[0] is -1"},
        {"trainer.act.halted", 0, 1, 3, "trainer.act.halted[0] is 2"},
        {"trainer.data.inputs", 3, 1, 4, "trainer.data.inputs[3] is token 200"},
        {"trainer.data.labels", 0, 1, 4, "trainer.data.labels[0] is token 200"},
        {"trainer.params", 8, 4, 5, "trainer.params[2] is nan"},
        {"trainer.ema", 0, 4, 5, "trainer.ema[0] is nan"},
        {"trainer.optimizer.m", 4, 4, 5, "trainer.optimizer.m[1] is nan"},
        {"trainer.rng", 0, 32, 6, "trainer.rng is all zero"},
        {"data.rng", 0, 32, 6, "data.rng is all zero"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const void *v = cases[i].value == 0 ? (const void *)&five : cases[i].value == 1 ? (const void *)&big
                        : cases[i].value == 2 ? (const void *)&minus : cases[i].value == 3 ? (const void *)&two
                        : cases[i].value == 4 ? (const void *)&tok : cases[i].value == 5 ? (const void *)&nan : (const void *)zero;
        char dir[400], ck[500], src[500];
        snprintf(dir, sizeof dir, "%s/edited%zu", tu_tmp, i);
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", dir);
        snprintf(src, sizeof src, "%s/checkpoint.safetensors", run_dir);
        tu_run("rm -rf %s && cp -r %s %s", dir, run_dir, dir);
        CHECK(patch_tensor(src, ck, cases[i].tensor, cases[i].off, v, cases[i].n) == 0, "cannot edit %s", cases[i].tensor);
        tu_expect(tu_run("%s/trm-train --resume %s --total-steps 9 --quiet", tu_bin, ck), 1, cases[i].want, cases[i].tensor);
    }
}

/* Misuse of the file system: a FIFO as input, two trainers on one directory, a kill -9's
 * temporary file, a metrics log that cannot be written (/dev/full). */
static void check_files_misuse(const char *cfg, const char *model) {
    char fifo[400], dir[400];
    snprintf(fifo, sizeof fifo, "%s/fifo.csv", tu_tmp);
    tu_run("mkfifo %s", fifo);
    tu_expect(tu_run("timeout 10 %s/trm-eval --model %s --csv %s", tu_bin, model, fifo), 1, "(it is a FIFO)", "a FIFO as the CSV");
    tu_expect(tu_run("timeout 10 %s/trm-info --model %s", tu_bin, fifo), 1, "not a regular file", "a FIFO as the model");
    snprintf(dir, sizeof dir, "%s/locked", tu_tmp);
    tu_run("mkdir -p %s && touch %s/.lock", dir, dir);
    /* flock(1) holds the directory's lock while the trainer it starts tries to take it */
    tu_expect(tu_run("flock %s/.lock timeout 20 %s/trm-train --config %s --out %s --quiet", dir, tu_bin, cfg, dir), 1,
              "is in use by another trm-train", "a second trainer on a locked directory");
    snprintf(dir, sizeof dir, "%s/run", tu_tmp);
    tu_run("touch %s/checkpoint.safetensors.tmp.99999999 %s/model.safetensors.tmp.12", dir, dir);
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --quiet", tu_bin, dir), 0, NULL, "resume at the end");
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 7 --quiet && ls %s", tu_bin, dir, dir), 0, NULL,
              "resume cleans stale temporaries");
    CHECK(!strstr(tu_out, ".tmp."), "stale temporary files must be removed:\n%s", tu_out);
    snprintf(dir, sizeof dir, "%s/full", tu_tmp);
    tu_run("rm -rf %s && mkdir -p %s && ln -s /dev/full %s/metrics.jsonl", dir, dir, dir);
    tu_expect(tu_run("%s/trm-train --config %s --out %s --quiet", tu_bin, cfg, dir), 1, "cannot write", "metrics on a full disk");
}

/* --vote in trm-solve and trm-eval, on the trained tests/data/maze6_tiny (its views disagree
 * often, so the vote is tested): the trace has every pass's vote, and on one-maze files
 * trm-solve's voted answer has as many cells right as trm-eval's (the same vote over the same
 * early halts). */
static void check_vote(void) {
    char csv[400], trace[400];
    snprintf(trace, sizeof trace, "%s/vote.json", tu_tmp);
    int split = 0, differ = 0;
    for (int seed = 1; seed <= 6; seed++) {
        snprintf(csv, sizeof csv, "%s/vote%d.csv", tu_tmp, seed);
        tu_expect(tu_run("%s/trm-maze --size 6 --min-path 6 --count 1 --seed %d --out %s --quiet", tu_bin, seed, csv), 0,
                  NULL, "one-maze CSV");
        tu_expect(tu_run("%s/trm-solve --model tests/data/maze6_tiny.safetensors --csv %s --row 1 --early-halt --vote "
                         "--steps 6 --trace %s --threads 1", tu_bin, csv, trace), 0, "views gave this answer",
                  "solve --vote");
        size_t len;
        char *text = tu_read(trace, &len);
        cJSON *j = text ? cJSON_Parse(text) : NULL;
        const cJSON *passes = j ? cJSON_GetObjectItem(j, "passes") : NULL;
        CHECK(j && cJSON_GetObjectItem(j, "views")->valueint == 8 && cJSON_GetArraySize(passes) >= 2,
              "vote trace: views 8 and passes");
        const char *label = j ? cJSON_GetObjectItem(j, "label")->valuestring : NULL;
        const char *answer = j ? cJSON_GetObjectItem(cJSON_GetObjectItem(j, "final"), "grid")->valuestring : NULL;
        int same_cells = 0; /* the voted answer's cells that equal the label: trm-eval's cell accuracy x 36 */
        for (int i = 0; label && answer && i < 36; i++) same_cells += label[i] == answer[i];
        for (int i = 0; passes && i < cJSON_GetArraySize(passes); i++) {
            const cJSON *v = cJSON_GetObjectItem(cJSON_GetArrayItem(passes, i), "votes");
            const int agree = v ? cJSON_GetObjectItem(v, "agree")->valueint : 0;
            const int distinct = v ? cJSON_GetObjectItem(v, "distinct")->valueint : 0;
            CHECK(v && cJSON_GetObjectItem(v, "views")->valueint == 8 && agree >= 1 && agree <= 8 && distinct >= 1 &&
                      agree + distinct - 1 <= 8,
                  "pass %d: votes {views 8, agree %d, distinct %d}", i, agree, distinct);
            split += agree < 8;
        }
        cJSON_Delete(j);
        free(text);
        tu_expect(tu_run("%s/trm-eval --model tests/data/maze6_tiny.safetensors --csv %s --early-halt --vote --steps 6 "
                         "--json --threads 1", tu_bin, csv), 0, "\"views\": 8", "eval --vote");
        j = cJSON_Parse(tu_out);
        const int eval_cells = j ? (int)(cJSON_GetObjectItem(j, "cell_accuracy")->valuedouble * 36 + 0.5) : -1;
        CHECK(same_cells == eval_cells, "seed %d: trm-solve --vote's answer has %d cells right, trm-eval --vote's %d", seed,
              same_cells, eval_cells);
        differ += same_cells < 36;
        cJSON_Delete(j);
    }
    CHECK(split > 0 && differ > 0, "the views never disagreed (%d) or every answer was the label (%d): the votes prove "
                                   "nothing", split, differ);
    tu_expect(tu_run("%s/trm-solve --model tests/data/maze6_tiny.safetensors --csv %s --row 1 --quiet", tu_bin, csv), 0,
              NULL, "solve without --vote");
    CHECK(!strstr(tu_out, "views"), "without --vote no vote is reported:\n%s", tu_out);
}

int main(int argc, char **argv) {
    (void)argc;
    if (tu_init(argv[0], "trm_test_tools")) return 1;
    check_help();
    check_bad_configs();
    char cfg[400], csv[400], model[400];
    snprintf(cfg, sizeof cfg, "%s/tiny.json", tu_tmp);
    snprintf(csv, sizeof csv, "%s/test.csv", tu_tmp);
    snprintf(model, sizeof model, "%s/run/model.safetensors", tu_tmp);
    tu_write(cfg, TINY_CONFIG);
    tu_expect(tu_run("%s/trm-train --config %s --out %s/run --quiet", tu_bin, cfg, tu_tmp), 0, NULL, "tiny training run");
    tu_expect(tu_run("%s/trm-train --config %s --out %s/run --quiet", tu_bin, cfg, tu_tmp), 1, "--resume", "refuse to overwrite a run");
    /* the held-out set of the tiny run: test_seed = seed + 1 */
    tu_expect(tu_run("%s/trm-maze --size 6 --unique --count 16 --seed 6 --out %s --quiet", tu_bin, csv), 0, NULL, "trm-maze");
    check_solve(model, csv);
    check_eval_info(model, csv);
    check_by_length();
    check_eval_interrupt();
    check_vote();
    check_init_and_training_record(cfg, model);
    char run_dir[400];
    snprintf(run_dir, sizeof run_dir, "%s/run", tu_tmp);
    check_resume_validation(run_dir);
    check_files_misuse(cfg, model);
    return tu_done();
}
