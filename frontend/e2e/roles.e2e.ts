// Roles in the console against a server with credentials: people sign in on
// the page (cookie sessions, so every change carries X-Requested-With); an
// operator may acknowledge but not dispatch, a dispatcher may dispatch and
// clear. Facts only, generous deadlines.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cellToLatLng, latLngToCell } from 'h3-js';
import { buildServer, callAPI, CHROMIUM_ARGS, chromiumPath, freePort, type Json, Server, waitFor } from './server';

const FRONTEND = resolve(__dirname, '..');
const REPO = resolve(FRONTEND, '..');
const RESULTS = join(FRONTEND, 'test-results');

const PASSWORD = 'e2e-password-0123';
const USERS = { admin: 'zhao.admin', operator: 'wang.operator', dispatcher: 'li.dispatcher' } as const;
const UNIT = 'E2E-foot-101';
const PLACE: [number, number] = [31.3205, 120.6302];
const CELL8 = latLngToCell(PLACE[0], PLACE[1], 8);
const [C8LAT, C8LNG] = cellToLatLng(CELL8);

let tmp = '';
let server: Server;
let browser: Browser;
let adminCookie = '';
let alertId = '';
const problems: string[] = [];
const timings: Record<string, number> = {};


/** api calls the server as the signed-in admin (a cookie session, so with the CSRF header). */
function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return callAPI(server.base, method, path, body, adminCookie);
}

async function alertStatus(): Promise<string | undefined> {
  const r = await api('GET', '/api/v1/alerts?status=all&kind=hot_cell&limit=5000');
  return ((r.json.alerts ?? []) as { id: string; status: string }[]).find((a) => a.id === alertId)?.status;
}

/** signedInConsole opens the console in a fresh context and signs in on the page's form. */
async function signedInConsole(user: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await p.goto(`${server.base}/?view=console`);
  await p.waitForSelector('[data-testid="signin"]', { timeout: 30_000 });
  await p.fill('[data-testid="signin-user"]', user);
  await p.fill('[data-testid="signin-password"]', PASSWORD);
  await p.click('[data-testid="signin"] button[type="submit"]');
  await p.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  return p;
}

describe('console roles against a server with credentials', () => {
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'citygrid-roles-e2e-'));
    const bin = join(tmp, 'citygrid');
    const auth = join(tmp, 'auth.json');
    let t = Date.now();
    await buildServer(REPO, bin);
    timings.goBuildMs = Date.now() - t;
    for (const [role, name] of Object.entries(USERS)) {
      const r = spawnSync(bin, ['users', 'add', '-auth', auth, '-role', role, name], { input: PASSWORD + '\n', encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
    }
    server = new Server(bin, await freePort(), join(RESULTS, 'roles-server.log'), ['-auth', auth]);
    t = Date.now();
    await server.start();
    timings.serverReadyMs = Date.now() - t;
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    console.log('roles e2e timings (ms):', JSON.stringify(timings));
  });

  it('an admin makes a unit and a hot-cell alert', async () => {
    const r = await fetch(server.base + '/api/v1/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'citygrid' },
      body: JSON.stringify({ user: USERS.admin, password: PASSWORD }),
    });
    expect(r.status).toBe(200);
    adminCookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
    expect(adminCookie).toMatch(/^citygrid_session=/);
    // Without the header a cookie may not change anything.
    const bare = await fetch(server.base + '/api/v1/positions', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: adminCookie }, body: '{}' });
    expect(bare.status).toBe(403);

    const pos = await api('POST', '/api/v1/positions', { unit: UNIT, kind: 'foot', status: 'available', lat: C8LAT - 0.006, lng: C8LNG + 0.004 });
    expect(pos.status).toBe(202);
    const now = Date.now();
    const items = Array.from({ length: 25 }, (_, i) => ({ id: `e2e-roles-${now}-${i}`, lat: PLACE[0], lng: PLACE[1], severity: 2, category: 'dispute', source: 'e2e' }));
    expect((await api('POST', '/api/v1/incidents', items)).status).toBe(202);
    const t0 = Date.now();
    alertId = await waitFor('the hot-cell alert', 30_000, async () => {
      const r = await api('GET', '/api/v1/alerts?status=open');
      return ((r.json.alerts ?? []) as { id: string; cell?: string; kind: string }[]).find((a) => a.cell === CELL8 && a.kind === 'hot_cell')?.id;
    });
    timings.alertOpenMs = Date.now() - t0;
  });

  it('an operator acknowledges but may not dispatch', async () => {
    const t0 = Date.now();
    const p = await signedInConsole(USERS.operator);
    timings.operatorReadyMs = Date.now() - t0;
    const row = `[data-testid="alert-row"][data-alert-id="${alertId}"]`;
    await p.waitForSelector(row, { timeout: 30_000 });
    expect(await p.isEnabled(`${row} [data-testid="alert-ack"]`)).toBe(true);
    await p.click(`${row} .kind`);
    const btn = `[data-testid="cell-panel"] [data-testid="suggestion"][data-unit="${UNIT}"] [data-testid="dispatch-btn"]`;
    await p.waitForSelector(btn, { timeout: 20_000 });
    expect(await p.isDisabled(btn)).toBe(true);
    await p.click(`${row} [data-testid="alert-ack"]`);
    await waitFor('the alert acknowledged by the operator', 15_000, async () => (await alertStatus()) === 'acknowledged');
    await waitFor('the row to say so', 15_000, async () => (await p.getAttribute(row, 'data-status')) === 'acknowledged');
    timings.operatorAckMs = Date.now() - t0;
    await p.context().close();
  });

  it('a dispatcher dispatches and clears', async () => {
    const t0 = Date.now();
    const p = await signedInConsole(USERS.dispatcher);
    timings.dispatcherReadyMs = Date.now() - t0;
    const row = `[data-testid="alert-row"][data-alert-id="${alertId}"]`;
    await p.waitForSelector(row, { timeout: 30_000 });
    await p.click(`${row} .kind`);
    const btn = `[data-testid="cell-panel"] [data-testid="suggestion"][data-unit="${UNIT}"] [data-testid="dispatch-btn"]`;
    await p.waitForSelector(btn, { timeout: 20_000 });
    expect(await p.isEnabled(btn)).toBe(true);
    await p.click(btn);
    await p.waitForSelector('[data-testid="dispatch-result"][data-outcome="ok"]', { timeout: 10_000 });
    const id = (await p.getAttribute('[data-testid="dispatch-result"]', 'data-dispatch-id')) ?? '';
    const drow = `[data-testid="dispatch-row"][data-dispatch-id="${id}"]`;
    await p.waitForSelector(drow, { timeout: 15_000 });
    timings.dispatcherDispatchedMs = Date.now() - t0;
    await p.click(`${drow} [data-testid="dispatch-clear"]`);
    await waitFor('the dispatch cleared', 15_000, async () => {
      const r = await api('GET', `/api/v1/dispatches?status=all&unit=${UNIT}`);
      return ((r.json.dispatches ?? []) as { id: string; status: string }[]).find((d) => d.id === id)?.status === 'cleared';
    });
    await p.waitForSelector(drow, { state: 'detached', timeout: 15_000 });
    timings.dispatcherClearedMs = Date.now() - t0;
    await p.context().close();
  });

  it('cases: an operator reads a case but is offered no action; a dispatcher is offered its actions', async () => {
    const t0 = Date.now();
    const made = await api('POST', '/api/v1/cases', {
      id: `e2e-roles-case-${t0}`,
      title: 'e2e 路灯损坏',
      subcategory: 'facility.streetlight',
      channel: 'hotline-12345',
      lat: C8LAT,
      lng: C8LNG,
      reporter: { name: '王某', phone: '13900000000' },
    });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    const id = made.json.id as string;
    const open = async (user: string) => {
      const p = await signedInConsole(user);
      await p.click(`[data-testid="case-row"][data-case-id="${id}"]`, { timeout: 30_000 });
      await p.waitForSelector(`[data-testid="case-page"][data-case-id="${id}"][data-loaded="1"]`, { timeout: 15_000 });
      const actions = await p.$$eval('[data-testid="case-actions"] button', (bs) => bs.map((b) => (b as HTMLElement).dataset.action));
      const reporter = await p.$('[data-testid="case-reporter"]');
      return { p, actions, reporter: reporter ? await reporter.textContent() : null };
    };
    const op = await open(USERS.operator);
    expect(op.actions).toEqual([]);
    expect(op.reporter).toBeNull(); // personal data: dispatchers and up only
    expect(await op.p.textContent('[data-testid="case-actions"]')).toContain('dispatcher');
    await op.p.context().close();
    const di = await open(USERS.dispatcher);
    expect(di.actions).toEqual(['accept', 'reject']);
    expect(di.reporter).toContain('13900000000');
    await di.p.click('[data-testid="case-action-accept"]');
    await di.p.waitForSelector('[data-testid="case-page"][data-state="accepted"]', { timeout: 15_000 });
    expect(((await api('GET', `/api/v1/cases/${id}`)).json as { state: string }).state).toBe('accepted');
    await di.p.context().close();
    timings.casesRolesMs = Date.now() - t0;
  });

  it('broke nothing on the pages', () => {
    expect(problems).toEqual([]);
  });
});
