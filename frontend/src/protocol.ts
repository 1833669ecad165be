// The wire: TypeScript mirrors of docs/API.md. This file is the one source of
// wire truth on the browser side; change it only together with docs/API.md.

/** Protocol version the page speaks (`v` on every server frame). */
export const PROTOCOL_VERSION = 1;

export type Res = 7 | 8 | 9;
export type Window = '15m' | '1h' | '24h';
export type Layer = 'heat' | 'units' | 'regions' | 'alerts' | 'dispatches' | 'cases' | 'index';
export type UnitStatus = 'available' | 'dispatched' | 'busy' | 'off-duty';

export const RESOLUTIONS: readonly Res[] = [7, 8, 9];
export const WINDOWS: readonly Window[] = ['15m', '1h', '24h'];
export const STATUSES: readonly UnitStatus[] = ['available', 'dispatched', 'busy', 'off-duty'];

/** One H3 cell and its absolute count in the window. */
export interface CellCount {
  cell: string;
  count: number;
}

/** A patrol unit's latest report (GET /api/v1/units and frames). */
export interface Unit {
  unit: string;
  kind: string;
  status: UnitStatus | string;
  lat: number;
  lng: number;
  cell: string;
  time: string;
  heading?: number;
  speed?: number;
}

/** A unit that left the live state (only in deltas). */
export interface GoneUnit {
  unit: string;
  gone: true;
}

/** Client → server: change the topic. Everything but type is optional. */
export interface Subscribe {
  type: 'subscribe';
  layers?: Layer[];
  res?: Res;
  window?: Window;
  bbox?: [number, number, number, number];
  category?: string;
  minSeverity?: number;
  /** The regions layer's level: district (default), street, community, grid. */
  level?: string;
}

/** Starts replaying a past span on the socket (the heat, units, alerts, dispatches and cases layers). */
export interface ReplayStart {
  type: 'replay';
  from: string;
  to: string;
  /** Replayed seconds per second, 1 to 3600. */
  speed: number;
  res?: Res;
  window?: Window;
  layers?: Layer[];
  category?: string;
  minSeverity?: number;
}

/** Steers a running replay. */
export interface ReplayControl {
  type: 'replay';
  action: 'pause' | 'resume' | 'seek' | 'speed';
  at?: string;
  speed?: number;
}

/** What a replay frame says of the replay: the replayed time and the controls' state. */
export interface ReplayInfo {
  at: string;
  from: string;
  to: string;
  speed: number;
  paused: boolean;
  ended: boolean;
  error?: string;
}

/** A region's figures over the window, as GET /api/v1/regions/{level} and the regions layer give them. */
export interface RegionFigures {
  code: string;
  name: string;
  parent?: string;
  generated: boolean;
  incidents: number;
  byCategory: Record<string, number>;
  /** Severities 1..4, in that order. */
  bySeverity: number[];
  unitsOnDuty: number;
}

export type AlertKind = 'hot_cell' | 'anomaly' | 'severe_incident' | 'uncovered' | 'overdue_dispatch' | 'storm';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export const ALERT_KINDS: readonly AlertKind[] = ['storm', 'hot_cell', 'anomaly', 'severe_incident', 'uncovered', 'overdue_dispatch'];

/** An alert (docs/API.md "Alerts and dispatch"). Empty fields are left out by the server. */
export interface Alert {
  id: string;
  kind: AlertKind | string;
  key: string;
  rule?: string;
  /** 1..4. */
  severity: number;
  status: AlertStatus | string;
  /** Cell alerts: the cell and its resolution. */
  cell?: string;
  res?: number;
  /** Region alerts: the region's code and level. */
  region?: string;
  level?: string;
  /** The region codes holding the place, by level. */
  regions?: Record<string, string>;
  /** The place's centre; always set. */
  lat: number;
  lng: number;
  value?: number;
  threshold?: number;
  message?: string;
  openedAt: string;
  ackedAt?: string;
  ackedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  resolution?: string;
  incident?: string;
  dispatch?: string;
  /** The latest note; ackNote and resolveNote are what was said at each step. */
  note?: string;
  ackNote?: string;
  resolveNote?: string;
  /** A storm's members' kind, how many of them are still active, and the worst of them (ids). */
  of?: string;
  members?: number;
  worst?: string[];
}

/** Counts over every alert not resolved (open + acknowledged). */
export interface AlertCounts {
  open: number;
  acknowledged: number;
  byKind?: Record<string, number>;
  /** Severities 1..4 at indexes 0..3. */
  bySeverity?: number[];
  byDistrict?: Record<string, number>;
}

/** The websocket's alerts layer: the whole state, replacing what the client had. */
export interface AlertsLayer {
  counts: AlertCounts;
  /** Alerts not resolved, newest first (at most 500). */
  open: Alert[];
}

/** An incident as GET /api/v1/incidents lists it (docs/API.md); empty fields are left out. */
export interface Incident {
  id: string;
  source?: string;
  category?: string;
  /** 1..4. */
  severity: number;
  lat: number;
  lng: number;
  time: string;
  title?: string;
  address?: string;
  regions?: Record<string, string>;
  /** Its res-9 cell: where a dispatch to it goes. */
  cell: string;
}

/** One step of an incident's history (GET /api/v1/incidents/{id}). */
export interface HistoryStep {
  at: string;
  /** reported, alert.open, alert.ack, alert.resolve, dispatch.assign, dispatch.en_route, dispatch.on_scene, dispatch.clear, dispatch.cancel, case.<action> */
  what: string;
  by?: string;
  note?: string;
  /** The alert, dispatch or case of the step. */
  ref?: string;
}

/** Where an incident stands, from what the centre did about it. */
export type IncidentStatus = 'reported' | 'acknowledged' | 'dispatched' | 'on_scene' | 'cleared';

/** GET /api/v1/incidents/{id}: one incident and what the centre did about it. */
export interface IncidentDetail {
  incident: Incident & { received?: string; by?: string };
  status: IncidentStatus | string;
  alerts: Alert[];
  dispatches: Dispatch[];
  cases: { id: string; title: string; state: string; label?: string }[];
  history: HistoryStep[];
  asOf: string;
}

/** One answer of GET /api/v1/search. */
export interface SearchResult {
  type: 'region' | 'incident' | 'unit';
  /** The region's code, the incident's id, or the unit. */
  code: string;
  name: string;
  detail: string;
  lat: number;
  lng: number;
  level?: string;
  /** A region's [west, south, east, north]. */
  bbox?: [number, number, number, number];
  source?: string;
}

/** GET /api/v1/incidents?cell=…&window=…&limit=…: one cell's incidents, newest first. */
export interface IncidentsResponse {
  cell: string;
  window: Window | string;
  asOf: string;
  /** More may exist (the limit was reached, or the scan stopped). */
  truncated: boolean;
  incidents: Incident[];
}

export type DispatchStatus = 'assigned' | 'en_route' | 'on_scene' | 'cleared' | 'cancelled';
export const ACTIVE_DISPATCH: readonly string[] = ['assigned', 'en_route', 'on_scene'];

export interface Dispatch {
  id: string;
  unit: string;
  /** The target, always a res-9 cell, and its centre. */
  cell: string;
  lat: number;
  lng: number;
  incident?: string;
  alert?: string;
  note?: string;
  status: DispatchStatus | string;
  assignedAt: string;
  assignedBy?: string;
  enRouteAt?: string;
  onSceneAt?: string;
  clearedAt?: string;
  clearedBy?: string;
  /** The note given on clear or cancel (note is the assignment's). */
  endNote?: string;
  /** On-scene time minus assignment time, once on scene. */
  responseSeconds?: number;
  targetSeconds?: number;
  overdue?: boolean;
}

/** GET /api/v1/alerts */
export interface AlertsResponse {
  asOf: string;
  alerts: Alert[];
  counts: AlertCounts;
}

/** GET /api/v1/dispatches */
export interface DispatchesResponse {
  asOf: string;
  dispatches: Dispatch[];
}

/** One unit GET /api/v1/dispatch/suggest proposes. */
export interface Suggestion {
  unit: string;
  kind: string;
  status: string;
  available: boolean;
  gridDistance: number;
  distanceMeters: number;
  etaSeconds: number;
  lat: number;
  lng: number;
  lastSeen: string;
  /** The active dispatch the unit is on, or ''. */
  dispatch?: string;
}

export interface SuggestResponse {
  cell: string;
  suggestions: Suggestion[];
}

// Cases (docs/API.md "Cases"): the closed loop of grid governance.

export type CaseState = 'registered' | 'accepted' | 'assigned' | 'handled' | 'verified' | 'closed' | 'rated' | 'rejected' | 'suspended';
/** Every state, in the order of the loop. */
export const CASE_STATES: readonly CaseState[] = ['registered', 'accepted', 'assigned', 'handled', 'verified', 'closed', 'rated', 'rejected', 'suspended'];
/** The open states (`?state=open`): the five waiting for a step, and suspended. */
export const OPEN_CASE_STATES: readonly CaseState[] = ['registered', 'accepted', 'assigned', 'handled', 'verified', 'suspended'];
/** The actions of POST /api/v1/cases/{id}/{action}, in the order of the loop. */
export const CASE_ACTIONS = ['accept', 'reject', 'assign', 'handle', 'verify', 'return', 'close', 'rate', 'escalate', 'transfer', 'suspend', 'resume', 'reopen'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];
/** The levels a case is settled at, lowest first. */
export const CASE_LEVELS = ['community', 'street', 'district', 'city'] as const;

/** A case's place by region level (codes). */
export interface CaseRegions {
  district?: string;
  street?: string;
  community?: string;
  grid?: string;
}

/** One step of a case's timeline. */
export interface CaseStep {
  action: string;
  from?: CaseState | string;
  to: CaseState | string;
  at: string;
  by: string;
  actorLevel?: string;
  actorRegion?: string;
  /** The assignment after the step. */
  level?: string;
  region?: string;
  department?: string;
  note?: string;
  satisfaction?: number;
}

/** A case as GET /api/v1/cases lists it. Empty fields and times not reached are left out. */
export interface Case {
  id: string;
  title: string;
  category: string;
  subcategory: string;
  description?: string;
  channel: string;
  incident?: string;
  lat: number;
  lng: number;
  cell: string;
  regions: CaseRegions;
  /** Dispatchers and admins only. */
  reporter?: { name?: string; phone?: string };
  emergency?: boolean;
  state: CaseState | string;
  /** The state's big-screen name. */
  label: string;
  resumeTo?: string;
  level?: string;
  region?: string;
  department?: string;
  limitMinutes: number;
  createdAt: string;
  createdBy: string;
  assignedAt?: string;
  due?: string;
  warnAt?: string;
  suspendedAt?: string;
  handledAt?: string;
  closedAt?: string;
  ratedAt?: string;
  onTime: boolean;
  deferred?: boolean;
  handlingMinutes?: number;
  rework: number;
  escalations: number;
  transfers: number;
  reopened: number;
  satisfaction?: number;
  comment?: string;
  /** Waiting for handling past `due`. */
  overdue: boolean;
  /** Waiting for handling with 80 % of its time gone. */
  warning?: boolean;
  version: number;
  timeline?: CaseStep[];
}

/** GET /api/v1/cases/{id} and the answer to an action: the case and what its state allows. */
export interface CaseAnswer extends Case {
  actions: string[];
}

/** GET /api/v1/cases */
export interface CasesResponse {
  cases: Case[];
  /** The matches before the limit. */
  total: number;
}

/** POST /api/v1/cases */
export interface NewCase {
  id?: string;
  title: string;
  subcategory: string;
  lat: number;
  lng: number;
  channel: string;
  incident?: string;
  description?: string;
  reporter?: { name?: string; phone?: string };
}

/** The body of POST /api/v1/cases/{id}/{action}, as the action needs. */
export interface CaseActionBody {
  note?: string;
  level?: string;
  region?: string;
  department?: string;
  satisfaction?: number;
  comment?: string;
}

export interface CaseSubcategory {
  code: string;
  label: string;
  category: string;
  hours?: number;
  days?: number;
  limitMinutes: number;
  department: string;
  level: string;
  emergency?: boolean;
}

export interface CaseCategory {
  code: string;
  label: string;
  subcategories: CaseSubcategory[];
}

/** GET /api/v1/cases/catalogue */
export interface CaseCatalogue {
  channels: { code: string; label: string }[];
  categories: CaseCategory[];
  states: { state: string; label: string }[];
  /** Hours of one working day. */
  workingDay: number;
}

/** One row of GET /api/v1/cases/stats: a region (or a department) over the period. */
export interface CaseStatsRow {
  code: string;
  name?: string;
  /** The open cases now, by state. */
  counts: Record<string, number>;
  overdue: number;
  registered: number;
  closed: number;
  due: number;
  suspended: number;
  closedDue: number;
  closedOnTime: number;
  closureRate: number | null;
  onTimeRate: number | null;
  rework: number;
  rated: number;
  satisfaction: number | null;
  handlingHours: number | null;
}

/** GET /api/v1/cases/stats */
export interface CaseStatsResponse {
  level: string;
  from: string;
  to: string;
  rows: CaseStatsRow[];
}

/** A case on the map (the cases layer). */
export interface CaseMarker {
  id: string;
  title: string;
  state: CaseState | string;
  label: string;
  lat: number;
  lng: number;
  district?: string;
  street?: string;
  due?: string;
  overdue: boolean;
}

/** One recent change of the cases layer (`action` register for a new case). */
export interface CaseChange {
  id: string;
  title: string;
  action: string;
  state: CaseState | string;
  label: string;
  at: string;
}

/**
 * The websocket's cases layer: the whole summary, replacing what the client
 * had. `counts` holds the open states and the cases closed today (`closed`,
 * `rated`); a state with none is left out.
 */
export interface CasesLayer {
  counts: Record<string, number>;
  byDistrict: Record<string, number>;
  overdue: number;
  /** Most overdue first (at most 500). */
  overdueList: CaseMarker[];
  /** Open cases, newest first (at most 500). */
  open: CaseMarker[];
  /** The latest 20 changes, newest first. */
  recent: CaseChange[];
}

/** The safety index's bands, best first. */
export type Band = 'excellent' | 'good' | 'stable' | 'poor';

/** A region's safety index (GET /api/v1/index, the index layer). */
export interface IndexRow {
  code: string;
  name: string;
  level: string;
  parent?: string;
  index: number;
  band: Band | string;
  sub: { publicOrder: number; traffic: number; fire: number; disputes: number };
  /** Place among the regions of the same parent, and in the whole level (1 best). */
  rank: number;
  rankInLevel: number;
  /** The index less the previous period's. */
  change: number;
}

/** The index layer: the default period's rows of the city, its districts and its streets, best first. */
export interface IndexLayer {
  period: string;
  asOf: string;
  city?: IndexRow;
  districts: IndexRow[];
  streets: IndexRow[];
}

interface FrameBase {
  v: number;
  seq: number;
  tick: number;
  res: Res;
  window: Window;
  asOf: string;
  /** Whole-topic total; left out of deltas for a bbox subscription. */
  total?: number;
  /** The filter's totals in every window at the same tick (so never contradicting each other); left out for a bbox subscription. */
  totals?: Totals;
  /** Present only when the heat layer is subscribed. */
  cells?: CellCount[];
  /** The alerts layer's whole state; a delta without it leaves it as it was. */
  alerts?: AlertsLayer;
  /** Active dispatches and those ended in the last 10 minutes; whole replacement. */
  dispatches?: Dispatch[];
  /** The cases layer's whole summary; a delta without it leaves it as it was. */
  cases?: CasesLayer;
  /** The regions layer: every region of the level with its figures (once a second); a delta without it leaves them as they were. */
  level?: string;
  regions?: RegionFigures[];
  /** The safety index (the index layer), after each recomputation. */
  index?: IndexLayer;
  /** Set on a replay's frames: they show the past, not now. */
  replay?: ReplayInfo;
}

export interface SnapshotFrame extends FrameBase {
  type: 'snapshot';
  units?: Unit[];
}

export interface DeltaFrame extends FrameBase {
  type: 'delta';
  units?: (Unit | GoneUnit)[];
}

export interface ErrorFrame {
  type: 'error';
  v: number;
  seq?: number;
  error: string;
}

export type Frame = SnapshotFrame | DeltaFrame | ErrorFrame;

/** GET /api/v1/places: where each hexagon is, by region. */
export interface Place {
  cell: string;
  /** "street · community", or the district where no street is known; empty outside the city. */
  name: string;
  district?: { code: string; name: string };
  street?: { code: string; name: string };
  community?: { code: string; name: string };
  grid?: { code: string; name: string };
}

export interface PlacesResponse {
  places: Place[];
}

/** A filter's totals in every window, read at one moment. */
export type Totals = Partial<Record<Window, number>>;

/** GET /api/v1/heat */
export interface HeatResponse {
  res: Res;
  window: Window;
  asOf: string;
  total: number;
  totals?: Totals;
  cells: CellCount[];
}

/** GET /api/v1/units */
export interface UnitsResponse {
  asOf: string;
  units: Unit[];
}

/** GET /api/v1/session (200). `open` is true when no auth is configured. */
export interface Session {
  user: string;
  role: 'wall' | 'operator' | 'dispatcher' | 'admin' | string;
  open?: boolean;
}

export function isGone(u: Unit | GoneUnit): u is GoneUnit {
  return (u as GoneUnit).gone === true;
}

/** parseFrame validates the minimum a frame must have; it returns null for junk. */
export function parseFrame(text: string): Frame | null {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof f !== 'object' || f === null) return null;
  const t = (f as { type?: unknown }).type;
  if (t === 'error') return f as ErrorFrame;
  if (t !== 'snapshot' && t !== 'delta') return null;
  const fr = f as SnapshotFrame | DeltaFrame;
  if (typeof fr.seq !== 'number' || typeof fr.tick !== 'number') return null;
  return fr;
}

/** What one sub-index was computed from (GET /api/v1/index/{code}). */
export interface IndexInput {
  sub: keyof IndexRow['sub'] | string;
  count: number;
  weighted: number;
  expected: number;
  ownRate: number | null;
  peerRate: number;
  excess: number;
  score: number;
  /** The points of the index this sub-index cost. */
  lost: number;
}

/** A region's index at one time of its history. */
export interface IndexPoint {
  at: string;
  index: number;
  sub: IndexRow['sub'];
}

/** GET /api/v1/index/{code}: the row, its inputs and its history. */
export interface IndexDetail extends IndexRow {
  period: string;
  asOf: string;
  inputs: IndexInput[];
  daily: IndexPoint[];
  hourly: IndexPoint[];
  weights: IndexRow['sub'];
}
