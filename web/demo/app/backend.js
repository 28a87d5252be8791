// backend.js: the page's side of the worker protocol (see worker.js), plus a small grid helper.

// Requests to the module Worker as promises: call(type, args, transfer) resolves with the
// worker's value or rejects with an Error carrying the worker's { code, message }. If the worker
// cannot start (its module failed to load), every pending and later call rejects with that.
export class Backend {
  constructor(workerUrl) {
    this.seq = 0;
    this.pending = new Map();
    this.worker = new Worker(workerUrl, { type: 'module' });
    this.worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else p.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
    };
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      const err = new Error(`the solver worker failed to start (${ev.message || 'module could not be loaded'})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.broken = err;
    };
  }

  call(type, args = {}, transfer = []) {
    if (this.broken) return Promise.reject(this.broken);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }
}

// Cells on the segment between two cells (so fast strokes leave no gaps).
export function* lineCells(a, b, w) {
  let r0 = Math.floor(a / w), c0 = a % w;
  const r1 = Math.floor(b / w), c1 = b % w;
  const dr = Math.abs(r1 - r0), dc = Math.abs(c1 - c0);
  const sr = r0 < r1 ? 1 : -1, sc = c0 < c1 ? 1 : -1;
  let err = dc - dr;
  for (;;) {
    yield r0 * w + c0;
    if (r0 === r1 && c0 === c1) return;
    const e2 = 2 * err;
    if (e2 > -dr) { err -= dr; c0 += sc; }
    if (e2 < dc) { err += dc; r0 += sr; }
  }
}
