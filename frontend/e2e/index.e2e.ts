// The safety index on the wall in a real browser against the real server:
// in the index mode (/?view=wall&mode=index) every district is painted in
// the colour of the band the API gives it (read back from the screen's
// pixels, at points inside each district), the board lists the best and the
// worst streets as the API ranks them, and the city's index is the API's.
// The console's region panel shows the region's index and sub-indices.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched, Server, waitFor } from './server';
import { BAND_COLORS, BANDS } from '../src/safety';

const RESULTS = join(resolve(__dirname, '..'), 'test-results');

let launched: Launched | undefined;
let server: Server;
let page: Page;
const problems: string[] = [];

interface Row {
  code: string;
  name: string;
  index: number;
  band: string;
}
type Ring = [number, number][];
interface District {
  id?: string | number;
  properties: { code?: string; name: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] };
}

async function get<T>(path: string): Promise<T> {
  const r = await fetch(server.base + path);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
}

const rows = async (level: string) => (await get<{ rows: Row[] }>(`/api/v1/index?level=${level}`)).rows;

function inRing(p: [number, number], ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** interiorPoints: n points inside the district (outer rings, not in holes), spread by a fixed sequence. */
function interiorPoints(d: District, n: number): [number, number][] {
  const polys = (d.geometry.type === 'Polygon' ? [d.geometry.coordinates] : d.geometry.coordinates) as Ring[][];
  const all = polys.flatMap((p) => p[0]);
  const [minX, maxX] = [Math.min(...all.map((c) => c[0])), Math.max(...all.map((c) => c[0]))];
  const [minY, maxY] = [Math.min(...all.map((c) => c[1])), Math.max(...all.map((c) => c[1]))];
  const out: [number, number][] = [];
  // A Halton sequence: evenly spread, the same every run.
  const halton = (i: number, b: number) => {
    let f = 1;
    let r = 0;
    while (i > 0) {
      f /= b;
      r += f * (i % b);
      i = Math.floor(i / b);
    }
    return r;
  };
  for (let i = 1; out.length < n && i < 5000; i++) {
    const p: [number, number] = [minX + halton(i, 2) * (maxX - minX), minY + halton(i, 3) * (maxY - minY)];
    if (polys.some((poly) => inRing(p, poly[0]) && !poly.slice(1).some((h) => inRing(p, h)))) out.push(p);
  }
  return out;
}

const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** nearestBand: the band whose colour is nearest to an RGB pixel. */
function nearestBand(px: number[]): string {
  let best = '';
  let dist = Infinity;
  for (const b of BANDS) {
    const c = hex(BAND_COLORS[b]);
    const d = (c[0] - px[0]) ** 2 + (c[1] - px[1]) ** 2 + (c[2] - px[2]) ** 2;
    if (d < dist) [best, dist] = [b, d];
  }
  return best;
}

/** pixelsAt: the screen's colours at the given screen points (a screenshot decoded in the page). */
async function pixelsAt(points: { x: number; y: number }[]): Promise<number[][]> {
  const png = (await page.screenshot()).toString('base64');
  return page.evaluate(
    async ([b64, pts]) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d') as CanvasRenderingContext2D;
      g.drawImage(img, 0, 0);
      return (pts as { x: number; y: number }[]).map((p) => Array.from(g.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data.slice(0, 3)));
    },
    [png, points] as const,
  );
}

describe('the safety index on the wall and the console', () => {
  beforeAll(async () => {
    launched = await launch('index', problems, {});
    server = launched.server;
    page = launched.page;
    // Let the simulator put incidents everywhere, then have the index computed.
    await waitFor('incidents in every district', 60_000, async () => {
      const r = await get<{ regions: { incidents: number }[] }>('/api/v1/regions/district?window=15m');
      return r.regions.length > 0 && r.regions.every((x) => x.incidents > 0);
    });
    // A burst of thefts in one district of the last hour: its public order falls, so the
    // districts are not all in one band and the colours on screen tell something.
    const now = Date.now();
    const burst = Array.from({ length: 600 }, (_, i) => ({
      id: `e2e-index-${now}-${i}`, source: 'e2e', category: 'theft', severity: 3,
      lat: 31.43 + (i % 20) * 0.002, lng: 120.60 + Math.floor(i / 20) * 0.002, time: new Date(now - i * 1000).toISOString(),
    }));
    const r = await fetch(server.base + '/api/v1/incidents', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(burst) });
    expect(r.status).toBe(202);
    await waitFor('the districts in more than one band', 30_000, async () => {
      const d = await get<{ rows: Row[] }>('/api/v1/index?level=district&fresh=1');
      return new Set(d.rows.map((x) => x.band)).size > 1;
    });
  });

  afterAll(async () => {
    await launched?.close();
  });

  it('paints every district in the band the API gives it', async () => {
    await page.goto(server.base + '/?view=wall&mode=index');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="index-city"][data-band]', { timeout: 30_000 });
    const districts = (await get<{ features: District[] }>('/profile/districts.geojson')).features;
    // The index moves once a minute: compare with the API read on both sides of the screenshot.
    let checked = 0;
    await waitFor('the bands on screen equal the API', 60_000, async () => {
      const before = await rows('district');
      await page.waitForTimeout(1500); // the map redraws its fill
      const samples: { code: string; pts: { x: number; y: number }[] }[] = [];
      for (const d of districts) {
        const code = String(d.id ?? d.properties.code ?? '');
        const pts = await page.evaluate(
          (lls) => {
            const map = (window as unknown as { citygrid: { map: { project: (ll: [number, number]) => { x: number; y: number }; getContainer: () => HTMLElement } } }).citygrid.map;
            // project() is relative to the map's box; the screenshot is the page.
            const box = map.getContainer().getBoundingClientRect();
            return lls.map((ll) => {
              const p = map.project(ll as [number, number]);
              return { x: p.x + box.left, y: p.y + box.top };
            });
          },
          interiorPoints(d, 24),
        );
        samples.push({ code, pts });
      }
      const shot = await pixelsAt(samples.flatMap((s) => s.pts));
      const after = await rows('district');
      if (JSON.stringify(before.map((r) => [r.code, r.band])) !== JSON.stringify(after.map((r) => [r.code, r.band]))) return false;
      const want = new Map(after.map((r) => [r.code, r.band]));
      let k = 0;
      const wrong: string[] = [];
      for (const s of samples) {
        const votes = new Map<string, number>();
        for (const _ of s.pts) {
          const b = nearestBand(shot[k++]);
          votes.set(b, (votes.get(b) ?? 0) + 1);
        }
        const seen = [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
        if (seen !== want.get(s.code)) wrong.push(`${s.code}: screen ${seen} (${JSON.stringify([...votes])}), API ${want.get(s.code)}`);
      }
      checked = samples.length;
      if (wrong.length) console.log('bands differ:', wrong.join('; '));
      return wrong.length === 0;
    });
    expect(checked).toBe(districts.length);
    await page.screenshot({ path: join(RESULTS, 'wall-index.png') });
  });

  it('shows the city index and the best and worst streets as the API ranks them', async () => {
    await waitFor('board equal to the API', 30_000, async () => {
      const [city] = await rows('city');
      const streets = await rows('street');
      const cityShown = Number(await page.getAttribute('[data-testid="index-city"]', 'data-index'));
      const best = await page.locator('[data-testid="index-best"] li').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-code'), l.getAttribute('data-band')]));
      const worst = await page.locator('[data-testid="index-worst"] li').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-code'), l.getAttribute('data-band')]));
      const sorted = [...streets].sort((a, b) => b.index - a.index || a.code.localeCompare(b.code));
      const n = Math.min(10, Math.ceil(sorted.length / 2));
      const wantBest = sorted.slice(0, n).map((r) => [r.code, r.band]);
      const wantWorst = sorted.slice(n).slice(-10).reverse().map((r) => [r.code, r.band]);
      return cityShown === city.index && JSON.stringify(best) === JSON.stringify(wantBest) && JSON.stringify(worst) === JSON.stringify(wantWorst);
    });
    // The legend names the four bands.
    expect(await page.locator('[data-testid="band-legend"] .legend-row').count()).toBe(4);
  });

  it('the console shows a region its index and sub-indices', async () => {
    await page.goto(server.base + '/?view=console');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    const [d] = await rows('district');
    await page.fill('[data-testid="search-input"]', d.code);
    await page.waitForSelector(`[data-testid="search-result"][data-code="${d.code}"]`, { timeout: 15_000 });
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector(`[data-testid="region-index"][data-code="${d.code}"][data-band]`, { timeout: 15_000 });
    const detail = await get<{ index: number; band: string; inputs: { sub: string }[] }>(`/api/v1/index/${d.code}`);
    expect(await page.getAttribute('[data-testid="region-index"]', 'data-band')).toBe(detail.band);
    expect(await page.locator('[data-testid="region-index-sub"]').count()).toBe(detail.inputs.length);
    expect(problems).toEqual([]);
  });
});
