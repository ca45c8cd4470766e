// The dashboard shell: hash routes, data loading, live updates over server-sent events, language switch.
//   #/org/510000                                  province overview (default: ?orgUnit= or 510000)
//   #/org/511700                                  city view
//   #/org/511725[/plan/children]                  county view (plan tab)
//   #/org/511700/indicator/maternal-mortality-rate indicator page
import { h } from './dom.js';
import { api, catalogue } from './api.js';
import { t, lang, setLang, indicatorName } from './i18n.js';
import { fmtTime } from './format.js';
import { KEY_INDICATORS, orgHref, loadingView, errorView } from './components.js';
import { renderAggregate } from './views/aggregate.js';
import { renderCounty } from './views/county.js';
import { renderIndicator } from './views/indicator.js';

const DEFAULT_ORG = new URLSearchParams(location.search).get('orgUnit') || '510000';
const main = document.getElementById('main');
const crumbs = document.getElementById('breadcrumbs');
const notice = document.getElementById('notice');
const updatedTime = document.getElementById('updated-time');
const liveStatus = document.getElementById('live-status');
const announcer = document.getElementById('announcer');
const langButton = document.getElementById('lang-switch');

/** Timings and counters the browser tests read (and anyone curious, in the console). */
const stats = window.__dashboard = { renders: [], liveEvents: 0, lastRender: null };

let current = null; // { key, route, data, state, generation }
let generation = 0;
let source = null;
let sourceKey = '';

function parseRoute(hash) {
  const m = /^#\/org\/(\d{6})(?:\/(indicator)\/([a-z0-9-]+)|\/(plan)\/(women|children))?\/?$/.exec(hash);
  if (!m) return null;
  if (m[2]) return { kind: 'indicator', code: m[1], indicator: m[3], key: `org/${m[1]}/indicator/${m[3]}` };
  return { kind: 'org', code: m[1], tab: m[5] ?? null, key: `org/${m[1]}` };
}

async function loadOrg(route) {
  const code = route.code;
  const divisionP = api.division(code);
  // What depends on the unit's level starts as soon as its division is known, alongside the figures.
  const extraP = divisionP.then(async (division) => {
    if (division.level === 'county') {
      const plans = await Promise.all(division.plans.map((p) => api.plan(code, p).catch(() => null)));
      return { plans: Object.fromEntries(division.plans.map((p, i) => [p, plans[i]]).filter(([, v]) => v)) };
    }
    if (division.level === 'province') {
      const kids = await Promise.all(division.children.map((c) => api.division(c.code)));
      return { expectedByChild: new Map(kids.map((k) => [k.code, k.countyLevelUnits])) };
    }
    return { expectedByChild: new Map(division.children.map((c) => [c.code, 1])) };
  });
  const [division, rollup, cat, series, extra, warnings] = await Promise.all([
    divisionP,
    api.rollup(code, { children: true }),
    catalogue(),
    Promise.all(KEY_INDICATORS.map((k) => api.series(code, k).catch(() => null))),
    extraP,
    api.warnings(code, { limit: 10 }).catch(() => null),
  ]);
  return {
    kind: 'org', division, rollup, catalogue: cat, ...extra, warnings,
    seriesByCode: new Map(series.filter(Boolean).map((s) => [s.indicator.code, s])),
  };
}

async function loadIndicator(route) {
  const cat = await catalogue();
  const meta = cat.get(route.indicator);
  if (!meta) throw Object.assign(new Error(`unknown indicator ${route.indicator}`), { status: 404 });
  const division = await api.division(route.code);
  const county = division.level === 'county';
  const [seriesDoc, rollup, departments] = await Promise.all([
    api.series(route.code, route.indicator),
    api.rollup(route.code, { children: !county, plan: meta.plan, area: meta.area }),
    county ? api.departments().catch(() => []) : [],
  ]);
  return { kind: 'indicator', division, seriesDoc, rollup, meta, departments: new Map(departments.map((x) => [x.code, x])) };
}

function render(route, data, state) {
  const ui = { state };
  if (data.kind === 'indicator') return renderIndicator(data, ui);
  if (data.division.level === 'county') {
    if (route.tab && !state.tabFromRoute) { state.tab = route.tab; state.tabFromRoute = true; }
    return renderCounty(data, ui);
  }
  return renderAggregate(data, ui);
}

function renderCrumbs(route, data) {
  const d = t();
  const division = data.division;
  const items = [...division.parents].reverse().map((p) => ({ label: p.name, href: orgHref(p.code) }));
  if (route.kind === 'indicator') {
    items.push({ label: division.name, href: orgHref(division.code) });
    items.push({ label: indicatorName(data.meta), current: true });
  } else {
    items.push({ label: division.name, current: true });
  }
  crumbs.setAttribute('aria-label', d.breadcrumb);
  crumbs.replaceChildren(h('ol', null, items.map((it) => h('li', null,
    it.current ? h('span', { 'aria-current': 'page' }, it.label) : h('a', { href: it.href }, it.label)))));
}

function titleFor(route, data) {
  const d = t();
  const base = route.kind === 'indicator' ? `${indicatorName(data.meta)} · ${data.division.name}` : data.division.name;
  return `${base} · ${d.appTitle}`;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** Load and draw a route. reason: 'initial' | 'navigate' | 'live' | 'language' | 'retry'. */
async function show(route, reason) {
  const started = performance.now();
  const gen = ++generation;
  const sameRoute = current && current.key === route.key;
  const state = sameRoute ? current.state : {};
  if (!sameRoute) {
    current = { key: route.key, route, data: null, state };
    if (reason !== 'live') main.replaceChildren(loadingView());
  }
  let data;
  try {
    data = reason === 'language' && current.data ? current.data : await (route.kind === 'indicator' ? loadIndicator(route) : loadOrg(route));
  } catch (error) {
    if (gen !== generation) return;
    if (reason === 'live' && current.data) return; // keep showing the last figures; the next event retries
    main.replaceChildren(errorView(error, () => show(route, 'retry')));
    main.querySelector('h1')?.focus();
    return;
  }
  if (gen !== generation) return;
  const loaded = performance.now();
  current.data = data;
  current.route = route;

  // Keep what the reader was doing across a live refresh: focus, open sections, scroll position.
  const focused = focusKey(document.activeElement);
  const openDetails = sameRoute ? new Map([...main.querySelectorAll('details[id]')].map((el) => [el.id, el.open])) : new Map();
  const scroll = window.scrollY;

  const view = render(route, data, state);
  assignDetailIds(view);
  main.replaceChildren(view);
  for (const [id, open] of openDetails) { const el = document.getElementById(id); if (el) el.open = open; }
  renderCrumbs(route, data);
  document.title = titleFor(route, data);
  const noticeText = data.rollup?.notice ?? data.seriesDoc?.notice ?? null;
  notice.hidden = !noticeText;
  notice.querySelector('.notice-text').textContent = noticeText ?? '';
  updatedTime.textContent = fmtTime(new Date());
  updatedTime.setAttribute('datetime', new Date().toISOString());
  if (data.rollup?.updatedAt) updatedTime.title = `${data.rollup.updatedAt}`;

  if (reason === 'live' || reason === 'language') {
    restoreFocus(focused);
    window.scrollTo(0, scroll);
    if (reason === 'live') announce(t().refreshed);
  } else if (reason === 'navigate') {
    document.getElementById('page-title')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  const rendered = performance.now();
  subscribe([route.code]); // after the first draw, so the stream does not hold a connection the figures need
  await nextFrame();
  if (gen !== generation) return;
  const painted = performance.now();
  const entry = {
    route: route.key, reason,
    loadMs: Math.round(loaded - started), renderMs: Math.round(rendered - loaded), totalMs: Math.round(painted - started),
    at: painted,
  };
  stats.renders.push(entry);
  stats.lastRender = entry;
  document.body.dataset.rendered = String(stats.renders.length);
}

/** Where focus is, in terms that survive redrawing the view: its id, or its selector and position. */
function focusKey(el) {
  if (!el || !main.contains(el) || el === main) return null;
  if (el.id) return { id: el.id };
  const tag = el.tagName.toLowerCase();
  let sel;
  if (el.getAttribute('href')) sel = `${tag}[href="${CSS.escape(el.getAttribute('href'))}"]`;
  else if (tag === 'summary' && el.parentElement?.id) sel = `#${CSS.escape(el.parentElement.id)} > summary`;
  else sel = [tag, ...[...el.classList].map((c) => `.${CSS.escape(c)}`)].join('');
  return { sel, index: [...main.querySelectorAll(sel)].indexOf(el) };
}

function restoreFocus(key) {
  if (!key) return;
  const el = key.id ? document.getElementById(key.id) : main.querySelectorAll(key.sel)[key.index];
  el?.focus({ preventScroll: true });
}

function assignDetailIds(root) {
  let n = 0;
  for (const el of root.querySelectorAll('details')) {
    if (!el.id) {
      const key = el.dataset.plan && el.dataset.area ? `${el.dataset.plan}-${el.dataset.area}` : String(n++);
      el.id = `details-${el.className || 'x'}-${key}`;
    }
  }
}

function announce(text) {
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 30);
}

// ---- live updates -------------------------------------------------------------------------------------------

let refreshTimer = null;
let refreshing = false;
let refreshAgain = false;

function subscribe(codes) {
  const key = codes.join(',');
  if (source && key === sourceKey) return;
  source?.close();
  sourceKey = key;
  setLive('connecting');
  source = new EventSource(`/api/v1/events?orgUnits=${encodeURIComponent(key)}`);
  let interrupted = false;
  source.addEventListener('open', () => {
    setLive('on');
    // Reconnected (e.g. after a gateway restart): figures may have changed while the stream was down.
    if (interrupted) { interrupted = false; liveRefresh(); }
  });
  source.addEventListener('error', () => {
    interrupted = true;
    setLive(source.readyState === EventSource.CLOSED ? 'off' : 'connecting');
  });
  source.addEventListener('rollup', (e) => {
    stats.liveEvents += 1;
    let payload = null;
    try { payload = JSON.parse(e.data); } catch { /* ignore */ }
    stats.lastEvent = { ...payload, receivedAt: performance.now() };
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(liveRefresh, 30); // coalesce a burst of events into one refresh
  });
}

async function liveRefresh() {
  if (!current) return;
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  try {
    await show(current.route, 'live');
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; liveRefresh(); }
  }
}

function setLive(state) {
  const d = t();
  liveStatus.dataset.state = state;
  liveStatus.querySelector('.live-text').textContent = d.live;
  liveStatus.title = state === 'on' ? d.liveOn : state === 'off' ? d.liveOff : d.liveConnecting;
  liveStatus.setAttribute('aria-label', liveStatus.title);
}

// ---- shell ----------------------------------------------------------------------------------------------------

function renderShell() {
  const d = t();
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  document.getElementById('skip-link').textContent = d.skip;
  document.getElementById('app-title').textContent = d.appTitle;
  document.getElementById('app-subtitle').textContent = d.appSubtitle;
  document.getElementById('updated-label').textContent = d.lastUpdated;
  langButton.textContent = d.switchLang;
  langButton.setAttribute('aria-label', d.switchLangLabel);
  langButton.lang = lang() === 'en' ? 'zh-CN' : 'en';
  setLive(liveStatus.dataset.state || 'connecting');
}

function onHashChange() {
  const route = parseRoute(location.hash);
  if (!route) {
    history.replaceState(null, '', `${location.pathname}${location.search}#/org/${DEFAULT_ORG}`);
    show(parseRoute(`#/org/${DEFAULT_ORG}`), current ? 'navigate' : 'initial');
    return;
  }
  show(route, current ? 'navigate' : 'initial');
}

langButton.addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh-CN' : 'en');
  renderShell();
  if (current?.data) show(current.route, 'language');
});

window.addEventListener('hashchange', onHashChange);
renderShell();
onHashChange();
