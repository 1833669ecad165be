// The duty officer's desk in a real browser against the real server: the
// search box finds a district, an incident by its id and a unit by its call
// sign; an incident's page says where it stands and its history; notes given
// on acknowledge, dispatch, clear and resolve are kept and shown (each
// compared with the API); the resolved alerts' history lists the alert with
// who resolved it and the note. Facts only, generous deadlines.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { cellToLatLng, latLngToCell } from 'h3-js';
import { callAPI, type Json, launch, type Launched, Server, waitFor } from './server';

const RESULTS = join(resolve(__dirname, '..'), 'test-results');

const UNIT = 'E2E-desk-car-7';
/** The incident's place: a res-9 cell's centre south of the old town; the unit waits about 900 m away. */
const CELL9 = latLngToCell(31.2852, 120.6183, 9);
const [LAT, LNG] = cellToLatLng(CELL9);
const INCIDENT = `e2e-desk-${Date.now()}`;

let launched: Launched | undefined;
let server: Server;
let page: Page;
const problems: string[] = [];

interface Alert {
  id: string;
  status: string;
  ackNote?: string;
  resolveNote?: string;
  resolvedBy?: string;
}
interface Dispatch {
  id: string;
  unit: string;
  status: string;
  note?: string;
  endNote?: string;
}
interface Detail {
  status: string;
  alerts: Alert[];
  dispatches: Dispatch[];
  history: { what: string; note?: string }[];
}

function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return callAPI(server.base, method, path, body);
}

async function detail(): Promise<Detail> {
  const r = await api('GET', `/api/v1/incidents/${INCIDENT}`);
  expect(r.status).toBe(200);
  return r.json as unknown as Detail;
}

const text = (sel: string) => page.locator(sel).first().innerText();

/** searchFor types q into the search box and waits for its results. */
async function searchFor(q: string): Promise<void> {
  await page.fill('[data-testid="search-input"]', q);
  await page.waitForSelector(`[data-testid="search-results"][data-q="${q}"]:not([hidden])`, { timeout: 15_000 });
}

describe('the desk: search, an incident page, notes, resolved alerts', () => {
  beforeAll(async () => {
    launched = await launch('desk', problems, {});
    server = launched.server;
    page = launched.page;
    // A unit to dispatch, and a severe incident (severity 4 opens an alert at once).
    let r = await api('POST', '/api/v1/positions', { unit: UNIT, kind: 'car', status: 'available', lat: LAT - 0.0065, lng: LNG - 0.0055, time: new Date().toISOString() });
    expect(r.status).toBe(202);
    r = await api('POST', '/api/v1/incidents', {
      id: INCIDENT, source: 'e2e', lat: LAT, lng: LNG, severity: 4, category: 'assault', title: '斗殴 A fight', address: '人民路 100 号', time: new Date().toISOString(),
    });
    expect(r.status).toBe(202);
    await waitFor('the severe alert', 30_000, async () => (await detail()).alerts.length === 1);
    await page.goto(server.base + '/?view=console');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  });

  afterAll(async () => {
    await launched?.close();
  });

  it('finds a district by name and shows its figures', async () => {
    await searchFor('吴中');
    const first = page.locator('[data-testid="search-result"]').first();
    expect(await first.getAttribute('data-type')).toBe('region');
    expect(await first.innerText()).toContain('吴中区');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="region-name"]:text("吴中区")', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="region-incidents"]', { timeout: 10_000 });
    // The map went there: its centre is inside the district's box.
    const r = await api('GET', '/api/v1/search?q=' + encodeURIComponent('吴中'));
    const bbox = ((r.json.results as { bbox: number[] }[])[0]).bbox;
    await waitFor('the map over 吴中区', 10_000, async () => {
      const c = await page.evaluate(() => (window as unknown as { citygrid: { map: { getCenter: () => { lng: number; lat: number } } } }).citygrid.map.getCenter());
      return c.lng > bbox[0] && c.lng < bbox[2] && c.lat > bbox[1] && c.lat < bbox[3];
    });
  });

  it('finds an incident by its id and shows where it stands, as the API says', async () => {
    await searchFor(INCIDENT);
    const first = page.locator('[data-testid="search-result"]').first();
    expect(await first.getAttribute('data-type')).toBe('incident');
    await first.click();
    await page.waitForSelector(`[data-testid="incident-page"][data-incident-id="${INCIDENT}"][data-status]`, { timeout: 10_000 });
    const d = await detail();
    expect(await page.getAttribute('[data-testid="incident-page"]', 'data-status')).toBe(d.status);
    expect(d.status).toBe('reported');
    expect(await text('[data-testid="incident-address"]')).toBe('人民路 100 号');
    expect(await text('[data-testid="incident-source"]')).toContain('e2e');
    const steps = await page.locator('[data-testid="incident-history"] li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-what')));
    expect(steps).toEqual(d.history.map((h) => h.what));
    expect(steps).toEqual(['reported', 'alert.open']);
  });

  it('acknowledges the alert with a note, kept and shown in the history', async () => {
    await page.click('[data-testid="incident-alert"]');
    await page.waitForSelector('[data-testid="picked-alert"]', { timeout: 10_000 });
    await page.fill('[data-testid="alert-note"]', '已回电 called the reporter back');
    await page.click('[data-testid="alert-panel-ack"]');
    await page.waitForSelector('[data-testid="alert-note-text"]', { timeout: 10_000 });
    expect(await text('[data-testid="alert-note-text"]')).toContain('已回电 called the reporter back');
    const d = await detail();
    expect(d.alerts[0].ackNote).toBe('已回电 called the reporter back');
    expect(d.status).toBe('acknowledged');
    await page.click('[data-testid="open-incident"]');
    await page.waitForSelector('[data-testid="incident-page"][data-status="acknowledged"]', { timeout: 10_000 });
    expect(await text('[data-testid="incident-history"] li[data-what="alert.ack"]')).toContain('已回电 called the reporter back');
    await page.screenshot({ path: join(RESULTS, 'desk-incident.png') });
  });

  it('dispatches a unit with a note and clears the order with another', async () => {
    const unitRow = `[data-testid="suggestion"][data-unit="${UNIT}"]`;
    await page.waitForSelector(unitRow, { timeout: 15_000 });
    await page.fill('[data-testid="dispatch-note"]', '蓝色门 blue door');
    await page.click(`${unitRow} [data-testid="dispatch-btn"]`);
    await page.waitForSelector('[data-testid="dispatch-result"][data-outcome="ok"]', { timeout: 10_000 });
    const id = (await page.getAttribute('[data-testid="dispatch-result"]', 'data-dispatch-id')) ?? '';
    let d = await detail();
    expect(d.dispatches.map((x) => [x.id, x.unit, x.note])).toEqual([[id, UNIT, '蓝色门 blue door']]);
    expect(d.status).toBe('dispatched');
    // The order's own panel: its note, and Clear with a note.
    await page.click(`[data-testid="dispatch-row"][data-dispatch-id="${id}"]`);
    await page.waitForSelector(`[data-testid="picked-dispatch"][data-dispatch-id="${id}"]`, { timeout: 10_000 });
    expect(await text('[data-testid="dispatch-note-text"]')).toBe('蓝色门 blue door');
    await page.fill('[data-testid="dispatch-end-note"]', '已调解 settled on the spot');
    await page.click('[data-testid="dispatch-panel-clear"]');
    await page.waitForSelector('[data-testid="dispatch-endnote-text"]', { timeout: 10_000 });
    expect(await text('[data-testid="dispatch-endnote-text"]')).toBe('已调解 settled on the spot');
    d = await detail();
    expect(d.dispatches[0].status).toBe('cleared');
    expect(d.dispatches[0].endNote).toBe('已调解 settled on the spot');
    expect(d.status).toBe('cleared');
  });

  it('resolves the alert with a note, and the resolved history lists it as the API does', async () => {
    await searchFor(INCIDENT);
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector(`[data-testid="incident-page"][data-incident-id="${INCIDENT}"][data-status="cleared"]`, { timeout: 10_000 });
    const steps = await page.locator('[data-testid="incident-history"] li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-what')));
    expect(steps).toEqual((await detail()).history.map((h) => h.what));
    await page.click('[data-testid="incident-alert"]');
    await page.waitForSelector('[data-testid="alert-panel-resolve"]', { timeout: 10_000 });
    await page.fill('[data-testid="alert-note"]', '处置完毕 handled');
    await page.click('[data-testid="alert-panel-resolve"]');
    await page.waitForSelector('[data-testid="picked-alert-status"][data-status="resolved"]', { timeout: 10_000 });
    const a = (await detail()).alerts[0];
    expect([a.status, a.resolveNote, a.ackNote]).toEqual(['resolved', '处置完毕 handled', '已回电 called the reporter back']);
    await page.click('[data-testid="alerts-tab-resolved"]');
    const row = `[data-testid="resolved-row"][data-alert-id="${a.id}"]`;
    await page.waitForSelector(row, { timeout: 20_000 });
    expect(await page.getAttribute(row, 'data-resolution')).toBe('manual');
    const note = await text(`${row} [data-testid="resolved-note"]`);
    expect(note).toContain('处置完毕 handled');
    expect(note).toContain('已回电 called the reporter back');
    expect(await text(`${row} .who`)).toContain(a.resolvedBy ?? '?');
    await page.click('[data-testid="alerts-tab-open"]');
  });

  it('finds a unit by its call sign', async () => {
    await searchFor('desk-car');
    const first = page.locator('[data-testid="search-result"]').first();
    expect([await first.getAttribute('data-type'), await first.getAttribute('data-code')]).toEqual(['unit', UNIT]);
    await first.click();
    await page.waitForSelector(`[data-testid="picked-unit"][data-unit="${UNIT}"]`, { timeout: 10_000 });
    expect(await text('[data-testid="unit-kind"]')).toBe('car');
  });

  it('an id that is not an incident of the last day says so', async () => {
    const r = await api('GET', '/api/v1/incidents/nobody-at-all');
    expect(r.status).toBe(404);
    await searchFor('nobody-at-all');
    await page.waitForSelector('[data-testid="search-none"]', { timeout: 10_000 });
    expect(problems).toEqual([]);
  });
});
