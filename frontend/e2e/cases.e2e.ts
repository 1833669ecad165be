// Cases in a real browser against the real server: an incident posted through
// the API, picked in the console and registered as a case in two clicks; the
// wall (a second page) counting it and drawing it; the case moved through the
// loop in the console (accept → assign → handle with a note → verify → close)
// with the wall following, a note the form asks for, and a 409 when another
// dispatcher was first. Every figure is compared with the REST API's answer.
// The server runs without the simulator, whose own cases would move the
// counts under the test. Facts only, generous deadlines.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';
import { rankStreets } from '../src/cases';
import type { CaseStatsRow } from '../src/protocol';
import { buildServer, callAPI, cellPoint, CHROMIUM_ARGS, chromiumPath, freePort, type Json, Server, sleep, waitFor } from './server';

const FRONTEND = resolve(__dirname, '..');
const REPO = resolve(FRONTEND, '..');
const RESULTS = join(FRONTEND, 'test-results');

/** The incident's cell: res 8 in the old town; the incident off its centre. */
const CELL = latLngToCell(31.3118, 120.6195, 8);
const [CLAT, CLNG] = cellToLatLng(CELL);
const [VLAT, VLNG] = cellToBoundary(CELL)[0];
const PLACE: [number, number] = [CLAT + (VLAT - CLAT) * 0.4, CLNG + (VLNG - CLNG) * 0.4];
const STATES = ['registered', 'accepted', 'assigned', 'handled', 'verified', 'suspended'] as const;

let tmp = '';
let server: Server;
let browser: Browser;
let context: BrowserContext;
let consolePage: Page;
let wallPage: Page;
const problems: string[] = [];
const timings: Record<string, number> = {};
const state: { incident?: string; title?: string; caseId?: string } = {};

interface RestCase {
  id: string;
  state: string;
  title: string;
  incident?: string;
  subcategory: string;
  channel: string;
  lat: number;
  lng: number;
  level?: string;
  region?: string;
  department?: string;
  due?: string;
  actions?: string[];
  timeline?: { action: string; note?: string }[];
}

function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return callAPI(server.base, method, path, body);
}

async function restCase(id: string): Promise<RestCase> {
  const r = await api('GET', `/api/v1/cases/${encodeURIComponent(id)}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as unknown as RestCase;
}

/** restTotal: how many cases GET /api/v1/cases counts for a query. */
async function restTotal(query: string): Promise<number> {
  const r = await api('GET', `/api/v1/cases?${query}&limit=1`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.total as number;
}

/** restStrip: the wall strip's figures as the REST API counts them (every case of the test was closed today). */
async function restStrip(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of STATES) out[s] = await restTotal(`state=${s}`);
  out.overdue = await restTotal('overdue=true');
  out.closed = (await restTotal('state=closed')) + (await restTotal('state=rated'));
  return out;
}

async function domStrip(p: Page): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const k of [...STATES, 'overdue', 'closed']) {
    const t = ((await p.textContent(`[data-testid="case-count-${k}"]`)) ?? '').trim();
    out[k] = t === '–' || t === '' ? NaN : Number(t.replace(/,/g, ''));
  }
  return out;
}

/** wallFollows waits until every figure of the wall's strip equals the REST API's, and returns them. */
async function wallFollows(p: Page, what: string): Promise<Record<string, number>> {
  return waitFor(`the wall's case strip to equal the REST counts (${what})`, 20_000, async () => {
    const rest = await restStrip();
    const dom = await domStrip(p);
    return JSON.stringify(dom) === JSON.stringify(rest) ? dom : undefined;
  });
}

/** drawnCase: the case's marker in the wall's drawn cases layer, and what deck.gl picks at its place. */
function drawnCase(p: Page, id: string): Promise<{ state?: string; picked?: string; color?: number[] }> {
  return p.evaluate((id) => {
    const cg = (window as unknown as {
      citygrid: {
        layers: () => { id: string; props: { data: { id: string; state: string; lat: number; lng: number }[]; getFillColor: (m: unknown) => number[] } }[];
        map: { project: (ll: [number, number]) => { x: number; y: number } };
        overlay: { pickObject: (o: { x: number; y: number; radius: number; layerIds: string[] }) => { object?: { id: string } } | null };
      };
    }).citygrid;
    const layer = cg.layers().find((l) => l.id === 'cases');
    const m = layer?.props.data.find((x) => x.id === id);
    if (!m || !layer) return {};
    const pt = cg.map.project([m.lng, m.lat]);
    const info = cg.overlay.pickObject({ x: pt.x, y: pt.y, radius: 2, layerIds: ['cases'] });
    return { state: m.state, picked: info?.object?.id, color: layer.props.getFillColor(m) };
  }, id);
}

async function openPage(url: string): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await p.goto(url);
  await p.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  return p;
}


const page = '[data-testid="cell-panel"] [data-testid="case-page"]';

/** pageState: the state the console's case page shows once loaded. */
function pageState(p: Page): Promise<string | null> {
  return p.getAttribute(`${page}[data-loaded="1"]`, 'data-state').catch(() => null);
}

/** buttons: the actions the case page offers. */
function buttons(p: Page): Promise<string[]> {
  return p.$$eval(`${page} [data-testid="case-actions"] button`, (bs) => bs.map((b) => (b as HTMLElement).dataset.action ?? ''));
}

/** step clicks an action's button and waits until the page and the API both say `to`. */
async function step(p: Page, action: string, to: string, fill?: () => Promise<void>): Promise<RestCase> {
  const id = state.caseId!;
  // The buttons are the actions the API allows (an admin may take them all).
  const before = await restCase(id);
  expect(await buttons(p)).toEqual(before.actions);
  await p.click(`${page} [data-testid="case-action-${action}"]`);
  if (fill) await fill();
  await waitFor(`the case page to show ${to}`, 15_000, async () => (await pageState(p)) === to);
  expect(await p.getAttribute(`${page} [data-testid="case-message"]`, 'data-outcome')).toBe('ok');
  const after = await restCase(id);
  expect(after.state).toBe(to);
  expect(after.timeline?.[after.timeline.length - 1]?.action).toBe(action);
  return after;
}

describe('cases against the real server', () => {
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'citygrid-cases-e2e-'));
    const bin = join(tmp, 'citygrid');
    let t = Date.now();
    await buildServer(REPO, bin);
    timings.goBuildMs = Date.now() - t;
    // No simulator: its cases would move the counts the test compares.
    server = new Server(bin, await freePort(), join(RESULTS, 'cases-server.log'), ['-simulate=false']);
    t = Date.now();
    await server.start();
    timings.serverReadyMs = Date.now() - t;
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
    context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    console.log('cases e2e timings (ms):', JSON.stringify(timings));
  });

  it('console: a case registered from a picked cell’s incident in two clicks', async () => {
    const t0 = Date.now();
    expect(await restTotal('state=open')).toBe(0);
    state.incident = `e2e-case-inc-${Date.now()}`;
    state.title = '暴露垃圾 人民路口';
    expect(latLngToCell(PLACE[0], PLACE[1], 8)).toBe(CELL);
    const posted = await api('POST', '/api/v1/incidents', [
      { id: state.incident, lat: PLACE[0], lng: PLACE[1], severity: 2, category: 'environment', source: 'e2e', title: state.title, address: '人民路 e2e' },
    ]);
    expect(posted.status, JSON.stringify(posted.json)).toBe(202);
    await waitFor('the incident in the API', 20_000, async () => {
      const r = await api('GET', `/api/v1/incidents?cell=${CELL}&window=1h&limit=50`);
      return ((r.json.incidents ?? []) as { id: string }[]).some((i) => i.id === state.incident) ? true : undefined;
    });

    // The console, closed in on the cell; pick its hexagon.
    consolePage = await openPage(`${server.base}/?view=console&res=8&window=1h`);
    const p = consolePage;
    await p.evaluate(([lng, lat]) => {
      (window as unknown as { citygrid: { map: { jumpTo: (o: unknown) => void } } }).citygrid.map.jumpTo({ center: [lng, lat], zoom: 15 });
    }, [CLNG, CLAT]);
    const at = await waitFor('the cell drawn and pickable', 60_000, () => cellPoint(p, CELL));
    const box = await p.locator('#map').boundingBox();
    await p.mouse.click(box!.x + at.x, box!.y + at.y);
    await waitFor('the picked cell in the panel', 10_000, async () => (await p.getAttribute('[data-testid="picked-cell"]', 'data-cell').catch(() => null)) === CELL);
    const row = `[data-testid="cell-panel"] [data-testid="incident-row"][data-incident-id="${state.incident}"]`;
    await p.waitForSelector(row, { timeout: 15_000 });
    timings.incidentListedMs = Date.now() - t0;

    // Click 1: Register. The form is filled from the incident: its title, the police channel, the kind its title names.
    await p.click(`${row} [data-testid="case-register"]`);
    const form = `${row} [data-testid="case-form"][data-loaded="1"]`;
    await p.waitForSelector(form, { timeout: 10_000 });
    expect(await p.inputValue(`${form} [data-testid="case-title"]`)).toBe(state.title);
    expect(await p.inputValue(`${form} [data-testid="case-channel"]`)).toBe('police-110');
    expect(await p.inputValue(`${form} [data-testid="case-subcategory"]`)).toBe('env.exposed-garbage');
    await p.screenshot({ path: join(RESULTS, 'console-case-form.png') });

    // Click 2: Submit.
    await p.click(`${form} [data-testid="case-submit"]`);
    await p.waitForSelector(`${row} [data-testid="case-result"][data-outcome="ok"]`, { timeout: 15_000 });
    state.caseId = (await p.getAttribute(`${row} [data-testid="case-result"]`, 'data-case-id')) ?? '';
    expect(state.caseId).toMatch(/.+/);
    timings.registeredMs = Date.now() - t0;
    const c = await restCase(state.caseId);
    expect(c).toMatchObject({ state: 'registered', incident: state.incident, title: state.title, subcategory: 'env.exposed-garbage', channel: 'police-110' });
    expect(c.lat).toBeCloseTo(PLACE[0], 9);
    expect(c.lng).toBeCloseTo(PLACE[1], 9);
    expect(c.actions).toEqual(['accept', 'reject']);

    // The queue lists it (the cases layer moved, so the queue asked again).
    await p.waitForSelector(`[data-testid="cases-list"] [data-testid="case-row"][data-case-id="${state.caseId}"][data-state="registered"]`, { timeout: 15_000 });
    expect(Number(await p.getAttribute('[data-testid="cases-total"]', 'data-total'))).toBe(await restTotal('state=open'));
    timings.queuedMs = Date.now() - t0;
  });

  it('wall: the strip counts it as the API does, the map draws it, the streets are ranked as the API says', async () => {
    const id = state.caseId!;
    expect(id, 'the case from the previous test').toBeTruthy();
    const t0 = Date.now();
    wallPage = await openPage(`${server.base}/?view=wall`);
    const p = wallPage;
    const strip = await wallFollows(p, 'registered');
    expect(strip.registered).toBe(1);
    expect(strip.closed).toBe(0);
    timings.wallCountedMs = Date.now() - t0;

    // The case point: in the drawn layer, coloured as registered, and picked at its place.
    const drawn = await waitFor('the case point drawn and pickable', 20_000, async () => {
      const d = await drawnCase(p, id);
      return d.picked === id ? d : undefined;
    });
    expect(drawn.state).toBe('registered');
    const legend = await p.$$eval('[data-testid="case-legend"] .legend-row', (rows) => rows.map((r) => (r as HTMLElement).dataset.state));
    expect(legend).toEqual([...STATES, 'overdue']);
    timings.wallDrawnMs = Date.now() - t0;

    // The ranking: the streets as rankStreets orders GET /api/v1/cases/stats?level=street; no rate yet is "—".
    await p.waitForSelector('[data-testid="case-rank"][data-loaded="1"]', { timeout: 20_000 });
    const rest = (await api('GET', '/api/v1/cases/stats?level=street')).json as unknown as { rows: CaseStatsRow[] };
    const want = rankStreets(rest.rows, 5);
    const shown = await p.$$eval('[data-testid="case-rank-top"] [data-testid="case-rank-row"]', (rows) =>
      rows.map((r) => [(r as HTMLElement).dataset.code, r.querySelector('.rate')?.textContent]),
    );
    expect(shown.map((x) => x[0])).toEqual(want.top.map((x) => x.row.code));
    expect(shown.length).toBeGreaterThan(0);
    const street = (await restCase(id)) as unknown as { regions: { street: string } };
    expect(shown.map((x) => x[0])).toContain(street.regions.street);
    for (const [code, rate] of shown) if (rest.rows.find((r) => r.code === code)?.onTimeRate === null) expect(rate).toBe('—');
    await p.screenshot({ path: join(RESULTS, 'wall-cases.png') });
  });

  it('console: accept → assign → handle (a note) → verify → close, the wall following; a 409 when another dispatcher was first', async () => {
    const id = state.caseId!;
    const p = consolePage;
    await p.bringToFront();
    const t0 = Date.now();
    await p.click(`[data-testid="cases-list"] [data-testid="case-row"][data-case-id="${id}"]`);
    await waitFor('the case page', 15_000, async () => (await pageState(p)) === 'registered');
    expect(await p.textContent(`${page} [data-testid="case-incident"]`)).toBe(state.incident);

    await step(p, 'accept', 'accepted');
    await wallFollows(wallPage, 'accepted');
    expect((await drawnCase(wallPage, id)).state).toBe('accepted');

    // Assign: the form starts from the case's route.
    const accepted = await restCase(id);
    const assigned = await step(p, 'assign', 'assigned', async () => {
      await p.waitForSelector(`${page} [data-testid="case-action-form"][data-action="assign"]`, { timeout: 5_000 });
      expect(await p.inputValue(`${page} [data-testid="case-form-level"]`)).toBe(accepted.level);
      expect(await p.inputValue(`${page} [data-testid="case-form-region"]`)).toBe(accepted.region);
      expect(await p.inputValue(`${page} [data-testid="case-form-department"]`)).toBe(accepted.department);
      await p.click(`${page} [data-testid="case-action-submit"]`);
    });
    expect(assigned.due).toBeTruthy();
    expect(['running', 'warning', 'overdue']).toContain(await p.getAttribute(`${page} [data-testid="case-deadline"]`, 'data-tone'));
    await wallFollows(wallPage, 'assigned');

    // Handle: the note is asked for; without one nothing is sent.
    const note = 'e2e: 垃圾已清运 garbage removed';
    await step(p, 'handle', 'handled', async () => {
      await p.waitForSelector(`${page} [data-testid="case-form-note"]`, { timeout: 5_000 });
      await p.click(`${page} [data-testid="case-action-submit"]`);
      await p.waitForSelector(`${page} [data-testid="case-message"][data-outcome="invalid"]`, { timeout: 5_000 });
      expect((await restCase(id)).state).toBe('assigned');
      await p.fill(`${page} [data-testid="case-form-note"]`, note);
      await p.click(`${page} [data-testid="case-action-submit"]`);
    });
    await wallFollows(wallPage, 'handled');

    await step(p, 'verify', 'verified');
    await wallFollows(wallPage, 'verified');
    const closed = await step(p, 'close', 'closed');
    expect(closed.actions).toEqual(['rate', 'reopen']);
    timings.loopMs = Date.now() - t0;

    // The wall: nothing waiting, one closed today, as the API counts; the point is gone.
    const strip = await wallFollows(wallPage, 'closed');
    expect(strip.registered).toBe(0);
    expect(strip.closed).toBe(1);
    expect(await wallPage.getAttribute('[data-testid="case-count-closed"]', 'data-closed')).toBe('1');
    await waitFor('the closed case off the map', 15_000, async () => ((await drawnCase(wallPage, id)).state === undefined ? true : undefined));
    timings.wallClosedMs = Date.now() - t0;

    // The timeline: every step, with who, the states and the note.
    const steps = await p.$$eval(`${page} [data-testid="case-step"]`, (li) => li.map((x) => [(x as HTMLElement).dataset.action, (x as HTMLElement).dataset.to]));
    expect(steps).toEqual([
      ['register', 'registered'],
      ['accept', 'accepted'],
      ['assign', 'assigned'],
      ['handle', 'handled'],
      ['verify', 'verified'],
      ['close', 'closed'],
    ]);
    expect(await p.textContent(`${page} [data-testid="case-step"][data-action="handle"] [data-testid="case-step-note"]`)).toBe(note);
    await p.screenshot({ path: join(RESULTS, 'console-case.png') });

    // Rate: the form asks 1–5; meanwhile another dispatcher rates it through the API. The page says 409 and where it stands.
    await p.click(`${page} [data-testid="case-action-rate"]`);
    await p.selectOption(`${page} [data-testid="case-form-satisfaction"]`, '5');
    const other = await api('POST', `/api/v1/cases/${encodeURIComponent(id)}/rate`, { satisfaction: 4, comment: 'e2e: the other dispatcher' });
    expect(other.status, JSON.stringify(other.json)).toBe(200);
    await p.click(`${page} [data-testid="case-action-submit"]`);
    await p.waitForSelector(`${page} [data-testid="case-message"][data-outcome="conflict"]`, { timeout: 10_000 });
    const msg = (await p.textContent(`${page} [data-testid="case-message"]`)) ?? '';
    expect(msg).toContain('已评价');
    expect(await p.getAttribute(`${page} [data-testid="case-message"]`, 'data-status')).toBe('409');
    await waitFor('the page to show the case as it is', 10_000, async () => (await pageState(p)) === 'rated');
    expect(await p.textContent(`${page} [data-testid="case-rating"]`)).toContain('★★★★☆');
    expect((await restCase(id)).state).toBe('rated');
    // Still closed today, now as rated (the sum stays: wait for the parts).
    await waitFor('the wall to count it rated', 15_000, async () => (await wallPage.getAttribute('[data-testid="case-count-closed"]', 'data-rated')) === '1');
    const after = await wallFollows(wallPage, 'rated');
    expect(after.closed).toBe(1);
    expect(await wallPage.getAttribute('[data-testid="case-count-closed"]', 'data-closed')).toBe('0');
    timings.conflictMs = Date.now() - t0;
    await sleep(200);
  });

  it('broke nothing on the pages', () => {
    expect(problems).toEqual([]);
  });
});
