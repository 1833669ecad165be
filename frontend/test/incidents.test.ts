import { describe, expect, it } from 'vitest';
import { incidentsURL, INCIDENTS_LIMIT } from '../src/api';
import { dispatchTarget, targetLabel, formatAgo, incidentAgo, IncidentPick, incidentsFailText, incidentText, parseIncidents } from '../src/incidents';
import type { Incident } from '../src/protocol';

const inc = (over: Partial<Incident> = {}): Incident => ({ id: 'i-1', severity: 2, lat: 31.3, lng: 120.6, time: '2026-11-25T08:30:00.000Z', cell: '89309a4e1bfffff', ...over });

describe('incidents: the request', () => {
  it('asks for the cell, the window and the limit', () => {
    const u = new URL(incidentsURL('88309a4e1bfffff', '15m'), 'http://x');
    expect(u.pathname).toBe('/api/v1/incidents');
    expect(u.searchParams.get('cell')).toBe('88309a4e1bfffff');
    expect(u.searchParams.get('window')).toBe('15m');
    expect(u.searchParams.get('limit')).toBe(String(INCIDENTS_LIMIT));
    expect(INCIDENTS_LIMIT).toBe(50);
    expect(new URL(incidentsURL('88309a4e1bfffff', '24h', 7), 'http://x').searchParams.get('limit')).toBe('7');
  });
});

describe('incidents: parsing the answer', () => {
  it('reads the documented shape', () => {
    const r = parseIncidents({
      cell: '88309a4e1bfffff',
      window: '1h',
      asOf: '2026-11-25T08:31:00.000Z',
      truncated: true,
      incidents: [
        { id: '110-2', source: '110', category: 'theft', severity: 3, lat: 31.3, lng: 120.6, time: '2026-11-25T08:30:00.000Z', title: 'bike', address: '', regions: { district: '320508' }, cell: '89309a4e1bfffff' },
      ],
    });
    expect(r.cell).toBe('88309a4e1bfffff');
    expect(r.window).toBe('1h');
    expect(r.truncated).toBe(true);
    expect(r.incidents).toEqual([
      { id: '110-2', source: '110', category: 'theft', severity: 3, lat: 31.3, lng: 120.6, time: '2026-11-25T08:30:00.000Z', title: 'bike', regions: { district: '320508' }, cell: '89309a4e1bfffff' },
    ]);
  });

  it('puts the newest first, keeps the order of equal times, and drops rows without an id', () => {
    const r = parseIncidents({
      incidents: [
        { id: 'old', time: '2026-11-25T08:00:00.000Z', severity: 1 },
        { id: 'new-a', time: '2026-11-25T08:30:00.000Z', severity: 1 },
        { time: '2026-11-25T09:00:00.000Z', severity: 4 },
        null,
        'x',
        { id: 'new-b', time: '2026-11-25T08:30:00.000Z', severity: 1 },
        { id: 'no-time', severity: 1 },
      ],
    });
    expect(r.incidents.map((i) => i.id)).toEqual(['new-a', 'new-b', 'old', 'no-time']);
  });

  it('survives a body that is not the shape: no rows, not truncated', () => {
    for (const b of [null, undefined, 'oops', 42, [], { incidents: 'no' }]) {
      const r = parseIncidents(b);
      expect(r.incidents).toEqual([]);
      expect(r.truncated).toBe(false);
    }
    expect(parseIncidents({ truncated: 'yes' }).truncated).toBe(false);
  });

  it('holds severities to 1..4 and numbers to numbers', () => {
    const r = parseIncidents({ incidents: [{ id: 'a', severity: 9, lat: 'x' }, { id: 'b', severity: 0 }, { id: 'c', severity: 4 }] });
    expect(r.incidents.map((i) => i.severity)).toEqual([1, 1, 4]);
    expect(r.incidents[0].lat).toBe(0);
  });
});

describe('incidents: the words of the list', () => {
  it('says how long ago, in seconds, minutes, then hours', () => {
    expect(formatAgo(0)).toBe('0 s');
    expect(formatAgo(59_999)).toBe('59 s');
    expect(formatAgo(3 * 60_000 + 10_000)).toBe('3 min');
    expect(formatAgo(119 * 60_000)).toBe('119 min');
    expect(formatAgo(150 * 60_000)).toBe('2.5 h');
    expect(formatAgo(-5_000)).toBe('0 s'); // a little ahead of the clock
    const now = Date.parse('2026-11-25T08:33:00.000Z');
    expect(incidentAgo(inc(), now)).toBe('3 min');
    expect(incidentAgo(inc({ time: 'bad' }), now)).toBe('');
  });

  it('names an incident by its title, else its address, else its id', () => {
    expect(incidentText(inc({ title: 'bike stolen', address: '观前街' }))).toBe('bike stolen');
    expect(incidentText(inc({ address: '观前街' }))).toBe('观前街');
    expect(incidentText(inc())).toBe('i-1');
  });

  it('says a 400, a 503 and no server shortly, in both languages', () => {
    expect(incidentsFailText(400, 'cell: an H3 cell at resolution 7, 8 or 9')).toBe('请求无效 Bad request: cell: an H3 cell at resolution 7, 8 or 9');
    expect(incidentsFailText(503, 'redis unavailable; retry')).toContain('Incidents unavailable');
    expect(incidentsFailText(503, 'redis unavailable; retry')).toContain('try again');
    expect(incidentsFailText(0, 'TypeError: fetch failed')).toContain('Cannot reach the server');
    expect(incidentsFailText(403, 'role')).toContain('Not allowed');
    expect(incidentsFailText(500, 'HTTP 500')).toContain('HTTP 500');
  });
});

describe('incidents: the dispatch target', () => {
  it('is the picked incident, else the place', () => {
    expect(dispatchTarget({ cell: '89309a4e1bfffff' })).toEqual({ cell: '89309a4e1bfffff' });
    expect(dispatchTarget({ alert: 'a-1' }, undefined)).toEqual({ alert: 'a-1' });
    expect(dispatchTarget({ cell: '89309a4e1bfffff' }, inc({ id: '110-7' }))).toEqual({ incident: '110-7' });
  });

  it('labels where a dispatch goes', () => {
    expect(targetLabel({ cell: '89309a4e1bfffff' })).toBe('单元格 Cell 89309a4e1bfffff');
    expect(targetLabel({ alert: 'a-1' })).toBe('告警 Alert a-1');
    expect(targetLabel({ incident: '110-7' })).toBe('事件 Incident 110-7');
  });

  it('a pick tells its listeners of each change, and clears', () => {
    const p = new IncidentPick();
    let calls = 0;
    p.onChange(() => calls++);
    p.set(inc({ id: 'a' }));
    expect(p.incident?.id).toBe('a');
    p.set(inc({ id: 'a' })); // the same: no change
    expect(calls).toBe(1);
    p.set(inc({ id: 'b' }));
    p.set(undefined);
    expect(p.incident).toBeUndefined();
    expect(calls).toBe(3);
    expect(dispatchTarget({ cell: 'c' }, p.incident)).toEqual({ cell: 'c' });
  });
});
