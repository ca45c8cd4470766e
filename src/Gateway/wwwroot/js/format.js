// Number, unit, target and time formatting shared by every view (and mirrored by the browser tests).
import { t, lang } from './i18n.js';

const WHOLE_UNITS = new Set(['人', '个', '次', '所', '张', '元']);
const formatters = new Map();

function formatter(decimals) {
  let f = formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formatters.set(decimals, f);
  }
  return f;
}

/** Decimals shown for a value in this unit: whole numbers for counts of things, two decimals otherwise. */
export function decimalsFor(unit, value) {
  return WHOLE_UNITS.has(unit) && Number.isInteger(value) ? 0 : 2;
}

/** A figure as shown everywhere: "10.52", "95.38", "1,234" (no unit). */
export function fmtValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return t().none;
  return formatter(decimalsFor(unit, value)).format(value);
}

/** A whole count: numerators, denominators, units. */
export function fmtCount(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return t().none;
  return formatter(Number.isInteger(value) ? 0 : 2).format(value);
}

export function fmtPercent(share, decimals = 1) {
  if (share === null || share === undefined || !Number.isFinite(share)) return t().none;
  return formatter(decimals).format(share * 100) + '%';
}

/** The unit as written after a number: "%", "‰", "/10万" (Chinese) or " per 100,000" (English). */
export function unitSuffix(unit) {
  if (!unit) return '';
  if (lang() === 'en' && t().units[unit] !== undefined) return t().units[unit];
  if (unit.startsWith('1/')) return unit.slice(1);
  return unit;
}

export function fmtWithUnit(value, unit) {
  if (value === null || value === undefined) return t().none;
  return fmtValue(value, unit) + unitSuffix(unit);
}

const SYMBOLS = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '=': '=' };

/** A target as the plans state it: "<12/10万（2030年）", "≥98%", "提高", "较2020年下降20%". */
export function fmtTarget(target) {
  if (!target) return t().none;
  const d = t();
  let text;
  if (target.baseYear !== undefined && target.changePercent !== undefined) {
    text = d.baseChange(target.baseYear, target.changePercent);
  } else if (target.referenceIndicator && target.value === undefined) {
    text = d.notLower;
  } else if (SYMBOLS[target.comparator] && target.value !== undefined && target.value !== null) {
    text = SYMBOLS[target.comparator] + fmtTargetNumber(target.value) + unitSuffix(target.unit);
    if (target.approximate) text += d.approx;
  } else {
    text = d.comparators[target.comparator] ?? target.comparator ?? d.none;
  }
  if (target.year) text += d.byYear(target.year);
  return text;
}

function fmtTargetNumber(v) {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
}

const UNIT_FACTORS = { '%': 100, '‰': 1000, '1/万': 10000, '1/10万': 100000 };

/** A target value converted into the indicator's unit (1/万 → 1/10万 ×10), or null when not numeric. */
export function targetValueIn(target, unit) {
  if (!target || typeof target.value !== 'number') return null;
  if (!['<', '<=', '>', '>=', '='].includes(target.comparator)) return null;
  const from = UNIT_FACTORS[target.unit];
  const to = UNIT_FACTORS[unit];
  if (from && to && from !== to) return target.value * to / from;
  return target.value;
}

/** Does a value satisfy a numeric target (for the projection only; statuses come from the server)? */
export function meetsTarget(value, target, unit) {
  const v = targetValueIn(target, unit);
  if (v === null) return null;
  const tol = target.approximate || target.comparator === '=' ? Math.abs(v) * 0.05 : 0;
  switch (target.comparator) {
    case '<': return value < v + tol;
    case '<=': return value <= v + tol;
    case '>': return value > v - tol;
    case '>=': return value >= v - tol;
    case '=': return Math.abs(value - v) <= tol;
    default: return null;
  }
}

export function fmtTime(date) {
  const d = date instanceof Date ? date : new Date(date);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtDateTime(value) {
  if (!value) return t().none;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${fmtTime(d)}`;
}

export const isTotal = (row) => !row.disaggregation || Object.keys(row.disaggregation).length === 0;
