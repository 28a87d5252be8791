#!/usr/bin/env node
// bench_wasm_arc.mjs: what an ARC-AGI task costs in the WebAssembly module (Node 20, one thread,
// after V8 tier-up): ms per refinement pass of an ARC-size model (the official TRM ARC network:
// hidden 512, 8 heads, expansion 4, 2 layers, H_cycles 3, L_cycles 4, a 16-position puzzle
// prefix of width 512, the 30x30 canvas, vocabulary 12, RoPE; random init) solving one test input
// in 1 view and in 8 views at once (batch 1 and batch 8 of the solver, each pass cropped,
// un-augmented and voted on as the page does), and the seconds per task at 8 views x 16
// supervision steps (48 passes of the batch of 8). Ratios matter more than absolute numbers on
// shared machines: it prints the machine's load too.
//
//   node scripts/bench_wasm_arc.mjs [--passes N] [--wasm FILE] [--quick]
//     --passes N   timed passes per batch size (default 3; each batch-8 pass takes seconds)
//     --quick      a smoke run on a small network of the same shape (hidden 128, 2 heads)
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

import { TRM } from '../web/trm.js';

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const QUICK = args.includes('--quick');
const PASSES = Number(opt('--passes', QUICK ? 2 : 3));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

const ARC = {
  task: 'arc', hidden_size: QUICK ? 128 : 512, num_heads: QUICK ? 2 : 8, expansion: 4, L_layers: 2, H_cycles: 3, L_cycles: 4,
  halt_max_steps: 16, puzzle_emb_len: 16, puzzle_emb_ndim: QUICK ? 128 : 512, num_puzzle_identifiers: 16,
  pos_encodings: 'rope', grid_height: 30, grid_width: 30,
};
// A test input of ARC-AGI-1 evaluation task 6ea4a07e (tests/data/arc); its size barely matters:
// the network always sees the whole 900-cell canvas.
const INPUT = [[8, 0, 8], [0, 8, 0], [8, 0, 8]];

// V8 runs new wasm in Liftoff (about 1/3 speed) and tiers a function up after enough calls: many
// short passes of a small model of the same task get the kernels to TurboFan first.
async function warmUp(trm) {
  const m = trm.createModel({ ...ARC, hidden_size: 32, num_heads: 2, puzzle_emb_ndim: 32, L_cycles: 1, H_cycles: 1 });
  const s = m.solver();
  const t0 = performance.now();
  while (performance.now() - t0 < (QUICK ? 1000 : 3000)) {
    s.reset(INPUT, { views: trm.arcViews('dihedral').slice(0, 2) });
    for (let i = 0; i < 2; i++) s.pass();
    await sleep(0);
  }
  m.free();
}

// Multiply-adds x 2 of one view's pass: (L_cycles + 1) network evaluations + the LM head
// (bench_wasm.mjs's count).
function passFlops(c) {
  const D = c.hidden_size, S = c.seq_len + c.puzzle_emb_len;
  const I = Math.ceil(Math.round((c.expansion * D * 2) / 3) / 256) * 256;
  const block = 2 * S * D * 4 * D + 4 * S * S * D + 2 * S * D * 3 * I;
  return (c.L_cycles + 1) * c.L_layers * block + 2 * S * D * c.vocab_size;
}

async function timePasses(trm, model, views) {
  const s = model.solver();
  s.reset(INPUT, { views, maxSteps: 1e6 });
  s.pass(); // the first pass at this size pays for page faults and the first calls
  await sleep(0);
  const core = [], wall = [];
  for (let i = 0; i < PASSES; i++) {
    const t0 = performance.now();
    const p = s.pass(); // core's pass + crop + vote (p.ms), then copying every view out to JS
    wall.push(performance.now() - t0);
    core.push(p.ms);
    await sleep(0);
  }
  s.free();
  return { core: median(core), wall: median(wall), min: Math.min(...wall) };
}

const trm = await TRM.load(opt('--wasm') ? { wasm: readFileSync(resolve(opt('--wasm'))) } : undefined);
console.log(`bench_wasm_arc: module kernels ${trm.kernels}, Node ${process.versions.node}, ${cpus()[0]?.model ?? '?'}, ` +
  `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);
await warmUp(trm);
const model = trm.createModel(ARC, { seed: 1 });
const c = model.config;
console.log(`model: D ${c.hidden_size}, ${c.num_heads} heads, expansion ${c.expansion}, L ${c.L_layers}, T ${c.H_cycles}, ` +
  `n ${c.L_cycles}, prefix ${c.puzzle_emb_len} x ${c.puzzle_emb_ndim}, 30x30, vocab ${c.vocab_size}, ${c.pos_encodings}: ` +
  `${(model.paramCount / 1e6).toFixed(2)}M parameters`);
const one = await timePasses(trm, model, trm.arcViews('identity'));
const eight = await timePasses(trm, model, trm.arcViews('dihedral'));
model.free();
const passes = 16 * c.H_cycles;
const gflop = passFlops(c) / 1e9;
console.log(`${gflop.toFixed(1)} GFLOP per view and pass`);
console.log(`batch 1 (1 view):  ${one.wall.toFixed(0)} ms per pass (median of ${PASSES}; min ${one.min.toFixed(0)}; core ${one.core.toFixed(0)}), ` +
  `${(gflop / (one.wall / 1e3)).toFixed(1)} GFLOP/s`);
console.log(`batch 8 (8 views): ${eight.wall.toFixed(0)} ms per pass (median of ${PASSES}; min ${eight.min.toFixed(0)}; core ${eight.core.toFixed(0)}), ` +
  `${(eight.wall / 8).toFixed(0)} ms per view-pass (${(one.wall / (eight.wall / 8)).toFixed(2)}x batch 1's speed), ` +
  `${((8 * gflop) / (eight.wall / 1e3)).toFixed(1)} GFLOP/s`);
console.log(`one task, 8 views x 16 supervision steps = ${passes} passes of batch 8: ${(passes * eight.wall / 1000).toFixed(0)} s ` +
  `(the 8 views one at a time: ${(8 * passes * one.wall / 1000).toFixed(0)} s)`);
