/* task.h: the grid puzzles a TRM learns, behind one interface (core/).
 *
 * The network only sees token ids; a task says what they mean: its characters, what a question
 * must look like, what makes an answer right ("valid", "optimal", "exact"), how to generate
 * questions with their labels, and which transforms of a (question, label) pair make another
 * training example. Mazes are the first task (task_maze.c over maze.h); Sudoku and ARC-AGI come
 * next behind the same table. A model file records its task (config key "task", default
 * "maze"), so the tools, the WebAssembly module and the page take it from the model.
 *
 * Grids are row-major uint8 token arrays of h*w cells. Token 0 is PAD (no character); token t
 * >= 1 is the character charset[t - 1] (TRM §1.1).
 *
 * Every function that needs scratch memory takes a workspace of task->workspace_bytes(h, w)
 * bytes (aligned as malloc aligns; one per thread) and never allocates.
 *
 * Usage:
 *     const trm_task *t = trm_task_find("maze");
 *     trm_task_gen g; trm_task_gen_default(t, &g, 11, 11);
 *     void *ws = malloc(t->workspace_bytes(11, 11));
 *     t->generate(&g, seed, k, question, label, &len, ws, &err);
 *     trm_verdict v; t->verify(question, answer, label, 11, 11, ws, &v, &err);
 */
#ifndef TRM_TASK_H
#define TRM_TASK_H

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a task says of an answer. */
typedef struct trm_verdict {
    int valid;       /* the answer solves the question (task->valid_means) */
    int optimal;     /* valid and as good as any answer can be (mazes: a shortest path); equals
                        valid where all solutions are equally good */
    int exact;       /* a label was given and the answer equals it (task->exact_means) */
    int length;      /* the answer's size in task->length_unit (mazes: moves); -1 if not valid */
    int best_length; /* the best possible length (mazes: the BFS distance); -1 if the question
                        has no solution */
    char reason[96]; /* why not valid (the first problem found), "" when valid */
} trm_verdict;

/* What to generate. */
typedef struct trm_task_gen {
    int kind;         /* index into task->generators */
    int height, width;
    int min_rating;   /* keep questions rated at least this (task->rating_means) */
    int unique;       /* 1: keep only questions with one optimal answer (sudoku: always) */
    int tries;        /* attempts per layout (mazes: (S, G) draws per wall layout; sudoku: unused) */
    int max_layouts;  /* give up (TRM_E_INVALID) after this many layouts (sudoku: solved grids) */
} trm_task_gen;

struct trm_task { /* trm_task: declared in trm.h (a model's config names its task) */
    const char *name;        /* what model files record: "maze" */
    const char *title;       /* for people: "maze: shortest path from S to G" */
    const char *item, *items; /* what one question is called, and many: "maze", "mazes" */
    const char *charset;     /* token t >= 1 is charset[t - 1]; no '"' or '\\' (JSON-safe) */
    int vocab_size;          /* 1 + strlen(charset): PAD plus one token per character */
    int max_side;            /* largest height or width */
    const char *valid_means, *exact_means; /* one sentence each, for tools and the page */
    const char *length_unit; /* what trm_verdict.length counts ("moves") */
    const char *rating_means; /* what a question's rating (generate(), the CSV's rating column)
                                 measures: mazes "shortest path length in moves" */
    const char *aliases;     /* pairs of characters readers take for others ("0." : '0' is read
                                as '.'), or NULL */
    const char *const *generators; /* generator names, NULL-terminated; [0] is the default */
    int augment_count;       /* transforms augment() and transform() know; 0 is the identity */
    int vote_tids;           /* voting views are drawn from transforms 0 .. vote_tids - 1 (<= 32) */
    unsigned swap_sides;     /* bit tid set: transform tid turns an h x w grid into w x h */

    size_t (*workspace_bytes)(int h, int w);     /* 0 if the size is invalid */
    /* A well-formed question (TRM_E_FORMAT naming the cell, TRM_E_SHAPE for bad sizes). */
    trm_status (*check_question)(const uint8_t *question, int h, int w, trm_error *err);
    /* A label that fits its question: it changes only the cells the task fills in (mazes: 'o'
     * on any cell but a wall). TRM_E_FORMAT naming the first other cell. */
    trm_status (*check_label)(const uint8_t *question, const uint8_t *label, int h, int w, trm_error *err);
    /* The answer may hold anything (a model's guess); label may be NULL. Only a malformed
     * question or bad sizes give an error. */
    trm_status (*verify)(const uint8_t *question, const uint8_t *answer, const uint8_t *label,
                         int h, int w, void *workspace, trm_verdict *verdict, trm_error *err);
    /* The label the task's rule gives a question (the one answer training teaches, where
     * several are optimal); *length (may be NULL) its length (trm_verdict.length). TRM_E_INVALID
     * if unsolvable. */
    trm_status (*solve)(const uint8_t *question, int h, int w, uint8_t *label, int *length,
                        void *workspace, trm_error *err);
    /* Question #index of seed `seed` and its label (may be NULL); the same bytes on every
     * platform. *rating (may be NULL) = the question's rating (rating_means). */
    trm_status (*generate)(const trm_task_gen *gen, uint64_t seed, uint64_t index,
                           uint8_t *question, uint8_t *label, int *rating, void *workspace,
                           trm_error *err);
    trm_status (*gen_check)(const trm_task_gen *gen, trm_error *err);
    /* The task's generator defaults for an h x w grid (after trm_task_gen_default's shared ones). */
    void (*gen_default)(trm_task_gen *gen);
    /* Transform `tid` (0..augment_count-1) applied to question and label in place (h == w where
     * the transform swaps the sides); the label is made the task's rule's answer for the new
     * question again, so equal questions keep equal labels. */
    trm_status (*augment)(uint8_t *question, uint8_t *label, int h, int w, int tid,
                          void *workspace, trm_error *err);
    /* The grid src [h*w] seen through transform tid (0..augment_count-1), or with inverse != 0
     * the transform that undoes tid: dst [h*w] (must not alias src). Questions and answers move
     * alike, so an answer found for a transformed question, transformed back, answers the
     * original (symmetry voting). TRM_E_SHAPE for a side-swapping tid on a non-square grid. */
    trm_status (*transform)(const uint8_t *src, int h, int w, int tid, int inverse, uint8_t *dst,
                            trm_error *err);
};

/* Symmetry voting (test-time augmentation, as the official TRM evaluates ARC-AGI: TRM §5.3)
 * -------------------------------------------------------------------------------------------
 * A model solves `views` copies of one question, each seen through one of the task's transforms
 * that keep the grid's shape (every one of a square grid's, e.g. the 8 rotations and reflections
 * of a maze; 4 of a non-square one); their answers are transformed back and the answer most
 * copies agree on wins. The copies' mistakes are largely independent (the network reads the grid
 * as a sequence, so a rotated question is a different problem to it), so the vote fixes most of
 * them at `views` times the compute. Nothing is checked against the rules: only the model votes.
 *
 * Usage (batch of `views` slots for one question q):
 *     int views = trm_task_views(t, h, w);
 *     trm_task_views_expand(t, q, h, w, views, copies, &err);     // solver batch of views
 *     ... solve copies; read their answers (and q_halt logits) ...
 *     trm_task_views_vote(t, answers, q_halt, h, w, views, winner, &vote, &err);
 */

/* The number of shape-keeping transforms of an h x w grid (>= 1: the identity). */
int trm_task_views(const trm_task *t, int h, int w);
/* The transform id of view v (0 <= v < trm_task_views), -1 outside. View 0 is the identity. */
int trm_task_view_tid(const trm_task *t, int h, int w, int v);
/* copies [views * h*w]: the question seen through views 0..views-1 (views <= trm_task_views).
 * copies may start at question itself (view 0 is the question). */
trm_status trm_task_views_expand(const trm_task *t, const uint8_t *question, int h, int w, int views,
                                 uint8_t *copies, trm_error *err);

typedef struct trm_vote {
    int winner;   /* the first view that gave the winning answer */
    int agree;    /* views that gave it */
    int distinct; /* different answers among the views */
} trm_vote;

/* answers [views * h*w]: view v's answer in its own frame, transformed back in place (so
 * afterwards every answer is in the question's frame). winner [h*w]: the answer most views gave;
 * a tie goes to the answer with the higher mean score (scores [views], e.g. the q_halt logits;
 * may be NULL), then to the lowest view. vote (may be NULL) says how clear the vote was. */
trm_status trm_task_views_vote(const trm_task *t, uint8_t *answers, const float *scores, int h, int w, int views,
                               uint8_t *winner, trm_vote *vote, trm_error *err);

/* share [h*w]: for every cell, the fraction of the views (answers as trm_task_views_vote left
 * them: in the question's frame) whose answer has the winner's token there: the vote's per-cell
 * confidence. */
void trm_task_views_agreement(const uint8_t *answers, const uint8_t *winner, int h, int w, int views, float *share);

/* One voted pass of solver s, whose slots 0..views-1 hold the views of one question (from
 * trm_task_views_expand; its batch is views): every view's current answer, or with frozen != 0 a halted view's
 * answer at its halting step (trm_solver_answer), is voted on with the q_halt logits as scores.
 * winner [h*w] gets the answer; share [h*w] (may be NULL) the agreement per cell; *q_halt (may
 * be NULL) the mean q_halt logit of the views that gave it. answers [views * h*w] and scores
 * [views] are scratch (afterwards: the views' answers in the question's frame, their logits). */
trm_status trm_solver_vote(const trm_solver *s, const trm_task *t, int h, int w, int views, int frozen,
                           uint8_t *answers, float *scores, uint8_t *winner, float *share, float *q_halt,
                           trm_vote *vote, trm_error *err);

/* The tasks this build knows, and lookup by name (NULL if unknown). */
int trm_task_count(void);
const trm_task *trm_task_at(int i);
const trm_task *trm_task_find(const char *name);
/* The task of a model whose file states none: mazes (every file written before tasks). */
const trm_task *trm_task_default(void);

/* The generator called name (index into task->generators), or -1. */
int trm_task_generator_parse(const trm_task *t, const char *name);
/* Defaults for an h x w grid: the first generator, not unique, 100 tries, 100000 layouts, then
 * the task's own (gen_default: mazes rate paths of at least max(h, w) moves, at most h*w - 1;
 * sudoku any rating, 1000 grids). */
void trm_task_gen_default(const trm_task *t, trm_task_gen *g, int h, int w);

/* chars [len] row-major (len must be h*w) -> tokens [h*w]. The error names the grid row and
 * column (0-based) and the bad character (TRM_E_FORMAT), or the sizes (TRM_E_SHAPE). */
trm_status trm_task_tokenize(const trm_task *t, const char *chars, size_t len, int h, int w,
                             uint8_t *tokens, trm_error *err);
/* tokens [h*w] -> chars [h*w + 1], NUL-terminated. A token without a character (PAD, or one the
 * model invented) is written as '?' and the first is reported as TRM_E_FORMAT (the output is
 * still complete, so it can be displayed). */
trm_status trm_task_detokenize(const trm_task *t, const uint8_t *tokens, int h, int w,
                               char *chars, trm_error *err);
/* The character of one token, '?' for PAD and tokens outside the charset. */
char trm_task_token_char(const trm_task *t, uint8_t token);
/* The token of one character (its aliases applied, e.g. sudoku's '0' read as '.'), 0 for a
 * character outside the charset (and for NUL). */
uint8_t trm_task_char_token(const trm_task *t, char ch);

#ifdef __cplusplus
}
#endif
#endif /* TRM_TASK_H */
