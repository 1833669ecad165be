import { describe, expect, it } from 'vitest';
import { configQuery, parseConfig, replaySpan } from '../src/config';
import { topic } from '../src/live';
import { clock, position, timeAt } from '../src/replaybar';
import { apply, health, newStore } from '../src/store';

const from = '2026-12-04T22:00:00.000Z';
const to = '2026-12-05T06:00:00.000Z';

describe('a replay', () => {
  it('is read from the URL and written back', () => {
    expect(replaySpan(`${from}..${to}`)).toEqual({ from, to });
    expect(replaySpan(`${to}..${from}`)).toBeUndefined();
    expect(replaySpan('yesterday..today')).toBeUndefined();
    expect(replaySpan(null)).toBeUndefined();
    const c = parseConfig(`?view=wall&replay=${from}..${to}&speed=600`);
    expect([c.replay, c.speed]).toEqual([{ from, to }, 600]);
    expect(parseConfig(`?replay=${from}..${to}&speed=99999`).speed).toBe(60);
    expect(parseConfig(configQuery(c))).toEqual(c);
  });

  it('asks the server for the replay, not the live topic', () => {
    const c = parseConfig(`?replay=${from}..${to}&speed=300&res=9&window=15m&category=theft`);
    expect(topic(c)).toEqual({ type: 'replay', from, to, speed: 300, res: 9, window: '15m', layers: ['heat', 'units', 'alerts', 'dispatches', 'cases'], category: 'theft' });
    expect(topic(parseConfig('')).type).toBe('subscribe');
    // A server that refuses the layers is asked with fewer, as live.
    expect((topic(c, 3) as { layers: string[] }).layers).toEqual(['heat', 'units', 'alerts', 'dispatches']);
    expect((topic(c, 4) as { layers: string[] }).layers).toEqual(['heat', 'units']);
  });

  it("starts the units' tracks afresh at each of its snapshots (a seek is another time)", () => {
    const s = newStore();
    const base = { v: 1, res: 8 as const, window: '1h' as const, asOf: from, total: 0, cells: [] };
    const unit = (lat: number) => ({ unit: 'car-1', kind: 'car', status: 'busy', lat, lng: 120.6, time: from, cell: '8930996c83bffff' });
    const replay = { at: from, from, to, speed: 60, paused: false, ended: false };
    apply(s, { ...base, type: 'snapshot', seq: 1, tick: 1, units: [unit(31.3)], replay }, 1000);
    apply(s, { ...base, type: 'delta', seq: 2, tick: 2, units: [unit(31.31)], replay }, 1100);
    expect(s.tracks.get('car-1')).toHaveLength(2);
    apply(s, { ...base, type: 'snapshot', seq: 3, tick: 3, units: [unit(31.5)], replay }, 1200);
    expect(s.tracks.get('car-1')).toEqual([[120.6, 31.5]]);
  });

  it('is never shown as live', () => {
    const s = newStore();
    const base = { v: 1, res: 8 as const, window: '1h' as const, asOf: from, total: 0, cells: [], units: [] };
    apply(s, { ...base, type: 'snapshot', seq: 1, tick: 1, replay: { at: from, from, to, speed: 60, paused: false, ended: false } }, 1000);
    expect(health(s, true, 1000)).toBe('replay');
    // Paused for minutes, still a replay, not stale.
    expect(health(s, true, 600_000)).toBe('replay');
    apply(s, { ...base, type: 'snapshot', seq: 2, tick: 9 }, 2000);
    expect([s.replay, health(s, true, 2000)]).toEqual([null, 'live']);
  });

  it('places the replayed moment on the timeline and back', () => {
    expect(position({ at: from, from, to })).toBe(0);
    expect(position({ at: '2026-12-05T02:00:00.000Z', from, to })).toBe(500);
    expect(position({ at: '2026-12-06T00:00:00.000Z', from, to })).toBe(1000);
    expect(timeAt(from, to, 250)).toBe('2026-12-05T00:00:00.000Z');
    expect(clock('nonsense')).toBe('—');
  });
});
