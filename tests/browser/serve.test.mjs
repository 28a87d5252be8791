// serve.test.mjs: the demo's static server (scripts/serve.mjs): MIME types the page needs, the
// redirects to the page /web/demo/, only web/ and models/ served (nothing outside the root or under dot folders),
// the Host check against DNS rebinding, the security headers, no descriptor leaked by aborted
// downloads, and the --host checks of the command line.
//   node --test tests/browser/serve.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { startServer, hostAllowed } from '../../scripts/serve.mjs';

const SERVE = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/serve.mjs');
const BIG = 4 << 20; // bytes of web/big.bin: far more than one socket write, so a download can be cut mid-stream

let root, outside, server, base, port;

// A raw GET (fetch would normalise "..", which is exactly what must be tested); headers may set Host.
function get(path, headers = {}) {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], location: res.headers.location,
        headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

// Starts a download of path and drops the connection as soon as the first chunk arrives.
function abortedGet(path) {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.once('data', () => { req.destroy(); ok(); });
    });
    req.on('error', (e) => (req.destroyed ? ok() : fail(e)));
    req.end();
  });
}

// Runs node scripts/serve.mjs args; resolves with { code, stdout, stderr } at exit, or once
// stdout + stderr match until (the child is then killed: it may be listening), or after 5 s
// (killed, code null: it kept serving when it should have exited).
function runCli(args, until) {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [SERVE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill(), 5000);
    child.on('exit', () => clearTimeout(timer));
    const out = { stdout: '', stderr: '' };
    for (const k of ['stdout', 'stderr']) {
      child[k].on('data', (d) => {
        out[k] += d;
        if (until && until.test(out.stdout + out.stderr)) child.kill();
      });
    }
    child.on('exit', (code) => ok({ code, ...out }));
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'trm-serve-root-'));
  outside = mkdtempSync(join(tmpdir(), 'trm-serve-outside-'));
  for (const d of ['web/demo', 'models', '.git', 'build/bin', 'native', 'core']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'web/demo/index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'web/demo/app.js'), 'export {};');
  writeFileSync(join(root, 'web/trm.js'), 'export {};');
  writeFileSync(join(root, 'web/trm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(root, 'web/big.bin'), Buffer.alloc(BIG, 7));
  writeFileSync(join(root, 'models/index.json'), '[]');
  writeFileSync(join(root, '.git/config'), 'secret');
  writeFileSync(join(root, 'build/bin/trm-solve'), 'binary');
  writeFileSync(join(root, 'native/trm_solve.c'), 'int main(void) { return 0; }');
  writeFileSync(join(root, 'core/trm.h'), '#pragma once');
  writeFileSync(join(root, 'CMakeLists.txt'), 'project(x)');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'web/link.txt'));
  ({ server, url: base } = await startServer({ root, port: 0 }));
  port = Number(new URL(base).port);
});

after(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

test('/, /web and /web/ redirect to the page, which is served as HTML', async () => {
  for (const path of ['/', '/web', '/web/', '/web/demo']) {
    const r = await get(path);
    assert.equal(r.status, 302, path);
    assert.equal(r.location, '/web/demo/', path);
  }
  assert.equal(base.replace(/^http:\/\/[^/]+/, ''), '/web/demo/', 'startServer gives the page\'s URL');
  const p = await get('/web/demo/');
  assert.equal(p.status, 200);
  assert.match(p.type, /^text\/html/);
});

test('MIME types: wasm, JavaScript modules, JSON', async () => {
  assert.equal((await get('/web/trm.wasm')).type, 'application/wasm');
  assert.match((await get('/web/trm.js')).type, /^text\/javascript/);
  assert.match((await get('/web/demo/app.js')).type, /^text\/javascript/);
  const j = await get('/models/index.json');
  assert.equal(j.status, 200);
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

test('only web/ and models/ are served: build outputs, sources and the rest of the root are 404', async () => {
  for (const p of ['/build/bin/trm-solve', '/native/trm_solve.c', '/core/trm.h', '/.git/config', '/CMakeLists.txt',
    '/%62uild/bin/trm-solve', '/web/../build/bin/trm-solve', '/build/', '/native']) {
    const r = await get(p);
    assert.equal(r.status, 404, `${p} -> ${r.status}`);
    assert.match(r.body, /^not found: /, p);
  }
  assert.equal((await get('/web/demo/')).status, 200);
  assert.equal((await get('/models/index.json')).status, 200);
});

test('Host check: loopback names with the port are answered, other names get 421 (DNS rebinding)', async () => {
  for (const h of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await get('/web/demo/', { host: h })).status, 200, h);
  }
  for (const h of [`evil.example:${port}`, 'evil.example', `localhost:${port + 1}`, `localhost.evil.example:${port}`,
    `127.0.0.1.nip.io:${port}`, `10.0.0.1:${port}`]) {
    const r = await get('/web/demo/', { host: h });
    assert.equal(r.status, 421, h);
    assert.match(r.body, /^refused: Host '.*' is not this server .*DNS rebinding/, h);
    assert.doesNotMatch(r.body, /<title>/, h); // not the page
  }
  // The rule itself, for binds a test should not open: a named or wildcard --host.
  assert.equal(hostAllowed('demo.lan:8080', 'demo.lan', 8080), true);
  assert.equal(hostAllowed('evil.example:8080', 'demo.lan', 8080), false);
  assert.equal(hostAllowed('192.168.1.5:8080', '0.0.0.0', 8080), true);   // wildcard: any address
  assert.equal(hostAllowed('[fe80::1]:8080', '::', 8080), true);
  assert.equal(hostAllowed('evil.example:8080', '0.0.0.0', 8080), false); // ... but no name
  assert.equal(hostAllowed('192.168.1.5:8080', '192.168.1.5', 8080), true);
  assert.equal(hostAllowed('192.168.1.6:8080', '192.168.1.5', 8080), false);
  assert.equal(hostAllowed('[::1]:8080', '::1', 8080), true);
  assert.equal(hostAllowed('localhost', '127.0.0.1', 80), true);          // no port = 80
  assert.equal(hostAllowed(undefined, '127.0.0.1', 8080), false);
});

test('security headers on every response (page, wasm, 404, redirect, 421)', async () => {
  const rs = [await get('/web/demo/'), await get('/web/trm.wasm'), await get('/build/bin/trm-solve'), await get('/'),
    await get('/web/demo/', { host: 'evil.example' })];
  for (const r of rs) {
    assert.equal(r.headers['x-content-type-options'], 'nosniff', String(r.status));
    assert.equal(r.headers['x-frame-options'], 'DENY', String(r.status));
    assert.equal(r.headers['referrer-policy'], 'no-referrer', String(r.status));
    const csp = r.headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /worker-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
  }
});

test('aborted downloads leak no file descriptors', { skip: !existsSync('/proc/self/fd') && 'no /proc/self/fd' }, async () => {
  const fds = () => readdirSync('/proc/self/fd').length;
  await abortedGet('/web/big.bin'); // warm up (lazy handles of the first request)
  await new Promise((r) => setTimeout(r, 100));
  const before = fds();
  for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 20 }, () => abortedGet('/web/big.bin')));
  // The server sees each close a moment later; wait for the count to settle (2 s at most).
  let now = fds();
  for (let t = 0; t < 40 && now > before + 10; t++) {
    await new Promise((r) => setTimeout(r, 50));
    now = fds();
  }
  assert.ok(now <= before + 10, `open fds grew from ${before} to ${now} after 200 aborted downloads`);
  // and the server still answers
  const r = await get('/web/big.bin');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, BIG);
});

test("--host '' is refused with exit code 2", async () => {
  const r = await runCli(['--host', '', '--port', '0']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--host: empty address/);
});

test('a non-loopback --host warns that the page is reachable from the network', async () => {
  // 192.0.2.1 is TEST-NET-1 (documentation only): the warning comes before listening, which then fails.
  const r = await runCli(['--host', '192.0.2.1', '--port', '0'], /warning[^\n]*\n/);
  assert.match(r.stderr, /warning: --host 192\.0\.2\.1 is not a loopback address: .*reachable from the network/);
  const loop = await runCli(['--host', '127.0.0.1', '--port', '0'], /serving http:\/\/127\.0\.0\.1:\d+\/web\/demo\//);
  assert.match(loop.stdout, /serving http/);
  assert.doesNotMatch(loop.stderr, /warning/);
});
