// worker.js: the demo page's module Worker. Every call into the WebAssembly module happens here,
// so the page never freezes while a pass runs.
//
// Protocol: the page posts { id, type, ...args }; the worker answers { id, ok: true, value } or
// { id, ok: false, error: { code, message } }. Calls are handled one at a time in arrival order.
// The page drives a solve pass by pass ('start', then 'next' per pass), so Pause is immediate and
// no pass is computed that will not be shown.

import { TRM } from '../trm.js';

const WASM_URL = new URL('../trm.wasm', import.meta.url);

let trm = null;      // the instantiated module
let model = null;    // the current model
let solver = null;   // its solver
let run = null;      // { it: generator of passes } for the solve in progress

function fail(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

function need(what) {
  if (!trm) throw fail('not_ready', 'the WebAssembly module is not loaded yet');
  if (what === 'model' && !model) throw fail('no_model', 'no model is loaded');
}

function cancelRun() {
  if (run) {
    try { run.it.return(); } catch { /* a finished generator has nothing to release */ }
    run = null;
  }
}

async function fetchBytes(url) {
  let res;
  try { res = await fetch(url); } catch (e) {
    throw fail('fetch', `cannot fetch ${url}: ${e.message}`);
  }
  if (!res.ok) throw fail('fetch', `cannot fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

// The page can only draw and edit maze grids: a model of the maze task, with a grid the page
// can show.
function checkMazeModel(m, name) {
  if (m.task.name !== 'maze') {
    throw fail('not_maze', `${name} is a TRM model of the task '${m.task.name}'; this page solves mazes`);
  }
  if (!(m.height >= 4 && m.width >= 4 && m.height <= 64 && m.width <= 64)) {
    throw fail('grid_size', `${name} has grid size ${m.height}x${m.width}; this page shows mazes from 4x4 to 64x64`);
  }
}

const handlers = {
  async init({ wasm }) {
    const t0 = performance.now();
    trm = await TRM.load({ wasm: wasm ?? WASM_URL.href });
    return { ms: performance.now() - t0 };
  },

  async loadModel({ url, bytes, name }) {
    need();
    const t0 = performance.now();
    const data = bytes ? new Uint8Array(bytes) : await fetchBytes(url);
    const label = name ?? url ?? 'the file';
    // A bad file leaves the current model in place: load first, swap after.
    const next = trm.loadModel(data);
    let nextSolver;
    try {
      checkMazeModel(next, label);
      nextSolver = next.solver();
    } catch (e) {
      next.free();
      throw e;
    }
    cancelRun();
    if (solver) solver.free();
    if (model) model.free();
    model = next;
    solver = nextSolver;
    return { height: model.height, width: model.width, config: model.config, training: model.training,
             views: model.views, bytes: data.byteLength, ms: performance.now() - t0 };
  },

  generate(opts) {
    need();
    const t0 = performance.now();
    const maze = trm.generateMaze(opts);
    return { grid: maze.grid, answer: maze.answer, pathLength: maze.pathLength, ms: performance.now() - t0 };
  },

  // A maze from the model's training distribution: one kind (kind = its index) or the mix.
  generateTrained({ seed, kind }) {
    need('model');
    const t0 = performance.now();
    const maze = model.generateMaze({ seed, index: 0, kind });
    return { grid: maze.grid, answer: maze.answer, pathLength: maze.pathLength, kind: maze.kind, algorithm: maze.algorithm,
             ms: performance.now() - t0 };
  },

  fit({ grid, height, width }) {
    need('model');
    return model.trainingFit({ grid, height, width });
  },

  start({ grid, maxSteps, earlyHalt, vote }) {
    need('model');
    cancelRun();
    run = { it: solver.solve(grid, { maxSteps, earlyHalt, vote }) };
    return true;
  },

  next() {
    need('model');
    if (!run) throw fail('state', 'no solve in progress');
    const r = run.it.next();
    if (r.done) {
      run = null;
      return { done: true };
    }
    const p = r.value;
    if (p.done) run = null;
    // Copy: the module may reuse its buffers for the next pass.
    return {
      done: false,
      pass: { index: p.index, step: p.step, recursion: p.recursion, grid: p.grid,
              confidence: Float32Array.from(p.confidence), haltProb: p.haltProb, qHalt: p.qHalt,
              ms: p.ms, halted: p.halted, done: p.done, votes: p.votes && { ...p.votes } },
    };
  },

  cancel() {
    cancelRun();
    return true;
  },

  // Grids travel with their shape: a row-major string alone is ambiguous unless square.
  verify({ grid, answer, height, width }) {
    need();
    return trm.verify({ grid, height, width }, { grid: answer, height, width });
  },

  shortest({ grid, height, width }) {
    need();
    return trm.shortestPath({ grid, height, width });
  },
};

let queue = Promise.resolve();

self.onmessage = (ev) => {
  const { id, type, ...args } = ev.data;
  queue = queue.then(async () => {
    try {
      const h = handlers[type];
      if (!h) throw fail('protocol', `unknown request '${type}'`);
      const value = await h(args);
      self.postMessage({ id, ok: true, value });
    } catch (e) {
      const code = e?.code ?? 'error';
      const message = e?.message ?? String(e);
      self.postMessage({ id, ok: false, error: { code: String(code), message } });
    }
  });
};
