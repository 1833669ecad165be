// The page's weight and speed, against the real server (issue "A wall a mayor
// can trust", "Weight and speed"): the bytes a cold first load of the wall
// transfers (asserted against a budget: unlike time, bytes do not depend on
// how busy the machine is; only the small top-ups of the font subset the text
// on screen needs vary a little), the time to the first heat with a warm cache (printed; asserted only
// loosely against the cold load of the same run, never against the clock,
// since this machine may be slow), and the frames per second of the kiosk
// tour's fly-overs (printed only: software WebGL is for correctness, not
// speed). The figures land in test-results/weight.json; docs/FRONTEND.md,
// "Weight and speed", keeps them with the figures before.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { buildServer, chromiumPath, CHROMIUM_ARGS, freePort, Server, sleep, waitFor } from './server';

const FRONTEND = resolve(__dirname, '..');
const RESULTS = join(FRONTEND, 'test-results');

/** The first load's budget in bytes transferred (bodies as sent, plus headers). */
const FIRST_LOAD_BUDGET = 1_500_000;
/** The warm first heat the issue targets; printed against the figure, not asserted. */
const WARM_FIRST_HEAT_TARGET_MS = 2_000;

let tmp = '';
let server: Server;
let browser: Browser;
const report: Record<string, unknown> = {};

/** A response as counted: where it went and what it cost on the wire. */
interface Transfer {
  path: string;
  kind: string;
  bytes: number;
  encoding: string;
}

function kindOf(path: string): string {
  if (path.startsWith('/assets/')) {
    const ext = path.slice(path.lastIndexOf('.') + 1);
    return ext === 'mjs' ? 'js' : ext;
  }
  if (path.startsWith('/tiles/')) return 'tiles';
  if (path.startsWith('/api/')) return 'api';
  if (path.startsWith('/profile/')) return 'profile';
  if (path === '/' || path.endsWith('.html')) return 'html';
  return 'other';
}

/**
 * record counts every HTTP response of the context's one page, as
 * transferred: encoded body plus headers, 0 for what came from the cache. It
 * listens on the context, since Playwright reports a module worker's own
 * script (MapLibre's) there and not on the page. Websocket frames are live
 * data, not the page's weight, and are not counted; API answers are counted
 * but do not hold off "quiet".
 */
function record(ctx: BrowserContext): { transfers: Transfer[]; pending: Promise<void>[]; last: () => number; stop: () => void } {
  const transfers: Transfer[] = [];
  const pending: Promise<void>[] = [];
  let last = Date.now();
  const on = (req: Request) => {
    // API calls are live data that never stop (place names as the ticker
    // moves, the case figures' poll): the page is loaded once its files are.
    if (!new URL(req.url()).pathname.startsWith('/api/')) last = Date.now();
    pending.push(
      (async () => {
        const res = await req.response();
        // Playwright splits CDP's encodedDataLength (0 for a cache hit) into
        // headers and body. For a module worker's own script it has the
        // headers but no body (CDP reports that to the worker's target): the
        // body is then as long as its Content-Length says, as sent.
        const s = await req.sizes();
        let bytes = Math.max(0, s.responseBodySize + s.responseHeadersSize);
        const length = Number((await res?.headerValue('content-length')) ?? 0);
        if (bytes > 0 && s.responseBodySize === 0 && length > 0) bytes += length;
        const path = new URL(req.url()).pathname;
        transfers.push({
          path,
          kind: kindOf(path),
          bytes,
          encoding: (await res?.headerValue('content-encoding')) ?? '',
        });
      })(),
    );
  };
  ctx.on('requestfinished', on);
  return { transfers, pending, last: () => last, stop: () => ctx.off('requestfinished', on) };
}

function sum(ts: Transfer[]): number {
  return ts.reduce((a, t) => a + t.bytes, 0);
}

function byKind(ts: Transfer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of ts) out[t.kind] = (out[t.kind] ?? 0) + t.bytes;
  return out;
}

/** firstHeat is the page's own mark: ms from navigation to the first heat handed to deck.gl. */
async function firstHeat(p: Page): Promise<number> {
  return waitFor('the first heat', 60_000, () =>
    p.evaluate(() => {
      const m = performance.getEntriesByName('cg:first-heat', 'mark')[0];
      return m ? Math.round(m.startTime) : undefined;
    }),
  );
}

/**
 * load opens the wall, waits for the first heat, then for the map's tiles and
 * for the network to be quiet for 2 s, so that the fonts the labels need and
 * the tiles of the first view are counted.
 */
async function load(ctx: BrowserContext, url: string): Promise<{ page: Page; transfers: Transfer[]; firstHeatMs: number }> {
  const rec = record(ctx);
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  const firstHeatMs = await firstHeat(page);
  await waitFor('the map idle', 30_000, () =>
    page.evaluate(() => {
      const m = (window as unknown as { citygrid: { map: { loaded(): boolean; areTilesLoaded(): boolean } } }).citygrid.map;
      return m.loaded() && m.areTilesLoaded();
    }),
  );
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await waitFor('the network quiet', 30_000, async () => Date.now() - rec.last() > 2_000);
  rec.stop();
  await Promise.all(rec.pending);
  return { page, transfers: rec.transfers, firstHeatMs };
}

interface Flight {
  frames: number;
  ms: number;
  fps: number;
}

/**
 * flights counts animation frames over each of the tour's next n flights
 * (its movestart to its moveend; the tour marks its own, since a change of
 * the map's resolution makes a movestart and moveend too).
 */
async function flights(p: Page, n: number): Promise<Flight[]> {
  return p.evaluate(
    (n) =>
      new Promise<Flight[]>((done) => {
        type Ev = { tour?: boolean };
        const map = (window as unknown as { citygrid: { map: { on(ev: string, f: (e: Ev) => void): void; off(ev: string, f: (e: Ev) => void): void } } }).citygrid.map;
        const out: Flight[] = [];
        let frames = 0;
        let t0 = 0;
        let flying = false;
        const tick = () => {
          if (!flying) return;
          frames++;
          requestAnimationFrame(tick);
        };
        const start = (e: Ev) => {
          if (!e.tour || flying) return;
          flying = true;
          frames = 0;
          t0 = performance.now();
          requestAnimationFrame(tick);
        };
        const end = (e: Ev) => {
          if (!e.tour || !flying) return;
          flying = false;
          const ms = performance.now() - t0;
          out.push({ frames, ms: Math.round(ms), fps: Math.round((frames / ms) * 10_000) / 10 });
          if (out.length < n) return;
          map.off('movestart', start);
          map.off('moveend', end);
          done(out);
        };
        map.on('movestart', start);
        map.on('moveend', end);
      }),
    n,
  );
}

describe('weight and speed of the wall', () => {
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'citygrid-weight-'));
    await buildServer(resolve(FRONTEND, '..'), join(tmp, 'citygrid'));
    server = new Server(join(tmp, 'citygrid'), await freePort(), join(RESULTS, 'weight-server.log'));
    await server.start();
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    writeFileSync(join(RESULTS, 'weight.json'), JSON.stringify(report, null, 2));
    console.log('weight:', JSON.stringify(report));
  });

  it(`a cold first load of the wall transfers at most ${FIRST_LOAD_BUDGET / 1e6} MB; a warm one only what is live`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const url = `${server.base}/?view=wall`;
    const cold = await load(ctx, url);
    await cold.page.close();
    // Three warm loads: one figure of a busy 2-core machine says little.
    const warms = [];
    for (let i = 0; i < 3; i++) {
      const w = await load(ctx, url);
      await w.page.close();
      warms.push(w);
    }
    await ctx.close();
    const warm = warms[0];
    const warmHeat = warms.map((w) => w.firstHeatMs).sort((a, b) => a - b)[1];

    const coldBytes = sum(cold.transfers);
    const top = [...cold.transfers].sort((a, b) => b.bytes - a.bytes).slice(0, 12);
    report.coldBytes = coldBytes;
    report.coldByKind = byKind(cold.transfers);
    report.coldRequests = cold.transfers.length;
    report.coldTop = top.map((t) => `${t.bytes} ${t.encoding || 'identity'} ${t.path}`);
    report.coldFirstHeatMs = cold.firstHeatMs;
    report.warmBytes = sum(warm.transfers);
    report.warmByKind = byKind(warm.transfers);
    report.warmFirstHeatMs = warms.map((w) => w.firstHeatMs);
    report.warmFirstHeatMedianMs = warmHeat;
    report.warmFirstHeatTargetMet = warmHeat <= WARM_FIRST_HEAT_TARGET_MS;

    expect(coldBytes, 'cold first load, bytes transferred').toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
    // Text the server compresses goes compressed (Chromium accepts br).
    for (const t of cold.transfers.filter((t) => /\.(js|mjs|css)$/.test(t.path))) expect(t.encoding, t.path).toBe('br');
    // The wall's Chinese (names of the default profile, the page's words)
    // comes from the build's subset: no slice is fetched for it, whatever
    // names the ticker shows (build/hansubset.ts).
    const slices = cold.transfers.filter((t) => /\/noto-sans-sc-\d+-400-normal-[^/]*\.woff2$/.test(t.path)).map((t) => t.path);
    expect(slices, 'cold load: font slices fetched beside the subset').toEqual([]);
    expect(cold.transfers.some((t) => /\/noto-sans-sc-subset-0-400-normal-[^/]*\.woff2$/.test(t.path)), 'cold load: the subset').toBe(true);
    // Warm: the hashed files the cold load fetched come from the cache, not
    // the wire. (A small top-up of the subset the cold load did not need may
    // come now: the live place names bring other characters on screen.)
    const coldAssets = new Set(cold.transfers.filter((t) => t.path.startsWith('/assets/')).map((t) => t.path));
    const refetched = warm.transfers.filter((t) => coldAssets.has(t.path) && t.bytes > 0);
    expect(refetched.map((t) => `${t.path} ${t.bytes}`), 'warm load: files of the cold load fetched again').toEqual([]);
    expect(warm.transfers.filter((t) => t.path.startsWith('/assets/') && !coldAssets.has(t.path)).every((t) => t.path.endsWith('.woff2')), 'warm load: new files are font files only').toBe(true);
    // Time only against the cold load of the same run, and loosely: a warm
    // load that stalls (waits on something the cache should have answered)
    // fails, a busy machine does not.
    expect(warmHeat).toBeLessThanOrEqual(cold.firstHeatMs * 3 + 2_000);
  });

  it('the kiosk tour flies over the city (frames per second printed)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/?view=wall&kiosk=1&tour=6`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await firstHeat(page);
    await sleep(1_000);
    const idle = await page.evaluate(
      () =>
        new Promise<number>((done) => {
          let frames = 0;
          const t0 = performance.now();
          const tick = (t: number) => {
            frames++;
            if (t - t0 < 1_000) requestAnimationFrame(tick);
            else done(Math.round((frames / (t - t0)) * 10_000) / 10);
          };
          requestAnimationFrame(tick);
        }),
    );
    // At the start the tour shows the whole city, and says so.
    expect(await page.textContent('[data-testid="tour-caption"]')).toContain('全市');
    const fl = await flights(page, 3);
    // Landed on a district: the caption names it, with its figures.
    await waitFor('the caption of a district', 10_000, async () => {
      const t = (await page.textContent('[data-testid="tour-caption"]')) ?? '';
      return !t.includes('全市') && /区|市/.test(t) && t.includes('事件') ? true : undefined;
    });
    await page.screenshot({ path: join(RESULTS, 'kiosk.png') });
    await ctx.close();
    report.kioskFlights = fl;
    report.kioskFlightFps = Math.round((fl.reduce((a, f) => a + f.frames, 0) / fl.reduce((a, f) => a + f.ms, 0)) * 10_000) / 10;
    report.kioskIdleFps = idle;
    expect(fl.every((f) => f.frames > 0)).toBe(true);
  });
});
