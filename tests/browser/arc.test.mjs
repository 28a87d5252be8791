// arc.test.mjs: the demo page's ARC-AGI mode in a real headless Chromium (Debian's
// /usr/bin/chromium driven by npm playwright-core), next to page.test.mjs (mazes and sudoku).
//
//   node --test tests/browser/arc.test.mjs     (needs: npm install, web/trm.wasm)
//
// What it checks: without an ARC model the task picker's ARC is disabled and the Model card says
// to load a converted ARC model; a tiny random-init ARC model made here with trm.js and loaded
// through the file input switches the page to ARC mode with the example task; task files from
// disk: bad ones get the module's named errors (ragged rows, colour 10), a good one with two test
// inputs offers both; a solve in the 8 rotations and reflections steps pass by pass (the board's
// canvas changes), runs to the end, and shows a verdict and the voted answer, the same candidates
// as the same solve in Node; each view's thumbnail can be watched; identifiers.json's puzzles of
// the task become the views; a maze model file is refused in ARC mode; Maze comes back as it was.
// No console errors. It writes out/screenshots/page-arc.png (and page-arc-dark.png).
//
// Environment: TRM_CHROMIUM=PATH (default /usr/bin/chromium).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { TRM } from '../../web/trm.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = join(ROOT, 'out/screenshots');
const CHROMIUM = process.env.TRM_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TASK = join(ROOT, 'tests/data/arc/6ea4a07e.json'); // 6 demonstrations, 2 test inputs of 3x3
// A tiny ARC model: the 30x30 canvas, vocabulary 12; 2 passes a step, 2 steps.
const TINY_ARC = {
  task: 'arc', hidden_size: 32, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 1, halt_max_steps: 2,
  puzzle_emb_len: 2, puzzle_emb_ndim: 32, num_puzzle_identifiers: 6, grid_height: 30, grid_width: 30,
};

let chromium = null, importError = null;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  importError = e;
}

const file = (name, buffer, mimeType = 'application/json') => ({ name, mimeType, buffer: Buffer.from(buffer) });

describe('demo page: ARC-AGI mode', () => {
  let server, url, ctx, page, profile, trm, model, modelBytes;
  const consoleErrors = [];

  before(async () => {
    assert.ok(chromium, `npm package playwright-core is missing (run npm ci in the repository root): ${importError?.message}`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    assert.ok(existsSync(join(ROOT, 'web/trm.wasm')), 'web/trm.wasm is missing: build it with scripts/build_wasm.sh');
    trm = await TRM.load({ wasm: readFileSync(join(ROOT, 'web/trm.wasm')) });
    model = trm.createModel(TINY_ARC, { seed: 5 });
    modelBytes = model.save();
    ({ server, url } = await startServer({ root: ROOT, port: 0 }));
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
    });
    page = ctx.pages()[0] ?? await ctx.newPage();
    page.setDefaultTimeout(60000);
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('crash', () => consoleErrors.push('page crashed'));
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    server?.close();
    model?.free();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const demo = () => page.evaluate(() => window.trmDemo.state);
  const canvasData = () => page.evaluate(() => document.getElementById('maze').toDataURL());
  let mazeBefore;

  test('without an ARC model, ARC is not offered; a converted ARC model from disk switches to ARC mode', async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.grid && window.trmDemo.state.model);
    assert.ok(await page.isDisabled('#task-arc'), 'ARC disabled without an ARC model');
    assert.ok(await page.isVisible('#arc-note'));
    assert.match(await page.textContent('#arc-note'), /converted ARC model/);
    mazeBefore = await demo();
    assert.equal(mazeBefore.task, 'maze');

    await page.setInputFiles('#model-file', file('arc-tiny.safetensors', modelBytes, 'application/octet-stream'));
    await page.waitForFunction(() => window.trmDemo.state.task === 'arc' && window.trmDemo.state.grid);
    const s = await demo();
    assert.equal(s.model.name, 'arc-tiny.safetensors');
    assert.equal(s.arc.task, '00576224', 'the example task is on the board');
    assert.ok(await page.isChecked('#task-arc'));
    assert.ok(!(await page.isDisabled('#task-arc')));
    assert.ok(await page.isVisible('#arc-card'));
    assert.ok(await page.isHidden('#maze-card'));
    assert.ok(await page.isHidden('#arc-note'));
    assert.match(await page.textContent('h1'), /ARC-AGI/);
    assert.equal(await page.locator('#arc-demos .arc-pair').count(), 2, 'the example\'s two demonstrations');
  });

  test('task files from disk: named errors for bad grids; two test inputs offered', async () => {
    await page.setInputFiles('#arc-task-file', file('ragged.json', JSON.stringify({ train: [{ input: [[1, 2], [3]], output: [[1]] }], test: [{ input: [[1]] }] })));
    await page.waitForSelector('#arc-error:not([hidden])');
    assert.match(await page.textContent('#arc-error'), /“ragged\.json” \(size_mismatch\): train\[0\]\.input row 1 has 1 column, row 0 has 2/);
    await page.setInputFiles('#arc-task-file', file('colour.json', JSON.stringify({ train: [], test: [{ input: [[1, 10]] }] })));
    await page.waitForFunction(() => /colour\.json/.test(document.getElementById('arc-error').textContent));
    assert.match(await page.textContent('#arc-error'), /“colour\.json” \(bad_grid\): test\[0\]\.input row 0, column 1: 10 is not an ARC colour/);
    assert.equal((await demo()).arc.task, '00576224', 'a bad file leaves the task on the board');

    await page.setInputFiles('#arc-task-file', file('6ea4a07e.json', readFileSync(TASK)));
    await page.waitForFunction(() => window.trmDemo.state.arc.task === '6ea4a07e');
    assert.ok(await page.isHidden('#arc-error'));
    assert.ok(await page.isVisible('#arc-test-field'));
    assert.equal(await page.locator('#arc-test option').count(), 2);
    await page.selectOption('#arc-test', '1');
    await page.waitForFunction(() => window.trmDemo.state.arc.test === 1);
    assert.match(await page.textContent('#arc-task-info'), /6 demonstrations, 2 test inputs/);
  });

  test('solve in 8 views: pass by pass, a verdict, the same vote as in Node; views can be watched', async () => {
    await page.selectOption('#arc-views-select', 'dihedral');
    const question = await canvasData();
    await page.click('#step');
    await page.waitForFunction(() => window.trmDemo.state.run?.index === 0);
    const first = await canvasData();
    assert.notEqual(first, question, 'the first pass is drawn');
    assert.match(await page.textContent('#pass-counter'), /^Pass 1 \/ 4/);
    assert.equal(await page.locator('#arc-views .arc-view').count(), 8, 'a thumbnail per view');
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done');
    const s = await demo();
    assert.equal(s.run.passes, 4);
    assert.equal(s.arc.views, 8);
    const verdict = await page.getAttribute('#verdict', 'data-verdict');
    assert.ok(['optimal', 'valid', 'wrong'].includes(verdict), `verdict ${verdict}`);
    assert.match(await page.textContent('#verdict'), /Correct|Wrong/);
    assert.match(await page.textContent('#vote-meter'), /of 8 views agree/);

    // the same solve in Node: the same candidates (grids and votes)
    const task = JSON.parse(readFileSync(TASK, 'utf8'));
    const solver = model.solver();
    const last = [...solver.solve(task.test[1].input, { views: trm.arcViews('dihedral') })].at(-1);
    solver.free();
    const want = last.arc.candidates.slice(0, 3).map((c) => [c.grid, c.votes]);
    assert.deepEqual(s.arc.candidates.map((c) => [c.grid, c.votes]), want);
    assert.equal(s.run.verdict.rank, last.arc.candidates.findIndex((c) => JSON.stringify(c.grid) === JSON.stringify(task.test[1].output)) + 1);

    const board = await canvasData();
    await page.click('#arc-views .arc-view >> nth=3');
    await page.waitForFunction(() => window.trmDemo.state.arc.watch === 3);
    assert.equal(await page.getAttribute('#arc-views .arc-view >> nth=3', 'aria-pressed'), 'true');
    if (JSON.stringify(last.arc.views[3].canvas) !== JSON.stringify(last.arc.views[0].canvas)) {
      assert.notEqual(await canvasData(), board, 'the board shows the view picked');
    }
    await page.click('#arc-views .arc-view >> nth=0');
    await page.screenshot({ path: join(SHOTS, 'page-arc.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'page-arc-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('identifiers.json: the task\'s puzzles become the views', async () => {
    const ids = ['<blank>', '6ea4a07e', '00576224', '6ea4a07e|||t1|||0123456789', '6ea4a07e|||t3|||0481326597', 'other'];
    await page.setInputFiles('#arc-ids-file', file('identifiers.json', JSON.stringify(ids)));
    await page.waitForFunction(() => /3 puzzles of task 6ea4a07e/.test(document.getElementById('arc-ids-info').textContent));
    assert.equal(await page.inputValue('#arc-views-select'), 'identifiers-8');
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done');
    assert.equal((await demo()).run.votes.views, 3);
    const labels = await page.locator('#arc-views .arc-view span').allTextContents();
    assert.deepEqual(labels, ['t0', 't1', 't3 0481326597']);
  });

  test('a maze model is refused in ARC mode; Maze comes back as it was, and ARC again', async () => {
    const maze = trm.createModel({ hidden_size: 16, num_heads: 2, grid_height: 6, grid_width: 6, puzzle_emb_ndim: 16 });
    const bytes = maze.save();
    maze.free();
    await page.setInputFiles('#model-file', file('maze-6x6.safetensors', bytes, 'application/octet-stream'));
    await page.waitForSelector('#model-error:not([hidden])');
    assert.match(await page.textContent('#model-error'), /maze-6x6\.safetensors.*task 'maze', not an ARC-AGI model; pick Maze above/);
    assert.equal((await demo()).model.name, 'arc-tiny.safetensors', 'the ARC model stays');

    await page.click('label:has(#task-maze)');
    await page.waitForFunction(() => window.trmDemo.state.task === 'maze' && window.trmDemo.state.grid);
    const back = await demo();
    assert.equal(back.model.name, mazeBefore.model.name);
    assert.equal(back.grid, mazeBefore.grid, 'the maze board as it was');
    assert.ok(await page.isHidden('#arc-card'));
    assert.ok(await page.isHidden('#arc-strip'));
    assert.ok(await page.isVisible('#maze-card'));
    assert.ok(!(await page.isDisabled('#task-arc')), 'ARC stays offered: its model is loaded');
    await page.click('label:has(#task-arc)');
    await page.waitForFunction(() => window.trmDemo.state.task === 'arc');
    assert.equal((await demo()).arc.task, '6ea4a07e', 'the ARC task as it was');
  });

  test('no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
