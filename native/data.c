/* data.c: training data sources (CSV or generator), augmentation and held-out set; see data.h. */
#include "fileio.h"
#include "data.h"

#include "csv.h"
#include "maze.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trmn_data {
    int h, w;
    size_t grid;
    int use_generator, augment;
    trm_maze_options gen, gen_long; /* gen_long: the same with the long-path minimum */
    double long_fraction;
    uint64_t gen_seed, order_seed;
    trmn_csv_dataset train, test;  /* CSV sources (test also holds a CSV held-out set) */
    uint8_t *gen_test_q, *gen_test_l;
    const uint8_t *test_q, *test_l;
    size_t n_train, n_test;
    uint32_t *hset;  /* open-addressing set of held-out questions: index + 1, 0 = empty */
    size_t hcap;
    uint32_t *perm;  /* CSV: order of each stream's current epoch [n_streams * n_train] */
    uint8_t *cand_q, *cand_l;       /* generator candidates */
    const trm_task *task;           /* what the grids are: its transforms augment them */
    void *task_ws;                  /* task->workspace_bytes, for augment() */
    size_t cand_cap;
    uint64_t seed;                  /* the run's seed: stream g's augmentation RNG derives from it */
    /* Data streams (trmn_data_set_streams): this object serves streams first..first+n_streams-1
     * of total; stream g reads training maze g + total*j (generator) or the rows at positions
     * g + total*j of each epoch's order (CSV). One stream of one (the default) is the plain
     * sequence. */
    int first, n_streams, total;
    /* resumable state, one value per served stream */
    trm_rng *rng;    /* augmentation draws */
    uint64_t *epoch, *position, *next_index, *examples, *skipped; /* one block: counters */
    uint64_t *counters;
};

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static int build_test_set(trmn_data *d) {
    d->hcap = 16;
    while (d->hcap < 2 * d->n_test + 1) d->hcap *= 2;
    d->hset = calloc(d->hcap, sizeof *d->hset);
    if (!d->hset) return -1;
    for (size_t k = 0; k < d->n_test; k++) {
        size_t i = hash_bytes(d->test_q + k * d->grid, d->grid) & (d->hcap - 1);
        while (d->hset[i]) i = (i + 1) & (d->hcap - 1);
        d->hset[i] = (uint32_t)(k + 1);
    }
    return 0;
}

static int is_held_out(const trmn_data *d, const uint8_t *q) {
    if (!d->hset) return 0;
    size_t i = hash_bytes(q, d->grid) & (d->hcap - 1);
    for (; d->hset[i]; i = (i + 1) & (d->hcap - 1))
        if (!memcmp(d->test_q + (size_t)(d->hset[i] - 1) * d->grid, q, d->grid)) return 1;
    return 0;
}

/* Whether training maze k is one of the long_fraction drawn with the long-path minimum: a
 * function of (seed, k) alone, so resumed runs and any thread count see the same stream. */
static int is_long(const trmn_data *d, uint64_t seed, uint64_t k) {
    if (d->long_fraction <= 0) return 0;
    const uint64_t u = trm_maze_seed(trm_maze_seed(seed, k), 0x4c4f4e47u /* "LONG" */);
    return (double)(u >> 11) * 0x1.0p-53 < d->long_fraction;
}

/* Generate mazes first + stride*k (k < n) of seed into q, l [n * grid] in parallel; mix: the
 * training stream (some mazes long, see is_long), else every maze with the base options. */
static trm_status generate(const trmn_data *d, uint64_t seed, uint64_t first, uint64_t stride, size_t n, int mix, uint8_t *q,
                           uint8_t *l, trm_error *err) {
    const size_t wsb = trm_maze_workspace_bytes(d->h, d->w);
    long bad = -1;
    trm_error first_err = {TRM_OK, ""}; /* maze bad's: the lowest index that failed, in whatever order threads end */
#pragma omp parallel
    {
        void *ws = malloc(wsb);
#pragma omp for schedule(dynamic, 4)
        for (long k = 0; k < (long)n; k++) {
            trm_error e;
            const uint64_t index = first + stride * (uint64_t)k;
            const trm_maze_options *o = mix && is_long(d, seed, index) ? &d->gen_long : &d->gen;
            if (ws && trm_maze_generate(o, seed, index, q + (size_t)k * d->grid, l + (size_t)k * d->grid, NULL, ws, &e) == TRM_OK)
                continue;
#pragma omp critical
            if (bad < 0 || k < bad) {
                bad = k;
                if (ws) first_err = e;
                else trmn_error_set(&first_err, TRM_E_NOMEM, "out of memory");
            }
        }
        free(ws);
    }
    if (bad >= 0)
        return trmn_error_set(err, first_err.code, "generator: maze %llu of seed %llu: %s",
                              (unsigned long long)(first + stride * (uint64_t)bad), (unsigned long long)seed, first_err.msg);
    return TRM_OK;
}

/* The order of served stream i's current epoch (every stream shuffles epoch e alike). */
static void shuffle_epoch(trmn_data *d, int i) {
    trm_rng r;
    uint32_t *perm = d->perm + (size_t)i * d->n_train;
    trm_rng_seed(&r, trm_maze_seed(d->order_seed, d->epoch[i]));
    for (size_t k = 0; k < d->n_train; k++) perm[k] = (uint32_t)k;
    for (size_t k = d->n_train; k > 1; k--) { /* Fisher-Yates */
        size_t j = trm_rng_below(&r, (uint32_t)k);
        uint32_t t = perm[k - 1];
        perm[k - 1] = perm[j];
        perm[j] = t;
    }
}

/* Rows of stream g of total in each epoch: positions g, g + total, ... of n_train. */
static uint64_t stream_rows(const trmn_data *d, int i) {
    const uint64_t g = (uint64_t)(d->first + i), n = d->total;
    return d->n_train > g ? (d->n_train - g + n - 1) / n : 0;
}

trm_status trmn_data_set_streams(trmn_data *d, int first, int count, int total, trm_error *err) {
    if (total < 1 || count < 1 || first < 0 || first + count > total)
        return trmn_error_set(err, TRM_E_INVALID, "data streams %d..%d of %d: not a valid range", first, first + count - 1, total);
    if (!d->use_generator && d->n_train < (size_t)total)
        return trmn_error_set(err, TRM_E_INVALID, "%zu training rows cannot feed %d data streams (one per process)", d->n_train,
                              total);
    trm_rng *rng = calloc((size_t)count, sizeof *rng);
    uint64_t *ctr = calloc(5 * (size_t)count, sizeof *ctr);
    uint32_t *perm = d->use_generator ? NULL : malloc((size_t)count * d->n_train * sizeof *perm);
    if (!rng || !ctr || (!d->use_generator && !perm)) {
        free(rng);
        free(ctr);
        free(perm);
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    }
    free(d->rng);
    free(d->counters);
    free(d->perm);
    d->rng = rng;
    d->counters = ctr;
    d->perm = perm;
    d->first = first;
    d->n_streams = count;
    d->total = total;
    d->epoch = ctr;
    d->position = ctr + count;
    d->next_index = ctr + 2 * (size_t)count;
    d->examples = ctr + 3 * (size_t)count;
    d->skipped = ctr + 4 * (size_t)count;
    for (int i = 0; i < count; i++) {
        const uint64_t g = (uint64_t)(first + i), base = trm_maze_seed(d->seed, 3);
        trm_rng_seed(&d->rng[i], g == 0 ? base : trm_maze_seed(base, g)); /* stream 0: the plain run's */
        if (!d->use_generator) shuffle_epoch(d, i);
    }
    return TRM_OK;
}

static trm_status open_csv(trmn_data *d, trmn_run_config *c, trm_error *err) {
    int h = c->model_grid_given == 3 ? c->model.grid_height : 0, w = c->model_grid_given == 3 ? c->model.grid_width : 0;
    trm_status st = trmn_csv_read(c->train_csv, c->model.task, h, w, &d->train, err);
    if (st != TRM_OK) return st;
    if (d->train.count == 0) return trmn_error_set(err, TRM_E_FORMAT, "%s: no data rows", c->train_csv);
    if (d->train.count > UINT32_MAX) return trmn_error_set(err, TRM_E_INVALID, "%s: too many rows", c->train_csv);
    d->h = d->train.height;
    d->w = d->train.width;
    if (c->test_csv[0]) {
        st = trmn_csv_read(c->test_csv, c->model.task, d->h, d->w, &d->test, err);
        if (st != TRM_OK) return st;
        d->test_q = d->test.questions;
        d->test_l = d->test.answers;
        d->n_test = d->test.count;
    }
    d->n_train = d->train.count;
    return TRM_OK;
}

static trm_status open_generator(trmn_data *d, trmn_run_config *c, trm_error *err) {
    d->h = c->gen.height;
    d->w = c->gen.width;
    d->gen = c->gen;
    d->gen_long = c->gen;
    d->gen_long.min_path = c->gen_long_min_path;
    d->long_fraction = c->gen_long_fraction;
    d->gen_seed = c->gen_seed;
    d->n_test = (size_t)c->test_count;
    d->grid = (size_t)d->h * d->w;
    d->gen_test_q = malloc(d->n_test * d->grid);
    d->gen_test_l = malloc(d->n_test * d->grid);
    if (!d->gen_test_q || !d->gen_test_l)
        return trmn_error_set(err, TRM_E_NOMEM, "out of memory for %zu held-out mazes", d->n_test);
    const trm_status st = generate(d, c->gen_test_seed, 0, 1, d->n_test, 0, d->gen_test_q, d->gen_test_l, err);
    if (st != TRM_OK) return st;
    d->test_q = d->gen_test_q;
    d->test_l = d->gen_test_l;
    return TRM_OK;
}

trmn_data *trmn_data_open(trmn_run_config *c, trm_error *err) {
    trmn_data *d = calloc(1, sizeof *d);
    if (!d) {
        trmn_error_set(err, TRM_E_NOMEM, "out of memory");
        return NULL;
    }
    trmn_csv_init(&d->train, c->model.task, 0, 0);
    trmn_csv_init(&d->test, c->model.task, 0, 0);
    d->use_generator = c->use_generator;
    d->order_seed = trm_maze_seed(c->seed, 2); /* before open_csv draws the first epoch's order */
    /* the config is checked first when it does not depend on the files (generator) */
    const int early = c->use_generator || !c->train_csv[0]; /* no files to read first */
    trm_status rc = early ? trmn_run_config_finish(c, 0, 0, 0, err) : TRM_OK;
    if (!rc) rc = c->use_generator ? open_generator(d, c, err) : open_csv(d, c, err);
    if (!rc && !c->use_generator) rc = trmn_run_config_finish(c, d->h, d->w, d->n_train, err);
    if (!rc) {
        d->grid = (size_t)d->h * d->w;
        d->augment = c->augment;
        d->seed = c->seed;
        d->task = c->model.task;
        d->task_ws = d->augment ? malloc(d->task->workspace_bytes(d->h, d->w)) : NULL;
        if ((d->augment && !d->task_ws) || (d->use_generator && build_test_set(d)))
            rc = trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    }
    if (!rc) rc = trmn_data_set_streams(d, 0, 1, 1, err);
    if (rc) {
        trmn_data_free(d);
        return NULL;
    }
    return d;
}

void trmn_data_free(trmn_data *d) {
    if (!d) return;
    trmn_csv_free(&d->train);
    trmn_csv_free(&d->test);
    free(d->gen_test_q);
    free(d->gen_test_l);
    free(d->hset);
    free(d->perm);
    free(d->rng);
    free(d->counters);
    free(d->cand_q);
    free(d->cand_l);
    free(d->task_ws);
    free(d);
}

int trmn_data_height(const trmn_data *d) { return d->h; }
int trmn_data_width(const trmn_data *d) { return d->w; }
size_t trmn_data_train_count(const trmn_data *d) { return d->use_generator ? 0 : d->n_train; }
size_t trmn_data_test_count(const trmn_data *d) { return d->n_test; }
const uint8_t *trmn_data_test_questions(const trmn_data *d) { return d->test_q; }
const uint8_t *trmn_data_test_labels(const trmn_data *d) { return d->test_l; }
uint64_t trmn_data_examples(const trmn_data *d) {
    uint64_t n = 0;
    for (int i = 0; i < d->n_streams; i++) n += d->examples[i];
    return n;
}
uint64_t trmn_data_skipped(const trmn_data *d) {
    uint64_t n = 0;
    for (int i = 0; i < d->n_streams; i++) n += d->skipped[i];
    return n;
}
double trmn_data_epoch(const trmn_data *d) { /* the mean over the served streams */
    if (d->use_generator) return 0.0;
    double e = 0.0;
    for (int i = 0; i < d->n_streams; i++) e += (double)d->epoch[i] + (double)d->position[i] / (double)stream_rows(d, i);
    return e / d->n_streams;
}

/* Generator: fill the listed slots with fresh mazes of served stream i that are not held out. */
static trm_status fill_generated(trmn_data *d, int i, const int *slots, int n, uint8_t *inputs, uint8_t *labels,
                                 trm_error *err) {
    if ((size_t)n > d->cand_cap) {
        free(d->cand_q);
        free(d->cand_l);
        d->cand_q = malloc((size_t)n * d->grid);
        d->cand_l = malloc((size_t)n * d->grid);
        d->cand_cap = d->cand_q && d->cand_l ? (size_t)n : 0;
        if (!d->cand_cap) return trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    }
    int done = 0;
    while (done < n) {
        const size_t k = (size_t)(n - done);
        const uint64_t g = (uint64_t)(d->first + i), T = (uint64_t)d->total;
        const trm_status st = generate(d, d->gen_seed, g + T * d->next_index[i], T, k, 1, d->cand_q, d->cand_l, err);
        if (st != TRM_OK) return st;
        d->next_index[i] += k;
        for (size_t j = 0; j < k; j++) { /* in index order, so the result does not depend on threads */
            if (is_held_out(d, d->cand_q + j * d->grid)) {
                d->skipped[i]++;
                continue;
            }
            memcpy(inputs + (size_t)slots[done] * d->grid, d->cand_q + j * d->grid, d->grid);
            memcpy(labels + (size_t)slots[done] * d->grid, d->cand_l + j * d->grid, d->grid);
            done++;
        }
    }
    return TRM_OK;
}

static void fill_csv(trmn_data *d, int s, const int *slots, int n, uint8_t *inputs, uint8_t *labels) {
    const uint64_t rows = stream_rows(d, s);
    for (int i = 0; i < n; i++) {
        if (d->position[s] >= rows) {
            d->epoch[s]++;
            d->position[s] = 0;
            shuffle_epoch(d, s);
        }
        const size_t row = d->perm[(size_t)s * d->n_train + (size_t)d->first + s + (size_t)d->total * d->position[s]++];
        memcpy(inputs + (size_t)slots[i] * d->grid, d->train.questions + row * d->grid, d->grid);
        memcpy(labels + (size_t)slots[i] * d->grid, d->train.answers + row * d->grid, d->grid);
    }
}

trm_status trmn_data_fill(trmn_data *d, const uint8_t *refill, int B, uint8_t *inputs, uint8_t *labels, trm_error *err) {
    if (B % d->n_streams)
        return trmn_error_set(err, TRM_E_INVALID, "a batch of %d slots does not split into %d data streams", B, d->n_streams);
    int *slots = malloc((size_t)(B > 0 ? B : 1) * sizeof *slots);
    if (!slots) return trmn_error_set(err, TRM_E_NOMEM, "out of memory");
    trm_status rc = TRM_OK;
    const int per = B / d->n_streams; /* served stream s fills slots [s*per, (s+1)*per) */
    for (int s = 0; s < d->n_streams && !rc; s++) {
        int n = 0;
        for (int b = s * per; b < (s + 1) * per; b++)
            if (!refill || refill[b]) slots[n++] = b;
        if (d->use_generator) rc = fill_generated(d, s, slots, n, inputs, labels, err);
        else fill_csv(d, s, slots, n, inputs, labels);
        for (int i = 0; i < n && !rc && d->augment; i++) {
            /* The task keeps labels canonical (mazes: a path with ties relabelled by the rule). */
            const int tid = (int)trm_rng_below(&d->rng[s], (uint32_t)d->task->augment_count);
            uint8_t *q = inputs + (size_t)slots[i] * d->grid, *l = labels + (size_t)slots[i] * d->grid;
            trm_error e;
            if (d->task->augment(q, l, d->h, d->w, tid, d->task_ws, &e) != TRM_OK)
                rc = trmn_error_set(err, e.code, "augment: %s", e.msg);
        }
        if (!rc) d->examples[s] += (uint64_t)n;
    }
    free(slots);
    return rc;
}

int trmn_data_state_count(const trmn_data *d) {
    (void)d;
    return 6;
}

/* One value (rng: four) per served stream, in stream order: the entries are "sharded", so the
 * parts of data-parallel processes (one stream each) concatenate into a run's stream table. */
trm_state_entry trmn_data_state(trmn_data *d, int i) {
    const size_t n = (size_t)d->n_streams;
    const trm_state_entry e[] = {
        {"rng", TRM_STATE_U64, d->rng, 4 * n, 1},
        {"epoch", TRM_STATE_U64, d->epoch, n, 1},
        {"position", TRM_STATE_U64, d->position, n, 1},
        {"next_index", TRM_STATE_U64, d->next_index, n, 1},
        {"examples", TRM_STATE_U64, d->examples, n, 1},
        {"skipped", TRM_STATE_U64, d->skipped, n, 1},
    };
    trm_state_entry none = {0};
    return i >= 0 && i < 6 ? e[i] : none;
}

trm_status trmn_data_restored(trmn_data *d, trm_error *err) {
    for (int i = 0; i < d->n_streams; i++) {
        const trm_rng *r = &d->rng[i];
        if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
            return trmn_error_set(err, TRM_E_INVALID, "data.rng is all zero: not a state the generator can leave (a damaged or "
                                  "edited checkpoint)");
        if (d->use_generator) continue;
        if (d->position[i] > stream_rows(d, i))
            return trmn_error_set(err, TRM_E_INVALID, "checkpoint data position %llu is beyond the %llu training rows of its "
                                  "stream (a different CSV file?)", (unsigned long long)d->position[i],
                                  (unsigned long long)stream_rows(d, i));
        shuffle_epoch(d, i);
    }
    return TRM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* What the training data is (the model file's "training" metadata)                            */

typedef struct kind_stats {
    char algorithm[16]; /* "" = not a trm-maze source */
    int min_path, unique;
    size_t count;
    int path_min, path_max;
} kind_stats;

enum { MAX_KINDS = 16 };

/* "trm-maze/<algorithm>/<H>x<W>/min=<m>[/unique]/seed=..." (trm-maze's source column) -> kind. */
static int parse_source(const char *src, kind_stats *k) {
    char alg[16];
    int h, w, m, n = 0;
    if (!src || sscanf(src, "trm-maze/%15[^/]/%dx%d/min=%d%n", alg, &h, &w, &m, &n) != 4 || trm_maze_algorithm_parse(alg) < 0)
        return -1;
    snprintf(k->algorithm, sizeof k->algorithm, "%s", alg);
    k->min_path = m;
    k->unique = !strncmp(src + n, "/unique", 7) || strncmp(alg, "dfs", 3) == 0; /* corridor mazes are trees */
    return 0;
}

/* Add one maze of kind *k (path length len, -1 if unreachable) to the table. */
static void count_kind(kind_stats *kinds, int *nk, const kind_stats *k, int len) {
    int i = 0;
    while (i < *nk && !(kinds[i].min_path == k->min_path && kinds[i].unique == k->unique &&
                        !strcmp(kinds[i].algorithm, k->algorithm)))
        i++;
    if (i == *nk) {
        if (*nk == MAX_KINDS) { /* more kinds than that: the last slot becomes "other" (algorithm null) */
            i = MAX_KINDS - 1;
            kinds[i].algorithm[0] = '\0';
            kinds[i].min_path = kinds[i].unique = 0;
        } else {
            kinds[i] = *k;
            kinds[i].count = 0;
            kinds[i].path_min = kinds[i].path_max = -1;
            (*nk)++;
        }
    }
    kind_stats *t = &kinds[i];
    t->count++;
    if (len >= 0 && (t->path_min < 0 || len < t->path_min)) t->path_min = len;
    if (len > t->path_max) t->path_max = len;
}

static int bfs_length(const trmn_data *d, const uint8_t *q, void *ws) {
    int len = -1, count = 0;
    trm_error e;
    return trm_maze_count_shortest(q, d->h, d->w, 1, &len, &count, ws, &e) == TRM_OK ? len : -1;
}

char *trmn_data_describe(const trmn_data *d) {
    kind_stats kinds[MAX_KINDS];
    int nk = 0;
    void *ws = malloc(trm_maze_workspace_bytes(d->h, d->w));
    enum { SAMPLE = 2048 };
    uint8_t *sq = d->use_generator ? malloc((size_t)SAMPLE * d->grid * 2) : NULL;
    if (!ws || (d->use_generator && !sq)) {
        free(ws);
        free(sq);
        return NULL;
    }
    if (d->use_generator) {
        /* The kinds come from the configuration; their path lengths from the first SAMPLE
         * training mazes (a sample: longer ones are possible). */
        if (generate(d, d->gen_seed, 0, 1, SAMPLE, 1, sq, sq + (size_t)SAMPLE * d->grid, NULL) != TRM_OK) {
            free(ws);
            free(sq);
            return NULL;
        }
        for (size_t i = 0; i < SAMPLE; i++) {
            const int lng = is_long(d, d->gen_seed, i);
            const trm_maze_options *o = lng ? &d->gen_long : &d->gen;
            kind_stats k = {.min_path = o->min_path, .unique = o->unique};
            snprintf(k.algorithm, sizeof k.algorithm, "%s", trm_maze_algorithm_name(o->algorithm));
            count_kind(kinds, &nk, &k, bfs_length(d, sq + i * d->grid, ws));
        }
    } else {
        for (size_t i = 0; i < d->n_train; i++) {
            kind_stats k = {.algorithm = ""}; /* stays "other" unless trm-maze wrote the row */
            parse_source(d->train.sources ? d->train.sources[i] : NULL, &k);
            count_kind(kinds, &nk, &k, bfs_length(d, d->train.questions + i * d->grid, ws));
        }
    }
    free(ws);
    free(sq);
    size_t total = 0;
    int pmin = -1, pmax = -1;
    for (int i = 0; i < nk; i++) {
        total += kinds[i].count;
        if (kinds[i].path_min >= 0 && (pmin < 0 || kinds[i].path_min < pmin)) pmin = kinds[i].path_min;
        if (kinds[i].path_max > pmax) pmax = kinds[i].path_max;
    }
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    if (!root || !arr) {
        cJSON_Delete(root);
        cJSON_Delete(arr);
        return NULL;
    }
    cJSON_AddStringToObject(root, "task", d->task->name);
    cJSON_AddNumberToObject(root, "height", d->h);
    cJSON_AddNumberToObject(root, "width", d->w);
    cJSON_AddStringToObject(root, "source", d->use_generator ? "generator" : "csv");
    cJSON_AddNumberToObject(root, "path_min", pmin);
    cJSON_AddNumberToObject(root, "path_max", pmax);
    cJSON_AddItemToObject(root, "kinds", arr);
    for (int i = 0; i < nk; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(arr, o);
        if (kinds[i].algorithm[0]) {
            cJSON_AddStringToObject(o, "algorithm", kinds[i].algorithm);
            cJSON_AddNumberToObject(o, "min_path", kinds[i].min_path);
            cJSON_AddBoolToObject(o, "unique", kinds[i].unique);
        } else {
            cJSON_AddNullToObject(o, "algorithm"); /* rows from another source */
        }
        cJSON_AddNumberToObject(o, "share", total ? (double)kinds[i].count / (double)total : 0.0);
        cJSON_AddNumberToObject(o, "path_min", kinds[i].path_min);
        cJSON_AddNumberToObject(o, "path_max", kinds[i].path_max);
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return json;
}
