// render.js: draws a maze and the model's current answer on a canvas.
//
// Grids are row-major strings of h*w characters over "# SGo" (DESIGN.md §2). The question grid
// gives walls, S and G; the prediction (one refinement pass) gives path cells 'o' with the
// softmax probability of each cell's chosen token, drawn as the path colour's opacity. Open cells
// the model predicts as not-path but with low confidence get a faint tint of the path colour: that
// is where the model is still hesitating. Cells whose path membership flipped since the previous
// pass get a thin ring, so revisions stand out. Any other change the model makes to the maze (a
// path through a wall, a wall removed, a stray S or G) is a mistake, marked with a red dot.

const VARS = ['--cell-open', '--cell-wall', '--cell-grid', '--cell-start', '--cell-goal', '--path',
  '--shortest', '--changed'];

// The page's colours named by vars (CSS custom properties) as { name without '--': value }.
function readColors(vars) {
  const cs = getComputedStyle(document.documentElement);
  const c = {};
  for (const v of vars) c[v.slice(2)] = cs.getPropertyValue(v).trim() || '#888';
  return c;
}

// A canvas view redraws when its canvas resizes and rereads its colours (vars) when the page's
// colour scheme changes.
export function watchCanvas(view, vars) {
  view.colors = readColors(vars);
  new ResizeObserver(() => view.redraw()).observe(view.canvas);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    view.colors = readColors(vars);
    view.redraw();
  });
}

// A view that draws its scene on a square canvas at the device's pixel density: draw(scene) keeps
// the scene (null: stop drawing, the canvas belongs to another view meanwhile) and paints it;
// subclasses implement paint(g, W, scene, colors, dpr) for a W x W pixel canvas (dpr device pixels
// per CSS pixel).
export class SquareCanvasView {
  constructor(canvas, vars) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.scene = null;
    watchCanvas(this, vars);
  }

  draw(scene) {
    this.scene = scene;
    if (scene) this.canvas.style.aspectRatio = '1 / 1';
    this.redraw();
  }

  redraw() {
    const sc = this.scene;
    if (!sc) return;
    const dpr = window.devicePixelRatio || 1;
    const css = this.canvas.clientWidth;
    if (!css) return;
    const W = Math.round(css * dpr);
    if (this.canvas.width !== W || this.canvas.height !== W) {
      this.canvas.width = W;
      this.canvas.height = W;
    }
    this.paint(this.ctx, W, sc, this.colors, dpr);
  }
}

// The path from S to G through the 'o' cells of a shortest-path answer, as cell indices. In a grid
// graph a shortest path has no chords, so following unvisited neighbours is unambiguous.
export function tracePath(answer, h, w) {
  const s = answer.indexOf('S');
  if (s < 0) return [];
  const seen = new Uint8Array(h * w);
  const out = [s];
  seen[s] = 1;
  let cur = s;
  for (;;) {
    const r = Math.floor(cur / w), c = cur % w;
    let next = -1;
    for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) {
      const rr = r + dr, cc = c + dc;
      if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
      const j = rr * w + cc;
      if (seen[j]) continue;
      if (answer[j] === 'G') { out.push(j); return out; }
      if (answer[j] === 'o' && next < 0) next = j;
    }
    if (next < 0) return out;
    seen[next] = 1;
    out.push(next);
    cur = next;
  }
}

export class MazeView {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.h = 0;
    this.w = 0;
    this.scene = null;
    watchCanvas(this, VARS);
  }

  // scene: { h, w, grid, pred?, conf?, prev?, shortest?, hover? } (hover: cell index or -1)
  draw(scene) {
    this.scene = scene;
    if (scene.h !== this.h || scene.w !== this.w) {
      this.h = scene.h;
      this.w = scene.w;
      this.canvas.style.aspectRatio = `${scene.w} / ${scene.h}`;
    }
    this.redraw();
  }

  redraw() {
    const sc = this.scene;
    if (!sc) return;
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.canvas.clientWidth;
    if (!cssW) return;
    const W = Math.round(cssW * dpr);
    const H = Math.round((cssW * sc.h / sc.w) * dpr);
    if (this.canvas.width !== W || this.canvas.height !== H) {
      this.canvas.width = W;
      this.canvas.height = H;
    }
    const g = this.ctx;
    const col = this.colors;
    const { h, w, grid } = sc;
    const cw = W / w, ch = H / h;
    const X = (c) => Math.round(c * cw), Y = (r) => Math.round(r * ch);

    g.fillStyle = col['cell-open'];
    g.fillRect(0, 0, W, H);

    // grid lines under everything, only when cells are large enough to need them
    if (cw >= 9) {
      g.strokeStyle = col['cell-grid'];
      g.lineWidth = 1;
      g.beginPath();
      for (let c = 1; c < w; c++) { g.moveTo(X(c) + 0.5, 0); g.lineTo(X(c) + 0.5, H); }
      for (let r = 1; r < h; r++) { g.moveTo(0, Y(r) + 0.5); g.lineTo(W, Y(r) + 0.5); }
      g.stroke();
    }

    this.drawPrediction(sc, X, Y, cw, ch);

    g.fillStyle = col['cell-wall'];
    for (let i = 0; i < h * w; i++) {
      if (grid[i] !== '#') continue;
      const r = Math.floor(i / w), c = i % w;
      g.fillRect(X(c), Y(r), X(c + 1) - X(c), Y(r + 1) - Y(r));
    }
    if (sc.pred) this.drawMistakes(sc, X, Y, cw, ch);
    if (sc.shortest) this.drawShortest(sc, cw, ch);
    this.drawEndpoints(sc, X, Y, cw, ch);
    if (sc.pred) this.drawMistakesOnEndpoints(sc, X, Y, cw, ch);
    if (sc.hover >= 0 && sc.hover != null) {
      const r = Math.floor(sc.hover / w), c = sc.hover % w;
      g.strokeStyle = col.path;
      g.lineWidth = Math.max(2, cw * 0.08);
      g.strokeRect(X(c) + 1, Y(r) + 1, X(c + 1) - X(c) - 2, Y(r + 1) - Y(r) - 2);
    }
  }

  drawPrediction(sc, X, Y, cw, ch) {
    const { h, w, grid, pred, conf, prev } = sc;
    if (!pred) return;
    const g = this.ctx;
    const col = this.colors;
    const inset = Math.min(cw, ch) * 0.1;
    const rad = Math.min(cw, ch) * 0.22;
    for (let i = 0; i < h * w; i++) {
      if (grid[i] === '#' || grid[i] === 'S' || grid[i] === 'G') continue;
      const r = Math.floor(i / w), c = i % w;
      const p = conf ? conf[i] : 1;
      let alpha;
      if (pred[i] === 'o') alpha = 0.18 + 0.82 * p;
      else alpha = Math.max(0, 0.45 * (1 - p) - 0.02); // hesitation tint
      if (alpha > 0.01) {
        g.globalAlpha = alpha;
        g.fillStyle = col.path;
        roundRect(g, X(c) + inset, Y(r) + inset, X(c + 1) - X(c) - 2 * inset, Y(r + 1) - Y(r) - 2 * inset, rad);
        g.fill();
      }
      if (pred[i] === 'o') this.drawLinks(sc, i, X, Y, inset);
      if (prev && (prev[i] === 'o') !== (pred[i] === 'o')) {
        g.globalAlpha = 0.6;
        g.strokeStyle = col.changed;
        g.lineWidth = Math.max(1.25, Math.min(cw, ch) * 0.035);
        roundRect(g, X(c) + inset / 2, Y(r) + inset / 2, X(c + 1) - X(c) - inset, Y(r + 1) - Y(r) - inset, rad);
        g.stroke();
      }
    }
    g.globalAlpha = 1;
  }

  // Bridges from path cell i to its right and lower neighbours when they are on the path too (or
  // are S/G), so a predicted path reads as one line; the bridge takes the weaker confidence.
  drawLinks(sc, i, X, Y, inset) {
    const { w, h, grid, pred, conf } = sc;
    const g = this.ctx;
    const r = Math.floor(i / w), c = i % w;
    const onPath = (j) => pred[j] === 'o' || grid[j] === 'S' || grid[j] === 'G';
    const p = conf ? conf[i] : 1;
    if (c + 1 < w && onPath(i + 1) && grid[i + 1] !== '#') {
      const q = grid[i + 1] === ' ' && conf ? Math.min(p, conf[i + 1]) : p;
      const y0 = Y(r), y1 = Y(r + 1), t = (y1 - y0) * 0.28;
      g.globalAlpha = 0.18 + 0.82 * q;
      g.fillRect(X(c + 1) - inset, y0 + t, 2 * inset, y1 - y0 - 2 * t);
    }
    if (r + 1 < h && onPath(i + w) && grid[i + w] !== '#') {
      const q = grid[i + w] === ' ' && conf ? Math.min(p, conf[i + w]) : p;
      const x0 = X(c), x1 = X(c + 1), t = (x1 - x0) * 0.28;
      g.globalAlpha = 0.18 + 0.82 * q;
      g.fillRect(x0 + t, Y(r + 1) - inset, x1 - x0 - 2 * t, 2 * inset);
    }
    // S or G to the left or above is not visited as a path cell: bridge from this side
    if (c > 0 && (grid[i - 1] === 'S' || grid[i - 1] === 'G')) {
      const y0 = Y(r), y1 = Y(r + 1), t = (y1 - y0) * 0.28;
      g.globalAlpha = 0.18 + 0.82 * p;
      g.fillRect(X(c) - inset, y0 + t, 2 * inset, y1 - y0 - 2 * t);
    }
    if (r > 0 && (grid[i - w] === 'S' || grid[i - w] === 'G')) {
      const x0 = X(c), x1 = X(c + 1), t = (x1 - x0) * 0.28;
      g.globalAlpha = 0.18 + 0.82 * p;
      g.fillRect(x0 + t, Y(r) - inset, x1 - x0 - 2 * t, 2 * inset);
    }
  }

  // Cells the model changed into something other than a path mark (a path on a wall, a wall
  // removed, an extra S or G, ...) are plain mistakes: a small dot in the goal colour.
  drawMistakes(sc, X, Y, cw, ch) {
    const { h, w, grid, pred } = sc;
    const g = this.ctx;
    g.fillStyle = this.colors['cell-goal'];
    const rad = Math.max(1.5, Math.min(cw, ch) * 0.11);
    for (let i = 0; i < h * w; i++) {
      const p = pred[i], q = grid[i];
      if (p === q || (p === 'o' && q === ' ')) continue;
      const r = Math.floor(i / w), c = i % w;
      g.beginPath();
      g.arc((X(c) + X(c + 1)) / 2, (Y(r) + Y(r + 1)) / 2, rad, 0, Math.PI * 2);
      g.fill();
    }
  }

  // S or G overwritten by the model: a ring on top of the endpoint, which is otherwise opaque.
  drawMistakesOnEndpoints(sc, X, Y, cw, ch) {
    const g = this.ctx;
    for (const ch_ of ['S', 'G']) {
      const i = sc.grid.indexOf(ch_);
      if (i < 0 || sc.pred[i] === ch_) continue;
      const r = Math.floor(i / sc.w), c = i % sc.w;
      g.strokeStyle = this.colors['cell-wall'];
      g.lineWidth = Math.max(1.5, Math.min(cw, ch) * 0.1);
      g.beginPath();
      g.arc((X(c) + X(c + 1)) / 2, (Y(r) + Y(r + 1)) / 2, Math.min(cw, ch) * 0.38, 0, Math.PI * 2);
      g.stroke();
    }
  }

  drawShortest(sc, cw, ch) {
    const cells = tracePath(sc.shortest, sc.h, sc.w);
    if (cells.length < 2) return;
    const g = this.ctx;
    const m = Math.min(cw, ch);
    g.save();
    g.strokeStyle = this.colors.shortest;
    g.lineWidth = Math.max(2, m * 0.16);
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.setLineDash([Math.max(3, m * 0.32), Math.max(3, m * 0.28)]);
    g.beginPath();
    cells.forEach((i, k) => {
      const x = (i % sc.w + 0.5) * cw, y = (Math.floor(i / sc.w) + 0.5) * ch;
      if (k === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
    g.restore();
  }

  drawEndpoints(sc, X, Y, cw, ch) {
    const g = this.ctx;
    const m = Math.min(cw, ch);
    for (const [ch_, key] of [['S', 'cell-start'], ['G', 'cell-goal']]) {
      const i = sc.grid.indexOf(ch_);
      if (i < 0) continue;
      const r = Math.floor(i / sc.w), c = i % sc.w;
      const x = X(c), y = Y(r), ww = X(c + 1) - x, hh = Y(r + 1) - y;
      const inset = m * 0.04;
      g.fillStyle = this.colors[key];
      roundRect(g, x + inset, y + inset, ww - 2 * inset, hh - 2 * inset, m * 0.22);
      g.fill();
      if (m >= 11) {
        g.fillStyle = '#fff';
        g.font = `700 ${Math.round(m * 0.62)}px ui-sans-serif, system-ui, sans-serif`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText(ch_, x + ww / 2, y + hh / 2 + m * 0.03);
      }
    }
  }

  // The cell under a client point, as a row-major index, or -1 outside the grid.
  cellAt(clientX, clientY) {
    if (!this.w) return -1;
    const b = this.canvas.getBoundingClientRect();
    const c = Math.floor(((clientX - b.left) / b.width) * this.w);
    const r = Math.floor(((clientY - b.top) / b.height) * this.h);
    if (r < 0 || c < 0 || r >= this.h || c >= this.w) return -1;
    return r * this.w + c;
  }
}

function roundRect(g, x, y, w, h, r) {
  r = Math.max(0, Math.min(r, w / 2, h / 2));
  g.beginPath();
  g.moveTo(x + r, y);
  g.arcTo(x + w, y, x + w, y + h, r);
  g.arcTo(x + w, y + h, x, y + h, r);
  g.arcTo(x, y + h, x, y, r);
  g.arcTo(x, y, x + w, y, r);
  g.closePath();
}
