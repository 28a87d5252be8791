#!/usr/bin/env node
// bench_wasm.mjs: ms per refinement pass of the WebAssembly module (Node 20, after V8 tier-up)
// against native single-thread trm-solve (each kernel set this CPU runs) and onnxruntime-web's
// WASM backend (1 thread, SIMD) running the same pass exported from the PyTorch reference.
// Ratios are what matter (shared machines are noisy); run through scripts/bench_wasm.sh, which
// builds what is needed and installs onnxruntime-web into an ignored folder.
//
//   node scripts/bench_wasm.mjs [--ort DIR] [--native-bin DIR] [--work DIR] [--quick]
//     --ort DIR         folder holding node_modules/onnxruntime-web (skipped if absent)
//     --native-bin DIR  folder with trm-solve (default build/bin, else build-wasmhelper/bin)
//     --work DIR        scratch folder for model files, ONNX exports and traces
//     --quick           fewer timed passes (a smoke run)
//     --wasm FILE       another build of the module (default web/trm.wasm)
//     --only NAME       only the configurations whose name contains NAME
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { TRM } from '../web/trm.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const QUICK = args.includes('--quick');
const WORK = resolve(opt('--work', join(ROOT, 'build-wasm/bench/work')));
const ORT_DIR = resolve(opt('--ort', join(ROOT, 'build-wasm/bench')));
const NATIVE = resolve(opt('--native-bin', ['build/bin', 'build-wasmhelper/bin'].map((d) => join(ROOT, d)).find((d) => existsSync(join(d, 'trm-solve'))) ?? 'build/bin'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

// ---- configurations -----------------------------------------------------------------------

function demoConfig() {
  const index = join(ROOT, 'models/index.json');
  if (existsSync(index)) {
    try {
      const list = JSON.parse(readFileSync(index, 'utf8'));
      const first = (Array.isArray(list) ? list : list.models ?? [])[0];
      const file = first && join(ROOT, 'models', first.file ?? first.path ?? first.url ?? '');
      if (file && existsSync(file)) return { name: `demo (${first.file ?? first.path ?? first.url})`, file };
    } catch { /* fall through to the stand-in */ }
  }
  const shipped = existsSync(join(ROOT, 'models')) && readdirSync(join(ROOT, 'models')).find((f) => f.endsWith('.safetensors'));
  if (shipped) return { name: `demo (models/${shipped})`, file: join(ROOT, 'models', shipped) };
  return {
    name: 'demo stand-in 15x15 D128', // no shipped model yet: the anchor size of TOOLCHAIN.md §4
    config: { hidden_size: 128, num_heads: 4, expansion: 4, L_layers: 2, H_cycles: 3, L_cycles: 4, grid_height: 15, grid_width: 15, puzzle_emb_ndim: 128, puzzle_emb_len: 16 },
  };
}
const CONFIGS = [
  demoConfig(),
  { name: '30x30 D256', config: { hidden_size: 256, num_heads: 4, expansion: 4, L_layers: 2, H_cycles: 3, L_cycles: 4, grid_height: 30, grid_width: 30, puzzle_emb_ndim: 256, puzzle_emb_len: 16 } },
];

// Multiply-adds x 2 of one pass: (L_cycles + 1) network evaluations + the LM head (TRM §2).
function passFlops(c) {
  const D = c.hidden_size, S = c.seq_len + (c.puzzle_emb_ndim ? (c.puzzle_emb_len || Math.ceil(c.puzzle_emb_ndim / D)) : 0);
  const sw = (d) => Math.ceil(Math.round(c.expansion * d * 2 / 3) / 256) * 256;
  const I = sw(D);
  const mixer = c.mlp_t ? 2 * D * S * 3 * sw(S) : 2 * S * D * 4 * D + 4 * S * S * D;
  const block = mixer + 2 * S * D * 3 * I;
  return (c.L_cycles + 1) * c.L_layers * block + 2 * S * D * c.vocab_size;
}

// ---- engines ------------------------------------------------------------------------------

async function warmUp(trm) {
  // V8 runs new wasm in Liftoff (~1/3 speed) and tiers up function by function after enough
  // calls: many short passes with yields in between get every kernel to TurboFan.
  const m = trm.createModel({ hidden_size: 64, num_heads: 2, grid_height: 9, grid_width: 9, puzzle_emb_ndim: 64, puzzle_emb_len: 2, L_cycles: 2, H_cycles: 2 });
  const s = m.solver();
  const g = trm.generateMaze({ size: 9, seed: 1 }).grid;
  const t0 = performance.now();
  while (performance.now() - t0 < (QUICK ? 500 : 1500)) {
    s.reset(g);
    for (let i = 0; i < 4; i++) s.pass();
    await sleep(0);
  }
  m.free();
}

// n passes of the module with the given kernel set; with `other` (an ORT runner) each pass is
// followed by one run of the other engine, so both see the same machine load.
async function wasmPasses(trm, model, grid, n, kernels, other) {
  model.kernels = kernels;
  const s = model.solver();
  s.reset(grid, { maxSteps: 1e6 });
  for (let i = 0; i < 2; i++) { s.pass(); if (other) await other.run(); await sleep(0); } // first calls at this size
  const ms = [], oms = [];
  for (let i = 0; i < n; i++) {
    ms.push(s.pass().ms);
    if (other) oms.push(await other.run());
    await sleep(0);
  }
  s.free();
  return { ms, oms };
}

async function gemmCeiling(trm, kernels) {
  // The linear-layer GEMM of the 30x30 D256 qkv projection, C[916, 768] = A[916, 256] B^T.
  const [M, N, K] = [916, 768, 256], x = trm._x;
  const name = trm._strAlloc(kernels);
  const run = (reps) => { const t = performance.now(); x.trm_web_bench_gemm(name, M, N, K, reps); return performance.now() - t; };
  for (let i = 0; i < 30; i++) { run(1); await sleep(0); }
  const best = Math.min(...Array.from({ length: QUICK ? 3 : 8 }, () => run(3) / 3));
  x.trm_web_free(name);
  return (2 * M * N * K) / best / 1e6; // GFLOP/s
}

function nativePasses(file, grid, w, kernels, steps) {
  const tool = join(NATIVE, 'trm-solve');
  if (!existsSync(tool)) return null;
  const maze = join(WORK, 'maze.txt'), trace = join(WORK, 'trace.json');
  writeFileSync(maze, grid.match(new RegExp(`.{${w}}`, 'g')).join('\n') + '\n');
  try {
    execFileSync(tool, ['--model', file, '--maze', maze, '--trace', trace, '--quiet', '--threads', '1', '--kernels', kernels, '--steps', String(steps)],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
  } catch (e) {
    return { error: String(e.stderr ?? e.message).trim().split('\n')[0] };
  }
  const ms = JSON.parse(readFileSync(trace, 'utf8')).passes.map((p) => p.ms);
  return ms.length > 1 ? ms.slice(1) : ms; // the first pass pays page faults
}

// An onnxruntime-web session on the exported pass, checked against PyTorch's sample outputs;
// returns { run() -> ms, err } or { error }.
async function ortSession(dir) {
  const pkg = join(ORT_DIR, 'node_modules/onnxruntime-web');
  if (!existsSync(pkg)) return { error: `onnxruntime-web not installed in ${ORT_DIR}` };
  const require = createRequire(join(ORT_DIR, 'package.json'));
  const ort = await import(pathToFileURL(require.resolve('onnxruntime-web')).href);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'pass.onnx')), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const sample = JSON.parse(readFileSync(join(dir, 'sample.json'), 'utf8'));
  const load = (e) => { const b = readFileSync(join(dir, e.file)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
  const feeds = {};
  for (const [k, e] of Object.entries(sample.inputs)) feeds[k] = new ort.Tensor('float32', load(e), e.shape);
  const first = await session.run(feeds);
  let err = 0; // the same network: onnxruntime's outputs vs PyTorch's on the sample input
  for (const [k, e] of Object.entries(sample.outputs)) {
    const want = load(e), got = first[k].data;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  }
  const run = async () => { const t = performance.now(); await session.run(feeds); return performance.now() - t; };
  return { run, err, release: () => session.release?.() };
}

// ---- main ---------------------------------------------------------------------------------

mkdirSync(WORK, { recursive: true });
const trm = await TRM.load(opt('--wasm') ? { wasm: resolve(opt('--wasm')) } : undefined);
console.log(`bench_wasm: module kernels ${trm.kernels}, Node ${process.versions.node}, native tools in ${NATIVE}`);
await warmUp(trm);
const ceilingBefore = await gemmCeiling(trm, 'wasm128');
const rows = [];
for (const cfg of CONFIGS.filter((c) => !opt('--only') || c.name.includes(opt('--only')))) {
  const model = cfg.file ? trm.loadModel(readFileSync(cfg.file)) : trm.createModel(cfg.config, { seed: 1 });
  const file = cfg.file ?? join(WORK, `${cfg.name.replace(/\W+/g, '_')}.safetensors`);
  if (!cfg.file) writeFileSync(file, model.save());
  const c = model.config, gflop = passFlops(c) / 1e9;
  const big = gflop > 4, n = QUICK ? 3 : big ? 6 : 20;
  const grid = trm.generateMaze({ height: c.grid_height, width: c.grid_width, seed: 1 }).grid;
  console.log(`\n== ${cfg.name}: D ${c.hidden_size}, ${c.grid_height}x${c.grid_width}, S ${c.seq_len + (c.puzzle_emb_ndim ? c.puzzle_emb_len : 0)}, ` +
    `T ${c.H_cycles}, n ${c.L_cycles}, L ${c.L_layers}: ${gflop.toFixed(2)} GFLOP per pass`);
  const res = {};
  const onnxDir = join(WORK, `onnx_${cfg.name.replace(/\W+/g, '_')}`);
  let ort = null;
  try {
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/export_onnx.py'), 'onnx', file, onnxDir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX' } });
    ort = await ortSession(onnxDir);
    if (ort.error) { console.log(`onnxruntime-web: ${ort.error}`); ort = null; }
    else {
      console.log(`onnxruntime-web vs PyTorch on the exported pass: max error ${ort.err.toExponential(2)}`);
      for (let i = 0; i < (QUICK ? 3 : 6); i++) { await ort.run(); await sleep(0); } // its warm-up
    }
  } catch (e) {
    console.log(`onnx export failed: ${String(e.stderr ?? e.message).trim().split('\n').pop()}`);
  }
  const both = await wasmPasses(trm, model, grid, n, 'wasm128', ort);
  res['wasm simd128'] = both.ms;
  if (ort) { res['onnxruntime-web 1t simd'] = both.oms; ort.release(); }
  res['wasm scalar'] = (await wasmPasses(trm, model, grid, big ? Math.min(n, 3) : Math.min(n, 8), 'scalar')).ms;
  for (const k of ['avx512', 'avx2', 'scalar']) {
    const r = nativePasses(file, grid, c.grid_width, k, k === 'scalar' ? 1 : Math.max(2, Math.ceil((n + 1) / c.H_cycles)));
    if (r && r.error) console.log(`native ${k}: ${r.error}`);
    else if (r) res[`native ${k} (1 thread)`] = r;
  }
  model.free();
  const wasm = median(res['wasm simd128']);
  console.log('engine                        min ms   median ms   GFLOP/s   median vs wasm simd128');
  for (const [k, ms] of Object.entries(res)) {
    const med = median(ms);
    console.log(`${k.padEnd(28)} ${fmt(Math.min(...ms), 2).padStart(7)} ${fmt(med, 2).padStart(11)} ${fmt(gflop / (med / 1e3)).padStart(9)}   ${(med / wasm).toFixed(2)}x the time`);
  }
  rows.push({ name: cfg.name, gflop, res });
}
// Best of two measurements (before and after the configurations): the machine load varies.
const ceiling = Math.max(ceilingBefore, await gemmCeiling(trm, 'wasm128'));
console.log(`\nwasm128 GEMM ceiling here (916x768x256 qkv projection, best of reps before and after): ${ceiling.toFixed(1)} GFLOP/s ` +
  '(TOOLCHAIN.md measured 28-31 GFLOP/s for a tuned WASM SIMD128 SGEMM on an idle core)');
for (const [label, f] of [['medians', median], ['minima', (v) => Math.min(...v)]]) {
  console.log(`\nsummary (${label})`.padEnd(34) + 'wasm ms   ort/wasm   wasm GFLOP/s   % of GEMM ceiling   native avx512 ms   wasm/avx512');
  for (const r of rows) {
    const w = f(r.res['wasm simd128']), o = r.res['onnxruntime-web 1t simd'], a = r.res['native avx512 (1 thread)'];
    const g = r.gflop / (w / 1e3);
    console.log(`${r.name.padEnd(32)} ${fmt(w, 1).padStart(8)} ${o ? (f(o) / w).toFixed(2).padStart(9) + 'x' : '         -'} ${fmt(g).padStart(13)} ${fmt(100 * g / ceiling, 0).padStart(18)}% ${a ? fmt(f(a), 1).padStart(18) : '                 -'} ${a ? (w / f(a)).toFixed(1).padStart(12) + 'x' : ''}`);
  }
}
