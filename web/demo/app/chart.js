// chart.js: the halting-probability bar chart, one bar per supervision step, as SVG.
// The dashed line is 0.5 (q_halt = 0): early halting stops at the first step above it.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, title) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (title) {
    const t = document.createElementNS(NS, 'title');
    t.textContent = title;
    e.appendChild(t);
  }
  return e;
}

// probs: halting probabilities of the steps done so far; slots: the maximum number of steps.
export function drawHaltChart(svg, probs, slots) {
  const W = 320, H = 96, pad = 6;
  const n = Math.max(1, slots, probs.length);
  const gap = n > 24 ? 1 : 3;
  const bw = (W - 2 * pad - gap * (n - 1)) / n;
  svg.replaceChildren();
  for (let k = 0; k < n; k++) {
    const x = pad + k * (bw + gap);
    svg.appendChild(el('rect', { class: 'slot', x, y: pad, width: bw, height: H - 2 * pad, rx: 2 }));
    if (k < probs.length) {
      const p = Math.min(1, Math.max(0, probs[k]));
      const bh = Math.max(1.5, p * (H - 2 * pad));
      svg.appendChild(el('rect', { class: p > 0.5 ? 'bar over' : 'bar', x, y: H - pad - bh, width: bw, height: bh, rx: 2 },
        `step ${k + 1}: halt probability ${p.toFixed(3)}`));
    }
  }
  const y = H / 2;
  svg.appendChild(el('line', { class: 'thr', x1: 0, x2: W, y1: y, y2: y }));
}
