import { describe, expect, it } from 'vitest';
import { inputRows } from '../src/indexpanel';
import type { IndexRow } from '../src/protocol';
import { bandColor, bandFill, BANDS, board, changeArrow, formatIndex, movers, sparkline } from '../src/safety';

const row = (code: string, index: number, change = 0, band = 'excellent'): IndexRow => ({
  code, name: code, level: 'street', index, band, change, rank: 1, rankInLevel: 1, sub: { publicOrder: 100, traffic: 100, fire: 100, disputes: 100 },
});

describe('the safety index on the screens', () => {
  it('colours each band apart, and an unknown one grey', () => {
    expect(new Set(BANDS.map(bandColor)).size).toBe(4);
    expect(bandColor('nonsense')).toBe('#8a94a6');
  });

  it('fills each region by its band, the others transparent', () => {
    expect(bandFill([row('a', 95, 0, 'excellent'), row('b', 65, 0, 'poor')])).toEqual(['match', ['get', 'code'], 'a', bandColor('excellent'), 'b', bandColor('poor'), 'rgba(0,0,0,0)']);
    expect(bandFill([])).toBe('rgba(0,0,0,0)');
  });

  it('ranks the best and the worst ten, never one row in both', () => {
    const rows = Array.from({ length: 25 }, (_, i) => row(`s${String(i).padStart(2, '0')}`, 100 - i));
    const { best, worst } = board(rows, 10);
    expect(best.map((r) => r.index)).toEqual([100, 99, 98, 97, 96, 95, 94, 93, 92, 91]);
    expect(worst.map((r) => r.index)).toEqual([76, 77, 78, 79, 80, 81, 82, 83, 84, 85]);
    const few = board(rows.slice(0, 5), 10);
    expect([few.best.length, few.worst.length]).toEqual([3, 2]);
    expect(few.best.some((r) => few.worst.includes(r))).toBe(false);
  });

  it('says which way an index moved', () => {
    expect(changeArrow(1.26)).toEqual({ arrow: '▲', dir: 'up', text: '+1.3' });
    expect(changeArrow(-3)).toEqual({ arrow: '▼', dir: 'down', text: '-3.0' });
    expect(changeArrow(0.01).dir).toBe('same');
    expect(movers([row('a', 90, 0.01), row('b', 90, -5), row('c', 90, 2)]).map((r) => r.code)).toEqual(['b', 'c']);
    expect(formatIndex(undefined)).toBe('—');
  });

  it('draws a trend that falls when the index falls', () => {
    const d = sparkline([100, 90, 80], 100, 50);
    const ys = d.split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys[0]).toBeLessThan(ys[2]);
    expect(sparkline([99], 100, 50)).toBe('');
  });

  it('lists the sub-indices costliest first', () => {
    const inputs = [
      { sub: 'traffic', count: 3, weighted: 3, expected: 4, ownRate: null, peerRate: 1, excess: 0, score: 100, lost: 0 },
      { sub: 'publicOrder', count: 40, weighted: 60, expected: 10, ownRate: 1, peerRate: 1, excess: 5, score: 60, lost: 16 },
    ];
    expect(inputRows({ inputs }).map((r) => [r.sub, r.lost])).toEqual([['publicOrder', '−16.0'], ['traffic', '0']]);
  });
});

describe('the index layer in the store', () => {
  it('takes it whole, ignores a repeat, keeps it across deltas without it', async () => {
    const { apply, newStore } = await import('../src/store');
    const base = { v: 1, res: 8 as const, window: '1h' as const, asOf: '2026-12-04T00:00:00Z' };
    const layer = (index: number) => ({ period: '7d', asOf: 'x', city: row('3205', index), districts: [row('320505', index)], streets: [] });
    const s = newStore();
    apply(s, { ...base, type: 'snapshot', seq: 1, tick: 1, total: 0, cells: [], units: [], index: layer(90) }, 1);
    expect([s.safety?.city?.index, s.safetyVersion]).toEqual([90, 1]);
    expect(apply(s, { ...base, type: 'delta', seq: 2, tick: 2, index: layer(90) }, 2)).toBe('unchanged');
    expect(apply(s, { ...base, type: 'delta', seq: 3, tick: 3 }, 3)).toBe('unchanged');
    expect(apply(s, { ...base, type: 'delta', seq: 4, tick: 4, index: layer(85) }, 4)).toBe('changed');
    expect([s.safety?.districts[0].index, s.safetyVersion]).toEqual([85, 2]);
  });
});

describe('the kiosk tour in the index mode', () => {
  it('captions the city and each district with its index and band', async () => {
    const { indexCaption } = await import('../src/tour');
    const l = { period: '7d', asOf: 'x', city: row('3205', 91.24), districts: [row('320505', 65, 0, 'poor')], streets: [] };
    const ds = [{ id: '320505', name: '虎丘区' }, { id: '320506', name: '吴中区' }];
    expect(indexCaption(0, '苏州市', ds, l)).toBe('全市 苏州市 · 平安指数 91.2 优');
    expect(indexCaption(1, '苏州市', ds, l)).toBe('虎丘区 · 平安指数 65.0 较差');
    expect(indexCaption(2, '苏州市', ds, l)).toBe('吴中区 · 平安指数 –');
    expect(indexCaption(1, '苏州市', ds, null)).toBe('虎丘区 · 平安指数 –');
  });
});
