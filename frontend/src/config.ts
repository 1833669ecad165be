// Page configuration from the URL: /?view=wall|console&kiosk=1&res=8&window=1h…

import { RESOLUTIONS, WINDOWS, type Res, type Window } from './protocol';

export type View = 'wall' | 'console' | 'briefing';

/** What the map shows: the incidents' heat, or the regions coloured by their safety index's band. */
export type Mode = 'heat' | 'index';

export interface Config {
  view: View;
  kiosk: boolean;
  res: Res;
  window: Window;
  category: string;
  minSeverity: number;
  extrude: boolean;
  /** Seconds per stop of the kiosk tour. */
  tourSeconds: number;
  mode: Mode;
  /** A past span to replay (replay=<from>..<to>, RFC 3339), and its speed (1–3600, default 60). */
  replay?: { from: string; to: string };
  speed: number;
}

export function parseConfig(search: string): Config {
  const q = new URLSearchParams(search);
  const res = Number(q.get('res'));
  const win = q.get('window') as Window;
  const sev = Number(q.get('minSeverity'));
  const tour = Number(q.get('tour'));
  const speed = Number(q.get('speed'));
  return {
    view: q.get('view') === 'console' || q.get('view') === 'briefing' ? (q.get('view') as View) : 'wall',
    kiosk: q.get('kiosk') === '1',
    res: (RESOLUTIONS as number[]).includes(res) ? (res as Res) : 8,
    window: WINDOWS.includes(win) ? win : '1h',
    category: (q.get('category') ?? '').slice(0, 64),
    minSeverity: sev >= 1 && sev <= 4 ? Math.floor(sev) : 1,
    extrude: q.get('extrude') === '1',
    tourSeconds: tour >= 3 && tour <= 600 ? tour : 20,
    mode: q.get('mode') === 'index' ? 'index' : 'heat',
    replay: replaySpan(q.get('replay')),
    speed: speed >= 1 && speed <= 3600 ? Math.round(speed) : 60,
  };
}

/** replaySpan reads replay=<from>..<to>: two times, the first before the second; undefined otherwise. */
export function replaySpan(v: string | null): { from: string; to: string } | undefined {
  const [a, b] = (v ?? '').split('..');
  const from = Date.parse(a ?? '');
  const to = Date.parse(b ?? '');
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) return undefined;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** configQuery is the inverse of parseConfig for the values that differ from the defaults. */
export function configQuery(c: Config): string {
  const q = new URLSearchParams();
  q.set('view', c.view);
  if (c.kiosk) q.set('kiosk', '1');
  if (c.res !== 8) q.set('res', String(c.res));
  if (c.window !== '1h') q.set('window', c.window);
  if (c.category) q.set('category', c.category);
  if (c.minSeverity > 1) q.set('minSeverity', String(c.minSeverity));
  if (c.extrude) q.set('extrude', '1');
  if (c.mode === 'index') q.set('mode', 'index');
  if (c.replay) {
    q.set('replay', `${c.replay.from}..${c.replay.to}`);
    if (c.speed !== 60) q.set('speed', String(c.speed));
  }
  return '?' + q.toString();
}
