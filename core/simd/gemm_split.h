/* gemm_split.h: how a GEMM's C is cut into tiles for the threads, shared by the float32 GEMMs
 * (kernels_simd.h) and the bf16 ones of avx512bf16.c. The includer defines MR, NR (register tile)
 * and GEMM_NC (widest column stripe) and has ks_min. The split only decides which thread computes
 * a tile, never a result. */
#ifndef TRM_GEMM_SPLIT_H
#define TRM_GEMM_SPLIT_H

/* How C is cut into tiles: row chunks (multiples of MR) times column stripes (multiples of NR,
 * at most NC wide). The split only decides which thread computes a tile, never the result. */
typedef struct {
    int rows, cols, chunks, stripes;
} gemm_split;

static gemm_split split_with(int M, int N, int chunks, int stripes) {
    gemm_split s;
    s.rows = (M + chunks - 1) / chunks;
    s.rows = (s.rows + MR - 1) / MR * MR;
    s.chunks = (M + s.rows - 1) / s.rows;
    s.cols = (N + stripes - 1) / stripes;
    s.cols = (s.cols + NR - 1) / NR * NR;
    if (s.cols > GEMM_NC) s.cols = GEMM_NC;
    s.stripes = (N + s.cols - 1) / s.cols;
    return s;
}

/* Every tile packs its stripe of B (K x cols) and reads or packs its rows of A (K x rows), so a
 * split costs K (chunks N + stripes M) loads beyond the product itself, most of them from
 * memory the cores share (trm-bench scaling: two cores stream no faster than one once the data
 * leaves their own caches). The default, about four tiles per thread taken dynamically (a core
 * the OS takes away for a while does not hold the other up), is kept while it does at least
 * 200 flops per such load; the weight gradients (A^T B with C small and K = batch x sequence)
 * do far less, and for them the split with the fewest loads per flop among those with at least
 * one tile per thread (a whole number of tiles per thread) is taken instead. */
static gemm_split gemm_choose_split(int M, int N, int threads) {
    const int min_stripes = (N + GEMM_NC - 1) / GEMM_NC;
    if (threads <= 1) return split_with(M, N, 1, min_stripes);
    const int most = (M + 4 * MR - 1) / (4 * MR);
    int chunks = (4 * threads + min_stripes - 1) / min_stripes;
    chunks = chunks > most ? most : chunks < 1 ? 1 : chunks;
    const gemm_split dflt = split_with(M, N, chunks, min_stripes);
    const double flops = 2.0 * M * N;
    if (flops >= 200.0 * ((double)dflt.chunks * N + (double)dflt.stripes * M)) return dflt;
    gemm_split best = dflt;
    double best_cost = -1;
    const int max_stripes = (N + NR - 1) / NR, max_chunks = (M + MR - 1) / MR;
    for (int c = 1; c <= max_chunks && c <= 4 * threads; c++)
        for (int st = min_stripes; st <= max_stripes && c * st <= 4 * threads; st++) {
            const gemm_split s = split_with(M, N, c, st);
            const int tiles = s.chunks * s.stripes;
            if (tiles < threads || tiles % threads) continue;
            const double cost = (double)s.chunks * N + (double)s.stripes * M;
            if (best_cost < 0 || cost < best_cost) best = s, best_cost = cost;
        }
    return best;
}

/* What every GEMM driver does before tiling: an empty C does nothing, K = 0 leaves C (acc) or
 * zeroes it; returns 1 when that was all. Otherwise *threads = 1 below a megaflop (forking
 * costs more) and *sp is the split. */
static int gemm_begin(int M, int N, int K, float *C, int ldc, int acc, int *threads, gemm_split *sp) {
    if (M <= 0 || N <= 0) return 1;
    if (K <= 0) {
        if (!acc)
            for (int i = 0; i < M; i++) memset(C + (ptrdiff_t)i * ldc, 0, sizeof(float) * (size_t)N);
        return 1;
    }
    *threads = 2.0 * M * N * K < 1e6 ? 1 : trm__max_threads();
    *sp = gemm_choose_split(M, N, *threads);
    return 0;
}

#endif
