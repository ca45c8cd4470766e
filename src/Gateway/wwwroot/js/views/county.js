// County view: the county's status per area, its key indicators, the plans as the documents have them (tabs:
// women / children) and every indicator's figure and status.
import { h } from '../dom.js';
import { t, lang, indicatorName, areaName } from '../i18n.js';
import { fmtValue, unitSuffix, fmtTarget, isTotal } from '../format.js';
import { section, areaStatusTables, keyIndicatorCards, statusChip, tableWrap, byPlanArea, indicatorHref, countStatuses, PLAN_ORDER, warningsPanel, reportLinks } from '../components.js';

export function renderCounty(data, ui) {
  const d = t();
  const { division, rollup } = data;
  const totals = rollup.indicators.filter(isTotal);
  const overall = countStatuses(totals);
  return h('div', { class: 'view view-county', dataset: { org: division.code, level: 'county' } },
    h('header', { class: 'page-head' },
      h('h1', { tabindex: '-1', id: 'page-title' }, division.name),
      h('p', { class: 'page-meta' }, `${division.standsForCity ? d.levelCityAsCounty : d.levelCounty} · ${division.parents.map((p) => p.name).join(' · ')} · ${d.yearLabel(rollup.year)}`)),
    h('div', { class: 'summary-grid', id: 'summary' },
      ['met', 'notMet', 'noTarget', 'noData'].map((k) => h('div', { class: `stat stat-${k}`, dataset: { stat: k } },
        h('span', { class: 'stat-label' }, d.status[k]), h('span', { class: 'stat-value' }, String(overall[k]))))),
    section('areas', d.areasTitle, d.areasIntroCounty(division.name, rollup.year),
      h('div', { class: 'two-col' }, areaStatusTables(rollup, { withCounties: false }))),
    data.warnings ? section('warnings', d.warningsTitle, d.warningsIntro(data.warnings.total), warningsPanel(data.warnings)) : null,
    section('key', d.keyTitle, d.keyIntro(rollup.year), keyIndicatorCards({ code: division.code, rollup, seriesByCode: data.seriesByCode, catalogue: data.catalogue })),
    section('plan', d.planTitle, null, planTabs(data, ui)),
    section('county-data', d.countyData, d.countyDataIntro(rollup.year), countyData(division.code, totals)),
    section('reports', d.reportsTitle, d.reportsIntro, reportLinks(division.code, rollup.year)));
}

function planTabs(data, ui) {
  const d = t();
  const available = PLAN_ORDER.filter((p) => data.plans[p]);
  if (available.length === 0) return h('p', { class: 'notice-inline' }, d.planNone);
  if (!available.includes(ui.state.tab)) ui.state.tab = available[0];
  const tabs = available.map((p) => h('button', {
    type: 'button', role: 'tab', id: `tab-${p}`, 'aria-controls': `panel-${p}`,
    'aria-selected': String(p === ui.state.tab), tabindex: p === ui.state.tab ? '0' : '-1',
    dataset: { plan: p },
    onclick: () => select(p, true),
    onkeydown: (e) => {
      const i = available.indexOf(p);
      let next = null;
      if (e.key === 'ArrowRight') next = available[(i + 1) % available.length];
      else if (e.key === 'ArrowLeft') next = available[(i - 1 + available.length) % available.length];
      else if (e.key === 'Home') next = available[0];
      else if (e.key === 'End') next = available[available.length - 1];
      if (next) { e.preventDefault(); select(next, true); }
    },
  }, d.plans[p]));
  const panels = available.map((p) => h('div', {
    role: 'tabpanel', id: `panel-${p}`, 'aria-labelledby': `tab-${p}`, tabindex: '0', hidden: p !== ui.state.tab, dataset: { plan: p },
  }, planDocument(data.division.code, data.plans[p])));
  function select(p, focus) {
    ui.state.tab = p;
    for (const tab of tabs) {
      const on = tab.dataset.plan === p;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    for (const panel of panels) panel.hidden = panel.dataset.plan !== p;
  }
  return [h('div', { role: 'tablist', class: 'tabs', 'aria-label': d.planTitle }, tabs), panels];
}

function planDocument(code, plan) {
  const d = t();
  const en = lang() === 'en';
  return h('article', { class: 'plan-doc', lang: 'zh-CN', dataset: { plan: plan.plan } },
    h('h3', { class: 'plan-title' }, plan.title),
    h('p', { class: 'plan-meta', lang: en ? 'en' : null },
      plan.documentNumber ? `${plan.documentNumber} · ` : '',
      plan.issued ? `${d.planIssued} ${plan.issued} · ` : '',
      `${d.planPeriod} ${plan.period.start}—${plan.period.end} · ${d.planStatusYear} ${plan.statusYear}`),
    plan.notes?.length ? h('details', { class: 'plan-notes' }, h('summary', { lang: en ? 'en' : null }, d.planNotes), h('ul', null, plan.notes.map((n) => h('li', null, n)))) : null,
    h('p', { class: 'plan-tools' },
      h('button', { type: 'button', class: 'link-button', id: `expand-${plan.plan}`, onclick: (e) => toggleAll(e.target.closest('article'), true) }, d.expandAll),
      h('button', { type: 'button', class: 'link-button', id: `collapse-${plan.plan}`, onclick: (e) => toggleAll(e.target.closest('article'), false) }, d.collapseAll)),
    plan.areas.map((area, i) => h('details', { class: 'plan-area', dataset: { plan: plan.plan, area: area.area }, open: i === 0 },
      h('summary', null, h('h4', null, area.nameZh, en ? h('span', { class: 'muted', lang: 'en' }, ` — ${areaName(plan.plan, area.area)}`) : null),
        h('span', { class: 'area-counts', lang: en ? 'en' : null }, areaCounts(area))),
      h('h5', { lang: en ? 'en' : null }, d.goals),
      h('ol', { class: 'goals' }, area.goals.map((g) => h('li', { value: g.no, class: 'goal' },
        h('p', { class: 'goal-text' }, g.text),
        g.targets?.length ? targetsTable(code, g.targets) : null))),
      area.measures?.length ? [
        h('h5', { lang: en ? 'en' : null }, d.measures),
        h('ol', { class: 'measures' }, area.measures.map((m) => h('li', { value: m.no, class: 'measure' },
          h('p', { class: 'measure-title' }, m.title),
          h('p', { class: 'departments' },
            h('span', { class: 'dept-label', lang: en ? 'en' : null }, `${d.lead}：`),
            m.lead?.length ? m.lead.map((x) => x.name).join('、') : h('span', { class: 'muted', lang: en ? 'en' : null }, d.unspecified),
            h('span', { class: 'sep', 'aria-hidden': 'true' }, '　'),
            h('span', { class: 'dept-label', lang: en ? 'en' : null }, `${d.cooperating}：`),
            m.cooperating?.length ? m.cooperating.map((x) => x.name).join('、') : h('span', { class: 'muted', lang: en ? 'en' : null }, d.unspecified)),
          m.targets?.length ? targetsTable(code, m.targets) : null))),
      ] : null)));
}

function toggleAll(article, open) {
  for (const el of article.querySelectorAll('details.plan-area')) el.open = open;
}

function areaCounts(area) {
  const d = t();
  const targets = [...area.goals, ...(area.measures ?? [])].flatMap((x) => x.targets ?? []);
  const c = { met: 0, notMet: 0 };
  for (const tg of targets) if (tg.status in c) c[tg.status] += 1;
  return `${d.goalsCount(area.goals.length, area.measures?.length ?? 0)} · ${d.status.met} ${c.met} · ${d.status.notMet} ${c.notMet}`;
}

function targetsTable(code, targets) {
  const d = t();
  const en = lang() === 'en';
  return tableWrap(h('table', { class: 'data targets', lang: en ? 'en' : null },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, `${d.indicator} / ${d.subject}`), h('th', { scope: 'col' }, d.target),
      h('th', { scope: 'col', class: 'num' }, d.current), h('th', { scope: 'col' }, d.statusCol))),
    h('tbody', null, targets.map((tg) => h('tr', { dataset: tg.indicator ? { indicator: tg.indicator } : undefined },
      h('th', { scope: 'row', lang: 'zh-CN' }, tg.indicator
        ? h('a', { href: indicatorHref(code, tg.indicator) }, tg.indicatorNameZh ?? tg.indicator)
        : tg.subject ?? d.none,
      tg.disaggregation && Object.keys(tg.disaggregation).length ? h('span', { class: 'muted' }, ` (${Object.values(tg.disaggregation).map((v) => d.disaggNames[v] ?? v).join('、')})`) : null),
      h('td', null, fmtTarget(tg)),
      h('td', { class: 'num' }, tg.currentValue !== undefined && tg.currentValue !== null ? fmtValue(tg.currentValue, tg.unit) : d.none),
      h('td', null, tg.status ? statusChip(tg.status) : h('span', { class: 'muted' }, d.none)))))), d.targetsOfGoal);
}

function countyData(code, totals) {
  const d = t();
  return byPlanArea(totals).flatMap(({ plan, areas }) => areas.map(({ area, items }) => {
    const c = countStatuses(items);
    return h('details', { class: 'area-data', dataset: { plan, area } },
      h('summary', null, `${d.plansShort[plan]} · ${areaName(plan, area)}`,
        h('span', { class: 'summary-counts' }, ` ${d.status.met} ${c.met} · ${d.status.notMet} ${c.notMet}`)),
      tableWrap(h('table', { class: 'data' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, d.indicator), h('th', { scope: 'col', class: 'num' }, d.value), h('th', { scope: 'col' }, d.target), h('th', { scope: 'col' }, d.statusCol))),
        h('tbody', null, items.map((r) => h('tr', { dataset: { indicator: r.indicator } },
          h('th', { scope: 'row' }, h('a', { href: indicatorHref(code, r.indicator) }, indicatorName(r))),
          h('td', { class: 'num' }, r.value !== undefined && r.value !== null ? fmtValue(r.value, r.unit) + unitSuffix(r.unit) : d.none),
          h('td', null, r.target ? fmtTarget(r.target) : d.noTargetShort),
          h('td', null, statusChip(r.status)))))), `${d.plansShort[plan]} · ${areaName(plan, area)}`));
  }));
}
