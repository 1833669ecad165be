// Pure layer builders: (state) => deck.gl layers. Ids are stable; data arrays
// are new whenever the data changed, so deck.gl diffs cheaply and correctly.

import { H3HexagonLayer } from '@deck.gl/geo-layers';
import { LineLayer, PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import { cellToLatLng, isValidCell } from 'h3-js';
import type { Alert, CaseMarker, CasesLayer, CellCount, Dispatch, Unit } from './protocol';
import { colorOf, type RGBA, type Scale } from './scale';

export const HEAT_ID = 'heat';
export const UNITS_ID = 'units';
export const SELECTED_ID = 'selected';
export const HOT_ID = 'hot';
/** The wall's dots over the busier hexagons, visible at the city view. */
export const GLOW_ID = 'heat-glow';
export const ALERTS_ID = 'alerts';
export const DISPATCHES_ID = 'dispatches';
export const DISPATCH_TARGETS_ID = 'dispatch-targets';
export const TRACKS_ID = 'tracks';
export const CASES_ID = 'cases';

/** Alert rings by severity 1..4: pale, yellow, orange, red. */
export const SEVERITY_COLORS: RGBA[] = [
  [203, 213, 225, 255],
  [250, 204, 21, 255],
  [249, 115, 22, 255],
  [239, 68, 68, 255],
];

export function severityColor(sev: number): RGBA {
  return SEVERITY_COLORS[Math.min(4, Math.max(1, Math.round(sev || 1))) - 1];
}

/** On scene: a filled green target, apart from the hollow rings of units still on their way. */
export const ON_SCENE_COLOR: RGBA = [34, 197, 94, 255];

/** Outline of the hot cells: bright cyan, apart from the heat ramp and the white selection. */
export const HOT_LINE: RGBA = [34, 211, 238, 255];

/** hotSubset: the cells at or above the hot threshold (store.hotThreshold, as the HUD counts them). */
export function hotSubset(cells: CellCount[], threshold: number): CellCount[] {
  return cells.filter((c) => c.count >= threshold);
}

/** Unit colours by status: blue/orange/red stay apart for colour-blind viewers. */
export const STATUS_COLORS: Record<string, RGBA> = {
  available: [56, 189, 248, 255],
  dispatched: [250, 204, 21, 255],
  busy: [244, 63, 94, 255],
  'off-duty': [148, 163, 184, 200],
};
const OTHER_STATUS: RGBA = [226, 232, 240, 255];

export function statusColor(status: string): RGBA {
  return STATUS_COLORS[status] ?? OTHER_STATUS;
}

/**
 * Open cases by state: hues apart from the heat ramp (purple → pale yellow),
 * the unit statuses (sky blue, yellow, rose, slate), the alert severities and
 * the on-scene green, in the order of the loop.
 */
export const CASE_COLORS: Record<string, RGBA> = {
  registered: [196, 181, 253, 255], // lavender
  accepted: [129, 140, 248, 255], // indigo
  assigned: [163, 230, 53, 255], // lime
  handled: [45, 212, 191, 255], // teal
  verified: [214, 196, 150, 255], // khaki
  suspended: [168, 120, 80, 255], // brown
};
const OTHER_CASE: RGBA = [226, 232, 240, 255];
/** The ring of an overdue case: red and thick, around a larger dot. */
export const OVERDUE_RING: RGBA = [255, 40, 40, 255];
const CASE_OUTLINE: RGBA = [11, 15, 23, 255];

export function caseColor(state: string): RGBA {
  return CASE_COLORS[state] ?? OTHER_CASE;
}

/**
 * casePoints: the open cases to draw: the layer's open ones and its overdue
 * ones (an overdue case may be older than the newest 500), once each, the
 * overdue ones last so they are drawn on top.
 */
export function casePoints(l: CasesLayer | null): CaseMarker[] {
  if (!l) return [];
  const seen = new Set<string>();
  const all: CaseMarker[] = [];
  for (const m of [...(l.open ?? []), ...(l.overdueList ?? [])]) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    all.push(m);
  }
  return [...all.filter((m) => !m.overdue), ...all.filter((m) => m.overdue)];
}

export interface LayerInput {
  cells: CellCount[];
  units: Unit[];
  scale: Scale;
  /** Bumped with the data; tells deck.gl to recompute colours. */
  heatVersion: number;
  extrude: boolean;
  /** Selected cell (console), or ''. */
  selected: string;
  /** Larger dots and lines for the wall. */
  wall: boolean;
  /** Multiplies dot sizes (screen height / 1080 on the wall). Default 1. */
  dotScale?: number;
  /** Hot cells (hotSubset), outlined; none if absent or empty. */
  hot?: CellCount[];
  /** Alerts not resolved: a ring at each place. */
  alerts?: Alert[];
  /** Active dispatches as lines (dispatchLines). */
  dispatches?: DispatchLine[];
  /** Recent tracks of the dispatched units (trackPaths). */
  tracks?: TrackPath[];
  /** Open cases (casePoints): a dot coloured by state, overdue ones larger in a red ring. */
  cases?: CaseMarker[];
}

/** One active dispatch on the map: from the unit's position to the target cell's centre. */
export interface DispatchLine {
  id: string;
  unit: string;
  status: string;
  /** The unit's status (its colour), '' when the unit is not in the units layer. */
  unitStatus: string;
  /** [lng, lat] of the unit, or undefined when it is not in the units layer. */
  from?: [number, number];
  to: [number, number];
}

export interface TrackPath {
  unit: string;
  status: string;
  path: [number, number][];
}

/** targetOf: the dispatch's target as [lng, lat]: its centre as sent, else the cell's. */
export function targetOf(d: Dispatch): [number, number] {
  if (Number.isFinite(d.lat) && Number.isFinite(d.lng) && (d.lat !== 0 || d.lng !== 0)) return [d.lng, d.lat];
  if (d.cell && isValidCell(d.cell)) {
    const [lat, lng] = cellToLatLng(d.cell);
    return [lng, lat];
  }
  return [d.lng ?? 0, d.lat ?? 0];
}

/** dispatchLines: the active dispatches (assigned, en route, on scene) as lines, in the given order. */
export function dispatchLines(dispatches: Dispatch[], units: Map<string, Unit>): DispatchLine[] {
  const out: DispatchLine[] = [];
  for (const d of dispatches) {
    if (d.status !== 'assigned' && d.status !== 'en_route' && d.status !== 'on_scene') continue;
    const u = units.get(d.unit);
    out.push({ id: d.id, unit: d.unit, status: d.status, unitStatus: u?.status ?? '', from: u ? [u.lng, u.lat] : undefined, to: targetOf(d) });
  }
  return out;
}

/** trackPaths: the kept tracks of the units on the given lines (at least two points each). */
export function trackPaths(lines: DispatchLine[], tracks: Map<string, [number, number][]>): TrackPath[] {
  const out: TrackPath[] = [];
  for (const l of lines) {
    const t = tracks.get(l.unit);
    if (t && t.length >= 2) out.push({ unit: l.unit, status: l.unitStatus, path: t.slice() });
  }
  return out;
}

/** lineColor: the unit's status colour, fainter once on scene (the line has done its job). */
export function lineColor(l: DispatchLine): RGBA {
  const c = statusColor(l.unitStatus || 'dispatched');
  return l.status === 'on_scene' ? [c[0], c[1], c[2], 110] : c;
}

/** Metres of extrusion for the hottest cell. */
export const EXTRUDE_TOP_M = 4000;

export function buildLayers(s: LayerInput): Layer[] {
  const layers: Layer[] = [
    new H3HexagonLayer<CellCount>({
      id: HEAT_ID,
      data: s.cells,
      getHexagon: (d) => d.cell,
      getFillColor: (d) => colorOf(s.scale, d.count),
      getElevation: (d) => d.count,
      elevationScale: s.extrude ? EXTRUDE_TOP_M / Math.max(1, s.scale.max) : 1,
      extruded: s.extrude,
      // No outline: in software WebGL a stroke costs 4–5× the fill (measured
      // with e2e/perf.e2e.ts: 1,000 cells 123 → 22 ms a frame).
      stroked: false,
      filled: true,
      highPrecision: false,
      pickable: true,
      material: false,
      updateTriggers: { getFillColor: [s.scale.bounds.join(','), s.heatVersion] },
    }) as unknown as Layer,
  ];
  const glowing = s.wall ? s.cells.filter((c) => c.count >= (s.scale.bounds[2] ?? Infinity)) : [];
  if (glowing.length > 0) {
    // At the wall's whole-city view a res-8 hexagon is 2–3 px, smaller than a
    // unit's dot: the busier places (the upper three classes) get a dot of at
    // least 7 px (more on a larger screen) in their class colour, so a hot
    // place is seen from across the room. Zoomed in, the hexagon outgrows it.
    layers.push(
      new ScatterplotLayer<CellCount>({
        id: GLOW_ID,
        data: glowing,
        getPosition: (d) => {
          const [lat, lng] = cellToLatLng(d.cell);
          return [lng, lat];
        },
        getFillColor: (d) => colorOf(s.scale, d.count),
        getRadius: 150,
        radiusUnits: 'meters',
        radiusMinPixels: 7 * (s.dotScale ?? 1),
        stroked: false,
        pickable: false,
        updateTriggers: { getFillColor: [s.scale.bounds.join(','), s.heatVersion] },
      }) as unknown as Layer,
    );
  }
  if (s.hot && s.hot.length > 0) {
    // Only the hot subset is stroked (a handful of cells), so the outline's
    // cost in software WebGL stays small. Not pickable: clicks reach the heat.
    layers.push(
      new H3HexagonLayer<CellCount>({
        id: HOT_ID,
        data: s.hot,
        getHexagon: (d) => d.cell,
        filled: false,
        stroked: true,
        extruded: false,
        highPrecision: false,
        getLineColor: HOT_LINE,
        lineWidthUnits: 'pixels',
        getLineWidth: (s.wall ? 2.5 : 2) * (s.dotScale ?? 1),
        pickable: false,
      }) as unknown as Layer,
    );
  }
  const k = (s.wall ? 1.25 : 1) * (s.dotScale ?? 1);
  if (s.alerts && s.alerts.length > 0) {
    layers.push(
      new ScatterplotLayer<Alert>({
        id: ALERTS_ID,
        data: s.alerts,
        getPosition: (a) => [a.lng, a.lat],
        getLineColor: (a) => {
          const c = severityColor(a.severity);
          return a.status === 'acknowledged' ? [c[0], c[1], c[2], 120] : c;
        },
        // In metres, so a ring hugs its place when zoomed in; bounded in pixels
        // so the city view stays readable with hundreds of alerts.
        getRadius: (a) => 250 + 100 * Math.min(4, Math.max(1, a.severity || 1)),
        radiusUnits: 'meters',
        radiusMinPixels: 5 * k,
        radiusMaxPixels: 40 * k,
        filled: false,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 2 * k,
        // Not pickable: rings cover the heat, whose cells must stay clickable;
        // alerts are picked in the console's list.
        pickable: false,
      }) as unknown as Layer,
    );
  }
  const lines = s.dispatches ?? [];
  if (s.tracks && s.tracks.length > 0) {
    layers.push(
      new PathLayer<TrackPath>({
        id: TRACKS_ID,
        data: s.tracks,
        getPath: (t) => t.path,
        getColor: (t) => {
          const c = statusColor(t.status || 'dispatched');
          return [c[0], c[1], c[2], 150];
        },
        widthUnits: 'pixels',
        getWidth: 2 * k,
        jointRounded: true,
        capRounded: true,
        pickable: false,
      }) as unknown as Layer,
    );
  }
  const drawn = lines.filter((l) => l.from);
  if (drawn.length > 0) {
    layers.push(
      new LineLayer<DispatchLine>({
        id: DISPATCHES_ID,
        data: drawn,
        getSourcePosition: (l) => l.from as [number, number],
        getTargetPosition: (l) => l.to,
        getColor: lineColor,
        widthUnits: 'pixels',
        getWidth: (l) => (l.status === 'on_scene' ? 2 : 3) * k,
        pickable: true,
      }) as unknown as Layer,
    );
  }
  if (s.cases && s.cases.length > 0) {
    layers.push(
      new ScatterplotLayer<CaseMarker>({
        id: CASES_ID,
        data: s.cases,
        getPosition: (c) => [c.lng, c.lat],
        getFillColor: (c) => caseColor(c.state),
        getLineColor: (c) => (c.overdue ? OVERDUE_RING : CASE_OUTLINE),
        getRadius: (c) => (c.overdue ? 7.5 : 4.5) * k,
        radiusUnits: 'pixels',
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: (c) => (c.overdue ? 3 : 1.5) * k,
        // Pickable: the console opens a clicked case; tests ask what is drawn.
        pickable: true,
      }) as unknown as Layer,
    );
  }
  layers.push(
    new ScatterplotLayer<Unit>({
      id: UNITS_ID,
      data: s.units,
      getPosition: (u) => [u.lng, u.lat],
      getFillColor: (u) => statusColor(u.status),
      getLineColor: [11, 15, 23, 255],
      getRadius: (s.wall ? 5.5 : 4.5) * (s.dotScale ?? 1),
      radiusUnits: 'pixels',
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: (s.wall ? 1.5 : 1) * (s.dotScale ?? 1),
      pickable: !s.wall,
      updateTriggers: { getFillColor: s.units },
    }) as unknown as Layer,
  );
  if (lines.length > 0) {
    // The targets above the units: a hollow ring in the unit's colour while on
    // the way, a filled green dot once on scene.
    layers.push(
      new ScatterplotLayer<DispatchLine>({
        id: DISPATCH_TARGETS_ID,
        data: lines,
        getPosition: (l) => l.to,
        getFillColor: (l) => (l.status === 'on_scene' ? ON_SCENE_COLOR : [0, 0, 0, 0]),
        getLineColor: (l) => (l.status === 'on_scene' ? [255, 255, 255, 255] : statusColor(l.unitStatus || 'dispatched')),
        getRadius: (l) => (l.status === 'on_scene' ? 7 : 8) * k,
        radiusUnits: 'pixels',
        filled: true,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 2 * k,
        pickable: true,
      }) as unknown as Layer,
    );
  }
  if (s.selected) {
    layers.push(
      new H3HexagonLayer<string>({
        id: SELECTED_ID,
        data: [s.selected],
        getHexagon: (d) => d,
        filled: false,
        stroked: true,
        extruded: false,
        getLineColor: [255, 255, 255, 255],
        lineWidthUnits: 'pixels',
        getLineWidth: 3,
      }) as unknown as Layer,
    );
  }
  return layers;
}
