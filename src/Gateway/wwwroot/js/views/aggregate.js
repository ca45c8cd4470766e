// Province overview and city view: targets by status per plan area, key indicators with trends, the units below
// ranked by targets at risk, and reporting completeness. One roll-up request with children=true carries everything
// about the units below (no request per city); the key indicators' series are fetched in parallel.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fmtPercent, fmtCount, isTotal } from '../format.js';
import { barChart, STATUS_COLORS } from '../charts.js';
import { section, areaStatusTables, keyIndicatorCards, sortableTable, tableWrap, orgHref, countStatuses, warningsPanel, reportLinks } from '../components.js';

/** Per child unit: indicators not met / met at its level, county-level not met, reporting completeness. */
export function childStats(rollup, expectedByChild) {
  const totals = rollup.indicators.filter(isTotal);
  const stats = new Map();
  for (const row of totals) {
    for (const c of row.children ?? []) {
      let st = stats.get(c.orgUnit);
      if (!st) {
        st = { key: c.orgUnit, code: c.orgUnit, name: c.name, notMet: 0, met: 0, noTarget: 0, noData: 0, countyNotMet: 0, reported: 0, expected: 0 };
        stats.set(c.orgUnit, st);
      }
      if (c.status in st) st[c.status] += 1;
      st.countyNotMet += c.statuses?.notMet ?? 0;
      st.reported += c.reportingUnits ?? 0;
      st.expected += expectedByChild.get(c.orgUnit) ?? 1;
    }
  }
  for (const st of stats.values()) st.completeness = st.expected ? st.reported / st.expected : null;
  return [...stats.values()];
}

export function renderAggregate(data, ui) {
  const d = t();
  const { division, rollup } = data;
  const code = division.code;
  const isProvince = division.level === 'province';
  const totals = rollup.indicators.filter(isTotal);
  const overall = countStatuses(totals);
  const withTarget = overall.met + overall.notMet;
  const stats = childStats(rollup, data.expectedByChild);
  const reported = stats.reduce((a, st) => a + st.reported, 0);
  const expected = stats.reduce((a, st) => a + st.expected, 0);
  const unitWord = isProvince ? d.prefecture : d.county;

  const ranked = [...stats].sort((a, b) => b.notMet - a.notMet || b.countyNotMet - a.countyNotMet || a.code.localeCompare(b.code));
  ranked.forEach((st, i) => { st.rank = i + 1; });

  const link = (st) => h('a', { href: orgHref(st.code), id: `unit-link-${st.code}` }, st.name);

  const summary = h('div', { class: 'summary-grid', id: 'summary' },
    stat(d.status.met, overall.met, 'met', `${d.indicatorsWithTargets} ${withTarget}`),
    stat(d.status.notMet, overall.notMet, 'notMet'),
    stat(d.status.noTarget, overall.noTarget, 'noTarget'),
    stat(d.countiesCount, division.countyLevelUnits, 'units'),
    stat(d.completeness, fmtPercent(expected ? reported / expected : null), 'completeness', `${fmtCount(reported)} / ${fmtCount(expected)}`));

  const rankTable = sortableTable({
    id: 'rank-table',
    caption: null,
    state: ui.state.rank ??= {},
    defaultSort: { key: 'rank', dir: 'asc' },
    rows: ranked,
    columns: [
      { key: 'rank', label: d.rank, numeric: true, value: (r) => r.rank },
      { key: 'name', label: d.unit, rowHeader: true, value: (r) => r.name, cell: link },
      { key: 'notMet', label: d.notMetTargets, numeric: true, value: (r) => r.notMet },
      { key: 'met', label: d.metTargets, numeric: true, value: (r) => r.met },
      { key: 'countyNotMet', label: d.countyNotMet, numeric: true, value: (r) => r.countyNotMet },
    ],
  });

  const completenessTable = sortableTable({
    id: 'completeness-table',
    state: ui.state.completeness ??= {},
    defaultSort: { key: 'rate', dir: 'asc' },
    rows: stats,
    columns: [
      { key: 'name', label: d.unit, rowHeader: true, value: (r) => r.name, cell: (r) => h('a', { href: orgHref(r.code) }, r.name) },
      { key: 'reported', label: d.reported, numeric: true, value: (r) => r.reported, cell: (r) => fmtCount(r.reported) },
      { key: 'expected', label: d.expected, numeric: true, value: (r) => r.expected, cell: (r) => fmtCount(r.expected) },
      { key: 'rate', label: d.rate, numeric: true, value: (r) => r.completeness, cell: (r) => fmtPercent(r.completeness) },
    ],
  });

  return h('div', { class: 'view view-aggregate', dataset: { org: code, level: division.level } },
    h('header', { class: 'page-head' },
      h('h1', { tabindex: '-1', id: 'page-title' }, d.overviewOf(division.name)),
      h('p', { class: 'page-meta' }, `${isProvince ? d.levelProvince : d.levelPrefecture} · ${d.yearLabel(rollup.year)} · ${division.countyLevelUnits} ${d.countiesCount}`)),
    summary,
    data.warnings ? section('warnings', d.warningsTitle, d.warningsIntro(data.warnings.total), warningsPanel(data.warnings)) : null,
    section('areas', d.areasTitle, d.areasIntro(division.name, rollup.year),
      h('p', { class: 'legend-line' }, ['met', 'notMet', 'noTarget', 'noData'].map((k) => h('span', { class: 'legend-key' }, h('span', { class: `dot dot-${k}`, 'aria-hidden': 'true' }), d.status[k]))),
      h('div', { class: 'two-col' }, areaStatusTables(rollup, { withCounties: true })),
      h('p', { class: 'muted small' }, d.statusHelp)),
    section('key', d.keyTitle, d.keyIntro(rollup.year), keyIndicatorCards({ code, rollup, seriesByCode: data.seriesByCode, catalogue: data.catalogue })),
    h('div', { class: 'two-col' },
      section('ranking', isProvince ? d.rankTitleProvince : d.rankTitlePrefecture, d.rankIntro,
        barChart({
          items: ranked.map((st) => ({ label: st.name, value: st.notMet, color: STATUS_COLORS.notMet, valueText: String(st.notMet) })),
          label: d.chartRank(unitWord),
        }),
        tableWrap(rankTable, isProvince ? d.rankTitleProvince : d.rankTitlePrefecture)),
      section('completeness', d.completenessTitle, d.completenessIntro(rollup.year),
        barChart({
          items: [...stats].sort((a, b) => (a.completeness ?? 0) - (b.completeness ?? 0) || a.code.localeCompare(b.code))
            .map((st) => ({ label: st.name, value: (st.completeness ?? 0) * 100, color: '#0b57a4', valueText: fmtPercent(st.completeness) })),
          max: 100,
          label: d.chartCompleteness(unitWord),
        }),
        tableWrap(completenessTable, d.completenessTitle))),
    section('reports', d.reportsTitle, d.reportsIntro, reportLinks(code, rollup.year)));
}

function stat(label, value, kind, detail) {
  return h('div', { class: `stat stat-${kind}`, dataset: { stat: kind } },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, String(value)),
    detail ? h('span', { class: 'stat-detail' }, detail) : null);
}
