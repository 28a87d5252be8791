// memory.test.mjs: thousands of solves (and model/solver create/free cycles) without memory
// growth; voted solves too (SolveOptions.vote grows a solver to the views and back on free). heapInUse (bytes malloc'd in the module) must return to the same value after every
// free; memory.buffer (which never shrinks) must stop growing after warm-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TINY_ATTN, TINY_MLPT, loadTRM } from './helpers.mjs';

const trm = await loadTRM();

test('3000 solves, 300 solver and 100 model create/free cycles: no growth after warm-up', () => {
  const m0 = trm.createModel(TINY_ATTN, { seed: 9 });
  const bytes = m0.save();
  m0.free();
  const base = trm.memoryStats().heapInUse;
  const mazes = Array.from({ length: 20 }, (_, i) => trm.generateMaze({ size: 6, seed: 3, index: i, minPath: 2 }));
  const cycle = (n) => {
    for (let k = 0; k < n; k++) {
      const m = trm.loadModel(bytes);
      const m2 = trm.createModel(TINY_MLPT, { seed: k });
      for (let j = 0; j < 3; j++) {
        const s = m.solver();
        for (let i = 0; i < 10; i++) {
          const mz = mazes[(k + i) % mazes.length];
          let last;
          for (const p of s.solve(mz.grid, { maxSteps: 1 })) last = p;
          trm.verify(mz, last.grid, mz.answer);
        }
        s.free();
      }
      const s2 = m2.solver();
      s2.reset(trm.generateMaze({ height: 4, width: 5, seed: k, minPath: 1 }).grid);
      s2.pass();
      m2.free(); // frees s2 too
      m.free();
    }
  };
  cycle(10); // warm-up: the heap reaches its working size
  const warm = trm.memoryStats();
  assert.equal(warm.heapInUse, base, 'bytes still allocated after freeing everything');
  const t0 = performance.now();
  cycle(100);
  const after = trm.memoryStats();
  console.log(`100 cycles (3000 solves) in ${(performance.now() - t0).toFixed(0)} ms; heap in use ${after.heapInUse} ` +
    `(base ${base}); wasm memory ${warm.wasmBytes} -> ${after.wasmBytes} bytes`);
  assert.equal(after.heapInUse, base, `heap in use grew from ${base} to ${after.heapInUse} bytes`);
  assert.equal(after.wasmBytes, warm.wasmBytes, `wasm memory grew from ${warm.wasmBytes} to ${after.wasmBytes} bytes`);
});

test('errors in a loop do not leak either', () => {
  const bytes = trm.createModel(TINY_ATTN).save();
  const base = trm.memoryStats().heapInUse;
  const bad = new Uint8Array(bytes);
  bad[bad.length - 1] = 0xff; bad[bad.length - 2] = 0xff; bad[bad.length - 3] = 0xff; bad[bad.length - 4] = 0x7f; // NaN in the last tensor
  const m = trm.loadModel(bytes);
  const s = m.solver();
  for (let i = 0; i < 500; i++) {
    assert.throws(() => trm.loadModel(bad), { code: 'bad_model' });
    assert.throws(() => s.reset('x'.repeat(36)), { code: 'bad_charset' });
    assert.throws(() => trm.verify('S'.repeat(36), 'S'.repeat(36)), { code: 'bad_grid' });
  }
  m.free();
  assert.equal(trm.memoryStats().heapInUse, base);
});

test('voted solves (the solver grown to 8 and to 4 views) leave nothing allocated', () => {
  const m = trm.createModel(TINY_ATTN, { seed: 3 }), m2 = trm.createModel(TINY_MLPT, { seed: 4 });
  const q = trm.generateMaze({ size: 6, seed: 1, minPath: 2 }), q2 = trm.generateMaze({ height: 4, width: 5, seed: 1, minPath: 1 });
  const base = trm.memoryStats().heapInUse;
  const cycle = () => {
    for (const [mm, g] of [[m, q], [m2, q2]]) {
      const s = mm.solver();
      for (const o of [{ vote: true }, { vote: true, earlyHalt: true }, {}, { vote: true }]) [...s.solve(g, o)];
      assert.throws(() => s.reset('x'.repeat(g.grid.length), { vote: true }), { code: 'bad_charset' });
      s.free();
    }
  };
  cycle();
  const warm = trm.memoryStats();
  assert.equal(warm.heapInUse, base, 'bytes still allocated after freeing the solvers');
  for (let i = 0; i < 20; i++) cycle();
  const end = trm.memoryStats();
  assert.equal(end.heapInUse, base);
  assert.equal(end.wasmBytes, warm.wasmBytes, 'wasm memory grew');
  m.free();
  m2.free();
});
