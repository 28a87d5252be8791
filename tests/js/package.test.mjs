// package.test.mjs: the library as others get it. `npm pack` of web/ (web/package.json) holds
// exactly the library files; installed offline into a fresh project, it is imported by name and
// solves a maze with the shipped model (on this thread and in a TRMWorker); and esbuild bundles
// a page importing it for browsers without errors, warnings or any 'node:' import.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { ROOT, WASM } from './helpers.mjs';

const run = promisify(execFile);
const MODEL = join(ROOT, 'models/maze-11x11-mix.safetensors');
const LIBRARY = ['package.json', 'trm-arc.js', 'trm-common.js', 'trm-model-file.js', 'trm-model.js', 'trm-worker-thread.js', 'trm-worker.js',
  'trm.d.ts', 'trm.js', 'trm.wasm'];

// npm with a cache of its own (the test must not depend on, or fill, the user's) and no network.
const npm = (args, cwd, cache) => run('npm', [...args, '--cache', cache, '--offline', '--no-audit', '--no-fund', '--loglevel=error'],
  { cwd, timeout: 60000, env: { ...process.env, npm_config_update_notifier: 'false' } });

// A page's code using the library by its name: what the bundle must hold.
const ENTRY = `import { TRM, TRMWorker } from 'trm.c';
const trm = await TRM.load();
const model = await trm.loadModel(new URL('./model.safetensors', location.href));
const maze = model.generateMaze({ seed: 1 });
const worker = await TRMWorker.create();
const wm = await worker.loadModel(await fetch('./model.safetensors'));
for await (const pass of wm.solve(maze)) document.title = pass.grid;
`;

// The same in Node: solve on this thread and in a worker; print what the test checks.
const SOLVE = `import { TRM, TRMWorker, TRMError } from 'trm.c';
const trm = await TRM.load();
const model = await trm.loadModel(process.argv[2]);
const maze = model.generateMaze({ seed: 5, index: 2 });
let last;
for (const p of model.solver().solve(maze, { maxSteps: 16 })) last = p;
const worker = await TRMWorker.create();
const wm = await worker.loadModel(process.argv[2]);
const r = await wm.solve(maze, { maxSteps: 16 }).result;
worker.terminate();
console.log(JSON.stringify({ from: import.meta.resolve('trm.c'), verdict: trm.verify(maze, last.grid, maze.answer),
  sameInWorker: r.last.grid === last.grid, trmError: new TRMError('x', 'y') instanceof Error }));
`;

describe('npm package', () => {
  let tmp, project, tarball, files;
  before(async () => {
    assert.ok(existsSync(WASM), `${WASM} is missing: run scripts/build_wasm.sh first (the package ships it)`);
    tmp = mkdtempSync(join(tmpdir(), 'trm-package-'));
    const cache = join(tmp, 'npm-cache');
    const { stdout } = await npm(['pack', '--json', '--pack-destination', tmp], join(ROOT, 'web'), cache);
    const info = JSON.parse(stdout)[0];
    tarball = join(tmp, info.filename);
    files = info.files.map((f) => f.path).sort();
    project = join(tmp, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-trm', private: true, type: 'module' }));
    await npm(['install', '--ignore-scripts', tarball], project, cache);
  });
  after(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

  test('the tarball holds the library and nothing else', () => {
    assert.deepEqual(files, [...LIBRARY].sort());
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/trm.c/package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].types, './trm.d.ts');
    assert.equal(pkg.types, './trm.d.ts');
    for (const f of LIBRARY) assert.ok(existsSync(join(project, 'node_modules/trm.c', f)), `${f} is installed`);
    const shipped = readFileSync(join(project, 'node_modules/trm.c/trm.wasm'));
    assert.ok(shipped.equals(readFileSync(WASM)), 'the installed trm.wasm is the built one');
  });

  test('imported by name, it solves a maze with the shipped model, here and in a worker', async () => {
    writeFileSync(join(project, 'solve.mjs'), SOLVE);
    const { stdout } = await run(process.execPath, ['solve.mjs', MODEL], { cwd: project, timeout: 30000 });
    const out = JSON.parse(stdout);
    assert.equal(out.from, `file://${join(project, 'node_modules/trm.c/trm.js')}`, 'resolved from the installed package');
    assert.equal(out.verdict.valid, true, JSON.stringify(out.verdict));
    assert.equal(out.sameInWorker, true);
    assert.equal(out.trmError, true);
  });

  test('esbuild bundles it for browsers: no error, no warning, no node: import', async (t) => {
    let esbuild;
    try {
      esbuild = await import('esbuild');
    } catch (e) {
      assert.fail(`npm package esbuild is missing (run npm ci in the repository root): ${e.message}`);
    }
    writeFileSync(join(project, 'entry.mjs'), ENTRY);
    const r = await esbuild.build({
      absWorkingDir: project, entryPoints: ['entry.mjs'], bundle: true, platform: 'browser', format: 'esm',
      target: 'es2022', write: false, metafile: true, logLevel: 'silent',
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map((w) => w.text), []);
    const inputs = Object.keys(r.metafile.inputs).sort();
    assert.deepEqual(inputs, ['entry.mjs', ...['trm-arc.js', 'trm-common.js', 'trm-model-file.js', 'trm-model.js', 'trm-worker.js', 'trm.js']
      .map((f) => `node_modules/trm.c/${f}`)]);
    const code = r.outputFiles[0].text;
    const nodeImport = code.match(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']node:[^"']*["']/);
    assert.equal(nodeImport, null, `the bundle imports a Node built-in: ${nodeImport?.[0]}`);
    assert.match(code, /trm-worker-thread\.js/, 'the worker script is still found next to the module');
    t.diagnostic(`bundle: ${code.length} bytes from ${inputs.length} files`);
  });
});
