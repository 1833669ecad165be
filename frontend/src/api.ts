// REST calls the page makes. Every state-changing request carries
// X-Requested-With: citygrid (the server's CSRF check).

import type { HeatResponse, Res, Session, Window } from './protocol';

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

/** RegionFigures: one region's figures over a window (GET /api/v1/regions/{level}). */
export interface RegionFigures {
  code: string;
  name: string;
  parent: string;
  generated: boolean;
  incidents: number;
  byCategory: Record<string, number>;
  /** Severities 1..4 in that order. */
  bySeverity: number[];
  unitsOnDuty: number;
}

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
