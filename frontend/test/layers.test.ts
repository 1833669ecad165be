import { describe, expect, it } from 'vitest';
import { buildLayers, HEAT_ID, HOT_ID, SELECTED_ID, statusColor, UNITS_ID, type LayerInput } from '../src/layers';
import { colorOf, legendLabels, makeScale, niceCeil, RAMP } from '../src/scale';

const input = (over: Partial<LayerInput> = {}): LayerInput => ({
  cells: [
    { cell: '88309a4e1bfffff', count: 3 },
    { cell: '88309a4e13fffff', count: 40 },
  ],
  units: [{ unit: 'u1', kind: 'car', status: 'busy', lat: 31.3, lng: 120.6, cell: '89309a4e1bfffff', time: '' }],
  scale: makeScale(40),
  heatVersion: 1,
  extrude: false,
  selected: '',
  wall: true,
  ...over,
});

// Layer props as the builders set them.
type Props = Record<string, unknown> & { data: unknown[] };
const props = (l: { props: unknown }) => l.props as Props;

describe('buildLayers', () => {
  it('builds stable ids with the given data', () => {
    const inp = input();
    const layers = buildLayers(inp);
    expect(layers.map((l) => l.id)).toEqual([HEAT_ID, UNITS_ID]);
    expect(props(layers[0]).data).toBe(inp.cells);
    expect(props(layers[1]).data).toBe(inp.units);
    expect(props(layers[0]).pickable).toBe(true);
    expect(props(layers[1]).pickable).toBe(false);
  });

  it('colours cells by the scale and units by status', () => {
    const inp = input();
    const [heat, units] = buildLayers(inp);
    const fill = props(heat).getFillColor as (d: unknown) => number[];
    expect(fill(inp.cells[1])).toEqual(colorOf(inp.scale, 40));
    expect(fill(inp.cells[1])).toEqual(RAMP[RAMP.length - 1]);
    const ufill = props(units).getFillColor as (d: unknown) => number[];
    expect(ufill(inp.units[0])).toEqual(statusColor('busy'));
    expect(statusColor('nonsense')).toHaveLength(4);
  });

  it('extrudes on request, and outlines the selected cell', () => {
    const layers = buildLayers(input({ extrude: true, selected: '88309a4e1bfffff', wall: false }));
    expect(props(layers[0]).extruded).toBe(true);
    expect(props(layers[0]).elevationScale).toBeGreaterThan(1);
    expect(layers.map((l) => l.id)).toEqual([HEAT_ID, UNITS_ID, SELECTED_ID]);
    expect(props(layers[1]).pickable).toBe(true);
  });

  it('scales unit dots for big walls', () => {
    const r1 = props(buildLayers(input())[1]).getRadius as number;
    const r2 = props(buildLayers(input({ dotScale: 2 }))[1]).getRadius as number;
    expect(r2).toBe(2 * r1);
  });

  it('changes the colour trigger when the scale or data changes', () => {
    const a = props(buildLayers(input())[0]).updateTriggers as Record<string, unknown>;
    const b = props(buildLayers(input({ heatVersion: 2 }))[0]).updateTriggers as Record<string, unknown>;
    expect(a.getFillColor).not.toEqual(b.getFillColor);
  });
});

describe('scale', () => {
  it('rounds up to 1, 2, 5 × 10^n', () => {
    expect([0, 1, 3, 7, 11, 20, 21, 480].map(niceCeil)).toEqual([1, 1, 5, 10, 20, 20, 50, 500]);
  });

  it('makes ascending round bounds and one colour per class', () => {
    for (const max of [1, 2, 3, 7, 12, 40, 137, 5000]) {
      const s = makeScale(max);
      expect(s.bounds[0]).toBe(1);
      expect(s.colors.length).toBe(s.bounds.length);
      for (let i = 1; i < s.bounds.length; i++) expect(s.bounds[i]).toBeGreaterThan(s.bounds[i - 1]);
      expect(s.bounds[s.bounds.length - 1]).toBeLessThanOrEqual(Math.max(1, max));
      // the hottest class always gets the hottest colour
      expect(colorOf(s, max)).toEqual(RAMP[RAMP.length - 1]);
    }
    expect(makeScale(1).bounds).toEqual([1]);
    expect(makeScale(5).bounds).toEqual([1, 2, 3, 4]);
    expect(makeScale(137).bounds).toEqual([1, 25, 50, 80, 100]);
  });

  it('labels the legend with the ranges the layer uses', () => {
    const s = makeScale(10);
    expect(s.bounds).toEqual([1, 2, 4, 6, 8]);
    expect(legendLabels(s)).toEqual(['1', '2–3', '4–5', '6–7', '8+']);
    expect(colorOf(s, 3)).toEqual(s.colors[1]);
    expect(colorOf(s, 9)).toEqual(s.colors[4]);
  });
});

describe('hot cell outlines', () => {
  it('strokes only the hot subset, above the heat and not pickable', () => {
    const hot = [{ cell: '88309a4e13fffff', count: 40 }];
    const layers = buildLayers(input({ hot }));
    expect(layers.map((l) => l.id)).toEqual([HEAT_ID, HOT_ID, UNITS_ID]);
    const p = props(layers[1]);
    expect(p.data).toBe(hot);
    expect(p.stroked).toBe(true);
    expect(p.filled).toBe(false);
    expect(p.pickable).toBe(false);
    expect(props(layers[0]).stroked).toBe(false);
  });
  it('adds no layer when nothing is hot', () => {
    expect(buildLayers(input({ hot: [] })).map((l) => l.id)).toEqual([HEAT_ID, UNITS_ID]);
  });
});
