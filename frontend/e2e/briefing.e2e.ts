// The leadership briefing in a real browser against the real server: the
// page's figures equal GET /api/v1/briefing over the same window (the city's
// total, each district's incidents, each category), and it prints to A4:
// printed as PDF by Chromium, on a few pages, with the figures visible in
// print styles. (The API's figures against independent counts are tested
// in Go: cmd/citygrid.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { callAPI, launch, type Launched, Server } from './server';

const RESULTS = join(resolve(__dirname, '..'), 'test-results');

let launched: Launched | undefined;
let server: Server;
let page: Page;
const problems: string[] = [];

interface Answer {
  from: string;
  to: string;
  incidents: { total: number; byCategory: Record<string, number>; byDistrict: Record<string, number> };
}

describe('the leadership briefing', () => {
  // A closed window that ended a minute ago: its figures no longer move.
  const to = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const from = new Date(to.getTime() - 2 * 3600_000);
  const window = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;

  beforeAll(async () => {
    launched = await launch('briefing', problems, { viewport: { width: 1920, height: 1080 } });
    server = launched.server;
    page = launched.page;
    // Incidents of the last two hours in three districts, by event time.
    const items = Array.from({ length: 90 }, (_, i) => ({
      id: `e2e-brief-${to.getTime()}-${i}`, source: 'e2e', category: ['theft', 'traffic', 'dispute'][i % 3], severity: 1 + (i % 4),
      lat: [31.30, 31.26, 31.44][i % 3] + (i % 7) * 0.001, lng: [120.62, 120.66, 120.64][i % 3],
      time: new Date(from.getTime() + (i + 1) * 60_000).toISOString(),
    }));
    const r = await callAPI(server.base, 'POST', '/api/v1/incidents', items);
    expect(r.status).toBe(202);
  });

  afterAll(async () => {
    await launched?.close();
  });

  it('shows the API’s figures for the window', async () => {
    const api = (await callAPI(server.base, 'GET', `/api/v1/briefing?${window}`)).json as unknown as Answer;
    expect(api.incidents.total).toBeGreaterThanOrEqual(90);
    await page.goto(`${server.base}/?view=briefing&${window}`);
    await page.waitForSelector('[data-testid="briefing"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="kpi-incidents"] .value').innerText()).toBe(String(api.incidents.total));
    const shown = await page.locator('[data-testid="district-incidents"]').evaluateAll((ns) => ns.map((n) => [n.getAttribute('data-code'), n.textContent]));
    for (const [code, text] of shown) expect(Number(text), `district ${code}`).toBe(api.incidents.byDistrict[code ?? ''] ?? 0);
    expect(shown.length).toBeGreaterThan(5);
    const cats = await page.locator('[data-testid="briefing-categories"] tbody tr').evaluateAll((rs) => rs.map((r) => Number(r.lastElementChild?.textContent)));
    expect(cats.reduce((a, b) => a + b, 0)).toBe(Object.values(api.incidents.byCategory).reduce((a, b) => a + b, 0));
    expect(await page.locator('[data-testid="chart-hours"]').getAttribute('data-points')).not.toBe('0');
    await page.screenshot({ path: join(RESULTS, 'briefing.png'), fullPage: true });
  });

  it('prints to A4, with the figures on the pages', async () => {
    await page.emulateMedia({ media: 'print' });
    for (const id of ['kpi-incidents', 'briefing-districts', 'briefing-categories', 'chart-hours']) {
      expect(await page.locator(`[data-testid="${id}"]`).isVisible(), id).toBe(true);
    }
    expect(await page.locator('[data-testid="print"]').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(RESULTS, 'briefing.pdf'), pdf);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    const pages = (text.match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(4);
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);
  });
});
