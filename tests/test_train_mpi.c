/* test_train_mpi.c: data-parallel trm-train under mpirun (native/dist.h). Built and registered
 * only when the build has MPI (TRM_MPI); TRM_MPIEXEC is the launcher CMake found.
 *
 * 1. Two processes equal one: a 2-process run and a single process with the same global batch
 *    and data.streams 2 have the same loss curve within float tolerance. That comparison is
 *    meaningful because both feed every slot the same examples: the global batch is split into
 *    2 slot groups, group g (slots [g*B/2, (g+1)*B/2)) is fed by data stream g (generator: mazes
 *    g, g+2, g+4, ...; CSV: epoch positions g, g+2, ...; its own augmentation RNG), and process g
 *    holds group g and serves stream g, while the single process serves both. The halting
 *    exploration draws are made for every global slot in order in every process (core:
 *    trm_train_config.global_batch_size), so they match too. What differs is only the order in
 *    which floats are summed (per-process gradients added in rank order vs one GEMM over all
 *    rows), hence a tolerance, not equality; "examples" and the number of halted slots per
 *    window must be equal.
 * 2. Two 2-process runs are bit-identical: model files byte for byte, every trainer./data.
 *    checkpoint tensor equal.
 * 3. Resume: 2 processes for N/2 steps, then `mpirun -np 2 trm-train --resume` to N equals N
 *    steps in one go (byte-identical model files and checkpoint state).
 * 4. Refusals: resuming the 2-process checkpoint with one process names both counts, and so does
 *    resuming a 1-process checkpoint with 2; a global batch that does not divide by the
 *    processes (3) is refused by name.
 * 5. A killed process: kill -9 of rank 1 mid-run makes mpirun exit non-zero; the last checkpoint
 *    (written atomically by rank 0) loads and resumes to the end.
 * Every run uses OMP_NUM_THREADS=1 and a tiny model; about 30 s on an idle 2-core machine.
 */
#include "tools_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <time.h>

#include "safetensors.h"

#ifndef TRM_MPIEXEC
#define TRM_MPIEXEC "mpirun"
#endif

static const char TINY[] =
    "{\"model\": {\"hidden_size\": 16, \"num_heads\": 2, \"expansion\": 2, \"H_cycles\": 2, \"L_cycles\": 1,\n"
    "           \"halt_max_steps\": 3, \"puzzle_emb_len\": 1, \"puzzle_emb_ndim\": 16},\n"
    " \"data\": {%s},\n"
    " \"train\": {\"batch_size\": 8, \"lr\": 1e-3, \"lr_warmup_steps\": 3, \"total_steps\": %d, \"eval_interval\": 8,\n"
    "           \"log_interval\": 2, \"checkpoint_interval\": 5, \"threads\": 1, \"ema_rate\": 0.9, \"seed\": 7}}\n";

enum { STEPS = 24 };

/* mpirun with what a shared, possibly root, CI machine needs. */
static char mpi[600];

static void write_cfg(char *path, size_t cap, const char *name, const char *data, int steps) {
    char text[2000];
    snprintf(path, cap, "%s/%s.json", tu_tmp, name);
    snprintf(text, sizeof text, TINY, data, steps);
    tu_write(path, text);
}

/* The "train" lines of DIR/metrics.jsonl: key values into v (at most cap); returns the count. */
static int train_values(const char *dir, const char *key, double *v, int cap) {
    char path[600];
    snprintf(path, sizeof path, "%s/metrics.jsonl", dir);
    char *text = tu_read(path, NULL), *save = NULL;
    int n = 0;
    for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(l);
        const cJSON *t = cJSON_GetObjectItem(j, "type"), *x = cJSON_GetObjectItem(j, key);
        if (cJSON_IsString(t) && !strcmp(t->valuestring, "train") && cJSON_IsNumber(x) && n < cap) v[n++] = x->valuedouble;
        cJSON_Delete(j);
    }
    free(text);
    return n;
}

static void same_models(const char *a, const char *b, const char *what) {
    char ma[600], mb[600];
    snprintf(ma, sizeof ma, "%s/model.safetensors", a);
    snprintf(mb, sizeof mb, "%s/model.safetensors", b);
    CHECK(tu_same_file(ma, mb), "%s: %s and %s differ", what, ma, mb);
}

/* Every trainer./data. tensor of DIR_A's and DIR_B's checkpoints equal (run.wall_us differs). */
static void same_checkpoints(const char *a, const char *b, const char *what) {
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    tu_same_checkpoints(pa, pb, what, 20);
}

/* The trainer.step of DIR's checkpoint (-1 if unreadable). */
static long checkpoint_step(const char *dir) {
    char p[600];
    snprintf(p, sizeof p, "%s/checkpoint.safetensors", dir);
    size_t len;
    char *x = tu_read(p, &len);
    trmn_st_file f;
    trm_error err;
    long step = -1;
    if (x && !trmn_st_parse((uint8_t *)x, len, &f, &err)) {
        const trmn_st_tensor *t = trmn_st_find(&f, "trainer.step");
        uint64_t s;
        if (t && t->nbytes == 8) {
            memcpy(&s, t->data, 8);
            step = (long)s;
        }
        trmn_st_free(&f);
    }
    free(x);
    return step;
}

/* Sections 1-2 for one data source. */
static void check_equal_to_one(const char *data, const char *what) {
    char cfg[500], one[500], two[500], again[500];
    write_cfg(cfg, sizeof cfg, what, data, STEPS);
    snprintf(one, sizeof one, "%s/%s-one", tu_tmp, what);
    snprintf(two, sizeof two, "%s/%s-two", tu_tmp, what);
    snprintf(again, sizeof again, "%s/%s-again", tu_tmp, what);
    tu_expect(tu_run("%s/trm-train --config %s --out %s --quiet --set '{\"data\": {\"streams\": 2}}'", tu_bin, cfg, one), 0,
              NULL, "one process, 2 data streams");
    tu_expect(tu_run("%s -np 2 %s/trm-train --config %s --out %s", mpi, tu_bin, cfg, two), 0, "data-parallel: 2 processes",
                     "2 processes");
    double l1[64], l2[64], e1[64], e2[64], h1[64], h2[64];
    const int n1 = train_values(one, "lm_loss", l1, 64), n2 = train_values(two, "lm_loss", l2, 64);
    train_values(one, "examples", e1, 64);
    train_values(two, "examples", e2, 64);
    train_values(one, "halted", h1, 64);
    train_values(two, "halted", h2, 64);
    CHECK(n1 == STEPS / 2 && n2 == n1, "%s: %d and %d train lines, expected %d", what, n1, n2, STEPS / 2);
    double worst = 0;
    for (int i = 0; i < n1 && i < n2; i++) {
        const double rel = fabs(l1[i] - l2[i]) / fmax(fabs(l1[i]), 1e-6);
        worst = fmax(worst, rel);
        CHECK(rel < 1e-4, "%s: line %d: lm_loss %.7g (1 process) vs %.7g (2 processes)", what, i + 1, l1[i], l2[i]);
        CHECK(e1[i] == e2[i] && h1[i] == h2[i], "%s: line %d: examples %g/%g, halted %g/%g differ", what, i + 1, e1[i],
              e2[i], h1[i], h2[i]);
    }
    printf("%s: %d loss values, largest relative difference 1 vs 2 processes: %.3g\n", what, n1, worst);
    tu_expect(tu_run("%s -np 2 %s/trm-train --config %s --out %s --quiet", mpi, tu_bin, cfg, again), 0, NULL,
              "2 processes again");
    same_models(two, again, "two 2-process runs");
    same_checkpoints(two, again, "two 2-process runs");
}

static void check_resume(void) {
    char cfg[500], full[500], half[500];
    write_cfg(cfg, sizeof cfg, "resume", "\"generator\": {\"height\": 6, \"width\": 6, \"seed\": 3}, \"test_count\": 8", 12);
    snprintf(full, sizeof full, "%s/gen-again", tu_tmp); /* 24 steps, from check_equal_to_one */
    snprintf(half, sizeof half, "%s/half", tu_tmp);
    tu_expect(tu_run("%s -np 2 %s/trm-train --config %s --out %s --quiet", mpi, tu_bin, cfg, half), 0, NULL, "first half");
    tu_expect(tu_run("%s -np 2 %s/trm-train --resume %s/checkpoint.safetensors --total-steps %d", mpi, tu_bin, half, STEPS),
              0, "resuming", "resume with 2 processes");
    same_models(full, half, "resumed vs uninterrupted");
    same_checkpoints(full, half, "resumed vs uninterrupted");
    /* another number of processes: refused, naming both */
    tu_expect(tu_run("%s/trm-train --resume %s/checkpoint.safetensors --total-steps 40", tu_bin, half), 1,
              "written by a run of 2 processes; this run has 1", "resume a 2-process run with 1");
    char one[500];
    snprintf(one, sizeof one, "%s/gen-one", tu_tmp);
    tu_expect(tu_run("%s -np 2 %s/trm-train --resume %s/checkpoint.safetensors --total-steps 40", mpi, tu_bin, one), 1,
              "written by a run of 1 process; this run has 2", "resume a 1-process run with 2");
    tu_expect(tu_run("%s -np 3 %s/trm-train --config %s --out %s/three --quiet", mpi, tu_bin, cfg, tu_tmp), 1,
              "train.batch_size 8 is the global batch: it must divide by the 3 processes", "batch 8 over 3 processes");
}

/* Start a long 2-process run; once it has checkpointed, kill -9 rank 1. */
static void check_kill(void) {
    char cfg[500], dir[500], log[500];
    write_cfg(cfg, sizeof cfg, "long", "\"generator\": {\"height\": 6, \"width\": 6, \"seed\": 3}, \"test_count\": 8", 1000000);
    snprintf(dir, sizeof dir, "%s/kill", tu_tmp);
    snprintf(log, sizeof log, "%s/kill.log", tu_tmp);
    mkdir(dir, 0777);
    /* each rank records its pid (the shell execs trm-train, so the pid is trm-train's) */
    char cmd[6000];
    snprintf(cmd, sizeof cmd, "%s -np 2 sh -c 'echo $$ > %s/pid.$OMPI_COMM_WORLD_RANK; exec %s/trm-train --config %s --out %s "
             "--quiet' > %s 2>&1", mpi, dir, tu_bin, cfg, dir, log);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(98);
    }
    char ckpt[600], pidf[600];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.safetensors", dir);
    snprintf(pidf, sizeof pidf, "%s/pid.1", dir);
    long step = -1;
    for (int i = 0; i < 600 && step < 10; i++) { /* up to 60 s for a checkpoint past step 10 */
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
        step = checkpoint_step(dir);
    }
    char *p = tu_read(pidf, NULL);
    const long victim = p ? atol(p) : 0;
    free(p);
    CHECK(step >= 10 && victim > 1, "no checkpoint (step %ld) or no pid of rank 1 (%ld)", step, victim);
    if (victim > 1) kill((pid_t)victim, SIGKILL);
    int st = 0;
    for (int i = 0; i < 600; i++) { /* mpirun must notice and end the job */
        if (waitpid(pid, &st, WNOHANG) == pid) break;
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
        if (i == 599) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            CHECK(0, "mpirun did not end within 60 s of rank 1's death");
        }
    }
    char *out = tu_read(log, NULL);
    const int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("$ mpirun -np 2 trm-train (rank 1 killed at about step %ld) -> %d\n", step, rc);
    CHECK(rc != 0, "mpirun exited 0 after rank 1 was killed; output:\n%s", out ? out : "");
    free(out);
    const long last = checkpoint_step(dir);
    CHECK(last >= step, "the last checkpoint (step %ld) does not load", last);
    tu_expect(tu_run("%s -np 2 %s/trm-train --resume %s --total-steps %ld", mpi, tu_bin, ckpt, last + 3), 0, "done",
              "resume after the kill");
    CHECK(checkpoint_step(dir) == last + 3, "resumed checkpoint at step %ld, expected %ld", checkpoint_step(dir), last + 3);
}

int main(int argc, char **argv) {
    (void)argc;
    if (tu_init(argv[0], "trm_test_train_mpi")) return 1;
    setenv("OMP_NUM_THREADS", "1", 1);
    /* --oversubscribe: -np 3 on a 2-core machine; --bind-to none: share the cores with whatever
     * else runs; as root Open MPI wants --allow-run-as-root. */
    snprintf(mpi, sizeof mpi, "%s --oversubscribe --allow-run-as-root --bind-to none -x OMP_NUM_THREADS", TRM_MPIEXEC);
    if (tu_run("%s -np 1 true", mpi) != 0) {
        printf("FAIL: %s cannot start a process:\n%s\n", mpi, tu_out);
        return 1;
    }
    check_equal_to_one("\"generator\": {\"height\": 6, \"width\": 6, \"seed\": 3}, \"test_count\": 8", "gen");
    char csv[500], data[1400];
    snprintf(csv, sizeof csv, "%s/train.csv", tu_tmp);
    tu_expect(tu_run("%s/trm-maze --size 6 --count 40 --seed 9 --out %s --quiet", tu_bin, csv), 0, NULL, "CSV");
    snprintf(data, sizeof data, "\"train_csv\": \"%s\", \"test_csv\": \"%s\", \"augment\": true", csv, csv);
    check_equal_to_one(data, "csv");
    check_resume();
    check_kill();
    return tu_done();
}
