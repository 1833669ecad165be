import { describe, expect, it } from 'vitest';
import type { DeltaFrame, SnapshotFrame, Unit } from '../src/protocol';
import { parseFrame } from '../src/protocol';
import { apply, cellList, health, heatRefreshMs, hotCells, MAX_RISES, newStore, STALE_MS, topCells, unitCounts } from '../src/store';

const unit = (id: string, status: string): Unit => ({ unit: id, kind: 'car', status, lat: 31.3, lng: 120.6, cell: '89309a4e1bfffff', time: '2026-11-25T08:30:00.000Z' });

const snap = (over: Partial<SnapshotFrame> = {}): SnapshotFrame => ({
  type: 'snapshot',
  v: 1,
  seq: 1,
  tick: 10,
  res: 8,
  window: '1h',
  asOf: '2026-11-25T08:30:00.000Z',
  total: 5,
  cells: [
    { cell: 'a', count: 3 },
    { cell: 'b', count: 2 },
  ],
  units: [unit('u1', 'available'), unit('u2', 'busy')],
  ...over,
});

const delta = (over: Partial<DeltaFrame> = {}): DeltaFrame => ({
  type: 'delta',
  v: 1,
  seq: 2,
  tick: 11,
  res: 8,
  window: '1h',
  asOf: '2026-11-25T08:30:00.250Z',
  ...over,
});

describe('store.apply', () => {
  it('takes a snapshot whole', () => {
    const s = newStore();
    expect(apply(s, snap(), 1000)).toBe('changed');
    expect(s.total).toBe(5);
    expect(s.cells.get('a')).toBe(3);
    expect(s.units.size).toBe(2);
    expect(s.lastFrameAt).toBe(1000);
    expect(s.heatVersion).toBe(1);
  });

  it('sets absolute counts, drops zeros and gone units, records rises', () => {
    const s = newStore();
    apply(s, snap(), 1000);
    const r = apply(
      s,
      delta({
        total: 6,
        cells: [
          { cell: 'a', count: 5 },
          { cell: 'b', count: 0 },
          { cell: 'c', count: 1 },
        ],
        units: [{ unit: 'u1', gone: true }, unit('u3', 'dispatched')],
      }),
      1250,
    );
    expect(r).toBe('changed');
    expect(Object.fromEntries(s.cells)).toEqual({ a: 5, c: 1 });
    expect(s.total).toBe(6);
    expect([...s.units.keys()].sort()).toEqual(['u2', 'u3']);
    expect(s.rises.map((x) => [x.cell, x.by])).toEqual([
      ['c', 1],
      ['a', 2],
    ]);
    expect(s.heatVersion).toBe(2);
    expect(s.unitsVersion).toBe(2);
  });

  it('treats an empty delta as a heartbeat', () => {
    const s = newStore();
    apply(s, snap(), 1000);
    expect(apply(s, delta({ total: 5 }), 2000)).toBe('unchanged');
    expect(s.lastFrameAt).toBe(2000);
    expect(s.heatVersion).toBe(1);
  });

  it('sums the cells when a delta has no total (bbox subscriptions)', () => {
    const s = newStore();
    apply(s, snap(), 1000);
    apply(s, delta({ cells: [{ cell: 'b', count: 4 }] }), 1100);
    expect(s.total).toBe(7);
  });

  it('asks for a resync on a seq gap or a delta before any snapshot', () => {
    const s = newStore();
    expect(apply(s, delta({ seq: 1 }), 1000)).toBe('resync');
    apply(s, snap(), 1000);
    expect(apply(s, delta({ seq: 3, cells: [{ cell: 'a', count: 9 }] }), 1100)).toBe('resync');
    expect(s.cells.get('a')).toBe(3);
    expect(s.seq).toBe(1);
  });

  it('keeps an error frame without losing state', () => {
    const s = newStore();
    apply(s, snap(), 1000);
    apply(s, { type: 'error', v: 1, error: 'res: must be one of [7 8 9]' }, 1100);
    expect(s.error).toContain('res');
    expect(s.total).toBe(5);
    apply(s, snap({ seq: 2 }), 1200);
    expect(s.error).toBe('');
  });

  it('caps the ticker', () => {
    const s = newStore();
    apply(s, snap(), 0);
    for (let i = 0; i < 30; i++) apply(s, delta({ seq: 2 + i, cells: [{ cell: `x${i}`, count: 1 }] }), i);
    expect(s.rises.length).toBe(MAX_RISES);
    expect(s.rises[0].cell).toBe('x29');
  });
});

describe('store derived values', () => {
  it('lists, ranks and counts', () => {
    const s = newStore();
    apply(s, snap({ cells: [{ cell: 'b', count: 2 }, { cell: 'a', count: 2 }, { cell: 'c', count: 9 }] }), 0);
    const l1 = cellList(s);
    const l2 = cellList(s);
    expect(l1).not.toBe(l2); // a new array each time: deck.gl compares by reference
    expect(topCells(s, 2).map((c) => c.cell)).toEqual(['c', 'a']);
    expect(unitCounts(s)).toEqual({ available: 1, dispatched: 0, busy: 1, 'off-duty': 0 });
  });

  it('finds hot cells against the mean', () => {
    const s = newStore();
    const cells = Array.from({ length: 20 }, (_, i) => ({ cell: `c${i}`, count: 1 }));
    cells.push({ cell: 'hot', count: 10 });
    apply(s, snap({ cells }), 0);
    expect(hotCells(s)).toBe(1);
  });

  it('tells the connection health', () => {
    const s = newStore();
    expect(health(s, false, 0)).toBe('connecting');
    expect(health(s, true, 0)).toBe('connecting');
    apply(s, snap(), 1000);
    expect(health(s, true, 1000 + STALE_MS)).toBe('live');
    expect(health(s, true, 1001 + STALE_MS)).toBe('stale');
    expect(health(s, false, 1500)).toBe('down');
  });
});

describe('parseFrame', () => {
  it('accepts frames and rejects junk', () => {
    expect(parseFrame(JSON.stringify(snap()))?.type).toBe('snapshot');
    expect(parseFrame('{"type":"error","v":1,"error":"x"}')?.type).toBe('error');
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('{"type":"delta"}')).toBeNull();
    expect(parseFrame('{"type":"hello","seq":1,"tick":1}')).toBeNull();
    expect(parseFrame('null')).toBeNull();
  });
});

describe('heatRefreshMs', () => {
  it('follows every tick for small maps and caps large ones at 1/s', () => {
    expect(heatRefreshMs(0)).toBe(0);
    expect(heatRefreshMs(500)).toBe(100);
    expect(heatRefreshMs(1000)).toBe(200);
    expect(heatRefreshMs(10_000)).toBe(1000);
  });
});
