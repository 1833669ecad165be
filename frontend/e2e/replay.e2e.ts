// Replay in a real browser against the real server: the live heat is
// recorded while the test feeds the city; then the wall
// replays that span. The bar says it is a replay and of which time, the badge
// never says LIVE, the replayed time moves forward at the asked speed,
// pause holds it, a seek lands on the state the live API had then (the
// heat's totals equal the recorded ones, and the open alerts the recorded
// ones: a severe incident opens one midway), and "back to live" goes live.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { callAPI, launch, type Launched, Server, sleep, waitFor } from './server';

const RESULTS = join(resolve(__dirname, '..'), 'test-results');

let launched: Launched | undefined;
let server: Server;
let page: Page;
const problems: string[] = [];

interface Heat {
  asOf: string;
  total: number;
  totals?: Record<string, number>;
  /** The open alerts' ids, as GET /api/v1/alerts answered just after the heat. */
  alerts: string[];
}
interface Store {
  total: number;
  totals: Record<string, number>;
  replay: { at: string; paused: boolean; ended: boolean } | null;
  alerts: { id: string }[];
}

const storeOf = (p: Page) =>
  p.evaluate(() => {
    const s = (window as unknown as { citygrid: { store: Store } }).citygrid.store;
    return { total: s.total, totals: { ...s.totals }, replay: s.replay ? { ...s.replay } : null, alerts: s.alerts.map((a) => a.id) };
  });

const openAlerts = async (base: string) =>
  ((await callAPI(base, 'GET', '/api/v1/alerts?status=open')).json as unknown as { alerts: { id: string }[] }).alerts.map((a) => a.id);

describe('replay on the wall', () => {
  let start = '';
  let end = '';
  const recorded: Heat[] = [];

  beforeAll(async () => {
    // No simulator: the test's incidents are all there is, so the live heat read at a
    // moment has folded everything that arrived before it.
    launched = await launch('replay', problems, { args: ['-simulate=false'] });
    server = launched.server;
    page = launched.page;
    start = new Date(Date.now() - 1000).toISOString();
    // Twenty seconds of bursts, the live heat read between them.
    for (let i = 0; i < 5; i++) {
      const items = Array.from({ length: 20 }, (_, k) => ({ id: `e2e-replay-${Date.now()}-${i}-${k}`, source: 'e2e', category: 'theft', severity: 2, lat: 31.3 + i * 0.01, lng: 120.6 + k * 0.002 }));
      // Midway, a severe incident: the profile's rules open an alert at once.
      if (i === 2) items[0].severity = 4;
      expect((await callAPI(server.base, 'POST', '/api/v1/incidents', items)).status).toBe(202);
      await sleep(1500);
      if (i === 2) await waitFor('the severe alert', 10_000, async () => (await openAlerts(server.base)).length === 1);
      const heat = (await callAPI(server.base, 'GET', '/api/v1/heat?res=8&window=15m')).json as unknown as Heat;
      recorded.push({ ...heat, alerts: await openAlerts(server.base) });
      await sleep(2500);
    }
    end = new Date(Date.now() - 500).toISOString();
  });

  afterAll(async () => {
    await launched?.close();
  });

  it('says it is a replay, of which time, and plays forward at the speed asked (1×)', async () => {
    await page.goto(`${server.base}/?view=wall&window=15m&speed=1&replay=${start}..${end}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="replay-bar"]:not([hidden])', { timeout: 10_000 });
    await waitFor('the first replay frame', 20_000, async () => (await storeOf(page)).replay !== null);
    expect(await page.getAttribute('[data-testid="badge"]', 'data-health')).toBe('replay');
    expect(await page.locator('[data-testid="replay-span"]').innerText()).toContain('→');
    // At 1×, the replayed time moves as the clock does (the span is 20 s: it is still playing).
    const a = (await storeOf(page)).replay!.at;
    const t0 = Date.now();
    await sleep(2000);
    const b = (await storeOf(page)).replay!;
    const moved = (Date.parse(b.at) - Date.parse(a)) / 1000;
    const wall = (Date.now() - t0) / 1000;
    expect(b.ended).toBe(false);
    expect(moved / wall).toBeGreaterThan(0.7);
    expect(moved / wall).toBeLessThan(1.3);
    expect(Date.parse(b.at)).toBeGreaterThanOrEqual(Date.parse(a));
  });

  it('pauses, and a seek lands on the heat the live API had then', async () => {
    await page.click('[data-testid="replay-play"]');
    await waitFor('paused', 10_000, async () => (await storeOf(page)).replay?.paused === true);
    const held = (await storeOf(page)).replay!.at;
    await sleep(1500);
    expect((await storeOf(page)).replay!.at).toBe(held);
    expect(await page.getAttribute('[data-testid="replay-state"]', 'data-state')).toBe('paused');
    for (const h of recorded) {
      await page.evaluate((at) => (window as unknown as { citygrid: { socket: { control: (c: unknown) => void } } }).citygrid.socket.control({ type: 'replay', action: 'seek', at }), h.asOf);
      const got = await waitFor(`the state at ${h.asOf}`, 10_000, async () => {
        const s = await storeOf(page);
        return s.replay && Date.parse(s.replay.at) === Date.parse(h.asOf) ? s : undefined;
      });
      expect(got.total, `the 15-min heat at ${h.asOf}`).toBe(h.total);
      await waitFor(`the open alerts at ${h.asOf}`, 5_000, async () => JSON.stringify((await storeOf(page)).alerts) === JSON.stringify(h.alerts));
      expect(await page.locator('[data-testid="alerts-total"]').innerText(), `the alerts counter at ${h.asOf}`).toBe(String(h.alerts.length));
    }
    expect(recorded.map((h) => h.alerts.length)).toEqual([0, 0, 1, 1, 1]);
    await page.screenshot({ path: join(RESULTS, 'wall-replay.png') });
  });

  it("shows the console's alerts of then, with nothing to act on them", async () => {
    const last = recorded[recorded.length - 1];
    await page.goto(`${server.base}/?view=console&window=15m&speed=1&replay=${start}..${end}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await waitFor('the first replay frame', 20_000, async () => (await storeOf(page)).replay !== null);
    await page.evaluate(() => (window as unknown as { citygrid: { socket: { control: (c: unknown) => void } } }).citygrid.socket.control({ type: 'replay', action: 'pause' }));
    await page.evaluate((at) => (window as unknown as { citygrid: { socket: { control: (c: unknown) => void } } }).citygrid.socket.control({ type: 'replay', action: 'seek', at }), last.asOf);
    await waitFor('the alert of then in the console', 10_000, async () => (await page.locator('[data-testid="alert-row"]').count()) === 1);
    expect(await page.getAttribute('[data-testid="alert-row"]', 'data-alert-id')).toBe(last.alerts[0]);
    expect(await page.locator('[data-testid="alert-ack"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="alert-resolve"]').isVisible()).toBe(false);
  });

  it('goes back to live', async () => {
    await page.click('[data-testid="replay-live"]');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await waitFor('live', 20_000, async () => (await page.getAttribute('[data-testid="badge"]', 'data-health')) === 'live');
    expect(await page.locator('[data-testid="replay-bar"]').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
