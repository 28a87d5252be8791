/* fuzz_checkpoint.c: libFuzzer harness for what --resume trusts in a checkpoint (not built by CMake).
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include -Inative tests/fuzz/fuzz_checkpoint.c \
 *       core/[a-z]*.c native/data.c native/csv.c native/train_config.c native/json.c native/fileio.c \
 *       -lcjson -lm -o /tmp/fuzz_checkpoint
 *   /tmp/fuzz_checkpoint -max_total_time=30
 *
 * A checkpoint's shapes are checked when it is read (trmn_checkpoint_restore, on top of the
 * safetensors parser that fuzz_safetensors covers); its values are what this harness attacks.
 * A tiny trainer is set up once and trained two steps; each input is a list of edits to that
 * state, 8 bytes each (a short last one is padded with zeros, so that even the first tiny inputs
 * libFuzzer tries are edits):
 *   byte 0       entry: bits 0-6 pick one of the trainer's and the data source's state entries,
 *                bit 7 the high half of a 64-bit element
 *   bytes 1-3    element index (little-endian, modulo the entry's count)
 *   bytes 4-7    the new bits (a float, an int32, half a uint64; a uint8 entry takes byte 4)
 * Whatever the edits, trm_trainer_check_state and trmn_data_restored must refuse the state with
 * a message, or accept it, and then a data refill and a training step must run without a memory
 * error, undefined behaviour or a hang (a step may fail, e.g. diverge, with a message). */
#include "data.h"
#include "train_config.h"
#include "trm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ENTRIES = 48 };

static const char CONFIG[] =
    "{\"model\": {\"hidden_size\": 16, \"num_heads\": 2, \"expansion\": 2, \"L_layers\": 1, \"H_cycles\": 1,"
    " \"L_cycles\": 1, \"halt_max_steps\": 3, \"halt_exploration_prob\": 0.5, \"puzzle_emb_len\": 1,"
    " \"puzzle_emb_ndim\": 16},"
    " \"data\": {\"generator\": {\"algorithm\": \"lehnert\", \"height\": 3, \"width\": 3, \"min_path\": 2,"
    " \"seed\": 1}, \"test_count\": 2, \"augment\": true},"
    " \"train\": {\"batch_size\": 2, \"lr\": 1e-3, \"lr_warmup_steps\": 2, \"total_steps\": 100, \"threads\": 1}}";

typedef struct harness {
    trmn_run_config cfg;
    trmn_data *data;
    trm_model *model;
    trm_trainer *t;
    uint8_t *inputs, *labels;
    int n;                          /* state entries: the trainer's, then the data source's */
    trm_state_entry e[MAX_ENTRIES];
    void *saved[MAX_ENTRIES];       /* their values after setup, restored before every input */
} harness;

static size_t entry_bytes(const trm_state_entry *e)
{
    static const size_t size[] = {[TRM_STATE_F32] = 4, [TRM_STATE_U8] = 1, [TRM_STATE_I32] = 4, [TRM_STATE_U64] = 8};
    return e->count * size[e->dtype];
}

static int step(harness *h)
{
    trm_error err;
    trm_error e;
    if (trmn_data_fill(h->data, trm_trainer_halted(h->t), h->cfg.train.batch_size, h->inputs, h->labels, &err))
        return -1;
    trm_batch b = {h->inputs, h->labels, NULL, h->cfg.train.batch_size};
    trm_step_stats st;
    return trm_trainer_step(h->t, &b, &st, &e) == TRM_OK ? 0 : -1;
}

static harness *setup(void)
{
    static harness h;
    trm_error err;
    trm_error e;
    trmn_run_config_default(&h.cfg);
    if (trmn_run_config_parse(&h.cfg, CONFIG, strlen(CONFIG), "fuzz", &err) ||
        !(h.data = trmn_data_open(&h.cfg, &err)) || !(h.model = trm_model_create(&h.cfg.model, &e)))
        abort();
    trm_model_init(h.model, h.cfg.seed);
    if (!(h.t = trm_trainer_create(h.model, &h.cfg.train, &e))) abort();
    const size_t G = (size_t)h.cfg.train.batch_size * (size_t)trm_model_dims(h.model)->grid;
    h.inputs = calloc(G, 1);
    h.labels = calloc(G, 1);
    if (!h.inputs || !h.labels || step(&h) || step(&h)) abort();
    const int nt = trm_trainer_state_count(h.t), nd = trmn_data_state_count(h.data);
    if (nt + nd > MAX_ENTRIES) abort();
    for (int i = 0; i < nt + nd; i++) {
        h.e[h.n] = i < nt ? trm_trainer_state(h.t, i) : trmn_data_state(h.data, i - nt);
        if (!h.e[h.n].count) continue; /* e.g. no EMA: nothing to edit */
        if (!(h.saved[h.n] = malloc(entry_bytes(&h.e[h.n])))) abort();
        memcpy(h.saved[h.n], h.e[h.n].data, entry_bytes(&h.e[h.n]));
        h.n++;
    }
    return &h;
}

static void edit(harness *h, const uint8_t *r)
{
    trm_state_entry *e = &h->e[(r[0] & 0x7f) % h->n];
    const size_t k = ((size_t)r[1] | (size_t)r[2] << 8 | (size_t)r[3] << 16) % e->count;
    uint8_t *p = (uint8_t *)e->data;
    switch (e->dtype) {
    case TRM_STATE_U8: p[k] = r[4]; break;
    case TRM_STATE_F32:
    case TRM_STATE_I32: memcpy(p + 4 * k, r + 4, 4); break;
    case TRM_STATE_U64: memcpy(p + 8 * k + (r[0] & 0x80 ? 4 : 0), r + 4, 4); break; /* little-endian halves */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static harness *h;
    if (!h) h = setup();
    for (int i = 0; i < h->n; i++) memcpy(h->e[i].data, h->saved[i], entry_bytes(&h->e[i]));
    for (size_t i = 0; i < size; i += 8) {
        uint8_t r[8] = {0};
        memcpy(r, data + i, size - i < 8 ? size - i : 8);
        edit(h, r);
    }
    trm_error err = {TRM_OK, ""};
    trm_error e = {TRM_OK, ""};
    if (trm_trainer_check_state(h->t, &e) != TRM_OK) {
        if (!e.msg[0]) abort(); /* every refusal says why */
        return 0;
    }
    if (trmn_data_restored(h->data, &err)) {
        if (!err.msg[0]) abort();
        return 0;
    }
    step(h);
    return 0;
}
