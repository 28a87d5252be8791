// sudoku-view.js: draws a sudoku and the model's current answer on the page's canvas.
//
// Grids are 81 characters over ".123456789" (the sudoku task's charset; '.' a blank). The
// question's digits (the givens) are drawn in ink on a shaded cell and never change. On the blank
// cells the prediction of one refinement pass is drawn in the path colour, its opacity the
// model's confidence in that cell (the softmax probability, or with Vote the share of views
// agreeing), so a guess reads faint and a settled digit solid; a ring marks the cells whose digit
// changed since the previous pass. Mistakes are red: a given the model overwrote (its digit small
// in the corner), a '?' where it predicted no digit, and the cells a check named (clashing givens
// while typing, or the verdict's reason). The C solver's solution can be shown small in the
// corner of each blank (the Solution box). The selected cell (for typing) is outlined, its row,
// column and box lightly tinted.

import { SquareCanvasView } from './render.js';

const VARS = ['--cell-open', '--cell-grid', '--box-line', '--given-bg', '--ink', '--path', '--changed', '--bad',
  '--shortest', '--accent', '--select-bg'];


const FONT = 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
const isDigit = (ch) => ch >= '1' && ch <= '9';
const box = (i) => Math.floor(i / 27) * 3 + Math.floor((i % 9) / 3);

export class SudokuView extends SquareCanvasView {
  constructor(canvas) {
    super(canvas, VARS);
  }

  // scene: { grid, pred?, conf?, prev?, solution?, sel? (cell or -1), marked? (cells to show in
  // red) }. null stops drawing (the canvas belongs to the maze view meanwhile).
  paint(g, W, sc, col, dpr) {
    const X = (c) => Math.round((c * W) / 9);
    const cell = W / 9;
    g.fillStyle = col['cell-open'];
    g.fillRect(0, 0, W, W);
    const rect = (i) => {
      const r = Math.floor(i / 9), c = i % 9;
      return [X(c), X(r), X(c + 1) - X(c), X(r + 1) - X(r)];
    };

    // backgrounds: the selection's row, column and box; the givens
    const sel = sc.sel ?? -1;
    for (let i = 0; i < 81; i++) {
      const [x, y, w, h] = rect(i);
      const inSel = sel >= 0 && (Math.floor(i / 9) === Math.floor(sel / 9) || i % 9 === sel % 9 || box(i) === box(sel));
      if (isDigit(sc.grid[i])) g.fillStyle = col['given-bg'];
      else if (inSel) g.fillStyle = col['select-bg'];
      else continue;
      g.fillRect(x, y, w, h);
    }
    const marked = new Set(sc.marked ?? []);
    for (const i of marked) {
      const [x, y, w, h] = rect(i);
      g.globalAlpha = 0.16;
      g.fillStyle = col.bad;
      g.fillRect(x, y, w, h);
      g.globalAlpha = 1;
    }

    this.drawLines(X, W, dpr);

    g.textAlign = 'center';
    g.textBaseline = 'middle';
    const big = `600 ${Math.round(cell * 0.6)}px ${FONT}`;
    const small = `600 ${Math.round(cell * 0.27)}px ${FONT}`;
    for (let i = 0; i < 81; i++) {
      const [x, y, w, h] = rect(i);
      const cx = x + w / 2, cy = y + h / 2 + cell * 0.03;
      const q = sc.grid[i], p = sc.pred ? sc.pred[i] : null;
      const conf = sc.conf ? sc.conf[i] : 1;
      if (isDigit(q)) {
        g.font = big;
        g.fillStyle = col.ink;
        g.fillText(q, cx, cy);
        if (p !== null && p !== q) { // the model overwrote a given: a mistake
          g.font = small;
          g.fillStyle = col.bad;
          g.fillText(p, x + w * 0.8, y + h * 0.2);
          this.ring(x, y, w, h, col.bad, 0.9, cell);
        }
      } else if (p !== null && p !== '.') {
        g.font = big;
        g.globalAlpha = p === '?' ? 1 : 0.2 + 0.8 * conf;
        g.fillStyle = p === '?' ? col.bad : col.path;
        g.fillText(p, cx, cy);
        g.globalAlpha = 1;
      }
      if (sc.solution && !isDigit(q)) {
        g.font = small;
        g.fillStyle = col.shortest;
        g.fillText(sc.solution[i], x + w * 0.2, y + h * 0.2);
      }
      if (sc.prev && p !== null && sc.prev[i] !== p) this.ring(x, y, w, h, col.changed, 0.65, cell);
      if (marked.has(i)) this.ring(x, y, w, h, col.bad, 1, cell);
    }
    if (sel >= 0) {
      const [x, y, w, h] = rect(sel);
      const lw = Math.max(2, cell * 0.06);
      g.strokeStyle = col.accent;
      g.lineWidth = lw;
      g.strokeRect(x + lw / 2, y + lw / 2, w - lw, h - lw);
    }
  }

  // Thin cell lines, then the boxes' thick ones (and the frame) on top.
  drawLines(X, W, dpr) {
    const g = this.ctx, col = this.colors;
    g.strokeStyle = col['cell-grid'];
    g.lineWidth = Math.max(1, dpr);
    g.beginPath();
    for (let k = 1; k < 9; k++) {
      if (k % 3 === 0) continue;
      g.moveTo(X(k) + 0.5, 0); g.lineTo(X(k) + 0.5, W);
      g.moveTo(0, X(k) + 0.5); g.lineTo(W, X(k) + 0.5);
    }
    g.stroke();
    const thick = Math.max(2, Math.round(W / 150));
    g.fillStyle = col['box-line'];
    for (const k of [3, 6]) {
      g.fillRect(X(k) - thick / 2, 0, thick, W);
      g.fillRect(0, X(k) - thick / 2, W, thick);
    }
    g.strokeStyle = col['box-line'];
    g.lineWidth = thick;
    g.strokeRect(thick / 2, thick / 2, W - thick, W - thick);
  }

  ring(x, y, w, h, color, alpha, cell) {
    const g = this.ctx;
    const inset = cell * 0.1;
    g.globalAlpha = alpha;
    g.strokeStyle = color;
    g.lineWidth = Math.max(1.25, cell * 0.04);
    g.beginPath();
    g.roundRect?.(x + inset, y + inset, w - 2 * inset, h - 2 * inset, cell * 0.16);
    if (!g.roundRect) g.rect(x + inset, y + inset, w - 2 * inset, h - 2 * inset);
    g.stroke();
    g.globalAlpha = 1;
  }

  // The cell under a client point, as a row-major index, or -1 outside the board.
  cellAt(clientX, clientY) {
    const b = this.canvas.getBoundingClientRect();
    const c = Math.floor(((clientX - b.left) / b.width) * 9);
    const r = Math.floor(((clientY - b.top) / b.height) * 9);
    if (r < 0 || c < 0 || r >= 9 || c >= 9) return -1;
    return r * 9 + c;
  }
}
