// The live state the page draws: the latest snapshot with deltas folded in.
// A plain object mutated only by apply(); everything derived from it is a pure
// function below, so the HUD and the layer builders are testable without a DOM.

import {
  ACTIVE_DISPATCH,
  STATUSES,
  isGone,
  type Alert,
  type AlertCounts,
  type CasesLayer,
  type CellCount,
  type Dispatch,
  type Frame,
  type IndexLayer,
  type ReplayInfo,
  type RegionFigures,
  type Res,
  type Totals,
  type Unit,
  type Window,
} from './protocol';

/** A recent rise of a cell's count, for the ticker. */
export interface Rise {
  cell: string;
  by: number;
  count: number;
  /** Client time (ms) the rise was seen. */
  at: number;
}

export interface Store {
  cells: Map<string, number>;
  units: Map<string, Unit>;
  total: number;
  /** The filter's totals in every window, from the last frame that had them: all from one tick. */
  totals: Totals;
  res: Res;
  window: Window;
  tick: number;
  seq: number;
  asOf: string;
  /** Client time (ms) of the last frame, 0 before the first. */
  lastFrameAt: number;
  /** Bumped when cells change; layer data arrays are rebuilt only then. */
  heatVersion: number;
  /** Bumped when units change. */
  unitsVersion: number;
  /** Newest first, at most MAX_RISES. */
  rises: Rise[];
  /** The last error frame's text, cleared by the next snapshot. */
  error: string;
  /** Alerts not resolved, newest first, as the alerts layer last sent them. */
  alerts: Alert[];
  /** Their counts; null until the alerts layer has been seen. */
  alertCounts: AlertCounts | null;
  /** Bumped when alerts or their counts change. */
  alertsVersion: number;
  /** Active dispatches plus those ended in the last 10 minutes. */
  dispatches: Dispatch[];
  dispatchesVersion: number;
  /** The districts' figures (the regions layer), as last sent; null until seen. */
  districtFigures: RegionFigures[] | null;
  /** Bumped when they change. */
  regionsVersion: number;
  /** The replay the frames come from; null while they are live. */
  replay: ReplayInfo | null;
  /** The safety index layer as last sent; null until it has been seen. */
  safety: IndexLayer | null;
  /** Bumped when it changes. */
  safetyVersion: number;
  /** The cases layer as last sent; null until it has been seen. */
  cases: CasesLayer | null;
  /** Bumped when the cases layer changes. */
  casesVersion: number;
  /** Each unit's recent positions as [lng, lat], oldest first, at most MAX_TRACK. */
  tracks: Map<string, [number, number][]>;
}

export const MAX_RISES = 12;
/** Positions kept per unit for its track. */
export const MAX_TRACK = 50;

export function newStore(): Store {
  return {
    cells: new Map(),
    units: new Map(),
    total: 0,
    totals: {},
    districtFigures: null,
    regionsVersion: 0,
    res: 8,
    window: '1h',
    tick: 0,
    seq: 0,
    asOf: '',
    lastFrameAt: 0,
    heatVersion: 0,
    unitsVersion: 0,
    rises: [],
    error: '',
    alerts: [],
    alertCounts: null,
    alertsVersion: 0,
    dispatches: [],
    dispatchesVersion: 0,
    cases: null,
    casesVersion: 0,
    safety: null,
    safetyVersion: 0,
    replay: null,
    tracks: new Map(),
  };
}

/** What apply() did with a frame. */
export type Applied = 'changed' | 'unchanged' | 'resync';

/**
 * apply folds one frame into the store. A snapshot replaces the topic; a delta
 * sets absolute counts (0 drops a cell) and drops `gone` units. A delta whose
 * seq does not follow the previous frame's returns 'resync' and is not applied:
 * the caller asks for a new snapshot.
 */
export function apply(s: Store, f: Frame, now: number): Applied {
  if (f.type === 'error') {
    s.error = f.error;
    return 'changed';
  }
  if (f.type === 'delta' && (s.seq === 0 || f.seq !== s.seq + 1)) {
    return 'resync';
  }
  s.seq = f.seq;
  s.lastFrameAt = now;
  s.replay = f.replay ?? null;
  s.tick = f.tick;
  s.asOf = f.asOf;
  s.res = f.res;
  s.window = f.window;
  let changed = false;

  if (f.type === 'snapshot') {
    s.error = '';
    s.cells = new Map();
    for (const c of f.cells ?? []) if (c.count > 0) s.cells.set(c.cell, c.count);
    s.units = new Map();
    // A replay's snapshot may be another time (a seek): its units' tracks start afresh.
    if (f.replay) s.tracks = new Map();
    for (const u of f.units ?? []) {
      s.units.set(u.unit, u);
      addTrack(s, u);
    }
    // A resync keeps the tracks of the units still there.
    for (const id of s.tracks.keys()) if (!s.units.has(id)) s.tracks.delete(id);
    s.rises = [];
    s.heatVersion++;
    s.unitsVersion++;
    changed = true;
  } else {
    if (f.cells && f.cells.length > 0) {
      for (const c of f.cells) {
        const old = s.cells.get(c.cell) ?? 0;
        if (c.count > 0) s.cells.set(c.cell, c.count);
        else s.cells.delete(c.cell);
        if (c.count > old) addRise(s, { cell: c.cell, by: c.count - old, count: c.count, at: now });
      }
      s.heatVersion++;
      changed = true;
    }
    if (f.units && f.units.length > 0) {
      for (const u of f.units) {
        if (isGone(u)) {
          s.units.delete(u.unit);
          s.tracks.delete(u.unit);
        } else {
          s.units.set(u.unit, u);
          addTrack(s, u);
        }
      }
      s.unitsVersion++;
      changed = true;
    }
  }
  // Alerts and dispatches come whole: a frame with the key replaces them, one
  // without leaves them (a snapshot without them means the layer is not subscribed).
  if (f.alerts) {
    const open = f.alerts.open ?? [];
    const counts = f.alerts.counts ?? { open: 0, acknowledged: 0 };
    // Both layers come together whenever either changed: a repeat of what we
    // hold is not a change (no redraw, no panel update).
    if (!sameAlerts(s.alerts, open) || !sameJSON(s.alertCounts, counts)) {
      s.alerts = open;
      s.alertCounts = counts;
      s.alertsVersion++;
      changed = true;
    }
  } else if (f.type === 'snapshot' && s.alertCounts) {
    s.alerts = [];
    s.alertCounts = null;
    s.alertsVersion++;
    changed = true;
  }
  if (f.dispatches && !sameDispatches(s.dispatches, f.dispatches)) {
    s.dispatches = f.dispatches;
    s.dispatchesVersion++;
    changed = true;
  } else if (f.type === 'snapshot' && s.dispatches.length > 0) {
    s.dispatches = [];
    s.dispatchesVersion++;
    changed = true;
  }
  // The cases layer comes whole after a change; a repeat is not a change.
  if (f.cases) {
    if (!sameJSON(s.cases, f.cases)) {
      s.cases = f.cases;
      s.casesVersion++;
      changed = true;
    }
  } else if (f.type === 'snapshot' && s.cases) {
    s.cases = null;
    s.casesVersion++;
    changed = true;
  }
  // The index comes whole after each recomputation; a repeat is not a change.
  if (f.index) {
    if (!sameJSON(f.index, s.safety)) {
      s.safety = f.index;
      s.safetyVersion++;
      changed = true;
    }
  }
  if (f.regions) {
    if (!sameJSON(f.regions, s.districtFigures)) {
      s.districtFigures = f.regions;
      s.regionsVersion++;
      changed = true;
    }
  } else if (f.type === 'snapshot' && s.districtFigures) {
    s.districtFigures = null;
    s.regionsVersion++;
    changed = true;
  }
  const total = f.total ?? sumCells(s.cells);
  if (total !== s.total) {
    s.total = total;
    changed = true;
  }
  if (f.type === 'snapshot' || f.totals) {
    const totals = f.totals ?? {};
    if (!sameJSON(totals, s.totals)) {
      s.totals = totals;
      changed = true;
    }
  }
  return changed ? 'changed' : 'unchanged';
}

/**
 * regionIncidents is a region's incidents under the page's filter, from the
 * server's figures: by category, or by severity. The server does not cross the
 * two, so with both set it is the category's count of every severity (the
 * table says so).
 */
export function regionIncidents(r: RegionFigures, f: { category: string; minSeverity: number }): number {
  if (f.category) return r.byCategory?.[f.category] ?? 0;
  if (f.minSeverity > 1) return r.bySeverity.slice(f.minSeverity - 1).reduce((a, b) => a + b, 0);
  return r.incidents;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** sameAlerts: the same alerts in the same order with the same state (what is shown of them). */
export function sameAlerts(a: Alert[], b: Alert[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.status !== y.status || x.severity !== y.severity || x.ackedBy !== y.ackedBy || x.message !== y.message || x.lat !== y.lat || x.lng !== y.lng)
      return false;
  }
  return true;
}

/** sameDispatches: the same dispatches in the same order with the same state. */
export function sameDispatches(a: Dispatch[], b: Dispatch[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (
      x.id !== y.id ||
      x.status !== y.status ||
      x.onSceneAt !== y.onSceneAt ||
      x.clearedAt !== y.clearedAt ||
      x.overdue !== y.overdue ||
      x.responseSeconds !== y.responseSeconds ||
      x.cell !== y.cell
    )
      return false;
  }
  return true;
}

/** addTrack appends a unit's position to its track unless it has not moved. */
function addTrack(s: Store, u: Unit): void {
  let t = s.tracks.get(u.unit);
  if (!t) {
    t = [];
    s.tracks.set(u.unit, t);
  }
  const last = t[t.length - 1];
  if (last && last[0] === u.lng && last[1] === u.lat) return;
  t.push([u.lng, u.lat]);
  if (t.length > MAX_TRACK) t.splice(0, t.length - MAX_TRACK);
}

function addRise(s: Store, r: Rise): void {
  s.rises.unshift(r);
  if (s.rises.length > MAX_RISES) s.rises.length = MAX_RISES;
}

export function sumCells(cells: Map<string, number>): number {
  let n = 0;
  for (const v of cells.values()) n += v;
  return n;
}

/** cellList is the heat as a new array (deck.gl needs a new array to update). */
export function cellList(s: Store): CellCount[] {
  const out: CellCount[] = new Array(s.cells.size);
  let i = 0;
  for (const [cell, count] of s.cells) out[i++] = { cell, count };
  return out;
}

export function unitList(s: Store): Unit[] {
  return Array.from(s.units.values());
}

/** topCells returns the n hottest cells, hottest first, ties by cell id. */
export function topCells(s: Store, n: number): CellCount[] {
  return cellList(s)
    .sort((a, b) => b.count - a.count || (a.cell < b.cell ? -1 : 1))
    .slice(0, n);
}

export type StatusCounts = Record<string, number>;

/** unitCounts counts units by status; every known status is present, 0 if none. */
export function unitCounts(s: Store): StatusCounts {
  const out: StatusCounts = {};
  for (const st of STATUSES) out[st] = 0;
  for (const u of s.units.values()) out[u.status] = (out[u.status] ?? 0) + 1;
  return out;
}

/**
 * hotCells counts cells at or above the hot threshold: at least `floor`
 * incidents and three times the mean count of the cells that have any.
 */
export function hotThreshold(s: Store, floor = 3): number {
  if (s.cells.size === 0) return Infinity;
  const mean = sumCells(s.cells) / s.cells.size;
  return Math.max(floor, Math.ceil(3 * mean));
}

export function hotCells(s: Store, floor = 3): number {
  const t = hotThreshold(s, floor);
  let n = 0;
  for (const v of s.cells.values()) if (v >= t) n++;
  return n;
}

/** Connection health as the badge shows it. */
export type Health = 'live' | 'stale' | 'down' | 'connecting' | 'replay';

/** STALE_MS: the server sends a frame at least once a second; this much silence is stale. */
export const STALE_MS = 3000;

export function health(s: Store, socketOpen: boolean, now: number): Health {
  if (!socketOpen) return s.lastFrameAt === 0 ? 'connecting' : 'down';
  if (s.lastFrameAt === 0) return 'connecting';
  // A replay is never live, however fresh its frames (a paused one sends none).
  if (s.replay) return 'replay';
  return now - s.lastFrameAt > STALE_MS ? 'stale' : 'live';
}

/**
 * heatRefreshMs is the least time between two rebuilds of the heat layer for n
 * cells. Every rebuild makes deck.gl recompute all hexagons, which software
 * WebGL on a wall PC pays for heavily: small maps follow every tick, large ones
 * at most once a second. Counters and the badge follow every frame regardless.
 */
export function heatRefreshMs(n: number): number {
  return Math.min(1000, Math.max(0, Math.round(n / 5)));
}

/** alertTotal: alerts not resolved (open + acknowledged), as GET /api/v1/alerts counts them. */
export function alertTotal(c: AlertCounts | null): number | undefined {
  return c ? (c.open ?? 0) + (c.acknowledged ?? 0) : undefined;
}

/** alertsNewestFirst: a new array of the alerts, newest opened first, ties by id. */
export function alertsNewestFirst(alerts: Alert[]): Alert[] {
  return [...alerts].sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function isActive(d: Dispatch): boolean {
  return ACTIVE_DISPATCH.includes(d.status);
}

/** activeDispatches: assigned, en route and on scene, newest first. */
export function activeDispatches(s: Store): Dispatch[] {
  return s.dispatches.filter(isActive).sort((a, b) => Date.parse(b.assignedAt) - Date.parse(a.assignedAt) || (a.id < b.id ? -1 : 1));
}

/** dispatchOfUnit: the active dispatch a unit is on, if any. */
export function dispatchOfUnit(s: Store, unit: string): Dispatch | undefined {
  return s.dispatches.find((d) => d.unit === unit && isActive(d));
}

/**
 * dispatchSeconds: how long a dispatch has taken: the response time once on
 * scene (or ended), else the time since assignment. Never negative.
 */
export function dispatchSeconds(d: Dispatch, now: number): number {
  if (d.responseSeconds !== undefined && d.responseSeconds !== null) return Math.max(0, d.responseSeconds);
  const start = Date.parse(d.assignedAt);
  if (!Number.isFinite(start)) return 0;
  const endText = d.status === 'on_scene' ? d.onSceneAt : d.status === 'cleared' || d.status === 'cancelled' ? d.clearedAt : undefined;
  const end = endText ? Date.parse(endText) : now;
  return Math.max(0, ((Number.isFinite(end) ? end : now) - start) / 1000);
}

/**
 * opsRefused: whether a frame is a server's refusal of the first subscribe
 * because of its layers: a server older than the cases layer, or than the
 * alerts and dispatches layers. The page then asks for fewer layers.
 */
export function opsRefused(s: Store, f: Frame): boolean {
  return f.type === 'error' && s.seq === 0 && /layer/i.test(f.error);
}
