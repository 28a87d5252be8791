// arc-view.js: draws ARC-AGI grids: the model's 30x30 answer canvas on the page's board (one
// refinement pass of one view), and small grids (demonstrations, the test input, the voted and
// the expected answer, each view's canvas).
//
// Colours are the standard ARC palette (0 black, 1 blue, 2 red, 3 green, 4 yellow, 5 grey,
// 6 magenta, 7 orange, 8 sky, 9 maroon). On a canvas (tokens: PAD 0, EOS 1, colour c as c + 2) PAD
// is the board's empty background and EOS, the end-of-grid marker the official layout puts under
// and right of a grid, a hatched neutral cell; the official crop (the module's trm.cropArc, done in
// the worker) is outlined. A
// colour keeps its palette value; the model's confidence in a cell sets the size of its square
// (a full cell when sure, about a third when not), and a ring marks the cells whose token changed
// since the previous pass.

import { SquareCanvasView } from './render.js';

export const ARC_PALETTE = ['#000000', '#0074d9', '#ff4136', '#2ecc40', '#ffdc00', '#aaaaaa', '#f012be', '#ff851b',
  '#7fdbff', '#870c25'];
const VARS = ['--cell-open', '--cell-grid', '--arc-eos', '--arc-eos-line', '--changed', '--accent', '--ink-3'];
const SIDE = 30;

function hatch(g, x, y, s, color) {
  g.save();
  g.beginPath();
  g.rect(x, y, s, s);
  g.clip();
  g.strokeStyle = color;
  g.lineWidth = Math.max(1, s / 9);
  g.beginPath();
  for (let k = -s; k < s; k += s / 2.5) {
    g.moveTo(x + k, y + s);
    g.lineTo(x + k + s, y);
  }
  g.stroke();
  g.restore();
}

/** The board: a 30x30 canvas of tokens (the question before a solve, a view's prediction after). */
export class ArcBoardView extends SquareCanvasView {
  constructor(canvas) {
    super(canvas, VARS);
  }

  // scene: { canvas: Uint8Array(900), conf?: Float32Array(900), prev?: Uint8Array(900), crop: [rows,
  // columns] (the official crop, outlined), question?: bool (the question: outline dashed) }.
  // null stops drawing (the canvas belongs to another view meanwhile).
  paint(g, W, sc, col, dpr) {
    const X = (i) => Math.round((i * W) / SIDE);
    g.fillStyle = col['cell-open'];
    g.fillRect(0, 0, W, W);
    const t = sc.canvas;
    for (let i = 0; i < SIDE * SIDE; i++) {
      const r = Math.floor(i / SIDE), c = i % SIDE;
      const x = X(c), y = X(r), s = X(c + 1) - x, sy = X(r + 1) - y;
      if (t[i] >= 2 && t[i] <= 11) { // the true colour; the less sure the model, the smaller the square
        const conf = sc.conf ? Math.max(0, Math.min(1, sc.conf[i])) : 1;
        const k = conf >= 0.95 ? 0 : ((1 - (0.35 + 0.65 * conf)) * Math.min(s, sy)) / 2;
        g.fillStyle = ARC_PALETTE[t[i] - 2];
        g.fillRect(x + k, y + k, s - 2 * k, sy - 2 * k);
      } else if (t[i] === 1) {
        g.fillStyle = col['arc-eos'];
        g.fillRect(x, y, s, sy);
        hatch(g, x, y, s, col['arc-eos-line']);
      }
    }
    // grid lines over everything, thin
    g.strokeStyle = col['cell-grid'];
    g.lineWidth = Math.max(1, dpr * 0.75);
    g.beginPath();
    for (let k = 0; k <= SIDE; k++) {
      g.moveTo(X(k) + 0.5, 0);
      g.lineTo(X(k) + 0.5, W);
      g.moveTo(0, X(k) + 0.5);
      g.lineTo(W, X(k) + 0.5);
    }
    g.stroke();
    // revised cells
    if (sc.prev) {
      g.strokeStyle = col.changed;
      g.lineWidth = Math.max(1.5, W / 300);
      for (let i = 0; i < SIDE * SIDE; i++) {
        if (sc.prev[i] === t[i]) continue;
        const r = Math.floor(i / SIDE), c = i % SIDE, inset = g.lineWidth;
        g.strokeRect(X(c) + inset, X(r) + inset, X(c + 1) - X(c) - 2 * inset, X(r + 1) - X(r) - 2 * inset);
      }
    }
    // the crop the answer is read from
    const [h, w] = sc.crop ?? [0, 0];
    if (h && w) {
      g.strokeStyle = col.accent;
      g.lineWidth = Math.max(2, W / 180);
      g.setLineDash(sc.question ? [W / 90, W / 120] : []);
      g.strokeRect(g.lineWidth / 2, g.lineWidth / 2, X(w) - g.lineWidth, X(h) - g.lineWidth);
      g.setLineDash([]);
    }
  }
}

/**
 * Draw an ARC grid (number[][]) or a 30x30 canvas of tokens (Uint8Array(900)) into a small
 * <canvas>, at most max CSS pixels a side; an empty grid draws a dashed empty box.
 */
export function drawSmall(el, grid, { max = 96, colors } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const tokens = grid instanceof Uint8Array;
  const h = tokens ? SIDE : grid.length, w = tokens ? SIDE : (grid[0]?.length ?? 0);
  const cell = h && w ? Math.max(2, Math.floor(max / Math.max(h, w))) : 0;
  const cw = Math.max(cell * w, 18), ch = Math.max(cell * h, 18);
  el.style.width = `${cw}px`;
  el.style.height = `${ch}px`;
  el.width = Math.round(cw * dpr);
  el.height = Math.round(ch * dpr);
  const g = el.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cw, ch);
  const cs = getComputedStyle(document.documentElement);
  const c = colors ?? { grid: cs.getPropertyValue('--cell-grid').trim() || '#ddd', eos: cs.getPropertyValue('--arc-eos').trim() || '#ccc',
    open: cs.getPropertyValue('--cell-open').trim() || '#fff', ink: cs.getPropertyValue('--ink-3').trim() || '#888' };
  if (!h || !w) {
    g.strokeStyle = c.ink;
    g.setLineDash([3, 3]);
    g.strokeRect(1.5, 1.5, cw - 3, ch - 3);
    return;
  }
  g.fillStyle = c.open;
  g.fillRect(0, 0, cw, ch);
  for (let r = 0; r < h; r++) {
    for (let k = 0; k < w; k++) {
      const v = tokens ? grid[r * SIDE + k] - 2 : grid[r][k];
      if (tokens && v === -1) g.fillStyle = c.eos;
      else if (v < 0 || v > 9) continue;
      else g.fillStyle = ARC_PALETTE[v];
      g.fillRect(k * cell, r * cell, cell, cell);
    }
  }
  if (cell >= 5) {
    g.strokeStyle = c.grid;
    g.globalAlpha = 0.55;
    g.lineWidth = 1 / dpr;
    g.beginPath();
    for (let k = 0; k <= w; k++) { g.moveTo(k * cell, 0); g.lineTo(k * cell, h * cell); }
    for (let r = 0; r <= h; r++) { g.moveTo(0, r * cell); g.lineTo(w * cell, r * cell); }
    g.stroke();
    g.globalAlpha = 1;
  }
}
