// Pieces shared by the views: sections, status chips, sortable tables, the status-by-area table and the
// key-indicator cards.
import { h, nextId } from './dom.js';
import { t, lang, indicatorName, areaName } from './i18n.js';
import { fmtValue, unitSuffix, fmtTarget, targetValueIn, isTotal } from './format.js';
import { sparkline, stackedBar, STATUS_ORDER } from './charts.js';
import { openReport } from './api.js';

export const KEY_INDICATORS = [
  'maternal-mortality-rate',
  'infant-mortality-rate',
  'under5-mortality-rate',
  'neonatal-mortality-rate',
  'cervical-cancer-screening-rate',
  'breast-cancer-screening-rate',
  'maternal-systematic-management-rate',
  'under3-systematic-management-rate',
];

export const PLAN_ORDER = ['women', 'children'];

export const orgHref = (code) => `#/org/${code}`;
export const indicatorHref = (code, indicator) => `#/org/${code}/indicator/${indicator}`;

export function section(id, title, intro, ...content) {
  const headingId = `${id}-title`;
  return h('section', { class: 'panel', id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title),
    intro ? h('p', { class: 'intro' }, intro) : null,
    ...content);
}

export function statusChip(status) {
  if (!status) return h('span', { class: 'status status-none' }, t().none);
  return h('span', { class: `status status-${status}`, dataset: { status } }, t().status[status] ?? status);
}

/** A scrollable table region: keyboard users can scroll it (tabindex) and it has a name. */
export function tableWrap(table, label) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

/**
 * A table whose column headers sort it (buttons in the headers: Enter/Space; aria-sort on the header).
 * columns: [{ key, label, numeric, value(row) → sortable, cell(row) → Node|string, rowHeader }]
 * state: an object kept across live refreshes ({ key, dir }).
 */
export function sortableTable({ id, caption, columns, rows, state, defaultSort, onSort }) {
  if (!state.key) Object.assign(state, defaultSort);
  const thead = h('thead');
  const tbody = h('tbody');
  const table = h('table', { class: 'data sortable', id }, caption ? h('caption', null, caption) : null, thead, tbody);

  const draw = () => {
    const col = columns.find((c) => c.key === state.key) ?? columns[0];
    const dir = state.dir === 'desc' ? -1 : 1;
    const sorted = rows.map((r, i) => [r, i]).sort(([a, ia], [b, ib]) => {
      const va = col.value(a); const vb = col.value(b);
      const na = va === null || va === undefined; const nb = vb === null || vb === undefined;
      if (na || nb) return na && nb ? ia - ib : na ? 1 : -1;
      const c = typeof va === 'string' ? va.localeCompare(vb, 'zh-CN') : va - vb;
      return c !== 0 ? c * dir : ia - ib;
    }).map(([r]) => r);
    thead.replaceChildren(h('tr', null, columns.map((c) => {
      const active = c.key === col.key;
      const sortState = active ? (state.dir === 'desc' ? 'descending' : 'ascending') : null;
      return h('th', { scope: 'col', class: c.numeric ? 'num' : null, 'aria-sort': sortState ?? 'none' },
        h('button', {
          type: 'button', class: 'sort', id: `${id}-sort-${c.key}`, title: t().sortBy(c.label),
          onclick: () => {
            if (state.key === c.key) state.dir = state.dir === 'desc' ? 'asc' : 'desc';
            else { state.key = c.key; state.dir = c.numeric ? 'desc' : 'asc'; }
            draw();
            document.getElementById(`${id}-sort-${c.key}`)?.focus();
            onSort?.();
          },
        }, c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (state.dir === 'desc' ? ' ▼' : ' ▲') : ' ↕')));
    })));
    tbody.replaceChildren(...sorted.map((r) => h('tr', { dataset: r.key ? { key: r.key } : undefined }, columns.map((c) => {
      const content = c.cell ? c.cell(r) : String(c.value(r) ?? t().none);
      return c.rowHeader
        ? h('th', { scope: 'row', class: c.numeric ? 'num' : null }, content)
        : h('td', { class: c.numeric ? 'num' : null, dataset: { col: c.key } }, content);
    }))));
  };
  draw();
  return table;
}

/** Counts of statuses in rows (by `status`). */
export function countStatuses(rows, pick = (r) => r.status) {
  const c = { met: 0, notMet: 0, noTarget: 0, noData: 0 };
  for (const r of rows) { const st = pick(r); if (st in c) c[st] += 1; }
  return c;
}

/** Total rows of a rollup grouped by plan → area (in document order). */
export function byPlanArea(rows) {
  const d = t();
  const out = [];
  for (const plan of PLAN_ORDER) {
    const areas = Object.keys(d.areaNames[plan]);
    const group = { plan, areas: [] };
    for (const area of areas) {
      const items = rows.filter((r) => r.plan === plan && r.area === area);
      if (items.length) group.areas.push({ area, items });
    }
    out.push(group);
  }
  return out;
}

/** Targets by status per plan and area: one table per plan with a stacked bar per area. */
export function areaStatusTables(rollup, { withCounties }) {
  const d = t();
  const totals = rollup.indicators.filter(isTotal);
  return byPlanArea(totals).map(({ plan, areas }) => {
    const rows = areas.map(({ area, items }) => ({
      area, counts: countStatuses(items), countyNotMet: items.reduce((sum, r) => sum + (r.statusCounts?.notMet ?? 0), 0),
    }));
    const sum = (k) => rows.reduce((acc, r) => acc + r.counts[k], 0);
    const captionId = nextId('cap');
    return h('div', { class: 'plan-block', dataset: { plan } },
      h('h3', { id: captionId }, d.plans[plan]),
      tableWrap(h('table', { class: 'data area-status', 'aria-labelledby': captionId, dataset: { plan } },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, d.area),
          h('th', { scope: 'col', class: 'chart-col' }, d.distribution),
          STATUS_ORDER.map((k) => h('th', { scope: 'col', class: 'num' }, h('span', { class: `dot dot-${k}`, 'aria-hidden': 'true' }), d.status[k])),
          withCounties ? h('th', { scope: 'col', class: 'num' }, d.countyNotMet) : null)),
        h('tbody', null, rows.map((r) => h('tr', { dataset: { area: r.area } },
          h('th', { scope: 'row' }, areaName(plan, r.area)),
          h('td', { class: 'chart-col' }, stackedBar({
            parts: STATUS_ORDER.map((k) => ({ key: k, label: d.status[k], value: r.counts[k] })),
            label: d.chartAreas(d.plansShort[plan], areaName(plan, r.area), r.counts),
          })),
          STATUS_ORDER.map((k) => h('td', { class: 'num', dataset: { status: k } }, String(r.counts[k]))),
          withCounties ? h('td', { class: 'num', dataset: { col: 'countyNotMet' } }, String(r.countyNotMet)) : null))),
        h('tfoot', null, h('tr', null,
          h('th', { scope: 'row' }, d.total), h('td', { class: 'chart-col' }),
          STATUS_ORDER.map((k) => h('td', { class: 'num', dataset: { status: k } }, String(sum(k)))),
          withCounties ? h('td', { class: 'num' }, String(rows.reduce((a, r) => a + r.countyNotMet, 0))) : null))),
        d.plans[plan]));
  });
}

/** The key indicators as cards (value, target, status, sparkline) plus their numbers in a table. */
export function keyIndicatorCards({ code, rollup, seriesByCode, catalogue }) {
  const d = t();
  const rows = new Map(rollup.indicators.filter(isTotal).map((r) => [r.indicator, r]));
  const cards = [];
  const years = new Set();
  const tableRows = [];
  for (const key of KEY_INDICATORS) {
    const row = rows.get(key);
    const meta = catalogue.get(key);
    if (!row || !meta) continue;
    const series = seriesByCode.get(key);
    const total = series?.series?.find((se) => isTotal(se)) ?? null;
    const points = (total?.points ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ x: p.year, y: p.value }));
    points.forEach((p) => years.add(p.x));
    const target = targetValueIn(row.target, row.unit);
    const name = indicatorName(row);
    const ptsText = points.map((p) => `${d.yearLabel(p.x)} ${fmtValue(p.y, row.unit)}${unitSuffix(row.unit)}`).join('，');
    cards.push(h('article', { class: `kpi kpi-${row.status}`, dataset: { indicator: key } },
      h('h3', null, h('a', { href: indicatorHref(code, key), id: `kpi-link-${key}` }, name)),
      h('p', { class: 'kpi-value' },
        h('span', { class: 'num', dataset: { field: 'value' } }, fmtValue(row.value, row.unit)),
        h('span', { class: 'unit' }, unitSuffix(row.unit))),
      h('p', { class: 'kpi-target' }, row.target ? `${d.target} ` : null, h('span', { dataset: { field: 'target' } }, row.target ? fmtTarget(row.target) : d.noTargetShort)),
      h('div', { class: 'kpi-foot' },
        statusChip(row.status),
        h('div', { class: 'spark' },
          sparkline({ points, target, label: d.chartSpark(name, ptsText, row.target ? fmtTarget(row.target) : null) }),
          points.length > 1 ? h('span', { class: 'spark-years', 'aria-hidden': 'true' }, `${points[0].x}–${points[points.length - 1].x}`) : null))));
    tableRows.push({ key, name, unit: row.unit, points: new Map(points.map((p) => [p.x, p.y])), target: row.target });
  }
  const ys = [...years].sort();
  const table = h('table', { class: 'data' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, d.indicator), ys.map((y) => h('th', { scope: 'col', class: 'num' }, String(y))), h('th', { scope: 'col' }, d.target))),
    h('tbody', null, tableRows.map((r) => h('tr', { dataset: { indicator: r.key } },
      h('th', { scope: 'row' }, r.name, h('span', { class: 'muted' }, ` (${unitSuffix(r.unit).trim() || r.unit})`)),
      ys.map((y) => h('td', { class: 'num' }, r.points.has(y) ? fmtValue(r.points.get(y), r.unit) : d.none)),
      h('td', null, r.target ? fmtTarget(r.target) : d.noTargetShort)))));
  return [
    h('div', { class: 'kpi-grid' }, cards),
    h('details', { class: 'data-table' }, h('summary', null, d.showTable), tableWrap(table, d.keyTitle)),
  ];
}

export function loadingView() {
  return h('p', { class: 'loading', role: 'status' }, t().loading);
}

export function errorView(error, retry) {
  return h('div', { class: 'error', role: 'alert' },
    h('h1', { tabindex: '-1' }, error?.status === 404 ? t().notFound : t().loadFailed),
    h('p', null, String(error?.message ?? error)),
    h('button', { type: 'button', onclick: retry }, t().retry));
}

/** The latest active warnings of a subtree: counts by kind, then a table of the newest (linked to the indicator page). */
export function warningsPanel(warnings, { limit = 10 } = {}) {
  const d = t();
  if (!warnings) return null;
  const kinds = h('ul', { class: 'warning-kinds', id: 'warning-kinds' },
    warnings.byKind.map((k) => h('li', { class: `warning-kind kind-${k.key}`, dataset: { kind: k.key, count: String(k.count) } },
      h('span', { class: 'stat-label' }, d.warningKind[k.key] ?? k.key), ' ', h('strong', {}, String(k.count)))));
  const rows = warnings.warnings.slice(0, limit);
  const table = rows.length === 0 ? h('p', { class: 'muted', id: 'warnings-none' }, d.warningsNone) : h('table', { class: 'data', id: 'warnings-table' },
    h('thead', {}, h('tr', {},
      [d.warningUnit, d.warningKindLabel, d.indicator, d.warningYear, d.warningDepartment, d.warningMessage, d.warningRaised]
        .map((label, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, label)))),
    h('tbody', {}, rows.map((w) => h('tr', { dataset: { kind: w.kind, org: w.orgUnit, indicator: w.indicator } },
      h('th', { scope: 'row' }, h('a', { href: orgHref(w.orgUnit) }, w.orgUnitName)),
      h('td', {}, h('span', { class: `chip kind-${w.kind}` }, d.warningKind[w.kind] ?? w.kind)),
      h('td', {}, h('a', { href: indicatorHref(w.orgUnit, w.indicator) }, w.indicatorNameZh)),
      h('td', { class: 'num' }, String(w.year)),
      h('td', {}, w.departmentNameZh ?? w.department ?? '—'),
      h('td', { class: 'small' }, lang() === 'en' ? w.message : w.messageZh),
      h('td', { class: 'small' }, w.raisedAt ? new Date(w.raisedAt).toLocaleString() : '—')))));
  return [kinds, rows.length ? tableWrap(table, d.warningsTitle) : table];
}

/** Download links for the reports of an org unit. */
export function reportLinks(code, year) {
  const d = t();
  const base = `/api/v1/org-units/${encodeURIComponent(code)}/reports`;
  const open = (url, fileName) => (event) => {
    event.preventDefault();
    openReport(url, fileName).catch((e) => console.warn('report download failed', e));
  };
  const item = (label, path) => {
    const kind = path.split('?')[0];
    const html = `${base}/${path}`;
    const csv = `${html}${path.includes('?') ? '&' : '?'}format=csv`;
    return h('li', {},
      h('a', { href: html, onclick: open(html, `${code}-${kind}.html`) }, label), ' · ',
      h('a', { href: csv, onclick: open(csv, `${code}-${kind}.csv`) }, 'CSV'));
  };
  return h('ul', { class: 'report-links', id: 'report-links' },
    item(d.reportAnnual(year), `annual?year=${year}`), item(d.reportMidterm, 'midterm'), item(d.reportFinal, 'final'));
}
