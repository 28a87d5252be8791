// trm.js: the Tiny Recursive Model in JavaScript: an ES module over trm.wasm (core/ built with
// Emscripten, STANDALONE_WASM, SIMD128). Works unchanged in Node 20, a browser page and a module
// Worker. No globals: every TRM.load() is its own WebAssembly instance, and models and solvers
// are handles into it that must be freed explicitly. Types and error codes: trm.d.ts.
//
// A model solves the grids of its task (model.task: its name and charset, from the model file's
// config; files that name none are mazes); trm.tasks lists the tasks this module supports, and
// one solver object serves them all. verify() checks an answer by any task's rules (options.task;
// mazes by default). The maze helpers (generateMaze, shortestPath, countShortestPaths,
// model.generateMaze, model.trainingFit) work on mazes only, the sudoku helpers (generateSudoku,
// solveSudoku: core's generator and counting solver) on 9x9 sudoku grids only.
//
//   const trm = await TRM.load();                       // or { wasm: url | bytes | Module }
//   const model = trm.loadModel(bytes);                  // safetensors (F32/BF16/F16); or
//   const model = await trm.loadModel(urlOrPath);        //   a URL, path, Response or Blob
//   const maze = trm.generateMaze({ size: 30, seed: 1 });
//   const solver = model.solver();
//   for (const p of solver.solve(maze.grid)) draw(p.grid, p.confidence, p.haltProb);
//   solver.solve(maze.grid, { earlyHalt: true, vote: true });  // symmetry voting: p.votes
//   trm.verify(maze, lastPass.grid, maze.answer);         // { valid, optimal, exact, ... }
//   const puzzle = trm.generateSudoku({ seed: 1, minRating: 4 });  // { grid, solution, rating }
//   trm.verify(puzzle, answer, puzzle.solution);          // sudoku rules: the puzzle says its task
//   solver.free(); model.free();
//
// This is the entry point; its parts: trm-common.js (TRMError, argument checks, reading files),
// trm-model-file.js (the safetensors model file), trm-worker.js (TRMWorker: all of it in a
// Worker, asynchronous; its thread runs trm-worker-thread.js).

import {
  ALGORITHMS, TRMError, boolOption, checkResponse, fail, fetchOrRead, intOption, isBlob, isBytes, isResponse, isUrl,
  optionsArg, readSource, toBytes,
} from './trm-common.js';
import {
  MODEL_FORMAT, encodeFloats, modelTask, parseSafetensors, parseTraining, readConfig, trainingToFile, writeSafetensors,
} from './trm-model-file.js';

export { TRMError };
export { SolveRun, TRMWorker, WorkerModel } from './trm-worker.js';

const MAZE = 'maze'; // the task of the maze helpers
const SUDOKU = 'sudoku'; // the task of the sudoku helpers, whose grids are always 9 x 9
const SUDOKU_SHAPE = Object.freeze({ h: 9, w: 9 });
const SUDOKU_GENERATORS = ['minimal', 'symmetric']; // as core numbers them (trm_sudoku_generator)
const LOAD_MODEL_OPTIONS = ['ignoreUnknownTensors', 'onWarning'];
const KERNEL_NAMES = ['gemm_nt', 'gemm_nn', 'gemm_tn', 'rmsnorm_fwd', 'rmsnorm_bwd', 'swiglu_fwd',
  'swiglu_bwd', 'rope', 'rope_inverse', 'attention_fwd', 'attention_bwd'];

// trm_status values of core/include/trm.h, plus trm_web.c's code for a character outside the charset.
const S = { OK: 0, INVALID: 1, UNKNOWN_KEY: 2, FORMAT: 3, SHAPE: 4, NOMEM: 5, NONFINITE: 6, STATE: 7, CHARSET: 64 };

// ---- loading the module -----------------------------------------------------------------

async function wasmSource(src) {
  if (src instanceof WebAssembly.Module || isBytes(src) || isResponse(src)) return src;
  if (isBlob(src)) return src.arrayBuffer();
  const url = src === undefined ? new URL('./trm.wasm', import.meta.url) : src;
  if (!isUrl(url)) fail('bad_argument', 'TRM.load: options.wasm must be a URL, a path, bytes, a Response, a Blob or a WebAssembly.Module');
  return fetchOrRead(url);
}

async function instantiate(src, imports) {
  if (src instanceof WebAssembly.Module) return WebAssembly.instantiate(src, imports);
  if (isResponse(src)) {
    checkResponse(src, 'TRM.load');
    if (typeof WebAssembly.instantiateStreaming === 'function' &&
        /application\/wasm/.test(src.headers?.get('content-type') ?? '')) {
      return (await WebAssembly.instantiateStreaming(src, imports)).instance;
    }
    src = await src.arrayBuffer(); // served without application/wasm: compile from bytes
  }
  return (await WebAssembly.instantiate(src, imports)).instance;
}

// ---- small helpers ----------------------------------------------------------------------

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

// 64-bit seeds as (lo, hi) uint32 halves; numbers must be safe non-negative integers.
function split64(v, what) {
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

const cellName = (i, w) => `row ${Math.floor(i / w)}, column ${i % w}`;

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

// A number in [0, 1) from (seed, index): which training kind model.generateMaze draws.
function pickUnit(seed, index) {
  let h = 0x9e3779b9;
  for (const v of [seed, index]) {
    const [lo, hi] = split64(v, 'generateMaze: seed/index');
    for (const x of [lo, hi]) {
      h = Math.imul(h ^ x, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return (h >>> 0) / 4294967296;
}

// Any grid argument: a string (square, or rows joined by \n), or an object { grid, height, width }
// such as a generated maze; `shape` ({h, w}) is what the caller requires, if anything.
function gridArg(g, what, shape) {
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
function checkAscii(text, w, what, charset) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      fail('bad_charset', `${what} ${cellName(i, w)}: character ${JSON.stringify(text[i])} is not one of "${charset}"`);
    }
  }
}

// ---- the instance --------------------------------------------------------------------------

/** One WebAssembly instance of trm.wasm. Create with `await TRM.load()`. */
export class TRM {
  /** @param {{ wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | Blob }} [options] */
  static async load(options) {
    const { wasm } = optionsArg(options, 'TRM.load', ['wasm']);
    const imports = { env: { emscripten_notify_memory_growth() {} } }; // views are re-made lazily
    let src, instance;
    try {
      src = await wasmSource(wasm);
    } catch (e) {
      if (e instanceof TRMError) throw e;
      fail('bad_argument', `TRM.load: cannot read the module ${String(wasm ?? './trm.wasm')}: ${e.message}`);
    }
    try {
      instance = await instantiate(src, imports);
    } catch (e) {
      if (e instanceof TRMError) throw e;
      fail('bad_wasm', `TRM.load: not this library's WebAssembly module (${e.name}: ${e.message})`);
    }
    if (typeof instance.exports.trm_web_malloc !== 'function') {
      fail('bad_wasm', 'TRM.load: the WebAssembly module is not trm.wasm (it has no trm_web_malloc)');
    }
    return new TRM(instance.exports);
  }

  constructor(exports) {
    if (!exports || typeof exports.trm_web_malloc !== 'function') fail('bad_argument', 'use TRM.load() to create a TRM');
    exports._initialize?.(); // reactor module: run the C constructors once
    this._x = exports;
    this._buf = null;
    this._err = exports.trm_web_error_create();
    if (!this._err) fail('out_of_memory', 'out of memory creating the error slot');
    /** The tasks this module supports (core's registry): [{ name, charset }]; the first is the
     * task of model files that name none. */
    this.tasks = Object.freeze(Array.from({ length: exports.trm_web_task_count() }, (_, i) => Object.freeze({
      name: this._cstr(exports.trm_web_task_name(i)), charset: this._cstr(exports.trm_web_task_charset(i)),
    })));
  }

  // The charset of grids the maze helpers take.
  get _mazeCharset() { return this.tasks.find((t) => t.name === MAZE).charset; }

  /** Name of the kernel set models use by default ('wasm128' in a SIMD build). */
  get kernels() { return this._cstr(this._x.trm_web_default_kernels()); }

  // Views over the module memory, re-created after the memory grows.
  _views() {
    const b = this._x.memory.buffer;
    if (b !== this._buf) {
      this._buf = b;
      this._u8 = new Uint8Array(b);
      this._i32 = new Int32Array(b);
      this._f32 = new Float32Array(b);
      this._f64 = new Float64Array(b);
    }
    return this;
  }

  _malloc(n) {
    const p = this._x.trm_web_malloc(n);
    if (!p) fail('out_of_memory', `out of memory allocating ${n} bytes in the WebAssembly module`);
    return p;
  }

  _cstr(p, n) {
    if (!p) return '';
    const u8 = this._views()._u8;
    let e = p;
    if (n === undefined) while (u8[e]) e++;
    else e = p + n;
    return new TextDecoder().decode(u8.subarray(p, e));
  }

  // Allocate a NUL-terminated copy of an ASCII/UTF-8 string (code units > 0xff become '?').
  _strAlloc(s, ascii = false) {
    if (!ascii) {
      // C would stop at the NUL and see another name ('wasm128\0x' as 'wasm128').
      if (s.includes('\0')) fail('bad_argument', `${JSON.stringify(s)} contains a NUL character`);
      const enc = new TextEncoder().encode(s);
      const p = this._malloc(enc.length + 1);
      this._views()._u8.set(enc, p);
      this._u8[p + enc.length] = 0;
      return p;
    }
    const p = this._malloc(s.length + 1);
    const u8 = this._views()._u8;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      u8[p + i] = c > 0 && c < 0x80 ? c : 0x3f;
    }
    u8[p + s.length] = 0;
    return p;
  }

  // Run fn(alloc) with temporary allocations that are always freed.
  _scoped(fn) {
    const ptrs = [];
    const alloc = {
      bytes: (n) => { const p = this._malloc(n); ptrs.push(p); return p; },
      str: (s, ascii) => { const p = this._strAlloc(s, ascii); ptrs.push(p); return p; },
    };
    try {
      this._x.trm_web_error_clear(this._err);
      return fn(alloc);
    } finally {
      for (const p of ptrs) this._x.trm_web_free(p);
    }
  }

  _errMsg() { return this._cstr(this._x.trm_web_error_msg(this._err)); }

  // A failed core call becomes a TRMError; codeFor maps the status to this module's code, and
  // where (optional) starts the message, as native/ names the part of a file it read.
  _check(status, codeFor, where = '') {
    if (status === S.OK) return;
    const msg = where + (this._errMsg() || `status ${status}`);
    if (status === S.NOMEM) fail('out_of_memory', msg);
    fail(codeFor(status), msg);
  }

  /** Memory use of the module: wasmBytes (memory.buffer, never shrinks), heapInUse (malloc'd bytes). */
  memoryStats() {
    return { wasmBytes: this._x.memory.buffer.byteLength, heapInUse: this._x.trm_web_heap_in_use() };
  }

  // ---- models ----

  /**
   * Load a model file (safetensors with __metadata__.config). Its bytes (ArrayBuffer or typed
   * array) give a Model; a URL or path, a fetch Response or a Blob give a Promise of one (the
   * file is fetched, or read from disk in Node), so `await trm.loadModel(x)` suits them all.
   * Options: ignoreUnknownTensors (skip tensors the model's table does not have, e.g. a
   * checkpoint's optimizer state), onWarning(message).
   */
  loadModel(source, options) {
    if (isBytes(source)) return this._loadModelBytes(toBytes(source), options);
    if (isUrl(source) || isResponse(source) || isBlob(source)) {
      return (async () => {
        optionsArg(options, 'loadModel', LOAD_MODEL_OPTIONS); // a bad option fails before the download
        return this._loadModelBytes(await readSource(source, 'loadModel'), options);
      })();
    }
    return fail('bad_argument', 'loadModel: the model must be bytes (an ArrayBuffer or a typed array), a URL or path, ' +
      `a fetch Response or a Blob, not ${source === null ? 'null' : typeof source}`);
  }

  _loadModelBytes(buf, options) {
    options = optionsArg(options, 'loadModel', LOAD_MODEL_OPTIONS);
    const ignoreUnknown = boolOption(options.ignoreUnknownTensors, 'loadModel: ignoreUnknownTensors', false);
    if (options.onWarning !== undefined && typeof options.onWarning !== 'function') fail('bad_argument', 'loadModel: onWarning must be a function');
    const { meta, tensors } = parseSafetensors(buf);
    const warnings = [];
    const warn = (m) => { warnings.push(m); options.onWarning?.(m); };
    const cfgObj = readConfig(meta, warn);
    const x = this._x;
    let cfg = 0, m = 0;
    try {
      cfg = x.trm_web_config_create();
      if (!cfg) fail('out_of_memory', 'out of memory for a config');
      this._applyConfig(cfg, cfgObj, warn, '__metadata__.config', 'bad_model');
      m = this._scoped(() => x.trm_web_model_create(cfg, this._err));
      if (!m) this._check(x.trm_web_error_code(this._err) || S.INVALID, () => 'bad_model', '__metadata__.config: ');
      const skipped = [];
      for (const t of tensors) {
        if (ignoreUnknown && this._scoped((a) => x.trm_web_model_find_tensor(m, a.str(t.name))) < 0) {
          skipped.push(t.name);
          continue;
        }
        this._loadTensor(m, t);
      }
      this._check(this._scoped(() => x.trm_web_model_check_loaded(m, this._err)), () => 'bad_model');
      const training = meta.training === undefined ? null : parseTraining(meta.training, warn);
      const model = new Model(this, m, warnings, skipped, training);
      m = 0;
      return model;
    } finally {
      if (m) x.trm_web_model_free(m);
      if (cfg) x.trm_web_config_free(cfg);
    }
  }

  // The keys of obj into the config cfg, 'task' first: core checks 'charset' against the task
  // set so far. A task this module does not support is named; other bad keys or values are `code`
  // errors that say `where` (unknown keys only warn, for files from newer versions).
  _applyConfig(cfg, obj, warn, where, code) {
    if (typeof obj.task === 'string' && !this.tasks.some((t) => t.name === obj.task)) {
      fail('unsupported_task', `${where}: the model's task '${obj.task}' is not one this module supports ` +
        `(${this.tasks.map((t) => t.name).join(', ')})`);
    }
    const keys = Object.keys(obj).sort((a, b) => (b === 'task') - (a === 'task'));
    for (const k of keys) this._setConfigKey(cfg, k, obj[k], warn, where, code);
  }

  _setConfigKey(cfg, k, v, warn, where, code) {
    const x = this._x;
    const st = this._scoped((a) => {
      if (typeof v === 'number' || typeof v === 'boolean') return x.trm_web_config_set_number(cfg, a.str(k), Number(v), this._err);
      if (typeof v === 'string') return x.trm_web_config_set_string(cfg, a.str(k), a.str(v), this._err);
      // Any value is fine for a key this version does not know; a known key needs a scalar.
      const probe = x.trm_web_config_set_string(cfg, a.str(k), a.str(''), this._err);
      if (probe === S.UNKNOWN_KEY) return probe;
      fail(code, `${where} key '${k}': the value must be a number, boolean or string, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object'}`);
    });
    if (st === S.UNKNOWN_KEY) warn(`config: ${this._errMsg()} (ignored; written by a newer version?)`);
    else if (st !== S.OK) fail(code, `${where}: ${this._errMsg()}`);
  }

  _loadTensor(m, t) {
    const x = this._x;
    const st = this._scoped((a) => {
      const shape = a.bytes(8 * Math.max(1, t.shape.length));
      const data = a.bytes(t.data.length);
      const v = this._views();
      t.shape.forEach((d, i) => { v._f64[shape / 8 + i] = d; });
      v._u8.set(t.data, data);
      return x.trm_web_model_load_tensor(m, a.str(t.name), a.str(t.dtype), shape, t.shape.length, data, t.data.length, this._err);
    });
    this._check(st, (s) => (s === S.SHAPE ? 'bad_shape' : 'bad_model'));
  }

  /**
   * A new model with TRM §5.7 random weights: config holds official keys on top of the official
   * defaults (unknown keys are errors here). For tests and demos; save it with model.save().
   */
  createModel(config = {}, options) {
    const { seed = 0 } = optionsArg(options, 'createModel', ['seed']);
    if (!config || typeof config !== 'object' || Array.isArray(config)) fail('bad_argument', 'createModel: config must be an object');
    const [lo, hi] = split64(seed, 'createModel: seed');
    const x = this._x;
    let cfg = 0, m = 0;
    try {
      cfg = x.trm_web_config_create();
      if (!cfg) fail('out_of_memory', 'out of memory for a config');
      this._applyConfig(cfg, config, (msg) => fail('bad_argument', `createModel: ${msg.replace(/ \(ignored.*$/, '')}`),
        'createModel: config', 'bad_argument');
      m = this._scoped(() => x.trm_web_model_create(cfg, this._err));
      if (!m) this._check(x.trm_web_error_code(this._err) || S.INVALID, () => 'bad_argument');
      x.trm_web_model_init(m, lo, hi);
      const model = new Model(this, m, [], []);
      m = 0;
      return model;
    } finally {
      if (m) x.trm_web_model_free(m);
      if (cfg) x.trm_web_config_free(cfg);
    }
  }

  // ---- mazes: the maze task's helpers (grids over its charset), whatever task a model has ----

  /**
   * Maze #index of seed `seed` from core's generator (identical to native trm-maze).
   * Returns { grid, answer, pathLength, seed, index, height, width, algorithm }.
   */
  generateMaze(options) {
    options = optionsArg(options, 'generateMaze', ['size', 'height', 'width', 'seed', 'index', 'algorithm', 'minPath', 'unique']);
    const { size, seed = 0, index = 0, algorithm = 'lehnert', minPath } = options;
    const unique = boolOption(options.unique, 'generateMaze: unique', false);
    const h = intOption(options.height ?? size ?? 30, 'generateMaze: height', 1, 1024);
    const w = intOption(options.width ?? size ?? 30, 'generateMaze: width', 1, 1024);
    const alg = ALGORITHMS[algorithm];
    if (alg === undefined) fail('bad_argument', `generateMaze: algorithm '${algorithm}' is not 'lehnert', 'dfs', 'dfs-any' or 'sparse'`);
    const mp = minPath === undefined ? -1 : intOption(minPath, 'generateMaze: minPath', 0, h * w);
    const [slo, shi] = split64(seed, 'generateMaze: seed');
    const [ilo, ihi] = split64(index, 'generateMaze: index');
    return this._scoped((a) => {
      const q = a.bytes(h * w + 1), l = a.bytes(h * w + 1), len = a.bytes(4);
      const st = this._x.trm_web_maze_generate(alg, h, w, mp, unique ? 1 : 0, slo, shi, ilo, ihi, q, l, len, this._err);
      this._check(st, () => 'bad_argument');
      return {
        grid: this._cstr(q, h * w), answer: this._cstr(l, h * w), pathLength: this._views()._i32[len / 4],
        seed, index, height: h, width: w, algorithm,
      };
    });
  }

  /**
   * Check an answer against a question (and optionally a label) by the rules of a task: options.task,
   * else the question's own task field (a generated Sudoku has one), else 'maze'. The answer may
   * hold anything a model predicts. Returns { valid, optimal, exact (null without a label), length
   * (null if not valid), shortest (null if the question has no solution), reason }: for mazes
   * length and shortest are moves (the answer's path, the BFS distance); for sudoku both are the
   * blanks filled, and valid (= optimal) means a solved grid that keeps every given.
   */
  verify(grid, answer, label, options) {
    const task = this._taskArg(optionsArg(options, 'verify', ['task']).task ?? grid?.task, 'verify');
    const fixed = task.name === SUDOKU ? SUDOKU_SHAPE : undefined;
    const q = gridArg(grid, 'verify: grid', fixed);
    checkAscii(q.text, q.w, 'verify: grid', task.charset);
    const shape = { h: q.h, w: q.w };
    const ans = gridArg(answer, 'verify: answer', shape);
    const lab = label === undefined || label === null ? null : gridArg(label, 'verify: label', shape);
    if (lab) checkAscii(lab.text, lab.w, 'verify: label', task.charset);
    return this._scoped((a) => {
      const out = a.bytes(5 * 4), reason = a.bytes(96);
      const st = this._x.trm_web_verify(task.index, a.str(q.text, true), a.str(ans.text, true),
        lab ? a.str(lab.text, true) : 0, q.h, q.w, out, reason, this._err);
      this._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.FORMAT ? 'bad_grid' : 'bad_argument'));
      const v = this._views()._i32.subarray(out / 4, out / 4 + 5);
      return {
        valid: v[0] === 1, optimal: v[1] === 1, exact: lab ? v[2] === 1 : null,
        length: v[3] >= 0 ? v[3] : null, shortest: v[4] >= 0 ? v[4] : null, reason: this._cstr(reason),
      };
    });
  }

  // A task by name ('maze' when undefined): { name, charset, index } of this module's registry.
  _taskArg(name, what) {
    if (name === undefined || name === null) name = MAZE;
    const index = this.tasks.findIndex((t) => t.name === name);
    if (index < 0) {
      fail(typeof name === 'string' ? 'unsupported_task' : 'bad_argument',
        `${what}: task ${JSON.stringify(name)} is not one this module supports (${this.tasks.map((t) => t.name).join(', ')})`);
    }
    return { ...this.tasks[index], index };
  }

  /** The question with one shortest path marked 'o' (core's tie rule). Throws 'no_path' if G is unreachable. */
  shortestPath(grid) {
    const q = gridArg(grid, 'shortestPath: grid');
    checkAscii(q.text, q.w, 'shortestPath: grid', this._mazeCharset);
    return this._scoped((a) => {
      const out = a.bytes(q.h * q.w + 1), len = a.bytes(4);
      const st = this._x.trm_web_maze_solve(a.str(q.text, true), q.h, q.w, out, len, this._err);
      this._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.FORMAT ? 'bad_grid' : s === S.INVALID ? 'no_path' : 'bad_argument'));
      return this._cstr(out, q.h * q.w);
    });
  }

  /**
   * How many shortest paths a question has: { length (BFS moves; null if G is unreachable),
   * count (saturating at cap; 0 if unreachable) }.
   */
  countShortestPaths(grid, options) {
    const { cap = 1000 } = optionsArg(options, 'countShortestPaths', ['cap']);
    const q = gridArg(grid, 'countShortestPaths: grid');
    checkAscii(q.text, q.w, 'countShortestPaths: grid', this._mazeCharset);
    const c = intOption(cap, 'countShortestPaths: cap', 1, 1e9);
    return this._scoped((a) => {
      const len = a.bytes(4), cnt = a.bytes(4);
      const st = this._x.trm_web_maze_count(a.str(q.text, true), q.h, q.w, c, len, cnt, this._err);
      this._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.FORMAT ? 'bad_grid' : 'bad_argument'));
      const v = this._views()._i32;
      return { length: v[len / 4] >= 0 ? v[len / 4] : null, count: v[cnt / 4] };
    });
  }

  // ---- sudoku: the sudoku task's helpers (9x9 grids over ".123456789", '0' read as '.') ----

  /**
   * Puzzle #index of seed `seed` from core's generator (identical to row #index of native
   * trm-sudoku with the same seed, generator and minRating): a random solved grid dug to a
   * minimal puzzle with one solution ('symmetric': clues removed in centre-symmetric pairs),
   * drawn again (up to maxGrids solved grids, default 1000) until it rates >= minRating. With
   * maxRating, puzzles index, index + 1, ... are drawn until one rates <= maxRating (at most 100):
   * the result's index says which was kept. Returns { grid, solution, rating, seed, index,
   * generator, height: 9, width: 9, task: 'sudoku' }. Ratings (the backtracks of the C solver's
   * proof of uniqueness; 0: singles solve it): about 42% of minimal puzzles rate 0, 19% 1, 20%
   * 2-3, 14% 4-7, 4% 8-15, under 1% >= 16.
   */
  generateSudoku(options) {
    options = optionsArg(options, 'generateSudoku', ['seed', 'index', 'generator', 'minRating', 'maxRating', 'maxGrids']);
    const { seed = 0, index = 0, generator = 'minimal' } = options;
    const gen = SUDOKU_GENERATORS.indexOf(generator);
    if (gen < 0) fail('bad_argument', `generateSudoku: generator '${generator}' is not ${SUDOKU_GENERATORS.map((g) => `'${g}'`).join(' or ')}`);
    const minRating = intOption(options.minRating ?? 0, 'generateSudoku: minRating', 0, 2 ** 31 - 1);
    const maxRating = options.maxRating === undefined || options.maxRating === null ? -1
      : intOption(options.maxRating, 'generateSudoku: maxRating', 0, 2 ** 31 - 1);
    if (maxRating >= 0 && maxRating < minRating) fail('bad_argument', `generateSudoku: maxRating ${maxRating} is below minRating ${minRating}`);
    const maxGrids = intOption(options.maxGrids ?? 1000, 'generateSudoku: maxGrids', 1, 1e7);
    const [slo, shi] = split64(seed, 'generateSudoku: seed');
    const [ilo, ihi] = split64(index, 'generateSudoku: index');
    return this._scoped((a) => {
      const q = a.bytes(82), sol = a.bytes(82), rating = a.bytes(4), kept = a.bytes(8);
      const st = this._x.trm_web_sudoku_generate(gen, minRating, maxRating, maxGrids, slo, shi, ilo, ihi, q, sol, rating,
        kept, this._err);
      this._check(st, () => 'bad_argument', 'generateSudoku: ');
      const v = this._views()._i32, u = new Uint32Array(this._x.memory.buffer, kept, 2);
      const k = BigInt(u[1]) << 32n | BigInt(u[0]);
      return {
        grid: this._cstr(q, 81), solution: this._cstr(sol, 81), rating: v[rating / 4], seed,
        index: typeof index === 'bigint' ? k : Number(k), generator, height: 9, width: 9, task: SUDOKU,
      };
    });
  }

  /**
   * Solve a sudoku with core's counting search (not the model): { solutions (0, 1 or 2: the
   * search stops at the second), solution (the first found, or null), rating (the backtracks of
   * the search that proves the solution unique, as generateSudoku rates; null unless solutions is
   * 1), guesses, backtracks (the search's effort) }. The grid: 81 characters of ".123456789" ('0'
   * for a blank too), 9 rows joined by "\n", or { grid }. Givens that clash (two equal digits in a
   * row, column or box) throw 'bad_grid' naming them.
   */
  solveSudoku(grid) {
    const q = gridArg(grid, 'solveSudoku: grid', SUDOKU_SHAPE);
    const charset = this._taskArg(SUDOKU, 'solveSudoku').charset;
    checkAscii(q.text, q.w, 'solveSudoku: grid', charset);
    return this._scoped((a) => {
      const sol = a.bytes(82), out = a.bytes(3 * 8);
      const st = this._x.trm_web_sudoku_solve(a.str(q.text, true), q.text.length, 2, sol, out, this._err);
      this._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.FORMAT ? 'bad_grid' : 'bad_argument'), 'solveSudoku: ');
      const [solutions, guesses, backtracks] = this._views()._f64.subarray(out / 8, out / 8 + 3);
      return {
        solutions, solution: solutions ? this._cstr(sol, 81) : null, rating: solutions === 1 ? backtracks : null,
        guesses, backtracks,
      };
    });
  }

  /**
   * Run every kernel of a SIMD set against the scalar reference inside the module on random
   * shapes with ragged tails. Returns { kernels, max, errors: { gemm_nt: ..., ... } }; errors are
   * max |simd - scalar| / max(1, |scalar|).
   */
  selftestKernels(options) {
    const { kernels = '', seed = 1, trials = 20 } = optionsArg(options, 'selftestKernels', ['kernels', 'seed', 'trials']);
    return this._scoped((a) => {
      const n = this._x.trm_web_selftest_kernel_count();
      const out = a.bytes(8 * n);
      const max = this._x.trm_web_selftest_kernels(kernels ? a.str(kernels) : 0, seed >>> 0, trials, out);
      if (max === -1) fail('bad_argument', `selftestKernels: kernel set '${kernels}' is not in this build`);
      if (max === -2) fail('out_of_memory', 'selftestKernels: out of memory');
      const e = this._views()._f64.subarray(out / 8, out / 8 + n);
      const errors = {};
      KERNEL_NAMES.forEach((k, i) => { errors[k] = e[i]; });
      return { kernels: kernels || this.kernels, max, errors };
    });
  }
}

// ---- models and solvers ------------------------------------------------------------------

/** A loaded model. Free it with model.free() (which also frees its solvers). */
export class Model {
  constructor(trm, ptr, warnings, skipped, training = null) {
    this._trm = trm;
    /**
     * What the model was trained on (__metadata__.training), or null when the file does not say:
     * { task, height, width, pathMin, pathMax, kinds: [{ algorithm, minPath, unique, share,
     * pathMin, pathMax }] }; algorithm null for data from elsewhere.
     */
    this.training = training;
    this._ptr = ptr;
    this._solvers = new Set();
    /** Warnings raised while loading (unknown config keys, missing format). */
    this.warnings = warnings;
    /** Tensors left out because of ignoreUnknownTensors. */
    this.skippedTensors = skipped;
    const x = trm._x;
    const need = x.trm_web_model_config_json(ptr, 0, 0);
    const json = trm._scoped((a) => {
      const p = a.bytes(need + 1);
      x.trm_web_model_config_json(ptr, p, need + 1);
      return trm._cstr(p, need);
    });
    /** The config with the official key names (TRM §0), as core normalised it. */
    this.config = Object.freeze(JSON.parse(json));
    /** The task whose grids the model solves: { name, charset } (mazes for files that name none). */
    this.task = modelTask(this.config);
    this.paramCount = x.trm_web_model_param_count(ptr);
    /** Views of a voted solve (SolveOptions.vote): the task's shape-keeping transforms of the
     * model's grid (8 rotations and reflections of a square maze, 4 of a non-square one; 8 fixed
     * shuffles of a sudoku: digits relabelled, bands, stacks, rows and columns permuted). */
    this.views = x.trm_web_model_views(ptr);
  }

  _live() {
    if (!this._ptr) fail('freed', 'this model was freed');
    return this._ptr;
  }

  get height() { return this.config.grid_height; }
  get width() { return this.config.grid_width; }
  get freed() { return !this._ptr; }

  // The maze helpers refuse any other task's model by name.
  _mazeOnly(what) {
    if (this.task.name !== MAZE) fail('unsupported_task', `${what}: this model's task is '${this.task.name}'; ${what} is for maze models`);
  }

  /** Kernel set in use ('wasm128' or 'scalar'). */
  get kernels() { return this._trm._cstr(this._trm._x.trm_web_model_kernels(this._live())); }
  set kernels(name) {
    const p = this._live();
    const ok = this._trm._scoped((a) => this._trm._x.trm_web_model_set_kernels(p, a.str(String(name))));
    if (!ok) fail('bad_argument', `kernel set '${name}' is not in this build (try 'wasm128' or 'scalar')`);
  }

  /**
   * The model as safetensors bytes (the format native trm-* tools read): every tensor of the
   * table in table order, as F32 (exact), BF16 or F16 (rounded to nearest even).
   */
  save(options) {
    const { dtype = 'F32' } = optionsArg(options, 'save', ['dtype']);
    const p = this._live();
    const trm = this._trm, x = trm._x;
    const width = { F32: 4, BF16: 2, F16: 2 }[dtype];
    if (!width) fail('bad_argument', `save: dtype '${dtype}' is not F32, BF16 or F16`);
    const n = x.trm_web_model_tensor_count(p);
    const meta = { format: MODEL_FORMAT, config: JSON.stringify(this.config) };
    if (this.training) meta.training = JSON.stringify(trainingToFile(this.training));
    const tensors = trm._scoped((a) => {
      const info = a.bytes(12), out = [];
      for (let i = 0; i < n; i++) {
        const name = trm._cstr(x.trm_web_model_tensor_name(p, i));
        const d = x.trm_web_model_tensor(p, i, info);
        const [ndim, s0, s1] = trm._views()._i32.subarray(info / 4, info / 4 + 3);
        const shape = ndim === 1 ? [s0] : [s0, s1];
        const f = trm._f32.slice(d / 4, d / 4 + s0 * (ndim === 1 ? 1 : s1));
        out.push({ name, dtype, shape, bytes: encodeFloats(f, dtype, name) });
      }
      return out;
    });
    return writeSafetensors(meta, tensors);
  }

  /**
   * Maze #index of seed `seed` drawn from the model's training distribution: the kind (generator
   * and its settings) is picked by (seed, index) with the kinds' shares, then generated as
   * trm.generateMaze does. options.kind (an index into training.kinds) forces a kind. Without
   * training metadata: random walls of the model's size with the generator's defaults.
   * Returns a Maze plus kind (the index, or null).
   */
  generateMaze(options) {
    const { seed = 0, index = 0, kind } = optionsArg(options, 'model.generateMaze', ['seed', 'index', 'kind']);
    this._live();
    this._mazeOnly('generateMaze');
    const kinds = (this.training?.kinds ?? []).map((k, i) => ({ ...k, i })).filter((k) => k.algorithm);
    const base = { height: this.height, width: this.width, seed, index };
    if (!kinds.length) {
      if (kind !== undefined && kind !== null) fail('bad_argument', 'generateMaze: this model records no training kinds');
      return { ...this._trm.generateMaze(base), kind: null };
    }
    let k;
    if (kind !== undefined && kind !== null) {
      const i = intOption(kind, 'generateMaze: kind', 0, (this.training.kinds.length || 1) - 1);
      k = kinds.find((c) => c.i === i);
      if (!k) fail('bad_argument', `generateMaze: training kind ${i} is not from a generator`);
    } else {
      const total = kinds.reduce((a, c) => a + c.share, 0) || 1;
      let u = pickUnit(seed, index) * total;
      k = kinds[kinds.length - 1];
      for (const c of kinds) {
        if (u < c.share) { k = c; break; }
        u -= c.share;
      }
    }
    const maze = this._trm.generateMaze({ ...base, algorithm: k.algorithm, minPath: k.minPath, unique: k.unique });
    return { ...maze, kind: k.i };
  }

  /**
   * Whether a question is like the mazes the model was trained on: { fits, shortest (BFS moves,
   * null if unreachable), paths (number of shortest paths, saturating at 1000), reasons: strings
   * saying how it differs (empty when it fits, or when the model records no training data) }.
   */
  trainingFit(grid) {
    this._live();
    this._mazeOnly('trainingFit');
    const q = gridArg(grid, 'trainingFit: grid', { h: this.height, w: this.width });
    const { length, count } = this._trm.countShortestPaths({ grid: q.text, height: q.h, width: q.w });
    const reasons = [];
    const t = this.training;
    const moves = (n) => `${n} move${n === 1 ? '' : 's'}`;
    if (length === null) reasons.push('G cannot be reached from S');
    else if (t) {
      if (t.pathMax >= 0 && length > t.pathMax) reasons.push(`its shortest path (${moves(length)}) is longer than any training maze (at most ${t.pathMax})`);
      if (t.pathMin >= 0 && length < t.pathMin) reasons.push(`its shortest path (${moves(length)}) is shorter than any training maze (at least ${t.pathMin})`);
      if (count > 1 && t.kinds.length && t.kinds.every((k) => k.unique)) reasons.push(`it has ${count >= 1000 ? '1000+' : count} shortest paths; every training maze had one`);
    }
    return { fits: reasons.length === 0, shortest: length, paths: count, reasons };
  }

  /** A new solver (one question at a time; with vote, its views at once) for this model. */
  solver() {
    const p = this._live();
    const trm = this._trm;
    const sp = trm._scoped(() => trm._x.trm_web_solver_create(p, trm._err));
    if (!sp) trm._check(trm._x.trm_web_error_code(trm._err) || S.NOMEM, () => 'out_of_memory');
    const s = new Solver(this, sp);
    this._solvers.add(s);
    return s;
  }

  /** Free the model and every solver made from it. Safe to call twice. */
  free() {
    if (!this._ptr) return;
    for (const s of this._solvers) s.free();
    this._trm._x.trm_web_model_free(this._ptr);
    this._ptr = 0;
  }
}

/** Runs the model pass by pass on one grid. */
export class Solver {
  constructor(model, ptr) {
    this._model = model;
    this._trm = model._trm;
    this._ptr = ptr;
    this._maxPasses = 0;
    this._earlyHalt = false;
    this._views = 1; // > 1: a voted solve
    this._done = false;
    this._run = 0;
  }

  _live() {
    if (!this._ptr) fail('freed', this._model.freed ? 'this solver\'s model was freed' : 'this solver was freed');
    return this._ptr;
  }

  get freed() { return !this._ptr; }
  /** Passes done since the last reset. */
  get passes() { return this._trm._x.trm_web_solver_passes(this._live()); }

  /**
   * Start on a question grid (h*w characters of the model's task.charset, rows joined by "\n",
   * or { grid, height, width }; a sudoku's blanks may be '0' too). The question must be one the
   * task accepts ('bad_grid' names what is wrong: a maze without one S and one G, a sudoku whose
   * givens clash). maxSteps: supervision steps (default: the model's
   * halt_max_steps); earlyHalt: stop at the first supervision step whose q_halt logit is > 0 and
   * whose answer equals the previous step's (core's rule: trm_solver_halt_step); vote: symmetry
   * voting, as native trm-eval --vote: the question is solved in each of its model.views views
   * (a maze's rotations and reflections, a sudoku's fixed shuffles) at once, the answers are transformed back and each pass's
   * answer is the one most views give (views times the compute; with earlyHalt a view votes with
   * its answer at its halting step, and the solve halts once every view has).
   */
  reset(grid, options) {
    const { maxSteps } = optionsArg(options, 'reset', ['maxSteps', 'earlyHalt', 'vote']);
    const earlyHalt = boolOption(options?.earlyHalt, 'reset: earlyHalt', false);
    const vote = boolOption(options?.vote, 'reset: vote', false);
    const p = this._live();
    const m = this._model;
    const q = gridArg(grid, 'grid', { h: m.height, w: m.width });
    checkAscii(q.text, q.w, 'grid', m.task.charset);
    const steps = maxSteps === undefined || maxSteps === null ? m.config.halt_max_steps : intOption(maxSteps, 'maxSteps', 1, 1e6);
    const trm = this._trm;
    const st = trm._scoped((a) => trm._x.trm_web_solver_reset(p, a.str(q.text, true), q.text.length, vote ? 1 : 0,
      earlyHalt ? 1 : 0, trm._err));
    trm._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.SHAPE ? 'size_mismatch' : 'bad_grid'));
    this._maxPasses = steps * m.config.H_cycles;
    this._earlyHalt = earlyHalt;
    this._views = trm._x.trm_web_solver_views(p);
    this._done = false;
    this._run++; // a solve() generator of an earlier reset must not go on with this grid
  }

  /**
   * One refinement pass. Returns { index (0-based pass number), step (1-based supervision step),
   * recursion (1-based within the step), grid, confidence, qHalt, haltProb, ms, halted, done,
   * votes }. qHalt/haltProb are null except on the last pass of a supervision step. With vote:
   * grid is the answer most views give, confidence the share of views agreeing with it on each
   * cell, qHalt the mean q_halt logit of the views that gave it, votes { views, agree, distinct }
   * (null without vote), and halted/done come when every view has halted.
   */
  pass() {
    const p = this._live();
    const trm = this._trm, x = trm._x;
    const t0 = performance.now();
    const n = x.trm_web_solver_pass(p);
    const ms = performance.now() - t0;
    if (n < 0) fail('state', 'call reset(grid) before pass()');
    const m = this._model, T = m.config.H_cycles, cells = m.height * m.width;
    const grid = trm._cstr(x.trm_web_solver_chars(p), cells);
    const c = x.trm_web_solver_confidence(p) / 4;
    const confidence = trm._views()._f32.slice(c, c + cells);
    const stepEnd = n % T === 0;
    const qHalt = stepEnd ? x.trm_web_solver_halt_logit(p) : null;
    // core's halting rule (q_halt > 0 on an answer that did not change during the step); when
    // voting, the step at which the last view halted
    const halted = stepEnd && this._earlyHalt && x.trm_web_solver_halt_step(p) === n / T;
    this._done = this._done || n >= this._maxPasses || halted;
    let votes = null;
    if (this._views > 1) { // trm_vote: winner, agree, distinct (int32)
      const v = x.trm_web_solver_vote(p) / 4, i32 = trm._views()._i32;
      votes = { views: this._views, agree: i32[v + 1], distinct: i32[v + 2] };
    }
    return {
      index: n - 1, step: Math.floor((n - 1) / T) + 1, recursion: ((n - 1) % T) + 1, grid, confidence,
      qHalt, haltProb: stepEnd ? sigmoid(qHalt) : null, ms, halted, done: this._done, votes,
    };
  }

  /** reset(grid, options), then yield pass() until done (maxSteps reached or halted early). */
  *solve(grid, options) {
    this.reset(grid, options);
    const run = this._run;
    for (;;) {
      if (this._run !== run) fail('state', 'this solver was reset (by another solve() or reset()) while this solve() was running; use one solver per concurrent solve');
      const r = this.pass();
      yield r;
      if (r.done) return;
    }
  }

  /** Free the solver's memory. Safe to call twice. */
  free() {
    if (!this._ptr) return;
    this._trm._x.trm_web_solver_free(this._ptr);
    this._ptr = 0;
    this._model._solvers.delete(this);
  }
}

export default TRM;
