#!/usr/bin/env node
// Turns a trm-train metrics.jsonl into an SVG training curve (no dependencies):
//   node scripts/plot_metrics.mjs runs/maze11/metrics.jsonl models/maze-11x11-curve.svg [--title T]
// Left panel: held-out exact accuracy (EMA weights; 16 supervision steps and with early halting),
// held-out path-cell accuracy and the training exact accuracy, against wall-clock minutes.
// Right panel: the training LM loss (log scale).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const [input, output, ...rest] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/plot_metrics.mjs METRICS.jsonl OUT.svg [--title TEXT]');
  process.exit(2);
}
const ti = rest.indexOf('--title');
const title = ti >= 0 ? rest[ti + 1] : input;

const rows = [];
readFileSync(input, 'utf8').split('\n').forEach((line, i) => {
  if (!line.trim()) return;
  try { rows.push(JSON.parse(line)); } catch (e) {
    console.error(`${input}:${i + 1}: not JSON (${e.message})`);
    process.exit(1);
  }
});
const train = rows.filter((r) => r.type === 'train');
const evals = rows.filter((r) => r.type === 'eval');
if (!train.length) { console.error(`${input}: no training lines`); process.exit(1); }
const minutes = (r) => r.wall_time / 60;
const tmax = Math.max(...rows.map(minutes));

const W = 420, H = 260, M = { l: 46, r: 12, t: 30, b: 40 };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
function panel(x0, heading, series, y) {
  const px = (t) => x0 + M.l + (t / tmax) * (W - M.l - M.r);
  const py = (v) => M.t + (1 - y.map(v)) * (H - M.t - M.b);
  let s = `<text x="${x0 + M.l}" y="18" class="h">${esc(heading)}</text>`;
  for (const tick of y.ticks) {
    s += `<line x1="${px(0)}" x2="${px(tmax)}" y1="${py(tick)}" y2="${py(tick)}" class="grid"/>`;
    s += `<text x="${px(0) - 6}" y="${py(tick) + 4}" class="tick" text-anchor="end">${y.label(tick)}</text>`;
  }
  const step = tmax > 60 ? 15 : tmax > 20 ? 5 : tmax > 5 ? 1 : 0.5;
  for (let t = 0; t <= tmax + 1e-9; t += step) {
    s += `<text x="${px(t)}" y="${H - M.b + 16}" class="tick" text-anchor="middle">${+t.toFixed(1)}</text>`;
  }
  s += `<text x="${x0 + (W + M.l) / 2}" y="${H - 6}" class="tick" text-anchor="middle">wall-clock minutes</text>`;
  series.forEach((ser, k) => {
    const pts = ser.rows.filter((r) => Number.isFinite(ser.value(r)));
    if (!pts.length) return;
    const d = pts.map((r, i) => `${i ? 'L' : 'M'}${px(minutes(r)).toFixed(1)},${py(ser.value(r)).toFixed(1)}`).join('');
    s += `<path d="${d}" fill="none" stroke="${ser.color}" stroke-width="1.8"${ser.dash ? ' stroke-dasharray="4 3"' : ''}/>`;
    s += `<rect x="${x0 + M.l + 4}" y="${M.t + 4 + 14 * k}" width="10" height="3" fill="${ser.color}"/>`;
    s += `<text x="${x0 + M.l + 18}" y="${M.t + 9 + 14 * k}" class="key">${esc(ser.name)}</text>`;
  });
  return s;
}

const linear = { map: (v) => v, ticks: [0, 0.25, 0.5, 0.75, 1], label: (v) => v.toFixed(2) };
const losses = train.map((r) => r.lm_loss).filter((v) => v > 0);
const lo = Math.floor(Math.log10(Math.min(...losses))), hi = Math.ceil(Math.log10(Math.max(...losses)));
const logy = {
  map: (v) => (Math.log10(v) - lo) / Math.max(1, hi - lo),
  ticks: Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i)),
  label: (v) => (v >= 1 ? v.toFixed(0) : v.toPrecision(1)),
};
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 24}" viewBox="0 0 ${2 * W} ${H + 24}" font-family="sans-serif">
<style>.h{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#555}.key{font-size:10px}.grid{stroke:#e5e5e5}</style>
<rect width="100%" height="100%" fill="#fff"/>
<g transform="translate(0,20)">
${panel(0, 'Accuracy', [
  { name: 'held-out exact, 16 steps (EMA)', rows: evals, value: (r) => r.exact_accuracy, color: '#0f766e' },
  { name: 'held-out exact, early halt', rows: evals, value: (r) => r.halt_exact_accuracy, color: '#2563eb', dash: true },
  { name: 'held-out path-cell accuracy', rows: evals, value: (r) => r.path_cell_accuracy, color: '#d97706' },
  { name: 'training exact (all slots)', rows: train, value: (r) => r.all_exact_accuracy, color: '#9ca3af' },
], linear)}
${panel(W, 'Training LM loss (log scale)', [
  { name: 'lm loss', rows: train, value: (r) => r.lm_loss, color: '#b91c1c' },
], logy)}
</g>
<text x="8" y="14" class="h">${esc(title)}</text>
</svg>
`;
const tmp = `${output}.tmp.${process.pid}`;
writeFileSync(tmp, svg);
renameSync(tmp, output);
console.log(`plot_metrics: ${output} (${train.length} training lines, ${evals.length} evaluations, ${tmax.toFixed(1)} min)`);
