// Helpers for the browser test: build and run the real citygrid binary.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { cellToBoundary, cellToLatLng } from 'h3-js';
import { chromium, type Page } from 'playwright-core';

const run = promisify(execFile);

export async function buildServer(repo: string, out: string): Promise<void> {
  await run('go', ['build', '-o', out, './cmd/citygrid'], { cwd: repo, timeout: 300_000 });
}

/** buildBasemap writes the test base map of Suzhou (a PMTiles archive the Go helper builds) to out. */
export async function buildBasemap(repo: string, out: string): Promise<void> {
  await run('go', ['run', './internal/pmtilestest/mkbasemap', out], { cwd: repo, timeout: 300_000 });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class Server {
  proc: ChildProcess | null = null;
  private data: string | undefined;
  constructor(
    readonly bin: string,
    readonly port: number,
    readonly log: string,
    /** More flags for citygrid (e.g. -auth FILE). */
    readonly args: string[] = [],
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const out = createWriteStream(this.log, { flags: 'a' });
    // Its own data folder (the private redis-server keeps it across stop and start), never the user's.
    this.data ??= mkdtempSync(join(tmpdir(), 'citygrid-e2e-data-'));
    const p = spawn(this.bin, ['-simulate', '-addr', `127.0.0.1:${this.port}`, '-data', this.data, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout?.pipe(out);
    p.stderr?.pipe(out);
    this.proc = p;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`citygrid exited with ${p.exitCode}; see ${this.log}`);
      try {
        const r = await fetch(this.base + '/readyz');
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`citygrid not ready in 90 s; see ${this.log}`);
  }

  /** stop sends SIGTERM, waits for the exit, and SIGKILLs after 10 s. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** chromiumPath: Debian's browser; /usr/lib/chromium/chromium skips the launcher's warning. */
export function chromiumPath(): string {
  const env = process.env.CHROMIUM;
  if (env) return env;
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (existsSync(p)) return p;
  throw new Error('no chromium: apt-get install -y chromium (or set CHROMIUM)');
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** The policy the server is to send; the test adds it when the server does not yet. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/**
 * waitFor polls f (every 100 ms) until it returns a value other than
 * undefined or false, and returns it; after ms it fails, naming what it
 * waited for and the last error f threw.
 */
export async function waitFor<T>(what: string, ms: number, f: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * cellPoint finds a screen point (map coordinates) where deck.gl picks the
 * cell's hexagon in the heat layer: the centre, else points towards its
 * corners (a unit dot may sit on the centre).
 */
export function cellPoint(p: Page, cell: string): Promise<{ x: number; y: number } | undefined> {
  const [lat, lng] = cellToLatLng(cell);
  const pts: [number, number][] = [[lng, lat], ...cellToBoundary(cell).flatMap(([vlat, vlng]) => [0.35, 0.6].map((f) => [lng + (vlng - lng) * f, lat + (vlat - lat) * f] as [number, number]))];
  return p.evaluate(
    ([cell, pts]) => {
      const cg = (window as unknown as {
        citygrid: {
          map: { project: (ll: [number, number]) => { x: number; y: number } };
          overlay: { pickObject: (o: { x: number; y: number; radius: number }) => { layer?: { id: string }; object?: { cell?: string } } | null };
        };
      }).citygrid;
      for (const ll of pts as [number, number][]) {
        const pt = cg.map.project(ll);
        const info = cg.overlay.pickObject({ x: pt.x, y: pt.y, radius: 0 });
        if (info?.layer?.id === 'heat' && info.object?.cell === cell) return { x: pt.x, y: pt.y };
      }
      return undefined;
    },
    [cell, pts] as const,
  );
}

/** A JSON body as the tests read it (a body that is not JSON comes as {text}). */
export type Json = Record<string, unknown>;

/**
 * callAPI sends a JSON request as a page would (with the CSRF header, and a
 * session cookie when given) and reads the answer.
 */
export async function callAPI(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<{ status: number; json: Json }> {
  const r = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'citygrid', ...(cookie ? { Cookie: cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) as Json };
  } catch {
    return { status: r.status, json: { text } };
  }
}

/** A launched test: the real server on a free port, and a Chromium page. */
export interface Launched {
  server: Server;
  page: Page;
  /** close stops the browser and the server, and removes the binary's folder. */
  close: () => Promise<void>;
}

/**
 * launch builds citygrid, starts it (its log in test-results/<name>-server.log,
 * with args after -simulate), opens Chromium at the viewport, and has the
 * page's uncaught errors pushed to problems.
 */
export async function launch(name: string, problems: string[], o: { args?: string[]; viewport?: { width: number; height: number } } = {}): Promise<Launched> {
  const frontend = resolve(__dirname, '..');
  const results = join(frontend, 'test-results');
  mkdirSync(results, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), `citygrid-${name}-e2e-`));
  const bin = join(tmp, 'citygrid');
  await buildServer(resolve(frontend, '..'), bin);
  const server = new Server(bin, await freePort(), join(results, `${name}-server.log`), o.args ?? []);
  await server.start();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1600, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return {
    server,
    page,
    close: async () => {
      await browser.close().catch(() => undefined);
      await server.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
