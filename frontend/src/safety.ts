// The safety index (平安指数) on the screens: the band colours, the map's
// fill by band, the ranking board's rows and the trend line. Pure: the
// screens' parts are in hud.ts (the wall's board) and console.ts (a region's
// panel); the index itself is the server's (GET /api/v1/index, the index layer).

import type { Band, IndexRow } from './protocol';

/** The four bands, best first, as the domain colours them: green, yellow, orange, red. */
export const BANDS: Band[] = ['excellent', 'good', 'stable', 'poor'];

export const BAND_COLORS: Record<Band, string> = {
  excellent: '#1a9850',
  good: '#f2d22e',
  stable: '#f07b22',
  poor: '#d73027',
};

export const BAND_LABELS: Record<Band, string> = {
  excellent: '优 Excellent 90–100',
  good: '良 Good 80–90',
  stable: '平稳 Stable 70–80',
  poor: '较差 Poor <70',
};

export const SUB_LABELS: Record<keyof IndexRow['sub'], string> = {
  publicOrder: '治安 Public order',
  traffic: '交通 Traffic',
  fire: '火灾 Fire',
  disputes: '矛调 Disputes',
};

/** bandColor: a band's colour; grey for a band the page does not know. */
export function bandColor(band: string): string {
  return BAND_COLORS[band as Band] ?? '#8a94a6';
}

/** The map's band fill: this opaque so a band reads true from across the room (and the browser test can tell them apart). */
export const BAND_FILL_OPACITY = 0.85;

/**
 * bandFill is a MapLibre fill-color expression colouring each region by its
 * row's band (by code), and leaving the others transparent.
 */
export function bandFill(rows: readonly IndexRow[]): unknown {
  if (rows.length === 0) return 'rgba(0,0,0,0)';
  return ['match', ['get', 'code'], ...rows.flatMap((r) => [r.code, bandColor(r.band)]), 'rgba(0,0,0,0)'];
}

/** formatIndex: one decimal, as the server rounds it. */
export function formatIndex(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(1);
}

/** changeArrow: how the index moved against the previous period: ▲ better, ▼ worse, nothing when the same (within 0.05). */
export function changeArrow(change: number): { arrow: string; dir: 'up' | 'down' | 'same'; text: string } {
  if (!Number.isFinite(change) || Math.abs(change) < 0.05) return { arrow: '', dir: 'same', text: '' };
  return change > 0 ? { arrow: '▲', dir: 'up', text: `+${change.toFixed(1)}` } : { arrow: '▼', dir: 'down', text: change.toFixed(1) };
}

/**
 * board splits a level's rows (any order) into the best n and the worst n,
 * each best (or worst) first; a level of at most 2n rows is split in two
 * halves, so no row stands in both.
 */
export function board(rows: readonly IndexRow[], n = 10): { best: IndexRow[]; worst: IndexRow[] } {
  const sorted = [...rows].sort((a, b) => b.index - a.index || a.code.localeCompare(b.code));
  const k = Math.min(n, Math.ceil(sorted.length / 2));
  return { best: sorted.slice(0, k), worst: sorted.slice(k).slice(-n).reverse() };
}

/** movers: the rows that moved most since the previous period, either way, biggest first. */
export function movers(rows: readonly IndexRow[], n = 5): IndexRow[] {
  return [...rows].filter((r) => Math.abs(r.change) >= 0.05).sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.code.localeCompare(b.code)).slice(0, n);
}

/**
 * sparkline is an SVG path of values over a w × h box (the y axis from lo to
 * 100, so a fall reads as a fall); '' for fewer than two values.
 */
export function sparkline(values: readonly number[], w: number, h: number, lo = 50): string {
  const vs = values.filter((v) => Number.isFinite(v));
  if (vs.length < 2) return '';
  const min = Math.min(lo, ...vs);
  const y = (v: number) => h - ((v - min) / Math.max(1e-9, 100 - min)) * h;
  return vs.map((v, i) => `${i === 0 ? 'M' : 'L'}${((i / (vs.length - 1)) * w).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}
