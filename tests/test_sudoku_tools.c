/* test_sudoku_tools.c: the command-line tools on the sudoku task as a user runs them: trm-sudoku
 * generates a dataset (the same bytes again; every row one solution, rated) and rates files
 * ('0' blanks, bad rows named); trm-train trains an mlp_t model on it; trm-eval --by-rating and
 * --vote; trm-solve reads a 9-line grid or one line of 81, names bad input, and traces. */
#include "tools_util.h"

#include <cjson/cJSON.h>

static const char CONFIG[] =
    "{\"model\": {\"task\": \"sudoku\", \"mlp_t\": true, \"pos_encodings\": \"none\", \"hidden_size\": 16,\n"
    "           \"num_heads\": 2, \"expansion\": 2, \"H_cycles\": 2, \"L_cycles\": 1, \"halt_max_steps\": 2,\n"
    "           \"puzzle_emb_len\": 1, \"puzzle_emb_ndim\": 16},\n"
    " \"data\": {\"train_csv\": \"%s/train.csv\", \"test_csv\": \"%s/test.csv\", \"augment\": true},\n"
    " \"train\": {\"batch_size\": 8, \"lr\": 1e-3, \"lr_warmup_steps\": 2, \"total_steps\": 4, \"eval_interval\": 4,\n"
    "           \"log_interval\": 2, \"checkpoint_interval\": 4, \"threads\": 1}}\n";

/* Norvig's grid1, as 9 lines and as one line with '0' blanks. */
static const char GRID9[] = "..3.2.6..\n9..3.5..1\n..18.64..\n..81.29..\n7.......8\n..67.82..\n..26.95..\n8..2.3..9\n..5.1.3..\n";
static const char LINE81[] = "003020600900305001001806400008102900700000008006708200002609500800203009005010300\n";

static void check_generate_and_rate(void) {
    tu_expect(tu_run("%s/trm-sudoku --help", tu_bin), 0, "usage:", "help");
    tu_expect(tu_run("%s/trm-sudoku --count 3 --seed 1 --generator easy --out x.csv", tu_bin), 2, "--generator 'easy'", "bad generator");
    tu_expect(tu_run("%s/trm-sudoku --seed 1 --out x.csv", tu_bin), 2, "missing --count", "no count");
    tu_expect(tu_run("%s/trm-sudoku --rate x.csv --count 3", tu_bin), 2, "--rate reads puzzles", "rate and count");
    tu_expect(tu_run("%s/trm-sudoku --count 40 --seed 3 --out %s/train.csv", tu_bin, tu_tmp), 0, "40 minimal puzzles", "generate");
    tu_expect(tu_run("%s/trm-sudoku --count 40 --seed 3 --out %s/again.csv --quiet", tu_bin, tu_tmp), 0, NULL, "again");
    tu_expect(tu_run("cmp %s/train.csv %s/again.csv", tu_tmp, tu_tmp), 0, NULL, "the same seed gives the same file");
    tu_expect(tu_run("%s/trm-sudoku --count 16 --seed 4 --min-rating 2 --out %s/test.csv", tu_bin, tu_tmp), 0, "rated >= 2",
              "generate rated");
    CHECK(!strstr(tu_out, "\n  0 ") && !strstr(tu_out, "\n  1 "), "min-rating 2: no band below 2:\n%s", tu_out);
    tu_expect(tu_run("%s/trm-sudoku --rate %s/train.csv --out %s/rerated.csv", tu_bin, tu_tmp, tu_tmp), 0,
              "40 puzzles", "rate");
    tu_expect(tu_run("cmp %s/train.csv %s/rerated.csv", tu_tmp, tu_tmp), 0, NULL, "rating a generated file changes nothing");
    /* HRM layout with '0' blanks and another rating; then a row whose answer is wrong, one with two solutions */
    char path[400], text[2000];
    snprintf(path, sizeof path, "%s/zeros.csv", tu_tmp);
    snprintf(text, sizeof text,
             "source,question,answer,rating\n"
             "x,%.81s,483921657967345821251876493548132976729564138136798245372689514814253769695417382,99\n",
             LINE81);
    tu_write(path, text);
    tu_expect(tu_run("%s/trm-sudoku --rate %s --out -", tu_bin, path), 0, "\"..3.2.6..9", "'0' blanks are read");
    CHECK(strstr(tu_out, "382\",0") != NULL, "the rating is rewritten (singles solve grid1):\n%s", tu_out);
    snprintf(text, sizeof text,
             "source,question,answer,rating\n"
             "x,%.81s,483921657967345821251876493548132976729564138136798245372689514814253769695417382,0\n"
             "y,%.81s,483921657967345821251876493548132976729564138136798245372689514814253769695417328,0\n",
             LINE81, LINE81);
    tu_write(path, text);
    tu_expect(tu_run("%s/trm-sudoku --rate %s", tu_bin, path), 1, "row 2", "a wrong answer is named by its row");
    CHECK(strstr(tu_out, "row 2, column 7") || strstr(tu_out, "not the puzzle's solution"), "why:\n%s", tu_out);
    snprintf(text, sizeof text,
             "source,question,answer,rating\n"
             "x,.................................................................................,"
             "483921657967345821251876493548132976729564138136798245372689514814253769695417382,0\n");
    tu_write(path, text);
    tu_expect(tu_run("%s/trm-sudoku --rate %s", tu_bin, path), 1, "row 1: several solutions", "an empty grid");
    snprintf(text, sizeof text, "source,question,answer,rating\nx,%.80s,%.80s,0\n", LINE81, LINE81);
    tu_write(path, text);
    tu_expect(tu_run("%s/trm-sudoku --rate %s", tu_bin, path), 1, "80", "80 characters");
}

static void check_train_eval_solve(void) {
    char cfg[400], text[2000], model[400], grid[400], trace[400];
    snprintf(cfg, sizeof cfg, "%s/sudoku.json", tu_tmp);
    snprintf(text, sizeof text, CONFIG, tu_tmp, tu_tmp);
    tu_write(cfg, text);
    snprintf(model, sizeof model, "%s/run/model.safetensors", tu_tmp);
    tu_expect(tu_run("%s/trm-train --config %s --out %s/run", tu_bin, cfg, tu_tmp), 0, "40 puzzles 9x9", "train mlp_t on sudoku");
    CHECK(strstr(tu_out, "the task's shuffles") != NULL, "augmentation named:\n%s", tu_out);
    tu_expect(tu_run("%s/trm-info --model %s", tu_bin, model), 0, "sudoku", "info names the task");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s/test.csv --by-rating --json", tu_bin, model, tu_tmp), 0, "by_rating",
              "eval by rating");
    cJSON *j = cJSON_Parse(tu_out);
    const cJSON *bands = cJSON_GetObjectItem(j, "by_rating");
    long n = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, bands) {
        n += (long)cJSON_GetObjectItem(b, "count")->valuedouble;
        CHECK(cJSON_GetObjectItem(b, "min")->valuedouble >= 2, "bands start at the minimum rating 2");
    }
    CHECK(j && cJSON_GetArraySize(bands) >= 1 && n == 16, "by_rating covers the 16 puzzles (%ld)", n);
    cJSON_Delete(j);
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s/test.csv --vote --limit 4", tu_bin, model, tu_tmp), 0,
              "voting over 8 views", "eval with voting");
    tu_expect(tu_run("%s/trm-eval --model %s --csv %s/test.csv --limit 4", tu_bin, model, tu_tmp), 0, "4 puzzles 9x9", "eval");
    snprintf(grid, sizeof grid, "%s/grid.txt", tu_tmp);
    snprintf(trace, sizeof trace, "%s/trace.json", tu_tmp);
    tu_write(grid, GRID9);
    tu_expect(tu_run("%s/trm-solve --model %s --grid %s --trace %s", tu_bin, model, grid, trace), 0, "supervision step",
              "solve a 9-line grid");
    CHECK(strstr(tu_out, "puzzle") && strstr(tu_out, "|..3.2.6..|"), "the puzzle is printed:\n%s", tu_out);
    char *t = tu_read(trace, NULL);
    cJSON *tj = t ? cJSON_Parse(t) : NULL;
    const cJSON *q = cJSON_GetObjectItem(tj, "question"), *passes = cJSON_GetObjectItem(tj, "passes");
    CHECK(cJSON_IsString(q) && !strncmp(q->valuestring, "..3.2.6..9..3.5..1", 18) && cJSON_GetArraySize(passes) == 4,
          "the trace holds the question and 2 steps x 2 passes");
    cJSON_Delete(tj);
    free(t);
    tu_write(grid, LINE81);
    tu_expect(tu_run("%s/trm-solve --model %s --grid %s --quiet", tu_bin, model, grid), 0, "valid", "one line of 81, '0' blanks");
    char bad[200];
    snprintf(bad, sizeof bad, "%.80s..5.1.3.3\n", GRID9); /* 8 lines, then a clashing 9th */
    tu_write(grid, bad);
    tu_expect(tu_run("%s/trm-solve --model %s --grid %s", tu_bin, model, grid), 1, "contradictory givens: row 8 has two 3s",
              "clashing givens");
    snprintf(bad, sizeof bad, "%.80s..5.1.3.x\n", GRID9);
    tu_write(grid, bad);
    tu_expect(tu_run("%s/trm-solve --model %s --grid %s", tu_bin, model, grid), 1, "line 9, column 9: character 'x'",
              "a bad character");
    snprintf(bad, sizeof bad, "%.80s\n", LINE81);
    tu_write(grid, bad);
    tu_expect(tu_run("%s/trm-solve --model %s --grid %s", tu_bin, model, grid), 1, "has 80 characters", "80 characters");
    /* a maze generator for a sudoku model is refused by name */
    snprintf(text, sizeof text,
             "{\"model\": {\"task\": \"sudoku\"}, \"data\": {\"generator\": {\"height\": 9, \"width\": 9}}}");
    tu_write(cfg, text);
    tu_expect(tu_run("%s/trm-train --config %s --out %s/run2", tu_bin, cfg, tu_tmp), 1, "trm-sudoku makes one",
              "generator with sudoku");
}

int main(int argc, char **argv) {
    (void)argc;
    if (tu_init(argv[0], "trm_test_sudoku_tools")) return 1;
    check_generate_and_rate();
    check_train_eval_solve();
    return tu_done();
}
