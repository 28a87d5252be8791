// serve.test.mjs: the demo's static server (scripts/serve.mjs): MIME types the page needs, the
// redirect to /web/, and nothing outside the root or under dot folders.
//   node --test tests/browser/serve.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startServer } from '../../scripts/serve.mjs';

let root, outside, server, base;

// A raw GET (fetch would normalise "..", which is exactly what must be tested).
function get(path) {
  return new Promise((ok, fail) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], location: res.headers.location, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'trm-serve-root-'));
  outside = mkdtempSync(join(tmpdir(), 'trm-serve-outside-'));
  mkdirSync(join(root, 'web'));
  mkdirSync(join(root, 'models'));
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, 'web/index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'web/app.js'), 'export {};');
  writeFileSync(join(root, 'web/trm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(root, 'models/index.json'), '[]');
  writeFileSync(join(root, '.git/config'), 'secret');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'web/link.txt'));
  ({ server, url: base } = await startServer({ root, port: 0 }));
});

after(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

test('/ redirects to the page, which is served as HTML', async () => {
  const r = await get('/');
  assert.equal(r.status, 302);
  assert.equal(r.location, '/web/');
  const p = await get('/web/');
  assert.equal(p.status, 200);
  assert.match(p.type, /^text\/html/);
});

test('MIME types: wasm, JavaScript modules, JSON', async () => {
  assert.equal((await get('/web/trm.wasm')).type, 'application/wasm');
  assert.match((await get('/web/app.js')).type, /^text\/javascript/);
  const j = await get('/models/index.json');
  assert.match(j.type, /^application\/json/);
  assert.equal(j.body, '[]');
});

test('nothing outside the root, nothing under dot folders', async () => {
  for (const p of ['/../' + outside.split('/').pop() + '/secret.txt', '/web/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/.git/config', '/web/link.txt', '/missing.js', '/web/%00x']) {
    const r = await get(p);
    assert.equal(r.status, 404, `${p} -> ${r.status}`);
    assert.match(r.body, /^not found: /, p); // the 404 text, not the file
  }
});
