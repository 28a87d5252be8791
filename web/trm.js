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
// solveSudoku: core's generator and counting solver) on 9x9 sudoku grids only. Models of the task
// 'arc' (ARC-AGI) take ARC grids (number[][] of colours 0..9) instead of strings: the same
// solver runs the question in its views (augmentations on puzzle-embedding rows) and votes as the
// official evaluator does; the ARC helpers (encodeArc, cropArc, decodeArc, augmentArc,
// arcAugmentation, arcViews, voteArc) are core's arc.h (trm-arc.js).
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
//   const views = trm.arcViews({ identifiers, task: '00576224' }, { limit: 8 }); // ARC models
//   for (const p of solver.solve(task.test[0].input, { views })) draw(p.arc.views[0].canvas);
//   solver.free(); model.free();
//
// This is the entry point; its parts: trm-common.js (TRMError, argument checks, reading files),
// trm-model-file.js (the safetensors model file), trm-model.js (Model and Solver), trm-arc.js
// (ARC-AGI), trm-worker.js (TRMWorker: all of it in a Worker, asynchronous; its thread runs
// trm-worker-thread.js).

import {
  ALGORITHMS, S, TRMError, boolOption, checkAscii, checkResponse, fail, fetchOrRead, gridArg, intOption, isBlob,
  isBytes, isResponse, isUrl, optionsArg, readSource, split64, toBytes,
} from './trm-common.js';
import { parseSafetensors, parseTraining, readConfig } from './trm-model-file.js';
import { Model, Solver } from './trm-model.js';
import { arcAugmentation, arcViews, augmentArc, cropArc, decodeArc, encodeArc, voteArc } from './trm-arc.js';

export { Model, Solver, TRMError };
export { SolveRun, TRMWorker, WorkerModel } from './trm-worker.js';

const MAZE = 'maze'; // the task of the maze helpers
const SUDOKU = 'sudoku'; // the task of the sudoku helpers, whose grids are always 9 x 9
const SUDOKU_SHAPE = Object.freeze({ h: 9, w: 9 });
const SUDOKU_GENERATORS = ['minimal', 'symmetric']; // as core numbers them (trm_sudoku_generator)
const LOAD_MODEL_OPTIONS = ['ignoreUnknownTensors', 'onWarning'];
const KERNEL_NAMES = ['gemm_nt', 'gemm_nn', 'gemm_tn', 'rmsnorm_fwd', 'rmsnorm_bwd', 'swiglu_fwd',
  'swiglu_bwd', 'rope', 'rope_inverse', 'attention_fwd', 'attention_bwd'];

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

  // ---- ARC-AGI: the task 'arc' (core's arc.h; trm-arc.js) ----

  /**
   * The official 30x30 canvas of an ARC grid (Uint8Array(900): PAD 0, EOS 1, colour c as c + 2),
   * the grid's corner at (padRow, padCol) (default 0, 0). Bad grids throw naming the row and
   * column: 'size_mismatch' (ragged rows, no rows, over 30 rows or columns, or not fitting at the
   * pad), 'bad_grid' (a cell that is not a colour 0..9).
   */
  encodeArc(grid, options) { return encodeArc(this, grid, options); }
  /** The official crop of a canvas (900 tokens, anything a model predicts): an ArcGrid, [] when empty. */
  cropArc(canvas) { return cropArc(this, canvas); }
  /** The grid a well-formed canvas holds: { grid, padRow, padCol }; 'bad_grid' names the first cell that breaks the layout. */
  decodeArc(canvas) { return decodeArc(this, canvas); }
  /** An ARC grid seen through an augmentation (options.inverse: through the one that undoes it). */
  augmentArc(grid, augmentation, options) { return augmentArc(this, grid, augmentation, options); }
  /**
   * An augmentation, checked by core: from its name ("t3|||0481326597", the part of an official
   * puzzle name after "<task>|||"), its number, or { dihedral, colours }; null: the identity.
   * Returns { dihedral, colours, name, id }.
   */
  arcAugmentation(spec) { return arcAugmentation(this, spec); }
  /**
   * The views to solve an ARC question in ([{ puzzleId, augmentation }] for Solver.reset's
   * views): 'identity', 'dihedral' (its 8 rotations and reflections), { random: n, seed } (the
   * identity and n - 1 random augmentations: trm-eval --augmentations n --seed), or
   * { identifiers, task } (every row of the official identifiers.json that names the task, in
   * row order: trm-eval --identifiers). Options: puzzleId (row of the first three; default 0),
   * limit (keep the first views only).
   */
  arcViews(which, options) { return arcViews(this, which, options); }
  /**
   * The official vote over ARC answers (in the task's frame; [] for an empty crop) with q[i] =
   * sigmoid(q_halt) of each: the distinct answers best first, { grid, votes, meanQ, views }.
   */
  voteArc(answers, q) { return voteArc(this, answers, q); }

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

export default TRM;
