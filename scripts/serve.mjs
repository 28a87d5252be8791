#!/usr/bin/env node
// serve.mjs: a small static file server for the demo page (node:http, no dependencies).
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root DIR] [--quiet]
//
// Serves only web/ (the library and the module, and the demo page in web/demo/) and models/ (the
// shipped models) of the repository root (or --root), so that the page at /web/demo/ finds the
// library at ../trm.js and ../../models/index.json; everything else (build/, native/, .git, ...)
// and every dot file answers 404; "/" and "/web/" redirect to "/web/demo/". MIME types matter:
// browsers refuse WebAssembly.instantiateStreaming without application/wasm, and module scripts
// and Workers without a JavaScript type. Only GET/HEAD, no directory listings, and every response
// carries the security headers below.
// Host check (against DNS rebinding): requests are answered only when their Host header is
// localhost, 127.0.0.1 or [::1] with the server's port, or the --host address itself; when bound to
// every interface (--host 0.0.0.0 or ::), any IP address is accepted too. Machine names (hostname,
// mDNS .local) are not: open the page by address. Others get 421 with a text explanation.
// A non-loopback --host prints a warning (the page is then reachable from the network); an empty
// --host is refused (Node would silently listen on every interface).
// Port 0 picks a free port; the chosen URL is printed as "serving http://HOST:PORT/web/demo/".
// Also importable: startServer({ root, port, host, overrides }) -> Promise<{ server, url }>, where
// overrides maps a URL path to a file served in its place (tests use it for fixtures).

import { createServer } from 'node:http';
import { open, stat, realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import { pipeline } from 'node:stream';
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

// The top-level folders the page needs; the rest of the repository is not the page's business.
const SERVED = new Set(['web', 'models']);
// The demo page; the addresses people may type for it redirect there.
const PAGE = '/web/demo/';
const TO_PAGE = new Set(['/', '/web', '/web/', '/web/demo']);

// On every response. The CSP allows what the page does and nothing more: module scripts and the
// module Worker from this origin, compiling WebAssembly ('wasm-unsafe-eval'), fetch() of the
// module and models from this origin, style.css (the page sets styles only through the CSSOM,
// which style-src does not restrict), the data: SVG favicon, and the About dialog's
// method="dialog" form. No framing (clickjacking), no referrer, no MIME sniffing.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
    "connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; " +
    "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const unbracket = (h) => h.replace(/^\[(.*)\]$/, '$1');
const bracket = (h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

export function isLoopback(host) {
  const h = unbracket(host.toLowerCase());
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

// Whether a request's Host header names this server. A rebinding attack makes a name the
// attacker owns (evil.example) resolve to this machine, so the browser sends "Host: evil.example";
// an IP address is never such a name, which is why a wildcard bind may accept any of them.
export function hostAllowed(header, boundHost, port) {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(header ?? '');
  if (!m || Number(m[2] ?? 80) !== port) return false;
  const name = m[1].toLowerCase();
  if (['localhost', '127.0.0.1', '[::1]', bracket(boundHost.toLowerCase())].includes(name)) return true;
  return ['0.0.0.0', '::', '[::]'].includes(boundHost) && isIP(unbracket(name)) !== 0;
}

function send(res, code, text, headers = {}) {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text + '\n');
}

// Resolves a request path to a file under root, or null; with tops, the path's first folder must
// be one of them. realpath() follows symlinks (the demo may link build outputs into place) but the
// target must still lie inside the root.
async function resolveFile(root, urlPath, tops) {
  let rel;
  try { rel = decodeURIComponent(urlPath); } catch { return null; }
  if (rel.includes('\0')) return null;
  const segs = rel.split('/');
  if (segs.some((seg) => seg.startsWith('.') && seg.length > 0)) return null; // .git, ..
  if (tops && (segs[0] !== '' || !tops.has(segs[1]))) return null;
  let file = resolve(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    let st = await stat(file);
    if (st.isDirectory()) { file = join(file, 'index.html'); st = await stat(file); }
    if (!st.isFile()) return null;
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return null;
    return real;
  } catch { return null; }
}

// Sends a file. It is opened before the headers go out, so an unreadable file is a 404 and not a
// 200 with no body. pipeline() destroys the file stream, closing its descriptor, when the client
// goes away mid-download (.pipe() kept it open for good: one leaked fd per aborted download); a
// read error after the headers can only cut the body short, and pipeline() then destroys the
// response, so the client sees a truncated download rather than a hang.
async function sendFile(req, res, file, quiet) {
  let fh;
  try { fh = await open(file, 'r'); } catch { return false; }
  let size;
  try { size = (await fh.stat()).size; } catch { await fh.close(); return false; }
  res.writeHead(200, {
    'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    await fh.close();
    res.end();
    return true;
  }
  pipeline(fh.createReadStream(), res, (e) => {
    if (e && !quiet && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(`serve.mjs: ${req.url}: ${e.message}`);
  });
  return true;
}

export function startServer({ root, port = 8080, host = '127.0.0.1', quiet = true, overrides = {} } = {}) {
  if (typeof host !== 'string' || host === '') return Promise.reject(new Error('host must be a non-empty address'));
  const base = resolve(root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const handle = async (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const own = server.address().port;
    if (!hostAllowed(req.headers.host, host, own)) {
      const names = `localhost, 127.0.0.1, [::1]${isLoopback(host) ? '' : `, ${bracket(host)}`}`;
      return send(res, 421, `refused: Host '${req.headers.host ?? ''}' is not this server (it answers only to ` +
        `${names} on port ${own}, against DNS rebinding); open http://127.0.0.1:${own}${PAGE}`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const path = req.url.split('?')[0];
    if (TO_PAGE.has(path)) {
      res.writeHead(302, { location: PAGE });
      return res.end();
    }
    const hit = overrides[path] ? await resolveFile(dirname(resolve(overrides[path])), '/' + basename(overrides[path]))
      : await resolveFile(base, path, SERVED);
    if (!hit || !(await sendFile(req, res, hit, quiet))) {
      if (!quiet) console.log(`404 ${path}`);
      return send(res, 404, `not found: ${path}`);
    }
  };
  const server = createServer((req, res) => handle(req, res).catch((e) => {
    if (!quiet) console.error(`serve.mjs: ${req.url}: ${e.message}`);
    if (res.headersSent) res.destroy(); else send(res, 500, 'internal error');
  }));
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      ok({ server, url: `http://${bracket(host)}:${a.port}${PAGE}` });
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
    } else if (a === '--host') {
      o.host = val();
      if (o.host === '') throw new Error("--host: empty address (Node would listen on every interface; say 0.0.0.0 if that is meant)");
    } else if (a === '--root') o.root = val();
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
  if (!isLoopback(opts.host)) {
    console.error(`serve.mjs: warning: --host ${opts.host} is not a loopback address: the page and models/ are ` +
      'reachable from the network by anyone who can reach this machine');
  }
  startServer(opts).then(({ url }) => {
    console.log(`serving ${url}  (Ctrl-C to stop)`);
  }, (e) => {
    console.error(`serve.mjs: cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`);
    process.exit(1);
  });
}
