// sources.test.mjs: where a model file can come from. Bytes give a Model at once (as before); a
// path, a file: URL, an http URL (a node:http server here), a fetch Response and a Blob give a
// Promise of the same Model; a failed read or HTTP status is a rejected TRMError naming it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ROOT, TRM, TRMError, WASM, loadTRM } from './helpers.mjs';

const FILE = join(ROOT, 'tests/data/maze6_tiny.safetensors');
const BYTES = readFileSync(FILE);
const trm = await loadTRM();
const maze = trm.generateMaze({ size: 6, seed: 4, minPath: 3 });

// What a model does on one maze: every pass's grid and q_halt (same bytes -> same passes).
function fingerprint(m) {
  const s = m.solver();
  const out = [...s.solve(maze, { maxSteps: 2 })].map((p) => `${p.grid}|${p.qHalt}`);
  m.free();
  return out;
}
const REF = fingerprint(trm.loadModel(BYTES));

async function rejects(promise, code, pattern) {
  assert.ok(promise instanceof Promise, 'expected a Promise');
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof TRMError, `expected a TRMError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('loadModel sources', () => {
  let server, base;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/model.safetensors') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BYTES);
      else res.writeHead(404, 'Not Found').end('no');
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  test('bytes still give a Model synchronously', () => {
    const m = trm.loadModel(new Uint8Array(BYTES));
    assert.ok(!(m instanceof Promise));
    assert.deepEqual(fingerprint(m), REF);
    assert.deepEqual(fingerprint(trm.loadModel(BYTES.buffer.slice(BYTES.byteOffset, BYTES.byteOffset + BYTES.length))), REF);
  });

  test('a path, a file: URL (string or URL) and an http URL (string or URL)', async () => {
    for (const src of [FILE, pathToFileURL(FILE), pathToFileURL(FILE).href, `${base}/model.safetensors`, new URL('/model.safetensors', base)]) {
      const p = trm.loadModel(src);
      assert.ok(p instanceof Promise, `${src}: expected a Promise`);
      assert.deepEqual(fingerprint(await p), REF, String(src));
    }
  });

  test('a fetch Response and a Blob (and a File)', async () => {
    assert.deepEqual(fingerprint(await trm.loadModel(await fetch(`${base}/model.safetensors`))), REF);
    assert.deepEqual(fingerprint(await trm.loadModel(new Response(BYTES))), REF);
    assert.deepEqual(fingerprint(await trm.loadModel(new Blob([BYTES]))), REF);
    if (typeof File === 'function') assert.deepEqual(fingerprint(await trm.loadModel(new File([BYTES], 'm.safetensors'))), REF);
  });

  test('options apply to every source; warnings reach onWarning', async () => {
    const seen = [];
    const m = await trm.loadModel(new Blob([BYTES]), { ignoreUnknownTensors: true, onWarning: (w) => seen.push(w) });
    assert.deepEqual(m.skippedTensors, []);
    assert.deepEqual(seen, m.warnings);
    m.free();
    (await trm.loadModel(FILE, null)).free(); // null options mean none, as for bytes
  });

  test('failures are rejected TRMErrors that name the source', async () => {
    await rejects(trm.loadModel(`${base}/missing.safetensors`), 'bad_argument', /loadModel: fetching http:\/\/127\.0\.0\.1:\d+\/missing\.safetensors failed: HTTP 404 Not Found/);
    await rejects(trm.loadModel(await fetch(`${base}/nope`)), 'bad_argument', /HTTP 404/);
    await rejects(trm.loadModel(new Response('gone', { status: 410 })), 'bad_argument', /HTTP 410/);
    await rejects(trm.loadModel(join(ROOT, 'no/such.safetensors')), 'bad_argument', /cannot read .*no\/such\.safetensors: ENOENT/);
    await rejects(trm.loadModel('http://127.0.0.1:1/x'), 'bad_argument', /cannot read http:\/\/127\.0\.0\.1:1\/x/);
    await rejects(trm.loadModel(new Blob([BYTES.subarray(0, 100)])), 'bad_model', /past the end of the file/);
    await rejects(trm.loadModel(FILE, { ignoreUnknown: true }), 'bad_argument', /unknown option 'ignoreUnknown'/);
    await rejects(trm.loadModel(new Blob([BYTES]), { onWarning: 3 }), 'bad_argument', /onWarning must be a function/);
    assert.deepEqual(fingerprint(trm.loadModel(BYTES)), REF); // the instance still works
  });

  test('anything else is refused at once', () => {
    for (const [v, what] of [[42, 'number'], [null, 'null'], [undefined, 'undefined'], [{}, 'object'], [[1, 2], 'object']]) {
      assert.throws(() => trm.loadModel(v), (e) => e instanceof TRMError && e.code === 'bad_argument' &&
        e.message.includes(`a URL or path, a fetch Response or a Blob, not ${what}`), `loadModel(${JSON.stringify(v)})`);
    }
  });
});

test('TRM.load takes a Blob too', async () => {
  const t = await TRM.load({ wasm: new Blob([readFileSync(WASM)]) });
  assert.deepEqual(fingerprint(t.loadModel(BYTES)), REF);
});
