// generate.mjs: the bad model-file corpus shared by the C reader's test (tests/test_bad_models.c)
// and the JavaScript reader's test (tests/js/bad-models.test.mjs), so that the two implementations
// of the model-file rules (DESIGN.md §4) are held to the same files and cannot drift unnoticed.
//
// Every case is base.safetensors, a valid 4.5 KB model (hidden_size 2, 3x3 maze, BF16), with one
// fault made by a small edit below. The case table also states what both readers must do with it
// (the C trm_status, the JS TRMError code, keywords both messages must contain); this script writes
// the files and manifest.json, which the tests read. The outputs are committed so that ctest needs
// no node; tests/js/bad-models.test.mjs checks that they are exactly what this script makes.
//
//   node tests/data/bad-models/generate.mjs      rewrites <case>.safetensors and manifest.json
//
// Manifest fields (per case): name, file, fault (what is wrong), accept (true: both must load it,
// with a warning naming `warning` when given), c (trm_status name), js (TRMError code), keywords
// (substrings both messages must contain, case-sensitive), and known_difference: how the readers
// disagree today, { reason, c?: {...}, js?: {...} }, where c/js replace the fields above for that
// reader only. The tests check today's behaviour exactly, so fixing a difference fails the test
// until its known_difference is removed here.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIR = fileURLToPath(new URL('./', import.meta.url));
export const MANIFEST = 'manifest.json';
const BASE_FILE = 'base.safetensors';

// ---- the base file, taken apart ----------------------------------------------------------------

const BASE_BYTES = new Uint8Array(readFileSync(DIR + BASE_FILE));
const BASE = (() => {
  const hlen = Number(new DataView(BASE_BYTES.buffer, BASE_BYTES.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(BASE_BYTES.subarray(8, 8 + hlen)));
  const data = BASE_BYTES.subarray(8 + hlen);
  const tensors = Object.entries(header).filter(([k]) => k !== '__metadata__').map(([name, t]) =>
    ({ name, dtype: t.dtype, shape: t.shape, bytes: data.subarray(t.data_offsets[0], t.data_offsets[1]) }));
  return { meta: header.__metadata__, config: JSON.parse(header.__metadata__.config), tensors };
})();

// ---- building a file ----------------------------------------------------------------------------

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

// A safetensors file: __metadata__ `meta` (left out when NO_METADATA), then the tensors in order with
// their data packed back to back; a tensor's `entry` or `offsets` replace what would be written for
// it, and a `stray` one has bytes in the data but no entry. `text` edits the header's JSON text,
// whose UTF-8 bytes are then padded to a multiple of 8 with `pad` (one ASCII character).
const NO_METADATA = Symbol('no __metadata__');
function build({ meta = BASE.meta, tensors = BASE.tensors, text = (s) => s, pad = ' ' } = {}) {
  const header = meta === NO_METADATA ? {} : { __metadata__: meta };
  let at = 0;
  for (const t of tensors) {
    if (!t.stray) header[t.name] = t.entry ?? { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets ?? [at, at + t.bytes.length] };
    at += t.bytes.length;
  }
  const json = new TextEncoder().encode(text(JSON.stringify(header)));
  const hb = concat(json, new TextEncoder().encode(pad.repeat((8 - (json.length % 8)) % 8)));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(hb.length), true);
  return concat(len, hb, ...tensors.map((t) => t.bytes));
}

// `s` with `from` replaced once; a case whose edit no longer applies must not pass silently.
function once(s, from, to) {
  if (!s.includes(from)) throw new Error(`generate: '${from}' is not in the header`);
  return s.replace(from, () => to);
}

// The base tensors with `name` changed (fields replaced by `changes`).
const edit = (name, changes) => BASE.tensors.map((t) => (t.name === name ? { ...t, ...changes } : t));
const without = (name) => BASE.tensors.filter((t) => t.name !== name);
const withConfig = (fn) => {
  const c = structuredClone(BASE.config);
  fn(c);
  return { ...BASE.meta, config: JSON.stringify(c) };
};
// 16-bit words (BF16 or F16 bits) as bytes; like trm.c, this assumes a little-endian host.
const words = (list) => new Uint8Array(new Uint16Array(list).buffer);
const stray = (n) => ({ name: `${n} stray bytes`, stray: true, bytes: new Uint8Array(n).fill(0x5a) });

const EMBED = 'embed_tokens.embedding_weight', LM = 'lm_head.weight', QB = 'q_head.bias';
const QKV = 'L_level.layers.0.self_attn.qkv_proj.weight', PUZZLE = 'puzzle_emb.weights';
const tensor = (name) => BASE.tensors.find((t) => t.name === name);
const LM_ENTRY = '"lm_head.weight":{"dtype":"BF16","shape":[6,2],"data_offsets":[24,48]}';

// Expectations shared by many cases.
const FORMAT = { c: 'TRM_E_FORMAT', js: 'bad_model' };
const INVALID = { c: 'TRM_E_INVALID', js: 'bad_model' };
const NONFINITE = { c: 'TRM_E_NONFINITE', js: 'bad_model' };
const SHAPE = { c: 'TRM_E_SHAPE', js: 'bad_shape' };
const C_IS_LAX = 'cJSON accepts this non-JSON text (native/json.c checks NULs and trailing text only); JSON.parse ' +
  'follows RFC 8259';

// ---- the cases ----------------------------------------------------------------------------------

// [name, fault, expectation, bytes()]
const CASES = [
  // Controls: files both readers load (a refusal elsewhere is then the edit's doing).
  ['base', 'none: the valid model every other case is made from', { accept: true }, () => BASE_BYTES],
  ['format-missing', 'no "format" in __metadata__: loads with a warning (a converted checkpoint, DESIGN.md §4)',
    { accept: true, warning: ['no "format" in __metadata__'] }, () => build({ meta: { config: BASE.meta.config } })],
  ['config-unknown-key', 'a config key this version does not know: loads with a warning (files from newer versions)',
    { accept: true, warning: ["unknown config key 'dropout'"] }, () => build({ meta: withConfig((c) => { c.dropout = 0.1; }) })],
  ['config-without-task', 'no task and no charset in the config: a maze model (files from before tasks)', { accept: true },
    () => build({ meta: withConfig((c) => { delete c.task; delete c.charset; }) })],
  ['training-not-json', '__metadata__.training (what trm-train records about its data) is not JSON', {
    accept: true, warning: ['__metadata__.training'], known_difference: {
      reason: 'native/model_io.c does not read "training" (trm-info prints it as text, nothing parses it); web/trm.js ' +
        'parses it into model.training and warns when it cannot', c: { warning: null } } },
  () => build({ meta: { ...BASE.meta, training: '{"task": "maze",' } })],
  ['header-utf8-bom', 'the header starts with a UTF-8 byte order mark; both readers skip it (cJSON, TextDecoder), ' +
    'though the reference safetensors reader (serde_json) would refuse it', { accept: true },
  () => build({ text: (s) => `\uFEFF${s}` })],

  // The container.
  ['file-too-short', 'a 5-byte file: not even the 8-byte header length', { ...FORMAT, keywords: ['file too short'] },
    () => BASE_BYTES.slice(0, 5)],
  ['header-length-past-end', 'the file ends 100 bytes into the header', { ...FORMAT, keywords: ['header length', 'past the end of the file'] },
    () => BASE_BYTES.slice(0, 8 + 100)],
  ['header-length-absurd', 'header length 2^40', { ...FORMAT, keywords: ['absurd header length 1099511627776'] }, () => {
    const b = BASE_BYTES.slice();
    new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
    return b;
  }],
  ['header-length-zero', 'header length 0', { ...FORMAT, keywords: ['header is empty'] }, () => {
    const b = BASE_BYTES.slice();
    new DataView(b.buffer).setBigUint64(0, 0n, true);
    return b;
  }],
  ['header-not-utf8', 'a 0xFF byte in a tensor name', { ...FORMAT, keywords: ['not valid UTF-8'] }, () => {
    const b = Buffer.from(BASE_BYTES);
    b[b.indexOf('"H_init"') + 1] = 0xff;
    return new Uint8Array(b);
  }],
  ['header-not-json', 'the header lacks its closing brace', { ...FORMAT, keywords: ['not valid JSON'] },
    () => build({ text: (s) => s.slice(0, -1) })],
  ['header-trailing-text', 'a second JSON value after the header object', { ...FORMAT, keywords: ['not valid JSON'] },
    () => build({ text: (s) => `${s}{}` })],
  ['header-nul-padding', 'the header padded with NUL bytes instead of spaces', { ...FORMAT, keywords: ['not valid JSON', 'NUL'] },
    () => build({ text: (s) => `${s}\0`, pad: '\0' })],
  ['header-not-object', 'the header is an array holding the header object', { ...FORMAT, keywords: ['header must be a JSON object'] },
    () => build({ text: (s) => `[${s}]` })],
  ['header-number-leading-zero', 'a data offset written 024 (JSON numbers have no leading zeros)',
    { ...FORMAT, keywords: ['not valid JSON'], known_difference: { reason: C_IS_LAX, c: { accept: true } } },
    () => build({ text: (s) => once(s, '"data_offsets":[0,24]', '"data_offsets":[0,024]') })],
  ['header-raw-newline', 'a raw line feed inside a JSON string (the config), where JSON needs \\n',
    { ...FORMAT, keywords: ['not valid JSON'], known_difference: { reason: C_IS_LAX, c: { accept: true } } },
    () => build({ text: (s) => once(s, ',\\"num_heads\\"', ',\n\\"num_heads\\"') })],
  ['header-control-whitespace', 'a form feed (0x0C) between two tokens of the header, where JSON allows only space, tab, CR, LF',
    { ...FORMAT, keywords: ['not valid JSON'], known_difference: { reason: C_IS_LAX, c: { accept: true } } },
    () => build({ text: (s) => once(s, '{"__metadata__"', '{\f"__metadata__"') })],
  ['header-lone-surrogate', 'an extra __metadata__ entry holding \\udc00, a lone UTF-16 surrogate (no Unicode character)',
    { ...FORMAT, keywords: ['not valid JSON'], known_difference: {
      reason: 'cJSON (and serde_json, the reference) refuse a lone surrogate escape; JSON.parse accepts it, and ' +
        'web/trm-model-file.js ignores metadata entries it does not use', js: { accept: true } } },
    () => build({ text: (s) => once(s, '"__metadata__":{', '"__metadata__":{"source":"run\\udc00.pt",') })],

  // __metadata__.
  ['metadata-missing', 'no __metadata__ at all', { ...FORMAT, keywords: ['no "config" in __metadata__'] },
    () => build({ meta: NO_METADATA })],
  ['metadata-null', '"__metadata__": null', { ...FORMAT, keywords: ['__metadata__ must be an object', 'null'] },
  () => build({ meta: null })],
  ['metadata-not-object', '__metadata__ is an array', { ...FORMAT, keywords: ['__metadata__ must be an object'] },
    () => build({ meta: ['trm.c/1'] })],
  ['metadata-twice', 'two __metadata__ objects, the first with format trm.c/0', {
    ...FORMAT, keywords: ['__metadata__', '2 times'] },
  () => build({ text: (s) => once(s, '{"__metadata__":', '{"__metadata__":{"format":"trm.c/0"},"__metadata__":') })],
  ['metadata-key-twice', '"format" twice in __metadata__, first trm.c/0', {
    ...FORMAT, keywords: ['__metadata__', "'format' twice"] },
  () => build({ text: (s) => once(s, '"__metadata__":{', '"__metadata__":{"format":"trm.c/0",') })],
  ['metadata-entry-not-string', 'the config stored as a JSON object instead of a JSON string',
    { ...FORMAT, keywords: ["__metadata__ entry 'config'", 'must be a string'] },
    () => build({ meta: { format: 'trm.c/1', config: BASE.config } })],
  ['format-wrong', 'format "trm.c/2"', { ...FORMAT, keywords: ["unsupported format 'trm.c/2'"] },
    () => build({ meta: { ...BASE.meta, format: 'trm.c/2' } })],

  // __metadata__.config.
  ['config-missing', 'no "config" in __metadata__', { ...FORMAT, keywords: ['no "config" in __metadata__'] },
    () => build({ meta: { format: 'trm.c/1' } })],
  ['config-not-json', 'the config has a trailing comma', { ...FORMAT, keywords: ['__metadata__.config', 'JSON'] },
    () => build({ meta: { ...BASE.meta, config: `${BASE.meta.config.slice(0, -1)},}` } })],
  ['config-utf8-bom', 'the config text starts with a UTF-8 byte order mark', {
    ...FORMAT, keywords: ['__metadata__.config', 'JSON'], known_difference: {
      reason: 'cJSON skips a byte order mark before any JSON text, JSON.parse does not (the header itself is read ' +
        'past a BOM by both: TextDecoder drops it)', c: { accept: true } } },
  () => build({ meta: { ...BASE.meta, config: `\uFEFF${BASE.meta.config}` } })],
  ['config-not-object', 'the config is JSON-encoded twice (a JSON string, not an object)',
    { ...FORMAT, keywords: ['__metadata__.config must be a JSON object'] },
    () => build({ meta: { ...BASE.meta, config: JSON.stringify(BASE.meta.config) } })],
  ['config-key-missing', 'the config has no num_heads (it would silently default to 8)',
    { ...FORMAT, keywords: ['__metadata__.config', "'num_heads'"] }, () => build({ meta: withConfig((c) => { delete c.num_heads; }) })],
  ['config-key-wrong-type', 'hidden_size is the string "2"', { ...INVALID, keywords: ["'hidden_size'", 'takes a number'] },
    () => build({ meta: withConfig((c) => { c.hidden_size = '2'; }) })],
  ['config-value-array', 'num_heads is [1]', { ...FORMAT, keywords: ["'num_heads'", 'must be a number, boolean or string'] },
    () => build({ meta: withConfig((c) => { c.num_heads = [1]; }) })],
  ['config-value-out-of-range', 'num_heads is 0', { ...INVALID, keywords: ["'num_heads'", 'not an integer in [1, 4096]'] },
    () => build({ meta: withConfig((c) => { c.num_heads = 0; }) })],
  ['config-inconsistent', 'seq_len 10 on a 3x3 grid', { ...INVALID, keywords: ['__metadata__.config', 'seq_len 10', 'grid_height'] },
    () => build({ meta: withConfig((c) => { c.seq_len = 10; }) })],
  ['config-key-twice', 'hidden_size twice in the config, first 4 then 2', {
    ...FORMAT, keywords: ["'hidden_size'", 'twice'] },
  () => build({ meta: { ...BASE.meta, config: `{"hidden_size":4,${BASE.meta.config.slice(1)}` } })],
  ['config-key-nul', 'an extra config key "num_heads\\u0000x" (C would read it as num_heads)',
    { ...FORMAT, keywords: ['__metadata__.config', 'num_heads', 'NUL'] },
    () => build({ meta: withConfig((c) => { c['num_heads\u0000x'] = 4; }) })],
  ['task-unknown', 'task "nonogram"', { c: 'TRM_E_INVALID', js: 'unsupported_task', keywords: ['task', "'nonogram'"] },
    () => build({ meta: withConfig((c) => { c.task = 'nonogram'; }) })],
  ['charset-not-the-tasks', 'charset "#.SGo" for the maze task ("# SGo")', { ...INVALID, keywords: ["'charset'", '"#.SGo"', "'maze'"] },
    () => build({ meta: withConfig((c) => { c.charset = '#.SGo'; }) })],
  ['vocab-too-small', 'vocab_size 5: the maze task needs 6 (PAD and 5 characters)', { ...INVALID, keywords: ['__metadata__.config', 'vocab_size 5', 'smaller'] },
    () => build({ meta: withConfig((c) => { c.vocab_size = 5; }) })],

  // Tensor names.
  ['tensor-missing', 'q_head.bias left out (entry and data)', { ...FORMAT, keywords: ["'q_head.bias'", 'missing'] },
    () => build({ tensors: without(QB) })],
  ['tensor-unknown', 'an extra tensor lm_head.bias [6]', { ...FORMAT, keywords: ["'lm_head.bias'", 'not part of'] },
    () => build({ tensors: [...BASE.tensors, { name: 'lm_head.bias', dtype: 'BF16', shape: [6], bytes: tensor(LM).bytes.subarray(0, 12) }] })],
  ['tensor-twice', 'lm_head.weight twice: first over embed_tokens\' bytes, then its own', {
    ...FORMAT, keywords: ["'lm_head.weight'", 'twice'] },
  () => build({ text: (s) => once(s, LM_ENTRY, `${LM_ENTRY.replace('[24,48]', '[0,24]')},${LM_ENTRY}`) })],
  ['tensor-name-nul', 'lm_head.weight renamed "lm_head.weight\\u0000junk" (C would read it as lm_head.weight)',
    { ...FORMAT, keywords: ['lm_head.weight', 'NUL'] }, () => build({ tensors: edit(LM, { name: 'lm_head.weight\u0000junk' }) })],

  // Tensor entries: dtype, shape, data_offsets.
  ['entry-not-object', 'q_head.bias\'s entry is an array', { ...FORMAT, keywords: ["'q_head.bias'", 'entry must be an object'] },
    () => build({ tensors: edit(QB, { entry: [56, 60] }) })],
  ['dtype-missing', 'q_head.bias has no "dtype"', { ...FORMAT, keywords: ["'q_head.bias'", 'missing', '"dtype"'] },
    () => build({ tensors: edit(QB, { entry: { shape: [2], data_offsets: [56, 60] } }) })],
  ['dtype-unknown', 'q_head.bias has dtype "Q4" (not a safetensors dtype)', { ...FORMAT, keywords: ["'q_head.bias'", "unknown dtype 'Q4'"] },
    () => build({ tensors: edit(QB, { dtype: 'Q4' }) })],
  ['dtype-prototype-name', 'q_head.bias has dtype "constructor" (not a safetensors dtype)', {
    ...FORMAT, keywords: ["'q_head.bias'", "unknown dtype 'constructor'"] },
  () => build({ tensors: edit(QB, { dtype: 'constructor' }) })],
  ['dtype-integer', 'q_head.bias stored as I16 (a safetensors dtype, but not a float)', { ...FORMAT, keywords: ["'q_head.bias'", 'dtype I16'] },
    () => build({ tensors: edit(QB, { dtype: 'I16' }) })],
  ['shape-wrong', 'lm_head.weight stored as [2, 6] instead of [6, 2] (same byte count)',
    { ...SHAPE, keywords: ["'lm_head.weight'", 'shape [2, 6], expected [6, 2]'] }, () => build({ tensors: edit(LM, { shape: [2, 6] }) })],
  ['shape-rank', 'q_head.bias stored as [1, 2] instead of [2]', { ...SHAPE, keywords: ["'q_head.bias'", 'shape [1, 2], expected [2]'] },
    () => build({ tensors: edit(QB, { shape: [1, 2] }) })],
  ['shape-bytes-mismatch', 'lm_head.weight claims shape [6, 3] (36 bytes) over 24 bytes of data',
    { ...FORMAT, keywords: ["'lm_head.weight'", 'data_offsets span 24 bytes', 'needs 36'] }, () => build({ tensors: edit(LM, { shape: [6, 3] }) })],
  ['shape-negative', 'lm_head.weight has shape [-6, 2]', { ...FORMAT, keywords: ["'lm_head.weight'", 'shape', 'non-negative integer'] },
    () => build({ tensors: edit(LM, { shape: [-6, 2] }) })],
  ['offsets-reversed', 'q_head.bias has data_offsets [60, 56]', { ...FORMAT, keywords: ["'q_head.bias'", 'begin 60 > end 56'] },
    () => build({ tensors: edit(QB, { offsets: [60, 56] }) })],
  ['offsets-not-integers', 'q_head.bias has data_offsets [56, 60.5]',
    { ...FORMAT, keywords: ["'q_head.bias'", '"data_offsets" must be two non-negative integers'] },
    () => build({ tensors: edit(QB, { offsets: [56, 60.5] }) })],
  ['offsets-overlap', 'lm_head.weight at [12, 36): overlaps embed_tokens.embedding_weight [0, 24)',
    { ...FORMAT, keywords: [`'${EMBED}'`, "'lm_head.weight'", 'overlap'] },
  () => build({ tensors: edit(LM, { offsets: [12, 36] }) })],
  ['offsets-hole', '4 bytes belonging to no tensor before ' + QKV, {
    ...FORMAT, keywords: ['hole in the data buffer', '[60, 64)', `'${QKV}'`] },
  () => build({ tensors: BASE.tensors.flatMap((t) => (t.name === QKV ? [stray(4), t] : [t])) })],
  ['data-trailing-bytes', '4 bytes after the last tensor', { ...FORMAT, keywords: ['hole in the data buffer', '[3176, 3180)', 'after the last tensor'] },
    () => build({ tensors: [...BASE.tensors, stray(4)] })],
  ['data-truncated', 'the file lacks its last 2 bytes (puzzle_emb.weights runs past the end)',
    { ...FORMAT, keywords: [`'${PUZZLE}'`, 'past the end of the data buffer'] }, () => BASE_BYTES.slice(0, -2)],
  ['no-tensors', 'a header with no tensors over the base file\'s 3176 bytes of data', { ...FORMAT, keywords: ['data buffer', '3176'] },
    () => build({ tensors: BASE.tensors.map((t) => ({ ...t, stray: true })) })],

  // Tensor values.
  ['nan-bf16', 'lm_head.weight element 3 is a BF16 NaN', { ...NONFINITE, keywords: ["'lm_head.weight'", 'element 3', 'not finite'] }, () => {
    const bytes = tensor(LM).bytes.slice();
    bytes.set(words([0x7fc0]), 2 * 3);
    return build({ tensors: edit(LM, { bytes }) });
  }],
  ['inf-f16', `${QKV} stored as F16: zeros and +Inf at element 5`, { ...NONFINITE, keywords: [`'${QKV}'`, 'element 5', 'not finite'] },
    () => build({ tensors: edit(QKV, { dtype: 'F16', bytes: words([0, 0, 0, 0, 0, 0x7c00, 0, 0, 0, 0, 0, 0]) }) })],
  ['inf-f32', 'H_init stored as F32: element 1 is -Inf', { ...NONFINITE, keywords: ["'H_init'", 'element 1', 'not finite'] },
    () => build({ tensors: edit('H_init', { dtype: 'F32', bytes: new Uint8Array(new Float32Array([0.25, -Infinity]).buffer) }) })],
];

// ---- the corpus ---------------------------------------------------------------------------------

// { manifest (its JSON text), files: Map(file name -> bytes) }; writes nothing.
export function buildCorpus() {
  if (!bytesEqual(build(), BASE_BYTES)) throw new Error('generate: rebuilding base.safetensors does not give its bytes');
  const files = new Map();
  const cases = CASES.map(([name, fault, expect, make]) => {
    const file = name === 'base' ? BASE_FILE : `${name}.safetensors`;
    files.set(file, make());
    return { name, file, fault, ...expect };
  });
  const manifest = {
    about: 'Bad model files for both model-file readers (native/ and web/); made by generate.mjs from base.safetensors. ' +
      'Field meanings are in generate.mjs.',
    cases,
  };
  return { manifest: `${pretty(manifest)}\n`, files };
}

// JSON indented by two spaces, but arrays of plain values on one line: a case's keywords read as one list.
function pretty(v, indent = '') {
  if (!v || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v) && v.every((x) => !x || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  const inner = `${indent}  `;
  const items = Array.isArray(v) ? v.map((x) => inner + pretty(x, inner))
    : Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  return items.length ? `${open}\n${items.join(',\n')}\n${indent}${close}` : open + close;
}

export const bytesEqual = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { manifest, files } = buildCorpus();
  for (const [name, bytes] of files) if (name !== BASE_FILE) writeFileSync(DIR + name, bytes);
  writeFileSync(DIR + MANIFEST, manifest);
  console.log(`generate: ${files.size} files and ${MANIFEST} in ${DIR}`);
}
