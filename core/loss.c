/* loss.c: stable-max (or softmax) cross-entropy with per-sequence normalisation, the halting BCE,
 * their gradients, and the metrics of TRM §4. Accumulated in double, as the official loss casts
 * the logits to float64. */
#include <math.h>
#include <string.h>

#include "loss.h"

/* s(x) = 1/(1-x) for x < 0, x + 1 otherwise; s'(x) = 1/(1-x)^2 resp. 1. */
static double stable_s(double x) { return x < 0 ? 1.0 / (1.0 - x) : x + 1.0; }
static double stable_ds(double x) { return x < 0 ? 1.0 / ((1.0 - x) * (1.0 - x)) : 1.0; }

int trm__argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i; /* ties go to the lowest index */
    return best;
}

/* One sequence: returns sum of CE over labelled cells; writes dlogits * gscale; counts. */
static double sequence_ce(trm_loss_kind kind, const float *logits, const uint8_t *labels, int grid, int V,
                          float *dlogits, double gscale, int *count, int *correct) {
    double ce = 0.0;
    int cnt = 0, ok = 0;
    for (int p = 0; p < grid; p++) {
        const float *x = logits + (size_t)p * V;
        float *dx = dlogits ? dlogits + (size_t)p * V : NULL;
        const int y = labels[p];
        if (y == 0) { /* ignored position */
            if (dx) memset(dx, 0, sizeof(float) * V);
            continue;
        }
        cnt++;
        ok += trm__argmax(x, V) == y;
        if (kind == TRM_LOSS_STABLEMAX) {
            double sum = 0.0;
            for (int k = 0; k < V; k++) sum += stable_s(x[k]);
            double sy = stable_s(x[y]);
            ce -= log(sy / sum);
            if (dx) {
                for (int k = 0; k < V; k++) dx[k] = (float)(gscale * stable_ds(x[k]) / sum);
                dx[y] -= (float)(gscale * stable_ds(x[y]) / sy);
            }
        } else {
            double mx = x[0], sum = 0.0;
            for (int k = 1; k < V; k++) mx = x[k] > mx ? x[k] : mx;
            for (int k = 0; k < V; k++) sum += exp(x[k] - mx);
            ce -= (x[y] - mx) - log(sum);
            if (dx) {
                for (int k = 0; k < V; k++) dx[k] = (float)(gscale * exp(x[k] - mx) / sum);
                dx[y] -= (float)gscale;
            }
        }
    }
    *count = cnt;
    *correct = ok;
    return ce;
}

void trm__loss(const trm_loss_args *a, float *dlogits, float *dq, trm_step_stats *st) {
    const int B = a->B, grid = a->grid, V = a->V;
    const int DB = a->div_B > 0 ? a->div_B : B; /* the divisor (a data-parallel run's global batch) */
    double lm = 0.0, qh = 0.0;
    memset(st, 0, sizeof *st);
    for (int b = 0; b < B; b++) {
        const float *lg = a->logits + (size_t)b * grid * V;
        const uint8_t *lab = a->labels + (size_t)b * grid;
        int count, correct, labelled = 0;
        for (int p = 0; p < grid; p++) labelled += lab[p] != 0;
        const double div = labelled > 0 ? labelled : 1; /* dL/dlogit = (1/div) * dCE / B */
        const double ce = sequence_ce(a->kind, lg, lab, grid, V, dlogits ? dlogits + (size_t)b * grid * V : NULL,
                                      1.0 / (div * DB), &count, &correct);
        lm += ce / div;
        /* As the official loss: a row with no labelled cell counts as "correct" (0 == 0), so a
         * padding row has halting target 1; metrics below still skip it (count 0). */
        const int seq_correct = correct == count;
        /* BCE with logits on q_halt, target = sequence exactly right (TRM §4.2). */
        const double q = a->q[2 * b], t = seq_correct;
        qh += (q > 0 ? q : 0) - q * t + log1p(exp(-fabs(q)));
        if (dq) {
            dq[2 * b] = (float)((1.0 / (1.0 + exp(-q)) - t) * 0.5 / DB);
            dq[2 * b + 1] = 0.0f; /* no_ACT_continue: q_continue gets no loss */
        }
        /* metrics */
        long changed = 0, changed_ok = 0;
        if (a->inputs)
            for (int p = 0; p < grid; p++)
                if (lab[p] && lab[p] != a->inputs[(size_t)b * grid + p]) {
                    changed++;
                    changed_ok += trm__argmax(lg + (size_t)p * V, V) == lab[p];
                }
        st->changed_cells += changed;
        st->changed_correct += changed_ok;
        if (count > 0) {
            st->all_count++;
            st->all_accuracy += (double)correct / div;
            st->all_exact_accuracy += seq_correct;
            if (!a->halted || a->halted[b]) {
                st->count++;
                st->accuracy += (double)correct / div;
                st->exact_accuracy += seq_correct;
                st->q_halt_accuracy += (q >= 0) == seq_correct;
                st->steps += a->steps ? a->steps[b] : 0;
            }
        }
    }
    st->lm_loss = lm / DB;
    st->q_halt_loss = qh / DB;
    st->loss = (lm + 0.5 * qh) / DB;
}
