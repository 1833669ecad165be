import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { heatURL, sessionFromResponse } from '../src/api';
import { configQuery, parseConfig } from '../src/config';
import { distanceM, knownCategory, nearestUnits } from '../src/console';
import { Districts, inPolygon, type FeatureCollection } from '../src/districts';
import { backoff } from '../src/socket';
import { historyLostText } from '../src/status';
import { regionIncidents } from '../src/store';
import { tourCaption } from '../src/tour';

const suzhou = JSON.parse(
  readFileSync(resolve(__dirname, '../../profiles/suzhou/districts.geojson'), 'utf8'),
) as FeatureCollection;

describe('the kiosk tour', () => {
  it('says which place it shows, with the server\'s figures', () => {
    const ds = [{ id: '320508', name: '姑苏区' }, { id: '320506', name: '吴中区' }];
    const figs = [{ code: '320506', incidents: 42, unitsOnDuty: 7 }];
    expect(tourCaption(0, '苏州市', ds, figs, 1234, '1 小时')).toBe('全市 苏州市 · 1 小时 事件 1234');
    expect(tourCaption(2, '苏州市', ds, figs, 1234, '1 小时')).toBe('吴中区 · 1 小时 事件 42 · 在岗 7');
    expect(tourCaption(1, '苏州市', ds, null, undefined, '1 小时')).toBe('姑苏区 · 1 小时 事件 – · 在岗 –');
  });
});

describe('categories', () => {
  it('keeps only the profile\'s categories', () => {
    const cats = [{ code: 'theft', label: '盗窃 Theft' }];
    expect(knownCategory(cats, 'theft')).toBe('theft');
    expect(knownCategory(cats, 'bogus')).toBe('');
    expect(knownCategory(cats, '')).toBe('');
  });
});

describe('districts', () => {
  const d = new Districts(suzhou);

  it('finds the district of a point and of a cell', () => {
    // Guanqian Street, the old town: 姑苏区.
    const i = d.at(120.625, 31.312);
    expect(d.list[i].name).toBe('姑苏区');
    expect(d.ofCell(latLngToCell(31.312, 120.625, 8))?.name).toBe('姑苏区');
    // Lng/lat order matters: swapped, the point is nowhere near Suzhou.
    expect(d.at(31.312, 120.625)).toBe(-1);
    expect(d.bbox[0]).toBeLessThan(d.bbox[2]);
  });

  it("counts a district's incidents under the page's filter from the server's figures", () => {
    const row = {
      code: '320508', name: '姑苏区', generated: false, incidents: 10,
      byCategory: { theft: 6, traffic: 4 }, bySeverity: [1, 2, 3, 4] as [number, number, number, number], unitsOnDuty: 2,
    };
    expect(regionIncidents(row, { category: '', minSeverity: 1 })).toBe(10);
    expect(regionIncidents(row, { category: 'theft', minSeverity: 1 })).toBe(6);
    expect(regionIncidents(row, { category: 'fire', minSeverity: 1 })).toBe(0);
    expect(regionIncidents(row, { category: '', minSeverity: 3 })).toBe(7);
  });

  it('honours holes', () => {
    const outer: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
    const hole: [number, number][] = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]];
    expect(inPolygon([outer, hole], 2, 2)).toBe(true);
    expect(inPolygon([outer, hole], 5, 5)).toBe(false);
  });
});

describe('config', () => {
  it('parses with defaults and clamps junk', () => {
    expect(parseConfig('')).toMatchObject({ view: 'wall', kiosk: false, res: 8, window: '1h', minSeverity: 1 });
    expect(parseConfig('?view=console&res=9&window=24h&minSeverity=3&category=theft&extrude=1&kiosk=1')).toMatchObject({
      view: 'console',
      res: 9,
      window: '24h',
      minSeverity: 3,
      category: 'theft',
      extrude: true,
      kiosk: true,
    });
    expect(parseConfig('?res=6&window=2h&minSeverity=9&tour=1')).toMatchObject({ res: 8, window: '1h', minSeverity: 1, tourSeconds: 20 });
  });

  it('round-trips through the query', () => {
    const c = parseConfig('?view=console&res=7&window=15m&category=noise&minSeverity=2');
    expect(parseConfig(configQuery(c))).toEqual(c);
  });
});

describe('socket backoff', () => {
  it('doubles up to the cap, with jitter in [d/2, d]', () => {
    expect(backoff(0, 500, 5000, () => 0)).toBe(250);
    expect(backoff(0, 500, 5000, () => 1)).toBe(500);
    expect(backoff(3, 500, 5000, () => 1)).toBe(4000);
    expect(backoff(10, 500, 5000, () => 1)).toBe(5000);
    expect(backoff(100, 500, 5000, () => 0.5)).toBe(3750);
  });
});

describe('api', () => {
  it('builds heat URLs', () => {
    expect(heatURL({ res: 8, window: '1h' })).toBe('/api/v1/heat?res=8&window=1h');
    expect(heatURL({ res: 9, window: '15m', category: 'theft', minSeverity: 2, bbox: [1, 2, 3, 4] })).toBe(
      '/api/v1/heat?res=9&window=15m&bbox=1%2C2%2C3%2C4&category=theft&minSeverity=2',
    );
  });

  it('reads the session: 200 ok, 401 sign in, 404 open mode', () => {
    expect(sessionFromResponse(200, { user: 'li', role: 'operator' })).toEqual({ kind: 'ok', session: { user: 'li', role: 'operator' } });
    expect(sessionFromResponse(401, null)).toEqual({ kind: 'signin' });
    expect(sessionFromResponse(404, null)).toMatchObject({ kind: 'ok', session: { open: true } });
    expect(() => sessionFromResponse(500, null)).toThrow();
  });
});

describe('nearest units', () => {
  it('keeps available units, closest first', () => {
    const u = (unit: string, status: string, lat: number, lng: number) => ({ unit, kind: 'car', status, lat, lng, cell: '', time: '' });
    const got = nearestUnits([u('far', 'available', 31.5, 120.6), u('busy', 'busy', 31.3, 120.6), u('near', 'available', 31.31, 120.6)], 31.3, 120.6, 5);
    expect(got.map((g) => g.unit.unit)).toEqual(['near', 'far']);
    expect(distanceM(31.3, 120.6, 31.31, 120.6)).toBeCloseTo(1112, -1);
  });
});

describe('history lost banner', () => {
  it('says nothing while history is whole, and when it was lost otherwise', () => {
    expect(historyLostText({ ready: true })).toBeUndefined();
    const t = historyLostText({ ready: true, historyLost: '2026-12-04T09:30:00Z', warning: 'w' });
    expect(t).toMatch(/^历史数据丢失 History lost at /);
    expect(t).toContain('2026');
  });
});
