// Districts: the profile's district polygons, and which district a point or an
// H3 cell's centre lies in (to name places and fly to them; never to count:
// the figures come from the server). Pure and cached.

import { cellToLatLng } from 'h3-js';

type Ring = [number, number][];
type Position = [number, number];

export interface DistrictFeature {
  type: 'Feature';
  id?: string | number;
  properties: { name: string; cp?: Position; [k: string]: unknown };
  geometry:
    | { type: 'Polygon'; coordinates: Ring[] }
    | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: DistrictFeature[];
}

export type BBox = [number, number, number, number];

export interface District {
  id: string;
  name: string;
  /** Label position: the profile's `cp` if given, else the bbox centre. */
  label: Position;
  bbox: BBox;
  polygons: Ring[][];
}


export class Districts {
  readonly list: District[];
  readonly bbox: BBox;
  private cache = new Map<string, number>();

  constructor(fc: FeatureCollection) {
    this.list = fc.features.map((f, i) => {
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      const bbox = bboxOf(polygons);
      const label: Position = f.properties.cp ?? [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
      return { id: String(f.id ?? i), name: f.properties.name, label, bbox, polygons };
    });
    this.bbox = this.list.reduce<BBox>(
      (b, d) => [Math.min(b[0], d.bbox[0]), Math.min(b[1], d.bbox[1]), Math.max(b[2], d.bbox[2]), Math.max(b[3], d.bbox[3])],
      [Infinity, Infinity, -Infinity, -Infinity],
    );
  }

  /** at returns the index of the district containing the point, or -1. */
  at(lng: number, lat: number): number {
    for (let i = 0; i < this.list.length; i++) {
      const d = this.list[i];
      if (lng < d.bbox[0] || lng > d.bbox[2] || lat < d.bbox[1] || lat > d.bbox[3]) continue;
      if (d.polygons.some((p) => inPolygon(p, lng, lat))) return i;
    }
    return -1;
  }

  /** ofCell returns the district of an H3 cell's centre, or undefined outside all. */
  ofCell(cell: string): District | undefined {
    let i = this.cache.get(cell);
    if (i === undefined) {
      const [lat, lng] = cellToLatLng(cell);
      i = this.at(lng, lat);
      this.cache.set(cell, i);
    }
    return i >= 0 ? this.list[i] : undefined;
  }

}

function bboxOf(polygons: Ring[][]): BBox {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of polygons)
    for (const [x, y] of p[0]) {
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
    }
  return b;
}

/** inPolygon: even-odd rule over the outer ring and its holes. */
export function inPolygon(rings: Ring[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
