/* trm_bench.c: speed measurements for the kernel sets and the trainer (issue 4). No timing is
 * ever asserted; scripts/bench_*.sh run this and print the tables.
 *
 *   trm-bench peak                       FMA peak probe, one thread (AVX-512 and AVX2), and the
 *                                        vdpbf16ps peak where the CPU has avx512_bf16
 *   trm-bench scaling [--threads N]      all threads at once vs one alone (default 2) on FMA
 *                                        work and on streams over buffers of growing size: what
 *                                        the cores share (caches, memory) and what they do not
 *   trm-bench gemm [--reps N] [--sets a,b] [--blas] [--only TEXT] [--dtype f32|bf16|both]
 *                                        GFLOP/s of gemm_nt/nn/tn on TRM shapes for each set,
 *                                        and OpenBLAS's cblas_sgemm on the same shapes (loaded
 *                                        with dlopen, so OpenBLAS is never linked into anything);
 *                                        with bf16 (default both) a second row per shape: the
 *                                        gemm_*_bf16 entries (bf16 operands, float32 results)
 *                                        against the vdpbf16ps peak. TEXT: shapes whose name has it
 *   trm-bench train --grid H W --hidden D --heads H --T T --n N --prefix P --batch B --steps S
 *                                        example-supervision-steps per second of trm_trainer_step
 *                                        on random maze-like data, peak RSS, and the number of
 *                                        heap allocations made inside the timed steps
 *   trm-bench solve (same model options) --passes P
 *                                        ms per trm_solver_pass
 *   --precision f32|bf16|auto (train, solve; default f32): the network's linear layers and
 *                                        attention in float32 or with bf16 operands
 *                                        (trm_model_set_precision)
 * Common: --threads N, --kernels K (default $TRM_KERNELS, else the fastest set), --json.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "kernels.h"
#include "trm.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static const char *TOOL = "trm-bench";

/* ---- heap allocation counter -------------------------------------------------------------- */
/* On glibc the executable's malloc family replaces libc's for the whole process (libgomp too),
 * so a step that allocates shows up as a non-zero count. Not under AddressSanitizer, which has
 * its own allocator. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define BENCH_COUNTS_ALLOCS 1
static long bench_allocs;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
void *malloc(size_t n) {
    __atomic_fetch_add(&bench_allocs, 1, __ATOMIC_RELAXED);
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    __atomic_fetch_add(&bench_allocs, 1, __ATOMIC_RELAXED);
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    __atomic_fetch_add(&bench_allocs, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, n);
}
void *aligned_alloc(size_t align, size_t n) {
    __atomic_fetch_add(&bench_allocs, 1, __ATOMIC_RELAXED);
    return __libc_memalign(align, n);
}
static long allocs_now(void) { return __atomic_load_n(&bench_allocs, __ATOMIC_RELAXED); }
#else
#define BENCH_COUNTS_ALLOCS 0
static long allocs_now(void) { return -1; }
#endif

static double peak_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static double loadavg(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

/* CPU seconds of the calling thread: under other load on a shared machine this counts only the
 * time the thread actually ran, so single-thread rates stay comparable between runs. */
static double thread_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (all threads). */
static double process_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void set_threads(int t) {
#ifdef _OPENMP
    omp_set_num_threads(t);
#else
    (void)t;
#endif
}

/* ---- FMA peak probe ---------------------------------------------------------------------- */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
/* 12 independent multiply-add chains hide the FMA latency; 2 FMA pipes need at least 8. */
__attribute__((target("avx512f,fma"))) static double peak_avx512(long iters) {
    __m512 a[12], x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
    for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps((float)i);
    double t = thread_cpu_now();
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], x, y);
    t = thread_cpu_now() - t;
    float s = 0;
    for (int i = 0; i < 12; i++) s += _mm512_reduce_add_ps(a[i]);
    return (s == 12345.0f ? 1 : 0) + iters * 12.0 * 32 / t / 1e9;
}
__attribute__((target("avx2,fma"))) static double peak_avx2(long iters) {
    __m256 a[12], x = _mm256_set1_ps(0.9999f), y = _mm256_set1_ps(1e-4f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    double t = thread_cpu_now();
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], x, y);
    t = thread_cpu_now() - t;
    float v[8], s = 0;
    for (int i = 0; i < 12; i++) _mm256_storeu_ps(v, a[i]), s += v[0];
    return (s == 12345.0f ? 1 : 0) + iters * 12.0 * 16 / t / 1e9;
}
/* vdpbf16ps: 16 lanes x 2 bf16 products x (multiply + add) = 64 flops per instruction, twice an
 * FMA. 24 independent chains: the instruction's latency (about 6 cycles measured here, one chain
 * alone) times 2 pipes needs 12, and 24 measured a little faster still, so the peak is not
 * understated (it is the denominator of the GEMM's %peak). */
#include <cpuid.h>
static int has_avx512bf16(void) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __builtin_cpu_supports("avx512f") && __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1u);
}
__attribute__((target("avx512f,avx512bf16"))) static double peak_avx512bf16(long iters) {
    enum { CHAINS = 24 };
    __m512 a[CHAINS];
    /* pairs of bf16 0.996 and 1e-4: each chain grows by ~2e-4 per step, far from any overflow */
    const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f7f3f7f), y = (__m512bh)_mm512_set1_epi32(0x38d138d1);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_set1_ps((float)i);
    double t = thread_cpu_now();
    for (long it = 0; it < iters; it++) {
        /* unrolled so that the chains stay in registers: without this gcc -O3 kept them in memory
         * and ran two steps of one chain back to back (latency-bound, half the rate) */
#pragma GCC unroll 32
        for (int i = 0; i < CHAINS; i++) a[i] = _mm512_dpbf16_ps(a[i], x, y);
    }
    t = thread_cpu_now() - t;
    float s = 0;
    for (int i = 0; i < CHAINS; i++) s += _mm512_reduce_add_ps(a[i]);
    return (s == 12345.0f ? 1 : 0) + iters * (double)CHAINS * 64 / t / 1e9;
}
static double peak_gflops(const char *isa) {
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double g = 0;
        if (!strcmp(isa, "avx512") && __builtin_cpu_supports("avx512f")) g = peak_avx512(20000000);
        if (!strcmp(isa, "avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            g = peak_avx2(20000000);
        if (!strcmp(isa, "avx512bf16") && has_avx512bf16()) g = peak_avx512bf16(10000000);
        if (g > best) best = g;
    }
    return best;
}
#else
static double peak_gflops(const char *isa) { (void)isa; return 0; }
#endif

/* ---- thread scaling probe ------------------------------------------------------------------- */
/* Why two threads do not train twice as fast as one: every thread runs the same loop on its own
 * buffer, first one thread alone, then all threads at once, and the table gives the rate of all
 * threads together over the rate of one. Register-only FMA work shows what the cores can do;
 * streaming reads and read-modify-writes over buffers of growing size show what the caches and
 * memory they share allow (a ratio well below the thread count at a size = a shared bottleneck). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("avx2,fma"))) static float stream_pass_avx2(float *a, const float *b, size_t n, int write) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const __m256 k = _mm256_set1_ps(0.999f);
    if (write) /* a = a * k + b: two streams read, one written */
        for (size_t i = 0; i < n; i += 16) {
            _mm256_store_ps(a + i, _mm256_fmadd_ps(_mm256_load_ps(a + i), k, _mm256_load_ps(b + i)));
            _mm256_store_ps(a + i + 8, _mm256_fmadd_ps(_mm256_load_ps(a + i + 8), k, _mm256_load_ps(b + i + 8)));
        }
    else /* sum of a: one stream read */
        for (size_t i = 0; i < n; i += 32) {
            s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
            s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
            s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
            s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
        }
    float v[8];
    _mm256_storeu_ps(v, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    return v[0] + v[7];
}
#endif

static float stream_pass_scalar(float *a, const float *b, size_t n, int write) {
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        if (write) a[i] = a[i] * 0.999f + b[i];
        else s += a[i];
    }
    return s;
}

/* Streams with AVX2 where the CPU has it (a plain loop would not keep up with memory). */
static float stream_pass(float *a, const float *b, size_t n, int write) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return stream_pass_avx2(a, b, n, write);
#endif
    return stream_pass_scalar(a, b, n, write);
}

/* The FMA probe's loop as work to time from outside (its own figure is ignored). */
static double fma_work(long iters) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("avx512f")) return peak_avx512(iters);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return peak_avx2(iters);
#endif
    (void)iters;
    return 0;
}

/* Rate of `threads` threads together, each working on its own `bytes` (best of 3 timings, each
 * moving about 4 GB per thread): what 0 reads the buffer, 1 does a = a k + b over its two halves (bytes
 * counted: read a, read b, write a), 2 is the FMA probe loop (flop/s). 0 when out of memory. */
static double scaling_rate(int threads, size_t bytes, int what) {
    double best = 0, t0 = 0;
    int failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        const size_t half = what == 2 ? 0 : (bytes / 2 / sizeof(float) + 31) / 32 * 32;
        float *a = half ? aligned_alloc(64, 2 * half * sizeof(float)) : NULL;
        if (half && !a) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            failed = 1;
        }
        for (size_t i = 0; a && i < 2 * half; i++) a[i] = (float)(i % 7) * 0.1f;
        const double moved = what == 0 ? 2.0 * half * sizeof(float) : 3.0 * half * sizeof(float); /* per pass */
        const long passes = what == 2 ? 6000000 : (long)(4e9 / moved) + 1;
        volatile float sink = 0;
        for (int rep = 0; rep < 3; rep++) {
#ifdef _OPENMP
#pragma omp barrier
#pragma omp master
#endif
            t0 = trmn_cli_now();
#ifdef _OPENMP
#pragma omp barrier
#endif
            if (what == 2) sink = (float)fma_work(passes);
            else if (a)
                for (long p = 0; p < passes; p++)
                    sink = sink + (what ? stream_pass(a, a + half, half, 1) : stream_pass(a, NULL, 2 * half, 0));
#ifdef _OPENMP
#pragma omp barrier
#pragma omp master
#endif
            {
                const double t = trmn_cli_now() - t0, units = what == 2 ? passes * 12.0 * 32 : passes * moved;
                if (threads * units / t > best) best = threads * units / t;
            }
        }
        (void)sink;
        free(a);
    }
    return failed ? 0 : best;
}

static int cmd_scaling(int threads) {
    if (threads < 2) threads = 2;
    printf("Thread scaling probe: %d threads each on its own data at once vs one thread alone (wall clock, "
           "best of 3); load %.2f\n",
           threads, loadavg());
    printf("%-30s %14s %14s %6s\n", "work (per thread)", "1 thread", "all threads", "ratio");
    const double f1 = scaling_rate(1, 0, 2), fn = scaling_rate(threads, 0, 2);
    printf("%-30s %7.1f GFLOP/s %7.1f GFLOP/s %6.2f\n", "FMA, registers only", f1 / 1e9, fn / 1e9, fn / f1);
    /* per thread: from L1-sized to far beyond any cache (this VM does not expose its cache sizes) */
    static const size_t KB = 1024, sizes[] = {16 * KB, 256 * KB, 1024 * KB, 4096 * KB, 16384 * KB, 262144 * KB};
    for (int what = 0; what < 2; what++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            const double r1 = scaling_rate(1, sizes[i], what), rn = scaling_rate(threads, sizes[i], what);
            if (r1 <= 0 || rn <= 0) return trmn_cli_error(TOOL, "out of memory");
            char label[64];
            snprintf(label, sizeof label, "%s, %zu KB", what ? "a = a k + b" : "read", sizes[i] / KB);
            printf("%-30s %9.1f GB/s %9.1f GB/s %6.2f\n", label, r1 / 1e9, rn / 1e9, rn / r1);
        }
    return TRMN_EXIT_OK;
}

/* ---- GEMM ---------------------------------------------------------------------------------- */

typedef struct { const char *what; char op; int M, N, K; } gemm_shape;

/* TRM shapes: rows = batch * sequence. (c) the maze config D 512, I 1536, S 916 at batch 4;
 * (a) D 128, I 512, S 241 at batch 32; lm_head N = 6. */
static const gemm_shape SHAPES[] = {
    {"c qkv fwd", 'n', 3664, 1536, 512},  {"c gate_up fwd", 'n', 3664, 3072, 512},
    {"c down fwd", 'n', 3664, 512, 1536}, {"c o_proj fwd", 'n', 3664, 512, 512},
    {"c dX gate_up", 'm', 3664, 512, 3072}, {"c dAct down", 'm', 3664, 1536, 512},
    {"c dW gate_up", 't', 3072, 512, 3664}, {"c dW down", 't', 512, 1536, 3664},
    {"a qkv fwd", 'n', 7712, 384, 128},   {"a gate_up fwd", 'n', 7712, 1024, 128},
    {"a down fwd", 'n', 7712, 128, 512},  {"a dX gate_up", 'm', 7712, 128, 1024},
    {"a dW gate_up", 't', 1024, 128, 7712}, {"a dW qkv", 't', 384, 128, 7712},
    {"a dW o_proj", 't', 128, 128, 7712}, {"a dW down", 't', 128, 512, 7712},
    {"lm_head fwd", 'n', 900, 6, 512},
};

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);
typedef void (*blas_threads_fn)(int);

typedef struct {
    cblas_sgemm_fn sgemm;
    blas_threads_fn set_threads;
} blas_lib;

static blas_lib load_openblas(void) {
    blas_lib b = {0, 0};
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libopenblas.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) return b;
    *(void **)&b.sgemm = dlsym(h, "cblas_sgemm");
    *(void **)&b.set_threads = dlsym(h, "openblas_set_num_threads");
    return b;
}

/* Seconds for one product: thread CPU seconds with one thread, wall seconds with more. k = NULL
 * runs OpenBLAS. cmd_gemm keeps the best of its rounds (the machine is shared: the minimum is the
 * least disturbed run). */
static double time_gemm(const trm_kernels *k, const blas_lib *bl, const gemm_shape *s, const float *A,
                        const float *B, const trm_bf16 *Ah, const trm_bf16 *Bh, float *C, int threads) {
    double (*clock)(void) = threads == 1 ? thread_cpu_now : trmn_cli_now;
    const double t = clock();
    if (k && Ah) { /* the bf16 entries */
        if (s->op == 'n') k->gemm_nt_bf16(s->M, s->N, s->K, Ah, s->K, Bh, s->K, C, s->N, 0);
        if (s->op == 'm') k->gemm_nn_bf16(s->M, s->N, s->K, Ah, s->K, Bh, s->N, C, s->N, 0);
        if (s->op == 't') k->gemm_tn_bf16(s->M, s->N, s->K, Ah, s->M, Bh, s->N, C, s->N, 1);
    } else if (k) {
        if (s->op == 'n') k->gemm_nt(s->M, s->N, s->K, A, s->K, B, s->K, C, s->N, 0);
        if (s->op == 'm') k->gemm_nn(s->M, s->N, s->K, A, s->K, B, s->N, C, s->N, 0);
        if (s->op == 't') k->gemm_tn(s->M, s->N, s->K, A, s->M, B, s->N, C, s->N, 1);
    } else { /* CblasRowMajor 101, NoTrans 111, Trans 112 */
        if (s->op == 'n') bl->sgemm(101, 111, 112, s->M, s->N, s->K, 1, A, s->K, B, s->K, 0, C, s->N);
        if (s->op == 'm') bl->sgemm(101, 111, 111, s->M, s->N, s->K, 1, A, s->K, B, s->N, 0, C, s->N);
        if (s->op == 't') bl->sgemm(101, 112, 111, s->M, s->N, s->K, 1, A, s->M, B, s->N, 1, C, s->N);
    }
    return clock() - t;
}

/* The set's entry that a shape times, to spot sets that share it (avx512bf16's float32 GEMMs are
 * avx512's: timed once). */
static const void *gemm_entry(const trm_kernels *k, const gemm_shape *s, int bf16) {
    if (!k) return NULL;
    if (bf16) return s->op == 'n' ? (const void *)k->gemm_nt_bf16 : s->op == 'm' ? (const void *)k->gemm_nn_bf16
                                                                                  : (const void *)k->gemm_tn_bf16;
    return s->op == 'n' ? (const void *)k->gemm_nt : s->op == 'm' ? (const void *)k->gemm_nn : (const void *)k->gemm_tn;
}

static int cmd_gemm(int reps, const char *sets_csv, int threads, int use_blas, const char *only, int dtypes) {
    char sets[8][16];
    int nsets = 0;
    for (const char *p = sets_csv; *p && nsets < 8;) {
        size_t n = strcspn(p, ",");
        snprintf(sets[nsets++], sizeof sets[0], "%.*s", (int)n, p);
        p += n + (p[n] == ',');
    }
    const int do_f32 = dtypes & 1, do_bf16 = (dtypes & 2) != 0;
    blas_lib bl = use_blas && do_f32 ? load_openblas() : (blas_lib){0, 0};
    if (use_blas && do_f32 && !bl.sgemm)
        fprintf(stderr, "%s: OpenBLAS not found (apt-get install libopenblas-dev)\n", TOOL);
    if (bl.set_threads) bl.set_threads(threads);
    set_threads(threads);
    const double peak = peak_gflops("avx512"), peak16 = do_bf16 ? peak_gflops("avx512bf16") : 0;
    printf("GEMM GFLOP/s, %d thread(s), best of %d runs taken in turns (%s); "
           "AVX-512 FMA peak probe %.1f GFLOP/s per core (per CPU-second)",
           threads, reps, threads == 1 ? "per CPU-second of the thread" : "wall clock", peak);
    if (do_bf16) printf(", vdpbf16ps peak probe %.1f", peak16);
    printf("; load %.2f\n", loadavg());
    if (do_bf16)
        printf("bf16 rows: bf16 A and B (converted beforehand, not timed), float32 C; %%peak against the "
               "vdpbf16ps probe, bf16/f32 = best bf16 over best float32 set of the same run\n");
    printf("%-16s %-3s %-4s %5s %5s %5s", "shape", "op", "type", "M", "N", "K");
    for (int s = 0; s < nsets; s++) printf(" %10s", sets[s]);
    if (bl.sgemm) printf(" %9s %9s", "openblas", "best/blas");
    printf(" %7s%s\n", "%peak", do_f32 && do_bf16 ? "  bf16/f32" : "");
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        const gemm_shape *s = &SHAPES[i];
        if (only && !strstr(s->what, only)) continue;
        const size_t na = (size_t)s->M * s->K, nb = (size_t)s->N * s->K, nc = (size_t)s->M * s->N;
        float *A = malloc(sizeof(float) * na), *B = malloc(sizeof(float) * nb), *C = calloc(nc, sizeof(float));
        trm_bf16 *Ah = malloc(sizeof(trm_bf16) * na), *Bh = malloc(sizeof(trm_bf16) * nb);
        if (!A || !B || !C || !Ah || !Bh) return trmn_cli_error(TOOL, "out of memory");
        for (size_t j = 0; j < na; j++) A[j] = (float)((j * 7919) % 1000) * 1e-3f - 0.5f;
        for (size_t j = 0; j < nb; j++) B[j] = (float)((j * 104729) % 1000) * 1e-3f - 0.5f;
        for (size_t j = 0; j < na; j++) Ah[j] = trm_f32_to_bf16(A[j]);
        for (size_t j = 0; j < nb; j++) Bh[j] = trm_f32_to_bf16(B[j]);
        const double flops = 2.0 * s->M * s->N * s->K;
        const char *opname = s->op == 'n' ? "nt" : s->op == 'm' ? "nn" : "tn";
        /* The contenders (the float32 sets, OpenBLAS, the bf16 sets) take turns, one run each per
         * round: one core's speed drifts here from minute to minute, and turns expose them all to
         * the same drift. A set whose entry an earlier column already times is not timed again. */
        enum { MAXC = 17 };
        double secs[MAXC];
        int dup[MAXC];
        const int blas_c = nsets, bf_c = nsets + 1, contenders = 2 * nsets + 1;
        for (int c = 0; c < contenders; c++) {
            const int bf = c >= bf_c, si = bf ? c - bf_c : c;
            secs[c] = 0, dup[c] = -1;
            if (c == blas_c) continue;
            const void *e = gemm_entry(trm_kernels_get(sets[si]), s, bf);
            for (int d = 0; d < si && e; d++)
                if (gemm_entry(trm_kernels_get(sets[d]), s, bf) == e) dup[c] = d;
        }
        for (int r = 0; r < reps; r++)
            for (int c = 0; c < contenders; c++) {
                const int bf = c >= bf_c, si = bf ? c - bf_c : c;
                if (c == blas_c ? !bl.sgemm : (bf ? !do_bf16 : !do_f32) || dup[c] >= 0) continue;
                const trm_kernels *ks = c == blas_c ? NULL : trm_kernels_get(sets[si]);
                if (c != blas_c && (!ks || (r > 0 && !strcmp(sets[si], "scalar")))) continue; /* scalar: once */
                const double t = time_gemm(ks, c == blas_c ? &bl : NULL, s, A, B, bf ? Ah : NULL, bf ? Bh : NULL,
                                           C, threads);
                if (secs[c] == 0 || t < secs[c]) secs[c] = t;
            }
        double best32 = 0;
        for (int bf = 0; bf < 2; bf++) {
            if (bf ? !do_bf16 : !do_f32) continue;
            printf("%-16s %-3s %-4s %5d %5d %5d", s->what, opname, bf ? "bf16" : "f32", s->M, s->N, s->K);
            double best = 0;
            for (int k = 0; k < nsets; k++) {
                const int c = bf ? bf_c + k : k;
                if (dup[c] >= 0) {
                    char same[16];
                    snprintf(same, sizeof same, "=%.9s", sets[dup[c]]);
                    printf(" %10s", same);
                    continue;
                }
                const double g = secs[c] > 0 ? flops / secs[c] / 1e9 : 0;
                if (g > best) best = g;
                printf(" %10.1f", g);
            }
            if (bl.sgemm && !bf) {
                const double g = flops / secs[blas_c] / 1e9;
                printf(" %9.1f %9.2f", g, best / g);
            } else if (bl.sgemm)
                printf(" %9s %9s", "", "");
            const double pk = bf ? peak16 : peak;
            printf(" %6.0f%%", pk > 0 ? 100 * best / (pk * threads) : 0);
            if (bf && do_f32 && best32 > 0) printf(" %9.2f", best / best32);
            printf("\n");
            if (!bf) best32 = best;
        }
        free(A), free(B), free(C), free(Ah), free(Bh);
    }
    return TRMN_EXIT_OK;
}

/* ---- per-kernel profile ------------------------------------------------------------------ */
/* --profile wraps the chosen set in a table of timing shims: wall seconds and flops per kernel
 * (the shims call the real kernels, so results are unchanged). A kernel called inside a parallel
 * region (the network's batch chunks: every thread runs its own kernels) counts its time divided
 * by the team's size, so the column still adds up to wall time. */
enum { P_NT, P_NN, P_TN, P_RMS_F, P_RMS_B, P_SWI_F, P_SWI_B, P_ROPE, P_ATT_F, P_ATT_B, P_TO16, P_FROM16, P_NT16,
       P_NN16, P_TN16, P_ATT_F16, P_ATT_B16, P_COUNT };
static const char *const PROF_NAMES[P_COUNT] = {"gemm_nt", "gemm_nn", "gemm_tn", "rmsnorm_fwd", "rmsnorm_bwd",
                                                "swiglu_fwd", "swiglu_bwd", "rope", "attention_fwd",
                                                "attention_bwd", "f32_to_bf16", "bf16_to_f32", "gemm_nt_bf16",
                                                "gemm_nn_bf16", "gemm_tn_bf16", "attn_fwd_bf16", "attn_bwd_bf16"};
static const trm_kernels *prof_inner;
static double prof_s[P_COUNT], prof_flops[P_COUNT];
static long prof_calls[P_COUNT];

static void prof_add(int w, double t0, double flops) {
    double dt = trmn_cli_now() - t0;
#ifdef _OPENMP
    dt /= omp_get_num_threads();
#endif
#pragma omp atomic
    prof_s[w] += dt;
#pragma omp atomic
    prof_flops[w] += flops;
#pragma omp atomic
    prof_calls[w]++;
}
#define PROF_GEMM(fn, id)                                                                                    \
    static void prof_##fn(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,   \
                          int ldc, int acc) {                                                                \
        double t = trmn_cli_now();                                                                            \
        prof_inner->fn(M, N, K, A, lda, B, ldb, C, ldc, acc);                                                \
        prof_add(id, t, 2.0 * M * N * K);                                                                    \
    }
PROF_GEMM(gemm_nt, P_NT)
PROF_GEMM(gemm_nn, P_NN)
PROF_GEMM(gemm_tn, P_TN)
#define PROF_GEMM16(fn, id)                                                                                  \
    static void prof_##fn(int M, int N, int K, const trm_bf16 *A, int lda, const trm_bf16 *B, int ldb,     \
                          float *C, int ldc, int acc) {                                                      \
        double t = trmn_cli_now();                                                                            \
        prof_inner->fn(M, N, K, A, lda, B, ldb, C, ldc, acc);                                                \
        prof_add(id, t, 2.0 * M * N * K);                                                                    \
    }
PROF_GEMM16(gemm_nt_bf16, P_NT16)
PROF_GEMM16(gemm_nn_bf16, P_NN16)
PROF_GEMM16(gemm_tn_bf16, P_TN16)
static void prof_to16(int rows, int cols, const float *x, int ldx, trm_bf16 *y, int ldy) {
    double t = trmn_cli_now();
    prof_inner->f32_to_bf16(rows, cols, x, ldx, y, ldy);
    prof_add(P_TO16, t, 0);
}
static void prof_from16(int rows, int cols, const trm_bf16 *x, int ldx, float *y, int ldy) {
    double t = trmn_cli_now();
    prof_inner->bf16_to_f32(rows, cols, x, ldx, y, ldy);
    prof_add(P_FROM16, t, 0);
}
static void prof_rms_f(float *y, float *r, const float *x, int rows, int cols, float eps) {
    double t = trmn_cli_now();
    prof_inner->rmsnorm_fwd(y, r, x, rows, cols, eps);
    prof_add(P_RMS_F, t, 0);
}
static void prof_rms_b(float *dx, const float *dy, const float *y, const float *r, int rows, int cols) {
    double t = trmn_cli_now();
    prof_inner->rmsnorm_bwd(dx, dy, y, r, rows, cols);
    prof_add(P_RMS_B, t, 0);
}
static void prof_swi_f(float *h, const float *gu, int rows, int I) {
    double t = trmn_cli_now();
    prof_inner->swiglu_fwd(h, gu, rows, I);
    prof_add(P_SWI_F, t, 0);
}
static void prof_swi_b(float *dgu, const float *dh, const float *gu, int rows, int I) {
    double t = trmn_cli_now();
    prof_inner->swiglu_bwd(dgu, dh, gu, rows, I);
    prof_add(P_SWI_B, t, 0);
}
static void prof_rope(float *qkv, int rows, int ld, int S, int heads, int hd, const float *c, const float *s,
                      int inv) {
    double t = trmn_cli_now();
    prof_inner->rope(qkv, rows, ld, S, heads, hd, c, s, inv);
    prof_add(P_ROPE, t, 0);
}
/* Forward: Q K^T and P V, 4 S^2 hd per head; backward: Q K^T again, dV, dP, dQ, dK: 10 S^2 hd. */
static void prof_att_f(float *out, const float *qkv, int B, int S, int heads, int hd, float *scr) {
    double t = trmn_cli_now();
    prof_inner->attention_fwd(out, qkv, B, S, heads, hd, scr);
    prof_add(P_ATT_F, t, 4.0 * B * heads * S * S * hd);
}
static void prof_att_b(float *dqkv, const float *dout, const float *qkv, int B, int S, int heads, int hd,
                       float *scr) {
    double t = trmn_cli_now();
    prof_inner->attention_bwd(dqkv, dout, qkv, B, S, heads, hd, scr);
    prof_add(P_ATT_B, t, 10.0 * B * heads * S * S * hd);
}
static void prof_att_f16(float *out, const float *qkv, int B, int S, int heads, int hd, float *scr) {
    double t = trmn_cli_now();
    prof_inner->attention_fwd_bf16(out, qkv, B, S, heads, hd, scr);
    prof_add(P_ATT_F16, t, 4.0 * B * heads * S * S * hd);
}
static void prof_att_b16(float *dqkv, const float *dout, const float *qkv, const trm_bf16 *o, int B, int S,
                         int heads, int hd, float *scr) {
    double t = trmn_cli_now();
    prof_inner->attention_bwd_bf16(dqkv, dout, qkv, o, B, S, heads, hd, scr);
    prof_add(P_ATT_B16, t, 10.0 * B * heads * S * S * hd);
}
static trm_kernels PROF_SET = {"profile", prof_gemm_nt, prof_gemm_nn, prof_gemm_tn, prof_rms_f, prof_rms_b,
                                     prof_swi_f, prof_swi_b, prof_rope, prof_att_f, prof_att_b, prof_to16,
                                     prof_from16, prof_gemm_nt_bf16, prof_gemm_nn_bf16, prof_gemm_tn_bf16,
                                     prof_att_f16, prof_att_b16, 0};

static void prof_print(double step_s, int steps) {
    double total = 0;
    for (int i = 0; i < P_COUNT; i++) total += prof_s[i];
    printf("per-kernel wall time over %d timed steps (%.3f s per step, %.1f%% inside kernels):\n", steps, step_s,
           100 * total / steps / step_s);
    printf("  %-14s %8s %10s %7s %9s\n", "kernel", "calls", "s/step", "share", "GFLOP/s");
    for (int i = 0; i < P_COUNT; i++)
        if (prof_calls[i])
            printf("  %-14s %8ld %10.4f %6.1f%% %9.1f\n", PROF_NAMES[i], prof_calls[i] / steps, prof_s[i] / steps,
                   100 * prof_s[i] / steps / step_s, prof_flops[i] ? prof_flops[i] / prof_s[i] / 1e9 : 0);
}

/* ---- model, trainer, solver -------------------------------------------------------------- */

typedef struct {
    int h, w, hidden, heads, T, n, prefix, batch, steps, passes, json, profile;
    const char *precision;
} model_opts;

static trm_model *make_model(const model_opts *o, const trm_kernels *k) {
    trm_config c;
    trm_config_default(&c);
    c.hidden_size = o->hidden, c.num_heads = o->heads, c.H_cycles = o->T, c.L_cycles = o->n;
    c.grid_height = o->h, c.grid_width = o->w, c.seq_len = 0;
    c.puzzle_emb_len = o->prefix, c.puzzle_emb_ndim = o->prefix ? o->hidden : 0;
    trm_error err;
    trm_model *m = trm_model_create(&c, &err);
    if (!m) {
        trmn_cli_error(TOOL, "model: %s", err.msg);
        return NULL;
    }
    prof_inner = k;
    PROF_SET.bf16_native = k->bf16_native; /* the profiled set stands in for k */
    trm_model_set_kernels(m, o->profile ? &PROF_SET : k);
    const int p = trm_precision_parse(o->precision, k);
    if (p < 0 || trm_model_set_precision(m, (trm_precision)p, &err) != TRM_OK) {
        trmn_cli_usage_error(TOOL, "--precision '%s': %s", o->precision, p < 0 ? "expected f32, bf16 or auto" : err.msg);
        trm_model_free(m);
        return NULL;
    }
    trm_model_init(m, 1);
    return m;
}

/* Maze-like rows as scripts/reference_trm.py bench draws them: 30% walls, one S and one G, the
 * label marks a few open cells as path (the speed does not depend on the label's validity). */
static void maze_like(trm_rng *r, int cells, uint8_t *in, uint8_t *lab) {
    for (int i = 0; i < cells; i++) in[i] = trm_rng_uniform(r) < 0.3 ? 1 : 2;
    in[trm_rng_below(r, (uint32_t)cells)] = 3;
    in[trm_rng_below(r, (uint32_t)cells)] = 4;
    for (int i = 0; i < cells; i++) lab[i] = in[i] == 2 && trm_rng_uniform(r) < 0.2 ? 5 : in[i];
}

static int cmd_train(const model_opts *o, const trm_kernels *k) {
    trm_model *m = make_model(o, k);
    if (!m) return TRMN_EXIT_RUNTIME;
    trm_train_config tc;
    trm_train_config_default(&tc);
    tc.batch_size = o->batch;
    trm_error err;
    const double rss0 = peak_rss_mb();
    trm_trainer *t = trm_trainer_create(m, &tc, &err);
    if (!t) return trmn_cli_error(TOOL, "trainer: %s", err.msg);
    const int cells = o->h * o->w, pool = 8;
    uint8_t *in = malloc((size_t)pool * o->batch * cells), *lab = malloc((size_t)pool * o->batch * cells);
    if (!in || !lab) return trmn_cli_error(TOOL, "out of memory");
    trm_rng r;
    trm_rng_seed(&r, 7);
    for (int i = 0; i < pool * o->batch; i++) maze_like(&r, cells, in + (size_t)i * cells, lab + (size_t)i * cells);
    trm_step_stats st;
    trm_batch b = {in, lab, NULL, o->batch};
    if (trm_trainer_step(t, &b, &st, &err) != TRM_OK) return trmn_cli_error(TOOL, "step: %s", err.msg); /* warm-up */
    const long a0 = allocs_now();
    memset(prof_s, 0, sizeof prof_s), memset(prof_flops, 0, sizeof prof_flops), memset(prof_calls, 0, sizeof prof_calls);
    const double t0 = trmn_cli_now(), c0 = process_cpu_now();
    for (int s = 0; s < o->steps; s++) {
        const size_t off = (size_t)((s + 1) % pool) * o->batch * cells;
        trm_batch bs = {in + off, lab + off, NULL, o->batch};
        if (trm_trainer_step(t, &bs, &st, &err) != TRM_OK) return trmn_cli_error(TOOL, "step: %s", err.msg);
    }
    const double dt = (trmn_cli_now() - t0) / o->steps, cpu = (process_cpu_now() - c0) / o->steps;
    const long allocs = BENCH_COUNTS_ALLOCS ? allocs_now() - a0 : -1;
    const double rate = o->batch / dt, rss = peak_rss_mb();
    if (o->json)
        printf("{\"impl\": \"trm.c\", \"kernels\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"batch\": %d, \"steps\": %d, "
               "\"grid\": [%d, %d], \"hidden\": %d, \"heads\": %d, \"T\": %d, \"n\": %d, \"prefix\": %d, "
               "\"example_supervision_steps_per_s\": %.4f, \"s_per_step\": %.4f, \"cpu_s_per_step\": %.4f, "
               "\"peak_rss_mb\": %.1f, \"trainer_rss_mb\": %.1f, \"allocs_in_steps\": %ld, \"loss\": %.5f, "
               "\"load\": %.2f}\n",
               trm_kernels_name(k), trm_precision_name(trm_model_precision(m)), trmn_cli_threads(), o->batch, o->steps, o->h, o->w, o->hidden, o->heads, o->T,
               o->n, o->prefix, rate, dt, cpu, rss, rss - rss0, allocs, st.loss, loadavg());
    else
        printf("trm.c [%s, %s, %d threads]: %.3f example-supervision-steps/s (%.4f s/step, %.4f CPU s/step), "
               "peak RSS %.1f MB, allocations in %d timed steps: %ld\n",
               trm_kernels_name(k), trm_precision_name(trm_model_precision(m)), trmn_cli_threads(), rate, dt, cpu, rss, o->steps, allocs);
    if (o->profile) prof_print(dt, o->steps);
    free(in), free(lab);
    trm_trainer_free(t);
    trm_model_free(m);
    return TRMN_EXIT_OK;
}

static int cmd_solve(const model_opts *o, const trm_kernels *k) {
    trm_model *m = make_model(o, k);
    if (!m) return TRMN_EXIT_RUNTIME;
    trm_error err;
    trm_solver *s = trm_solver_create(m, o->batch, &err);
    if (!s) return trmn_cli_error(TOOL, "solver: %s", err.msg);
    const int cells = o->h * o->w;
    uint8_t *in = malloc((size_t)o->batch * cells), *lab = malloc((size_t)o->batch * cells);
    if (!in || !lab) return trmn_cli_error(TOOL, "out of memory");
    trm_rng r;
    trm_rng_seed(&r, 9);
    for (int i = 0; i < o->batch; i++) maze_like(&r, cells, in + (size_t)i * cells, lab + (size_t)i * cells);
    if (trm_solver_reset(s, in, NULL, o->batch, &err) != TRM_OK) return trmn_cli_error(TOOL, "reset: %s", err.msg);
    trm_solver_pass(s); /* warm-up */
    double best = 1e30;
    for (int p = 0; p < o->passes; p++) {
        double t = trmn_cli_now();
        trm_solver_pass(s);
        t = trmn_cli_now() - t;
        if (t < best) best = t;
    }
    if (o->json)
        printf("{\"impl\": \"trm.c\", \"kernels\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"batch\": %d, \"grid\": [%d, %d], "
               "\"hidden\": %d, \"heads\": %d, \"n\": %d, \"prefix\": %d, \"ms_per_pass\": %.3f, \"load\": %.2f}\n",
               trm_kernels_name(k), trm_precision_name(trm_model_precision(m)), trmn_cli_threads(), o->batch, o->h, o->w,
               o->hidden, o->heads, o->n, o->prefix, best * 1e3, loadavg());
    else
        printf("trm.c [%s, %s, %d threads]: %.3f ms per refinement pass (best of %d), batch %d\n", trm_kernels_name(k),
               trm_precision_name(trm_model_precision(m)), trmn_cli_threads(), best * 1e3, o->passes, o->batch);
    free(in), free(lab);
    trm_solver_free(s);
    trm_model_free(m);
    return TRMN_EXIT_OK;
}

/* ---- command line -------------------------------------------------------------------------- */

static int usage(void) {
    printf("usage: trm-bench peak | scaling [--threads N]\n"
           "       trm-bench gemm [--reps N] [--sets scalar,avx2,avx512,avx512bf16] [--blas] [--only TEXT]\n"
           "                 [--dtype f32|bf16|both]\n"
           "       trm-bench train|solve [--grid H W] [--hidden D] [--heads H] [--T T] [--n N] [--prefix P]\n"
           "                 [--batch B] [--steps S] [--passes P] [--precision f32|bf16|auto] [--json] [--profile]\n"
           "Defaults: the official maze model (30 30, hidden 512, 8 heads, T 3, n 4, prefix 16), batch 8,\n"
           "3 timed steps, 5 passes, gemm reps 5 with sets avx2,avx512,avx512bf16 and dtype both.\n%s",
           TRMN_CLI_COMMON_HELP);
    return TRMN_EXIT_OK;
}

static int int_arg(int argc, char **argv, int *i, long lo, long hi, int *out) {
    long v;
    if (*i + 1 >= argc || trmn_cli_parse_long(argv[*i + 1], lo, hi, &v))
        return trmn_cli_usage_error(TOOL, "%s needs a number in [%ld, %ld]", argv[*i], lo, hi);
    *out = (int)v;
    (*i)++;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return usage();
    const char *cmd = argv[1], *sets = "avx2,avx512,avx512bf16", *kernels = NULL, *only = NULL;
    model_opts o = {30, 30, 512, 8, 3, 4, 16, 8, 3, 5, 0, 0, "f32"};
    int reps = 5, threads = 0, blas = 0, rc = 0, dtypes = 3; /* bit 0 float32, bit 1 bf16 */
    for (int i = 2; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--grid")) {
            rc = int_arg(argc, argv, &i, 1, 1024, &o.h);
            if (!rc) rc = int_arg(argc, argv, &i, 1, 1024, &o.w);
        } else if (!strcmp(a, "--hidden")) rc = int_arg(argc, argv, &i, 1, 1 << 16, &o.hidden);
        else if (!strcmp(a, "--heads")) rc = int_arg(argc, argv, &i, 1, 1024, &o.heads);
        else if (!strcmp(a, "--T")) rc = int_arg(argc, argv, &i, 1, 100, &o.T);
        else if (!strcmp(a, "--n")) rc = int_arg(argc, argv, &i, 1, 100, &o.n);
        else if (!strcmp(a, "--prefix")) rc = int_arg(argc, argv, &i, 0, 1024, &o.prefix);
        else if (!strcmp(a, "--batch")) rc = int_arg(argc, argv, &i, 1, 1 << 20, &o.batch);
        else if (!strcmp(a, "--steps")) rc = int_arg(argc, argv, &i, 1, 1 << 20, &o.steps);
        else if (!strcmp(a, "--passes")) rc = int_arg(argc, argv, &i, 1, 1 << 20, &o.passes);
        else if (!strcmp(a, "--reps")) rc = int_arg(argc, argv, &i, 1, 1000, &reps);
        else if (!strcmp(a, "--threads")) rc = int_arg(argc, argv, &i, 1, 1024, &threads);
        else if (!strcmp(a, "--json")) o.json = 1;
        else if (!strcmp(a, "--profile")) o.profile = 1;
        else if (!strcmp(a, "--blas")) blas = 1;
        else if (!strcmp(a, "--sets") && i + 1 < argc) sets = argv[++i];
        else if (!strcmp(a, "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(a, "--dtype") && i + 1 < argc) {
            const char *d = argv[++i];
            dtypes = !strcmp(d, "f32") ? 1 : !strcmp(d, "bf16") ? 2 : !strcmp(d, "both") ? 3 : 0;
            if (!dtypes) rc = trmn_cli_usage_error(TOOL, "--dtype '%s': expected f32, bf16 or both", d);
        }
        else if (!strcmp(a, "--kernels") && i + 1 < argc) kernels = argv[++i];
        else if (!strcmp(a, "--precision") && i + 1 < argc) o.precision = argv[++i];
        else rc = trmn_cli_usage_error(TOOL, "unknown or incomplete option '%s'", a);
    }
    if (rc) return rc;
    if (threads > 0) set_threads(threads);
    if (!strcmp(cmd, "peak")) {
        printf("FMA peak probe, one thread: AVX-512 %.1f GFLOP/s, AVX2 %.1f GFLOP/s; vdpbf16ps %.1f GFLOP/s "
               "(load %.2f)\n",
               peak_gflops("avx512"), peak_gflops("avx2"), peak_gflops("avx512bf16"), loadavg());
        return TRMN_EXIT_OK;
    }
    if (!strcmp(cmd, "scaling")) return cmd_scaling(threads);
    if (!strcmp(cmd, "gemm")) return cmd_gemm(reps, sets, threads > 0 ? threads : 1, blas, only, dtypes);
    const trm_kernels *k = trmn_cli_kernels(TOOL, kernels);
    if (!k) return TRMN_EXIT_USAGE;
    if (!strcmp(cmd, "train")) return cmd_train(&o, k);
    if (!strcmp(cmd, "solve")) return cmd_solve(&o, k);
    return trmn_cli_usage_error(TOOL, "unknown command '%s' (peak, scaling, gemm, train or solve)", cmd);
}
