import { describe, expect, it } from 'vitest';
import { barWidths, change, csv, districtLines, formatChange, formatIndexChange, formatSeconds, formatShare, seriesPath, sortedCounts, type Briefing } from '../src/briefingdata';

const brief = (over: Partial<Briefing['incidents']> = {}): Briefing => ({
  from: '2026-12-04T00:00:00Z',
  to: '2026-12-05T00:00:00Z',
  incidents: { total: 30, byCategory: { theft: 20, traffic: 10 }, byDistrict: { A: 20, B: 10 }, ...over },
  alerts: { total: 3, byKind: { hot_cell: 2, severe_incident: 1 }, byDistrict: { A: 3 } },
  dispatches: { total: 2, byDistrict: { B: 2 }, responseByDistrict: { B: { count: 2, medianSeconds: 300, p90Seconds: 400 } } },
});

describe('the briefing', () => {
  it('says a change in words, and nothing when there is no base', () => {
    expect(change(12, 10)).toBeCloseTo(0.2);
    expect(change(5, 0)).toBeNull();
    expect(change(5, undefined)).toBeNull();
    expect([formatChange(0.2), formatChange(-0.054), formatChange(0.001), formatChange(null)]).toEqual(['+20%', '−5%', '持平 0%', '—']);
    expect([formatSeconds(45), formatSeconds(450), formatSeconds(9000), formatSeconds(null)]).toEqual(['45 s', '7.5 min', '2.5 h', '—']);
    expect([formatShare(0.874), formatShare(null)]).toEqual(['87%', '—']);
  });

  it('joins every district’s figures into one line, busiest first', () => {
    const b = brief({ previous: { from: '', to: '', total: 25, byDistrict: { A: 10 }, change: 0.2 }, weekBefore: null });
    const lines = districtLines(b, [{ id: 'B', name: '乙' }, { id: 'A', name: '甲' }, { id: 'C', name: '丙' }], new Map([['A', { registered: 4, onTimeRate: 0.75 }]]), new Map([['B', { index: 88.2, band: 'good' }]]));
    expect(lines.map((l) => [l.code, l.incidents, l.change, l.weekChange, l.alerts, l.dispatches, l.responseMedian, l.casesRegistered, l.index])).toEqual([
      ['A', 20, 1, null, 3, 0, null, 4, null],
      ['B', 10, null, null, 0, 2, 300, null, 88.2],
      ['C', 0, null, null, 0, 0, null, null, null],
    ]);
  });

  it('draws the hours and the bars to scale', () => {
    const ys = seriesPath([0, 5, 10], 100, 50).split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys).toEqual([50, 25, 0]);
    expect(seriesPath([3], 100, 50)).toBe('');
    expect(barWidths([5, 10, 0])).toEqual([0.5, 1, 0]);
    expect(barWidths([0, 0])).toEqual([0, 0]);
    expect(sortedCounts({ b: 2, a: 2, c: 5 })).toEqual([['c', 5], ['a', 2], ['b', 2]]);
  });

  it('writes the tables as CSV a spreadsheet reads', () => {
    expect(csv(['区', 'n'], [['姑苏区', 3], ['a,b', null], ['say "hi"', 1]])).toBe('\ufeff区,n\r\n姑苏区,3\r\n"a,b",\r\n"say ""hi""",1\r\n');
  });

  it("writes the index's change, and a dash where there is no mark to compare with", () => {
    expect([formatIndexChange(1.25), formatIndexChange(-0.4), formatIndexChange(0), formatIndexChange(null)]).toEqual(['+1.3', '-0.4', '0.0', '—']);
  });
});
