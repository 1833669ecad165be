// Pure layer builders: (state) => deck.gl layers. Ids are stable; data arrays
// are new whenever the data changed, so deck.gl diffs cheaply and correctly.

import { H3HexagonLayer } from '@deck.gl/geo-layers';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Layer } from '@deck.gl/core';
import type { CellCount, Unit } from './protocol';
import { colorOf, type RGBA, type Scale } from './scale';

export const HEAT_ID = 'heat';
export const UNITS_ID = 'units';
export const SELECTED_ID = 'selected';
export const HOT_ID = 'hot';

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
