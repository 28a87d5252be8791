/* test_csv.c: the HRM CSV reader and writer: round trips (memory and file), the official
 * file's dialect (BOM, CRLF, unquoted grids, "118.0" ratings, square size inference), and every
 * malformed-input case with the message fragment it must produce. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "maze.h"

static int failures = 0;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
        }                                                                    \
    } while (0)

static int same_dataset(const trmn_csv_dataset *a, const trmn_csv_dataset *b) {
    if (a->count != b->count || a->height != b->height || a->width != b->width) return 0;
    size_t cells = (size_t)a->height * (size_t)a->width;
    for (size_t i = 0; i < a->count; i++) {
        if (strcmp(a->sources[i], b->sources[i]) || a->ratings[i] != b->ratings[i]) return 0;
        if (memcmp(a->questions + i * cells, b->questions + i * cells, cells)) return 0;
        if (memcmp(a->answers + i * cells, b->answers + i * cells, cells)) return 0;
    }
    return 1;
}

/* A small generated dataset with awkward sources. */
static void make_dataset(trmn_csv_dataset *d, int h, int w, int n) {
    static const char *sources[] = {"plain", "with, comma", "with \"quotes\"", "multi\nline\r\nsource", "", "x"};
    trm_maze_options o;
    trm_maze_options_default(&o, h, w);
    void *ws = malloc(trm_maze_workspace_bytes(h, w));
    uint8_t q[1024], l[1024];
    int len;
    trm_error err;
    trmn_csv_init(d, trm_task_default(), h, w);
    for (int k = 0; k < n; k++) {
        if (trm_maze_generate(&o, 5, (uint64_t)k, q, l, &len, ws, &err) != TRM_OK ||
            trmn_csv_append(d, sources[k % 6], q, l, len, &err) != TRM_OK) {
            fprintf(stderr, "setup failed: %s\n", err.msg);
            exit(1);
        }
    }
    free(ws);
}

static void test_round_trip(void) {
    trmn_csv_dataset d, back;
    trm_error err;
    char *text;
    size_t len;
    make_dataset(&d, 7, 9, 40);
    CHECK(trmn_csv_format(&d, &text, &len, &err) == TRM_OK, "format: %s", err.msg);
    CHECK(!strncmp(text, "source,question,answer,rating\n", 30), "header missing");
    CHECK(strstr(text, "\"with, comma\"") && strstr(text, "\"with \"\"quotes\"\"\""), "sources not quoted/escaped");
    CHECK(trmn_csv_parse(text, len, "mem", trm_task_default(), 7, 9, &back, &err) == TRM_OK, "parse: %s", err.msg);
    CHECK(same_dataset(&d, &back), "memory round trip differs");
    trmn_csv_free(&back);
    free(text);

    char path[128];
    snprintf(path, sizeof path, "/tmp/trm_test_csv_%ld.csv", (long)getpid());
    CHECK(trmn_csv_write(path, &d, &err) == TRM_OK, "write: %s", err.msg);
    CHECK(trmn_csv_read(path, trm_task_default(), 7, 9, &back, &err) == TRM_OK, "read: %s", err.msg);
    CHECK(same_dataset(&d, &back), "file round trip differs");
    trmn_csv_free(&back);
    remove(path);
    CHECK(trmn_csv_write("/nonexistent-dir/x.csv", &d, &err) != TRM_OK && strstr(err.msg, "/nonexistent-dir/x.csv"),
          "write to a missing directory: '%s'", err.msg);
    trmn_csv_free(&d);

    make_dataset(&d, 6, 6, 10); /* square: the size is inferred */
    CHECK(trmn_csv_format(&d, &text, &len, &err) == TRM_OK, "format: %s", err.msg);
    CHECK(trmn_csv_parse(text, len, "mem", trm_task_default(), 0, 0, &back, &err) == TRM_OK && back.height == 6 && back.width == 6,
          "inferred size %dx%d (%s)", back.height, back.width, err.msg);
    CHECK(same_dataset(&d, &back), "square round trip differs");
    trmn_csv_free(&back);
    free(text);
    d.answers[3] = 0; /* a PAD token cannot be written */
    CHECK(trmn_csv_format(&d, &text, &len, &err) == TRM_E_FORMAT && strstr(err.msg, "row 1, answer, grid row 0, column 3"),
          "PAD written: '%s'", err.msg);
    trmn_csv_free(&d);
    printf("ok   round trips (memory, file, inferred square size)\n");
}

/* The official files: maybe a BOM, CRLF, grids unquoted (no comma inside), ratings as floats. */
static void test_official_dialect(void) {
    const char text[] =
        "\xEF\xBB\xBFsource,question,answer,rating\r\n"
        "a,S  # #  G,Soo#o#ooG,118.0\r\n"
        "b,\"#S G     \",\"#SoG     \",2\r\n"
        "\r\n";
    trmn_csv_dataset d;
    trm_error err;
    CHECK(trmn_csv_parse(text, sizeof text - 1, "official", trm_task_default(), 0, 0, &d, &err) == TRM_OK, "parse: %s", err.msg);
    if (d.count == 2) {
        CHECK(d.height == 3 && d.width == 3 && d.ratings[0] == 118 && d.ratings[1] == 2, "values: %dx%d %d %d", d.height,
              d.width, d.ratings[0], d.ratings[1]);
        CHECK(!strcmp(d.sources[0], "a") && !strcmp(d.sources[1], "b"), "sources");
        CHECK(d.questions[0] == TRM_MAZE_START && d.questions[3] == TRM_MAZE_WALL && d.answers[4] == TRM_MAZE_PATH,
              "tokens");
    } else {
        CHECK(0, "%zu rows, expected 2", d.count);
    }
    trmn_csv_free(&d);
    printf("ok   official dialect (BOM, CRLF, unquoted grids, 118.0)\n");
}

/* Parse text and expect failure with a message containing want. */
static void expect_error(const char *what, const char *text, int h, int w, const char *want) {
    trmn_csv_dataset d;
    trm_error err;
    err.msg[0] = '\0';
    trm_status st = trmn_csv_parse(text, strlen(text), "t.csv", trm_task_default(), h, w, &d, &err);
    CHECK(st != TRM_OK && strstr(err.msg, want), "%s: status %d, message '%s', expected '%s'", what, (int)st, err.msg,
          want);
    CHECK(d.count == 0 && d.questions == NULL, "%s: dataset not left empty", what);
    trmn_csv_free(&d);
}

#define HDR "source,question,answer,rating\n"

static void test_errors(void) {
    expect_error("empty", "", 0, 0, "t.csv: empty file");
    expect_error("blank lines only", "\n\r\n", 0, 0, "empty file");
    expect_error("short header", "source,question,answer\n", 0, 0, "t.csv: line 1: header has 3 columns");
    expect_error("header only", HDR, 0, 0, "no data rows");
    expect_error("3 columns", HDR "a,S G ,SoG \n", 0, 0, "t.csv: line 2 (data row 1): 3 columns, expected 4");
    expect_error("5 columns", HDR "a,SG,SG,1,extra\n", 0, 0, "5 columns");
    expect_error("unterminated", HDR "a,\"S  G,S  G,3\n", 0, 0, "line 2: column 2: quote opened on line 2 is never closed");
    expect_error("after quote", HDR "a,\"SG\"x,SG,1\n", 0, 0, "column 2: unexpected character 'x' after the closing quote");
    expect_error("answer length", HDR "a,S  # #  G,S  # # G,3\n", 0, 0,
                 "column 3 (answer): 8 characters, but the question has 9");
    expect_error("size given", HDR "a,S  # #  G,S  # #  G,3\n", 2, 5, "column 2 (question): 9 characters, expected 2 x 5 = 10");
    expect_error("not square", HDR "a,S  # # G,S  # # G,3\n", 0, 0, "length 8 is not a square");
    expect_error("second row length", HDR "a,S#  #   G,S#  #   G,3\nb,S   G,S   G,3\n", 0, 0,
                 "line 3 (data row 2): column 2 (question): 5 characters, expected 3 x 3 = 9");
    expect_error("bad question char", HDR "a,S  #x#  G,S  # #  G,3\n", 0, 0,
                 "column 2 (question): grid row 1, column 1: character 'x'");
    expect_error("bad answer char", HDR "a,S  # #  G,S  # #  *,3\n", 0, 0,
                 "column 3 (answer): grid row 2, column 2: character '*'");
    expect_error("rating letters", HDR "a,SG  ,SG  ,12a\n", 0, 0, "column 4 (rating): '12a' is not an integer");
    expect_error("rating empty", HDR "a,SG  ,SG  ,\n", 0, 0, "column 4 (rating): '' is not an integer");
    expect_error("rating fraction", HDR "a,SG  ,SG  ,1.5\n", 0, 0, "'1.5' is not an integer");
    expect_error("rating overflow", HDR "a,SG  ,SG  ,99999999999\n", 0, 0, "'99999999999' is not an integer");
    expect_error("rating space", HDR "a,SG  ,SG  , 3\n", 0, 0, "' 3' is not an integer");
    expect_error("bad size", HDR "a,SG,SG,1\n", 0, 5, "grid size 0 x 5");
    expect_error("no header: the first row would be lost", "a,SG  ,SG  ,1\nb,SG  ,SG  ,1\n", 0, 0,
                 "line 1: column 1 of the header is 'a', expected 'source'");
    expect_error("misspelt header", "source,question,answers,rating\na,SG  ,SG  ,1\n", 0, 0,
                 "column 3 of the header is 'answers', expected 'answer'");
    expect_error("'o' in a question", HDR "a,So G,So G,1\n", 0, 0,
                 "column 2 (question row 0, column 1: token 5 ('o') is not '#', ' ', 'S' or 'G')");
    expect_error("two S", HDR "a,SS G,SS G,1\n", 0, 0, "column 2 (question has 2 start cells 'S', expected 1)");
    expect_error("no G", HDR "a,S   ,S   ,1\n", 0, 0, "question has 0 goal cells 'G', expected 1");
    expect_error("answer moves a wall", HDR "a,S#  #   G,S #  #  G,3\n", 0, 0,
                 "column 3 (answer): row 0, column 1 is ' ' where the question has '#'");
    expect_error("answer paths through a wall", HDR "a,S#  #   G,So  #   G,3\n", 0, 0,
                 "column 3 (answer): row 0, column 1 is 'o' where the question has '#'");
    expect_error("answer drops G", HDR "a,S  G,S   ,1\n", 0, 0, "column 3 (answer): row 1, column 1 is ' ' where the question has 'G'");
    expect_error("line numbers after a multi-line field", HDR "\"x\ny\nz\",SG  ,SG  ,1\nb,SG  ,SGx ,1\n", 0, 0,
                 "line 5 (data row 2): column 3 (answer)");
    {
        const char nul[] = HDR "a,S\0G ,SG  ,1\n";
        trmn_csv_dataset d;
        trm_error err;
        CHECK(trmn_csv_parse(nul, sizeof nul - 1, "t.csv", trm_task_default(), 0, 0, &d, &err) == TRM_E_FORMAT && strstr(err.msg, "NUL byte"),
              "NUL: '%s'", err.msg);
        trmn_csv_free(&d);
    }
    trmn_csv_dataset d;
    trm_error err;
    CHECK(trmn_csv_read("/nonexistent/file.csv", trm_task_default(), 0, 0, &d, &err) != TRM_OK && strstr(err.msg, "/nonexistent/file.csv"),
          "missing file: '%s'", err.msg);
    /* Accepted edge cases. */
    const char *signed_text = HDR "a,SG  ,SG  ,-7\nb,SG  ,SG  ,+3", *cr_text = HDR "a,SG  ,SG  ,1\rb,SG  ,SG  ,2\r";
    CHECK(trmn_csv_parse(signed_text, strlen(signed_text), "t.csv", trm_task_default(), 0, 0, &d, &err) == TRM_OK &&
              d.count == 2 && d.ratings[0] == -7 && d.ratings[1] == 3,
          "signed ratings / no final newline: %s", err.msg);
    trmn_csv_free(&d);
    CHECK(trmn_csv_parse(cr_text, strlen(cr_text), "t.csv", trm_task_default(), 0, 0, &d, &err) == TRM_OK &&
              d.count == 2,
          "CR line ends: %s (%zu rows)", err.msg, d.count);
    trmn_csv_free(&d);
    printf("ok   malformed input gives the expected messages\n");
}

int main(void) {
    test_round_trip();
    test_official_dialect();
    test_errors();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all csv checks passed\n");
    return 0;
}
