// The gateway's REST API (same origin). Reference data (catalogue, divisions) is cached for the page's life;
// figures are always fetched fresh.

const cache = new Map();

export class ApiError extends Error {
  constructor(status, url, title) {
    super(`${status} ${title || ''} (${url})`.trim());
    this.status = status;
  }
}

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) {
    let title = response.statusText;
    try { title = (await response.json()).title ?? title; } catch { /* not JSON */ }
    throw new ApiError(response.status, url, title);
  }
  return response.json();
}

function cached(url) {
  if (!cache.has(url)) {
    const p = getJson(url);
    p.catch(() => cache.delete(url));
    cache.set(url, p);
  }
  return cache.get(url);
}

const q = (params) => {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return pairs.length ? '?' + new URLSearchParams(pairs).toString() : '';
};

export const api = {
  indicators: () => cached('/api/v1/indicators'),
  departments: () => cached('/api/v1/departments'),
  division: (code) => cached(`/api/v1/divisions/${encodeURIComponent(code)}`),
  rollup: (code, { year, children, plan, area } = {}) =>
    getJson(`/api/v1/org-units/${encodeURIComponent(code)}/rollup${q({ year, children: children ? 'true' : undefined, plan, area })}`),
  series: (code, indicator) =>
    getJson(`/api/v1/org-units/${encodeURIComponent(code)}/indicators/${encodeURIComponent(indicator)}`),
  plan: (code, plan) => getJson(`/api/v1/counties/${encodeURIComponent(code)}/plans/${encodeURIComponent(plan)}`),
  warnings: (code, { limit, kind, year } = {}) =>
    getJson(`/api/v1/org-units/${encodeURIComponent(code)}/warnings${q({ limit, kind, year })}`),
  summary: (code, year) => getJson(`/api/v1/counties/${encodeURIComponent(code)}/summary${q({ year })}`),
};

/** The catalogue as a Map code → indicator. */
export async function catalogue() {
  const list = await api.indicators();
  if (!list.byCode) {
    Object.defineProperty(list, 'byCode', { value: new Map(list.map((i) => [i.code, i])) });
  }
  return list.byCode;
}
