// Alerts and dispatch in a real browser against the real server: a unit and a
// hot cell made through the API, the alert picked in the console, a unit
// dispatched in two clicks (and a 409 when another dispatcher was first), the
// unit driven to the target by posted positions, and the wall drawing the
// dispatch line and turning it on scene. Then a cell's incidents: posted,
// listed in the console for the picked cell as the API lists them, one picked
// and a unit dispatched to it. Facts only, generous deadlines.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';
import { buildServer, callAPI, cellPoint, CHROMIUM_ARGS, chromiumPath, freePort, type Json, Server, sleep, waitFor } from './server';

const FRONTEND = resolve(__dirname, '..');
const REPO = resolve(FRONTEND, '..');
const RESULTS = join(FRONTEND, 'test-results');

/** The test's own unit (the simulator's units are named SU-…). */
const UNIT = 'E2E-car-001';
/** The hot place: a res-8 cell in Suzhou's old town. */
const PLACE: [number, number] = [31.2985, 120.5805];
const CELL8 = latLngToCell(PLACE[0], PLACE[1], 8);
/** Where the unit waits: about 900 m south-west of the cell's centre (outside the arrival rings). */
const [C8LAT, C8LNG] = cellToLatLng(CELL8);
const START: [number, number] = [C8LAT - 0.0065, C8LNG - 0.0055];

/** The incidents test's unit and cell: a res-8 cell west of the old town, the unit about 900 m from it. */
const UNIT2 = 'E2E-car-002';
const PLACE2: [number, number] = [31.3052, 120.5602];
const CELL2 = latLngToCell(PLACE2[0], PLACE2[1], 8);
const [C2LAT, C2LNG] = cellToLatLng(CELL2);
const START2: [number, number] = [C2LAT - 0.0065, C2LNG - 0.0055];

let tmp = '';
let server: Server;
let browser: Browser;
let context: BrowserContext;
let consolePage: Page;
let wallPage: Page;
const problems: string[] = [];
const timings: Record<string, number> = {};
const state: { alert?: string; dispatch?: string; cell9?: string } = {};

interface Alert {
  id: string;
  kind: string;
  status: string;
  cell?: string;
  lat: number;
  lng: number;
}
interface Dispatch {
  id: string;
  unit: string;
  cell: string;
  lat: number;
  lng: number;
  status: string;
  alert?: string;
  incident?: string;
  responseSeconds?: number;
}
interface Incident {
  id: string;
  lat: number;
  lng: number;
  cell: string;
  time: string;
}
interface IncidentsAnswer {
  truncated: boolean;
  incidents: Incident[];
}
interface Counts {
  open: number;
  acknowledged: number;
  byKind?: Record<string, number>;
}

function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return callAPI(server.base, method, path, body);
}


/** position posts one report of the test's unit; times strictly increase (the dedupe key is unit and time). */
let lastPosTime = 0;
async function position(lat: number, lng: number, status: string, unit = UNIT): Promise<void> {
  lastPosTime = Math.max(Date.now(), lastPosTime + 1);
  const r = await api('POST', '/api/v1/positions', { unit, kind: 'car', status, lat, lng, time: new Date(lastPosTime).toISOString() });
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  expect(r.json.accepted).toBe(1);
}

async function openPage(url: string): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await p.goto(url);
  await p.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  return p;
}

async function restDispatch(id: string, unit = UNIT): Promise<Dispatch | undefined> {
  const r = await api('GET', `/api/v1/dispatches?status=all&unit=${encodeURIComponent(unit)}`);
  return ((r.json.dispatches ?? []) as Dispatch[]).find((d) => d.id === id);
}

/** The dispatch as the page's store has it (window.citygrid, as the wall test uses it). */
function storeDispatch(p: Page, id: string): Promise<Dispatch | undefined> {
  return p.evaluate((id) => {
    const cg = (window as unknown as { citygrid: { store: { dispatches: Dispatch[] } } }).citygrid;
    return cg.store.dispatches.find((d) => d.id === id);
  }, id);
}

/**
 * pickDispatch asks deck.gl what is drawn in a small box around a screen
 * point, in the given layer, and returns the ids and statuses found there.
 */
function pickAt(p: Page, lngLat: [number, number], layer: string): Promise<{ id: string; status: string }[]> {
  return p.evaluate(
    ([lng, lat, layer]) => {
      const cg = (window as unknown as {
        citygrid: {
          map: { project: (ll: [number, number]) => { x: number; y: number } };
          overlay: { pickObjects: (o: { x: number; y: number; width: number; height: number; layerIds: string[] }) => { object?: { id: string; status: string } }[] };
        };
      }).citygrid;
      const pt = cg.map.project([lng as number, lat as number]);
      return cg.overlay
        .pickObjects({ x: Math.round(pt.x) - 4, y: Math.round(pt.y) - 4, width: 9, height: 9, layerIds: [layer as string] })
        .flatMap((i) => (i.object ? [{ id: i.object.id, status: i.object.status }] : []));
    },
    [lngLat[0], lngLat[1], layer] as const,
  );
}

/** unitAt: the unit's position as the page's store has it, [lng, lat]. */
function unitAt(p: Page): Promise<[number, number] | undefined> {
  return p.evaluate((unit) => {
    const u = (window as unknown as { citygrid: { store: { units: Map<string, { lat: number; lng: number }> } } }).citygrid.store.units.get(unit);
    return u ? ([u.lng, u.lat] as [number, number]) : undefined;
  }, UNIT);
}

describe('alerts and dispatch against the real server', () => {
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'citygrid-ops-e2e-'));
    const bin = join(tmp, 'citygrid');
    let t = Date.now();
    await buildServer(REPO, bin);
    timings.goBuildMs = Date.now() - t;
    server = new Server(bin, await freePort(), join(RESULTS, 'ops-server.log'));
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
    console.log('ops e2e timings (ms):', JSON.stringify(timings));
  });

  it('makes a unit and a hot-cell alert through the API', async () => {
    const t0 = Date.now();
    await position(START[0], START[1], 'available');
    // 30 incidents in one res-8 cell: the hot-1h rule opens at 20.
    const now = Date.now();
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `e2e-ops-${now}-${i}`,
      lat: PLACE[0] + ((i % 5) - 2) * 0.0002,
      lng: PLACE[1] + (Math.floor(i / 5) - 3) * 0.0002,
      severity: 2,
      category: 'theft',
      source: 'e2e',
    }));
    for (const it of items) expect(latLngToCell(it.lat, it.lng, 8)).toBe(CELL8);
    const r = await api('POST', '/api/v1/incidents', items);
    expect(r.status).toBe(202);
    const a = await waitFor('a hot-cell alert on the cell', 30_000, async () => {
      const r = await api('GET', '/api/v1/alerts?status=open');
      return ((r.json.alerts ?? []) as Alert[]).find((a) => a.cell === CELL8 && a.kind === 'hot_cell');
    });
    state.alert = a.id;
    timings.alertOpenMs = Date.now() - t0;
  });

  it('console: the alert, its suggestions, a 409 for a taken unit, then a dispatch in two clicks', async () => {
    const t0 = Date.now();
    consolePage = await openPage(`${server.base}/?view=console`);
    const p = consolePage;
    timings.consoleReadyMs = Date.now() - t0;
    const row = `[data-testid="alert-row"][data-alert-id="${state.alert}"]`;
    await p.waitForSelector(row, { timeout: 30_000 });
    expect(await p.getAttribute(row, 'data-kind')).toBe('hot_cell');
    // Open mode: everyone is admin, so the buttons are live.
    expect(await p.isEnabled(`${row} [data-testid="alert-resolve"]`)).toBe(true);
    timings.consoleAlertMs = Date.now() - t0;

    // Click 1: the alert. Its suggestions list the test's unit, available.
    const suggestion = `[data-testid="cell-panel"] [data-testid="suggestion"][data-unit="${UNIT}"]`;
    await p.click(`${row} .kind`);
    await p.waitForSelector(`[data-testid="picked-alert"][data-alert-id="${state.alert}"]`, { timeout: 10_000 });
    await p.waitForSelector(suggestion, { timeout: 20_000 });
    expect(await p.getAttribute(suggestion, 'data-available')).toBe('true');
    state.cell9 = (await p.getAttribute('[data-testid="suggestions"]', 'data-cell')) ?? '';
    expect(state.cell9).toBe(latLngToCell(C8LAT, C8LNG, 9));
    timings.suggestionsMs = Date.now() - t0;

    // Another dispatcher takes the unit first: the Dispatch click gets a 409, said plainly.
    const other = await api('POST', '/api/v1/dispatches', { unit: UNIT, cell: latLngToCell(START[0], START[1], 9), note: 'e2e: the other dispatcher' });
    expect(other.status, JSON.stringify(other.json)).toBe(201);
    await p.click(`${suggestion} [data-testid="dispatch-btn"]`);
    await p.waitForSelector('[data-testid="dispatch-result"][data-outcome="conflict"]', { timeout: 10_000 });
    expect(await p.textContent('[data-testid="dispatch-result"]')).toContain('Taken by another dispatcher');
    await p.screenshot({ path: join(RESULTS, 'console-409.png') });
    const cancelled = await api('POST', `/api/v1/dispatches/${other.json.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.json)).toBe(200);
    timings.conflictMs = Date.now() - t0;

    // The unit is free again: click the alert (1), then Dispatch (2).
    await waitFor('the unit available again in the suggestions', 20_000, async () => {
      await p.click(`${row} .kind`);
      await p.waitForSelector(`[data-testid="suggestions"][data-loaded="1"]`, { timeout: 10_000 });
      return (await p.getAttribute(suggestion, 'data-available').catch(() => null)) === 'true';
    });
    await p.click(`${suggestion} [data-testid="dispatch-btn"]`);
    await p.waitForSelector('[data-testid="dispatch-result"][data-outcome="ok"]', { timeout: 10_000 });
    state.dispatch = (await p.getAttribute('[data-testid="dispatch-result"]', 'data-dispatch-id')) ?? '';
    expect(state.dispatch).toMatch(/.+/);
    timings.dispatchedMs = Date.now() - t0;
    const d = await restDispatch(state.dispatch);
    expect(d?.unit).toBe(UNIT);
    expect(d?.alert).toBe(state.alert);
    expect(d?.cell).toBe(state.cell9);
    expect(['assigned', 'en_route']).toContain(d?.status);

    // The dispatches panel lists it, from the websocket layer.
    await p.waitForSelector(`[data-testid="dispatch-row"][data-dispatch-id="${state.dispatch}"]`, { timeout: 15_000 });
    timings.consoleDispatchRowMs = Date.now() - t0;
  });

  it('wall: the dispatch line, en route, then on scene as the unit arrives', async () => {
    const id = state.dispatch!;
    expect(id, 'the dispatch from the previous test').toBeTruthy();
    const t0 = Date.now();
    wallPage = await openPage(`${server.base}/?view=wall`);
    const p = wallPage;
    timings.wallReadyMs = Date.now() - t0;
    // Close in on the place so the line is long on screen (the wall itself is not interactive).
    await p.evaluate(([lng, lat]) => {
      (window as unknown as { citygrid: { map: { jumpTo: (o: unknown) => void } } }).citygrid.map.jumpTo({ center: [lng, lat], zoom: 14 });
    }, [C8LNG, C8LAT]);
    const wallRow = `[data-testid="wall-dispatch"][data-dispatch-id="${id}"]`;
    await p.waitForSelector(wallRow, { timeout: 30_000 });

    // The line: deck.gl draws the dispatch half-way from the unit to the target.
    const target = await waitFor('the dispatch in the store', 15_000, () => storeDispatch(p, id));
    const lineAt = async () => {
      const from = await unitAt(p);
      if (!from) return undefined;
      const mid: [number, number] = [(from[0] + target.lng) / 2, (from[1] + target.lat) / 2];
      const got = await pickAt(p, mid, 'dispatches');
      return got.some((o) => o.id === id) ? true : undefined;
    };
    await waitFor('the dispatch line drawn', 30_000, lineAt);
    timings.wallLineMs = Date.now() - t0;

    // Half-way: en route.
    await position((START[0] + target.lat) / 2, (START[1] + target.lng) / 2, 'dispatched');
    await waitFor('en route on the wall', 20_000, async () => (await p.getAttribute(wallRow, 'data-status')) === 'en_route');
    await waitFor('the line follows the unit', 20_000, lineAt);
    timings.wallEnRouteMs = Date.now() - t0;

    // Arrival: a report inside the target cell.
    const tArrive = Date.now();
    await position(target.lat + 0.0001, target.lng + 0.0001, 'busy');
    expect(latLngToCell(target.lat + 0.0001, target.lng + 0.0001, 9)).toBe(target.cell);
    await waitFor('on scene on the wall', 20_000, async () => (await p.getAttribute(wallRow, 'data-status')) === 'on_scene');
    timings.arriveToOnSceneMs = Date.now() - tArrive;
    expect(await p.textContent(wallRow)).toContain('On scene');
    expect((await storeDispatch(p, id))?.status).toBe('on_scene');
    // Drawn differently: the target is now a filled on-scene marker.
    await waitFor('the on-scene target drawn', 20_000, async () => {
      const got = await pickAt(p, [target.lng, target.lat], 'dispatch-targets');
      return got.some((o) => o.id === id && o.status === 'on_scene') ? true : undefined;
    });
    const rest = await restDispatch(id);
    expect(rest?.status).toBe('on_scene');
    expect(rest?.responseSeconds).toBeGreaterThan(0);
    timings.wallOnSceneMs = Date.now() - t0;
    await sleep(500);
    await p.screenshot({ path: join(RESULTS, 'wall-dispatch.png') });
  });

  it('wall: the alert counter equals GET /api/v1/alerts', async () => {
    const p = wallPage;
    const t0 = Date.now();
    // Rules run every second on the simulator's feed, so compare against two REST reads around the page's.
    await waitFor('alerts-total to equal the REST counts', 30_000, async () => {
      const before = (await api('GET', '/api/v1/alerts?status=open')).json.counts as Counts;
      const total = Number(((await p.textContent('[data-testid="alerts-total"]')) ?? '').replace(/,/g, ''));
      const hot = Number((await p.getAttribute('[data-testid="alerts-by-kind"] [data-kind="hot_cell"]', 'data-n').catch(() => null)) ?? 0);
      const after = (await api('GET', '/api/v1/alerts?status=open')).json.counts as Counts;
      const n = (c: Counts) => c.open + c.acknowledged;
      return n(before) === n(after) && total === n(after) && hot === (after.byKind?.hot_cell ?? 0) && total > 0 ? true : undefined;
    });
    timings.alertCounterMs = Date.now() - t0;
    await p.close();
  });

  it('console: on scene with the response time and the unit’s track; clear; acknowledge and resolve', async () => {
    const p = consolePage;
    const id = state.dispatch!;
    await p.bringToFront();
    const t0 = Date.now();
    const row = `[data-testid="dispatch-row"][data-dispatch-id="${id}"]`;
    await waitFor('on scene in the console', 20_000, async () => (await p.getAttribute(row, 'data-status')) === 'on_scene');
    expect(await p.textContent(`${row} [data-testid="dispatch-elapsed"]`)).toContain('Response');
    // The track: the unit's last positions, drawn as a path.
    const track = await p.evaluate((unit) => {
      const cg = (window as unknown as {
        citygrid: { store: { tracks: Map<string, [number, number][]> }; layers: () => { id: string; props: { data: { unit: string }[] } }[] };
      }).citygrid;
      const layer = cg.layers().find((l) => l.id === 'tracks');
      return { points: cg.store.tracks.get(unit)?.length ?? 0, drawn: layer?.props.data.some((t) => t.unit === unit) ?? false };
    }, UNIT);
    expect(track.points).toBeGreaterThanOrEqual(3);
    expect(track.drawn).toBe(true);
    await p.screenshot({ path: join(RESULTS, 'console-dispatch.png') });

    await p.click(`${row} [data-testid="dispatch-clear"]`);
    await waitFor('the dispatch cleared', 15_000, async () => (await restDispatch(id))?.status === 'cleared');
    await p.waitForSelector(row, { state: 'detached', timeout: 15_000 });
    timings.clearedMs = Date.now() - t0;

    // The alert: acknowledge, then resolve, from its row.
    const arow = `[data-testid="alert-row"][data-alert-id="${state.alert}"]`;
    const alertStatus = async () => {
      const r = await api('GET', '/api/v1/alerts?status=all&kind=hot_cell&limit=5000');
      return ((r.json.alerts ?? []) as Alert[]).find((a) => a.id === state.alert)?.status;
    };
    if ((await p.getAttribute(arow, 'data-status')) === 'open') {
      await p.click(`${arow} [data-testid="alert-ack"]`);
      await waitFor('the alert acknowledged', 15_000, async () => (await alertStatus()) === 'acknowledged');
      await waitFor('the row shows it', 15_000, async () => (await p.getAttribute(arow, 'data-status')) === 'acknowledged');
    }
    await p.click(`${arow} [data-testid="alert-resolve"]`);
    await waitFor('the alert resolved', 15_000, async () => (await alertStatus()) === 'resolved');
    await p.waitForSelector(arow, { state: 'detached', timeout: 15_000 });
    timings.alertResolvedMs = Date.now() - t0;
    await p.close();
  });

  it('console: a picked cell lists its incidents as the API does; a unit dispatched to one of them', async () => {
    const t0 = Date.now();
    await position(START2[0], START2[1], 'available', UNIT2);
    // Eight incidents in the cell, 20 s apart (newest first is then a fixed order), each
    // half-way from the centre to a corner (or a third of the way): off the centre's res-9 cell.
    const now = Date.now();
    const corners = cellToBoundary(CELL2);
    const spots = [0.55, 0.3].flatMap((f) => corners.map(([vlat, vlng]) => [C2LAT + (vlat - C2LAT) * f, C2LNG + (vlng - C2LNG) * f] as [number, number])).slice(0, 8);
    const items = spots.map(([lat, lng], i) => ({
      id: `e2e-inc-${now}-${i}`,
      lat,
      lng,
      time: new Date(now - i * 20_000).toISOString(),
      severity: (i % 4) + 1 === 4 ? 3 : (i % 4) + 1, // no severe_incident alerts
      category: i % 2 ? 'noise' : 'dispute',
      source: 'e2e',
      title: `e2e incident ${i}`,
    }));
    for (const it of items) expect(latLngToCell(it.lat, it.lng, 8)).toBe(CELL2);
    // The one to dispatch to: in a res-9 cell other than the centre's, so the dispatch's cell shows whose it is.
    const centre9 = latLngToCell(C2LAT, C2LNG, 9);
    const chosen = items.find((it) => latLngToCell(it.lat, it.lng, 9) !== centre9)!;
    expect(chosen).toBeDefined();
    const posted = await api('POST', '/api/v1/incidents', items);
    expect(posted.status, JSON.stringify(posted.json)).toBe(202);
    expect(posted.json.accepted).toBe(items.length);
    const listURL = `/api/v1/incidents?cell=${CELL2}&window=1h&limit=50`;
    await waitFor('the incidents in the API', 20_000, async () => {
      const r = await api('GET', listURL);
      const got = (r.json as unknown as IncidentsAnswer).incidents ?? [];
      return items.every((it) => got.some((g) => g.id === it.id)) ? true : undefined;
    });
    timings.incidentsPostedMs = Date.now() - t0;

    // The console, closed in on the cell; click its hexagon.
    const p = await openPage(`${server.base}/?view=console&res=8&window=1h`);
    await p.evaluate(([lng, lat]) => {
      (window as unknown as { citygrid: { map: { jumpTo: (o: unknown) => void } } }).citygrid.map.jumpTo({ center: [lng, lat], zoom: 15 });
    }, [C2LNG, C2LAT]);
    const box = await p.locator('#map').boundingBox();
    expect(box).not.toBeNull();
    const pick = async () => {
      const at = await waitFor('the cell drawn and pickable', 60_000, () => cellPoint(p, CELL2));
      await p.mouse.click(box!.x + at.x, box!.y + at.y);
      await p.waitForSelector('[data-testid="cell-panel"]:not([hidden])', { timeout: 10_000 });
      await waitFor('the picked cell in the panel', 10_000, async () => (await p.getAttribute('[data-testid="picked-cell"]', 'data-cell')) === CELL2);
    };
    await pick();
    timings.incidentsCellPickedMs = Date.now() - t0;

    // The list equals the API's answer (row for row, newest first). The simulator may add
    // to the cell meanwhile: compare with two REST reads around the page's, and pick again if they moved.
    const list = `[data-testid="cell-panel"] [data-testid="incidents"][data-cell="${CELL2}"]`;
    let first = true;
    const shown = await waitFor('the listed incidents to equal GET /api/v1/incidents', 60_000, async () => {
      if (!first) await pick();
      first = false;
      const before = (await api('GET', listURL)).json as unknown as IncidentsAnswer;
      await p.waitForSelector(`${list}[data-loaded="1"]`, { timeout: 15_000 });
      const ids = await p.$$eval(`${list} [data-testid="incident-row"]`, (rows) => rows.map((r) => (r as HTMLElement).dataset.incidentId ?? ''));
      const after = (await api('GET', listURL)).json as unknown as IncidentsAnswer;
      const same = (a: IncidentsAnswer) => a.incidents.length === ids.length && a.incidents.every((x, i) => x.id === ids[i]);
      return same(before) || same(after) ? { ids, truncated: (same(after) ? after : before).truncated } : undefined;
    });
    expect(shown.ids.length).toBeGreaterThanOrEqual(items.length);
    expect(shown.ids).toContain(chosen.id);
    const note = (await p.textContent('[data-testid="cell-panel"] [data-testid="incidents-note"]')) ?? '';
    expect(note.includes('more…')).toBe(shown.truncated);
    const crow = `${list} [data-testid="incident-row"][data-incident-id="${chosen.id}"]`;
    expect(await p.textContent(crow)).toContain(chosen.title);
    expect(await p.textContent(crow)).toContain('e2e');
    timings.incidentsListedMs = Date.now() - t0;

    // Pick the incident: the suggestions say so; clear it; pick it again.
    const target = '[data-testid="cell-panel"] [data-testid="dispatch-target"]';
    await p.click(`${crow} [data-testid="incident-select"]`);
    await p.waitForSelector(`${target}[data-incident="${chosen.id}"]`, { timeout: 10_000 });
    expect(await p.getAttribute(crow, 'data-selected')).toBe('1');
    await p.click(`${target} [data-testid="incident-clear"]`);
    await p.waitForSelector(`${target}:not([data-incident])`, { timeout: 10_000 });
    expect(await p.getAttribute(crow, 'data-selected')).toBe('');
    await p.click(`${crow} [data-testid="incident-select"]`);
    await p.waitForSelector(`${target}[data-incident="${chosen.id}"]`, { timeout: 10_000 });

    // Dispatch the test's second unit: the dispatch carries the incident and goes to its res-9 cell.
    const suggestion = `[data-testid="cell-panel"] [data-testid="suggestion"][data-unit="${UNIT2}"]`;
    await p.waitForSelector('[data-testid="cell-panel"] [data-testid="suggestions"][data-loaded="1"]', { timeout: 20_000 });
    await p.waitForSelector(suggestion, { timeout: 20_000 });
    expect(await p.getAttribute(suggestion, 'data-available')).toBe('true');
    await p.screenshot({ path: join(RESULTS, 'console-incidents.png') });
    await p.click(`${suggestion} [data-testid="dispatch-btn"]`);
    await p.waitForSelector('[data-testid="cell-panel"] [data-testid="dispatch-result"][data-outcome="ok"]', { timeout: 15_000 });
    const id = (await p.getAttribute('[data-testid="cell-panel"] [data-testid="dispatch-result"]', 'data-dispatch-id')) ?? '';
    expect(id).toMatch(/.+/);
    timings.incidentDispatchedMs = Date.now() - t0;
    const d = await waitFor('the dispatch through REST', 15_000, () => restDispatch(id, UNIT2));
    expect(d.unit).toBe(UNIT2);
    expect(d.incident).toBe(chosen.id);
    expect(d.alert).toBeUndefined();
    expect(d.cell).toBe(latLngToCell(chosen.lat, chosen.lng, 9));
    expect(d.cell).not.toBe(centre9);
    const cancelled = await api('POST', `/api/v1/dispatches/${id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.json)).toBe(200);
    await p.close();
  });

  it('broke nothing on the pages', () => {
    expect(problems).toEqual([]);
  });
});
