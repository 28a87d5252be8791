// helpers.mjs: shared by the node --test files: loading the module once per file, paths, a tiny
// safetensors reader for fixtures, FNV-1a as in tests/test_maze.c, native tool discovery.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TRM, TRMError } from '../../web/trm.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WASM = join(ROOT, 'web/trm.wasm');
export const CHARSET = '# SGo';
export { TRM, TRMError };

export async function loadTRM() {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run scripts/build_wasm.sh first`);
  return TRM.load({ wasm: readFileSync(WASM) });
}

// A small attention model and a small mlp_t model (fast enough for loops of thousands of solves).
export const TINY_ATTN = {
  hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 2, H_cycles: 2, L_cycles: 2, halt_max_steps: 3,
  puzzle_emb_len: 2, puzzle_emb_ndim: 16, grid_height: 6, grid_width: 6,
};
export const TINY_MLPT = {
  hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 2, halt_max_steps: 2,
  mlp_t: true, pos_encodings: 'learned', puzzle_emb_ndim: 0, grid_height: 4, grid_width: 5,
};

// Tensors of a safetensors file as typed arrays (F32, F64, I32 only; fixtures of tests/data).
export function readSafetensors(path) {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [s, e] = t.data_offsets;
    const raw = b.subarray(8 + n + s, 8 + n + e);
    const copy = new Uint8Array(raw).buffer; // aligned copy
    const Ctor = { F32: Float32Array, F64: Float64Array, I32: Int32Array }[t.dtype];
    out[name] = { shape: t.shape, data: Ctor ? new Ctor(copy) : null };
  }
  return { header, tensors: out };
}

// 64-bit FNV-1a over token bytes (tests/test_maze.c's fnv1a).
export function fnv1a(h, tokens) {
  for (const t of tokens) h = ((h ^ BigInt(t)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}
export const tokensOf = (grid) => [...grid].map((c) => 1 + CHARSET.indexOf(c));

// A native tool from the first build directory that has it (the lead's build/ first).
export function nativeTool(name) {
  const dirs = [process.env.TRM_NATIVE_BIN, 'build/bin', 'build-wasmhelper/bin', 'build-release/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = resolve(ROOT, d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

// Assert helper: the largest |a - b| / max(1e-30, |b|) and where.
export function maxRelErr(a, b) {
  let worst = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  return { worst, at };
}

// Header of a safetensors byte array, and the same bytes with a replaced header (data kept).
export function headerOf(bytes) {
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { hlen, header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))) };
}
export function rebuild(bytes, header, { pad = true } = {}) {
  const { hlen } = headerOf(bytes);
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const data = bytes.subarray(8 + hlen);
  const out = new Uint8Array(8 + hb.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

// Symmetry voting done by a test, independently of the module (vote.test.mjs, sudoku.test.mjs):
// answers[v] (in the question's frame) and scores[v] (q_halt logits, NaN before the first step)
// -> the answers the rule may pick, with the counts. The rule (core/include/task.h): most views;
// a tie goes to the higher mean score, then to the lowest view. Where tied answers' mean scores
// are within 1e-3 (float noise between batch sizes could swap them), both are accepted.
export function independentVote(answers, scores) {
  const groups = new Map();
  answers.forEach((a, v) => {
    const g = groups.get(a) ?? { answer: a, first: v, count: 0, sum: 0 };
    g.count++;
    g.sum += scores[v];
    groups.set(a, g);
  });
  const all = [...groups.values()];
  const agree = Math.max(...all.map((g) => g.count));
  const tied = all.filter((g) => g.count === agree).map((g) => ({ ...g, mean: g.sum / g.count }));
  let allowed;
  if (tied.length === 1) allowed = tied;
  else if (tied.some((g) => Number.isNaN(g.mean))) allowed = [tied.reduce((a, b) => (b.first < a.first ? b : a))];
  else {
    const best = Math.max(...tied.map((g) => g.mean));
    allowed = tied.filter((g) => g.mean >= best - 1e-3);
  }
  return { agree, distinct: all.length, clear: tied.length === 1, allowed: allowed.map((g) => g.answer) };
}
