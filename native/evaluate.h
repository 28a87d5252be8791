/* evaluate.h: batch evaluation of a model on mazes with the solver (trm-train and trm-eval).
 *
 * Every maze runs from (H_init, L_init) for `steps` supervision steps (TRM §3.4), H_cycles
 * refinement passes each. Two answers are scored per maze:
 *  - fixed: the prediction after all `steps` supervision steps (the official evaluation);
 *  - halt:  early halting: the prediction at the end of the first supervision step whose
 *           q_halt logit is > 0 (the maze's answer is frozen there), else after `steps`.
 * In TRM_EVAL_HALT mode a batch stops as soon as every maze in it has halted (faster), and only
 * the halt metrics are filled.
 *
 * Metrics (per answer kind), from the BFS verifier (core/maze.h):
 *  - exact: answer equals the label (either S/G convention);
 *  - valid_optimal: a valid S-G path of shortest length (a different shortest path counts);
 *  - cell accuracy: cells equal to the label / all cells;
 *  - path-cell accuracy: over the cells where the label differs from the question;
 *  - steps: supervision steps used (mean over mazes).
 */
#ifndef TRM_EVALUATE_H
#define TRM_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "maze.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trm_eval_metrics {
    long count;
    long exact, valid, optimal; /* optimal implies valid */
    long cells, cells_correct;
    long path_cells, path_correct;
    double steps_sum;
} trm_eval_metrics;

typedef enum trm_eval_mode { TRM_EVAL_BOTH = 0, TRM_EVAL_FIXED, TRM_EVAL_HALT } trm_eval_mode;

typedef struct trm_eval_options {
    int steps;            /* supervision steps (>= 1) */
    int batch;            /* mazes per solver batch (>= 1) */
    trm_eval_mode mode;
    /* optional: called after each batch with (mazes done, total) */
    void (*progress)(void *user, long done, long total);
    void *user;
    /* optional outputs [count * grid]: predicted tokens (NULL to skip) */
    uint8_t *pred_fixed, *pred_halt;
    /* optional outputs [count]: each maze's verdict (shortest length, exact, ...; NULL to skip) */
    trm_maze_verdict *verdict_fixed, *verdict_halt;
} trm_eval_options;

/* Evaluate count mazes: questions and labels [count * grid] (labels may be NULL: then exact and
 * the cell/path accuracies stay 0). Questions may contain 'o' cells (an answer given as the
 * question): they are treated as open cells. Returns 0, or -1 with a message naming the maze
 * (0-based index + index_base) if a question is malformed. */
int trm_evaluate(const trm_model *m, const uint8_t *questions, const uint8_t *labels, long count,
                 long index_base, const trm_eval_options *o, trm_eval_metrics *fixed,
                 trm_eval_metrics *halt, char *err, size_t errcap);

/* Ratios (0 when count is 0). */
double trm_eval_exact(const trm_eval_metrics *r);
double trm_eval_valid_optimal(const trm_eval_metrics *r);
double trm_eval_cell_accuracy(const trm_eval_metrics *r);
double trm_eval_path_accuracy(const trm_eval_metrics *r);
double trm_eval_mean_steps(const trm_eval_metrics *r);

#ifdef __cplusplus
}
#endif
#endif /* TRM_EVALUATE_H */
