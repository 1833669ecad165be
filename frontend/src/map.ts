// The MapLibre map with an offline style (no tiles, glyphs or sprites from
// anywhere): background, the city outline and the districts from
// /profile/*.geojson, region boundaries of every level from /tiles/regions by
// zoom (regions.ts), HTML district labels and symbol labels for streets,
// communities and grids in the shipped font, and the deck.gl
// overlay (overlaid mode, see docs/FRONTEND.md) that draws heat and units.

import * as maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { MapLibreOverlay } from '@deck.gl/maplibre';
import type { PickingInfo } from '@deck.gl/core';
import type { Districts, FeatureCollection } from './districts';
import type { VectorSourceSpecification } from 'maplibre-gl';
import { BASEMAP_SOURCE, basemapLayers } from './basemap';
import { DISTRICT_LABELS_MAX, fontFaces, INDEX_FILL_IDS, indexFillLayers, REGION_SOURCE, regionLayers, regionSource } from './regions';
import { BAND_FILL_OPACITY, bandFill } from './safety';
import type { IndexLayer } from './protocol';
import { hanFaces, latinFace, subsetFaces } from './fonts';

maplibregl.setWorkerUrl(workerUrl);
// Start the map's worker now, while the page signs in and fetches the
// profile: fetching and compiling its 520 kB was on the way to the first heat.
maplibregl.prewarm();

export const COLORS = {
  background: '#070b12',
  land: '#0f1724',
  district: '#132033',
  districtLine: '#5b7aa6',
  outline: '#a9c4ea',
};

export interface MapParts {
  map: maplibregl.Map;
  overlay: MapLibreOverlay;
}

export interface MapOptions {
  container: HTMLElement;
  districts: Districts;
  districtsFC: FeatureCollection;
  outlineFC: unknown;
  interactive: boolean;
  pitch: number;
  onClick?: (info: PickingInfo) => void;
  /** The city's base map (basemap.ts); none keeps the outline-only map. */
  basemap?: VectorSourceSpecification;
}

export function createMap(o: MapOptions): Promise<MapParts> {
  const map = new maplibregl.Map({
    container: o.container,
    style: {
      version: 8,
      // Labels are drawn with the shipped font (no glyph server; docs/FRONTEND.md, trap 5).
      'font-faces': fontFaces([latinFace, ...subsetFaces, ...hanFaces], location.href),
      sources: {
        outline: { type: 'geojson', data: o.outlineFC as GeoJSON.GeoJSON },
        districts: { type: 'geojson', data: o.districtsFC as unknown as GeoJSON.GeoJSON },
        [REGION_SOURCE]: regionSource(location.origin),
        ...(o.basemap ? { [BASEMAP_SOURCE]: o.basemap } : {}),
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
        { id: 'land', type: 'fill', source: 'outline', paint: { 'fill-color': COLORS.land } },
        // Over a base map the districts are a light tint, so water and roads show through.
        ...(o.basemap ? basemapLayers() : []),
        {
          id: 'district-fill',
          type: 'fill',
          source: 'districts',
          paint: { 'fill-color': COLORS.district, 'fill-opacity': o.basemap ? 0.15 : 0.6 },
        },
        // The safety index mode's band fills (hidden in the heat mode).
        ...indexFillLayers(),
        // Boundaries of every level by zoom, from the server's vector tiles (regions.ts).
        ...regionLayers(),
        {
          id: 'outline-line',
          type: 'line',
          source: 'outline',
          paint: { 'line-color': COLORS.outline, 'line-width': 2.5 },
        },
      ],
    },
    bounds: o.districts.bbox as maplibregl.LngLatBoundsLike,
    fitBoundsOptions: { padding: 40 },
    pitch: o.pitch,
    maxPitch: 70,
    interactive: o.interactive,
    attributionControl: false,
    fadeDuration: 0,
  });

  for (const d of o.districts.list) {
    const el = document.createElement('div');
    el.className = 'district-label';
    el.textContent = d.name;
    el.dataset.district = d.id;
    new maplibregl.Marker({ element: el }).setLngLat(d.label).addTo(map);
  }

  // The HTML district names give way to the street names when one zooms in.
  const districtLabels = () => o.container.classList.toggle('hide-district-labels', map.getZoom() >= DISTRICT_LABELS_MAX);
  map.on('zoomend', districtLabels);
  map.on('load', districtLabels);

  const overlay = new MapLibreOverlay({
    interleaved: false,
    layers: [],
    useDevicePixels: 1,
    onClick: o.onClick ? (info: PickingInfo) => o.onClick?.(info) : undefined,
    getCursor: ({ isHovering }) => (isHovering ? 'pointer' : 'grab'),
  });
  map.addControl(overlay);

  return new Promise((resolve) => {
    if (map.loaded()) resolve({ map, overlay });
    else map.once('load', () => resolve({ map, overlay }));
  });
}

/**
 * showBands colours the districts and streets by their safety index band (the
 * index layer), or hides the colours (null).
 */
export function showBands(map: maplibregl.Map, index: IndexLayer | null): void {
  for (const [level, id] of Object.entries(INDEX_FILL_IDS)) {
    if (!map.getLayer(id)) continue;
    map.setLayoutProperty(id, 'visibility', index ? 'visible' : 'none');
    if (!index) continue;
    const rows = level === 'district' ? index.districts : index.streets;
    map.setPaintProperty(id, 'fill-color', bandFill(rows) as maplibregl.ExpressionSpecification);
    map.setPaintProperty(id, 'fill-opacity', BAND_FILL_OPACITY);
  }
}
