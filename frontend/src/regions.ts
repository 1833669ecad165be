// Region boundaries from the server's vector tiles (/tiles/regions, MVT layer
// "regions"; docs/API.md "Tiles"): pure style rules by level and zoom, so they
// can be unit-tested without a map. Labels are symbol layers drawn with the
// shipped Noto Sans SC through the style's `font-faces` (no glyph server).

import type { FontFacesSpecification, LayerSpecification, VectorSourceSpecification } from 'maplibre-gl';
import type { Face } from './fonts';

export const REGION_SOURCE = 'regions';
/** The layer name inside the tiles (tiles/render.go: the tile layer's own name). */
export const REGION_SOURCE_LAYER = 'regions';
/** The font name used in `text-font`, declared in the style's `font-faces`. */
export const LABEL_FONT = 'Noto Sans SC';

export type RegionLevel = 'district' | 'street' | 'community' | 'grid';
export const LEVELS: RegionLevel[] = ['district', 'street', 'community', 'grid'];

export const LEVEL_LABELS: Record<RegionLevel, string> = {
  district: '区 District',
  street: '街道/镇 Street',
  community: '社区/村 Community',
  grid: '网格 Grid',
};

export interface LevelStyle {
  /** Zoom range the boundaries are drawn in (maxzoom exclusive, as in MapLibre). */
  minzoom: number;
  maxzoom: number;
  /** Zoom range the level's names are drawn in: only the finest visible level is labelled. */
  labelMin: number;
  labelMax: number;
  color: string;
  /** [zoom, width] stops: lines grow a little as one zooms in. */
  width: [number, number][];
  opacity: number;
  textSize: number;
}

/**
 * LEVEL_STYLES: districts strong at city zoom; streets from z10, communities
 * from z12, grids from z14, each finer level thinner and dimmer. The tiles
 * carry districts up to z13 only (docs/API.md), so that is where they stop.
 */
export const LEVEL_STYLES: Record<RegionLevel, LevelStyle> = {
  district: { minzoom: 0, maxzoom: 14, labelMin: 0, labelMax: 10, color: '#8fb4e8', width: [[8, 2.2], [13, 3]], opacity: 0.95, textSize: 15 },
  street: { minzoom: 10, maxzoom: 24, labelMin: 10, labelMax: 12, color: '#6f93c4', width: [[10, 1.1], [14, 1.8]], opacity: 0.75, textSize: 13 },
  community: { minzoom: 12, maxzoom: 24, labelMin: 12, labelMax: 14, color: '#5a7aa6', width: [[12, 0.8], [16, 1.4]], opacity: 0.6, textSize: 12 },
  grid: { minzoom: 14, maxzoom: 24, labelMin: 14, labelMax: 24, color: '#4a6689', width: [[14, 0.6], [18, 1.2]], opacity: 0.5, textSize: 11 },
};

/** Dash pattern (in line widths) for generated regions, whose shapes citygrid made up. */
export const GENERATED_DASH = [3, 2];

/** DISTRICT_LABELS_MAX: the HTML district labels show below this zoom (then street names take over). */
export const DISTRICT_LABELS_MAX = 10;

/** levelAtZoom: the finest level whose boundaries are drawn at zoom z (the labelled one). */
export function levelAtZoom(z: number): RegionLevel {
  let out: RegionLevel = 'district';
  for (const l of LEVELS) if (z >= LEVEL_STYLES[l].labelMin) out = l;
  return out;
}

/** levelsAtZoom: every level whose boundaries are drawn at zoom z, coarsest first. */
export function levelsAtZoom(z: number): RegionLevel[] {
  return LEVELS.filter((l) => z >= LEVEL_STYLES[l].minzoom && z < LEVEL_STYLES[l].maxzoom);
}

export function regionSource(origin: string): VectorSourceSpecification {
  return {
    type: 'vector',
    tiles: [`${origin}/tiles/regions/{z}/{x}/{y}.pbf`],
    minzoom: 0,
    maxzoom: 16,
    // Districts and the city come down to z0; nothing is drawn below the city's bounds anyway.
  };
}

/**
 * reloadBoundaries fetches the boundary tiles again. MapLibre does not retry a
 * tile that failed: after an outage of more than a few seconds the district
 * lines never came back. The page calls this when its socket opens again.
 */
export function reloadBoundaries(map: { getSource: (id: string) => unknown }, origin: string): void {
  const src = map.getSource(REGION_SOURCE) as { setTiles?: (t: string[]) => unknown } | undefined;
  src?.setTiles?.(regionSource(origin).tiles as string[]);
}

/** isGenerated: a feature's `generated` property (a bool in the tiles; tolerate "true"). */
const GENERATED: unknown = ['any', ['==', ['get', 'generated'], true], ['==', ['get', 'generated'], 'true']];

export const lineLayerId = (l: RegionLevel, generated: boolean) => `region-${l}-line${generated ? '-generated' : ''}`;
export const labelLayerId = (l: RegionLevel) => `region-${l}-label`;
export const HIT_LAYER_ID = 'region-hit';
export const SELECTED_LAYER_ID = 'region-selected';

function widthExpr(stops: [number, number][]): unknown {
  return ['interpolate', ['linear'], ['zoom'], ...stops.flat()];
}

/**
 * regionLayers: per level a solid line layer for surveyed regions and a dashed
 * one for generated ones, an invisible fill for clicks (queryRenderedFeatures),
 * a highlight for the selected region, and the labels of the labelled level.
 * Finest levels first in the list, so coarser boundaries draw on top.
 */
export function regionLayers(): LayerSpecification[] {
  const lines: LayerSpecification[] = [];
  const labels: LayerSpecification[] = [];
  for (const l of [...LEVELS].reverse()) {
    const s = LEVEL_STYLES[l];
    for (const generated of [false, true]) {
      const paint: Record<string, unknown> = {
        'line-color': s.color,
        'line-width': widthExpr(s.width),
        'line-opacity': s.opacity,
      };
      if (generated) paint['line-dasharray'] = GENERATED_DASH;
      lines.push({
        id: lineLayerId(l, generated),
        type: 'line',
        source: REGION_SOURCE,
        'source-layer': REGION_SOURCE_LAYER,
        minzoom: s.minzoom,
        maxzoom: s.maxzoom,
        filter: ['all', ['==', ['get', 'level'], l], generated ? GENERATED : ['!', GENERATED]],
        layout: { 'line-join': 'round' },
        paint,
      } as LayerSpecification);
    }
    // Districts keep their HTML labels (map.ts, hidden from the street zoom on).
    if (l === 'district') continue;
    labels.push({
      id: labelLayerId(l),
      type: 'symbol',
      source: REGION_SOURCE,
      'source-layer': REGION_SOURCE_LAYER,
      minzoom: s.labelMin,
      maxzoom: s.labelMax,
      filter: ['==', ['get', 'level'], l],
      layout: {
        'text-field': ['get', 'name'],
        'text-font': [LABEL_FONT],
        'text-size': s.textSize,
        'text-max-width': 8,
        'text-padding': 4,
        'symbol-placement': 'point',
      },
      paint: { 'text-color': '#c9d8ee', 'text-halo-color': '#070b12', 'text-halo-width': 1.5, 'text-opacity': 0.9 },
    } as LayerSpecification);
  }
  return [
    // Transparent fill: what a click hits (only the levels drawn at the zoom matter).
    {
      id: HIT_LAYER_ID,
      type: 'fill',
      source: REGION_SOURCE,
      'source-layer': REGION_SOURCE_LAYER,
      filter: ['!=', ['get', 'level'], 'city'],
      paint: { 'fill-color': '#000000', 'fill-opacity': 0 },
    } as LayerSpecification,
    ...lines,
    {
      id: SELECTED_LAYER_ID,
      type: 'line',
      source: REGION_SOURCE,
      'source-layer': REGION_SOURCE_LAYER,
      filter: ['==', ['get', 'code'], ''],
      paint: { 'line-color': '#ffffff', 'line-width': 2.5, 'line-opacity': 0.9 },
    } as LayerSpecification,
    ...labels,
  ];
}

/** The band fills of the safety index mode: districts at city zoom, streets from the street zoom on. */
export const INDEX_FILL_IDS = { district: 'index-fill-district', street: 'index-fill-street' } as const;

/**
 * indexFillLayers: the safety index's band fills, hidden until the index mode
 * shows them (showBands in map.ts), under the boundaries.
 */
export function indexFillLayers(): LayerSpecification[] {
  return (['district', 'street'] as const).map(
    (l) =>
      ({
        id: INDEX_FILL_IDS[l],
        type: 'fill',
        source: REGION_SOURCE,
        'source-layer': REGION_SOURCE_LAYER,
        ...(l === 'district' ? { maxzoom: LEVEL_STYLES.street.minzoom } : { minzoom: LEVEL_STYLES.street.minzoom }),
        filter: ['==', ['get', 'level'], l],
        layout: { visibility: 'none' },
        paint: { 'fill-color': 'rgba(0,0,0,0)', 'fill-opacity': 0.85 },
      }) as LayerSpecification,
  );
}

/** selectedFilter: the highlight layer's filter for one region (or none for ''). */
export function selectedFilter(level: string, code: string): unknown {
  return ['all', ['==', ['get', 'level'], level], ['==', ['get', 'code'], code]];
}

/**
 * fontFaces: the style's `font-faces`, the shipped files by absolute URL, each
 * with its unicode-range: MapLibre fetches a file when a label needs one of
 * its code points (fonts.ts).
 */
export function fontFaces(faces: Face[], base: string): FontFacesSpecification {
  return { [LABEL_FONT]: faces.map((f) => ({ url: new URL(f.url, base).href, 'unicode-range': f.ranges })) };
}

export interface RegionHit {
  level: RegionLevel;
  code: string;
  name: string;
  generated: boolean;
}

/**
 * pickRegion chooses, among the region features under a click, the one of the
 * level labelled at the zoom, else the finest level there.
 */
export function pickRegion(features: { properties?: Record<string, unknown> | null }[], zoom: number): RegionHit | undefined {
  const want = levelAtZoom(zoom);
  let best: RegionHit | undefined;
  let bestRank = -1;
  for (const f of features) {
    const p = f.properties ?? {};
    const level = p.level as RegionLevel;
    const rank = LEVELS.indexOf(level);
    if (rank < 0 || typeof p.code !== 'string' || !p.code) continue;
    if (!levelsAtZoom(zoom).includes(level)) continue;
    const hit: RegionHit = { level, code: p.code, name: String(p.name ?? p.code), generated: p.generated === true || p.generated === 'true' };
    if (level === want) return hit;
    if (rank > bestRank) [best, bestRank] = [hit, rank];
  }
  return best;
}
