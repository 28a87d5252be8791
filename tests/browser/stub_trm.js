// stub_trm.js: a pure-JS stand-in for web/trm.js with the same API shape, used only to develop
// and smoke-test the page's UI when the WebAssembly module is not built (never shipped; the page
// test serves it only when asked: TRM_PAGE_STUB=1). It "solves" by revealing the BFS path over
// the passes, with noise that fades, so the animation can be looked at.

export class TRMError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

function rng(seed) {
  let s = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function bfs(grid, h, w) {
  const s = grid.indexOf('S'), g = grid.indexOf('G');
  const prev = new Int32Array(h * w).fill(-2);
  const q = [s];
  prev[s] = -1;
  for (let k = 0; k < q.length; k++) {
    const i = q[k], r = Math.floor(i / w), c = i % w;
    for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const rr = r + dr, cc = c + dc;
      if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
      const j = rr * w + cc;
      if (prev[j] !== -2 || grid[j] === '#') continue;
      prev[j] = i;
      q.push(j);
    }
  }
  if (prev[g] === -2) return null;
  const path = [];
  for (let i = prev[g]; i !== s; i = prev[i]) path.push(i);
  return path.reverse();
}

function side(grid) { const n = Math.round(Math.sqrt(grid.length)); return [n, n]; }

export class TRM {
  static async load() { await new Promise((r) => setTimeout(r, 50)); return new TRM(); }

  generateMaze({ height: h, width: w, seed = 0, algorithm = 'lehnert' }) {
    for (let tries = 0; ; tries++) {
      const rand = rng(seed * 7919 + tries);
      const cells = [];
      for (let i = 0; i < h * w; i++) cells.push(rand() < (algorithm === 'dfs' ? 0.25 : 0.35) ? '#' : ' ');
      const s = Math.floor(rand() * h * w), g = Math.floor(rand() * h * w);
      if (s === g) continue;
      cells[s] = 'S'; cells[g] = 'G';
      const grid = cells.join('');
      const p = bfs(grid, h, w);
      if (!p || p.length + 1 < Math.max(h, w)) continue;
      return { grid, answer: this.shortestPath(grid), pathLength: p.length + 1 };
    }
  }

  shortestPath(g) {
    const grid = typeof g === 'string' ? g : g.grid;
    const [h, w] = typeof g === 'string' ? side(grid) : [g.height, g.width];
    const p = bfs(grid, h, w);
    if (!p) throw new TRMError('no_path', 'S and G are not connected');
    const a = grid.split('');
    for (const i of p) a[i] = 'o';
    return a.join('');
  }

  verify(g, a) {
    const grid = typeof g === 'string' ? g : g.grid, answer = typeof a === 'string' ? a : a.grid;
    const [h, w] = typeof g === 'string' ? side(grid) : [g.height, g.width];
    const p = bfs(grid, h, w);
    const shortest = p ? p.length + 1 : -1;
    const exp = p ? this.shortestPath(g) : null;
    let n = 0;
    for (let i = 0; i < answer.length; i++) if (answer[i] === 'o') n++;
    const valid = exp != null && answer === exp; // crude: the stub only knows the BFS path
    return { valid, optimal: valid, exact: null, length: valid ? n + 1 : null, shortest: p ? shortest : null, reason: valid ? '' : 'stub: not the BFS path' };
  }

  loadModel(bytes) {
    if (bytes.length < 8) throw new TRMError('format', `file too short (${bytes.length} bytes) to be safetensors`);
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    if (n > bytes.length - 8) throw new TRMError('format', `not a safetensors file: header length ${n} exceeds the file size`);
    let head;
    try { head = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))); } catch {
      throw new TRMError('format', 'not a safetensors file: header is not JSON');
    }
    const meta = head.__metadata__ ?? {};
    if (meta.format !== 'trm.c/1' || !meta.config) throw new TRMError('format', 'not a TRM model: no trm.c/1 metadata');
    const config = JSON.parse(meta.config);
    const h = config.grid_height, w = config.grid_width;
    const trm = this;
    return {
      height: h, width: w, config,
      free() {},
      solver() {
        return {
          free() {},
          *solve(grid, { maxSteps = 16, earlyHalt = true } = {}) {
            const best = bfs(grid, h, w) ?? [];
            const T = config.H_cycles ?? 3;
            const rand = rng(grid.length + best.length);
            for (let k = 0; k < maxSteps * T; k++) {
              const t0 = performance.now();
              const frac = Math.min(1, (k + 1) / 9);
              const a = grid.split('');
              const conf = new Float32Array(h * w).fill(0.95);
              best.forEach((i, j) => { if (j < best.length * frac) { a[i] = 'o'; conf[i] = 0.3 + 0.7 * frac; } });
              if (frac < 1) for (let j = 0; j < 6; j++) { const i = Math.floor(rand() * h * w); if (a[i] === ' ') { a[i] = 'o'; conf[i] = 0.3; } }
              const step = Math.floor(k / T) + 1, rec = (k % T) + 1;
              const endStep = rec === T;
              const q = frac < 1 ? -3 + k * 0.2 : 1.5;
              const done = k === maxSteps * T - 1 || (earlyHalt && endStep && q > 0);
              while (performance.now() - t0 < 8) { /* pretend to work */ }
              yield { index: k, step, recursion: rec, grid: a.join(''), confidence: conf,
                      haltProb: endStep ? 1 / (1 + Math.exp(-q)) : null, qHalt: endStep ? q : null,
                      ms: performance.now() - t0, done };
              if (done) return;
            }
          },
        };
      },
    };
  }
}

export default TRM;
