import { describe, expect, it } from 'vitest';
import { regionsURL, type RegionFigures } from '../src/api';
import { GENERATED_LABEL, regionRows } from '../src/console';
import { hotSubset } from '../src/layers';
import {
  fontFaces,
  HIT_LAYER_ID,
  LABEL_FONT,
  labelLayerId,
  LEVEL_STYLES,
  LEVELS,
  levelAtZoom,
  levelsAtZoom,
  lineLayerId,
  pickRegion,
  REGION_SOURCE_LAYER,
  regionLayers,
  regionSource,
  SELECTED_LAYER_ID,
} from '../src/regions';

type L = { id: string; type: string; minzoom?: number; maxzoom?: number; filter?: unknown; paint?: Record<string, unknown>; layout?: Record<string, unknown>; 'source-layer'?: string };

describe('region style rules', () => {
  const layers = regionLayers() as unknown as L[];
  const byId = new Map(layers.map((l) => [l.id, l]));

  it('uses same-origin vector tiles, z0–16', () => {
    const s = regionSource('http://127.0.0.1:8080');
    expect(s.tiles).toEqual(['http://127.0.0.1:8080/tiles/regions/{z}/{x}/{y}.pbf']);
    expect([s.minzoom, s.maxzoom]).toEqual([0, 16]);
    for (const l of layers) expect(l['source-layer']).toBe(REGION_SOURCE_LAYER);
  });

  it('shows finer levels from their zooms', () => {
    expect(levelsAtZoom(8)).toEqual(['district']);
    expect(levelsAtZoom(10)).toEqual(['district', 'street']);
    expect(levelsAtZoom(11)).toEqual(['district', 'street']);
    expect(levelsAtZoom(12)).toEqual(['district', 'street', 'community']);
    expect(levelsAtZoom(14)).toEqual(['street', 'community', 'grid']);
    expect(levelAtZoom(6)).toBe('district');
    expect(levelAtZoom(9.9)).toBe('district');
    expect(levelAtZoom(11)).toBe('street');
    expect(levelAtZoom(13)).toBe('community');
    expect(levelAtZoom(15)).toBe('grid');
    expect(byId.get(lineLayerId('street', false))?.minzoom).toBe(10);
    expect(byId.get(lineLayerId('community', true))?.minzoom).toBe(12);
    expect(byId.get(lineLayerId('grid', false))?.minzoom).toBe(14);
  });

  it('draws finer levels thinner and dimmer, districts strongest', () => {
    for (let i = 1; i < LEVELS.length; i++) {
      const a = LEVEL_STYLES[LEVELS[i - 1]];
      const b = LEVEL_STYLES[LEVELS[i]];
      expect(b.opacity).toBeLessThan(a.opacity);
      expect(Math.max(...b.width.map((w) => w[1]))).toBeLessThan(Math.max(...a.width.map((w) => w[1])));
    }
  });

  it('dashes generated regions only', () => {
    for (const lv of LEVELS) {
      expect(byId.get(lineLayerId(lv, true))?.paint?.['line-dasharray']).toBeTruthy();
      expect(byId.get(lineLayerId(lv, false))?.paint?.['line-dasharray']).toBeUndefined();
    }
  });

  it('labels the finest visible level with the shipped font, and orders layers', () => {
    expect(byId.has(labelLayerId('district'))).toBe(false); // HTML labels do districts
    for (const lv of ['street', 'community', 'grid'] as const) {
      const l = byId.get(labelLayerId(lv))!;
      expect(l.type).toBe('symbol');
      expect(l.layout?.['text-font']).toEqual([LABEL_FONT]);
      expect(l.minzoom).toBe(LEVEL_STYLES[lv].labelMin);
    }
    const ids = layers.map((l) => l.id);
    expect(ids[0]).toBe(HIT_LAYER_ID);
    expect(ids.indexOf(lineLayerId('grid', false))).toBeLessThan(ids.indexOf(lineLayerId('district', false)));
    expect(ids.indexOf(SELECTED_LAYER_ID)).toBeGreaterThan(ids.indexOf(lineLayerId('district', true)));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the font faces by absolute URL, each with its unicode-range', () => {
    const faces = [
      { url: '/assets/a.woff2', ranges: ['U+0000-00FF'] },
      { url: '/assets/b.woff2', ranges: ['U+4e00', 'U+5dde-5ddf'] },
    ];
    const f = fontFaces(faces, 'http://h:1/?view=wall') as Record<string, { url: string; 'unicode-range': string[] }[]>;
    expect(f[LABEL_FONT]).toEqual([
      { url: 'http://h:1/assets/a.woff2', 'unicode-range': ['U+0000-00FF'] },
      { url: 'http://h:1/assets/b.woff2', 'unicode-range': ['U+4e00', 'U+5dde-5ddf'] },
    ]);
  });
});

describe('pickRegion', () => {
  const feats = [
    { properties: { level: 'city', code: '3205', name: '苏州市' } },
    { properties: { level: 'district', code: '320508', name: '姑苏区', generated: false } },
    { properties: { level: 'street', code: '320508001', name: '平江街道', generated: true } },
  ];
  it('takes the level labelled at the zoom', () => {
    expect(pickRegion(feats, 11)).toEqual({ level: 'street', code: '320508001', name: '平江街道', generated: true });
    expect(pickRegion(feats, 8)).toEqual({ level: 'district', code: '320508', name: '姑苏区', generated: false });
  });
  it('falls back to the finest visible level, and ignores the rest', () => {
    expect(pickRegion(feats, 12.5)?.level).toBe('street');
    expect(pickRegion(feats.slice(0, 1), 8)).toBeUndefined();
    expect(pickRegion([{ properties: { level: 'street', code: '' } }], 11)).toBeUndefined();
    expect(pickRegion([{ properties: null }], 11)).toBeUndefined();
  });
});

describe('region figures', () => {
  it('builds the regions URL', () => {
    expect(regionsURL('street', '1h', '320508001')).toBe('/api/v1/regions/street?window=1h&code=320508001');
    expect(regionsURL('district', '24h')).toBe('/api/v1/regions/district?window=24h');
  });
  it('lists incidents first, then units, severities and categories', () => {
    const f: RegionFigures = {
      code: 'x', name: 'n', parent: 'p', generated: true, incidents: 1234, unitsOnDuty: 5,
      byCategory: { theft: 2, noise: 7 }, bySeverity: [1, 2, 3, 4],
    };
    const rows = regionRows(f);
    expect(rows[0]).toEqual(['事件 Incidents', '1,234', 'region-incidents']);
    expect(rows[1][2]).toBe('region-units');
    expect(rows.slice(2, 6).map((r) => r[1])).toEqual(['1', '2', '3', '4']);
    expect(rows.slice(6).map((r) => r[0])).toEqual(['noise', 'theft']);
    expect(GENERATED_LABEL).toContain('生成');
  });
});

describe('hotSubset', () => {
  it('keeps the cells at or above the threshold', () => {
    const cells = [
      { cell: 'a', count: 2 },
      { cell: 'b', count: 3 },
      { cell: 'c', count: 9 },
    ];
    expect(hotSubset(cells, 3).map((c) => c.cell)).toEqual(['b', 'c']);
    expect(hotSubset(cells, Infinity)).toEqual([]);
  });
});
