// The base map under the heat: roads, water and place names from the city's
// own source (GET /api/v1/basemap): a PMTiles archive citygrid serves (read
// with range requests through the pmtiles protocol) or a vector tile URL on
// the city's tile server, both in the Protomaps basemap schema. Nothing is
// fetched from any other host. Without one the map keeps its outline-only look.

import * as maplibregl from 'maplibre-gl';
import { Protocol } from 'pmtiles';
import type { LayerSpecification, VectorSourceSpecification } from 'maplibre-gl';
import { LABEL_FONT } from './regions';

/** GET /api/v1/basemap */
export interface BasemapSource {
  kind: 'pmtiles' | 'tiles' | 'none';
  url?: string;
}

export const BASEMAP_SOURCE = 'basemap';

let protocolAdded = false;

/** basemapSource is the MapLibre source of a base map, or undefined for none. */
export function basemapSource(b: BasemapSource, origin: string): VectorSourceSpecification | undefined {
  if (!b.url) return undefined;
  if (b.kind === 'pmtiles') {
    if (!protocolAdded) {
      // pmtiles' return type says `unknown` where MapLibre wants its data type; it is that data.
      maplibregl.addProtocol('pmtiles', new Protocol().tilev4 as unknown as maplibregl.AddProtocolAction);
      protocolAdded = true;
    }
    return { type: 'vector', url: `pmtiles://${new URL(b.url, origin).href}` };
  }
  if (b.kind === 'tiles') return { type: 'vector', tiles: [new URL(b.url, origin).href], maxzoom: 15 };
  return undefined;
}

/**
 * basemapLayers draw the Protomaps schema in the wall's dark colours, quiet
 * enough for the heat to stay the brightest thing: land a shade above the
 * background, water a deep blue, roads grey, place names muted.
 */
export function basemapLayers(): LayerSpecification[] {
  const src = BASEMAP_SOURCE;
  return [
    { id: 'basemap-earth', type: 'fill', source: src, 'source-layer': 'earth', paint: { 'fill-color': '#0f1724' } },
    { id: 'basemap-water', type: 'fill', source: src, 'source-layer': 'water', paint: { 'fill-color': '#0b2440' } },
    {
      id: 'basemap-roads',
      type: 'line',
      source: src,
      'source-layer': 'roads',
      paint: { 'line-color': '#2b3a50', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.5, 14, 2.5] },
    },
    {
      id: 'basemap-places',
      type: 'symbol',
      source: src,
      'source-layer': 'places',
      minzoom: 9,
      layout: { 'text-field': ['get', 'name'], 'text-font': [LABEL_FONT], 'text-size': 12 },
      paint: { 'text-color': '#7f8ea3', 'text-halo-color': '#070b12', 'text-halo-width': 1.2 },
    },
  ];
}
