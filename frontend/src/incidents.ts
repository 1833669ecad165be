// A cell's incidents (GET /api/v1/incidents): parsing the answer and the
// words the console's list uses. Pure: the list itself is incidentspanel.ts.

import type { DispatchTarget } from './api';
import type { Incident, IncidentsResponse } from './protocol';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * parseIncidents reads the answer defensively: rows without an id are left
 * out (nothing could be dispatched to them), severities are held to 1..4, and
 * the rows are put newest first (the server's order; kept for equal times).
 */
export function parseIncidents(body: unknown): IncidentsResponse {
  const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const rows = Array.isArray(o.incidents) ? (o.incidents as unknown[]) : [];
  const incidents: Incident[] = [];
  for (const r of rows) {
    if (!r || typeof r !== 'object') continue;
    const x = r as Record<string, unknown>;
    const id = str(x.id);
    if (!id) continue;
    const sev = Math.round(num(x.severity));
    const inc: Incident = { id, severity: sev >= 1 && sev <= 4 ? sev : 1, lat: num(x.lat), lng: num(x.lng), time: str(x.time), cell: str(x.cell) };
    for (const k of ['source', 'category', 'title', 'address'] as const) if (str(x[k])) inc[k] = str(x[k]);
    if (x.regions && typeof x.regions === 'object') inc.regions = x.regions as Record<string, string>;
    incidents.push(inc);
  }
  const at = (i: Incident) => {
    const t = Date.parse(i.time);
    return Number.isFinite(t) ? t : -Infinity;
  };
  incidents.sort((a, b) => at(b) - at(a));
  return { cell: str(o.cell), window: str(o.window), asOf: str(o.asOf), truncated: o.truncated === true, incidents };
}

/** formatAgo: how long ago, "12 s", "3 min", "2.5 h"; a time ahead of the clock is "0 s". */
export function formatAgo(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 60_000) return `${Math.floor(t / 1000)} s`;
  if (t < 120 * 60_000) return `${Math.floor(t / 60_000)} min`;
  return `${(t / 3_600_000).toFixed(1)} h`;
}

/** incidentAgo: an incident's age at `now`, or '' for a time that does not parse. */
export function incidentAgo(i: Incident, now: number): string {
  const t = Date.parse(i.time);
  return Number.isFinite(t) ? formatAgo(now - t) : '';
}

/** incidentText: what the row says of it: the title, else the address, else the id. */
export function incidentText(i: Incident): string {
  return i.title || i.address || i.id;
}

/** incidentsFailText: a refused list in the operator's words (400, 503, no server). */
export function incidentsFailText(status: number, error: string): string {
  if (status === 400) return `请求无效 Bad request: ${error}`;
  if (status === 503) return '事件暂不可用 Incidents unavailable (storage down), try again';
  if (status === 401 || status === 403) return `无权限 Not allowed (${error})`;
  if (status === 0) return '无法连接 Cannot reach the server';
  return `事件不可用 Incidents unavailable: ${error}`;
}

/** dispatchTarget: the picked incident if any, else the place the suggestions are for. */
export function dispatchTarget(place: DispatchTarget, incident?: Pick<Incident, 'id'>): DispatchTarget {
  return incident ? { incident: incident.id } : place;
}

/** targetLabel: where a dispatch goes, for the suggestions' "To:" line. */
export function targetLabel(t: DispatchTarget): string {
  if ('incident' in t) return `事件 Incident ${t.incident}`;
  if ('alert' in t) return `告警 Alert ${t.alert}`;
  return `单元格 Cell ${t.cell}`;
}

/**
 * IncidentPick is the incident a side panel's Dispatch buttons go to, shared by
 * its incidents list (which sets it) and its suggestions (which read it).
 */
export class IncidentPick {
  private current?: Incident;
  private subs: (() => void)[] = [];

  get incident(): Incident | undefined {
    return this.current;
  }

  /** set picks an incident, or clears the pick with undefined. */
  set(i?: Incident): void {
    if (i?.id === this.current?.id) return;
    this.current = i;
    for (const f of this.subs) f();
  }

  /** onChange calls f after every change of the pick. */
  onChange(f: () => void): void {
    this.subs.push(f);
  }
}
