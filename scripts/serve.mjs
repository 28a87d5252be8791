#!/usr/bin/env node
// serve.mjs: a small static file server for the demo page (node:http, no dependencies).
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root DIR] [--quiet]
//
// Serves the repository root (or --root; dot files and folders excepted) so that the page at /web/ can reach the module in web/
// and the shipped models in models/; "/" redirects to "/web/". MIME types matter: browsers refuse
// WebAssembly.instantiateStreaming without application/wasm, and module scripts and Workers
// without a JavaScript type. Only GET/HEAD, only files under the root, no directory listings.
// Port 0 picks a free port; the chosen URL is printed as "serving http://HOST:PORT/web/".
// Also importable: startServer({ root, port, host, overrides }) -> Promise<{ server, url }>, where
// overrides maps a URL path to a file served in its place (tests use it for fixtures).

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import { basename, extname, join, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

function send(res, code, text) {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text + '\n');
}

// Resolves a request path to a file under root, or null. realpath() follows symlinks (the demo may
// link build outputs into place) but the target must still lie inside the root.
async function resolveFile(root, urlPath) {
  let rel;
  try { rel = decodeURIComponent(urlPath.split('?')[0]); } catch { return null; }
  if (rel.includes('\0')) return null;
  if (rel.split('/').some((seg) => seg.startsWith('.') && seg.length > 0)) return null; // .git, ..
  let file = resolve(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    let st = await stat(file);
    if (st.isDirectory()) { file = join(file, 'index.html'); st = await stat(file); }
    if (!st.isFile()) return null;
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return null;
    return { file: real, size: st.size };
  } catch { return null; }
}

export function startServer({ root, port = 8080, host = '127.0.0.1', quiet = true, overrides = {} } = {}) {
  const base = resolve(root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const path = req.url.split('?')[0];
    if (path === '/' || path === '/web') {
      res.writeHead(302, { location: '/web/' });
      return res.end();
    }
    const hit = overrides[path] ? await resolveFile(dirname(resolve(overrides[path])), '/' + basename(overrides[path]))
      : await resolveFile(base, path);
    if (!hit) {
      if (!quiet) console.log(`404 ${path}`);
      return send(res, 404, `not found: ${path}`);
    }
    res.writeHead(200, {
      'content-type': MIME[extname(hit.file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': hit.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(hit.file).on('error', () => res.destroy()).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      ok({ server, url: `http://${host}:${a.port}/web/` });
    });
  });
}

function parseArgs(argv) {
  const o = { port: 8080, host: '127.0.0.1', root: undefined, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') {
      o.port = Number(val());
      if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port: not a port number`);
    } else if (a === '--host') o.host = val();
    else if (a === '--root') o.root = val();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root DIR] [--quiet]');
      process.exit(0);
    } else throw new Error(`unknown option '${a}' (see --help)`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  startServer(opts).then(({ url }) => {
    console.log(`serving ${url}  (Ctrl-C to stop)`);
  }, (e) => {
    console.error(`serve.mjs: cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`);
    process.exit(1);
  });
}
