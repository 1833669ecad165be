// The wire: TypeScript mirrors of docs/API.md. This file is the one source of
// wire truth on the browser side; change it only together with docs/API.md.

/** Protocol version the page speaks (`v` on every server frame). */
export const PROTOCOL_VERSION = 1;

export type Res = 7 | 8 | 9;
export type Window = '15m' | '1h' | '24h';
export type Layer = 'heat' | 'units';
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
  /** Present only when the heat layer is subscribed. */
  cells?: CellCount[];
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

/** GET /api/v1/heat */
export interface HeatResponse {
  res: Res;
  window: Window;
  asOf: string;
  total: number;
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
