/* evaluate.h: batch evaluation of a model on its task's questions (mazes first) with the solver
 * (trm-train and trm-eval). Answers are scored by the model's task (task.h: task->verify).
 *
 * Every maze runs from (H_init, L_init) for `steps` supervision steps (TRM §3.4), H_cycles
 * refinement passes each. Two answers are scored per maze:
 *  - fixed: the prediction after all `steps` supervision steps (the official evaluation);
 *  - halt:  early halting: the prediction at the end of the first supervision step whose
 *           q_halt logit is > 0 and whose answer equals the previous step's (core's rule,
 *           trm_solver_halt_step; the maze's answer is frozen there), else after `steps`.
 * In TRMN_EVAL_HALT mode a batch stops as soon as every maze in it has halted (faster), and only
 * the halt metrics are filled.
 *
 * Metrics (per answer kind), from the task's verdict (trm_verdict; mazes: the BFS verifier of
 * core/include/maze.h, the same numbers as trm_maze_verify):
 *  - exact: answer equals the label (mazes: either S/G convention);
 *  - valid_optimal: a valid answer as good as any (mazes: a valid S-G path of shortest length; a
 *    different shortest path counts);
 *  - cell accuracy: cells equal to the label / all cells;
 *  - path-cell accuracy: over the cells where the label differs from the question (the cells the
 *    answer fills in; mazes: the path cells), for any task;
 *  - steps: supervision steps used (mean over mazes; with voting, over every view of every maze).
 */
#ifndef TRMN_EVALUATE_H
#define TRMN_EVALUATE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "task.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trmn_eval_metrics {
    long count;
    long exact, valid, optimal; /* optimal implies valid */
    long cells, cells_correct;
    long path_cells, path_correct;
    double steps_sum;
} trmn_eval_metrics;

typedef enum trmn_eval_mode { TRMN_EVAL_BOTH = 0, TRMN_EVAL_FIXED, TRMN_EVAL_HALT } trmn_eval_mode;

typedef struct trmn_eval_options {
    int steps;            /* supervision steps (>= 1) */
    int batch;            /* mazes per solver batch (>= 1) */
    int views;            /* symmetry voting (task.h): each question solved in this many views
                             (its shape-keeping transforms) and the answer most agree on scored;
                             0 or 1: off. The solver's batch is then batch * views. */
    trmn_eval_mode mode;
    /* optional: called after each batch with (mazes done, total) */
    void (*progress)(void *user, long done, long total);
    void *user;
    /* optional: checked before each supervision step; once nonzero (a signal handler's flag), the
     * evaluation stops and the metrics count the questions of the batches done (fixed->count) */
    const volatile sig_atomic_t *cancel;
    /* optional outputs [count * grid]: predicted tokens (NULL to skip) */
    uint8_t *pred_fixed, *pred_halt;
    /* optional outputs [count]: each question's verdict from the task (best_length, exact, ...;
     * NULL to skip) */
    trm_verdict *verdict_fixed, *verdict_halt;
} trmn_eval_options;

/* Evaluate count mazes: questions and labels [count * grid] (labels may be NULL: then exact and
 * the cell/path accuracies stay 0). For the maze task, questions may contain 'o' cells (an
 * answer given as the question): they are treated as open cells. Returns TRM_OK, or the core's status with a message
 * naming the maze (0-based index + index_base) if a question is malformed (TRM_E_INVALID for
 * bad options, TRM_E_NOMEM when out of memory). */
trm_status trmn_evaluate(const trm_model *m, const uint8_t *questions, const uint8_t *labels, long count,
                         long index_base, const trmn_eval_options *o, trmn_eval_metrics *fixed,
                         trmn_eval_metrics *halt, trm_error *err);

/* Ratios (0 when count is 0). */
double trmn_eval_exact(const trmn_eval_metrics *r);
double trmn_eval_valid_optimal(const trmn_eval_metrics *r);
double trmn_eval_cell_accuracy(const trmn_eval_metrics *r);
double trmn_eval_path_accuracy(const trmn_eval_metrics *r);
double trmn_eval_mean_steps(const trmn_eval_metrics *r);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_EVALUATE_H */
