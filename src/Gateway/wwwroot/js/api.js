// The gateway's REST API (same origin). Reference data (catalogue, divisions) is cached for the page's life;
// figures are always fetched fresh.

const cache = new Map();

export class ApiError extends Error {
  constructor(status, url, title) {
    super(`${status} ${title || ''} (${url})`.trim());
    this.status = status;
  }
}

// ---- credentials (docs/security.md) -----------------------------------------------------------------------------
// Every API call carries `Authorization: Bearer`. The token is the one kept for this tab (sessionStorage), else one
// from the embedded mode's development issuer (a national viewer: the demo works out of the box), else one the user
// pastes (production: an access token of the province's identity provider). EventSource cannot send headers, so the
// token is also set as the `plans_token` cookie, which the gateway reads for GET /api/v1/events (and /dashboard) only.

const TOKEN_KEY = 'plans.token';
let tokenPromise = null;

function remember(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  document.cookie = `plans_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  return token;
}

async function obtainToken() {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (stored) return remember(stored);
  const response = await fetch('/api/v1/dev/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ role: 'viewer', orgUnit: '000000' }),
    cache: 'no-store',
  });
  if (response.ok) return remember((await response.json()).accessToken);
  const pasted = window.prompt('Access token (Bearer) — 访问令牌');
  if (pasted) return remember(pasted.trim());
  throw new ApiError(401, '/api/v1/dev/tokens', 'no access token');
}

/** The bearer token of this page (obtained once; again after a 401). */
export function accessToken() {
  if (!tokenPromise) {
    tokenPromise = obtainToken();
    tokenPromise.catch(() => { tokenPromise = null; });
  }
  return tokenPromise;
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  tokenPromise = null;
}

export async function getJson(url, retried = false) {
  const token = await accessToken();
  const response = await fetch(url, { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (response.status === 401 && !retried) {
    forgetToken(); // expired or revoked: obtain a new one once
    return getJson(url, true);
  }
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

/**
 * Opens a report (HTML in a new tab) or saves it (CSV): plain links cannot carry the bearer token, so the file is
 * fetched with it and handed to the browser as a blob.
 */
export async function openReport(url, fileName) {
  const token = await accessToken();
  const tab = fileName.endsWith('.html') ? window.open('', '_blank') : null;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (!response.ok) {
    tab?.close();
    throw new ApiError(response.status, url, response.statusText);
  }
  const blobUrl = URL.createObjectURL(await response.blob());
  if (tab) {
    tab.location.href = blobUrl;
  } else {
    const a = Object.assign(document.createElement('a'), { href: blobUrl, download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
  }
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}

