// api.test.mjs: the web/trm.js API on small models: loading, config, save/load round trips in
// F32/BF16/F16, solving pass by pass, step-level control, early halting, coexisting instances,
// and the WASM run of the golden fixture against the PyTorch reference's eval passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { CHARSET, ROOT, TINY_ATTN, TINY_MLPT, loadTRM, maxRelErr, readSafetensors, rebuild } from './helpers.mjs';

const trm = await loadTRM();
const GOLDEN = join(ROOT, 'tests/data/golden_attn.safetensors');

function mazeFor(model, seed = 1, index = 0) {
  return trm.generateMaze({ height: model.height, width: model.width, seed, index, minPath: 2 });
}

describe('module', () => {
  test('loads from bytes, a path and a file: URL, and picks the SIMD kernels', async () => {
    const { TRM } = await import('../../web/trm.js');
    const a = await TRM.load({ wasm: join(ROOT, 'web/trm.wasm') });
    const b = await TRM.load({ wasm: new URL('../../web/trm.wasm', import.meta.url) });
    const c = await TRM.load(); // default: trm.wasm next to trm.js
    for (const t of [a, b, c]) assert.equal(t.kernels, trm.kernels);
    assert.equal(trm.kernels, 'wasm128', 'the module was built without core/simd/wasm128.c');
  });
});

describe('models', () => {
  test('createModel + save + loadModel round trip (F32 exact), config and sizes', () => {
    const m = trm.createModel(TINY_ATTN, { seed: 7 });
    assert.equal(m.height, 6);
    assert.equal(m.width, 6);
    assert.equal(m.config.hidden_size, 16);
    assert.equal(m.config.seq_len, 36);
    assert.equal(m.config.pos_encodings, 'rope');
    assert.ok(m.paramCount > 1000);
    const bytes = m.save();
    const m2 = trm.loadModel(bytes);
    assert.deepEqual(m2.config, m.config);
    assert.deepEqual(m2.warnings, []);
    assert.deepEqual([...m2.save()], [...bytes], 'F32 save -> load -> save must be byte identical');
    // Same weights -> identical passes.
    const grid = mazeFor(m).grid;
    const s1 = m.solver(), s2 = m2.solver();
    const p1 = [...s1.solve(grid)], p2 = [...s2.solve(grid)];
    assert.equal(p1.length, 3 * 2);
    for (let i = 0; i < p1.length; i++) {
      assert.equal(p1[i].grid, p2[i].grid);
      assert.deepEqual(p1[i].confidence, p2[i].confidence);
      assert.equal(p1[i].qHalt, p2[i].qHalt);
    }
    m.free();
    m2.free();
  });

  test('BF16 and F16 files load (converted to f32) and solve close to F32', () => {
    const m = trm.createModel(TINY_MLPT, { seed: 3 });
    const grid = mazeFor(m, 5).grid;
    const ref = [...m.solver().solve(grid)];
    for (const dtype of ['BF16', 'F16']) {
      const bytes = m.save({ dtype });
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
      assert.equal(header['lm_head.weight'].dtype, dtype);
      const md = trm.loadModel(bytes);
      assert.deepEqual(md.config, m.config);
      const got = [...md.solver().solve(grid)];
      const tol = dtype === 'BF16' ? 0.1 : 0.01; // weight rounding 2^-9 / 2^-12 relative
      for (let i = 0; i < ref.length; i++) {
        assert.equal(got[i].qHalt === null, ref[i].qHalt === null);
        if (ref[i].qHalt !== null) {
          const dq = Math.abs(got[i].qHalt - ref[i].qHalt) / Math.abs(ref[i].qHalt);
          assert.ok(dq < tol, `${dtype} pass ${i}: q_halt ${got[i].qHalt} vs F32 ${ref[i].qHalt}`);
        }
        const { worst } = maxRelErr(got[i].confidence, ref[i].confidence);
        assert.ok(worst < tol, `${dtype} pass ${i}: confidence differs from F32 by ${worst} (relative)`);
      }
      md.free();
    }
    m.free();
  });

  test('config keys a newer version may add are warnings; the golden fixture loads with ignoreUnknownTensors', () => {
    const m = trm.createModel(TINY_ATTN);
    const bytes = m.save();
    m.free();
    // Rewrite the config with an extra key (same header length: pad spaces absorb it).
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
    const cfg = JSON.parse(header.__metadata__.config);
    cfg.future_key = [1, 2];
    header.__metadata__.config = JSON.stringify(cfg);
    const seen = [];
    const m2 = trm.loadModel(rebuild(bytes, header), { onWarning: (w) => seen.push(w) });
    assert.equal(m2.warnings.length, 1);
    assert.match(m2.warnings[0], /future_key/);
    assert.deepEqual(seen, m2.warnings);
    m2.free();

    const g = trm.loadModel(readFileSync(GOLDEN), { ignoreUnknownTensors: true });
    assert.ok(g.skippedTensors.includes('step1.inputs'));
    assert.equal(g.config.hidden_size, 16);
    g.free();
  });

  test('kernel sets can be switched per model; scalar and wasm128 agree', () => {
    const m = trm.createModel(TINY_ATTN, { seed: 11 });
    const grid = mazeFor(m, 2).grid;
    assert.equal(m.kernels, 'wasm128');
    const simd = [...m.solver().solve(grid)];
    m.kernels = 'scalar';
    assert.equal(m.kernels, 'scalar');
    const scalar = [...m.solver().solve(grid)];
    for (let i = 0; i < simd.length; i++) {
      assert.equal(simd[i].grid, scalar[i].grid);
      const { worst } = maxRelErr(simd[i].confidence, scalar[i].confidence);
      assert.ok(worst < 1e-4, `pass ${i}: confidence rel err ${worst}`);
    }
    m.free();
  });
});

describe('tasks', () => {
  test('the module lists its tasks; a model takes its task and charset from its config', () => {
    assert.deepEqual(trm.tasks, [{ name: 'maze', charset: CHARSET }, { name: 'sudoku', charset: '.123456789' },
      { name: 'arc', charset: '|0123456789' }]);
    const m = trm.createModel(TINY_ATTN, { seed: 1 });
    assert.deepEqual(m.task, { name: 'maze', charset: CHARSET });
    assert.equal(m.config.task, 'maze');
    assert.equal(m.config.charset, CHARSET);
    const named = trm.createModel({ ...TINY_ATTN, charset: CHARSET, task: 'maze' }); // charset before task
    assert.deepEqual(named.task, m.task);
    m.free();
    named.free();
  });

  test('a task this module does not support is refused by name', () => {
    assert.throws(() => trm.createModel({ ...TINY_ATTN, task: 'nonogram' }),
      { name: 'TRMError', code: 'unsupported_task', message: /createModel: config: the model's task 'nonogram' is not one this module supports \(maze, sudoku, arc\)/ });
  });

  test('the maze helpers refuse a model of another task; solving checks the model\'s charset', () => {
    const m = trm.createModel({ ...TINY_ATTN, task: 'sudoku', grid_height: 9, grid_width: 9 }, { seed: 1 });
    assert.deepEqual(m.task, { name: 'sudoku', charset: '.123456789' });
    assert.equal(m.config.vocab_size, 11, 'the task sets the vocabulary');
    const maze = trm.generateMaze({ size: 9, seed: 1, minPath: 2 });
    for (const call of [() => m.generateMaze({ seed: 1 }), () => m.trainingFit(maze)]) {
      assert.throws(call, { code: 'unsupported_task', message: /(generateMaze|trainingFit): this model's task is 'sudoku'; \1 is for maze models/ });
    }
    assert.throws(() => m.solver().reset(maze.grid.replace(' ', 'é')), { code: 'bad_charset', message: /is not one of "\.123456789"/ });
    m.free();
  });
});

describe('solver', () => {
  test('pass objects: numbering, grid, confidence, halting fields, done', () => {
    const m = trm.createModel(TINY_ATTN, { seed: 1 });
    const s = m.solver();
    const maze = mazeFor(m);
    const passes = [...s.solve(maze, { maxSteps: 2 })]; // a maze object is accepted too
    const T = m.config.H_cycles;
    assert.equal(passes.length, 2 * T);
    passes.forEach((p, i) => {
      assert.equal(p.index, i);
      assert.equal(p.step, Math.floor(i / T) + 1);
      assert.equal(p.recursion, (i % T) + 1);
      assert.equal(p.grid.length, 36);
      assert.ok([...p.grid].every((c) => CHARSET.includes(c) || c === '?'));
      assert.ok(p.confidence instanceof Float32Array && p.confidence.length === 36);
      assert.ok(p.confidence.every((c) => c > 0 && c <= 1));
      assert.ok(p.ms >= 0);
      if (p.recursion === T) {
        assert.ok(Number.isFinite(p.qHalt));
        assert.ok(Math.abs(p.haltProb - 1 / (1 + Math.exp(-p.qHalt))) < 1e-12);
      } else {
        assert.equal(p.qHalt, null);
        assert.equal(p.haltProb, null);
      }
      assert.equal(p.done, i === passes.length - 1);
    });
    // A pass object can be verified directly (its grid is the answer).
    assert.deepEqual(trm.verify(maze, passes.at(-1), maze.answer), trm.verify(maze, passes.at(-1).grid, maze.answer));
    // Default maxSteps is the model's halt_max_steps.
    assert.equal([...s.solve(maze.grid)].length, m.config.halt_max_steps * T);
    m.free();
  });

  test('step-level control: reset + pass equal solve; reset restarts; passes continue past done', () => {
    const m = trm.createModel(TINY_ATTN, { seed: 4 });
    const grid = mazeFor(m, 9).grid;
    const s = m.solver();
    const all = [...s.solve(grid, { maxSteps: 2 })];
    s.reset(grid, { maxSteps: 1 });
    assert.equal(s.passes, 0);
    const a = s.pass(), b = s.pass();
    assert.equal(s.passes, 2);
    assert.equal(a.grid, all[0].grid);
    assert.equal(b.qHalt, all[1].qHalt);
    assert.equal(b.done, true);
    const c = s.pass(); // past maxSteps: still runs (a UI may keep stepping)
    assert.equal(c.qHalt, null);
    assert.equal(c.grid, all[2].grid);
    s.reset(grid);
    assert.deepEqual(s.pass().confidence, all[0].confidence);
    m.free();
  });

  test('earlyHalt stops at the first supervision step with q_halt > 0 and a settled answer', () => {
    // q_head.bias is -5 at init: make it +5 so that every step says halt; the solve then stops at
    // the first step whose answer equals the previous step's (core's rule), never at step 1.
    const m = trm.createModel(TINY_ATTN, { seed: 2 });
    const bytes = m.save();
    m.free();
    const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
    const off = 8 + hlen + header['q_head.bias'].data_offsets[0];
    new DataView(bytes.buffer).setFloat32(off, 5, true);
    const mh = trm.loadModel(bytes);
    const grid = mazeFor(mh).grid;
    const s = mh.solver();
    const T = mh.config.H_cycles, N = mh.config.halt_max_steps;
    const full = [...s.solve(grid, { earlyHalt: false })];
    assert.equal(full.length, T * N);
    assert.ok(full.every((p) => !p.halted));
    const ends = full.filter((p) => p.recursion === T);
    assert.ok(ends.every((p) => p.qHalt > 0));
    const settled = ends.findIndex((p, i) => i > 0 && p.grid === ends[i - 1].grid) + 1; // 1-based step
    assert.ok(settled >= 2 && settled < N, `the answer settles at step ${settled}: the rule is not exercised`);
    const early = [...s.solve(grid, { earlyHalt: true })];
    assert.equal(early.length, settled * T, `should stop after supervision step ${settled}`);
    assert.ok(early.at(-1).halted && early.at(-1).done && early.slice(0, -1).every((p) => !p.halted));
    mh.free();
  });

  test('several instances, models and solvers coexist without interfering', async () => {
    const trm2 = await loadTRM();
    const ma = trm.createModel(TINY_ATTN, { seed: 1 }), mb = trm2.createModel(TINY_MLPT, { seed: 1 });
    const mc = trm.createModel(TINY_MLPT, { seed: 1 });
    const ga = mazeFor(ma, 1).grid, gb = mazeFor(mb, 2).grid;
    const refA = [...ma.solver().solve(ga)].map((p) => p.grid + p.qHalt);
    const refB = [...mb.solver().solve(gb)].map((p) => p.grid + p.qHalt);
    // Interleave passes of four solvers over three models in two instances.
    const sa1 = ma.solver(), sa2 = ma.solver(), sb = mb.solver(), sc = mc.solver();
    sa1.reset(ga); sa2.reset(ga); sb.reset(gb); sc.reset(gb);
    const got = { a1: [], a2: [], b: [], c: [] };
    for (let i = 0; i < refA.length; i++) {
      let p = sa1.pass(); got.a1.push(p.grid + p.qHalt);
      if (i < refB.length) { p = sb.pass(); got.b.push(p.grid + p.qHalt); p = sc.pass(); got.c.push(p.grid + p.qHalt); }
      p = sa2.pass(); got.a2.push(p.grid + p.qHalt);
    }
    assert.deepEqual(got.a1, refA);
    assert.deepEqual(got.a2, refA);
    assert.deepEqual(got.b, refB);
    assert.deepEqual(got.c, refB, 'same config and seed in another instance gives the same passes');
    ma.free(); mb.free(); mc.free();
  });
});

describe('golden fixtures (PyTorch reference eval passes)', () => {
  for (const fixture of ['golden_attn', 'golden_mlpt']) {
    test(`${fixture}: every pass of the slots with puzzle id 0 matches the reference logits and q_halt`, () => {
      const path = join(ROOT, `tests/data/${fixture}.safetensors`);
      const { tensors: t } = readSafetensors(path);
      const m = trm.loadModel(readFileSync(path), { ignoreUnknownTensors: true });
      const [B, n] = t['step1.inputs'].shape, V = 6, T = m.config.H_cycles;
      const pids = t['step1.puzzle_ids'].data;
      let checked = 0, worstConf = 0, worstQ = 0;
      for (let b = 0; b < B; b++) {
        if (pids[b] !== 0) continue; // the solver uses puzzle id 0
        const grid = [...t['step1.inputs'].data.subarray(b * n, (b + 1) * n)].map((k) => CHARSET[k - 1]).join('');
        const passes = [...m.solver().solve(grid, { maxSteps: 2 })];
        passes.forEach((p, r) => {
          const L = t[`eval.pass${r + 1}.logits`].data.subarray(b * n * V, (b + 1) * n * V);
          let want = '';
          const conf = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            const l = L.subarray(i * V, i * V + V);
            let best = 0;
            for (let k = 1; k < V; k++) if (l[k] > l[best]) best = k;
            want += best ? CHARSET[best - 1] : '?';
            let sum = 0;
            for (let k = 0; k < V; k++) sum += Math.exp(l[k] - l[best]);
            conf[i] = 1 / sum;
          }
          assert.equal(p.grid, want, `slot ${b} pass ${r + 1}: predicted grid`);
          const { worst, at } = maxRelErr(p.confidence, conf);
          worstConf = Math.max(worstConf, worst);
          assert.ok(worst < 1e-4, `slot ${b} pass ${r + 1}: confidence rel err ${worst} at cell ${at}`);
          if (p.qHalt !== null) {
            const q = t[`eval.step${p.step}.q_logits`].data[2 * b];
            const e = Math.abs(p.qHalt - q) / Math.max(Math.abs(q), 1);
            worstQ = Math.max(worstQ, e);
            assert.ok(e < 1e-4, `slot ${b} step ${p.step}: q_halt ${p.qHalt} vs reference ${q} (rel ${e})`);
          }
          checked++;
        });
      }
      console.log(`${fixture}: ${checked} passes, max confidence rel err ${worstConf.toExponential(2)}, max q_halt err ${worstQ.toExponential(2)}`);
      assert.ok(checked >= 2 * T);
      m.free();
    });
  }
});
