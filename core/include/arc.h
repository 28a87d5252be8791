/* arc.h: ARC-AGI grids as the official TRM sees them: the 30x30 canvas, the official
 * augmentations (dihedral transform x colour permutation) and the official voting over them
 * (core/).
 *
 * The official dataset (dataset/build_arc_dataset.py of SamsungSAILMontreal/TinyRecursiveModels)
 * writes every grid (1..30 rows by 1..30 columns of colours 0..9) onto a 30x30 canvas of tokens:
 * PAD 0, EOS 1, colour c -> token c + 2 (vocabulary 12). The grid's top-left corner goes to
 * (pad_r, pad_c) (0, 0 except for the training split's random translations, which move a pair's
 * input and output alike); EOS fills the row under the grid (its columns only) and the column
 * right of it (its rows only), where the canvas has room; PAD everything else, the cell diagonal
 * to the grid's corner included.
 *
 * An augmentation is one of the 8 dihedral transforms (maze.h's order, the official
 * dihedral_transform) after a colour map that keeps colour 0 (black) and permutes 1..9:
 * augmented = dihedral(map[grid]); its inverse is inverse_map[inverse_dihedral(grid)]. The
 * official puzzle names spell one as "<task>|||t<dihedral>|||<map[0]..map[9]>", e.g.
 * "007bbfb7|||t3|||0481326597"; each augmented puzzle has its own puzzle-embedding row.
 *
 * A model's answer is read back with the official crop (evaluators/arc.py): the largest
 * rectangle of colour tokens anchored at the canvas's top-left corner, scanning rows down while
 * each row's run of colours (capped by the rows above) stays non-empty.
 *
 * Voting (the official evaluator): every augmented view's answer is cropped and un-augmented; equal
 * grids pool their votes; answers rank by how many views gave them, then by the mean of their
 * sigmoid(q_halt logit), then by first appearance; pass@k counts a test pair solved when the
 * label is among the first k.
 *
 * Nothing here allocates or keeps state; everything is integer arithmetic and identical on every
 * platform.
 */
#ifndef TRM_ARC_H
#define TRM_ARC_H

#include "trm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TRM_ARC_SIDE = 30,
    TRM_ARC_CELLS = 900,
    TRM_ARC_PAD = 0,
    TRM_ARC_EOS = 1,
    TRM_ARC_COLOUR0 = 2, /* token of colour 0; colour c is token c + 2 */
    TRM_ARC_VOCAB = 12,
    TRM_ARC_COLOURS = 10,
    TRM_ARC_COLOUR_MAPS = 362880,        /* 9!: colour 0 stays, 1..9 permuted */
    TRM_ARC_AUGMENTATIONS = 8 * 362880,  /* dihedral x colour map */
    TRM_ARC_AUG_NAME = 32                /* bytes for "t7|||0123456789" and its NUL */
};

/* Token t >= 1 is this string's character t - 1: EOS '|', then the colours '0'..'9'. */
#define TRM_ARC_CHARSET "|0123456789"

/* A grid of colours 0..9, h rows of w (row-major in cells[0 .. h*w - 1]). h = w = 0 is the empty
 * grid (what the crop of a canvas without a colour at its corner gives). */
typedef struct trm_arc_grid {
    int h, w;
    uint8_t cells[TRM_ARC_CELLS];
} trm_arc_grid;

/* A 1..30 x 1..30 grid of colours 0..9 (TRM_E_SHAPE naming the size, TRM_E_FORMAT naming the cell). */
trm_status trm_arc_grid_check(const trm_arc_grid *g, trm_error *err);
/* Same size and cells. */
int trm_arc_grid_equal(const trm_arc_grid *a, const trm_arc_grid *b);

/* canvas [900] <- g at (pad_r, pad_c), as described above. g must pass trm_arc_grid_check and fit
 * (pad_r + h <= 30, pad_c + w <= 30): TRM_E_SHAPE otherwise. */
trm_status trm_arc_encode(const trm_arc_grid *g, int pad_r, int pad_c, uint8_t *canvas, trm_error *err);
/* The official crop of canvas [900] (any tokens): out may come back empty (0 x 0). */
void trm_arc_crop(const uint8_t *canvas, trm_arc_grid *out);
/* The grid a well-formed canvas holds, wherever it sits (*pad_r, *pad_c may be NULL): the exact
 * inverse of trm_arc_encode. TRM_E_FORMAT naming the first cell that breaks the layout. */
trm_status trm_arc_decode(const uint8_t *canvas, trm_arc_grid *out, int *pad_r, int *pad_c, trm_error *err);

/* An augmentation: dihedral 0..7 (maze.h's trm_maze_dihedral order) after colours[] (colours[0] =
 * 0, colours[1..9] a permutation of 1..9). */
typedef struct trm_arc_aug {
    int dihedral;
    uint8_t colours[TRM_ARC_COLOURS];
} trm_arc_aug;

/* The identity (dihedral 0, colours unchanged). */
void trm_arc_aug_identity(trm_arc_aug *a);
/* TRM_E_INVALID naming what is wrong. */
trm_status trm_arc_aug_check(const trm_arc_aug *a, trm_error *err);
/* Augmentation number id (0 .. TRM_ARC_AUGMENTATIONS - 1): dihedral = id % 8, colour map = the
 * (id / 8)-th permutation of 1..9 in lexicographic order (0: the identity). */
trm_status trm_arc_aug_from_id(int id, trm_arc_aug *a, trm_error *err);
int trm_arc_aug_id(const trm_arc_aug *a); /* the inverse of trm_arc_aug_from_id; -1 if invalid */
/* A uniformly random augmentation (dihedral and colour map drawn independently). */
void trm_arc_aug_random(trm_rng *rng, trm_arc_aug *a);
/* Bytes of the scratch trm_arc_aug_distinct marks drawn augmentations in (a bit per id). */
#define TRM_ARC_AUG_SEEN_BYTES ((size_t)TRM_ARC_AUGMENTATIONS / 8)
/* out [n]: the identity, then n - 1 augmentations distinct from it and from each other, drawn one
 * after another by trm_arc_aug_random from rng (a draw already taken is drawn again): the random
 * views of trm-eval --arc --augmentations N and of the page. seen: TRM_ARC_AUG_SEEN_BYTES of
 * scratch, any contents (cleared here). n in 1..TRM_ARC_AUGMENTATIONS (TRM_E_INVALID otherwise). */
trm_status trm_arc_aug_distinct(trm_rng *rng, int n, trm_arc_aug *out, uint8_t *seen, trm_error *err);
/* "t<dihedral>|||<colours>" (the part of an official puzzle name after "<task>|||"); returns its
 * length (< TRM_ARC_AUG_NAME), as snprintf does (a smaller cap truncates). An invalid a gives ""
 * and 0. */
int trm_arc_aug_name(const trm_arc_aug *a, char *buf, size_t cap);
/* Parse that suffix (TRM_E_FORMAT naming what is wrong). */
trm_status trm_arc_aug_parse(const char *suffix, trm_arc_aug *a, trm_error *err);

/* dst <- augmented src (dst may not alias src); inverse != 0 applies the augmentation that undoes a.
 * An empty src gives an empty dst. */
trm_status trm_arc_augment(const trm_arc_grid *src, const trm_arc_aug *a, int inverse, trm_arc_grid *dst,
                           trm_error *err);

/* The official vote over n answers (already un-augmented into the task's frame): answers [n],
 * q [n] = sigmoid(q_halt logit) of each (double, as the official evaluator). ranked [n] receives,
 * best first, the index of the first answer of each distinct grid; counts [n] and mean_q [n] its
 * votes and mean q (all three required: they are the vote's only working memory, as nothing here
 * allocates; entries past the returned count are scratch). Empty answers take part like any
 * other. Returns the number of distinct answers (0 for n <= 0). Cost: one hash per answer, then
 * cell comparisons only between answers whose hashes agree. */
int trm_arc_vote(const trm_arc_grid *answers, const double *q, int n, int *ranked, int *counts, double *mean_q);

#ifdef __cplusplus
}
#endif
#endif /* TRM_ARC_H */
