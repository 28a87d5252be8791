// page.test.mjs: the demo page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// npm playwright-core; no browser download).
//
//   node --test tests/browser/                 (needs: npm install, web/trm.wasm, a model)
//
// The page is web/demo/index.html, served by scripts/serve.mjs at /web/demo/ with the library one
// folder up (/web/trm.js) and the models at /models/.
//
// What it checks: the page loads the module and the first model of models/index.json, generates
// a maze by seed, draws every refinement pass (the pass counter advances past 1 and the canvas
// changes between passes), shows a verdict that equals native trm-solve's on the same maze and
// model (with symmetry voting when the page's Vote box is ticked, as it is by default: then
// trm-solve --vote), shows how many views agree on a voted answer, edits the maze with the mouse
// and the keyboard works, rejects corrupt model files with
// a message while the page keeps working, and prints no console errors. It writes screenshots to
// out/screenshots/ and prints the timings (page load to first drawn pass, ms per pass, full solve).
//
// Sudoku mode (the task picker): without a sudoku model in models/index.json the page says so and
// still generates puzzles by difficulty (the same puzzle as trm.generateSudoku in Node for the
// seed in the URL), takes typed and pasted puzzles (a bad paste shows the module's named error;
// clashing givens are named and block Solve); with tests/data/sudoku_tiny.safetensors listed as a
// sudoku model (the test serves an index that adds it) it draws every pass with digits shaded by
// confidence and givens distinct, and shows the verdict of trm.verify on the same answer as a
// solve in Node. Switching back to Maze brings back the maze and its model.
//
// Environment:
//   TRM_PAGE_MODEL=FILE   serve FILE as the only model instead of models/index.json
//   TRM_SOLVE=PATH        the native solver (default build/bin/trm-solve)
//   TRM_CHROMIUM=PATH     the browser (default /usr/bin/chromium)
//   TRM_PAGE_SEED=N       the maze seed (default 7)
//   TRM_PAGE_TIMEOUT_S=S  the longest a full solve may take (default 180; the official 30x30
//                         D=512 config needs about 2.5-6 s per pass here)

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { startServer } from '../../scripts/serve.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = join(ROOT, 'out/screenshots');
const CHROMIUM = process.env.TRM_CHROMIUM ?? '/usr/bin/chromium';
const SEED = Number(process.env.TRM_PAGE_SEED ?? 7);
const SOLVE_MS = 1000 * Number(process.env.TRM_PAGE_TIMEOUT_S ?? 180); // one full solve
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let chromium = null, importError = null;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  importError = e;
}

// The model the page will load first, as a file on disk (for the native comparison): the first
// maze entry of models/index.json, or TRM_PAGE_MODEL, or, while no model is shipped (an empty list),
// a small random-init model made with trm.js (the page is tested all the same; the timings are
// then not those of a shipped model, and the report says so).
async function modelSetup(tmp) {
  const overrides = {};
  const serveOnly = (file, description) => {
    const index = join(tmp, 'index.json');
    writeFileSync(index, JSON.stringify([{ file: 'test-model.safetensors', name: 'Test model', description }]));
    overrides['/models/index.json'] = index;
    overrides['/models/test-model.safetensors'] = file;
    return { file, overrides, note: description };
  };
  if (process.env.TRM_PAGE_MODEL) return serveOnly(resolve(process.env.TRM_PAGE_MODEL), 'TRM_PAGE_MODEL');
  const list = JSON.parse(readFileSync(join(ROOT, 'models/index.json'), 'utf8'));
  assert.ok(Array.isArray(list), 'models/index.json is not a JSON array');
  if (list.length === 0) {
    const { TRM } = await import('../../web/trm.js');
    const trm = await TRM.load({ wasm: readFileSync(join(ROOT, 'web/trm.wasm')) });
    const m = trm.createModel({ hidden_size: 64, num_heads: 4, expansion: 2, L_layers: 2, H_cycles: 3, L_cycles: 2,
                                halt_max_steps: 8, puzzle_emb_ndim: 64, grid_height: 10, grid_width: 10 }, { seed: 1 });
    const file = join(tmp, 'random-10x10.safetensors');
    writeFileSync(file, m.save());
    m.free();
    return serveOnly(file, 'no shipped model in models/index.json: random-init 10x10 D64 test model');
  }
  const first = list.find((e) => (e.task ?? 'maze') === 'maze') ?? list[0]; // the maze model the page loads first
  const file = join(ROOT, 'models', first.file);
  assert.ok(existsSync(file), `models/index.json names ${first.file}, but ${file} does not exist (set TRM_PAGE_MODEL=FILE to test another model)`);
  return { file, overrides, note: `shipped model ${first.file}` };
}

// The native solver on the same maze and settings; returns its verdict, answer and pass count.
function nativeSolve(grid, h, w, model, steps, earlyHalt, tmp, vote = false) {
  const bin = process.env.TRM_SOLVE ?? join(ROOT, 'build/bin/trm-solve');
  assert.ok(existsSync(bin), `native solver ${bin} is not built (scripts/setup.sh builds it); cannot compare the verdict`);
  if (vote) {
    assert.match(execFileSync(bin, ['--help'], { encoding: 'utf8' }), /--vote/,
      `${bin} predates --vote (symmetry voting): rebuild it (scripts/setup.sh) to compare the page's voted solve`);
  }
  const maze = join(tmp, 'maze.txt'), trace = join(tmp, 'trace.json');
  const rows = [];
  for (let r = 0; r < h; r++) rows.push(grid.slice(r * w, (r + 1) * w));
  writeFileSync(maze, rows.join('\n') + '\n');
  const args = ['--model', model, '--maze', maze, '--steps', String(steps), '--trace', trace, '--no-color'];
  if (earlyHalt) args.push('--early-halt');
  if (vote) args.push('--vote');
  const out = execFileSync(bin, args, { encoding: 'utf8' });
  const t = JSON.parse(readFileSync(trace, 'utf8'));
  return { stdout: out, trace: t };
}

// The verdict in a trace file (native/TOOLS.md: "final" holds the BFS verification).
function traceVerdict(t) {
  const v = t.final;
  if (!v || typeof v.valid !== 'boolean') throw new Error(`trace has no "final" verdict: keys ${Object.keys(t).join(', ')}`);
  return v.valid && v.optimal ? 'optimal' : v.valid ? 'valid' : 'wrong';
}

function pixelsDiffer(a, b) {
  return a !== b;
}

describe('demo page in headless Chromium', () => {
  let server, url, ctx, page, profile, tmp, model;
  const consoleErrors = [];
  const report = {};

  before(async () => {
    assert.ok(chromium, `npm package playwright-core is missing (run npm ci in the repository root): ${importError?.message}`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    assert.ok(existsSync(join(ROOT, 'web/trm.wasm')), 'web/trm.wasm is missing: build it with scripts/build_wasm.sh');
    tmp = mkdtempSync(join(tmpdir(), 'trm-page-test-'));
    model = await modelSetup(tmp);
    report.modelUnderTest = model.note;
    ({ server, url } = await startServer({ root: ROOT, port: 0, overrides: model.overrides }));
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 },
    });
    page = ctx.pages()[0] ?? await ctx.newPage();
    page.setDefaultTimeout(60000); // a single pass of a big model takes seconds on a busy machine
    // Main-thread responsiveness: the longest gap between animation frames (reported, not asserted).
    await page.addInitScript(() => {
      window.__maxFrameGap = 0;
      let last = performance.now();
      const tick = (t) => { window.__maxFrameGap = Math.max(window.__maxFrameGap, t - last); last = t; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('crash', () => consoleErrors.push('page crashed'));
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (Object.keys(report).length) console.log('# page timings: ' + JSON.stringify(report));
  });

  const demo = () => page.evaluate(() => window.trmDemo.state);
  const canvasData = () => page.evaluate(() => document.getElementById('maze').toDataURL());
  const passIndex = () => page.evaluate(() => window.trmDemo.state.run?.index ?? -1);

  test('load, auto-solve at full speed: timings', async () => {
    const t0 = Date.now();
    await page.goto(`${url}#seed=${SEED}&speed=0&solve=1`);
    await page.waitForFunction(() => window.trmDemo?.state.run?.state === 'done', null, { timeout: SOLVE_MS });
    const r = await page.evaluate(() => ({ t: window.trmDemo.timings, s: window.trmDemo.state }));
    assert.ok(r.s.model, 'no model loaded');
    assert.ok(r.t.firstPassAt > 0 && r.t.lastSolve, 'no timings recorded');
    Object.assign(report, {
      model: r.s.model.name, grid: `${r.s.h}x${r.s.w}`,
      loadToFirstPassMs: Math.round(r.t.firstPassAt), loadToReadyMs: Math.round(r.t.readyAt),
      scriptStartMs: Math.round(r.t.bootAt), moduleReadyMs: Math.round(r.t.moduleAt),
      moduleMs: Math.round(r.t.moduleMs), modelLoadMs: Math.round(r.t.modelMs),
      passes: r.t.lastSolve.passes, msPerPass: +(r.t.lastSolve.computeMs / r.t.lastSolve.passes).toFixed(2),
      fullSolveMs: Math.round(r.t.lastSolve.wallMs), verdict: r.t.lastSolve.verdict, wallClockMs: Date.now() - t0,
    });
    // the same again with a warm browser (HTTP cache off: no-cache revalidates every file)
    await page.goto('about:blank');
    await page.goto(`${url}#seed=${SEED}&speed=0&solve=1`);
    await page.waitForFunction(() => window.trmDemo?.state.run?.state === 'done', null, { timeout: SOLVE_MS });
    const w = await page.evaluate(() => window.trmDemo.timings);
    const gapAfterLoad = await page.evaluate(() => window.__maxFrameGap);
    report.warm = {
      loadToFirstPassMs: Math.round(w.firstPassAt), loadToReadyMs: Math.round(w.readyAt), scriptStartMs: Math.round(w.bootAt),
      msPerPass: +(w.lastSolve.computeMs / w.lastSolve.passes).toFixed(2), fullSolveMs: Math.round(w.lastSolve.wallMs),
    };
    // frames during a solve alone (the load itself includes compiling and parsing)
    await page.evaluate(() => { window.__maxFrameGap = 0; });
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: SOLVE_MS });
    report.warm.maxFrameGapDuringSolveMs = Math.round(await page.evaluate(() => window.__maxFrameGap));
    report.warm.maxFrameGapDuringLoadMs = Math.round(gapAfterLoad);
  });

  test('generate by seed, step pass by pass, then solve: passes are drawn', async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.grid && window.trmDemo.state.model,
      null, { timeout: SOLVE_MS });
    await page.fill('#seed', String(SEED));
    await page.click('#generate');
    await page.waitForFunction((s) => window.trmDemo.state.origin?.seed === s, SEED);
    const before = await canvasData();
    const grid = (await demo()).grid;

    await page.click('#step');
    await page.waitForFunction(() => window.trmDemo.state.run?.index === 0);
    const first = await canvasData();
    assert.match(await page.textContent('#pass-counter'), /^Pass 1 \//);
    await page.click('#step');
    await page.waitForFunction(() => window.trmDemo.state.run?.index >= 1 || window.trmDemo.state.run?.state === 'done');
    const second = await canvasData();

    await page.click('#solve'); // resume
    await page.waitForFunction(() => ['done'].includes(window.trmDemo.state.run?.state), null, { timeout: SOLVE_MS });
    await page.waitForFunction(() => document.getElementById('verdict').dataset.verdict !== 'checking');
    const last = await canvasData();
    const s = await demo();
    const counter = await page.textContent('#pass-counter');
    const n = Number(/^Pass (\d+)/.exec(counter)?.[1]);
    assert.ok(n > 1, `pass counter should advance past 1, shows "${counter}"`);
    assert.equal(s.run.passes, n, 'every pass was drawn');
    assert.equal(s.grid, grid, 'solving does not change the maze');
    assert.ok(pixelsDiffer(before, first), 'the first pass changed the canvas');
    assert.ok(pixelsDiffer(first, second) || pixelsDiffer(second, last),
      'the canvas changed between passes (pass 1, pass 2, last pass)');
    const verdict = await page.getAttribute('#verdict', 'data-verdict');
    assert.ok(['optimal', 'valid', 'wrong'].includes(verdict), `verdict shown: ${verdict}`);
    report.pageVerdict = verdict;
    // replay: step back through the passes with the keyboard, then forward to the last one
    await page.waitForSelector('#replay:not([hidden])');
    await page.click('h1');
    await page.keyboard.press('ArrowLeft');
    assert.match(await page.textContent('#pass-counter'), new RegExp(`^Pass ${n - 1} /`));
    assert.match(await page.textContent('#pass-detail'), /replay/);
    await page.keyboard.press('ArrowRight');
    assert.match(await page.textContent('#pass-counter'), new RegExp(`^Pass ${n} /`));
    assert.equal(await canvasData(), last, 'back at the last pass');
    report.verdictText = await page.textContent('#verdict');
    await page.screenshot({ path: join(SHOTS, 'page-desktop.png') });

    // the same maze, model and settings natively
    const steps = Number(await page.inputValue('#max-steps'));
    const early = await page.isChecked('#early-halt');
    const vote = await page.isChecked('#vote');
    const nat = nativeSolve(s.grid, s.h, s.w, model.file, steps, early, tmp, vote);
    const nv = traceVerdict(nat.trace);
    const passes = nat.trace.passes ?? [];
    const natAnswer = nat.trace.final.grid;
    let diff = 0;
    if (typeof natAnswer === 'string') for (let i = 0; i < natAnswer.length; i++) if (natAnswer[i] !== s.run.answer[i]) diff++;
    report.native = { verdict: nv, passes: passes.length, answerCellsDiffering: diff, vote };
    if (vote) assert.deepEqual(s.run.votes, passes.at(-1).votes, 'the last pass\'s vote, as trm-solve --vote counts it');
    assert.equal(verdict, nv, `page verdict ${verdict} vs native trm-solve ${nv}\n${nat.stdout}`);
    if (passes.length) assert.equal(s.run.passes, passes.length, 'same number of passes as trm-solve');
  });

  test('shortest path on demand, editing with the mouse, keyboard', async () => {
    await page.check('#show-shortest');
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SHOTS, 'page-desktop-shortest.png') });

    const s0 = await demo();
    let box = await page.locator('#maze').boundingBox();
    const cellXY = (i) => ({ x: box.x + ((i % s0.w) + 0.5) * box.width / s0.w,
                             y: box.y + (Math.floor(i / s0.w) + 0.5) * box.height / s0.h });
    // click an open cell: it becomes a wall, and the prediction is cleared
    const open = s0.grid.indexOf(' ');
    let p = cellXY(open);
    await page.mouse.click(p.x, p.y);
    await page.waitForFunction((i) => window.trmDemo.state.grid[i] === '#', open);
    assert.equal((await demo()).run, null, 'editing clears the prediction');
    box = await page.locator('#maze').boundingBox(); // the header above the board may be shorter without a run
    // drag S onto another open cell
    const s1 = await demo();
    const from = s1.grid.indexOf('S');
    const to = s1.grid.indexOf(' ');
    p = cellXY(from);
    const q = cellXY(to);
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(q.x, q.y, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((i) => window.trmDemo.state.grid[i] === 'S', to);
    assert.equal((await demo()).grid.split('S').length, 2, 'exactly one S after the drag');

    // keyboard: n = new maze, s = step, space = solve / pause
    await page.click('h1'); // focus out of form fields
    const seedBefore = await page.inputValue('#seed');
    await page.keyboard.press('n');
    await page.waitForFunction((v) => document.getElementById('seed').value !== v && window.trmDemo.state.origin, seedBefore);
    await page.keyboard.press('s');
    await page.waitForFunction(() => window.trmDemo.state.run?.index === 0);
    await page.keyboard.press(' ');
    await page.waitForFunction(() => window.trmDemo.state.run?.state !== 'paused');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => ['paused', 'done'].includes(window.trmDemo.state.run?.state));
  });

  test('what the model knows: its training kinds, a maze unlike them, convergence, halting confidence', async () => {
    await page.goto(`${url}#seed=3&speed=0`);
    await page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.grid && window.trmDemo.state.model,
      null, { timeout: SOLVE_MS });
    const s0 = await demo();
    const options = await page.$$eval('#algorithm option', (os) => os.map((o) => o.value));
    if (s0.training) {
      const kinds = s0.training.kinds.filter((k) => k.algorithm);
      assert.deepEqual(options, [...(kinds.length > 1 ? ['mix'] : []), ...s0.training.kinds.flatMap((k, i) => (k.algorithm ? [`kind:${i}`] : []))],
        'the generator list is the model\'s training mix and kinds');
      assert.match(await page.textContent('#model-knows'), /^Trained on \d+×\d+ mazes: /);
      // one of its kinds, then S moved next to G: shorter than any training maze
      const dfs = s0.training.kinds.findIndex((k) => k.algorithm === 'dfs');
      if (dfs >= 0) {
        await page.selectOption('#algorithm', `kind:${dfs}`);
        await page.waitForFunction(() => /corridors/.test(document.getElementById('maze-info').textContent));
        assert.match(await page.evaluate(() => location.hash), new RegExp(`alg=kind&kind=${dfs}`));
      }
      await page.waitForFunction(() => window.trmDemo.state.fit);
      assert.equal(await page.isHidden('#maze-fit'), (await demo()).fit.fits, 'the note shows exactly when the maze does not fit');
    } else {
      assert.deepEqual(options, ['lehnert', 'dfs', 'dfs-any', 'sparse'], 'a model without a training record offers every generator');
      assert.ok(await page.isHidden('#model-knows'));
    }
    const s1 = await demo();
    const g = s1.grid.indexOf('G');
    const nb = [g - s1.w, g + s1.w, ...(g % s1.w ? [g - 1] : []), ...((g + 1) % s1.w ? [g + 1] : [])]
      .find((i) => i >= 0 && i < s1.grid.length && s1.grid[i] === ' ');
    if (nb !== undefined && s1.training && s1.training.pathMin > 1) {
      const box = await page.locator('#maze').boundingBox();
      const xy = (i) => ({ x: box.x + ((i % s1.w) + 0.5) * box.width / s1.w, y: box.y + (Math.floor(i / s1.w) + 0.5) * box.height / s1.h });
      const a = xy(s1.grid.indexOf('S')), b = xy(nb);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y, { steps: 10 });
      await page.mouse.up();
      await page.waitForFunction((i) => window.trmDemo.state.grid[i] === 'S' && window.trmDemo.state.fit?.shortest === 1, nb);
      await page.waitForSelector('#maze-fit:not([hidden])');
      assert.match(await page.textContent('#maze-fit'), /shortest path \(1 move\) is shorter than any training maze/);
      await page.screenshot({ path: join(SHOTS, 'page-outside-training.png') });
      await page.click('#generate');
      await page.waitForFunction(() => window.trmDemo.state.origin && window.trmDemo.state.fit);
    }
    // a full solve: the halting confidence is shown, and passes that change nothing are named
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: SOLVE_MS });
    const r = (await demo()).run;
    assert.ok(await page.isVisible('#halt-meter'), 'halting confidence next to the board');
    const pct = Math.round(100 * r.halt[r.halt.length - 1]);
    assert.equal(await page.textContent('#halt-meter-val'), `${pct}%`);
    const detail = await page.textContent('#pass-detail');
    if (r.lastChange < r.passes) assert.match(detail, new RegExp(`converged at pass ${r.lastChange} \\(the last ${r.passes - r.lastChange} pass`));
    else assert.doesNotMatch(detail, /converged/);
    report.convergedAtPass = `${r.lastChange} of ${r.passes}`;
    await page.screenshot({ path: join(SHOTS, 'page-converged.png') });
  });

  test('vote: the box shows the view count, a voted solve says how many views agree', async () => {
    await page.goto('about:blank');
    await page.goto(`${url}#seed=${SEED}&speed=0`);
    await page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.grid && window.trmDemo.state.model,
      null, { timeout: SOLVE_MS });
    const s0 = await demo();
    const views = s0.h === s0.w ? 8 : 4;
    assert.equal(await page.isChecked('#vote'), true, 'Vote is on by default');
    assert.equal((await page.textContent('#vote-label')).trim(), `Vote (${views} views)`);
    assert.match(await page.getAttribute('#vote-toggle', 'title'), /rotations and reflections|keep its shape/);
    assert.ok(await page.isHidden('#vote-meter'), 'no vote shown before a solve');
    const solveOnce = async () => {
      await page.click('#solve');
      await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: SOLVE_MS });
      const t = await page.evaluate(() => window.trmDemo.timings.lastSolve);
      return { run: (await demo()).run, msPerPass: +(t.computeMs / t.passes).toFixed(2) };
    };
    const voted = await solveOnce();
    assert.equal(voted.run.vote, true);
    assert.equal(voted.run.votes?.views, views, 'each pass carries its vote');
    assert.ok(await page.isVisible('#vote-meter'), 'the vote is shown next to the halting confidence');
    assert.equal((await page.textContent('#vote-meter')).trim(), `${voted.run.votes.agree} of ${views} views agree`);
    assert.match(await page.getAttribute('#vote-meter', 'title'), new RegExp(`${voted.run.votes.distinct} different answer`));
    await page.screenshot({ path: join(SHOTS, 'page-vote.png') });
    // the meter follows the pass on screen (replay): pass 1's vote
    const scrub = (v) => page.evaluate((x) => {
      const r = document.getElementById('scrub');
      r.value = x === 'max' ? r.max : x;
      r.dispatchEvent(new Event('input'));
    }, v);
    await scrub('1');
    const first = (await page.textContent('#vote-meter')).trim();
    assert.match(first, new RegExp(`^[1-${views}] of ${views} views agree$`));
    await scrub('max');
    await page.uncheck('#vote');
    const plain = await solveOnce();
    assert.equal(plain.run.vote, false);
    assert.equal(plain.run.votes, null);
    assert.ok(await page.isHidden('#vote-meter'), 'no vote shown without voting');
    report.vote = { msPerPassVoted: voted.msPerPass, passesVoted: voted.run.passes, msPerPassPlain: plain.msPerPass,
                    passesPlain: plain.run.passes, agree: `${voted.run.votes.agree} of ${views}`, firstPass: first };
    await page.check('#vote');
  });

  test('corrupt model files: clear messages, the page keeps working', async () => {
    const before = await demo();
    // 1. random bytes through the file input
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
    await page.setInputFiles('#model-file', { name: 'corrupt.safetensors', mimeType: 'application/octet-stream', buffer: junk });
    await page.waitForSelector('#model-error:not([hidden])');
    const msg1 = await page.textContent('#model-error');
    assert.match(msg1, /corrupt\.safetensors/);
    assert.match(msg1, /header|safetensors|not a TRM/i, `message: ${msg1}`);
    // 2. valid safetensors, but not a TRM model (no config), dropped on the page
    const msg2 = await page.evaluate(async () => {
      const head = JSON.stringify({ __metadata__: { format: 'other' }, x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
      const pad = ' '.repeat((8 - (head.length % 8)) % 8);
      const h = new TextEncoder().encode(head + pad);
      const buf = new Uint8Array(8 + h.length + 4);
      new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
      buf.set(h, 8);
      const dt = new DataTransfer();
      dt.items.add(new File([buf], 'other.safetensors'));
      document.getElementById('model-error').hidden = true;
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
      const t0 = performance.now();
      while (document.getElementById('model-error').hidden && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 20));
      return document.getElementById('model-error').textContent;
    });
    assert.match(msg2, /other\.safetensors/);
    assert.match(msg2, /format|config|not a TRM/i, `message: ${msg2}`);
    assert.equal(await page.isHidden('#drop-overlay'), true, 'drop overlay hidden again');
    await page.screenshot({ path: join(SHOTS, 'page-desktop-error.png') });

    const after = await demo();
    assert.equal(after.model.name, before.model.name, 'the previous model stays loaded');
    assert.equal(await page.isDisabled('#solve'), false, 'Solve still works');
    await page.click('#clear');
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.passes >= 1, null, { timeout: 60000 });
  });

  test('user models: another grid size switches the maze; an unsupported size is refused', async () => {
    const { TRM } = await import('../../web/trm.js');
    const trm = await TRM.load({ wasm: readFileSync(join(ROOT, 'web/trm.wasm')) });
    const tiny = { hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 1,
                   halt_max_steps: 2, puzzle_emb_ndim: 0 };
    const save = (h, w) => {
      const m = trm.createModel({ ...tiny, grid_height: h, grid_width: w }, { seed: 1 });
      const bytes = Buffer.from(m.save());
      m.free();
      return bytes;
    };
    const before = await demo();
    // a 2x3 model is a valid TRM but no maze the page can draw
    await page.evaluate(() => { document.getElementById('model-error').hidden = true; });
    await page.setInputFiles('#model-file', { name: 'tiny-2x3.safetensors', mimeType: 'application/octet-stream', buffer: save(2, 3) });
    await page.waitForSelector('#model-error:not([hidden])');
    const msg = await page.textContent('#model-error');
    assert.match(msg, /tiny-2x3\.safetensors.*grid size 2x3/, `message: ${msg}`);
    assert.equal((await demo()).model.name, before.model.name, 'the previous model stays loaded');
    // a 6x7 model loads, and the page switches to 6x7 mazes
    await page.setInputFiles('#model-file', { name: 'tiny-6x7.safetensors', mimeType: 'application/octet-stream', buffer: save(6, 7) });
    await page.waitForFunction(() => window.trmDemo.state.model?.name === 'tiny-6x7.safetensors' && window.trmDemo.state.h === 6);
    const s = await demo();
    assert.equal(s.w, 7);
    assert.equal(s.grid.length, 42);
    assert.equal((await page.textContent('#vote-label')).trim(), 'Vote (4 views)', 'a non-square maze has 4 views');
    assert.equal(await page.isHidden('#model-error'), true, 'no error shown after a good load');
    assert.match(await page.textContent('#model-select option:checked'), /tiny-6x7/);
    await page.click('#solve');
    await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: 60000 });
    // back to the shipped model through the list
    await page.selectOption('#model-select', '0');
    await page.waitForFunction((n) => window.trmDemo.state.model?.name === n, before.model.name);
    assert.equal((await demo()).h, before.h);
  });

  test('phone width and dark scheme screenshots', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('about:blank'); // a new document: a hash-only change would not reload
    await page.goto(`${url}#seed=${SEED}&speed=0&solve=1`);
    await page.waitForFunction(() => window.trmDemo?.state.run?.state === 'done', null, { timeout: SOLVE_MS });
    await page.screenshot({ path: join(SHOTS, 'page-phone.png') });
    await page.screenshot({ path: join(SHOTS, 'page-phone-full.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'page-desktop-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('about panel: three sentences and the paper link', async () => {
    await page.click('#about-open');
    await page.waitForSelector('#about[open]');
    assert.equal(await page.getAttribute('#about a[href*="arxiv"]', 'href'), 'https://arxiv.org/abs/2510.04871');
    await page.screenshot({ path: join(SHOTS, 'page-about.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#about[open]', { state: 'detached' }); // the open attribute is gone
  });

  // ---- Sudoku mode ----

  const GRID1 = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
  const SUDOKU_FIXTURE = join(ROOT, 'tests/data/sudoku_tiny.safetensors');
  const SHIPPED_SUDOKU_SOLVES = [[1, 'easy'], [1, 'medium']]; // [seed, level]: puzzles the shipped model solves
  let nodeTrm = null;
  const trmInNode = async () => {
    if (!nodeTrm) {
      const { TRM } = await import('../../web/trm.js');
      nodeTrm = await TRM.load({ wasm: readFileSync(join(ROOT, 'web/trm.wasm')) });
    }
    return nodeTrm;
  };
  const sudokuReady = () => page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.task === 'sudoku' &&
    window.trmDemo.state.grid.length === 81 && !window.trmDemo.state.run, null, { timeout: SOLVE_MS });
  // The darkest pixel (R+G+B) of the middle of cell i, and the colour at its upper-left (the background).
  const cellPixels = (cells) => page.evaluate((list) => {
    const c = document.getElementById('maze');
    const g = c.getContext('2d');
    const cw = c.width / 9;
    return list.map((i) => {
      const x0 = (i % 9) * cw, y0 = Math.floor(i / 9) * cw;
      const d = g.getImageData(Math.round(x0 + cw * 0.3), Math.round(y0 + cw * 0.3), Math.round(cw * 0.4), Math.round(cw * 0.4)).data;
      let darkest = 765;
      for (let k = 0; k < d.length; k += 4) darkest = Math.min(darkest, d[k] + d[k + 1] + d[k + 2]);
      const bg = [...g.getImageData(Math.round(x0 + cw * 0.2), Math.round(y0 + cw * 0.2), 1, 1).data].slice(0, 3).join(',');
      return { darkest, bg };
    });
  }, cells);

  // models/index.json without its sudoku entries (served in place of it while a test runs)
  const mazeOnlyIndex = () => JSON.parse(readFileSync(model.overrides['/models/index.json'] ?? join(ROOT, 'models/index.json'), 'utf8'))
    .filter((e) => (e.task ?? 'maze') !== 'sudoku');

  test('sudoku without a sudoku model: generate by difficulty, type and paste puzzles, named errors', async () => {
    await page.route('**/models/index.json', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(mazeOnlyIndex()) }));
    try {
      await sudokuWithoutModel();
    } finally {
      await page.unroute('**/models/index.json');
    }
  });

  async function sudokuWithoutModel() {
    await page.goto('about:blank');
    await page.goto(`${url}#seed=${SEED}`);
    await page.waitForFunction(() => window.trmDemo?.state.ready && window.trmDemo.state.grid && window.trmDemo.state.model,
      null, { timeout: SOLVE_MS });
    const maze = await demo();
    const mazeSteps = await page.inputValue('#max-steps');
    await page.click('label:has(#task-sudoku)');
    await sudokuReady();
    const s0 = await demo();
    assert.equal(s0.model, null, 'no sudoku model in models/index.json');
    assert.match(await page.textContent('#model-info'), /No sudoku model is shipped yet/);
    assert.match(await page.textContent('#pass-detail'), /No sudoku model is shipped yet/);
    assert.equal(await page.textContent('#model-select option:checked'), 'No sudoku model shipped yet');
    assert.ok(await page.isDisabled('#solve'), 'nothing to solve with');
    assert.equal(await page.textContent('h1'), 'TRM sudoku solver');
    assert.ok(await page.isHidden('#maze-card') && await page.isVisible('#sudoku-card') && await page.isVisible('#legend-sudoku'));
    assert.match(await page.evaluate(() => location.hash), /^#task=sudoku&seed=\d+&level=medium$/);
    assert.ok(s0.check.solutions === 1 && s0.check.rating >= 1 && s0.check.rating <= 3, 'medium: rating 1-3');
    await page.screenshot({ path: join(SHOTS, 'page-sudoku-no-model.png') });
    // the maze is kept while the sudoku is shown, and the sudoku while the maze is
    await page.click('label:has(#task-maze)');
    await page.waitForFunction(() => window.trmDemo.state.task === 'maze');
    const m = await demo();
    assert.deepEqual([m.grid, m.model.name], [maze.grid, maze.model.name]);
    assert.equal(await page.inputValue('#max-steps'), mazeSteps, 'each task keeps its own settings');
    assert.equal(await page.textContent('h1'), 'TRM maze solver');
    assert.ok(await page.isVisible('#maze-card') && await page.isHidden('#sudoku-card'));
    assert.match(await page.evaluate(() => location.hash), new RegExp(`^#seed=${SEED}&`));
    await page.click('label:has(#task-sudoku)');
    await sudokuReady();
    assert.equal((await demo()).grid, s0.grid);

    // by difficulty, deterministic from the seed: the same puzzle as trm.generateSudoku in Node
    const trm = await trmInNode();
    const bands = { easy: [0, 0], medium: [1, 3], hard: [4, 15], hardest: [16, undefined] };
    await page.fill('#sudoku-seed', '42');
    for (const level of ['easy', 'hardest']) {
      await page.selectOption('#difficulty', level);
      await page.waitForFunction((l) => window.trmDemo.state.origin?.level === l && window.trmDemo.state.origin.seed === 42 &&
        window.trmDemo.state.check, level, { timeout: 60000 });
      const s = await demo();
      const [minRating, maxRating] = bands[level];
      const ref = trm.generateSudoku({ seed: 42, index: 0, minRating, maxRating, maxGrids: 5000 });
      assert.equal(s.grid, ref.grid, `${level}: the puzzle of seed 42`);
      assert.equal(s.check.rating, ref.rating);
      assert.ok(s.check.rating >= minRating && (maxRating === undefined || s.check.rating <= maxRating));
      assert.equal(await page.evaluate(() => location.hash), `#task=sudoku&seed=42&level=${level}`);
    }
    // the URL alone gives the same puzzle in a fresh page
    await page.goto('about:blank');
    await page.goto(`${url}#task=sudoku&seed=42&level=hard`);
    await sudokuReady();
    const hard = trm.generateSudoku({ seed: 42, index: 0, minRating: 4, maxRating: 15, maxGrids: 5000 });
    assert.equal((await demo()).grid, hard.grid);
    assert.equal(await page.inputValue('#difficulty'), 'hard');

    // typing: click a blank, type a digit that clashes with its row, see the clash named, clear it
    let s = await demo();
    const row = Math.floor(s.grid.indexOf('.') / 9);
    const blank = s.grid.indexOf('.', row * 9);
    const given = [...s.grid.slice(row * 9, row * 9 + 9)].find((ch) => ch !== '.');
    const box = await page.locator('#maze').boundingBox();
    const at = (i) => ({ x: box.x + ((i % 9) + 0.5) * box.width / 9, y: box.y + (Math.floor(i / 9) + 0.5) * box.height / 9 });
    await page.mouse.click(at(blank).x, at(blank).y);
    assert.equal((await demo()).sel, blank);
    await page.keyboard.press(given);
    await page.waitForFunction(() => window.trmDemo.state.checkError);
    s = await demo();
    assert.equal(s.grid[blank], given);
    assert.equal(s.checkError.code, 'bad_grid');
    assert.match(s.checkError.message, new RegExp(`contradictory givens: row ${row} has two ${given}s`));
    assert.match(await page.textContent('#sudoku-error'), /\(bad_grid\): contradictory givens/);
    assert.match(await page.evaluate(() => location.hash), /^#task=sudoku&puzzle=[.1-9]{81}$/);
    await page.screenshot({ path: join(SHOTS, 'page-sudoku-typing.png') });
    await page.keyboard.press('Backspace');
    await page.waitForFunction((i) => window.trmDemo.state.grid[i] === '.' && !window.trmDemo.state.checkError && window.trmDemo.state.check, blank);
    assert.ok(await page.isHidden('#sudoku-error'));
    await page.keyboard.press('ArrowDown');
    assert.equal((await demo()).sel, blank + 9 < 81 ? blank + 9 : blank % 9);

    // pasting: bad text is refused with the module's named error; a drawn grid with '0' blanks is read
    const refused = async (text, code, re) => {
      await page.fill('#sudoku-text', text);
      await page.click('#sudoku-use');
      await page.waitForFunction((c) => document.getElementById('sudoku-error').dataset.code === c &&
        !document.getElementById('sudoku-error').hidden, code);
      assert.match(await page.textContent('#sudoku-error'), re);
    };
    const before = (await demo()).grid;
    await refused('x'.repeat(81), 'bad_charset', /Not a sudoku \(bad_charset\): grid row 0, column 0: character 'x' is not one of "\.123456789"/);
    await refused(GRID1.slice(1), 'size_mismatch', /Not a sudoku \(size_mismatch\): grid has 80 characters, expected 9 x 9 = 81/);
    assert.equal((await demo()).grid, before, 'a refused paste leaves the board as it was');
    await page.screenshot({ path: join(SHOTS, 'page-sudoku-bad-paste.png') });
    const drawn = GRID1.replace(/\./g, '0').match(/.{9}/g).map((r) => `${r.slice(0, 3)} | ${r.slice(3, 6)} | ${r.slice(6)}`);
    drawn.splice(6, 0, '----+-----+----');
    drawn.splice(3, 0, '----+-----+----');
    await page.click('h1');
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', text);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, drawn.join('\n'));
    await page.waitForFunction((g) => window.trmDemo.state.grid === g && window.trmDemo.state.check, GRID1);
    assert.deepEqual((await demo()).check, trm.solveSudoku(GRID1));
    assert.equal(await page.evaluate(() => location.hash), `#task=sudoku&puzzle=${GRID1}`);
    assert.ok(await page.isHidden('#sudoku-error'));

    // a page opened on a sudoku: the maze and its model come the first time Maze is picked
    await page.click('label:has(#task-maze)');
    await page.waitForFunction(() => window.trmDemo.state.task === 'maze' && window.trmDemo.state.model && window.trmDemo.state.grid,
      null, { timeout: SOLVE_MS });
    assert.equal((await demo()).model.name, maze.model.name);
    await page.click('label:has(#task-sudoku)');
    await sudokuReady();
    assert.equal((await demo()).grid, GRID1);
    assert.equal(await page.evaluate(() => location.hash), `#task=sudoku&puzzle=${GRID1}`);
  }

  test('sudoku with a sudoku model: every pass drawn, shaded by confidence; the verdict is trm.verify\'s', async () => {
    // an index with the test's sudoku model after the shipped maze models (and no shipped sudoku model)
    const list = mazeOnlyIndex();
    list.push({ file: 'sudoku-test.safetensors', task: 'sudoku', name: 'Sudoku test model', description: 'tests/data/sudoku_tiny' });
    await page.route('**/models/index.json', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(list) }));
    await page.route('**/models/sudoku-test.safetensors', (r) => r.fulfill({ contentType: 'application/octet-stream', body: readFileSync(SUDOKU_FIXTURE) }));
    try {
      await page.goto('about:blank');
      await page.goto(`${url}#task=sudoku&seed=5&level=easy&speed=1`);
      await page.waitForFunction(() => window.trmDemo?.state.model && window.trmDemo.state.check, null, { timeout: SOLVE_MS });
      const s0 = await demo();
      assert.equal(s0.model.name, 'sudoku-test.safetensors');
      assert.deepEqual(await page.$$eval('#model-select option', (os) => os.map((o) => o.textContent)), ['Sudoku test model'],
        'the list holds the models of the task picked');
      assert.equal((await page.textContent('#vote-label')).trim(), 'Vote (8 views)');
      assert.ok(await page.isChecked('#vote'));

      // step twice, then run to the end: each pass changes the board
      const frames = [await canvasData()];
      await page.click('#step');
      await page.waitForFunction(() => window.trmDemo.state.run?.index === 0);
      frames.push(await canvasData());
      assert.match(await page.textContent('#pass-counter'), /^Pass 1 \/ 8$/);
      await page.click('#step');
      await page.waitForFunction(() => window.trmDemo.state.run?.index === 1);
      frames.push(await canvasData());
      await page.click('#solve');
      await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: SOLVE_MS });
      frames.push(await canvasData());
      assert.ok(frames[0] !== frames[1] && frames[1] !== frames[2] && frames[2] !== frames[3], 'every drawn pass changed the board');
      const s = await demo();
      assert.equal(s.run.passes, 8, '4 supervision steps x 2 passes (the tiny model never halts)');
      assert.equal(s.run.votes.views, 8);

      // the same solve in Node, and the verdict trm.verify gives it
      const trm = await trmInNode();
      const m = trm.loadModel(readFileSync(SUDOKU_FIXTURE));
      const ref = [...m.solver().solve(s.grid, { vote: true, earlyHalt: true })];
      m.free();
      assert.equal(s.run.answer, ref.at(-1).grid, 'the page\'s last pass is Node\'s');
      const check = trm.solveSudoku(s.grid);
      const v = trm.verify(s.grid, s.run.answer, check.solution, { task: 'sudoku' });
      assert.deepEqual(s.run.verdict, v);
      const shown = await page.getAttribute('#verdict', 'data-verdict');
      assert.equal(shown, v.valid ? 'optimal' : 'wrong');
      if (!v.valid) {
        assert.match(await page.textContent('#verdict'), /Wrong · not a solution/);
        assert.ok((await page.textContent('#pass-detail')).includes(v.reason), 'the reason is said');
      } else {
        assert.match(await page.textContent('#verdict'), /Solved · exact/);
      }
      await page.screenshot({ path: join(SHOTS, 'page-sudoku.png') });

      // shading: among the blanks, a digit the views agree on is drawn darker than one they do not;
      // givens sit on their own background
      const conf = ref.at(-1).confidence;
      const blanks = [...s.grid].map((ch, i) => i).filter((i) => s.grid[i] === '.' && /[1-9]/.test(s.run.answer[i]));
      const sure = blanks.filter((i) => conf[i] >= 0.99), unsure = blanks.filter((i) => conf[i] <= 0.26);
      assert.ok(sure.length && unsure.length, `blanks with high (${sure.length}) and low (${unsure.length}) agreement`);
      const givens = [...s.grid].map((ch, i) => i).filter((i) => s.grid[i] !== '.');
      const px = await cellPixels([...sure, ...unsure, givens[0]]);
      const dark = (a) => Math.max(...a.map((p) => p.darkest)), light = (a) => Math.min(...a.map((p) => p.darkest));
      assert.ok(light(px.slice(sure.length, sure.length + unsure.length)) > dark(px.slice(0, sure.length)) + 60,
        `digits by confidence: sure ${px.slice(0, sure.length).map((p) => p.darkest)} vs unsure ${px.slice(sure.length, -1).map((p) => p.darkest)}`);
      assert.notEqual(px.at(-1).bg, px[0].bg, 'a given\'s cell looks unlike a blank\'s');

      // replay goes back to pass 1, whose board is the first frame drawn
      await page.evaluate(() => {
        const r = document.getElementById('scrub');
        r.value = '1';
        r.dispatchEvent(new Event('input'));
      });
      assert.match(await page.textContent('#pass-counter'), /^Pass 1 \//);
      // a model of the other task is refused by name, and the sudoku model stays
      const mazeModel = await (async () => {
        const mm = trm.createModel({ hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 1,
          halt_max_steps: 2, puzzle_emb_ndim: 0, grid_height: 9, grid_width: 9 }, { seed: 1 });
        const b = Buffer.from(mm.save());
        mm.free();
        return b;
      })();
      await page.evaluate(() => { document.getElementById('model-error').hidden = true; });
      await page.setInputFiles('#model-file', { name: 'maze-9x9.safetensors', mimeType: 'application/octet-stream', buffer: mazeModel });
      await page.waitForSelector('#model-error:not([hidden])');
      assert.match(await page.textContent('#model-error'), /maze-9x9\.safetensors is a TRM model of the task 'maze', not a sudoku model; pick Maze above/);
      assert.equal((await demo()).model.name, 'sudoku-test.safetensors');
    } finally {
      await page.unroute('**/models/index.json');
      await page.unroute('**/models/sudoku-test.safetensors');
    }
  });

  // The shipped sudoku model (the first sudoku entry of models/index.json) on a puzzle of each
  // difficulty the page offers by default: the page's answer is Node's (same model, vote, early
  // halt) and its verdict trm.verify's; the easy and medium puzzles of these seeds are solved.
  test('the shipped sudoku model solves on the page as in Node', async (t) => {
    if (model.overrides['/models/index.json']) return t.skip('the page serves a test model list (TRM_PAGE_MODEL)');
    const shipped = JSON.parse(readFileSync(join(ROOT, 'models/index.json'), 'utf8')).find((e) => e.task === 'sudoku');
    if (!shipped) return t.skip('no sudoku model in models/index.json');
    const file = join(ROOT, 'models', shipped.file);
    const trm = await trmInNode();
    for (const [seed, level] of SHIPPED_SUDOKU_SOLVES) {
      await page.goto('about:blank');
      await page.goto(`${url}#task=sudoku&seed=${seed}&level=${level}&speed=0`);
      await page.waitForFunction(() => window.trmDemo?.state.model && window.trmDemo.state.check && !window.trmDemo.state.run,
        null, { timeout: SOLVE_MS });
      const s0 = await demo();
      assert.equal(s0.model.name, shipped.file, 'the shipped sudoku model is the one loaded');
      assert.ok(await page.isChecked('#vote') && await page.isChecked('#early-halt'), 'vote and early halt by default');
      await page.click('#solve');
      await page.waitForFunction(() => window.trmDemo.state.run?.state === 'done', null, { timeout: SOLVE_MS });
      const s = await demo();
      const m = trm.loadModel(readFileSync(file));
      const ref = [...m.solver().solve(s.grid, { vote: true, earlyHalt: true })];
      m.free();
      assert.equal(s.run.answer, ref.at(-1).grid, `${level} (seed ${seed}): the page's answer is Node's`);
      const v = trm.verify(s.grid, s.run.answer, trm.solveSudoku(s.grid).solution, { task: 'sudoku' });
      assert.deepEqual(s.run.verdict, v);
      assert.ok(v.valid && v.exact, `${level} (seed ${seed}) solved: ${v.reason}`);
      assert.match(await page.textContent('#verdict'), /Solved · exact/);
      if (level === 'medium') await page.screenshot({ path: join(SHOTS, 'page-sudoku-shipped.png') });
    }
  });

  test('no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
