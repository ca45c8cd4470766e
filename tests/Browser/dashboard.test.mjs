// Browser tests of the web dashboard in headless Chromium (the system's /usr/bin/chromium; never a downloaded
// browser), against a gateway with the synthetic 四川省 demo (run-tests.mjs starts it and sets BASE_URL).
// Screenshots of every page go to tests/Browser/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:5090';
const ARTIFACTS = process.env.ARTIFACTS ?? join(import.meta.dirname ?? '.', 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PROVINCE = '510000';
const CITY = '511700'; // 达州市
const COUNTY = '511725'; // 渠县
const KEY = [
  'maternal-mortality-rate', 'infant-mortality-rate', 'under5-mortality-rate', 'neonatal-mortality-rate',
  'cervical-cancer-screening-rate', 'breast-cancer-screening-rate', 'maternal-systematic-management-rate',
  'under3-systematic-management-rate',
];
const WOMEN_AREAS = ['health', 'education', 'economy', 'decision-making', 'social-security', 'family', 'environment', 'law'];

mkdirSync(ARTIFACTS, { recursive: true });
let context;
let userDataDir;
const problems = []; // page errors and console errors (CSP violations, failed modules) on any page

before(async () => {
  userDataDir = mkdtempSync(join(tmpdir(), 'orleansplans-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// ---- helpers -------------------------------------------------------------------------------------------------

// The tests read and push as a national province administrator, with a token of the embedded development issuer.
let token = null;
async function api(path, init = {}) {
  if (!token) {
    const t = await fetch(`${BASE}/api/v1/dev/tokens`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'province-admin', orgUnit: '000000' }),
    });
    if (!t.ok) throw new Error(`${t.status} /api/v1/dev/tokens: ${await t.text()}`);
    token = (await t.json()).accessToken;
  }
  const r = await fetch(BASE + path, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${token}` } });
  const body = await r.json();
  if (!r.ok) throw new Error(`${r.status} ${path}: ${JSON.stringify(body)}`);
  return body;
}

const WHOLE_UNITS = new Set(['人', '个', '次', '所', '张', '元']);
/** The dashboard's number format, independently written: two decimals, grouped; whole counts without. */
function fmt(value, unit) {
  if (value === null || value === undefined) return '—';
  const decimals = WHOLE_UNITS.has(unit) && Number.isInteger(value) ? 0 : 2;
  return new Intl.NumberFormat('zh-CN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
}

const isTotal = (row) => Object.keys(row.disaggregation ?? {}).length === 0;

async function openPage(hash) {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${hash}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${hash}: ${m.text()}`); });
  await page.goto(`${BASE}/${hash}`);
  await rendered(page);
  return page;
}

/** Waits until the dashboard has drawn n renders in this document (body[data-rendered]). */
async function rendered(page, atLeast = 1) {
  await page.waitForFunction((n) => Number(document.body.dataset.rendered ?? 0) >= n, atLeast, { timeout: 15000 });
}

async function text(page, selector) {
  return (await page.locator(selector).first().textContent())?.trim();
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

async function assertChartsLabelled(page) {
  const bad = await page.evaluate(() => [...document.querySelectorAll('svg.chart')]
    .filter((svg) => svg.getAttribute('role') !== 'img' || !(svg.getAttribute('aria-label') ?? '').trim() || !svg.querySelector('title'))
    .map((svg) => svg.outerHTML.slice(0, 80)));
  assert.deepEqual(bad, [], 'every chart is role="img" with an aria-label and a <title>');
  const charts = await page.locator('svg.chart').count();
  assert.ok(charts > 0, 'the page has charts');
}

// ---- 1. the overview shows the right numbers ------------------------------------------------------------------

test('province overview shows the seeded province figures, renders in under a second', async (t) => {
  const [rollup, division] = await Promise.all([api(`/api/v1/org-units/${PROVINCE}/rollup?children=true`), api(`/api/v1/divisions/${PROVINCE}`)]);
  const page = await openPage(`#/org/${PROVINCE}`);
  const timing = await page.evaluate(() => ({ first: window.__dashboard.renders[0], sinceNavigation: performance.now() }));
  t.diagnostic(`overview initial render: ${timing.first.totalMs} ms (load ${timing.first.loadMs} ms + draw ${timing.first.renderMs} ms); page ready ${Math.round(timing.first.at)} ms after navigation start`);
  console.log(`  overview render: ${timing.first.totalMs} ms in-app (data ${timing.first.loadMs} ms, DOM ${timing.first.renderMs} ms), ${Math.round(timing.first.at)} ms from navigation start`);
  assert.equal(timing.first.route, `org/${PROVINCE}`);
  assert.ok(timing.first.totalMs < 1000, `overview rendered in ${timing.first.totalMs} ms`);

  assert.equal(await text(page, 'h1'), '四川省总览');
  assert.match(await text(page, '#notice .notice-text'), /^演示数据（合成）/);
  assert.equal(await text(page, '#notice .notice-text'), rollup.notice);
  assert.ok(await page.locator('#notice').isVisible(), 'synthetic-data banner visible');
  assert.match(await text(page, '#updated-time'), /^\d\d:\d\d:\d\d$/);
  assert.equal(await text(page, '[data-stat=units] .stat-value'), String(division.countyLevelUnits));
  assert.equal(division.countyLevelUnits, 183);
  assert.equal(await text(page, '[data-stat=met] .stat-value'), String(rollup.summary.met));
  assert.equal(await text(page, '[data-stat=notMet] .stat-value'), String(rollup.summary.notMet));

  // Key indicators: province value, status and target as the API has them.
  const totals = rollup.indicators.filter(isTotal);
  for (const code of KEY) {
    const row = totals.find((r) => r.indicator === code);
    const card = `article.kpi[data-indicator="${code}"]`;
    assert.equal(await text(page, `${card} [data-field=value]`), fmt(row.value, row.unit), `${code} value`);
    assert.equal(await page.locator(`${card} .status`).getAttribute('data-status'), row.status, `${code} status`);
    if (row.target?.value !== undefined) assert.ok((await text(page, `${card} [data-field=target]`)).includes(String(row.target.value)), `${code} target`);
  }

  // Targets by status per plan and area: counts of the province's indicators by status.
  for (const plan of ['women', 'children']) {
    const areas = [...new Set(totals.filter((r) => r.plan === plan).map((r) => r.area))];
    assert.equal(await page.locator(`table.area-status[data-plan=${plan}] tbody tr`).count(), areas.length);
    for (const area of areas) {
      const rows = totals.filter((r) => r.plan === plan && r.area === area);
      for (const status of ['met', 'notMet', 'noTarget', 'noData']) {
        const expected = rows.filter((r) => r.status === status).length;
        assert.equal(await text(page, `table.area-status[data-plan=${plan}] tr[data-area="${area}"] td[data-status=${status}]`), String(expected), `${plan}/${area}/${status}`);
      }
      const countyNotMet = rows.reduce((a, r) => a + r.statusCounts.notMet, 0);
      assert.equal(await text(page, `table.area-status[data-plan=${plan}] tr[data-area="${area}"] td[data-col=countyNotMet]`), String(countyNotMet));
    }
  }

  // Cities ranked by targets at risk: each city's not-met count equals that city's own roll-up summary.
  const cities = await Promise.all(division.children.map((c) => api(`/api/v1/org-units/${c.code}/rollup`)));
  const shown = await page.evaluate(() => [...document.querySelectorAll('#rank-table tbody tr')].map((tr) => ({
    code: tr.dataset.key, rank: Number(tr.querySelector('[data-col=rank]').textContent), notMet: Number(tr.querySelector('[data-col=notMet]').textContent),
    met: Number(tr.querySelector('[data-col=met]').textContent),
  })));
  assert.equal(shown.length, 21);
  for (const city of cities) {
    const row = shown.find((s) => s.code === city.orgUnit.code);
    assert.ok(row, `${city.orgUnit.name} ranked`);
    assert.equal(row.notMet, city.summary.notMet, `${city.orgUnit.name} not met`);
    assert.equal(row.met, city.summary.met, `${city.orgUnit.name} met`);
  }
  for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1].notMet >= shown[i].notMet, 'ranked by not met, descending');

  // Reporting completeness per city: Σ reporting units / (indicators × county-level units).
  const dazhou = cities.find((c) => c.orgUnit.code === CITY);
  const reported = dazhou.indicators.filter(isTotal).reduce((a, r) => a + r.reportingUnits, 0);
  const expected = dazhou.indicators.filter(isTotal).reduce((a, r) => a + r.expectedUnits, 0);
  assert.equal(await text(page, `#completeness-table tr[data-key="${CITY}"] td[data-col=reported]`), fmt(reported, '个'));
  assert.equal(await text(page, `#completeness-table tr[data-key="${CITY}"] td[data-col=expected]`), fmt(expected, '个'));
  assert.equal(await text(page, `#completeness-table tr[data-key="${CITY}"] td[data-col=rate]`), `${(reported / expected * 100).toFixed(1)}%`);

  await assertChartsLabelled(page);
  await shot(page, '1-overview');
  await page.close();
});

// ---- 2. a push updates open pages live ------------------------------------------------------------------------

test('a push through the API updates an open overview and indicator page live, without reloading', async (t) => {
  const indicator = 'maternal-mortality-rate';
  const overview = await openPage(`#/org/${PROVINCE}`);
  const detail = await openPage(`#/org/${PROVINCE}/indicator/${indicator}`);
  const pages = [overview, detail];
  const navigations = [0, 0];
  pages.forEach((p, i) => p.on('framenavigated', (f) => { if (f === p.mainFrame()) navigations[i] += 1; }));
  for (const p of pages) {
    await p.waitForSelector('#live-status[data-state=on]', { timeout: 5000 });
    await p.evaluate(() => { window.__noReload = 'still here'; });
  }
  const rendersBefore = await Promise.all(pages.map((p) => p.evaluate(() => window.__dashboard.renders.length)));
  // What the reader was doing must survive the update: focus on a link, a table sorted by name.
  await overview.focus(`#completeness-table a[href="#/org/${CITY}"]`);
  await detail.click('#children-table-sort-name');
  await detail.focus('#children-table-sort-name');
  const sortedBefore = await detail.locator('#children-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key));
  const before = await api(`/api/v1/org-units/${PROVINCE}/rollup?plan=women&area=health`);
  const year = before.year;
  const oldProvince = before.indicators.find((r) => r.indicator === indicator && isTotal(r));
  const county = (await api(`/api/v1/org-units/${COUNTY}/rollup?plan=women&area=health`)).indicators.find((r) => r.indicator === indicator && isTotal(r));
  assert.equal(await text(overview, `article.kpi[data-indicator="${indicator}"] [data-field=value]`), fmt(oldProvince.value, oldProvince.unit));

  // A distinctive figure for 渠县: 37 maternal deaths in 4,321 live births (never a real-looking value).
  const numerator = county.numerator === 37 ? 38 : 37;
  const pushedAt = Date.now();
  const push = await api(`/api/v1/counties/${COUNTY}/data-values`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ year, values: [{ indicator, numerator, denominator: 4321, department: '县卫生健康局' }] }),
  });
  const acked = Date.now();
  assert.equal(push.updated + push.imported, 1, JSON.stringify(push));

  const after = await api(`/api/v1/org-units/${PROVINCE}/rollup?children=true&plan=women&area=health`);
  const row = after.indicators.find((r) => r.indicator === indicator && isTotal(r));
  const expected = fmt(row.value, row.unit);
  assert.notEqual(expected, fmt(oldProvince.value, oldProvince.unit), 'the push moves the province figure');
  const city = row.children.find((c) => c.orgUnit === CITY);

  const waitFor = async (page, selector, want) => {
    await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.trim() === w, [selector, want], { timeout: 1500, polling: 20 });
    return Date.now() - acked;
  };
  const [overviewMs, detailMs, childMs] = await Promise.all([
    waitFor(overview, `article.kpi[data-indicator="${indicator}"] [data-field=value]`, expected),
    waitFor(detail, '[data-stat=value] [data-field=value]', expected),
    waitFor(detail, `#children-table tr[data-key="${CITY}"] td[data-col=value]`, fmt(city.value, row.unit)),
  ]);
  t.diagnostic(`live update after the push was acknowledged: overview ${overviewMs} ms, indicator page ${detailMs} ms (child row ${childMs} ms); push took ${acked - pushedAt} ms`);
  console.log(`  live update latency (push acknowledged → page shows the new figure): overview ${overviewMs} ms, indicator page ${detailMs} ms`);
  assert.ok(Math.max(overviewMs, detailMs, childMs) <= 1500);

  for (const [i, p] of pages.entries()) {
    assert.equal(await p.evaluate(() => window.__noReload), 'still here', 'same document: no reload');
    assert.equal(navigations[i], 0, 'no navigation');
    const last = await p.evaluate(() => window.__dashboard.lastRender);
    assert.equal(last.reason, 'live');
    assert.ok((await p.evaluate(() => window.__dashboard.renders.length)) > rendersBefore[i]);
    assert.match(await text(p, '#updated-time'), /^\d\d:\d\d:\d\d$/);
  }
  assert.ok(await overview.evaluate((c) => document.activeElement?.matches(`#completeness-table a[href="#/org/${c}"]`), CITY), 'focus kept on the link');
  assert.equal(await detail.evaluate(() => document.activeElement?.id), 'children-table-sort-name', 'focus kept on the sort button');
  assert.equal(await detail.evaluate(() => document.querySelector('#children-table-sort-name').closest('th').getAttribute('aria-sort')), 'ascending');
  assert.deepEqual(await detail.locator('#children-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.key)), sortedBefore, 'sort order kept');
  // The indicator page's series table shows the new year's figure too.
  assert.equal(await text(detail, `#series-table tr[data-year="${year}"] td[data-col=value]`), expected);
  await shot(overview, '2-overview-after-push');
  await shot(detail, '2-indicator-after-push');
  await overview.close();
  await detail.close();
});

// ---- 2b. the latest warnings ---------------------------------------------------------------------------------

test('the overview lists the latest early warnings as the API has them, and a push\'s new warning appears live', async (t) => {
  const page = await openPage(`#/org/${PROVINCE}`);
  await page.waitForSelector('#warnings #warning-kinds');
  const before = await api(`/api/v1/org-units/${PROVINCE}/warnings?limit=10`);
  for (const k of before.byKind) {
    assert.equal(await page.locator(`#warning-kinds [data-kind=${k.key}]`).getAttribute('data-count'), String(k.count), `${k.key} count`);
  }
  const rows = await page.locator('#warnings-table tbody tr').evaluateAll((trs) => trs.map((tr) => `${tr.dataset.org}/${tr.dataset.indicator}/${tr.dataset.kind}`));
  assert.deepEqual(rows, before.warnings.map((w) => `${w.orgUnit}/${w.indicator}/${w.kind}`));

  // 通川区 reports a maternal mortality ratio ten times the province's for the latest year: a fluctuation (and a
  // projected miss) raised by the push, listed first on the open page without a reload.
  const year = (await api(`/api/v1/org-units/${PROVINCE}/rollup?plan=women&area=health`)).year;
  const county = '511702';
  await api(`/api/v1/counties/${county}/data-values`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ year, values: [{ indicator: 'maternal-mortality-rate', numerator: 29, denominator: 3011 }] }),
  });
  const acked = Date.now();
  await page.waitForSelector(`#warnings-table tbody tr[data-org="${county}"][data-indicator="maternal-mortality-rate"][data-kind=fluctuation]`, { timeout: 3000 });
  t.diagnostic(`new warning shown ${Date.now() - acked} ms after the push was acknowledged`);
  const after = await api(`/api/v1/org-units/${county}/warnings?kind=fluctuation&indicator=maternal-mortality-rate`);
  const w = after.warnings.find((x) => x.year === year);
  assert.ok(w, 'the API lists the fluctuation');
  assert.equal(w.department, 'health');
  assert.ok(await page.locator('#report-links a[href*="/reports/annual"]').count() >= 1, 'report downloads offered');
  await shot(page, '2b-overview-warnings');
  await page.close();
});

// ---- 3. drill-down by clicking and by keyboard ---------------------------------------------------------------

test('drill-down province → city → county → indicator by clicking', async () => {
  const page = await openPage(`#/org/${PROVINCE}`);
  await page.click(`#unit-link-${CITY}`);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '达州市总览');
  assert.equal(new URL(page.url()).hash, `#/org/${CITY}`);
  assert.deepEqual(await page.locator('#breadcrumbs li').allTextContents(), ['四川省', '达州市']);
  assert.equal(await page.locator('#rank-table tbody tr').count(), 7, '达州市 has 7 county-level units');
  await assertChartsLabelled(page);
  await shot(page, '3-city');

  await page.click(`#unit-link-${COUNTY}`);
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '渠县');
  assert.deepEqual(await page.locator('#breadcrumbs li').allTextContents(), ['四川省', '达州市', '渠县']);

  await page.click('#kpi-link-maternal-mortality-rate');
  await page.waitForFunction(() => document.querySelector('.view-indicator'));
  assert.equal(new URL(page.url()).hash, `#/org/${COUNTY}/indicator/maternal-mortality-rate`);
  assert.match(await text(page, 'h1'), /^孕产妇死亡率/);
  assert.deepEqual(await page.locator('#breadcrumbs li').allTextContents(), ['四川省', '达州市', '渠县', '孕产妇死亡率']);
  const series = await api(`/api/v1/org-units/${COUNTY}/indicators/maternal-mortality-rate`);
  const total = series.series.find(isTotal);
  for (const p of total.points) {
    assert.equal(await text(page, `#series-table tr[data-year="${p.year}"] td[data-col=value]`), fmt(p.value, series.indicator.unit));
  }
  await assertChartsLabelled(page);
  await shot(page, '3-county-indicator');

  // Back up through the breadcrumbs.
  await page.click('#breadcrumbs a:text-is("达州市")');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '达州市总览');
  await page.close();
});

test('东莞市, a city without counties, drills down from 广东省 to its own county-level page', async () => {
  // 东莞市 (441900) reports as its own county-level unit under the city's code; the province lists it as a city.
  await api('/api/v1/counties/441900/data-values', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ year: 2024, values: [{ indicator: 'maternal-mortality-rate', numerator: 5, denominator: 125000 }] }),
  });
  const page = await openPage('#/org/440000');
  await page.click('#unit-link-441900');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '东莞市');
  assert.equal(new URL(page.url()).hash, '#/org/441900');
  assert.equal(await page.locator('.view-county').count(), 1, 'the county-level view, where figures are reported');
  assert.match(await text(page, '.page-meta'), /^地级市（不设县级单位，市本级填报） · 广东省 · 2024年/);
  assert.deepEqual(await page.locator('#breadcrumbs li').allTextContents(), ['广东省', '东莞市']);
  const figure = await text(page, '#county-data tr[data-indicator="maternal-mortality-rate"] td.num');
  assert.ok(figure.startsWith(fmt(4, '1/10万')), `5 / 125,000 × 100,000 = 4, shown as ${figure}`);
  await shot(page, '3-city-without-counties');
  await page.close();
});

test('drill-down by keyboard: Tab to the links, Enter to follow; sortable headers and plan tabs by keys', async () => {
  const page = await openPage(`#/org/${PROVINCE}`);
  async function tabTo(id, max = 150) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
    }
    assert.fail(`#${id} not reached with Tab`);
  }
  const visibleFocus = () => page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
  });

  await tabTo(`unit-link-${CITY}`);
  assert.ok(await visibleFocus(), 'focus is visible');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '达州市总览');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'page-title', 'focus moves to the new page heading');

  await tabTo(`unit-link-${COUNTY}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === '渠县');

  // Plan tabs: arrow keys move between 妇女 and 儿童.
  await page.focus('#tab-women');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-children', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-children');
  assert.ok(await page.locator('#panel-children').isVisible());
  assert.ok(!(await page.locator('#panel-women').isVisible()));
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('#tab-women', 'aria-selected'), 'true');

  await page.focus('#page-title');
  await tabTo('kpi-link-maternal-mortality-rate');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.view-indicator'));
  assert.equal(new URL(page.url()).hash, `#/org/${COUNTY}/indicator/maternal-mortality-rate`);

  // Sortable contribution table on the province's indicator page, by keyboard.
  await page.goto(`${BASE}/#/org/${PROVINCE}/indicator/maternal-mortality-rate`);
  await page.waitForSelector('#children-table');
  const values = () => page.evaluate(() => [...document.querySelectorAll('#children-table tbody td[data-col=value]')].map((td) => Number(td.textContent.replace(/,/g, ''))));
  await page.focus('#children-table-sort-value');
  await page.keyboard.press('Enter');
  let v = await values();
  const sortState = await page.evaluate(() => document.querySelector('#children-table-sort-value').closest('th').getAttribute('aria-sort'));
  const ascending = [...v].sort((a, b) => a - b);
  assert.deepEqual(v, sortState === 'ascending' ? ascending : [...ascending].reverse(), `sorted ${sortState}`);
  await page.keyboard.press('Space');
  v = await values();
  const flipped = await page.evaluate(() => document.querySelector('#children-table-sort-value').closest('th').getAttribute('aria-sort'));
  assert.notEqual(flipped, sortState);
  assert.deepEqual(v, flipped === 'ascending' ? ascending : [...ascending].reverse());
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'children-table-sort-value', 'focus stays on the header');
  await shot(page, '3-province-indicator');
  await page.close();
});

// ---- 4. the county's plan as the document has it ---------------------------------------------------------------

test('county view shows 渠县\'s plans: 8 women\'s areas with goals, targets and measures', async () => {
  const [women, children] = await Promise.all([api(`/api/v1/counties/${COUNTY}/plans/women`), api(`/api/v1/counties/${COUNTY}/plans/children`)]);
  const page = await openPage(`#/org/${COUNTY}`);
  assert.equal(await text(page, 'h1'), '渠县');
  assert.equal(await text(page, '#panel-women .plan-title'), '渠县妇女发展纲要（2021—2030年）');
  const areas = page.locator('#panel-women details.plan-area');
  assert.equal(await areas.count(), 8);
  assert.deepEqual(await page.locator('#panel-women details.plan-area').evaluateAll((els) => els.map((e) => e.dataset.area)), WOMEN_AREAS);
  assert.deepEqual(await page.locator('#panel-women details.plan-area h4').allTextContents(), women.areas.map((a) => a.nameZh));
  assert.equal(women.areas.length, 8);

  // Goals with full text, targets with current value and status, measures with departments: all there.
  await page.click('#expand-women');
  const health = women.areas[0];
  const goalTexts = await page.locator('#panel-women details.plan-area[data-area=health] .goal-text').allTextContents();
  assert.deepEqual(goalTexts, health.goals.map((g) => g.text));
  const measureTitles = await page.locator('#panel-women details.plan-area[data-area=health] .measure-title').allTextContents();
  assert.deepEqual(measureTitles, health.measures.map((m) => m.title));
  const mmr = health.goals.flatMap((g) => g.targets).find((tg) => tg.indicator === 'maternal-mortality-rate');
  const cell = page.locator('#panel-women details.plan-area[data-area=health] tr[data-indicator="maternal-mortality-rate"]').first();
  assert.equal((await cell.locator('td.num').textContent()).trim(), fmt(mmr.currentValue, mmr.unit));
  assert.equal(await cell.locator('.status').getAttribute('data-status'), mmr.status);
  const totalGoals = women.areas.reduce((a, ar) => a + ar.goals.length, 0);
  assert.equal(await page.locator('#panel-women li.goal').count(), totalGoals);
  await shot(page, '4-county-plan-women');

  await page.click('#tab-children');
  assert.equal(await page.locator('#panel-children details.plan-area').count(), children.areas.length);
  assert.equal(children.areas.length, 7);
  await shot(page, '4-county-plan-children', false);
  await assertChartsLabelled(page);
  await page.close();
});

// ---- 5. language switch ------------------------------------------------------------------------------------------

test('the language switch changes to English, is remembered, and switches back', async () => {
  const page = await openPage(`#/org/${PROVINCE}`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal(await text(page, '#lang-switch'), 'English');
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await text(page, 'h1'), '四川省 overview');
  assert.equal(await text(page, '#updated-label'), 'Last updated');
  assert.equal(await text(page, 'article.kpi[data-indicator="maternal-mortality-rate"] h3'), 'Maternal mortality ratio');
  assert.equal(await text(page, '#lang-switch'), '中文');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lang-switch', 'focus stays on the switch');
  await shot(page, '5-overview-en');

  await page.reload();
  await rendered(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'remembered across a reload');
  assert.equal(await text(page, 'h1'), '四川省 overview');

  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await text(page, 'h1'), '四川省总览');
  await page.reload();
  await rendered(page);
  assert.equal(await text(page, 'h1'), '四川省总览');
  await page.close();
});

// ---- tablet width, and no errors anywhere ---------------------------------------------------------------------

test('tablet width (768 px): no horizontal scrolling of the page', async () => {
  const page = await openPage(`#/org/${PROVINCE}`);
  for (const hash of [`#/org/${PROVINCE}`, `#/org/${CITY}/indicator/infant-mortality-rate`, `#/org/${COUNTY}`]) {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${BASE}/${hash}`);
    await page.waitForFunction((h) => document.body.dataset.rendered && window.__dashboard.lastRender?.route === h.slice(2), hash);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${hash} overflows by ${overflow} px`);
  }
  await shot(page, '6-county-tablet', false);
  await page.close();
});

test('text contrast is at least 4.5:1 on the overview, an indicator page and a county page', async () => {
  const page = await openPage(`#/org/${PROVINCE}`);
  for (const hash of [`#/org/${PROVINCE}`, `#/org/${PROVINCE}/indicator/maternal-mortality-rate`, `#/org/${COUNTY}`]) {
    await page.goto(`${BASE}/${hash}`);
    await page.waitForFunction((h) => window.__dashboard.lastRender?.route === h.slice(2), hash);
    const low = await page.evaluate(() => {
      const parse = (c) => {
        const m = /rgba?\(([^)]+)\)/.exec(c);
        if (!m) return null;
        const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
        return { r, g, b, a };
      };
      const lum = ({ r, g, b }) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = parse(getComputedStyle(e).backgroundColor);
          if (c && c.a > 0.5) return c;
        }
        return { r: 255, g: 255, b: 255 };
      };
      const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const seen = new Set();
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || seen.has(el) || el.closest('[hidden], .sr-only, title')) continue;
        seen.add(el);
        if (el.getClientRects().length === 0) continue;
        const st = getComputedStyle(el);
        if (st.visibility === 'hidden' || st.display === 'none') continue;
        const svgText = el instanceof SVGElement;
        const fg = parse(svgText ? st.fill : st.color);
        if (!fg) continue;
        const r = ratio(fg, background(svgText ? el.closest('svg').parentElement : el));
        if (r < 4.5) out.push(`${r.toFixed(2)} "${n.textContent.trim().slice(0, 30)}" <${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}">`);
      }
      return out;
    });
    assert.deepEqual(low, [], `${hash}: text below 4.5:1`);
  }
  await page.close();
});

test('no script errors or console errors on any page', () => {
  assert.deepEqual(problems, []);
});
