// Indicator page: the series with its target line and a labelled projection, the disaggregations as small
// multiples, and each child unit's contribution as a sortable table and a bar chart.
import { h } from '../dom.js';
import { t, lang, indicatorName, areaName } from '../i18n.js';
import { fmtValue, fmtCount, fmtPercent, unitSuffix, fmtTarget, targetValueIn, meetsTarget, fmtDateTime, isTotal } from '../format.js';
import { lineChart, barChart, LINE_STYLES, STATUS_COLORS } from '../charts.js';
import { section, statusChip, sortableTable, tableWrap, indicatorHref } from '../components.js';

const DISAGG_ORDER = ['area', 'sex', 'age'];
const GROUP_ORDER = { area: ['urban', 'rural'], sex: ['female', 'male'] };

/** Compound annual growth from the first to the last positive observation, extended to `toYear`. */
export function projectSeries(points, toYear) {
  const pts = points.filter((p) => Number.isFinite(p.y));
  if (pts.length < 2 || !toYear) return null;
  const first = pts[0]; const last = pts[pts.length - 1];
  if (first.y <= 0 || last.y <= 0 || last.x <= first.x || toYear <= last.x) return null;
  const rate = (last.y / first.y) ** (1 / (last.x - first.x)) - 1;
  const out = [];
  for (let x = last.x; x <= toYear; x += 1) out.push({ x, y: last.y * (1 + rate) ** (x - last.x) });
  return { from: first.x, to: last.x, rate, points: out };
}

export function renderIndicator(data, ui) {
  const d = t();
  const { division, seriesDoc, rollup, meta } = data;
  const unit = meta.unit;
  const fmt = (v) => fmtValue(v, unit);
  const name = indicatorName(meta);
  const rows = rollup.indicators.filter((r) => r.indicator === meta.code);
  const totalRow = rows.find(isTotal) ?? null;
  const totalSeries = seriesDoc.series.find(isTotal) ?? { points: [], targets: [] };
  const points = totalSeries.points.filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ x: p.year, y: p.value }));
  const targets = (totalSeries.targets ?? []).map((tg) => ({ tg, value: targetValueIn(tg, unit) })).filter((x) => x.value !== null);
  const lastYear = points.length ? points[points.length - 1].x : null;
  const governing = targets.filter((x) => !lastYear || !x.tg.year || x.tg.year >= lastYear).sort((a, b) => (a.tg.year ?? 9999) - (b.tg.year ?? 9999))[0] ?? null;
  const projection = governing?.tg.year ? projectSeries(points, Math.max(...targets.map((x) => x.tg.year ?? 0))) : null;
  const projLabel = projection ? d.projectionLabel(projection.from, projection.to) : null;
  const target = totalRow?.target ?? governing?.tg ?? null;
  const ptsText = points.map((p) => `${d.yearLabel(p.x)} ${fmt(p.y)}`).join('，');

  const chart = lineChart({
    series: [{ name: d.disaggNames.total, points }],
    targets: targets.map((x) => ({ value: x.value, label: `${d.target} ${fmtTarget(x.tg)}` })),
    projection: projection ? { points: projection.points, label: projLabel } : null,
    label: d.chartSeries(name, ptsText, targets.length ? targets.map((x) => fmtTarget(x.tg)).join('；') : null),
    formatY: fmt,
  });

  let projText = null;
  if (projection) {
    const end = projection.points[projection.points.length - 1];
    const targetAtEnd = targets.find((x) => x.tg.year === end.x) ?? governing;
    const ok = meetsTarget(end.y, targetAtEnd.tg, unit);
    projText = d.projectionText(end.x, fmt(end.y) + unitSuffix(unit), ok ? d.projectionMeets : d.projectionMisses);
  } else if (targets.length) {
    projText = d.projectionNone;
  }

  const isCountyLevel = division.level === 'county';
  const seriesTable = h('table', { class: 'data', id: 'series-table' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, d.year), h('th', { scope: 'col', class: 'num' }, `${d.value} (${unitSuffix(unit).trim() || unit})`),
      h('th', { scope: 'col', class: 'num' }, d.numerator), h('th', { scope: 'col', class: 'num' }, d.denominator),
      h('th', { scope: 'col' }, d.statusCol),
      h('th', { scope: 'col', class: 'num' }, d.reportingUnits),
      isCountyLevel ? [h('th', { scope: 'col' }, d.department), h('th', { scope: 'col' }, d.reportedAt)] : null)),
    h('tbody', null, totalSeries.points.map((p) => h('tr', { dataset: { year: p.year } },
      h('th', { scope: 'row' }, String(p.year)),
      h('td', { class: 'num', dataset: { col: 'value' } }, fmt(p.value)),
      h('td', { class: 'num' }, fmtCount(p.numerator)),
      h('td', { class: 'num' }, fmtCount(p.denominator)),
      h('td', null, statusChip(p.status)),
      h('td', { class: 'num' }, fmtCount(p.reportingUnits)),
      isCountyLevel ? [h('td', null, departmentName(data.departments, p.department)), h('td', null, fmtDateTime(p.reportedAt))] : null))));

  const latest = totalRow ?? {};
  return h('div', { class: 'view view-indicator', dataset: { org: division.code, indicator: meta.code } },
    h('header', { class: 'page-head' },
      h('h1', { tabindex: '-1', id: 'page-title' }, name, h('span', { class: 'h1-org' }, ` · ${division.name}`)),
      h('p', { class: 'page-meta' },
        `${d.plansShort[meta.plan]} · ${areaName(meta.plan, meta.area)} · ${d.unit} ${meta.unit} · ${d.indicatorCode} ${meta.code}`,
        meta.numerator ? ` · ${d.numerator}：${meta.numerator}` : '', meta.denominator ? ` · ${d.denominator}：${meta.denominator}` : '')),
    h('div', { class: 'summary-grid', id: 'summary' },
      h('div', { class: 'stat stat-value-main', dataset: { stat: 'value' } },
        h('span', { class: 'stat-label' }, `${d.latest}（${d.yearLabel(rollup.year)}）`),
        h('span', { class: 'stat-value' }, h('span', { class: 'num', dataset: { field: 'value' } }, fmt(latest.value)), h('span', { class: 'unit' }, unitSuffix(unit)))),
      h('div', { class: 'stat', dataset: { stat: 'target' } }, h('span', { class: 'stat-label' }, d.target), h('span', { class: 'stat-value small' }, target ? fmtTarget(target) : d.noTargetShort),
        target?.source ? h('span', { class: 'stat-detail' }, target.source) : null),
      h('div', { class: 'stat', dataset: { stat: 'status' } }, h('span', { class: 'stat-label' }, d.statusCol), h('span', { class: 'stat-value small' }, statusChip(latest.status))),
      h('div', { class: 'stat', dataset: { stat: 'reporting' } }, h('span', { class: 'stat-label' }, d.reportingUnits),
        h('span', { class: 'stat-value small' }, `${fmtCount(latest.reportingUnits)} / ${fmtCount(latest.expectedUnits)}`))),
    section('series', d.seriesTitle, null, h('div', { class: isCountyLevel ? 'stacked' : 'two-col wide-left' },
      h('div', null, chart, projText ? h('p', { class: 'projection-note', id: 'projection-note' }, projText) : null),
      tableWrap(seriesTable, d.seriesTable))),
    disaggregations(seriesDoc, unit, name),
    isCountyLevel ? null : children(division, totalRow, meta, ui, fmt));
}

function departmentName(departments, code) {
  if (!code) return t().none;
  const dep = departments?.get(code);
  if (!dep) return code;
  return lang() === 'en' ? dep.nameEn ?? dep.nameZh : dep.nameZh;
}

function disaggregations(seriesDoc, unit, name) {
  const d = t();
  const fmt = (v) => fmtValue(v, unit);
  const groups = new Map();
  for (const se of seriesDoc.series) {
    const keys = Object.keys(se.disaggregation ?? {});
    if (keys.length !== 1) continue;
    const k = keys[0];
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(se);
  }
  if (groups.size === 0) return section('disaggregations', d.disaggTitle, d.disaggNone);
  const total = seriesDoc.series.find(isTotal);
  const totalPts = (total?.points ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ x: p.year, y: p.value }));
  const blocks = [...groups.entries()].sort(([a], [b]) => DISAGG_ORDER.indexOf(a) - DISAGG_ORDER.indexOf(b)).map(([key, list]) => {
    const order = GROUP_ORDER[key] ?? [];
    list.sort((a, b) => order.indexOf(a.disaggregation[key]) - order.indexOf(b.disaggregation[key]) || String(a.disaggregation[key]).localeCompare(String(b.disaggregation[key])));
    const label = (se) => d.disaggNames[se.disaggregation[key]] ?? se.label ?? se.disaggregation[key];
    const lines = list.map((se, i) => ({
      name: label(se),
      style: LINE_STYLES[(i + 1) % LINE_STYLES.length],
      points: se.points.filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ x: p.year, y: p.value })),
    }));
    const all = [{ name: d.disaggNames.total, points: totalPts, style: { color: '#6b7177', dash: '' }, faint: true }, ...lines];
    const years = [...new Set(all.flatMap((l) => l.points.map((p) => p.x)))].sort();
    const desc = lines.map((l) => `${l.name}：${l.points.map((p) => `${p.x} ${fmt(p.y)}`).join('，')}`).join('；');
    const table = h('table', { class: 'data' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, d.year), all.map((l) => h('th', { scope: 'col', class: 'num' }, l.name)))),
      h('tbody', null, years.map((y) => h('tr', null, h('th', { scope: 'row' }, String(y)),
        all.map((l) => { const p = l.points.find((q) => q.x === y); return h('td', { class: 'num' }, p ? fmt(p.y) : d.none); })))));
    return h('div', { class: 'small-multiple', dataset: { disaggregation: key } },
      h('h3', null, d.disaggKind[key] ?? key),
      lineChart({ series: all, label: `${name} · ${d.disaggKind[key] ?? key}：${desc}`, formatY: fmt, height: 240 }),
      tableWrap(table, `${name} · ${d.disaggKind[key] ?? key}`));
  });
  return section('disaggregations', d.disaggTitle, null, h('div', { class: 'two-col' }, blocks));
}

function children(division, totalRow, meta, ui, fmt) {
  const d = t();
  const isProvince = division.level === 'province';
  const title = isProvince ? d.childrenTitleProvince : d.childrenTitlePrefecture;
  const kids = (totalRow?.children ?? []).map((c) => ({ ...c, key: c.orgUnit }));
  const sumNum = kids.reduce((a, c) => a + (c.numerator ?? c.value ?? 0), 0);
  for (const c of kids) c.share = sumNum ? (c.numerator ?? c.value ?? 0) / sumNum : null;
  const targetValue = targetValueIn(totalRow?.target, meta.unit);
  const name = indicatorName(meta);
  const table = sortableTable({
    id: 'children-table',
    state: ui.state.children ??= {},
    defaultSort: { key: 'value', dir: meta.direction === 'higher' ? 'asc' : 'desc' },
    rows: kids,
    onSort: () => ui.redrawChildrenChart?.(),
    columns: [
      { key: 'name', label: d.unit, rowHeader: true, value: (c) => c.name, cell: (c) => h('a', { href: indicatorHref(c.orgUnit, meta.code), id: `child-link-${c.orgUnit}` }, c.name) },
      { key: 'value', label: d.value, numeric: true, value: (c) => c.value, cell: (c) => fmt(c.value) },
      { key: 'numerator', label: d.numerator, numeric: true, value: (c) => c.numerator, cell: (c) => fmtCount(c.numerator) },
      { key: 'denominator', label: d.denominator, numeric: true, value: (c) => c.denominator, cell: (c) => fmtCount(c.denominator) },
      { key: 'share', label: d.numeratorShare, numeric: true, value: (c) => c.share, cell: (c) => fmtPercent(c.share) },
      { key: 'reporting', label: d.reportingUnits, numeric: true, value: (c) => c.reportingUnits, cell: (c) => fmtCount(c.reportingUnits) },
      { key: 'status', label: d.statusCol, value: (c) => c.status ?? '', cell: (c) => statusChip(c.status) },
    ],
  });
  const chartHolder = h('div', { class: 'children-chart' });
  const drawChart = () => {
    const order = [...table.tBodies[0].rows].map((r) => r.dataset.key);
    const byKey = new Map(kids.map((c) => [c.key, c]));
    chartHolder.replaceChildren(barChart({
      items: order.map((k) => byKey.get(k)).filter(Boolean).map((c) => ({ label: c.name, value: c.value, color: STATUS_COLORS[c.status] ?? STATUS_COLORS.noTarget, valueText: fmt(c.value) })),
      target: targetValue !== null ? { value: targetValue, label: `${d.target} ${fmtTarget(totalRow.target)}` } : null,
      label: d.chartChildren(name),
      formatValue: fmt,
    }));
  };
  ui.redrawChildrenChart = drawChart;
  drawChart();
  return section('children', title, d.childrenIntro, h('div', { class: 'two-col' }, chartHolder, tableWrap(table, title)));
}
