// Small SVG charts drawn by the project (no library, no CDN). Every chart is an <svg role="img"> with an
// aria-label and a <title>; the views put the same numbers in a table next to it. Charts scale with their
// container (viewBox + width: 100%).
import { s, h } from './dom.js';

export const STATUS_COLORS = { met: '#1e7b34', notMet: '#c0392b', noTarget: '#6b7177', noData: '#d5d8dc' };
export const STATUS_ORDER = ['met', 'notMet', 'noTarget', 'noData'];
/** Line colours (each ≥ 4.5:1 on white) and dash patterns, so series differ by more than colour. */
export const LINE_STYLES = [
  { color: '#0b57a4', dash: '' },
  { color: '#b3261e', dash: '7 4' },
  { color: '#1b6e3a', dash: '2 3' },
  { color: '#6a3d9a', dash: '10 3 2 3' },
  { color: '#8a4b00', dash: '4 2' },
];
const AXIS = '#44474c';
const GRID = '#e3e5e8';
const TARGET = '#8a4b00';

const r2 = (v) => Math.round(v * 100) / 100;
/** White outline behind text drawn over lines and bars, so it stays legible. */
const HALO = { 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3, 'stroke-linejoin': 'round' };

/** Axis labels with only as many decimals as the tick step needs ("800", "12.5"). */
function tickFormatter(ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.min(4, (String(Number(step.toPrecision(10))).split('.')[1] ?? '').length);
  const f = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return (v) => f.format(v);
}

function svgRoot(width, height, label, className) {
  return s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    class: className ? `chart ${className}` : 'chart',
    focusable: 'false',
  }, s('title', null, label));
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) { hi = lo === 0 ? 1 : lo * 1.1; lo = lo === 0 ? 0 : lo * 0.9; }
  const span = hi - lo;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= count) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks = [];
  for (let v = start; v <= hi + step * 0.5; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** y domain: from zero unless the values sit in a narrow band far from it (e.g. 95–99 %). */
function yDomain(values) {
  const vs = values.filter((v) => Number.isFinite(v));
  if (vs.length === 0) return [0, 1];
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (lo >= 0 && (hi - lo) / (hi || 1) > 0.35) lo = 0;
  else { const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.05 || 1; lo = Math.max(lo >= 0 ? 0 : -Infinity, lo - pad); hi += pad; }
  return [lo, hi];
}

/** A sparkline of a few years with an optional target line. */
export function sparkline({ points, target = null, label, width = 160, height = 44, color = LINE_STYLES[0].color }) {
  const svg = svgRoot(width, height, label, 'sparkline');
  const pts = points.filter((p) => Number.isFinite(p.y));
  if (pts.length === 0) return svg;
  const ys = pts.map((p) => p.y).concat(target ?? []);
  let lo = Math.min(...ys); let hi = Math.max(...ys);
  const pad = (hi - lo) * 0.15 || Math.abs(hi) * 0.1 || 1; lo -= pad; hi += pad;
  const x0 = Math.min(...pts.map((p) => p.x)); const x1 = Math.max(...pts.map((p) => p.x));
  const px = (x) => 4 + (x1 === x0 ? (width - 8) / 2 : ((x - x0) / (x1 - x0)) * (width - 8));
  const py = (y) => height - 4 - ((y - lo) / (hi - lo)) * (height - 8);
  if (target !== null && Number.isFinite(target)) {
    svg.appendChild(s('line', { x1: 2, x2: width - 2, y1: r2(py(target)), y2: r2(py(target)), stroke: TARGET, 'stroke-width': 1.5, 'stroke-dasharray': '4 3', class: 'target-line' }));
  }
  svg.appendChild(s('polyline', { points: pts.map((p) => `${r2(px(p.x))},${r2(py(p.y))}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
  const last = pts[pts.length - 1];
  svg.appendChild(s('circle', { cx: r2(px(last.x)), cy: r2(py(last.y)), r: 3, fill: color }));
  return svg;
}

/**
 * A line chart over years. series: [{ name, points: [{x, y}], style? , faint? }]; targets: [{ value, label }];
 * projection: { points: [{x, y}], label }. Returns a <figure> with the SVG and an HTML legend.
 */
export function lineChart({ series, targets = [], projection = null, label, formatY = String, xMin, xMax, width = 640, height = 280 }) {
  const m = { top: 18, right: 20, bottom: 30, left: 58 };
  const all = series.flatMap((se) => se.points.map((p) => p.x))
    .concat(projection ? projection.points.map((p) => p.x) : []);
  const x0 = xMin ?? Math.min(...all); const x1 = xMax ?? Math.max(...all);
  const [lo, hi] = yDomain(series.flatMap((se) => se.points.map((p) => p.y))
    .concat(targets.map((tg) => tg.value), projection ? projection.points.map((p) => p.y) : []));
  const ticks = niceTicks(lo, hi, 5);
  const yLo = Math.min(lo, ticks[0]); const yHi = Math.max(hi, ticks[ticks.length - 1]);
  const formatTick = tickFormatter(ticks);
  const iw = width - m.left - m.right; const ih = height - m.top - m.bottom;
  const px = (x) => m.left + (x1 === x0 ? iw / 2 : ((x - x0) / (x1 - x0)) * iw);
  const py = (y) => m.top + ih - ((y - yLo) / (yHi - yLo || 1)) * ih;
  const svg = svgRoot(width, height, label, 'line-chart');

  const grid = s('g', { class: 'grid', 'aria-hidden': 'true' });
  for (const tv of ticks) {
    if (tv < yLo - 1e-9 || tv > yHi + 1e-9) continue;
    grid.appendChild(s('line', { x1: m.left, x2: width - m.right, y1: r2(py(tv)), y2: r2(py(tv)), stroke: GRID }));
    grid.appendChild(s('text', { x: m.left - 6, y: r2(py(tv)) + 4, 'text-anchor': 'end', fill: AXIS, 'font-size': 12 }, formatTick(tv)));
  }
  const stepX = x1 - x0 > 12 ? 2 : 1;
  for (let x = x0; x <= x1; x += stepX) {
    grid.appendChild(s('text', { x: r2(px(x)), y: height - 8, 'text-anchor': 'middle', fill: AXIS, 'font-size': 12 }, String(x)));
  }
  grid.appendChild(s('line', { x1: m.left, x2: width - m.right, y1: m.top + ih, y2: m.top + ih, stroke: AXIS }));
  svg.appendChild(grid);

  for (const tg of targets) {
    const y = r2(py(tg.value));
    svg.appendChild(s('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, stroke: TARGET, 'stroke-width': 2, 'stroke-dasharray': '8 5', class: 'target-line' }));
    svg.appendChild(s('text', { x: width - m.right - 2, y: y - 5, 'text-anchor': 'end', fill: TARGET, 'font-size': 12, 'font-weight': 600, ...HALO }, tg.label));
  }

  if (projection && projection.points.length >= 2) {
    const pts = projection.points;
    svg.appendChild(s('polyline', { points: pts.map((p) => `${r2(px(p.x))},${r2(py(p.y))}`).join(' '), fill: 'none', stroke: '#5b5f66', 'stroke-width': 2, 'stroke-dasharray': '2 4', class: 'projection-line' }));
    const end = pts[pts.length - 1];
    svg.appendChild(s('circle', { cx: r2(px(end.x)), cy: r2(py(end.y)), r: 3.5, fill: '#fff', stroke: '#5b5f66', 'stroke-width': 2 },
      s('title', null, `${projection.label}: ${end.x} ${formatY(end.y)}`)));
  }

  series.forEach((se, i) => {
    const style = se.style ?? LINE_STYLES[i % LINE_STYLES.length];
    const pts = se.points.filter((p) => Number.isFinite(p.y));
    if (pts.length === 0) return;
    const g = s('g', { class: 'series' });
    g.appendChild(s('polyline', { points: pts.map((p) => `${r2(px(p.x))},${r2(py(p.y))}`).join(' '), fill: 'none', stroke: style.color, 'stroke-width': se.faint ? 1.5 : 2.5, 'stroke-dasharray': style.dash || null, 'stroke-linejoin': 'round', opacity: se.faint ? 0.7 : null }));
    for (const p of pts) {
      g.appendChild(s('circle', { cx: r2(px(p.x)), cy: r2(py(p.y)), r: se.faint ? 2.5 : 3.5, fill: style.color },
        s('title', null, `${se.name} ${p.x}: ${formatY(p.y)}`)));
    }
    svg.appendChild(g);
  });

  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' },
    series.map((se, i) => legendItem(se.name, se.style ?? LINE_STYLES[i % LINE_STYLES.length])),
    targets.length ? legendItem(targets[0].legend ?? targets[0].label, { color: TARGET, dash: '8 5' }) : null,
    projection ? legendItem(projection.label, { color: '#5b5f66', dash: '2 4' }) : null);
  return h('figure', { class: 'chart-figure' }, svg, legend);
}

function legendItem(text, style) {
  return h('li', null,
    s('svg', { viewBox: '0 0 28 10', width: 28, height: 10, 'aria-hidden': 'true', focusable: 'false' },
      s('line', { x1: 1, x2: 27, y1: 5, y2: 5, stroke: style.color, 'stroke-width': 2.5, 'stroke-dasharray': style.dash || null })),
    text);
}

/**
 * Horizontal bars: items [{ label, value, color, valueText }], optional target { value, label }.
 */
export function barChart({ items, label, target = null, max = null, width = 560, rowHeight = 24, labelWidth = 150, formatValue = String }) {
  const m = { top: target ? 20 : 6, right: 70, bottom: 6 };
  const height = m.top + m.bottom + items.length * rowHeight;
  const svg = svgRoot(width, height, label, 'bar-chart');
  const vmax = Math.max(max ?? 0, ...items.map((i) => i.value ?? 0), target?.value ?? 0) || 1;
  const iw = width - labelWidth - m.right;
  const px = (v) => labelWidth + (Math.max(0, v) / vmax) * iw;
  items.forEach((it, i) => {
    const y = m.top + i * rowHeight;
    const g = s('g', { class: 'bar' });
    g.appendChild(s('text', { x: labelWidth - 8, y: y + rowHeight / 2 + 4, 'text-anchor': 'end', fill: '#1d1f23', 'font-size': 13 }, it.label));
    const w = Number.isFinite(it.value) ? Math.max(it.value > 0 ? 1.5 : 0, px(it.value) - labelWidth) : 0;
    g.appendChild(s('rect', { x: labelWidth, y: y + 4, width: r2(w), height: rowHeight - 8, fill: it.color ?? LINE_STYLES[0].color, rx: 2 },
      s('title', null, `${it.label}: ${it.valueText ?? formatValue(it.value)}`)));
    g.appendChild(s('text', { x: r2(labelWidth + w + 6), y: y + rowHeight / 2 + 4, fill: '#1d1f23', 'font-size': 12, ...HALO }, it.valueText ?? formatValue(it.value)));
    svg.appendChild(g);
  });
  if (target && Number.isFinite(target.value)) {
    const x = r2(px(target.value));
    svg.insertBefore(s('line', { x1: x, x2: x, y1: m.top - 4, y2: height - m.bottom, stroke: TARGET, 'stroke-width': 2, 'stroke-dasharray': '6 4', class: 'target-line' }), svg.querySelector('g.bar'));
    svg.appendChild(s('text', { x, y: 13, 'text-anchor': x > width - 120 ? 'end' : x < labelWidth + 100 ? 'start' : 'middle', fill: TARGET, 'font-size': 12, 'font-weight': 600, ...HALO }, target.label));
  }
  return svg;
}

/** One stacked bar of status counts: parts [{ key, value }]. */
export function stackedBar({ parts, label, width = 260, height = 20 }) {
  const svg = svgRoot(width, height, label, 'stacked-bar');
  const total = parts.reduce((sum, p) => sum + p.value, 0);
  svg.appendChild(s('rect', { x: 0.5, y: 0.5, width: width - 1, height: height - 1, fill: '#fff', stroke: '#9aa0a6', rx: 2 }));
  if (total === 0) return svg;
  let x = 0;
  for (const p of parts) {
    if (!p.value) continue;
    const w = (p.value / total) * width;
    svg.appendChild(s('rect', { x: r2(x), y: 0, width: r2(w), height, fill: STATUS_COLORS[p.key], stroke: p.key === 'noData' ? '#6b7177' : '#fff', 'stroke-width': 1 },
      s('title', null, `${p.label}: ${p.value}`)));
    x += w;
  }
  return svg;
}
