// browser.test.mjs: web/trm.js unchanged in headless Chromium, on the page's main thread and in a
// module Worker, loading trm.wasm by its default URL (instantiateStreaming) and from a server that
// sends the wrong MIME type (byte fallback); and TRMWorker (a module Worker it starts itself, fed
// a Blob, cancelled, failing). Results must equal Node's bit for bit (same wasm, IEEE
// arithmetic). Skipped when /usr/bin/chromium or playwright-core (npm) is missing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT, TINY_ATTN, loadTRM } from './helpers.mjs';

const CHROMIUM = process.env.TRM_CHROMIUM ?? '/usr/bin/chromium';
let playwright = null;
try { playwright = await import('playwright-core'); } catch { /* skipped below */ }
const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !playwright ? 'playwright-core is not installed (npm install playwright-core)' : false;

// The same work in Node, in the page and in the Worker: a maze, a model made from a seed, a solve.
const WORK = `
export async function work(TRM, wasm) {
  const trm = await TRM.load(wasm ? { wasm } : undefined);
  const maze = trm.generateMaze({ size: 6, seed: 11, index: 3, minPath: 2 });
  const model = trm.createModel(${JSON.stringify(TINY_ATTN)}, { seed: 7 });
  const passes = [...model.solver().solve(maze.grid)].map((p) => [p.grid, p.qHalt, Array.from(p.confidence.slice(0, 4))]);
  const verdict = trm.verify(maze, maze.answer, maze.answer);
  let error = null;
  try { model.solver().reset('x'); } catch (e) { error = [e.name, e.code]; }
  model.free();
  return { kernels: trm.kernels, maze: maze.grid, passes, verdict, error };
}

// The same solve through TRMWorker (async), then a cancelled solve and a failing one.
export async function workerWork({ TRM, TRMWorker }, wasm) {
  const trm = await TRM.load(wasm ? { wasm } : undefined);
  const maze = trm.generateMaze({ size: 6, seed: 11, index: 3, minPath: 2 });
  const bytes = trm.createModel(${JSON.stringify(TINY_ATTN)}, { seed: 7 }).save();
  const worker = await TRMWorker.create(wasm ? { wasm } : undefined);
  const model = await worker.loadModel(new Blob([bytes]));
  const passes = [];
  for await (const p of model.solve(maze.grid)) passes.push([p.grid, p.qHalt, Array.from(p.confidence.slice(0, 4))]);
  const run = model.solve(maze.grid, { maxSteps: 100000 });
  let seen = 0;
  for await (const p of run) if (++seen === 2) run.cancel();
  const { cancelled } = await run.result;
  let error = null;
  try { await model.solve('x').result; } catch (e) { error = [e.name, e.code]; }
  worker.terminate();
  return { passes, seen, cancelled, error };
}`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as api from '/web/trm.js';
import { work, workerWork } from '/work.mjs';
const { TRM } = api;
const main = await work(TRM).catch((e) => String(e));
const viaWorker = await workerWork(api).catch((e) => String(e));
const wrongMime = await work(TRM, '/octet/trm.wasm').catch((e) => String(e));
const worker = await new Promise((res) => {
  const w = new Worker(new URL('/worker.mjs', location.href), { type: 'module' });
  w.onmessage = (e) => res(e.data);
  w.onerror = (e) => res('worker error: ' + e.message);
});
window.__result = { main, wrongMime, worker, viaWorker };
</script>`;
const WORKER = `import { TRM } from '/web/trm.js';
import { work } from '/work.mjs';
work(TRM).then((r) => postMessage(r), (e) => postMessage(String(e)));`;

function serve() {
  const routes = {
    '/': ['text/html', PAGE], '/work.mjs': ['text/javascript', WORK], '/worker.mjs': ['text/javascript', WORKER],
    // The library's modules (trm.js imports its parts, TRMWorker starts trm-worker-thread.js).
    ...Object.fromEntries(readdirSync(join(ROOT, 'web')).filter((f) => /^trm.*\.js$/.test(f))
      .map((f) => [`/web/${f}`, ['text/javascript', readFileSync(join(ROOT, 'web', f))]])),
    '/web/trm.wasm': ['application/wasm', readFileSync(join(ROOT, 'web/trm.wasm'))],
    '/octet/trm.wasm': ['application/octet-stream', readFileSync(join(ROOT, 'web/trm.wasm'))],
  };
  const server = createServer((req, res) => {
    const r = routes[new URL(req.url, 'http://x').pathname];
    res.writeHead(r ? 200 : 404, { 'content-type': r ? r[0] : 'text/plain' });
    res.end(r ? r[1] : 'not found');
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

test('same results in Chromium (page and module Worker) as in Node', { skip, timeout: 60000 }, async () => {
  const api = await import('../../web/trm.js');
  const mod = await import(`data:text/javascript,${encodeURIComponent(WORK)}`);
  await loadTRM(); // fails clearly if the module is not built
  const want = await mod.work(api.TRM, join(ROOT, 'web/trm.wasm'));
  const wantWorker = await mod.workerWork(api, join(ROOT, 'web/trm.wasm'));
  const server = await serve();
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  let ctx;
  try {
    ctx = await playwright.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
    const got = await page.evaluate(() => window.__result);
    assert.equal(want.kernels, 'wasm128');
    assert.deepEqual(got.main, want, 'page main thread');
    assert.deepEqual(got.worker, want, 'module Worker');
    assert.deepEqual(got.wrongMime, want, 'wasm served as application/octet-stream');
    assert.deepEqual(want.error, ['TRMError', 'size_mismatch']);
    assert.deepEqual(wantWorker.passes, want.passes, 'TRMWorker in Node');
    assert.deepEqual(wantWorker, { passes: want.passes, seen: 2, cancelled: true, error: ['TRMError', 'size_mismatch'] });
    assert.deepEqual(got.viaWorker, wantWorker, 'TRMWorker in Chromium');
  } finally {
    await ctx?.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
