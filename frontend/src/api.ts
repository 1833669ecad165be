// REST calls the page makes. Every state-changing request carries
// X-Requested-With: citygrid (the server's CSRF check).

import type {
  Alert,
  AlertsResponse,
  Case,
  CaseActionBody,
  CaseAnswer,
  CaseCatalogue,
  CasesResponse,
  CaseStatsResponse,
  Dispatch,
  DispatchesResponse,
  HeatResponse,
  IncidentDetail,
  IndexDetail,
  IncidentsResponse,
  PlacesResponse,
  RegionFigures,
  SearchResult,
  NewCase,
  Res,
  Session,
  SuggestResponse,
  Window,
} from './protocol';
import { parseIncidents } from './incidents';

export const CSRF_HEADER = { 'X-Requested-With': 'citygrid' };

export interface HeatQuery {
  res: Res;
  window: Window;
  category?: string;
  minSeverity?: number;
  bbox?: [number, number, number, number];
}

export function heatURL(q: HeatQuery): string {
  const p = new URLSearchParams({ res: String(q.res), window: q.window });
  if (q.bbox) p.set('bbox', q.bbox.join(','));
  if (q.category) p.set('category', q.category);
  if (q.minSeverity && q.minSeverity > 1) p.set('minSeverity', String(q.minSeverity));
  return '/api/v1/heat?' + p.toString();
}

export async function getHeat(q: HeatQuery): Promise<HeatResponse> {
  const r = await fetch(heatURL(q), { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`heat: ${r.status}`);
  return (await r.json()) as HeatResponse;
}

/** SessionState: signed in (or open mode), or a sign-in is needed. */
export type SessionState = { kind: 'ok'; session: Session } | { kind: 'signin' };

/**
 * getSession asks who we are. 401 means sign in; 404 means the server has no
 * auth yet, which is open mode. Any other failure is thrown.
 */
export async function getSession(): Promise<SessionState> {
  const r = await fetch('/api/v1/session', { credentials: 'same-origin' });
  return sessionFromResponse(r.status, r.status === 200 ? await r.json() : null);
}

export function sessionFromResponse(status: number, body: unknown): SessionState {
  if (status === 200 && body && typeof body === 'object') return { kind: 'ok', session: body as Session };
  if (status === 401) return { kind: 'signin' };
  if (status === 404) return { kind: 'ok', session: { user: 'anonymous', role: 'admin', open: true } };
  throw new Error(`session: ${status}`);
}

export async function signIn(user: string, password: string): Promise<boolean> {
  const r = await fetch('/api/v1/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', ...CSRF_HEADER },
    body: JSON.stringify({ user, password }),
  });
  return r.ok;
}

export async function signOut(): Promise<void> {
  await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin', headers: CSRF_HEADER });
}

export type { RegionFigures } from './protocol';

export interface RegionsResponse {
  level: string;
  window: Window;
  asOf: string;
  version: number;
  regions: RegionFigures[];
}

export function regionsURL(level: string, window: Window, code?: string): string {
  const p = new URLSearchParams({ window });
  if (code) p.set('code', code);
  return `/api/v1/regions/${encodeURIComponent(level)}?` + p.toString();
}

/** getRegion asks for one region's figures; undefined if the server does not know it (404). */
export async function getRegion(level: string, code: string, window: Window): Promise<RegionFigures | undefined> {
  const r = await fetch(regionsURL(level, window, code), { credentials: 'same-origin' });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`regions: ${r.status}`);
  return ((await r.json()) as RegionsResponse).regions[0];
}

/** getRegionChildren asks for the regions of a level inside parent, with their figures. */
export async function getRegionChildren(level: string, parent: string, window: Window): Promise<RegionFigures[]> {
  const p = new URLSearchParams({ window, parent });
  return (await get<RegionsResponse>(`/api/v1/regions/${encodeURIComponent(level)}?` + p.toString())).regions;
}

/** Roles of people, in order: each may do all the previous ones may. */
export const ROLES = ['wall', 'operator', 'dispatcher', 'admin'];

/** may: whether a role is at least `least` (unknown roles may nothing). */
export function may(role: string, least: 'wall' | 'operator' | 'dispatcher' | 'admin'): boolean {
  const r = ROLES.indexOf(role);
  return r >= 0 && r >= ROLES.indexOf(least);
}

/** An answer to a state-changing call: the new object, or why not. */
export type Outcome<T> =
  /** `status`: 200, or 201 for a new object. */
  | { ok: true; value: T; status?: number }
  /**
   * 409: another dispatcher (or the server) got there first; `dispatch` names
   * the winner when known, `state` where a case stands now.
   */
  | { ok: false; status: number; error: string; conflict: boolean; dispatch?: string; state?: string };

async function post<T>(url: string, body?: unknown): Promise<Outcome<T>> {
  let r: Response;
  try {
    r = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...CSRF_HEADER },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return { ok: false, status: 0, error: String(e), conflict: false };
  }
  let j: unknown = null;
  try {
    j = await r.json();
  } catch {
    // no JSON body
  }
  if (r.ok) return { ok: true, value: j as T, status: r.status };
  const o = (j && typeof j === 'object' ? j : {}) as { error?: unknown; dispatch?: unknown; state?: unknown };
  return {
    ok: false,
    status: r.status,
    error: typeof o.error === 'string' ? o.error : `HTTP ${r.status}`,
    conflict: r.status === 409,
    dispatch: typeof o.dispatch === 'string' ? o.dispatch : undefined,
    state: typeof o.state === 'string' ? o.state : undefined,
  };
}

async function get<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url.split('?')[0]}: ${r.status}`);
  return (await r.json()) as T;
}

/** getPlaces names hexagons by the regions holding their centres. */
export function getPlaces(cells: string[]): Promise<PlacesResponse> {
  return get(`/api/v1/places?cells=${cells.map(encodeURIComponent).join(',')}`);
}

export function getAlerts(status = 'open', limit?: number): Promise<AlertsResponse> {
  return get(`/api/v1/alerts?status=${encodeURIComponent(status)}` + (limit ? `&limit=${limit}` : ''));
}

export function ackAlert(id: string, note?: string): Promise<Outcome<Alert>> {
  return post(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, note ? { note } : {});
}

export function resolveAlert(id: string, note?: string): Promise<Outcome<Alert>> {
  return post(`/api/v1/alerts/${encodeURIComponent(id)}/resolve`, note ? { note } : {});
}

export function getDispatches(status = 'active'): Promise<DispatchesResponse> {
  return get(`/api/v1/dispatches?status=${encodeURIComponent(status)}`);
}

/** The target of a dispatch: a cell, an incident or an alert (its place). */
export type DispatchTarget = { cell: string } | { incident: string } | { alert: string };

export function createDispatch(unit: string, target: DispatchTarget, note?: string): Promise<Outcome<Dispatch>> {
  return post('/api/v1/dispatches', { unit, ...target, ...(note ? { note } : {}) });
}

export function clearDispatch(id: string, note?: string): Promise<Outcome<Dispatch>> {
  return post(`/api/v1/dispatches/${encodeURIComponent(id)}/clear`, note ? { note } : undefined);
}

export function cancelDispatch(id: string, note?: string): Promise<Outcome<Dispatch>> {
  return post(`/api/v1/dispatches/${encodeURIComponent(id)}/cancel`, note ? { note } : undefined);
}

/** getIncident asks for one incident of the last day and what the centre did about it; never throws. */
export function getIncident(id: string): Promise<Fetched<IncidentDetail>> {
  return fetched(`/api/v1/incidents/${encodeURIComponent(id)}`);
}

/** getIndexDetail asks for one region's safety index, its inputs and its history; never throws. */
export function getIndexDetail(code: string, days = 30): Promise<Fetched<IndexDetail>> {
  return fetched(`/api/v1/index/${encodeURIComponent(code)}?days=${days}`);
}

/** search asks the console's search (an incident id, a unit, a place name); never throws. */
export function search(q: string, limit = 10): Promise<Fetched<{ q: string; results: SearchResult[] }>> {
  return fetched('/api/v1/search?' + new URLSearchParams({ q, limit: String(limit) }).toString());
}

export function suggestURL(cell: string, limit: number): string {
  return '/api/v1/dispatch/suggest?' + new URLSearchParams({ cell, limit: String(limit) }).toString();
}

export function getSuggestions(cell: string, limit = 6): Promise<SuggestResponse> {
  return get(suggestURL(cell, limit));
}

/** Incidents a cell's list asks for. */
export const INCIDENTS_LIMIT = 50;

export function incidentsURL(cell: string, window: Window, limit = INCIDENTS_LIMIT): string {
  return '/api/v1/incidents?' + new URLSearchParams({ cell, window, limit: String(limit) }).toString();
}

/** An answer to a read that may be refused (400, 503): the body, or why not. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

/** getIncidents asks for one cell's incidents in a window, newest first; never throws. */
export async function getIncidents(cell: string, window: Window, limit = INCIDENTS_LIMIT): Promise<Fetched<IncidentsResponse>> {
  const r = await fetched<unknown>(incidentsURL(cell, window, limit));
  return r.ok ? { ok: true, value: parseIncidents(r.value) } : r;
}

/** fetched GETs a JSON body, or says why not (the server's error text); never throws. */
async function fetched<T>(url: string): Promise<Fetched<T>> {
  let r: Response;
  try {
    r = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    return { ok: false, status: 0, error: String(e) };
  }
  let j: unknown = null;
  try {
    j = await r.json();
  } catch {
    // no JSON body
  }
  if (!r.ok) {
    const o = (j && typeof j === 'object' ? j : {}) as { error?: unknown };
    return { ok: false, status: r.status, error: typeof o.error === 'string' ? o.error : `HTTP ${r.status}` };
  }
  return { ok: true, value: j as T };
}

/** What the console's case queue asks for (GET /api/v1/cases). */
export interface CaseQuery {
  /** A state, 'open' for every open one, or '' for all. */
  state?: string;
  /** A region: its level and code, together. */
  level?: string;
  code?: string;
  overdue?: boolean;
  /** Text in the id, title or description. */
  q?: string;
  department?: string;
  limit?: number;
}

/** The rows the case queue asks for. */
export const CASES_LIMIT = 100;

export function casesURL(q: CaseQuery): string {
  const p = new URLSearchParams();
  if (q.state) p.set('state', q.state);
  if (q.level && q.code) {
    p.set('level', q.level);
    p.set('code', q.code);
  }
  if (q.overdue) p.set('overdue', 'true');
  if (q.q) p.set('q', q.q);
  if (q.department) p.set('department', q.department);
  p.set('limit', String(q.limit ?? CASES_LIMIT));
  return '/api/v1/cases?' + p.toString();
}

/** getCases lists cases, newest registered first; never throws. */
export function getCases(q: CaseQuery): Promise<Fetched<CasesResponse>> {
  return fetched(casesURL(q));
}

export function caseURL(id: string, action?: string): string {
  return `/api/v1/cases/${encodeURIComponent(id)}` + (action ? `/${encodeURIComponent(action)}` : '');
}

/** getCase asks for one case and the actions its state allows; never throws. */
export function getCase(id: string): Promise<Fetched<CaseAnswer>> {
  return fetched(caseURL(id));
}

/** registerCase registers a case (201), or answers the one already registered under the body's id (200). */
export function registerCase(c: NewCase): Promise<Outcome<Case>> {
  return post('/api/v1/cases', c);
}

/** moveCase takes one step of the loop; 409 says where the case stands now (`state`). */
export function moveCase(id: string, action: string, body: CaseActionBody = {}): Promise<Outcome<CaseAnswer>> {
  return post(caseURL(id, action), body);
}

let catalogue: Promise<CaseCatalogue> | undefined;

/** getCatalogue asks once for the kinds of case and the channels (again after a failure). */
export function getCatalogue(): Promise<CaseCatalogue> {
  if (!catalogue) {
    catalogue = get<CaseCatalogue>('/api/v1/cases/catalogue');
    catalogue.catch(() => (catalogue = undefined));
  }
  return catalogue;
}

export function caseStatsURL(level: string, code?: string): string {
  const p = new URLSearchParams({ level });
  if (code) p.set('code', code);
  return '/api/v1/cases/stats?' + p.toString();
}

/** getCaseStats asks for the figures of every region of a level over the last 30 days; never throws. */
export function getCaseStats(level: string, code?: string): Promise<Fetched<CaseStatsResponse>> {
  return fetched(caseStatsURL(level, code));
}
