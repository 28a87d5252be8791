/* trm.h: the public interface of the trm.c core.
 *
 * The Tiny Recursive Model (TRM, arXiv 2510.04871) as a portable C11 library: configuration,
 * parameter table with the official tensor names, initialisation, the recursive network with its
 * full backward pass, the ACT training step (AdamATan2/AdamW, sign-SGD, EMA) and the inference
 * solver that the command-line tools and the WebAssembly module drive pass by pass.
 *
 * The public headers are core/include/: this one, task.h, maze.h and sudoku.h. The other headers in core/
 * (internal.h, kernels.h, net.h, ...) are the library's own and may change with it.
 *
 * The core does no file I/O, no printing, never exits and has no mutable globals: everything lives
 * in the contexts below. Memory is allocated when a context is created (sized from the config and
 * the maximum batch), never inside a step. Errors come back as a trm_status plus a message in a
 * caller-owned trm_error. OpenMP parallelism: set the thread count (omp_set_num_threads) before
 * creating solvers and trainers, which size per-thread scratch memory for it.
 *
 * Usage (inference):
 *     trm_config cfg; trm_config_default(&cfg);            // then trm_config_set_* per key
 *     trm_error err;
 *     trm_model *m = trm_model_create(&cfg, &err);          // NULL on error, err.msg says why
 *     for each tensor in the file: trm_model_load_tensor(m, name, dtype, shape, ndim, data, n, &err);
 *     trm_model_check_loaded(m, &err);
 *     trm_solver *s = trm_solver_create(m, 1, &err);
 *     trm_solver_reset(s, tokens, NULL, 1, &err);
 *     for (int p = 0; p < cfg.halt_max_steps * cfg.H_cycles; p++) {
 *         trm_solver_pass(s);  trm_solver_read(s, answer, confidence);
 *     }
 * Usage (training): trm_trainer_create(model, &train_cfg, &err), then trm_trainer_step() per batch.
 */
#ifndef TRM_H
#define TRM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status and errors                                                                           */

typedef enum trm_status {
    TRM_OK = 0,
    TRM_E_INVALID,     /* bad argument or configuration value */
    TRM_E_UNKNOWN_KEY, /* a configuration key this version does not know */
    TRM_E_FORMAT,      /* malformed bytes: model file, tensor data, grid text */
    TRM_E_SHAPE,       /* a tensor or grid of the wrong size */
    TRM_E_NOMEM,       /* an allocation failed */
    TRM_E_NONFINITE,   /* NaN or infinity in weights or in a loss */
    TRM_E_STATE        /* a call in the wrong order (e.g. read before any pass) */
} trm_status;

/* 512 bytes: a native tool's message names a path or lists the known keys and still ends with
 * the reason (native/ shortens longer ones in the middle: trmn_error_set). */
typedef struct trm_error {
    trm_status code;
    char msg[512];
} trm_error;

const char *trm_status_name(trm_status s);
/* Fill err (may be NULL) with code and a printf-style message; returns code. */
trm_status trm_error_set(trm_error *err, trm_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Random numbers: xoshiro256** seeded by splitmix64; identical on every platform.             */

typedef struct trm_rng { uint64_t s[4]; } trm_rng;

void     trm_rng_seed(trm_rng *r, uint64_t seed);
uint64_t trm_rng_next(trm_rng *r);
double   trm_rng_uniform(trm_rng *r);               /* [0, 1), 53 random bits */
uint32_t trm_rng_below(trm_rng *r, uint32_t n);     /* uniform on 0..n-1, unbiased; n >= 1 */
double   trm_rng_trunc_normal(trm_rng *r, double std); /* JAX-style, exact std, TRM §5.7 */

/* ------------------------------------------------------------------------------------------ */
/* Model configuration (TRM §0). Keys are the official config names.                           */

/* A task: what the tokens mean and what makes an answer right (task.h; mazes by default). */
typedef struct trm_task trm_task;

typedef enum trm_pos_encoding { TRM_POS_ROPE = 0, TRM_POS_LEARNED = 1, TRM_POS_NONE = 2 } trm_pos_encoding;

typedef struct trm_config {
    int hidden_size;            /* D */
    int num_heads;              /* head_dim = D / num_heads */
    float expansion;            /* SwiGLU expansion e */
    int L_layers;               /* blocks in the one network */
    int H_cycles;               /* T: recursions per supervision step */
    int L_cycles;               /* n: latent updates per recursion */
    int halt_max_steps;         /* N_sup */
    float halt_exploration_prob;
    int puzzle_emb_len;         /* prefix positions P (0 = derived from ndim) */
    int puzzle_emb_ndim;        /* width of a puzzle-embedding row (0 = no prefix) */
    int num_puzzle_identifiers; /* rows of the puzzle table */
    trm_pos_encoding pos_encodings;
    int mlp_t;                  /* 1: the token mixer is an MLP over the sequence axis */
    float rms_norm_eps;
    float rope_theta;
    int vocab_size;
    int grid_height, grid_width; /* seq_len = grid_height * grid_width */
    int seq_len;                 /* 0 = derived; when a file states it, it must equal H*W */
    const trm_task *task;        /* key "task" by name (another task sets vocab_size to its own);
                                    vocab_size must cover its tokens */
} trm_config;

/* Sizes that follow from a valid config. */
typedef struct trm_dims {
    int D, heads, head_dim, V;
    int grid;      /* seq_len: grid cells, the positions with labels */
    int P;         /* puzzle-embedding prefix positions */
    int S;         /* P + grid: length of every hidden sequence */
    int I;         /* channel SwiGLU intermediate size (TRM §2.6) */
    int I_seq;     /* mlp_t intermediate size over the sequence axis (0 without mlp_t) */
    int L;         /* layers */
    size_t n_params;  /* trainable values (TRM §7) */
    size_t n_buffers; /* H_init + L_init + puzzle table */
} trm_dims;

/* The official maze configuration (TRM §0): D 512, 8 heads, 30x30, P 16, T 3, n 4, N_sup 16. */
void trm_config_default(trm_config *c);
/* Set one key by its official name; booleans are numbers 0/1, pos_encodings is a string.
 * Unknown keys give TRM_E_UNKNOWN_KEY (a loader may warn and go on); bad values TRM_E_INVALID. */
trm_status trm_config_set_number(trm_config *c, const char *key, double value, trm_error *err);
trm_status trm_config_set_string(trm_config *c, const char *key, const char *value, trm_error *err);
/* Check every value and fill *dims (may be NULL). */
trm_status trm_config_validate(const trm_config *c, trm_dims *dims, trm_error *err);
/* The config as a JSON object with the official key names; returns the length it needs. */
size_t trm_config_to_json(const trm_config *c, char *buf, size_t cap);
/* I = ceil_to_multiple(round_half_even(e * d_in * 2/3), 256) (TRM §2.6). */
int trm_swiglu_intermediate(float expansion, int d_in);
/* Trainable parameter count (6,822,914 for the official maze config); 0 if the config is invalid. */
size_t trm_param_count(const trm_config *c);
/* Bytes trm_model_create(c) allocates (parameters, buffers, RoPE tables); 0 if the config is
 * invalid. 64-bit on every target: a 32-bit one (WebAssembly) compares it with what it can
 * address before creating the model. A config whose sizes do not fit this platform's size_t
 * fails trm_config_validate with TRM_E_NOMEM. */
uint64_t trm_model_bytes(const trm_config *c);

/* ------------------------------------------------------------------------------------------ */
/* Kernels: one table of function pointers per instruction set (scalar is the reference).      */

typedef struct trm_kernels trm_kernels; /* opaque here; defined in core/kernels.h (private) */
/* "scalar", "avx2", "avx512", "avx512bf16" (avx512 plus vdpbf16ps GEMMs for bf16 operands),
 * "wasm128", or NULL/"auto" for the best this CPU runs. NULL if the named set is unknown or not
 * supported here. */
const trm_kernels *trm_kernels_get(const char *name);
const char *trm_kernels_name(const trm_kernels *k);

/* ------------------------------------------------------------------------------------------ */
/* Model: parameters (trainable, flat array) and buffers (H_init, L_init, puzzle table).       */

typedef struct trm_model trm_model;

enum { TRM_MAX_NAME = 64, TRM_MAX_LAYERS = 16 };

typedef enum trm_init_kind {
    TRM_INIT_LECUN = 0, /* trunc_normal(1/sqrt(fan_in)) */
    TRM_INIT_EMBED,     /* trunc_normal(1/sqrt(D)) */
    TRM_INIT_ZERO,
    TRM_INIT_Q_BIAS,    /* -5 */
    TRM_INIT_UNIT       /* trunc_normal(1), H_init / L_init */
} trm_init_kind;

typedef struct trm_tensor_info {
    char name[TRM_MAX_NAME]; /* official name, wrapper prefixes stripped (TRM §8.2) */
    int ndim;
    int shape[2];
    size_t offset;  /* into trm_model_params() (trainable) or trm_model_buffers() */
    size_t size;    /* element count */
    int trainable;  /* 0 for buffers */
    trm_init_kind init;
} trm_tensor_info;

trm_model *trm_model_create(const trm_config *cfg, trm_error *err); /* all values zero */
void trm_model_free(trm_model *m);
/* TRM §5.7 initialisation from a seed (deterministic on every platform). */
void trm_model_init(trm_model *m, uint64_t seed);
const trm_config *trm_model_config(const trm_model *m);
const trm_dims *trm_model_dims(const trm_model *m);
int trm_model_tensor_count(const trm_model *m);
const trm_tensor_info *trm_model_tensor(const trm_model *m, int i);
int trm_model_find_tensor(const trm_model *m, const char *name); /* index or -1 */
float *trm_model_tensor_data(trm_model *m, int i);
float *trm_model_params(trm_model *m);   /* dims.n_params values, in table order */
float *trm_model_buffers(trm_model *m);  /* dims.n_buffers values */
void trm_model_set_kernels(trm_model *m, const trm_kernels *k);
const trm_kernels *trm_model_kernels(const trm_model *m);

/* Arithmetic of the network's linear layers and attention (the official code runs its forward
 * in bfloat16). F32: everything in float32, the reference. BF16: every linear layer of the shared
 * network (attention or mlp_t mixer, SwiGLU) multiplies bfloat16 operands: weights rounded from
 * the float32 master weights whenever those change, activations and gradients rounded as they
 * enter the product; attention's products too (q k^T and P v and their gradients: q, k, v, P, dO
 * and dS rounded as they enter, as the official SDPA on bf16 q, k, v). Products and sums stay
 * float32, as do the results, the embeddings and heads, norms, the attention scores and softmax,
 * the loss, the recurrent state, the gradients, the optimizer and the EMA. Set it before creating
 * solvers and trainers (they size their buffers for it); BF16 needs an even hidden_size. */
typedef enum trm_precision { TRM_PRECISION_F32 = 0, TRM_PRECISION_BF16 = 1 } trm_precision;
trm_status trm_model_set_precision(trm_model *m, trm_precision p, trm_error *err);
trm_precision trm_model_precision(const trm_model *m);
/* BF16 where the model's kernel set multiplies bf16 natively (vdpbf16ps), else F32. */
trm_precision trm_precision_auto(const trm_kernels *k);
/* "f32" / "bf16"; parse accepts those and "auto" (-> trm_precision_auto(k)), -1 otherwise. */
const char *trm_precision_name(trm_precision p);
int trm_precision_parse(const char *name, const trm_kernels *k);

/* Load one tensor from raw little-endian bytes. dtype is "F32", "F16" or "BF16" (converted to
 * f32). Checks name, shape, byte count and finiteness; the message names the tensor. */
trm_status trm_model_load_tensor(trm_model *m, const char *name, const char *dtype,
                                 const int64_t *shape, int ndim, const void *data, size_t nbytes,
                                 trm_error *err);
/* After loading: every tensor of the table must have been loaded exactly once. */
trm_status trm_model_check_loaded(const trm_model *m, trm_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Solver: inference, one refinement pass (one recursion: n latent updates + 1 answer update)  */
/* at a time, as the page animates it (DESIGN.md §2).                                          */

typedef struct trm_solver trm_solver;

trm_solver *trm_solver_create(const trm_model *m, int max_batch, trm_error *err);
/* Bytes trm_solver_create(m, max_batch) allocates, for the model's precision and the threads
 * OpenMP would give it now; 0 for a bad max_batch. 64-bit on every target, so a 32-bit one can
 * refuse a batch it cannot address before creating the solver. */
uint64_t trm_solver_bytes(const trm_model *m, int max_batch);
void trm_solver_free(trm_solver *s);
/* Start new puzzles: tokens [batch * grid] (ids 0..V-1), puzzle_ids [batch] or NULL (all 0).
 * State = (H_init, L_init) broadcast; the pass counter goes to 0. */
trm_status trm_solver_reset(trm_solver *s, const uint8_t *tokens, const int32_t *puzzle_ids,
                            int batch, trm_error *err);
/* One refinement pass. After every H_cycles passes a supervision step is complete and the
 * halting logits are updated. */
void trm_solver_pass(trm_solver *s);
int trm_solver_passes(const trm_solver *s);      /* passes done since reset */
/* Predicted tokens (argmax, ties to the lowest id) and the softmax probability of the chosen
 * token for every cell: both [batch * grid]; either may be NULL. Valid after >= 1 pass. */
void trm_solver_read(const trm_solver *s, uint8_t *tokens, float *confidence);
/* Logits of the last pass, [batch * grid * V]. */
const float *trm_solver_logits(const trm_solver *s);
/* q_halt logit of slot b at the last completed supervision step (NaN before the first). */
float trm_solver_halt_logit(const trm_solver *s, int b);
/* Supervision steps completed since reset (passes / H_cycles). */
int trm_solver_steps(const trm_solver *s);
/* Early halting: slot b's answer is final at the first supervision step whose q_halt logit is
 * > 0 (the rule training uses, TRM §3.3) and whose answer (the argmax tokens) equals the previous
 * step's, so never at step 1. Returns that step (1-based), or 0 while no step has halted (or b is
 * not a slot). The settled-answer condition is this solver's, not the paper's: q_halt > 0 alone
 * stopped the 11x11 mix model at 1.3-2.4 steps on answers 2.0-7.0 points worse than 16 steps';
 * with it, 2.3-3.3 steps and answers 0-2.0 points better (models/README.md). The solver keeps
 * refining every slot: a caller that stops early reads a slot's answer at the step it halts
 * (trm_solver_read then), and a caller that runs a fixed number of steps ignores this. */
int trm_solver_halt_step(const trm_solver *s, int b);
/* Slot b's answer (argmax tokens, [grid]) at the supervision step it halted at
 * (trm_solver_halt_step), else at the last completed step: what an early-halting caller keeps.
 * NULL before the first step ends, or if b is not a slot. */
const uint8_t *trm_solver_answer(const trm_solver *s, int b);
/* 1 when every slot has halted (early halting can stop passing), else 0. */
int trm_solver_all_halted(const trm_solver *s);
/* The recurrent state [batch * S * D]: which = 0 for y (z_H), 1 for z (z_L). */
const float *trm_solver_state(const trm_solver *s, int which);

/* ------------------------------------------------------------------------------------------ */
/* Training                                                                                    */

typedef enum trm_optimizer { TRM_OPT_ADAM_ATAN2 = 0, TRM_OPT_ADAMW = 1 } trm_optimizer;
typedef enum trm_loss_kind { TRM_LOSS_STABLEMAX = 0, TRM_LOSS_SOFTMAX = 1 } trm_loss_kind;

typedef struct trm_train_config {
    int batch_size;           /* B: slots; the loss is divided by B (TRM §4.2) */
    double lr;
    int lr_warmup_steps;
    double lr_min_ratio;      /* 1.0 = constant after warmup; < 1 cosine to lr*ratio */
    long lr_decay_start;      /* the cosine runs from max(this, lr_warmup_steps) to total_steps,
                               * constant lr before it (0: right after warmup, as in TRM) */
    long total_steps;         /* length of the cosine schedule */
    double weight_decay;
    double beta1, beta2;
    trm_optimizer optimizer;
    double puzzle_emb_lr;
    double puzzle_emb_weight_decay;
    int ema;                  /* keep an EMA copy of the parameters */
    double ema_rate;          /* 0.999: shadow = (1-rate)*param + rate*shadow */
    trm_loss_kind loss;
    int adaptive_halting;     /* 1 (TRM): a slot halts when q_halt > 0, with exploration; 0: every
                               * example runs all halt_max_steps supervision steps (q_halt is still
                               * trained), so the late steps an evaluation runs get trained too */
    uint64_t seed;            /* halting exploration draws */
    /* Data-parallel training (several processes, each a trainer with its own slots; native/dist.h):
     * this trainer holds slots [slot_offset, slot_offset + batch_size) of a global batch of
     * global_batch_size slots. Losses and gradients are divided by the global batch, so that the
     * processes' gradients add up to the single-process gradient, and the halting exploration
     * draws are made for every global slot in order (this trainer uses its own), so that the RNG
     * stays the same in every process and equal to a single process's. 0 / 0: not split. */
    int global_batch_size;
    int slot_offset;
} trm_train_config;

/* The official maze run's settings (TRM §5.1) with batch 768. */
void trm_train_config_default(trm_train_config *c);

typedef struct trm_batch {
    const uint8_t *inputs;     /* [size * grid] token ids */
    const uint8_t *labels;     /* [size * grid] token ids; 0 = ignored position */
    const int32_t *puzzle_ids; /* [size] or NULL (all 0) */
    int size;                  /* must equal the trainer's batch_size */
} trm_batch;

typedef struct trm_step_stats {
    double lm_loss;        /* sum over slots of per-sequence mean CE, divided by B */
    double q_halt_loss;    /* sum over slots of BCE, divided by B */
    double loss;           /* lm_loss + 0.5 * q_halt_loss */
    double lr;             /* learning rate used by this step */
    /* TRM §4.3 metrics, summed over valid slots that halted this step (count of them): */
    int count;
    double accuracy, exact_accuracy, q_halt_accuracy, steps;
    /* The same over every slot with a label, halted or not, for a progress display: */
    int all_count;
    double all_accuracy, all_exact_accuracy;
    /* Accuracy on cells whose label differs from the input (for mazes: the path), all slots: */
    long changed_cells, changed_correct;
} trm_step_stats;

typedef struct trm_trainer trm_trainer;

/* The trainer uses (and updates) the model's parameters in place. */
trm_trainer *trm_trainer_create(trm_model *m, const trm_train_config *tc, trm_error *err);
void trm_trainer_free(trm_trainer *t);
/* One ACT training step (TRM §3.3): refill halted slots from the batch, forward, loss, backward,
 * halting decisions, optimizer, EMA. Returns TRM_E_NONFINITE (and changes nothing) if the loss
 * or a gradient is not finite. */
trm_status trm_trainer_step(trm_trainer *t, const trm_batch *b, trm_step_stats *st, trm_error *err);
/* The two halves of a step, for gradient checks: compute() refills, runs forward and backward
 * into the gradients without changing parameters or carry, and may be called repeatedly;
 * apply() makes halting decisions, updates parameters and commits the carry. */
trm_status trm_trainer_compute(trm_trainer *t, const trm_batch *b, trm_step_stats *st, trm_error *err);
trm_status trm_trainer_apply(trm_trainer *t, trm_error *err);

long trm_trainer_steps_done(const trm_trainer *t);
const float *trm_trainer_grads(const trm_trainer *t);       /* like trm_model_params() */
const float *trm_trainer_puzzle_grad(const trm_trainer *t); /* [num_ids * ndim], summed per id */
float *trm_trainer_ema(trm_trainer *t);                     /* NULL without EMA */
/* Outputs of the last compute(): logits [B*grid*V], q logits [B*2], new carry [B*S*D]. */
const float *trm_trainer_logits(const trm_trainer *t);
const float *trm_trainer_q_logits(const trm_trainer *t);
const float *trm_trainer_new_carry(const trm_trainer *t, int which); /* 0 = z_H, 1 = z_L */
const uint8_t *trm_trainer_halted(const trm_trainer *t);    /* [B] after apply() */
/* Learning rate of step k (1-based) under the schedule (TRM §5.3). */
double trm_lr_at(const trm_train_config *c, double base, long step);

/* Everything a checkpoint must hold to resume exactly: named arrays owned by the trainer. */
typedef enum trm_state_dtype { TRM_STATE_F32, TRM_STATE_U8, TRM_STATE_I32, TRM_STATE_U64 } trm_state_dtype;
typedef struct trm_state_entry {
    const char *name;
    trm_state_dtype dtype;
    void *data;
    size_t count;
    int sharded; /* 1: this trainer's part of an array split over data-parallel processes (one
                  * value block per slot): the processes' parts, concatenated in slot order, make
                  * the single-process array; 0: the same in every process */
} trm_state_entry;
int trm_trainer_state_count(const trm_trainer *t);
trm_state_entry trm_trainer_state(trm_trainer *t, int i);
/* After the state entries were overwritten (a resumed checkpoint): every value must be one the
 * trainer can produce: finite floats, second moments >= 0, slot step counts in [0, 10^6],
 * halting flags 0/1, puzzle ids and tokens inside the config's ranges, a non-zero RNG. The
 * message names the entry and index (TRM_E_NONFINITE / TRM_E_INVALID). */
trm_status trm_trainer_check_state(const trm_trainer *t, trm_error *err);
/* Data-parallel training: the arrays that one compute() leaves for apply() and that processes
 * must combine in between (every process then applies the same update): "grads" and
 * "puzzle_grad" (F32: sum them), "puzzle_present" (U8, the puzzle ids in this trainer's slots:
 * combine with OR). Writable; a single process leaves them alone. */
int trm_trainer_reduce_count(const trm_trainer *t);
trm_state_entry trm_trainer_reduce_entry(trm_trainer *t, int i);
/* Copy the EMA weights (or the raw ones without EMA) into another model of the same config. */
trm_status trm_trainer_export(const trm_trainer *t, trm_model *dst, trm_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TRM_H */
