/* arc.c: ARC-AGI grids on the official 30x30 canvas, the official augmentations and the official
 * vote (arc.h). Written from the official TRM code's behaviour (dataset/build_arc_dataset.py:
 * np_grid_to_seq_translational_augment, aug, inverse_aug; dataset/common.py: dihedral_transform;
 * evaluators/arc.py: _crop, ARC.result) and checked against it by tests/test_arc.c on fixtures the
 * official code wrote (scripts/arc_fixture.py). No allocation, no I/O, no globals. */
#include "arc.h"
#include "maze.h"

#include "internal.h"

#include <stdio.h>
#include <string.h>

enum { SIDE = TRM_ARC_SIDE, CELLS = TRM_ARC_CELLS };

static int is_colour_token(uint8_t t) { return t >= TRM_ARC_COLOUR0 && t < TRM_ARC_COLOUR0 + TRM_ARC_COLOURS; }

/* h*w for a grid whose sides are in 0..30 (the empty grid included), 0 for anything else: the
 * vote and the comparisons read only that many cells, whatever a caller left in h and w. */
static int cell_count(const trm_arc_grid *g) {
    return g->h >= 0 && g->w >= 0 && g->h <= SIDE && g->w <= SIDE ? g->h * g->w : 0;
}

/* Cells past h*w are zeroed so that whole structs compare and hash alike. */
static void clear_tail(trm_arc_grid *g) {
    const int n = cell_count(g);
    memset(g->cells + n, 0, (size_t)(CELLS - n));
}

trm_status trm_arc_grid_check(const trm_arc_grid *g, trm_error *err) {
    if (g->h < 1 || g->w < 1 || g->h > SIDE || g->w > SIDE)
        return trm__fail(err, TRM_E_SHAPE, "ARC grid size %d x %d: height and width must be in [1, 30]", g->h, g->w);
    for (int i = 0; i < g->h * g->w; i++)
        if (g->cells[i] >= TRM_ARC_COLOURS)
            return trm__fail(err, TRM_E_FORMAT, "ARC grid row %d, column %d: %d is not a colour (0..9)", i / g->w,
                             i % g->w, g->cells[i]);
    return TRM_OK;
}

int trm_arc_grid_equal(const trm_arc_grid *a, const trm_arc_grid *b) {
    return a->h == b->h && a->w == b->w && !memcmp(a->cells, b->cells, (size_t)cell_count(a));
}

/* ------------------------------------------------------------------------------------------ */
/* The canvas                                                                                   */

/* The token encode() writes at canvas cell (r, c) for an h x w grid at (pr, pc), colours aside:
 * 2 stands for "a colour" (inside the grid), 1 EOS, 0 PAD. */
static int layout_token(int r, int c, int h, int w, int pr, int pc) {
    const int in_rows = r >= pr && r < pr + h, in_cols = c >= pc && c < pc + w;
    if (in_rows && in_cols) return TRM_ARC_COLOUR0;
    if ((r == pr + h && in_cols) || (c == pc + w && in_rows)) return TRM_ARC_EOS; /* not the corner */
    return TRM_ARC_PAD;
}

trm_status trm_arc_encode(const trm_arc_grid *g, int pad_r, int pad_c, uint8_t *canvas, trm_error *err) {
    trm_status st = trm_arc_grid_check(g, err);
    if (st != TRM_OK) return st;
    if (pad_r < 0 || pad_c < 0 || pad_r + g->h > SIDE || pad_c + g->w > SIDE)
        return trm__fail(err, TRM_E_SHAPE, "a %d x %d ARC grid at row %d, column %d does not fit the 30 x 30 canvas",
                         g->h, g->w, pad_r, pad_c);
    memset(canvas, TRM_ARC_PAD, CELLS);
    for (int r = 0; r < g->h; r++)
        for (int c = 0; c < g->w; c++) canvas[(pad_r + r) * SIDE + pad_c + c] = (uint8_t)(g->cells[r * g->w + c] + 2);
    /* EOS under the grid (its columns) and right of it (its rows), where the canvas has room */
    if (pad_r + g->h < SIDE) memset(canvas + (pad_r + g->h) * SIDE + pad_c, TRM_ARC_EOS, (size_t)g->w);
    if (pad_c + g->w < SIDE)
        for (int r = pad_r; r < pad_r + g->h; r++) canvas[r * SIDE + pad_c + g->w] = TRM_ARC_EOS;
    return TRM_OK;
}

/* evaluators/arc.py _crop: rows go down from the top while the run of colour tokens from column
 * 0 (at most as long as the previous row's run: num_c only shrinks) stays non-empty; the crop is
 * the first (fewest rows) of the largest areas num_r x num_c seen. An EOS inside the grid, a
 * ragged row or a hole thus cut the crop rather than fail it. */
void trm_arc_crop(const uint8_t *canvas, trm_arc_grid *out) {
    int num_c = SIDE, best_r = 0, best_c = 0, best_area = 0;
    for (int num_r = 1; num_r <= SIDE; num_r++) {
        for (int c = 1; c <= num_c; c++)
            if (!is_colour_token(canvas[(num_r - 1) * SIDE + c - 1])) {
                num_c = c - 1;
                break;
            }
        if (num_r * num_c > best_area) {
            best_area = num_r * num_c;
            best_r = num_r;
            best_c = num_c;
        }
    }
    out->h = best_r;
    out->w = best_c;
    for (int r = 0; r < best_r; r++)
        for (int c = 0; c < best_c; c++) out->cells[r * best_c + c] = (uint8_t)(canvas[r * SIDE + c] - 2);
    clear_tail(out);
}

/* The grid's place is read from the canvas (its top-left colour is the first cell that is not
 * PAD; its width and height the runs of colours from there), then every cell is compared with
 * what trm_arc_encode writes for that place: the first difference is the error. */
trm_status trm_arc_decode(const uint8_t *canvas, trm_arc_grid *out, int *pad_r, int *pad_c, trm_error *err) {
    int first = 0;
    while (first < CELLS && canvas[first] == TRM_ARC_PAD) first++;
    if (first == CELLS) return trm__fail(err, TRM_E_FORMAT, "ARC canvas holds no grid: every cell is PAD (0)");
    const int pr = first / SIDE, pc = first % SIDE;
    if (!is_colour_token(canvas[first]))
        return trm__fail(err, TRM_E_FORMAT,
                         "ARC canvas row %d, column %d: token %d, the first cell that is not PAD, is not a colour "
                         "(2..11): a grid starts with its top-left colour",
                         pr, pc, canvas[first]);
    int h = 0, w = 0;
    while (pc + w < SIDE && is_colour_token(canvas[pr * SIDE + pc + w])) w++;
    while (pr + h < SIDE && is_colour_token(canvas[(pr + h) * SIDE + pc])) h++;
    for (int i = 0; i < CELLS; i++) {
        const int r = i / SIDE, c = i % SIDE, want = layout_token(r, c, h, w, pr, pc);
        const int ok = want == TRM_ARC_COLOUR0 ? is_colour_token(canvas[i]) : canvas[i] == want;
        if (!ok)
            return trm__fail(err, TRM_E_FORMAT,
                             "ARC canvas row %d, column %d: token %d where %s belongs (a %d x %d grid at row %d, "
                             "column %d)",
                             r, c, canvas[i],
                             want == TRM_ARC_COLOUR0 ? "a colour (2..11)" : want == TRM_ARC_EOS ? "EOS (1)" : "PAD (0)",
                             h, w, pr, pc);
    }
    out->h = h;
    out->w = w;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) out->cells[r * w + c] = (uint8_t)(canvas[(pr + r) * SIDE + pc + c] - 2);
    clear_tail(out);
    if (pad_r) *pad_r = pr;
    if (pad_c) *pad_c = pc;
    return TRM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Augmentations                                                                                */

void trm_arc_aug_identity(trm_arc_aug *a) {
    a->dihedral = 0;
    for (int c = 0; c < TRM_ARC_COLOURS; c++) a->colours[c] = (uint8_t)c;
}

/* what: how the message starts ("augmentation", or the name being parsed). */
static trm_status check_aug(const trm_arc_aug *a, trm_status code, const char *what, trm_error *err) {
    if (a->dihedral < 0 || a->dihedral > 7)
        return trm__fail(err, code, "%s: dihedral transform %d is not one of 0..7", what, a->dihedral);
    if (a->colours[0] != 0)
        return trm__fail(err, code, "%s: colour 0 (black) maps to %d: it must stay 0", what, a->colours[0]);
    int seen[TRM_ARC_COLOURS] = {0}; /* seen[v]: 1 + the index that maps to v */
    for (int c = 1; c < TRM_ARC_COLOURS; c++) {
        const int v = a->colours[c];
        if (v < 1 || v > 9)
            return trm__fail(err, code, "%s: colour %d maps to %d, not one of 1..9", what, c, v);
        if (seen[v])
            return trm__fail(err, code, "%s: colours %d and %d both map to %d (1..9 must be permuted)", what,
                             seen[v] - 1, c, v);
        seen[v] = c + 1;
    }
    return TRM_OK;
}

trm_status trm_arc_aug_check(const trm_arc_aug *a, trm_error *err) {
    return check_aug(a, TRM_E_INVALID, "augmentation", err);
}

/* (8 - i)! for i = 0..8: the weights of the Lehmer code of a permutation of 9 colours. */
static const int FACT[9] = {40320, 5040, 720, 120, 24, 6, 2, 1, 1};

trm_status trm_arc_aug_from_id(int id, trm_arc_aug *a, trm_error *err) {
    if (id < 0 || id >= TRM_ARC_AUGMENTATIONS)
        return trm__fail(err, TRM_E_INVALID, "ARC augmentation %d is not in 0..%d (8 dihedral transforms x 9! colour maps)",
                         id, TRM_ARC_AUGMENTATIONS - 1);
    a->dihedral = id % 8;
    int rank = id / 8;
    uint8_t left[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* colours not placed yet, in order */
    a->colours[0] = 0;
    for (int i = 0; i < 9; i++) {
        const int k = rank / FACT[i];
        rank %= FACT[i];
        a->colours[1 + i] = left[k];
        memmove(left + k, left + k + 1, (size_t)(8 - k));
    }
    return TRM_OK;
}

int trm_arc_aug_id(const trm_arc_aug *a) {
    if (check_aug(a, TRM_E_INVALID, "", NULL) != TRM_OK) return -1;
    int rank = 0;
    for (int i = 1; i < TRM_ARC_COLOURS; i++) {
        int smaller_after = 0; /* the Lehmer digit: later colours smaller than this one */
        for (int j = i + 1; j < TRM_ARC_COLOURS; j++) smaller_after += a->colours[j] < a->colours[i];
        rank += smaller_after * FACT[i - 1];
    }
    return a->dihedral + 8 * rank;
}

/* Draws, in this order: the dihedral transform trm_rng_below(8); then Fisher-Yates over
 * colours[1..9] from the top: for i = 9, 8, ..., 2, j = 1 + trm_rng_below(i) and colours[i] is
 * swapped with colours[j]. 9 draws in all. */
void trm_arc_aug_random(trm_rng *rng, trm_arc_aug *a) {
    trm_arc_aug_identity(a);
    a->dihedral = (int)trm_rng_below(rng, 8);
    for (int i = 9; i >= 2; i--) {
        const int j = 1 + (int)trm_rng_below(rng, (uint32_t)i);
        const uint8_t t = a->colours[i];
        a->colours[i] = a->colours[j];
        a->colours[j] = t;
    }
}

trm_status trm_arc_aug_distinct(trm_rng *rng, int n, trm_arc_aug *out, uint8_t *seen, trm_error *err) {
    if (n < 1 || n > TRM_ARC_AUGMENTATIONS)
        return trm__fail(err, TRM_E_INVALID, "%d ARC augmentations: expected 1 to %d", n, TRM_ARC_AUGMENTATIONS);
    memset(seen, 0, TRM_ARC_AUG_SEEN_BYTES);
    trm_arc_aug_identity(&out[0]);
    seen[0] = 1; /* id 0 is the identity */
    for (int i = 1; i < n;) {
        trm_arc_aug_random(rng, &out[i]);
        const int id = trm_arc_aug_id(&out[i]);
        if ((seen[id / 8] >> (id % 8)) & 1) continue;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
        i++;
    }
    return TRM_OK;
}

int trm_arc_aug_name(const trm_arc_aug *a, char *buf, size_t cap) {
    if (check_aug(a, TRM_E_INVALID, "", NULL) != TRM_OK) {
        if (cap) buf[0] = '\0';
        return 0;
    }
    char digits[TRM_ARC_COLOURS + 1];
    for (int c = 0; c < TRM_ARC_COLOURS; c++) digits[c] = (char)('0' + a->colours[c]);
    digits[TRM_ARC_COLOURS] = '\0';
    return snprintf(buf, cap, "t%d|||%s", a->dihedral, digits);
}

/* inverse_aug reads the last two "|||" fields of a name: "t<dihedral>" and the 10 colours. */
trm_status trm_arc_aug_parse(const char *suffix, trm_arc_aug *a, trm_error *err) {
    if (!suffix) return trm__fail(err, TRM_E_FORMAT, "ARC augmentation name missing");
    char what[80];
    snprintf(what, sizeof what, "ARC augmentation \"%.40s\"", suffix);
    const char *p = suffix;
    if (p[0] != 't' || p[1] < '0' || p[1] > '7')
        return trm__fail(err, TRM_E_FORMAT, "%s: must start with 't' and the dihedral transform 0..7 (e.g. \"t3|||0481326597\")",
                         what);
    a->dihedral = p[1] - '0';
    p += 2;
    if (strncmp(p, "|||", 3))
        return trm__fail(err, TRM_E_FORMAT, "%s: \"|||\" must follow the dihedral transform (one digit)", what);
    p += 3;
    for (int c = 0; c < TRM_ARC_COLOURS; c++) {
        if (p[c] < '0' || p[c] > '9')
            return trm__fail(err, TRM_E_FORMAT, "%s: the colour map must be 10 digits, character %d is not one", what, c);
        a->colours[c] = (uint8_t)(p[c] - '0');
    }
    if (p[TRM_ARC_COLOURS])
        return trm__fail(err, TRM_E_FORMAT, "%s: the colour map must be 10 digits, more follow", what);
    return check_aug(a, TRM_E_FORMAT, what, err);
}

/* aug(): dihedral(map[grid]); inverse_aug(): inverse_map[inverse_dihedral(grid)]. A colour map
 * acts cell by cell, so it commutes with the dihedral transform: dst is transformed first, then
 * mapped in place, either way. */
trm_status trm_arc_augment(const trm_arc_grid *src, const trm_arc_aug *a, int inverse, trm_arc_grid *dst,
                           trm_error *err) {
    trm_status st = trm_arc_aug_check(a, err);
    if (st != TRM_OK) return st;
    if (src->h == 0 && src->w == 0) {
        dst->h = dst->w = 0;
        clear_tail(dst);
        return TRM_OK;
    }
    st = trm_arc_grid_check(src, err);
    if (st != TRM_OK) return st;
    const int t = inverse ? trm_maze_dihedral_inverse(a->dihedral) : a->dihedral;
    trm_maze_dihedral(src->cells, src->h, src->w, t, dst->cells, &dst->h, &dst->w);
    uint8_t map[TRM_ARC_COLOURS];
    for (int c = 0; c < TRM_ARC_COLOURS; c++) {
        if (inverse) map[a->colours[c]] = (uint8_t)c;
        else map[c] = a->colours[c];
    }
    for (int i = 0; i < dst->h * dst->w; i++) dst->cells[i] = map[dst->cells[i]];
    clear_tail(dst);
    return TRM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The vote                                                                                     */

/* FNV-1a (64-bit) over h, w and the cells, folded to 31 bits: equal grids hash alike, and the
 * vote compares cells only where hashes agree. */
static int grid_hash31(const trm_arc_grid *g) {
    uint64_t x = 0xcbf29ce484222325u;
    const uint8_t head[2] = {(uint8_t)g->h, (uint8_t)g->w};
    const int n = cell_count(g);
    for (int i = 0; i < 2 + n; i++) {
        x ^= i < 2 ? head[i] : g->cells[i - 2];
        x *= 0x100000001b3u;
    }
    return (int)((x ^ x >> 32) & 0x7fffffff);
}

/* The vote's order: more votes first, then the higher mean q, then the first seen (Python's
 * sorted(..., reverse=True) is stable, so equal keys keep the order of first appearance). */
static int ranks_after(const int *first, const int *counts, const double *mean_q, int a, int b) {
    if (counts[a] != counts[b]) return counts[a] < counts[b];
    if (mean_q[a] != mean_q[b]) return mean_q[a] < mean_q[b];
    return first[a] > first[b];
}

static void swap3(int *first, int *counts, double *mean_q, int a, int b) {
    const int f = first[a], c = counts[a];
    const double m = mean_q[a];
    first[a] = first[b], counts[a] = counts[b], mean_q[a] = mean_q[b];
    first[b] = f, counts[b] = c, mean_q[b] = m;
}

/* Heap sort of the three parallel arrays (in place, O(m log m)): the order is total (first
 * indices differ), so the result is the stable sort's. */
static void sort_ranked(int *first, int *counts, double *mean_q, int m) {
    for (int end = m, start = m / 2 - 1;;) {
        int root;
        if (start >= 0) root = start--; /* heapify: sift each parent down */
        else {
            if (--end <= 0) break;
            swap3(first, counts, mean_q, 0, end); /* the one that ranks last goes to the end */
            root = 0;
        }
        for (int child; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && ranks_after(first, counts, mean_q, child + 1, child)) child++;
            if (!ranks_after(first, counts, mean_q, child, root)) break;
            swap3(first, counts, mean_q, root, child);
        }
    }
}

/* ranked [] holds each answer's hash (>= 0) while the answers are grouped, and -1 once an answer
 * has joined an earlier equal one; group k's result goes to slot k, which (k groups having been
 * found among answers 0..i-1) is never a slot still to be read. q is summed in order of
 * appearance and then divided, as ARC.result does, so equal means are equal bit for bit. */
int trm_arc_vote(const trm_arc_grid *answers, const double *q, int n, int *ranked, int *counts, double *mean_q) {
    if (n <= 0) return 0;
    for (int i = 0; i < n; i++) ranked[i] = grid_hash31(&answers[i]);
    int m = 0;
    for (int i = 0; i < n; i++) {
        const int h = ranked[i];
        if (h < 0) continue;
        int count = 1;
        double sum = q[i];
        for (int j = i + 1; j < n; j++)
            if (ranked[j] == h && trm_arc_grid_equal(&answers[i], &answers[j])) {
                count++;
                sum += q[j];
                ranked[j] = -1;
            }
        ranked[m] = i;
        counts[m] = count;
        mean_q[m] = sum / count;
        m++;
    }
    sort_ranked(ranked, counts, mean_q, m);
    return m;
}
