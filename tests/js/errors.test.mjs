// errors.test.mjs: every bad input gives a TRMError with its stable code and a message naming
// what is wrong, and the module keeps working afterwards (each case is followed by a valid call).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TINY_ATTN, TRMError, headerOf, loadTRM, rebuild } from './helpers.mjs';

const trm = await loadTRM();
const good = trm.createModel(TINY_ATTN, { seed: 5 });
const GOOD = good.save();
const maze = trm.generateMaze({ size: 6, seed: 1, minPath: 2 });
const refPasses = [...good.solver().solve(maze.grid)].map((p) => p.grid + p.qHalt);

// The module still works: load a model, solve, compare with the reference run; no leak.
function stillWorks() {
  const m = trm.loadModel(GOOD);
  const s = m.solver();
  assert.deepEqual([...s.solve(maze.grid)].map((p) => p.grid + p.qHalt), refPasses);
  m.free();
}

function expectError(fn, code, pattern) {
  const before = trm.memoryStats().heapInUse;
  let err;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err, `expected a TRMError '${code}', but nothing was thrown`);
  assert.ok(err instanceof TRMError, `expected a TRMError, got ${err}`);
  assert.equal(err.code, code, `code of: ${err.message}`);
  if (pattern) assert.match(err.message, pattern);
  assert.equal(trm.memoryStats().heapInUse, before, `the failed call leaked memory (${err.message})`);
  stillWorks();
  return err;
}

// GOOD with its header edited by fn(header) (data kept).
function edited(fn) {
  const { header } = headerOf(GOOD);
  fn(header);
  return rebuild(GOOD, header);
}
function withConfig(fn) {
  return edited((h) => {
    const c = JSON.parse(h.__metadata__.config);
    fn(c);
    h.__metadata__.config = JSON.stringify(c);
  });
}
const QKV0 = 'L_level.layers.0.self_attn.qkv_proj.weight';

describe('bad model bytes', () => {
  test('container', () => {
    expectError(() => trm.loadModel(42), 'bad_argument', /bytes \(an ArrayBuffer or a typed array\), a URL or path, a fetch Response or a Blob, not number/);
    expectError(() => trm.loadModel(new Uint8Array(5)), 'bad_model', /too short/);
    const absurd = new Uint8Array(GOOD);
    new DataView(absurd.buffer).setBigUint64(0, 1n << 40n, true);
    expectError(() => trm.loadModel(absurd), 'bad_model', /absurd header length/);
    expectError(() => trm.loadModel(GOOD.subarray(0, 100)), 'bad_model', /past the end of the file/);
    expectError(() => trm.loadModel(rebuild(GOOD, '{"a": ', { pad: false })), 'bad_model', /not valid JSON/);
    expectError(() => trm.loadModel(rebuild(GOOD, '[1, 2]')), 'bad_model', /JSON object/);
    const badUtf8 = new Uint8Array(GOOD);
    badUtf8[10] = 0xff;
    expectError(() => trm.loadModel(badUtf8), 'bad_model', /UTF-8/);
    expectError(() => trm.loadModel(GOOD.subarray(0, GOOD.length - 4)), 'bad_model', /past the end of the data buffer|truncated/);
  });

  test('metadata and config', () => {
    expectError(() => trm.loadModel(edited((h) => { h.__metadata__.format = 'other/9'; })), 'bad_model', /unsupported format 'other\/9'/);
    expectError(() => trm.loadModel(edited((h) => { delete h.__metadata__.config; })), 'bad_model', /no "config"/);
    expectError(() => trm.loadModel(edited((h) => { h.__metadata__.config = '{oops'; })), 'bad_model', /config is not valid JSON/);
    expectError(() => trm.loadModel(edited((h) => { h.__metadata__.n = 3; })), 'bad_model', /'n' must be a string/);
    expectError(() => trm.loadModel(withConfig((c) => { c.hidden_size = -4; })), 'bad_model', /hidden_size/);
    expectError(() => trm.loadModel(withConfig((c) => { c.num_heads = 'two'; })), 'bad_model', /num_heads.*number/);
    expectError(() => trm.loadModel(withConfig((c) => { c.L_cycles = [2]; })), 'bad_model', /L_cycles.*array/);
    expectError(() => trm.loadModel(withConfig((c) => { c.num_heads = 3; })), 'bad_model', /not a multiple of num_heads/);
    expectError(() => trm.loadModel(withConfig((c) => { c.pos_encodings = 'sinusoid'; })), 'bad_model', /pos_encodings/);
    // A config that disagrees with the tensors: the tensor is named.
    expectError(() => trm.loadModel(withConfig((c) => { c.hidden_size = 32; })), 'bad_shape', /tensor '.*': shape \[\d+(, \d+)?\], expected/);
  });

  test('tensors: unknown, missing, shape, dtype, offsets, non-finite', () => {
    const extra = edited((h) => { h.extra = { dtype: 'F32', shape: [0], data_offsets: [0, 0] }; });
    expectError(() => trm.loadModel(extra), 'bad_model', /tensor 'extra' is not part of this model/);
    const m = trm.loadModel(extra, { ignoreUnknownTensors: true }); // unless asked to skip them
    assert.deepEqual(m.skippedTensors, ['extra']);
    m.free();
    // Missing: drop H_init and shrink the data so that offsets still tile the buffer.
    const { header, hlen } = headerOf(GOOD);
    const [b0, e0] = header.H_init.data_offsets;
    for (const t of Object.values(header)) {
      if (t.data_offsets && t.data_offsets[0] >= e0) t.data_offsets = t.data_offsets.map((o) => o - (e0 - b0));
    }
    delete header.H_init;
    const data = GOOD.subarray(8 + hlen);
    const cut = new Uint8Array(data.length - (e0 - b0));
    cut.set(data.subarray(0, b0));
    cut.set(data.subarray(e0), b0);
    const missing = rebuild(new Uint8Array([...GOOD.subarray(0, 8 + hlen), ...cut]), header);
    expectError(() => trm.loadModel(missing), 'bad_model', /tensor 'H_init' is missing/);

    expectError(() => trm.loadModel(edited((h) => { h[QKV0].shape = [16, 48]; })), 'bad_shape', new RegExp(`tensor '${QKV0}': shape \\[16, 48\\], expected \\[48, 16\\]`));
    expectError(() => trm.loadModel(edited((h) => { h.H_init.dtype = 'I32'; })), 'bad_model', /tensor 'H_init': dtype I32 is not F32, F16 or BF16/);
    expectError(() => trm.loadModel(edited((h) => { h.H_init.dtype = 'F8'; })), 'bad_model', /tensor 'H_init': unknown dtype 'F8'/);
    expectError(() => trm.loadModel(edited((h) => { h.H_init.dtype = 'F16'; })), 'bad_model', /tensor 'H_init': data_offsets span 64 bytes/);
    expectError(() => trm.loadModel(edited((h) => { h.H_init.shape = [-1]; })), 'bad_model', /tensor 'H_init': "shape"/);
    expectError(() => trm.loadModel(edited((h) => { h.H_init.data_offsets = [0, 64]; })), 'bad_model', /tensors '.*' \[0, 64\) and '.*' \[0, \d+\) overlap/);
    expectError(() => trm.loadModel(edited((h) => { const o = h.H_init.data_offsets; h.H_init.data_offsets = [o[0] + 1e9, o[1] + 1e9]; })), 'bad_model', /past the end of the data buffer/);
    expectError(() => trm.loadModel(new Uint8Array([...GOOD, 0, 0, 0, 0])), 'bad_model', /hole in the data buffer/);
    const nan = new Uint8Array(GOOD);
    const { header: h2, hlen: l2 } = headerOf(GOOD);
    new DataView(nan.buffer).setFloat32(8 + l2 + h2['lm_head.weight'].data_offsets[0] + 12, NaN, true);
    expectError(() => trm.loadModel(nan), 'bad_model', /tensor 'lm_head.weight': element 3 is not finite/);
  });

  test('a model too large for the module is refused as out_of_memory', () => {
    expectError(() => trm.createModel({ hidden_size: 4096, num_heads: 32, L_layers: 8 }), 'out_of_memory', /MB/);
    const wide = trm.createModel({ hidden_size: 16, num_heads: 2, grid_height: 250, grid_width: 250, puzzle_emb_ndim: 0, L_layers: 16 });
    expectError(() => wide.solver(), 'out_of_memory', /a solver for this model needs about \d+ MB/);
    wide.free();
    // a solver that fits (336 MB) whose 8 views would not (2278 MB): voting is refused, the solver
    // goes on without it
    const big = trm.createModel({ hidden_size: 16, num_heads: 2, grid_height: 200, grid_width: 200, puzzle_emb_ndim: 0 });
    const s = big.solver();
    const q = 'S' + ' '.repeat(200 * 200 - 2) + 'G';
    expectError(() => s.reset(q, { vote: true }), 'out_of_memory', /a voting solver for this model needs about 22\d\d MB/);
    s.reset(q);
    assert.equal(s.passes, 0);
    big.free();
    expectError(() => trm.createModel({ hidden_siz: 16 }), 'bad_argument', /unknown config key 'hidden_siz'/);
  });
});

describe('bad grids', () => {
  test('size, charset, type', () => {
    const s = good.solver();
    expectError(() => s.pass(), 'state', /reset/);
    expectError(() => s.reset(maze.grid.slice(1)), 'size_mismatch', /35 characters, expected 6 x 6 = 36/);
    expectError(() => s.reset({ grid: 'S'.padEnd(49, ' '), height: 7, width: 7 }), 'size_mismatch', /7 x 7, expected 6 x 6/);
    expectError(() => s.reset('#####\n#####\n'), 'size_mismatch', /2 x 5, expected 6 x 6/);
    const x = maze.grid.slice(0, 14) + 'x' + maze.grid.slice(15);
    expectError(() => s.reset(x), 'bad_charset', /row 2, column 2: character 'x' is not one of "# SGo"/);
    const e = maze.grid.slice(0, 7) + 'é' + maze.grid.slice(8);
    expectError(() => s.reset(e), 'bad_charset', /row 1, column 1: character "é"/);
    expectError(() => s.reset(42), 'bad_argument', /string/);
    expectError(() => s.reset(maze.grid, { maxSteps: 0 }), 'bad_argument', /maxSteps/);
    // After all that, the same solver works.
    assert.deepEqual([...s.solve(maze.grid)].map((p) => p.grid + p.qHalt), refPasses);
  });
});

describe('use after free', () => {
  test('models and solvers', () => {
    const m = trm.loadModel(GOOD);
    const s1 = m.solver(), s2 = m.solver();
    s1.free();
    s1.free(); // twice is fine
    expectError(() => s1.pass(), 'freed', /solver was freed/);
    expectError(() => s1.reset(maze.grid), 'freed', /solver was freed/);
    s2.reset(maze.grid);
    m.free();
    expectError(() => s2.pass(), 'freed', /model was freed/);
    expectError(() => m.solver(), 'freed', /model was freed/);
    expectError(() => m.save(), 'freed', /model was freed/);
    m.free();
    const it = good.solver().solve(maze.grid);
    it.next();
    const m2 = trm.loadModel(GOOD);
    const s3 = m2.solver();
    const gen = s3.solve(maze.grid);
    gen.next();
    s3.free();
    expectError(() => gen.next(), 'freed', /solver was freed/);
    m2.free();
  });
});

describe('mazes', () => {
  test('generateMaze options', () => {
    expectError(() => trm.generateMaze({ size: 9, algorithm: 'prim' }), 'bad_argument', /algorithm 'prim'/);
    expectError(() => trm.generateMaze({ size: 0 }), 'bad_argument', /height 0/);
    expectError(() => trm.generateMaze({ size: 2000 }), 'bad_argument', /height 2000/);
    expectError(() => trm.generateMaze({ size: 9, seed: -1 }), 'bad_argument', /seed -1/);
    expectError(() => trm.generateMaze({ size: 9, seed: 1.5 }), 'bad_argument', /seed 1.5/);
    expectError(() => trm.generateMaze({ size: 9, index: 2n ** 64n }), 'bad_argument', /index/);
    expectError(() => trm.generateMaze({ size: 9, minPath: 82 }), 'bad_argument', /minPath 82/);
    expectError(() => trm.generateMaze({ size: 2, algorithm: 'dfs' }), 'bad_argument', /dfs maze 2 x 2/);
    expectError(() => trm.generateMaze({ size: 9, unique: 1 }), 'bad_argument', /unique/);
  });

  test('verify and shortestPath inputs', () => {
    const twoS = maze.grid.replace('G', 'S');
    expectError(() => trm.verify(twoS, maze.answer), 'bad_grid', /2 start cells/);
    expectError(() => trm.verify(maze.grid.replace(' ', 'x'), maze.answer), 'bad_charset', /character 'x'/);
    expectError(() => trm.verify(maze.grid, maze.answer + ' '), 'size_mismatch', /37 characters/);
    expectError(() => trm.verify(maze.grid, maze.answer, maze.answer.replace('#', 'q')), 'bad_charset', /label/);
    expectError(() => trm.verify(maze.grid + '#', maze.answer), 'bad_argument', /not a square/);
    expectError(() => trm.verify(null, maze.answer), 'bad_argument', /null/);
    expectError(() => trm.shortestPath('S#G'.padEnd(9, '#')), 'no_path', /cannot be reached/);
    expectError(() => trm.shortestPath('S#o'.padEnd(9, '#')), 'bad_grid', /'o'|goal/);
    // A model's guess may hold anything: that is a verdict, not an error.
    const v = trm.verify(maze, '?'.repeat(36), maze.answer);
    assert.equal(v.valid, false);
    assert.equal(v.exact, false);
    assert.ok(v.reason.length > 0);
  });
});

test('errors are TRMError with name and code', () => {
  const e = expectError(() => trm.generateMaze({ algorithm: 'x' }), 'bad_argument');
  assert.equal(e.name, 'TRMError');
  assert.ok(e instanceof Error);
});

describe('API misuse', () => {
  test('null options mean none; other non-objects and unknown option names are named errors', () => {
    assert.equal(trm.generateMaze(null).grid, trm.generateMaze().grid);
    const s = good.solver();
    s.reset(maze.grid, null);
    assert.equal(trm.loadModel(GOOD, null).save(null).length, GOOD.length);
    expectError(() => trm.generateMaze(5), 'bad_argument', /generateMaze: options must be an object, not number/);
    expectError(() => trm.generateMaze({ heigth: 11 }), 'bad_argument', /unknown option 'heigth' \(known: size, height, width/);
    expectError(() => s.reset(maze.grid, { maxstep: 3 }), 'bad_argument', /reset: unknown option 'maxstep'/);
    expectError(() => good.save({ dtype: 'F32', compress: true }), 'bad_argument', /unknown option 'compress'/);
    expectError(() => trm.loadModel(GOOD, { ignoreUnknown: true }), 'bad_argument', /unknown option 'ignoreUnknown'/);
    expectError(() => trm.createModel(TINY_ATTN, []), 'bad_argument', /options must be an object, not an array/);
  });

  test('booleans must be booleans', () => {
    const s = good.solver();
    expectError(() => s.reset(maze.grid, { earlyHalt: 'no' }), 'bad_argument', /earlyHalt must be true or false, not "no"/);
    expectError(() => trm.generateMaze({ unique: 1 }), 'bad_argument', /unique must be true or false, not 1/);
    expectError(() => trm.loadModel(GOOD, { ignoreUnknownTensors: 'yes' }), 'bad_argument', /ignoreUnknownTensors/);
  });

  test('a question needs one S, one G and no path cells', () => {
    const s = good.solver();
    const noS = maze.grid.replace('S', ' '), twoS = maze.grid.replace(' ', 'S'), noG = maze.grid.replace('G', ' ');
    expectError(() => s.reset(noS), 'bad_grid', /question has 0 start cells 'S', expected 1/);
    expectError(() => s.reset(twoS), 'bad_grid', /question has 2 start cells 'S', expected 1/);
    expectError(() => s.reset(noG), 'bad_grid', /question has 0 goal cells 'G', expected 1/);
    const i = maze.grid.indexOf(' ');
    expectError(() => s.reset(maze.grid.slice(0, i) + 'o' + maze.grid.slice(i + 1)), 'bad_grid',
      new RegExp(`question row ${Math.floor(i / 6)}, column ${i % 6}: token 5 \\('o'\\) is not`));
  });

  test('two solve() runs on one solver: the older one stops with a state error', () => {
    const s = good.solver();
    const other = trm.generateMaze({ size: 6, seed: 2, minPath: 2 });
    const a = s.solve(maze.grid);
    a.next();
    const b = s.solve(other.grid);
    b.next();
    expectError(() => a.next(), 'state', /reset \(by another solve\(\) or reset\(\)\)/);
    assert.equal(b.next().value.index, 1, 'the newer run goes on');
    const fresh = good.solver();
    expectError(() => fresh.pass(), 'state', /call reset\(grid\) before pass\(\)/);
    fresh.free();
    s.free();
  });

  test('TRM.load: an unreadable path and bytes that are not the module are TRMErrors', async () => {
    const { TRM } = await import('../../web/trm.js');
    const reject = async (p, code, re) => {
      const e = await p.then(() => null, (x) => x);
      assert.ok(e instanceof TRMError, `expected a TRMError, got ${e}`);
      assert.equal(e.code, code);
      assert.match(e.message, re);
    };
    await reject(TRM.load({ wasm: '/nonexistent/trm.wasm' }), 'bad_argument', /cannot read the module \/nonexistent\/trm\.wasm: .*ENOENT/);
    await reject(TRM.load({ wasm: new Uint8Array([0, 97, 115, 109, 9, 9]) }), 'bad_wasm', /not this library's WebAssembly module/);
    const emptyModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]); // a valid, empty module
    await reject(TRM.load({ wasm: emptyModule }), 'bad_wasm', /no trm_web_malloc/);
    await reject(TRM.load({ wsam: 'x' }), 'bad_argument', /unknown option 'wsam'/);
  });
});
