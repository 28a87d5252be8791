// trm-worker.js: TRMWorker, the library run in a Worker so that a page stays responsive while
// the model thinks: a browser module Worker, or a worker_threads thread in Node. Everything is
// asynchronous; a solve streams its passes (async iteration or an onPass callback) and can be
// cancelled between two passes. Exported by trm.js; the thread's side is trm-worker-thread.js.
//
//   const worker = await TRMWorker.create();               // { wasm, workerUrl } optional
//   const model = await worker.loadModel('model.safetensors'); // bytes, URL/path, Response, Blob
//   const run = model.solve(maze.grid, { maxSteps: 16 });
//   for await (const pass of run) draw(pass);              // or { onPass } and await run.result
//   run.cancel();                                          // from a Stop button, say
//   worker.terminate();
import {
  TRMError, fail, importNode, isBlob, isBytes, isNode, isResponse, isUrl, optionsArg, readSource,
} from './trm-common.js';
import { modelTask } from './trm-model-file.js';

// The Worker in this environment behind one small interface: post, listen, ref/unref (Node: an
// idle worker must not keep the process alive), terminate.
async function startWorker(workerUrl) {
  if (isNode) {
    const { Worker } = await importNode('worker_threads');
    // A worker inherits the process's options, but `node --input-type=module -e ...` has one
    // that a worker started from a file refuses.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const w = new Worker(workerUrl ?? new URL('./trm-worker-thread.js', import.meta.url), { execArgv });
    return {
      post: (m, t) => w.postMessage(m, t), terminate: () => w.terminate(), ref: () => w.ref(), unref: () => w.unref(),
      listen(onMessage, onDead) {
        w.on('message', onMessage);
        w.on('error', (e) => onDead(`the worker failed: ${e.message}`));
        w.on('exit', (code) => onDead(`the worker exited (code ${code})`));
      },
    };
  }
  // Written out in full so that bundlers that know the pattern (webpack 5, Vite) emit the worker.
  const w = workerUrl ? new Worker(workerUrl, { type: 'module' })
    : new Worker(new URL('./trm-worker-thread.js', import.meta.url), { type: 'module' });
  return {
    post: (m, t) => w.postMessage(m, t), terminate: () => w.terminate(), ref() {}, unref() {},
    listen(onMessage, onDead) {
      w.addEventListener('message', (e) => onMessage(e.data));
      w.addEventListener('error', (e) => { e.preventDefault?.(); onDead(`the worker failed: ${e.message || 'it could not start'}`); });
      w.addEventListener('messageerror', () => onDead('the worker sent a message that cannot be read'));
    },
  };
}

// What can cross to the worker: a relative URL would be resolved against the worker's script,
// not the page, so it is made absolute here; a Response or Blob is read here.
async function wasmForWorker(wasm) {
  if (wasm === undefined || wasm instanceof WebAssembly.Module || isBytes(wasm)) return wasm;
  if (isUrl(wasm)) return isNode || wasm instanceof URL ? String(wasm) : new URL(wasm, globalThis.location?.href).href;
  if (isResponse(wasm) || isBlob(wasm)) return readSource(wasm, 'TRMWorker.create');
  return fail('bad_argument', 'TRMWorker.create: options.wasm must be a URL, a path, bytes, a Response, a Blob or a WebAssembly.Module');
}

// The caller's bytes as they are when they fill their buffer, else a copy of just them: postMessage
// would copy the whole buffer under a view (a Node Buffer may sit in an 8 KB pool).
function ownBytes(b) {
  const whole = b instanceof ArrayBuffer || (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength);
  return whole ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
}

function errorFrom(e) {
  if (e.name === 'TRMError') return new TRMError(e.code, e.message);
  const err = new Error(e.message); // a bug, not bad input: keep what it was
  err.name = e.name;
  return err;
}

/** A Worker running its own TRM instance. Create with `await TRMWorker.create()`. */
export class TRMWorker {
  static async create(options) {
    const { wasm, workerUrl } = optionsArg(options, 'TRMWorker.create', ['wasm', 'workerUrl']);
    if (workerUrl !== undefined && !isUrl(workerUrl)) fail('bad_argument', 'TRMWorker.create: workerUrl must be a URL or a path');
    const src = await wasmForWorker(wasm);
    let port;
    try {
      port = await startWorker(workerUrl);
    } catch (e) {
      fail('bad_argument', `TRMWorker.create: cannot start the worker ${String(workerUrl ?? './trm-worker-thread.js')}: ${e.message}`);
    }
    const w = new TRMWorker(port);
    try {
      w.kernels = (await w._send({ op: 'init', wasm: src }).promise).kernels;
    } catch (e) {
      w.terminate();
      throw e;
    }
    return w;
  }

  constructor(port) {
    if (!port || typeof port.post !== 'function') fail('bad_argument', 'use TRMWorker.create() to create a TRMWorker');
    this._port = port;
    this._pending = new Map(); // request id -> { resolve, reject, onPass }
    this._nextId = 1;
    this._dead = null; // why the worker is gone
    /** Kernel set of the worker's module ('wasm128' or 'scalar'). */
    this.kernels = '';
    port.listen((m) => this._receive(m), (why) => this._die(why));
  }

  get terminated() { return this._dead !== null; }

  // Send a request; returns its id and the promise of its answer.
  _send(msg, { transfer = [], onPass } = {}) {
    const id = this._nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this._dead) throw new TRMError('terminated', this._dead);
      try {
        this._port.post({ ...msg, id }, transfer);
      } catch (e) {
        throw new TRMError('bad_argument', `cannot send this to the worker: ${e.message}`);
      }
      this._pending.set(id, { resolve, reject, onPass });
      if (this._pending.size === 1) this._port.ref();
    });
    return { id, promise };
  }

  _receive(msg) {
    const p = this._pending.get(msg.id);
    if (!p) return;
    if (msg.pass) { p.onPass?.(msg.pass); return; }
    this._pending.delete(msg.id);
    if (this._pending.size === 0) this._port.unref();
    if (msg.ok) p.resolve(msg.value);
    else p.reject(errorFrom(msg.error));
  }

  // The worker is gone, or in a state nobody knows (an uncaught error): stop it for good.
  _die(why) {
    if (this._dead) return;
    this._dead = why;
    for (const p of this._pending.values()) p.reject(new TRMError('terminated', why));
    this._pending.clear();
    this._port.unref();
    this._port.terminate();
  }

  /**
   * Load a model in the worker: bytes (copied, the caller keeps them), a URL or path, a fetch
   * Response or a Blob (read here, then handed over). Options as trm.loadModel; onWarning is
   * called here for each warning once the model is loaded.
   */
  async loadModel(source, options) {
    const { ignoreUnknownTensors, onWarning } = optionsArg(options, 'loadModel', ['ignoreUnknownTensors', 'onWarning']);
    if (onWarning !== undefined && typeof onWarning !== 'function') fail('bad_argument', 'loadModel: onWarning must be a function');
    let bytes;
    if (isBytes(source)) bytes = ownBytes(source);
    else if (isUrl(source) || isResponse(source) || isBlob(source)) bytes = await readSource(source, 'loadModel');
    else {
      fail('bad_argument', 'loadModel: the model must be bytes, a URL or path, a fetch Response or a Blob, ' +
        `not ${source === null ? 'null' : typeof source}`);
    }
    const transfer = bytes === source ? [] : [bytes.buffer]; // a copy made here is ours to give away
    const info = await this._send({ op: 'loadModel', bytes, options: { ignoreUnknownTensors } }, { transfer }).promise;
    for (const w of info.warnings) onWarning?.(w);
    return new WorkerModel(this, info);
  }

  _call(method, args, model = 0) {
    return this._send({ op: 'call', method, args, model }).promise;
  }

  /** As trm.generateMaze, in the worker. */
  generateMaze(options) { return this._call('generateMaze', [options]); }
  /** As trm.verify, in the worker. */
  verify(grid, answer, label, options) { return this._call('verify', [grid, answer, label, options]); }
  /** As trm.shortestPath, in the worker. */
  shortestPath(grid) { return this._call('shortestPath', [grid]); }
  /** As trm.countShortestPaths, in the worker. */
  countShortestPaths(grid, options) { return this._call('countShortestPaths', [grid, options]); }
  /** As trm.generateSudoku, in the worker. */
  generateSudoku(options) { return this._call('generateSudoku', [options]); }
  /** As trm.solveSudoku, in the worker. */
  solveSudoku(grid) { return this._call('solveSudoku', [grid]); }
  /** As trm.encodeArc, in the worker. */
  encodeArc(grid, options) { return this._call('encodeArc', [grid, options]); }
  /** As trm.cropArc, in the worker. */
  cropArc(canvas) { return this._call('cropArc', [canvas]); }
  /** As trm.decodeArc, in the worker. */
  decodeArc(canvas) { return this._call('decodeArc', [canvas]); }
  /** As trm.augmentArc, in the worker. */
  augmentArc(grid, augmentation, options) { return this._call('augmentArc', [grid, augmentation, options]); }
  /** As trm.arcAugmentation, in the worker. */
  arcAugmentation(spec) { return this._call('arcAugmentation', [spec]); }
  /** As trm.arcViews, in the worker. */
  arcViews(which, options) { return this._call('arcViews', [which, options]); }
  /** As trm.voteArc, in the worker. */
  voteArc(answers, q) { return this._call('voteArc', [answers, q]); }

  /** Stop the worker at once (a solve in progress too); pending promises reject with 'terminated'. */
  terminate() {
    this._die('the worker was terminated');
  }
}

/** A model loaded in a TRMWorker. Its fields are those of Model; its methods return promises. */
export class WorkerModel {
  constructor(worker, info) {
    this._worker = worker;
    this._id = info.id;
    this.config = Object.freeze(info.config);
    /** As model.task: { name, charset }. */
    this.task = modelTask(this.config);
    this.paramCount = info.paramCount;
    /** As model.views: the views of a voted solve. */
    this.views = info.views;
    this.warnings = info.warnings;
    this.skippedTensors = info.skippedTensors;
    this.training = info.training;
    this.kernels = info.kernels;
  }

  get height() { return this.config.grid_height; }
  get width() { return this.config.grid_width; }
  get freed() { return !this._id; }

  _live() {
    if (!this._id) fail('freed', 'this model was freed');
    return this._id;
  }

  /**
   * Solve a question in the worker: a SolveRun that yields one Pass per refinement pass (for
   * await), or calls options.onPass(pass) for each; run.result resolves when it ends. Options:
   * maxSteps, earlyHalt, vote, views and puzzleIds (ARC models) (as solver.solve), onPass. Bad
   * options and a freed model throw here, at once; everything the worker finds wrong (the grid)
   * comes through the run.
   */
  solve(grid, options) {
    const { onPass, ...rest } = optionsArg(options, 'solve', ['maxSteps', 'earlyHalt', 'vote', 'views', 'puzzleIds', 'onPass']);
    if (onPass !== undefined && typeof onPass !== 'function') fail('bad_argument', 'solve: onPass must be a function');
    const opts = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)); // as the caller gave them
    return new SolveRun(this._worker, { op: 'solve', model: this._live(), grid, options: opts }, onPass);
  }

  /** As model.generateMaze, in the worker. */
  async generateMaze(options) { return this._worker._call('generateMaze', [options], this._live()); }
  /** As model.trainingFit, in the worker. */
  async trainingFit(grid) { return this._worker._call('trainingFit', [grid], this._live()); }

  /** Free the model in the worker (its solves in progress then fail with 'freed'). Safe to call twice. */
  async free() {
    const id = this._id;
    this._id = 0;
    if (id && !this._worker.terminated) await this._worker._send({ op: 'freeModel', model: id }).promise;
  }
}

/**
 * One solve in a worker. Passes are queued for async iteration, unless an onPass callback takes
 * them. cancel() (or leaving a for-await loop) stops it before the next pass.
 */
export class SolveRun {
  constructor(worker, request, onPass) {
    this._worker = worker;
    this._onPass = onPass;
    this._queue = [];
    this._waiter = null;
    this._ended = false;
    this._failure = null; // what onPass threw
    this._unreported = null; // the error that ended the solve, until next() reports it
    this._cancelled = false;
    let count = 0, last = null;
    const { id, promise } = worker._send(request, {
      onPass: (pass) => { count++; last = pass; this._deliver(pass); },
    });
    this._id = id;
    /** Resolves to { passes (how many ran), last (the last Pass, or null), cancelled } when the solve ends. */
    this.result = promise.then(
      (v) => {
        this._end(this._failure);
        if (this._failure) throw this._failure;
        return { passes: count, last, cancelled: v.cancelled };
      },
      (e) => { this._end(e); throw e; });
    this.result.catch(() => {}); // a failure is also reported by the iterator: not "unhandled" here
  }

  _deliver(pass) {
    if (this._cancelled) return; // asked to stop: passes still in flight are dropped
    if (this._onPass) {
      try { this._onPass(pass); } catch (e) { this._failure = e; this.cancel(); }
    } else if (this._waiter) {
      const w = this._waiter;
      this._waiter = null;
      w.resolve({ value: pass, done: false });
    } else {
      this._queue.push(pass);
    }
  }

  _end(error) {
    this._ended = true;
    const w = this._waiter;
    this._waiter = null;
    if (w && error) w.reject(error);
    else if (w) w.resolve({ value: undefined, done: true });
    else this._unreported = error;
  }

  /** Stop before the next pass; no more passes are delivered. result then says cancelled: true. */
  cancel() {
    if (this._ended || this._cancelled) return;
    this._cancelled = true;
    this._queue.length = 0;
    if (!this._worker.terminated) this._worker._port.post({ op: 'cancel', target: this._id });
  }

  next() {
    if (this._onPass) return Promise.reject(new TRMError('state', 'this solve gives its passes to onPass; it cannot also be iterated'));
    if (this._queue.length) return Promise.resolve({ value: this._queue.shift(), done: false });
    if (this._ended) {
      const e = this._unreported;
      this._unreported = null; // reported once; then the iterator is simply done
      return e ? Promise.reject(e) : Promise.resolve({ value: undefined, done: true });
    }
    if (this._waiter) return Promise.reject(new TRMError('state', 'next() called again before the previous one settled'));
    return new Promise((resolve, reject) => { this._waiter = { resolve, reject }; });
  }

  /** Leaving a for-await loop early cancels the solve. */
  return() {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() { return this; }
}
