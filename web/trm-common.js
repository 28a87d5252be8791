// trm-common.js: what trm.js, trm-model.js, trm-model-file.js and the Worker modules share:
// TRMError, argument checks (options, grids, 64-bit seeds), core's status codes, and reading bytes
// from the places a module or model file can come from (bytes, a URL or path, a fetch Response, a
// Blob). Not an entry point: import from './trm.js'.

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** An error from this library: `code` is stable (see trm.d.ts), `message` says what is wrong. */
export class TRMError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'TRMError';
    this.code = code;
  }
}

export const fail = (code, message) => { throw new TRMError(code, message); };

// A Node built-in, imported through a computed specifier so that bundlers building for browsers
// (esbuild, webpack, rollup/Vite) neither fail on 'node:' nor pull it in; only Node runs this.
export const importNode = (name) => import(/* webpackIgnore: true */ /* @vite-ignore */ `node:${name}`);

const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

// An options argument: undefined or null mean none; anything else must be a plain object whose
// keys are all known (a misspelt key is an error, not a silent default).
export function optionsArg(o, what, known) {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) fail('bad_argument', `${what}: options must be an object, not ${typeName(o)}`);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail('bad_argument', `${what}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
  return o;
}

export function boolOption(v, what, dflt) {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail('bad_argument', `${what} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

export function intOption(v, what, lo, hi) {
  if (!Number.isInteger(v) || v < lo || v > hi) fail('bad_argument', `${what} ${v} must be an integer in [${lo}, ${hi}]`);
  return v;
}

export const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);

export function toBytes(bytes, what) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return fail('bad_argument', `${what} must be an ArrayBuffer or a typed array, not ${typeName(bytes)}`);
}

// Duck-typed so that a Response or Blob of another realm (an iframe, undici) is recognised too.
export const isResponse = (v) => !!v && typeof v === 'object' && typeof v.arrayBuffer === 'function' && typeof v.ok === 'boolean';
export const isBlob = (v) => (typeof Blob === 'function' && v instanceof Blob) ||
  (!!v && typeof v === 'object' && typeof v.arrayBuffer === 'function' && typeof v.size === 'number' && typeof v.type === 'string');
export const isUrl = (v) => typeof v === 'string' || v instanceof URL;

// A URL or path: in Node a local file (a path, or a file: URL) is read from disk, since Node's
// fetch cannot read files; everything else (and everything in a browser) is fetched. Returns
// Uint8Array bytes or a Response (not yet checked: see checkResponse).
export async function fetchOrRead(url) {
  const href = String(url);
  if (isNode && !/^(https?|data|blob):/i.test(href)) {
    const { readFile } = await importNode('fs/promises');
    // Copied into a buffer of its own (a Buffer may share a pool), which a worker may then take.
    return new Uint8Array(await readFile(href.startsWith('file:') ? new URL(href) : href));
  }
  return fetch(url);
}

export function checkResponse(r, what) {
  if (!r.ok) {
    const status = `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
    fail('bad_argument', `${what}: fetching ${r.url || 'the response'} failed: ${status}`);
  }
  return r;
}

/**
 * The bytes of a file given as a URL or path, a fetch Response or a Blob (a File): a Uint8Array.
 * Failures (no such file, network, HTTP status) are TRMError 'bad_argument' naming the source.
 */
export async function readSource(src, what) {
  let r;
  try {
    r = isUrl(src) ? await fetchOrRead(src) : src;
    if (r instanceof Uint8Array) return r;
    if (isResponse(r)) return new Uint8Array(await checkResponse(r, what).arrayBuffer());
    if (isBlob(r)) return new Uint8Array(await r.arrayBuffer());
  } catch (e) {
    if (e instanceof TRMError) throw e;
    const cause = e.cause?.message ? ` (${e.cause.message})` : ''; // fetch's "fetch failed" says little alone
    fail('bad_argument', `${what}: cannot read ${isUrl(src) ? String(src) : 'the body'}: ${e.message}${cause}`);
  }
  return fail('bad_argument', `${what}: not a URL, path, Response or Blob`);
}

// Maze generators by name, as core numbers them (trm_web_maze_generate's algorithm).
export const ALGORITHMS = { lehnert: 0, dfs: 1, 'dfs-any': 2, sparse: 3 };

// trm_status values of core/include/trm.h, plus trm_web.c's code for a character outside the charset.
export const S = { OK: 0, INVALID: 1, UNKNOWN_KEY: 2, FORMAT: 3, SHAPE: 4, NOMEM: 5, NONFINITE: 6, STATE: 7, CHARSET: 64 };

// ---- grid and seed arguments (trm.js and trm-model.js) ---------------------------------------

export const sigmoid = (x) => 1 / (1 + Math.exp(-x));

// 64-bit seeds as (lo, hi) uint32 halves; numbers must be safe non-negative integers.
export function split64(v, what) {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) fail('bad_argument', `${what} ${v} must be a non-negative safe integer or a BigInt`);
    return [v % 2 ** 32, Math.floor(v / 2 ** 32)];
  }
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) fail('bad_argument', `${what} ${v} is outside [0, 2^64)`);
    return [Number(v & 0xffffffffn), Number(v >> 32n)];
  }
  return fail('bad_argument', `${what} must be a number or a BigInt, not ${typeof v}`);
}

export const cellName = (i, w) => `row ${Math.floor(i / w)}, column ${i % w}`;

// A grid given as "rows joined by \n" becomes one row-major string; returns { text, h, w }.
function parseRows(text, what) {
  const rows = text.split(/\r?\n/);
  if (rows.length > 1 && rows[rows.length - 1] === '') rows.pop();
  const w = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== w) fail('size_mismatch', `${what}: row ${i} has ${r.length} characters, row 0 has ${w}`);
  });
  return { text: rows.join(''), h: rows.length, w };
}

// Any grid argument: a string (square, or rows joined by \n), or an object { grid, height, width }
// such as a generated maze; `shape` ({h, w}) is what the caller requires, if anything.
export function gridArg(g, what, shape) {
  let text, h, w;
  if (g && typeof g === 'object' && typeof g.grid === 'string' && (g.height !== undefined || g.width !== undefined)) {
    ({ text, h, w } = g.grid.includes('\n') ? parseRows(g.grid, what) : { text: g.grid, h: g.height, w: g.width });
  } else if (g && typeof g === 'object' && typeof g.grid === 'string') {
    return gridArg(g.grid, what, shape); // e.g. a Pass: only its characters
  } else if (typeof g === 'string') {
    if (g.includes('\n')) ({ text, h, w } = parseRows(g, what));
    else if (shape) ({ h, w } = shape), text = g;
    else {
      text = g;
      h = w = Math.round(Math.sqrt(g.length));
      if (h * w !== g.length || g.length === 0) {
        fail('bad_argument', `${what}: cannot tell the height and width of a grid of ${g.length} characters ` +
          '(not a square); pass rows separated by "\\n" or { grid, height, width }');
      }
    }
  } else if (Array.isArray(g)) {
    return fail('unsupported_task', `${what}: an ARC grid (an array of rows) is for models of the task 'arc'; this grid is ` +
      'a string or { grid, height, width }');
  } else {
    return fail('bad_argument', `${what} must be a string or { grid, height, width }, not ${g === null ? 'null' : typeof g}`);
  }
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) fail('bad_argument', `${what}: height and width must be positive integers`);
  if (shape && (h !== shape.h || w !== shape.w)) {
    fail('size_mismatch', `${what} is ${h} x ${w}, expected ${shape.h} x ${shape.w}`);
  }
  if (text.length !== h * w) {
    fail('size_mismatch', `${what} has ${text.length} characters, expected ${h} x ${w} = ${h * w}`);
  }
  return { text, h, w };
}

// Characters the C side cannot even see (non-ASCII) are reported here, naming the charset of the
// grid's task; others by core's tokenizer.
export function checkAscii(text, w, what, charset) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      fail('bad_charset', `${what} ${cellName(i, w)}: character ${JSON.stringify(text[i])} is not one of "${charset}"`);
    }
  }
}
