// trm-model-file.js: the model file format (DESIGN.md §4) on the JavaScript side: the safetensors
// container (8-byte header length, JSON header, raw little-endian data) read strictly with
// JSON.parse, __metadata__ (format, config, training), and writing tensors back as F32/BF16/F16.
// The tensors' names, shapes and values are checked by core when trm.js loads them into the
// module; this file checks everything core cannot see (the container, and strings JavaScript
// holds but C would cut at a NUL). Not an entry point: import from './trm.js'.
import { ALGORITHMS, fail } from './trm-common.js';

export const MODEL_FORMAT = 'trm.c/1';
const MAX_HEADER = 100 * 1000 * 1000; // same limit as native/safetensors.c
const DTYPE_SIZE = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

// Every key trm_config_to_json (core/config.c) writes: a file without one would otherwise run
// with a default hyper-parameter it was not trained with, and predict nonsense without an error.
// 'task' and 'charset' are the exceptions (DESIGN.md §4 makes charset optional; files written
// before tasks existed hold mazes, the default task, and the PyTorch reference's golden fixtures
// write neither).
export const REQUIRED_CONFIG_KEYS = [
  'hidden_size', 'num_heads', 'expansion', 'L_layers', 'H_cycles', 'L_cycles', 'halt_max_steps',
  'halt_exploration_prob', 'puzzle_emb_len', 'puzzle_emb_ndim', 'num_puzzle_identifiers', 'pos_encodings',
  'mlp_t', 'rms_norm_eps', 'rope_theta', 'vocab_size', 'seq_len', 'grid_height', 'grid_width',
];

// ---- reading ------------------------------------------------------------------------------

// The JSON header of a safetensors file: { header (the parsed object), hlen (its byte length) }.
function decodeHeader(buf) {
  if (buf.length < 8) fail('bad_model', `file too short: ${buf.length} bytes, a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail('bad_model', `absurd header length ${n} (limit ${MAX_HEADER} bytes): not a safetensors file`);
  const hlen = Number(n);
  if (8 + hlen > buf.length) fail('bad_model', `header length ${hlen} goes past the end of the file (${buf.length} bytes): truncated?`);
  if (hlen === 0) fail('bad_model', 'header is empty (header length 0)');
  let text, header;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + hlen));
  } catch {
    fail('bad_model', 'header is not valid UTF-8');
  }
  if (text.includes('\0')) rawNul(text);
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail('bad_model', `header is not valid JSON: ${e.message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('bad_model', 'header must be a JSON object');
  const dup = firstDuplicateKey(text);
  if (dup?.depth === 1) {
    fail('bad_model', dup.key === '__metadata__' ? 'header has __metadata__ 2 times'
      : `tensor '${dup.key}' appears twice in the header`);
  }
  if (dup?.depth === 2 && dup.within === '__metadata__') fail('bad_model', `__metadata__ has the key '${dup.key}' twice`);
  if (dup) fail('bad_model', `header entry '${dup.within}' has the key '${dup.key}' twice`);
  return { header, hlen };
}

// JSON.parse keeps the last of two equal keys, so a file with a tensor or a metadata key written
// twice would load with one of them silently dropped; native/ refuses such files, and so do we.
// text is valid JSON (JSON.parse took it). Returns the first key repeated within one object, as
// { key, depth (1: the top-level object), within (the key the object hangs under, or null) },
// or null.
function firstDuplicateKey(text) {
  const open = []; // per open container: { keys: Set of an object's keys, or null for an array, ... }
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = open.at(-1);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1));
        if (top.keys.has(key)) return { key, depth: open.length, within: top.within };
        top.keys.add(key);
        top.expectKey = false;
        top.lastKey = key;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const parent = open.at(-1);
      open.push({ keys: c === '{' ? new Set() : null, expectKey: true, within: parent?.keys ? parent.lastKey : null });
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',' && open.at(-1)?.keys) {
      open.at(-1).expectKey = true;
    }
  }
  return null;
}

// A raw NUL byte is not valid JSON, but JSON.parse's message would not say where it is: name the
// string it is in (a tensor name, most likely), written with the NUL as \u0000.
function rawNul(text) {
  const at = text.indexOf('\0');
  let start = -1;
  for (let i = 0; i < at; i++) { // find the string around `at`: quotes outside escapes
    if (text[i] === '"') start = start < 0 ? i : -1;
    else if (text[i] === '\\' && start >= 0) i++;
  }
  if (start < 0) fail('bad_model', `header is not valid JSON: a NUL character at character ${at}, outside any string`);
  const end = text.indexOf('"', at);
  const str = text.slice(start + 1, end < 0 ? text.length : end);
  fail('bad_model', `header string ${JSON.stringify(str)} holds a raw NUL character (at character ${at}): ` +
    'names and values must not contain NUL');
}

export function parseSafetensors(buf) {
  const { header, hlen } = decodeHeader(buf);
  // Absent is allowed (the loader then names the missing config); null is not absent.
  const meta = Object.hasOwn(header, '__metadata__') ? header.__metadata__ : {};
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
    fail('bad_model', `__metadata__ must be an object of strings, but it is ${meta === null ? 'null' : Array.isArray(meta) ? 'an array' : typeof meta}`);
  }
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') fail('bad_model', `__metadata__ entry '${k}' must be a string, but it is ${typeof v}`);
    if (k.includes('\0') || v.includes('\0')) {
      fail('bad_model', `__metadata__ entry ${JSON.stringify(k)}: a NUL character in ${k.includes('\0') ? 'the key' : 'the value'}`);
    }
  }
  const dataStart = 8 + hlen, dataLen = buf.length - dataStart;
  const tensors = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.push(checkTensorEntry(name, t, dataLen, buf, dataStart));
  }
  // Offsets must tile the data buffer exactly: no overlap, no hole (as the reference reader).
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0, prev = null;
  for (const t of sorted) {
    if (t.begin < at) {
      fail('bad_model', `tensors '${prev.name}' [${prev.begin}, ${prev.end}) and '${t.name}' [${t.begin}, ${t.end}) overlap`);
    }
    prev = t;
    if (t.begin > at) fail('bad_model', `hole in the data buffer: bytes [${at}, ${t.begin}) before tensor '${t.name}'`);
    at = t.end;
  }
  if (at !== dataLen) fail('bad_model', `hole in the data buffer: bytes [${at}, ${dataLen}) after the last tensor`);
  return { meta, tensors };
}

function checkTensorEntry(name, t, dataLen, buf, dataStart) {
  // Names reach core as C strings: "lm_head.weight\u0000junk" would be read as lm_head.weight.
  if (name.includes('\0')) fail('bad_model', `tensor ${JSON.stringify(name)}: a NUL character in its name`);
  if (!t || typeof t !== 'object' || Array.isArray(t)) fail('bad_model', `tensor '${name}': entry must be an object`);
  // Own keys only: a plain object would also 'know' 'constructor', 'toString', '__proto__'.
  const size = Object.hasOwn(DTYPE_SIZE, t.dtype) ? DTYPE_SIZE[t.dtype] : 0;
  if (typeof t.dtype !== 'string') fail('bad_model', `tensor '${name}': missing or non-string "dtype"`);
  if (!size) fail('bad_model', `tensor '${name}': unknown dtype '${t.dtype}'`);
  if (!Array.isArray(t.shape) || t.shape.length > 8 || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('bad_model', `tensor '${name}': "shape" must be an array of at most 8 non-negative integers`);
  }
  const o = t.data_offsets;
  if (!Array.isArray(o) || o.length !== 2 || !o.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('bad_model', `tensor '${name}': "data_offsets" must be two non-negative integers`);
  }
  const [begin, end] = o;
  if (begin > end) fail('bad_model', `tensor '${name}': data_offsets begin ${begin} > end ${end}`);
  if (end > dataLen) fail('bad_model', `tensor '${name}': data_offsets end ${end} is past the end of the data buffer (${dataLen} bytes): truncated file?`);
  const numel = t.shape.reduce((a, d) => a * d, 1);
  if (end - begin !== numel * size) {
    fail('bad_model', `tensor '${name}': data_offsets span ${end - begin} bytes, but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${numel * size}`);
  }
  return { name, dtype: t.dtype, shape: t.shape, begin, end, data: buf.subarray(dataStart + begin, dataStart + end) };
}

// __metadata__ -> the config object; warn(message) for what still loads (no "format").
export function readConfig(meta, warn) {
  if (meta.format === undefined) warn(`no "format" in __metadata__ (a converted checkpoint?); reading it as ${MODEL_FORMAT}`);
  else if (meta.format !== MODEL_FORMAT) fail('bad_model', `unsupported format '${meta.format}' in __metadata__ (this build reads ${MODEL_FORMAT})`);
  if (meta.config === undefined) fail('bad_model', 'no "config" in __metadata__: cannot tell the model\'s configuration (hidden_size, grid size, ...)');
  let cfg;
  try {
    cfg = JSON.parse(meta.config);
  } catch (e) {
    fail('bad_model', `__metadata__.config is not valid JSON: ${e.message}`);
  }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) fail('bad_model', '__metadata__.config must be a JSON object');
  const dup = firstDuplicateKey(meta.config);
  if (dup) fail('bad_model', `__metadata__.config key '${dup.key}' appears twice`);
  for (const [k, v] of Object.entries(cfg)) {
    if (k.includes('\0') || (typeof v === 'string' && v.includes('\0'))) {
      fail('bad_model', `__metadata__.config key ${JSON.stringify(k)}: a NUL character in ${k.includes('\0') ? 'the key' : 'its value'}`);
    }
  }
  const missing = REQUIRED_CONFIG_KEYS.filter((k) => !Object.hasOwn(cfg, k));
  if (missing.length) {
    fail('bad_model', `__metadata__.config lacks ${missing.map((k) => `'${k}'`).join(', ')}: a model file must hold every ` +
      `config key (${REQUIRED_CONFIG_KEYS.join(', ')}); only task and charset are optional`);
  }
  return cfg;
}

// The task of a model, { name, charset }, from its config as core normalised it: core writes
// both keys, with mazes for a file that names no task.
export const modelTask = (config) => Object.freeze({ name: config.task, charset: config.charset });

// __metadata__.training (written by trm-train, native/data.h) -> a frozen camelCase object, or
// null with a warning when it is not what trm-train writes (the model still loads).
export function parseTraining(text, warn) {
  const bad = (why) => { warn(`__metadata__.training ignored: ${why}`); return null; };
  let t;
  try { t = JSON.parse(text); } catch (e) { return bad(`not valid JSON (${e.message})`); }
  if (!t || typeof t !== 'object' || Array.isArray(t)) return bad('not a JSON object');
  const int = (v) => Number.isInteger(v) ? v : -1;
  if (!Array.isArray(t.kinds)) return bad('"kinds" is not an array');
  const kinds = [];
  for (const [i, k] of t.kinds.entries()) {
    if (!k || typeof k !== 'object') return bad(`kinds[${i}] is not an object`);
    const alg = k.algorithm ?? null;
    if (alg !== null && !(alg in ALGORITHMS)) return bad(`kinds[${i}].algorithm '${alg}' is not lehnert, dfs, dfs-any or sparse`);
    if (typeof k.share !== 'number' || !(k.share >= 0 && k.share <= 1)) return bad(`kinds[${i}].share must be a number in [0, 1]`);
    kinds.push(Object.freeze({ algorithm: alg, minPath: int(k.min_path), unique: k.unique === true, share: k.share,
                               pathMin: int(k.path_min), pathMax: int(k.path_max) }));
  }
  return Object.freeze({ task: typeof t.task === 'string' ? t.task : 'maze', height: int(t.height), width: int(t.width),
                         source: typeof t.source === 'string' ? t.source : null,
                         pathMin: int(t.path_min), pathMax: int(t.path_max), kinds: Object.freeze(kinds) });
}

export function trainingToFile(t) {
  return {
    task: t.task, height: t.height, width: t.width, ...(t.source ? { source: t.source } : {}), path_min: t.pathMin, path_max: t.pathMax,
    kinds: t.kinds.map((k) => ({ algorithm: k.algorithm, ...(k.algorithm ? { min_path: k.minPath, unique: k.unique } : {}),
                                 share: k.share, path_min: k.pathMin, path_max: k.pathMax })),
  };
}

// ---- writing -------------------------------------------------------------------------------

const cvt = new Float32Array(1), cvtBits = new Uint32Array(cvt.buffer);

// float32 -> float16 bits, round to nearest even; values beyond the f16 range give Infinity.
function f16Bits(v) {
  cvt[0] = v;
  const x = cvtBits[0], sign = (x >>> 16) & 0x8000, m = x & 0x7fffff;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00 | (((x >>> 23) & 0xff) === 0xff && m ? 0x200 : 0);
  if (e <= 0) { // subnormal: units of 2^-24
    if (e < -10) return sign;
    const M = m | 0x800000, shift = 14 - e, half = 1 << (shift - 1), rem = M & ((1 << shift) - 1);
    let r = M >>> shift;
    if (rem > half || (rem === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (e << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) r++; // a carry into the exponent is right
  return sign | r;
}

function bf16Bits(v) {
  cvt[0] = v;
  const x = cvtBits[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function encodeFloats(f, dtype, name) {
  if (dtype === 'F32') return new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice(); // little-endian hosts only, as core
  const out = new Uint8Array(2 * f.length);
  for (let i = 0; i < f.length; i++) {
    const h = dtype === 'F16' ? f16Bits(f[i]) : bf16Bits(f[i]);
    if ((h & 0x7c00) === 0x7c00 && dtype === 'F16') fail('bad_argument', `save: tensor '${name}' element ${i} (${f[i]}) does not fit in F16`);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

// A safetensors file of { name, dtype, shape, bytes } tensors in the order given, with string
// metadata; the header is padded with spaces to 8 bytes, as the reference writer does.
export function writeSafetensors(meta, tensors) {
  const header = { __metadata__: meta };
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.bytes.length] };
    at += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const t of tensors) { out.set(t.bytes, o); o += t.bytes.length; }
  return out;
}
