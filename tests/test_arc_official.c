/* test_arc_official.c: core/arc.c against the official TRM code's own outputs.
 * tests/data/arc_official.json was written by scripts/arc_fixture.py, which imports the official
 * dataset/build_arc_dataset.py, dataset/common.py and evaluators/arc.py (its "provenance" names
 * the commit) and records: augmentations drawn by aug() with the grids it and inverse_aug() give;
 * canvases of np_grid_to_seq_translational_augment at given offsets; _crop of tricky canvases;
 * and the rankings ARC.result gives vote sets. Every case must match exactly. No Python is needed
 * here. Layout: a grid is a list of row strings of digits ([] empty); a canvas 30 strings of 30
 * base-36 digits, one per token. */
#include <string.h>

#include "arc.h"
#include "check.h"
#include "fileio.h"
#include "json.h"

#define FIXTURE "tests/data/arc_official.json"

enum { S = TRM_ARC_SIDE, N = TRM_ARC_CELLS };

static const cJSON *item(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        fprintf(stderr, "%s: a case has no \"%s\"\n", FIXTURE, key);
        exit(1);
    }
    return v;
}

static int get_int(const cJSON *obj, const char *key) { return (int)cJSON_GetNumberValue(item(obj, key)); }

/* rows: a JSON list of row strings; what: its name, for errors. */
static void read_grid(const cJSON *rows, const char *what, trm_arc_grid *g) {
    memset(g, 0, sizeof *g);
    g->h = cJSON_GetArraySize(rows);
    g->w = g->h ? (int)strlen(cJSON_GetArrayItem(rows, 0)->valuestring) : 0;
    int r = 0;
    for (const cJSON *row = rows->child; row; row = row->next, r++) {
        const char *s = cJSON_GetStringValue(row);
        if (!s || (int)strlen(s) != g->w || g->h > S || g->w > S) {
            fprintf(stderr, "%s: \"%s\" row %d is not %d digits\n", FIXTURE, what, r, g->w);
            exit(1);
        }
        for (int c = 0; c < g->w; c++) g->cells[r * g->w + c] = (uint8_t)(s[c] - '0');
    }
}

static void get_grid(const cJSON *obj, const char *key, trm_arc_grid *g) { read_grid(item(obj, key), key, g); }

static void get_canvas(const cJSON *obj, const char *key, uint8_t *canvas) {
    const cJSON *rows = item(obj, key);
    int r = 0;
    for (const cJSON *row = rows->child; row; row = row->next, r++) {
        const char *s = cJSON_GetStringValue(row);
        if (r >= S || !s || strlen(s) != S) {
            fprintf(stderr, "%s: \"%s\" is not 30 rows of 30 tokens\n", FIXTURE, key);
            exit(1);
        }
        for (int c = 0; c < S; c++) canvas[r * S + c] = (uint8_t)(s[c] <= '9' ? s[c] - '0' : s[c] - 'a' + 10);
    }
}

static void check_augment(const cJSON *cases) {
    int k = 0, dihedrals = 0;
    for (const cJSON *c = cases->child; c; c = c->next, k++) {
        trm_arc_grid g, want_a, want_inv, got;
        get_grid(c, "grid", &g);
        get_grid(c, "augmented", &want_a);
        get_grid(c, "inverse", &want_inv);
        const char *name = cJSON_GetStringValue(item(c, "aug"));
        trm_arc_aug a;
        trm_error e;
        char back[TRM_ARC_AUG_NAME];
        CHECK(trm_arc_aug_parse(name, &a, &e) == TRM_OK && trm_arc_aug_name(&a, back, sizeof back) == 15 &&
                  !strcmp(back, name),
              "augment %d: the official name %s: %s", k, name, e.msg);
        dihedrals |= 1 << a.dihedral;
        CHECK(trm_arc_augment(&g, &a, 0, &got, &e) == TRM_OK && trm_arc_grid_equal(&got, &want_a),
              "augment %d (%s, %d x %d): aug() gives another grid", k, name, g.h, g.w);
        CHECK(trm_arc_augment(&g, &a, 1, &got, &e) == TRM_OK && trm_arc_grid_equal(&got, &want_inv),
              "augment %d (%s): inverse_aug() gives another grid", k, name);
        CHECK(trm_arc_augment(&want_a, &a, 1, &got, &e) == TRM_OK && trm_arc_grid_equal(&got, &g),
              "augment %d (%s): the inverse of the official augmented grid", k, name);
    }
    CHECK(k >= 40 && dihedrals == 0xff, "augment: %d cases, dihedrals seen 0x%x", k, dihedrals);
}

static void check_encode(const cJSON *cases) {
    int k = 0;
    for (const cJSON *c = cases->child; c; c = c->next, k++) {
        static const char *const GRID[2] = {"input", "output"}, *const CANVAS[2] = {"input_canvas", "output_canvas"};
        const int pr = get_int(c, "pad_r"), pc = get_int(c, "pad_c");
        for (int side = 0; side < 2; side++) {
            trm_arc_grid g, back;
            uint8_t want[N], got[N];
            trm_error e;
            int r0 = -1, c0 = -1;
            get_grid(c, GRID[side], &g);
            get_canvas(c, CANVAS[side], want);
            CHECK(trm_arc_encode(&g, pr, pc, got, &e) == TRM_OK && !memcmp(got, want, N),
                  "encode %d %s (%d x %d at %d, %d): not the official canvas (%s)", k, GRID[side], g.h, g.w, pr, pc, e.msg);
            CHECK(trm_arc_decode(want, &back, &r0, &c0, &e) == TRM_OK && trm_arc_grid_equal(&back, &g) && r0 == pr &&
                      c0 == pc,
                  "decode %d %s: %s", k, GRID[side], e.msg);
        }
    }
    CHECK(k >= 10, "encode: %d cases", k);
}

static void check_crop(const cJSON *cases) {
    int k = 0, empty = 0;
    for (const cJSON *c = cases->child; c; c = c->next, k++) {
        uint8_t canvas[N];
        trm_arc_grid want, got;
        get_canvas(c, "canvas", canvas);
        get_grid(c, "crop", &want);
        trm_arc_crop(canvas, &got);
        CHECK(trm_arc_grid_equal(&got, &want), "crop %d: %d x %d, the official _crop gives %d x %d", k, got.h, got.w,
              want.h, want.w);
        empty += want.h == 0;
    }
    CHECK(k >= 30 && empty >= 3 && empty < k / 2, "crop: %d cases, %d empty", k, empty);
}

static void check_vote(const cJSON *cases) {
    int k = 0;
    for (const cJSON *c = cases->child; c; c = c->next, k++) {
        const cJSON *pool = item(c, "pool"), *answers = item(c, "answers"), *qs = item(c, "q"), *ranked = item(c, "ranked");
        const int n = cJSON_GetArraySize(answers), np = cJSON_GetArraySize(pool), m = cJSON_GetArraySize(ranked);
        trm_arc_grid *grids = malloc(sizeof *grids * (size_t)np), *ans = malloc(sizeof *ans * (size_t)n);
        double *q = malloc(sizeof *q * (size_t)n), *mean = malloc(sizeof *mean * (size_t)n);
        int *order = malloc(sizeof *order * (size_t)n), *counts = malloc(sizeof *counts * (size_t)n);
        int p = 0, i = 0;
        for (const cJSON *g = pool->child; g; g = g->next, p++) read_grid(g, "pool", &grids[p]);
        const cJSON *qv = qs->child;
        for (const cJSON *a = answers->child; a; a = a->next, qv = qv->next, i++) {
            ans[i] = grids[(int)cJSON_GetNumberValue(a)];
            q[i] = cJSON_GetNumberValue(qv);
        }
        const int got = trm_arc_vote(ans, q, n, order, counts, mean);
        int same = got == m, total = 0;
        i = 0;
        for (const cJSON *r = ranked->child; r && same; r = r->next, i++) same = order[i] == (int)cJSON_GetNumberValue(r);
        for (i = 0; i < got; i++) total += counts[i];
        CHECK(same && total == n, "vote %d (%d answers): %d distinct, the official ranking has %d; first %d, official %d", k,
              n, got, m, order[0], (int)cJSON_GetNumberValue(ranked->child));
        free(grids), free(ans), free(q), free(mean), free(order), free(counts);
    }
    CHECK(k >= 5, "vote: %d sets", k);
}

int main(void) {
    uint8_t *text = NULL;
    size_t len = 0, at = 0;
    trm_error err;
    if (trmn_read_file(FIXTURE, 0, &text, &len, &err) != TRM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    cJSON *root = trmn_json_parse((const char *)text, len, &at, &err);
    if (!root) {
        fprintf(stderr, "%s: byte %zu: %s\n", FIXTURE, at, err.msg);
        return 1;
    }
    const cJSON *prov = item(root, "provenance");
    printf("fixture: %s\n", cJSON_GetStringValue(item(prov, "official")));
    check_augment(item(root, "augment"));
    check_encode(item(root, "encode"));
    check_crop(item(root, "crop"));
    check_vote(item(root, "vote"));
    cJSON_Delete(root);
    free(text);
    return check_done();
}
