// Alerts and dispatch (docs/API.md "Alerts and dispatch"): labels and pure
// helpers shared by the wall and the console. The console's panels are in
// opspanels.ts.

import { cellToCenterChild, cellToParent, getResolution, isValidCell, latLngToCell } from 'h3-js';
import type { Districts } from './districts';
import { placeOf } from './places';
import { ALERT_KINDS, type Alert, type AlertCounts, type Dispatch } from './protocol';

/** Dispatches target res-9 cells (a coarser cell is taken at its centre). */
export const DISPATCH_RES = 9;

export const KIND_LABELS: Record<string, string> = {
  storm: '告警风暴 Alert storm',
  hot_cell: '热点 Hot cell',
  anomaly: '异常 Anomaly',
  severe_incident: '重大 Severe',
  uncovered: '无警力 Uncovered',
  overdue_dispatch: '超时 Overdue',
};

/** Short kind labels for the wall's breakdown. */
export const KIND_SHORT: Record<string, string> = {
  storm: '风暴 Storm',
  hot_cell: '热点 Hot',
  anomaly: '异常 Anom.',
  severe_incident: '重大 Severe',
  uncovered: '无警力 Uncov.',
  overdue_dispatch: '超时 Overdue',
};

export const DISPATCH_LABELS: Record<string, string> = {
  assigned: '已派 Assigned',
  en_route: '在途 En route',
  on_scene: '到场 On scene',
  cleared: '结束 Cleared',
  cancelled: '撤销 Cancelled',
};

export const ALERT_STATUS_LABELS: Record<string, string> = {
  open: '未确认 Open',
  acknowledged: '已确认 Acked',
  resolved: '已解除 Resolved',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** One entry of the alert breakdown: what, how many, and a key for tests and styles. */
export interface BreakdownItem {
  key: string;
  label: string;
  n: number;
}

/**
 * breakdown: the counts by kind (known kinds in their order, then others by
 * name; zeros left out) and by severity S1..S4 (zeros left out).
 */
export function breakdown(c: AlertCounts | null): { kinds: BreakdownItem[]; severities: BreakdownItem[] } {
  if (!c) return { kinds: [], severities: [] };
  const by = c.byKind ?? {};
  const known = ALERT_KINDS as readonly string[];
  const names = [...known.filter((k) => by[k]), ...Object.keys(by).filter((k) => !known.includes(k) && by[k]).sort()];
  const kinds = names.map((k) => ({ key: k, label: KIND_SHORT[k] ?? k, n: by[k] }));
  const severities = (c.bySeverity ?? []).flatMap((n, i) => (n > 0 ? [{ key: String(i + 1), label: `S${i + 1}`, n }] : []));
  return { kinds, severities };
}

/**
 * targetCell9: the res-9 cell to ask suggestions for: a cell's centre child
 * (or its res-9 parent if finer), else the place's lat/lng.
 */
export function targetCell9(p: { cell?: string; lat: number; lng: number }): string {
  if (p.cell && isValidCell(p.cell)) {
    const r = getResolution(p.cell);
    if (r === DISPATCH_RES) return p.cell;
    return r < DISPATCH_RES ? cellToCenterChild(p.cell, DISPATCH_RES) : cellToParent(p.cell, DISPATCH_RES);
  }
  return latLngToCell(p.lat, p.lng, DISPATCH_RES);
}

/** placeName: the district of a place (by cell, else lat/lng), or '—'. */
export function placeName(p: { cell?: string; lat: number; lng: number }, districts: Districts): string {
  if (p.cell && isValidCell(p.cell)) return districts.ofCell(p.cell)?.name ?? '—';
  const i = districts.at(p.lng, p.lat);
  return i >= 0 ? districts.list[i].name : '—';
}

/** alertPlace: "姑苏区 · 平江街道 · 平江社区" for a cell alert (the street and community once known), "姑苏区 · 320508001" for a region one. */
export function alertPlace(a: Alert, districts: Districts): string {
  const where = a.cell ? placeOf(a.cell) : (a.region ?? `${a.lat.toFixed(4)}, ${a.lng.toFixed(4)}`);
  return where ? `${placeName(a, districts)} · ${where}` : placeName(a, districts);
}

/** formatDuration: "0:42", "12:05", "1:02:03". */
export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.floor(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** formatDistance: "850 m", "2.4 km". */
export function formatDistance(m: number): string {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

/** dispatchOverdue: the server's verdict, else elapsed past the target while not yet on scene. */
export function dispatchOverdue(d: Dispatch, seconds: number): boolean {
  if (d.overdue) return true;
  return (d.status === 'assigned' || d.status === 'en_route') && !!d.targetSeconds && seconds > d.targetSeconds;
}

/**
 * syncRows makes a list's children the rows of `items`, in order, reusing the
 * row of each key: rows under the pointer are never replaced, so a click on a
 * button is not lost to a live update.
 */
export function syncRows<T>(
  list: HTMLElement,
  items: T[],
  key: (t: T) => string,
  create: (t: T) => HTMLElement,
  update: (row: HTMLElement, t: T) => void,
): void {
  const old = new Map<string, HTMLElement>();
  for (const c of Array.from(list.children) as HTMLElement[]) if (c.dataset.key !== undefined) old.set(c.dataset.key, c);
  const keep = new Set<string>();
  items.forEach((t, i) => {
    const k = key(t);
    keep.add(k);
    let row = old.get(k);
    if (!row) {
      row = create(t);
      row.dataset.key = k;
    }
    update(row, t);
    if (list.children[i] !== row) list.insertBefore(row, list.children[i] ?? null);
  });
  for (const [k, row] of old) if (!keep.has(k)) row.remove();
  for (const c of Array.from(list.children) as HTMLElement[]) if (c.dataset.key === undefined) c.remove();
}
