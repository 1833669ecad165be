import { describe, expect, it } from 'vitest';
import { buildLayers, GLOW_ID, HEAT_ID, HOT_ID, SELECTED_ID, statusColor, STATUS_COLORS, UNITS_ID, type LayerInput } from '../src/layers';
import { colorOf, DEFAULT_BREAKS, fixedScale, legendLabels, RAMP } from '../src/scale';

const input = (over: Partial<LayerInput> = {}): LayerInput => ({
  cells: [
    { cell: '88309a4e1bfffff', count: 3 },
    { cell: '88309a4e13fffff', count: 9 },
  ],
  units: [{ unit: 'u1', kind: 'car', status: 'busy', lat: 31.3, lng: 120.6, cell: '89309a4e1bfffff', time: '' }],
  scale: fixedScale(DEFAULT_BREAKS, 8, '1h'),
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
    expect(fill(inp.cells[1])).toEqual(colorOf(inp.scale, 9));
    expect(fill(inp.cells[1])).toEqual(RAMP[1]); // 3–9 at res 8, 1 h
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
  it('keeps the breaks of the resolution and window, whatever the counts', () => {
    const s = fixedScale(DEFAULT_BREAKS, 8, '1h');
    expect(s.bounds).toEqual([1, 3, 10, 30, 100]);
    expect(s.colors.length).toBe(s.bounds.length);
    // One incident is the coolest colour, never the hottest.
    expect(colorOf(s, 1)).toEqual(RAMP[0]);
    expect(colorOf(s, 5000)).toEqual(RAMP[RAMP.length - 1]);
    // The same scale a minute later, with other counts: nothing moved.
    expect(fixedScale(DEFAULT_BREAKS, 8, '1h')).toEqual(s);
    // Another window, another scale; a profile's own breaks win.
    expect(fixedScale(DEFAULT_BREAKS, 8, '24h').bounds).toEqual([1, 20, 80, 300, 1000]);
    expect(fixedScale({ '8': { '1h': [2, 4, 4, 9] } }, 8, '1h').bounds).toEqual([1, 2, 4, 9]);
  });

  it('labels the legend with the ranges the layer uses', () => {
    const s = fixedScale(DEFAULT_BREAKS, 8, '1h');
    expect(legendLabels(s)).toEqual(['1–2', '3–9', '10–29', '30–99', '100+']);
    expect(colorOf(s, 3)).toEqual(s.colors[1]);
    expect(colorOf(s, 99)).toEqual(s.colors[3]);
  });

  it('keeps clear of the units\' status colours', () => {
    for (const c of RAMP) for (const u of Object.values(STATUS_COLORS)) {
      const d = Math.abs(c[0] - u[0]) + Math.abs(c[1] - u[1]) + Math.abs(c[2] - u[2]);
      expect(d, `heat ${c} vs unit ${u}`).toBeGreaterThan(90);
    }
  });
});

describe('the wall\'s glow', () => {
  it('dots the busier hexagons on the wall only, in their class colour', () => {
    const cells = [
      { cell: '88309a4e1bfffff', count: 9 },
      { cell: '88309a4e13fffff', count: 40 },
    ];
    const wall = buildLayers(input({ cells }));
    expect(wall.map((l) => l.id)).toEqual([HEAT_ID, GLOW_ID, UNITS_ID]);
    const p = props(wall[1]);
    expect(p.data).toEqual([cells[1]]);
    expect((p.getFillColor as (d: unknown) => number[])(cells[1])).toEqual(RAMP[3]);
    expect(p.radiusMinPixels).toBeGreaterThanOrEqual(7);
    expect(p.pickable).toBe(false);
    expect(buildLayers(input({ cells, wall: false })).map((l) => l.id)).toEqual([HEAT_ID, UNITS_ID]);
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
