/* arc_eval.h: ARC-AGI evaluation as the official TRM does it (evaluators/arc.py), and the
 * trm-eval --arc mode built on it (native/TOOLS.md, "ARC-AGI evaluation").
 *
 * Every test input of every task is solved in each of its task's views (arc_views.h: a
 * puzzle-embedding row and an augmentation): the augmented input is written onto the 30x30
 * canvas at (0, 0) (trm_arc_encode), a batch of such canvases runs for `steps` supervision steps
 * from (H_init, L_init) with the views' puzzle rows, and each view's answer (the argmax canvas)
 * is cropped (trm_arc_crop) and un-augmented. The answers of one test input are then voted on
 * (trm_arc_vote: the most views, then the highest mean q = sigmoid(q_halt logit) in double, then
 * the first); pass@k counts the input solved when its label is among the first k answers, and a
 * task scores the fraction of its test inputs solved. Batches mix views of consecutive test inputs
 * and tasks, so small view counts still fill them.
 */
#ifndef TRMN_ARC_EVAL_H
#define TRMN_ARC_EVAL_H

#include <signal.h>

#include "arc.h"
#include "arc_tasks.h"
#include "arc_views.h"
#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the vote made of one test input. */
typedef struct trmn_arc_answer {
    int views;               /* answers voted on */
    int distinct;            /* different answers among them */
    int rank;                /* 1-based place of the label among the ranked answers; 0 if it is
                                not among them or there is no label */
    trm_arc_grid attempt[2]; /* the two best answers; the first again when there is only one (the
                                official submission's padding) */
    int votes[2];            /* views that gave each */
    double mean_q[2];        /* their mean q */
} trmn_arc_answer;

typedef struct trmn_arc_eval_options {
    int steps;      /* supervision steps (>= 1) */
    int batch;      /* views solved together (>= 1) */
    int early_halt; /* 1: a view's answer (and q) is taken at the first step the solver halts it
                       (trm_solver_halt_step), and a batch stops when all have halted; 0: every
                       step runs (the official evaluation) */
    /* views[t] [n_views[t]]: the views of task t (the same array may serve every task) */
    const trmn_arc_view *const *views;
    const int *n_views;
    /* optional: called after each batch with (tasks done, total tasks, passes so far) */
    void (*progress)(void *user, int done, int total, long passes);
    void *user;
    /* optional: checked before each supervision step; once nonzero (a signal handler's flag)
     * the evaluation stops, keeping the tasks already done */
    const volatile sig_atomic_t *cancel;
} trmn_arc_eval_options;

/* Evaluate tasks [count]: answers receives one entry per test input, task by task (the sum of
 * n_test entries). *done = the tasks finished (count, or fewer when cancelled); *passes = the
 * refinement passes run (one pass = one recursion of a whole batch). TRM_E_INVALID for bad
 * options or a model whose task is not "arc", TRM_E_NOMEM. */
trm_status trmn_arc_evaluate(const trm_model *m, const trmn_arc_task *tasks, int count, const trmn_arc_eval_options *o,
                             trmn_arc_answer *answers, int *done, long *passes, trm_error *err);

/* trm-eval's ARC mode: argv holds --arc (trm-eval dispatches to it). Returns the exit status. */
int trmn_arc_eval_main(const char *tool, int argc, char **argv);
/* 1 when argv asks for the ARC mode (an argument "--arc" or "--arc=..."). */
int trmn_arc_eval_wanted(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* TRMN_ARC_EVAL_H */
