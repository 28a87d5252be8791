// worker.test.mjs: TRMWorker (web/trm-worker.js) in a real worker_threads thread: a solve of the
// shipped model streams the same passes, bit for bit, as the synchronous solver on this thread
// (async iteration and onPass); cancel stops between passes; errors arrive as rejected TRMErrors
// with their codes; terminate rejects what is pending; an idle worker lets the process exit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { ROOT, TRMError, loadTRM } from './helpers.mjs';
import { TRMWorker } from '../../web/trm.js';

const MODEL = join(ROOT, 'models/maze-11x11-mix.safetensors');
const trm = await loadTRM();
const model = trm.loadModel(readFileSync(MODEL));
const maze = model.generateMaze({ seed: 12, index: 3 });
const OPTIONS = { maxSteps: 4, earlyHalt: false };
const REF = [...model.solver().solve(maze, OPTIONS)];

function samePasses(got, ref) {
  assert.equal(got.length, ref.length, 'number of passes');
  got.forEach((p, i) => {
    const r = ref[i];
    for (const k of ['index', 'step', 'recursion', 'grid', 'qHalt', 'haltProb', 'done']) assert.equal(p[k], r[k], `pass ${i}: ${k}`);
    assert.ok(p.confidence instanceof Float32Array);
    assert.deepEqual(p.confidence, r.confidence, `pass ${i}: confidence`);
  });
}

async function rejects(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof TRMError, `expected a TRMError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('TRMWorker', async () => {
  const worker = await TRMWorker.create();
  after(() => worker.terminate());
  const wm = await worker.loadModel(MODEL);

  test('the model in the worker is the same model', () => {
    assert.deepEqual(wm.config, model.config);
    assert.deepEqual(wm.task, { name: 'maze', charset: '# SGo' });
    assert.equal(wm.paramCount, model.paramCount);
    assert.deepEqual(wm.training, model.training);
    assert.equal(worker.kernels, trm.kernels);
    assert.equal(wm.height, 11);
  });

  test('for await: every pass equals the synchronous solver\'s', async () => {
    const got = [];
    const run = wm.solve(maze, OPTIONS);
    for await (const p of run) got.push(p);
    samePasses(got, REF);
    const r = await run.result;
    assert.equal(r.passes, REF.length);
    assert.equal(r.cancelled, false);
    assert.equal(r.last.grid, REF.at(-1).grid);
    assert.equal(trm.verify(maze, r.last.grid, maze.answer).valid, true);
  });

  test('onPass: the same passes; such a run is not iterable', async () => {
    const got = [];
    const run = wm.solve(maze.grid, { ...OPTIONS, onPass: (p) => got.push(p) });
    await rejects(run.next(), 'state', /onPass/);
    await run.result;
    samePasses(got, REF);
  });

  test('bytes, a Blob and early halting', async () => {
    const seen = [];
    const m2 = await worker.loadModel(readFileSync(MODEL), { onWarning: (w) => seen.push(w) });
    assert.deepEqual(seen, []);
    const got = [];
    for await (const p of m2.solve(maze, { earlyHalt: true })) got.push(p);
    samePasses(got, [...model.solver().solve(maze, { earlyHalt: true })]);
    const m3 = await worker.loadModel(new Blob([readFileSync(MODEL)]));
    assert.equal((await m3.solve(maze, OPTIONS).result).last.grid, REF.at(-1).grid);
    await m2.free();
    await m3.free();
    await m3.free(); // twice is fine
    assert.equal(m3.freed, true);
  });

  test('cancel stops between passes; leaving a for-await loop cancels', async () => {
    const run = wm.solve(maze, { maxSteps: 10000 });
    let n = 0;
    for await (const p of run) {
      assert.equal(p.index, n);
      if (++n === 3) run.cancel();
    }
    assert.equal(n, 3, 'no pass is delivered after cancel()');
    const r = await run.result;
    assert.equal(r.cancelled, true);
    assert.ok(r.passes >= 3 && r.passes < 100, `ran ${r.passes} passes`);

    const run2 = wm.solve(maze, { maxSteps: 10000 });
    for await (const p of run2) if (p.index === 1) break;
    assert.equal((await run2.result).cancelled, true);
    assert.equal((await wm.solve(maze, OPTIONS).result).passes, REF.length); // the worker is free again
  });

  test('two solves at once on one worker interleave and both match', async () => {
    const other = model.generateMaze({ seed: 99 });
    const ref2 = [...model.solver().solve(other, OPTIONS)];
    const collect = async (run) => { const a = []; for await (const p of run) a.push(p); return a; };
    const [a, b] = await Promise.all([collect(wm.solve(maze, OPTIONS)), collect(wm.solve(other, OPTIONS))]);
    samePasses(a, REF);
    samePasses(b, ref2);
  });

  test('errors come back as TRMErrors with their codes', async () => {
    await rejects(worker.loadModel(new Uint8Array(10)), 'bad_model', /header/);
    await rejects(worker.loadModel(join(ROOT, 'no/such.safetensors')), 'bad_argument', /ENOENT/);
    await rejects(worker.loadModel(MODEL, { ignoreUnknown: true }), 'bad_argument', /unknown option/);
    const bad = wm.solve(maze.grid.replace(' ', 'x'), OPTIONS);
    await rejects(bad.next(), 'bad_charset', /character 'x'/);
    await rejects(bad.result, 'bad_charset');
    assert.deepEqual(await bad.next(), { value: undefined, done: true });
    await rejects(wm.solve('S G', OPTIONS).result, 'size_mismatch');
    assert.throws(() => wm.solve(maze, { maxstep: 3 }), (e) => e.code === 'bad_argument' && /unknown option 'maxstep'/.test(e.message));
    const failing = wm.solve(maze, { ...OPTIONS, onPass: () => { throw new Error('drawing failed'); } });
    await assert.rejects(failing.result, /drawing failed/);
    assert.equal((await wm.solve(maze, OPTIONS).result).passes, REF.length); // still works
  });

  test('maze calls in the worker equal those here; null options mean none', async () => {
    assert.deepEqual(await worker.generateMaze({ size: 9, seed: 5 }), trm.generateMaze({ size: 9, seed: 5 }));
    assert.deepEqual(await worker.verify(maze, REF.at(-1).grid, maze.answer), trm.verify(maze, REF.at(-1).grid, maze.answer));
    assert.equal(await worker.shortestPath(maze), trm.shortestPath(maze));
    assert.deepEqual(await worker.countShortestPaths(maze, null), trm.countShortestPaths(maze));
    assert.deepEqual(await wm.generateMaze({ seed: 3 }), model.generateMaze({ seed: 3 }));
    assert.deepEqual(await wm.trainingFit(maze), model.trainingFit(maze));
    await rejects(worker.generateMaze({ algorithm: 'x' }), 'bad_argument', /algorithm 'x'/);
    assert.equal((await wm.solve(maze, null).result).passes, model.config.halt_max_steps * model.config.H_cycles);
    (await worker.loadModel(MODEL, null)).free();
  });

  test('a freed model, and a terminated worker', async () => {
    const m = await worker.loadModel(MODEL);
    const run = m.solve(maze, { maxSteps: 10000 });
    await run.next();
    await m.free();
    await rejects(run.result, 'freed');
    assert.throws(() => m.solve(maze), (e) => e.code === 'freed');

    const w2 = await TRMWorker.create({ wasm: join(ROOT, 'web/trm.wasm') });
    const m2 = await w2.loadModel(MODEL);
    const long = m2.solve(maze, { maxSteps: 10000 });
    await long.next();
    w2.terminate();
    await rejects(long.result, 'terminated', /terminated/);
    await rejects(w2.loadModel(MODEL), 'terminated');
    assert.equal(w2.terminated, true);
    w2.terminate(); // twice is fine
  });

  test('bad worker options', async () => {
    await rejects(TRMWorker.create({ wasm: 7 }), 'bad_argument', /options\.wasm/);
    await rejects(TRMWorker.create({ wasm: new Uint8Array(8) }), 'bad_wasm');
    await rejects(TRMWorker.create({ wams: 1 }), 'bad_argument', /unknown option 'wams'/);
    await rejects(TRMWorker.create({ workerUrl: join(ROOT, 'no/such-worker.js') }), 'terminated', /the worker failed/);
  });
});

test('an idle TRMWorker does not keep Node running', async () => {
  const code = `import { TRMWorker } from ${JSON.stringify(join(ROOT, 'web/trm.js'))};
    const w = await TRMWorker.create(); await w.loadModel(${JSON.stringify(MODEL)}); console.log('loaded');`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { timeout: 20000 });
  assert.equal(stdout.trim(), 'loaded');
});
