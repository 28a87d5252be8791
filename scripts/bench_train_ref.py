#!/usr/bin/env python3
"""Time the PyTorch reference's training step (scripts/reference_trm.py) like `reference_trm.py
bench`, and also report CPU seconds per step (all threads) and peak RSS, so that a run on a
shared machine can be compared with trm-bench train by CPU time as well as by wall time.

Same options as `reference_trm.py bench`; prints one JSON line. Run with the Debian torch:
    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/bench_train_ref.py --grid 15 15 ...
"""
import contextlib
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_trm as R  # noqa: E402
import torch  # noqa: E402


def main():
    ap = R.argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, nargs=2, default=[30, 30], metavar=("H", "W"))
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--expansion", type=float, default=4.0)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--T", type=int, default=3)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--prefix", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--halt-max-steps", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--autocast", action="store_true",
                    help="run the step under torch.autocast('cpu', dtype=torch.bfloat16), PyTorch's own "
                         "mixed precision (parameters, optimizer and loss stay float32)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    gh, gw = a.grid
    c = R.make_cfg(hidden_size=a.hidden, num_heads=a.heads, expansion=a.expansion, L_layers=a.layers,
                   H_cycles=a.T, L_cycles=a.n, halt_max_steps=a.halt_max_steps,
                   halt_exploration_prob=0.1, puzzle_emb_len=a.prefix,
                   puzzle_emb_ndim=a.hidden if a.prefix else 0, num_puzzle_identifiers=1,
                   pos_encodings="rope", mlp_t=False, rms_norm_eps=1e-5, rope_theta=10000.0,
                   vocab_size=6, seq_len=gh * gw, grid_height=gh, grid_width=gw)
    tc = dict(batch_size=a.batch, lr=1e-4, lr_warmup_steps=2000, lr_min_ratio=1.0,
              total_steps=100000, weight_decay=1.0, beta1=0.9, beta2=0.95,
              optimizer="adam_atan2", puzzle_emb_lr=1e-4, puzzle_emb_weight_decay=1.0,
              ema_rate=0.999, loss="stablemax")
    gen = torch.Generator().manual_seed(a.seed)
    params, buffers = R.init_model(c, gen)
    pool = [R.maze_batch(gen, a.batch, gh, gw) for _ in range(min(a.steps + 1, 8))]
    pid = torch.zeros(a.batch, dtype=torch.long)
    tr = R.Trainer(c, tc, params, buffers, seed=a.seed)
    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if a.autocast else contextlib.nullcontext()
    with ctx:
        tr.step(pool[0][0], pool[0][1], pid)  # warm-up step, not timed
        t0, c0 = time.perf_counter(), time.process_time()
        for k in range(a.steps):
            inp, lab = pool[(k + 1) % len(pool)]
            tr.step(inp, lab, pid)
    dt = (time.perf_counter() - t0) / a.steps
    cpu = (time.process_time() - c0) / a.steps
    print(json.dumps({"impl": "reference_trm.py", "torch": torch.__version__, "threads": a.threads,
                      "precision": "bf16 autocast" if a.autocast else "f32",
                      "batch": a.batch, "steps": a.steps, "grid": [gh, gw], "hidden": a.hidden,
                      "heads": a.heads, "T": a.T, "n": a.n, "prefix": a.prefix,
                      "example_supervision_steps_per_s": a.batch / dt, "s_per_step": dt,
                      "cpu_s_per_step": cpu,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
