// trm-worker-thread.js: the inside of a TRMWorker (trm-worker.js starts it): one TRM instance in
// a browser module Worker or a Node worker_threads thread, answering the page's requests. Every
// request { op, id, ... } gets one answer { id, ok, value | error }; a solve also sends
// { id, pass } for each refinement pass first. Not for importing: give its URL to a Worker.
import { TRM, TRMError } from './trm.js';
import { importNode, isNode } from './trm-common.js';

const port = isNode ? (await importNode('worker_threads')).parentPort : globalThis;
if (!port || (!isNode && typeof globalThis.WorkerGlobalScope !== 'function')) {
  throw new Error('trm-worker-thread.js runs inside a Worker; use TRMWorker.create() from trm.js');
}
const post = (msg, transfer = []) => port.postMessage(msg, transfer);

let trm = null;
const models = new Map(); // id -> Model
const solves = new Map(); // id of a running solve -> { cancelled }
let nextModel = 1;

// Let queued messages (a cancel) in between two passes. setImmediate in Node; in browsers a
// MessageChannel round trip, since setTimeout(0) is clamped to 4 ms after a few nested calls.
const channel = typeof setImmediate === 'function' ? null : new MessageChannel();
const waiting = [];
if (channel) channel.port1.onmessage = () => waiting.shift()?.();
const yieldToEvents = () => new Promise((resolve) => {
  if (!channel) return setImmediate(resolve);
  waiting.push(resolve);
  channel.port2.postMessage(0);
});

function modelOf(id) {
  const m = models.get(id);
  if (!m || m.freed) throw new TRMError('freed', 'this model was freed');
  return m;
}

function modelInfo(id, m) {
  return { id, config: m.config, paramCount: m.paramCount, views: m.views, warnings: m.warnings,
           skippedTensors: m.skippedTensors, training: m.training, kernels: m.kernels };
}

// Cheap calls passed through as they are (generation and checking), by target.
const CALLS = {
  trm: ['generateMaze', 'verify', 'shortestPath', 'countShortestPaths', 'generateSudoku', 'solveSudoku', 'encodeArc',
    'cropArc', 'decodeArc', 'augmentArc', 'arcAugmentation', 'arcViews', 'voteArc'],
  model: ['generateMaze', 'trainingFit'],
};

async function solve(msg) {
  const solver = modelOf(msg.model).solver();
  const run = { cancelled: false };
  solves.set(msg.id, run);
  try {
    solver.reset(msg.grid, msg.options);
    for (;;) {
      if (run.cancelled) return { cancelled: true };
      const pass = solver.pass();
      post({ id: msg.id, pass }, [pass.confidence.buffer]);
      if (pass.done) return { cancelled: false };
      await yieldToEvents();
    }
  } finally {
    solver.free();
    solves.delete(msg.id);
  }
}

const OPS = {
  async init(msg) {
    trm = await TRM.load(msg.wasm === undefined ? undefined : { wasm: msg.wasm });
    return { kernels: trm.kernels };
  },
  loadModel(msg) {
    const id = nextModel++;
    models.set(id, trm.loadModel(msg.bytes, msg.options));
    return modelInfo(id, models.get(id));
  },
  freeModel(msg) {
    models.get(msg.model)?.free();
    models.delete(msg.model);
  },
  call(msg) {
    const target = msg.model ? modelOf(msg.model) : trm;
    if (!CALLS[msg.model ? 'model' : 'trm'].includes(msg.method)) throw new TRMError('bad_argument', `no worker call '${msg.method}'`);
    return target[msg.method](...msg.args);
  },
  solve,
};

async function handle(msg) {
  if (msg.op === 'cancel') { // no answer: the solve's own answer says it stopped
    if (solves.has(msg.target)) solves.get(msg.target).cancelled = true;
    return;
  }
  try {
    if (!trm && msg.op !== 'init') throw new TRMError('state', 'the worker has no module yet');
    post({ id: msg.id, ok: true, value: await OPS[msg.op](msg) });
  } catch (e) {
    // Errors do not survive postMessage with their class and code: send the parts.
    post({ id: msg.id, ok: false, error: { name: e?.name ?? 'Error', code: e?.code, message: e?.message ?? String(e) } });
  }
}

if (isNode) port.on('message', handle);
else port.addEventListener('message', (e) => handle(e.data));
