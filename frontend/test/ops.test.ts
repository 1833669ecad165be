import { cellToLatLng, cellToParent, getResolution, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { may, suggestURL } from '../src/api';
import {
  ALERTS_ID,
  buildLayers,
  DISPATCH_TARGETS_ID,
  DISPATCHES_ID,
  dispatchLines,
  HEAT_ID,
  lineColor,
  ON_SCENE_COLOR,
  severityColor,
  statusColor,
  targetOf,
  trackPaths,
  TRACKS_ID,
  UNITS_ID,
  type LayerInput,
} from '../src/layers';
import { breakdown, dispatchOverdue, formatDistance, formatDuration, targetCell9 } from '../src/ops';
import { failText, suggestForAlert, suggestForCell } from '../src/opspanels';
import type { Alert, AlertsLayer, DeltaFrame, Dispatch, SnapshotFrame, Unit } from '../src/protocol';
import { parseFrame } from '../src/protocol';
import {
  activeDispatches,
  alertsNewestFirst,
  alertTotal,
  apply,
  dispatchOfUnit,
  dispatchSeconds,
  MAX_TRACK,
  newStore,
  opsRefused,
} from '../src/store';
import { DEFAULT_BREAKS, fixedScale } from '../src/scale';

const T0 = '2026-11-25T08:30:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

const unit = (id: string, status: string, lat = 31.3, lng = 120.6): Unit => ({ unit: id, kind: 'car', status, lat, lng, cell: latLngToCell(lat, lng, 9), time: T0 });

const alert = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  kind: 'hot_cell',
  key: `hot_cell:hot-1h:${id}`,
  severity: 2,
  status: 'open',
  cell: '88309a4e1bfffff',
  res: 8,
  lat: 31.3,
  lng: 120.6,
  openedAt: T0,
  ...over,
});

const dispatch = (id: string, over: Partial<Dispatch> = {}): Dispatch => ({
  id,
  unit: 'SU-car-012',
  cell: '89309a4e1bbffff',
  lat: 31.31,
  lng: 120.61,
  status: 'en_route',
  assignedAt: T0,
  ...over,
});

const alertsLayer = (open: Alert[]): AlertsLayer => ({
  counts: { open: open.filter((a) => a.status === 'open').length, acknowledged: open.filter((a) => a.status === 'acknowledged').length, byKind: { hot_cell: open.length }, bySeverity: [0, open.length, 0, 0] },
  open,
});

const snap = (over: Partial<SnapshotFrame> = {}): SnapshotFrame => ({
  type: 'snapshot',
  v: 1,
  seq: 1,
  tick: 10,
  res: 8,
  window: '1h',
  asOf: T0,
  total: 0,
  cells: [],
  units: [unit('SU-car-012', 'available')],
  ...over,
});

let seq = 1;
const delta = (over: Partial<DeltaFrame> = {}): DeltaFrame => ({ type: 'delta', v: 1, seq: ++seq, tick: 10 + seq, res: 8, window: '1h', asOf: T0, ...over });

describe('store: the alerts and dispatches layers', () => {
  it('takes both from a snapshot and parses them off the wire', () => {
    const f = parseFrame(JSON.stringify(snap({ alerts: alertsLayer([alert('a1')]), dispatches: [dispatch('d1')] })));
    expect(f?.type).toBe('snapshot');
    const s = newStore();
    apply(s, f!, 1000);
    expect(s.alerts.map((a) => a.id)).toEqual(['a1']);
    expect(alertTotal(s.alertCounts)).toBe(1);
    expect(s.dispatches.map((d) => d.id)).toEqual(['d1']);
    expect(s.alertsVersion).toBe(1);
    expect(s.dispatchesVersion).toBe(1);
  });

  it('replaces them whole from a delta with the key, keeps them without it', () => {
    seq = 1;
    const s = newStore();
    apply(s, snap({ alerts: alertsLayer([alert('a1'), alert('a2')]), dispatches: [dispatch('d1')] }), 1000);
    // A heartbeat leaves them.
    expect(apply(s, delta(), 1100)).toBe('unchanged');
    expect(s.alerts).toHaveLength(2);
    expect(s.dispatches).toHaveLength(1);
    // A delta with the key replaces them, however few.
    expect(apply(s, delta({ alerts: alertsLayer([alert('a3', { status: 'acknowledged' })]) }), 1200)).toBe('changed');
    expect(s.alerts.map((a) => a.id)).toEqual(['a3']);
    expect(s.alertCounts).toMatchObject({ open: 0, acknowledged: 1 });
    expect(s.dispatches).toHaveLength(1);
    apply(s, delta({ dispatches: [] }), 1300);
    expect(s.dispatches).toEqual([]);
    expect(s.alertsVersion).toBe(2);
    expect(s.dispatchesVersion).toBe(2);
  });

  it('does not count a repeat of the same state as a change', () => {
    seq = 1;
    const s = newStore();
    apply(s, snap({ alerts: alertsLayer([alert('a1')]), dispatches: [dispatch('d1')] }), 1000);
    // The server sends both layers whenever either changed.
    expect(apply(s, delta({ alerts: alertsLayer([alert('a1')]), dispatches: [dispatch('d1')] }), 1100)).toBe('unchanged');
    expect([s.alertsVersion, s.dispatchesVersion]).toEqual([1, 1]);
    expect(apply(s, delta({ alerts: alertsLayer([alert('a1')]), dispatches: [dispatch('d1', { status: 'on_scene', onSceneAt: at(60) })] }), 1200)).toBe('changed');
    expect([s.alertsVersion, s.dispatchesVersion]).toEqual([1, 2]);
    apply(s, delta({ alerts: alertsLayer([alert('a1', { status: 'acknowledged', ackedBy: 'li.wei' })]) }), 1300);
    expect(s.alertsVersion).toBe(2);
    expect(s.alertCounts?.acknowledged).toBe(1);
  });

  it('clears them on a snapshot without them (the layer is not subscribed)', () => {
    const s = newStore();
    apply(s, snap({ alerts: alertsLayer([alert('a1')]), dispatches: [dispatch('d1')] }), 1000);
    apply(s, snap({ seq: 2 }), 2000);
    expect(s.alerts).toEqual([]);
    expect(s.alertCounts).toBeNull();
    expect(alertTotal(s.alertCounts)).toBeUndefined();
    expect(s.dispatches).toEqual([]);
  });

  it('keeps the last MAX_TRACK positions per unit, skipping repeats, dropping gone units', () => {
    seq = 1;
    const s = newStore();
    apply(s, snap(), 1000);
    expect(s.tracks.get('SU-car-012')).toEqual([[120.6, 31.3]]);
    apply(s, delta({ units: [unit('SU-car-012', 'dispatched')] }), 1100); // same place
    expect(s.tracks.get('SU-car-012')).toHaveLength(1);
    for (let i = 1; i <= MAX_TRACK + 10; i++) apply(s, delta({ units: [unit('SU-car-012', 'dispatched', 31.3 + i * 1e-4)] }), 1100 + i);
    const t = s.tracks.get('SU-car-012')!;
    expect(t).toHaveLength(MAX_TRACK);
    expect(t[t.length - 1][1]).toBeCloseTo(31.3 + (MAX_TRACK + 10) * 1e-4, 8);
    expect(t[0][1]).toBeCloseTo(31.3 + 11 * 1e-4, 8); // oldest first
    // A resync snapshot keeps the track of a unit still there, drops the others.
    apply(s, delta({ units: [unit('u2', 'available')] }), 2000);
    apply(s, snap({ seq: 500, units: [unit('SU-car-012', 'dispatched', 31.4)] }), 3000);
    expect(s.tracks.get('SU-car-012')).toHaveLength(MAX_TRACK);
    expect(s.tracks.has('u2')).toBe(false);
    apply(s, { ...delta({ units: [{ unit: 'SU-car-012', gone: true }] }), seq: 501 }, 3100);
    expect(s.tracks.has('SU-car-012')).toBe(false);
  });
});

describe('store: an older server', () => {
  it('tells a refusal of the ops layers on the first subscribe from later errors', () => {
    const s = newStore();
    const refusal = { type: 'error' as const, v: 1, error: 'layers: unknown layer "alerts" (heat, units, regions)' };
    expect(opsRefused(s, refusal)).toBe(true);
    expect(opsRefused(s, { type: 'error', v: 1, error: 'res: must be one of [7 8 9]' })).toBe(false);
    apply(s, snap(), 1000);
    expect(opsRefused(s, refusal)).toBe(false); // subscribed already: a later error keeps the topic
  });
});

describe('store: derived alert and dispatch values', () => {
  it('orders alerts newest first, ties by id', () => {
    const list = [alert('b', { openedAt: at(0) }), alert('c', { openedAt: at(60) }), alert('a', { openedAt: at(0) })];
    expect(alertsNewestFirst(list).map((a) => a.id)).toEqual(['c', 'a', 'b']);
    expect(list.map((a) => a.id)).toEqual(['b', 'c', 'a']); // not sorted in place
  });

  it('lists active dispatches newest first and finds a unit’s', () => {
    const s = newStore();
    apply(
      s,
      snap({
        dispatches: [
          dispatch('d1', { unit: 'u1', assignedAt: at(0) }),
          dispatch('d2', { unit: 'u2', assignedAt: at(30), status: 'on_scene' }),
          dispatch('d3', { unit: 'u1', assignedAt: at(60), status: 'cleared' }),
          dispatch('d4', { unit: 'u3', assignedAt: at(90), status: 'assigned' }),
        ],
      }),
      0,
    );
    expect(activeDispatches(s).map((d) => d.id)).toEqual(['d4', 'd2', 'd1']);
    expect(dispatchOfUnit(s, 'u1')?.id).toBe('d1');
    expect(dispatchOfUnit(s, 'nobody')).toBeUndefined();
  });

  it('times a dispatch: elapsed while on the way, the response time once on scene', () => {
    const now = Date.parse(T0) + 95_000;
    expect(dispatchSeconds(dispatch('d'), now)).toBe(95);
    expect(dispatchSeconds(dispatch('d', { status: 'on_scene', onSceneAt: at(70) }), now)).toBe(70);
    expect(dispatchSeconds(dispatch('d', { status: 'on_scene', onSceneAt: at(70), responseSeconds: 412.5 }), now)).toBe(412.5);
    expect(dispatchSeconds(dispatch('d'), Date.parse(T0) - 5000)).toBe(0); // a clock behind the server's
    expect(dispatchOverdue(dispatch('d', { targetSeconds: 60 }), 95)).toBe(true);
    expect(dispatchOverdue(dispatch('d', { targetSeconds: 600 }), 95)).toBe(false);
    expect(dispatchOverdue(dispatch('d', { status: 'on_scene', targetSeconds: 60 }), 95)).toBe(false);
    expect(dispatchOverdue(dispatch('d', { overdue: true }), 1)).toBe(true);
  });
});

describe('ops helpers', () => {
  it('breaks the counts down by kind and severity, zeros left out', () => {
    const b = breakdown({ open: 7, acknowledged: 2, byKind: { uncovered: 1, hot_cell: 4, zz_new: 2, anomaly: 0, severe_incident: 2 }, bySeverity: [0, 3, 4, 2] });
    expect(b.kinds.map((k) => [k.key, k.n])).toEqual([
      ['hot_cell', 4],
      ['severe_incident', 2],
      ['uncovered', 1],
      ['zz_new', 2],
    ]);
    expect(b.severities.map((s) => [s.label, s.n])).toEqual([
      ['S2', 3],
      ['S3', 4],
      ['S4', 2],
    ]);
    expect(breakdown(null)).toEqual({ kinds: [], severities: [] });
    expect(alertTotal({ open: 7, acknowledged: 2 })).toBe(9);
  });

  it('turns a place into the res-9 cell to ask suggestions for', () => {
    const c8 = latLngToCell(31.3, 120.6, 8);
    const c9 = targetCell9({ cell: c8, lat: 0, lng: 0 });
    expect(getResolution(c9)).toBe(9);
    expect(cellToParent(c9, 8)).toBe(c8);
    // The centre child holds the parent's centre.
    const [lat, lng] = cellToLatLng(c8);
    expect(c9).toBe(latLngToCell(lat, lng, 9));
    const c11 = latLngToCell(31.3, 120.6, 11);
    expect(targetCell9({ cell: c11, lat: 0, lng: 0 })).toBe(cellToParent(c11, 9));
    // A region alert: its lat/lng (lat first for h3, asymmetric on purpose).
    expect(targetCell9({ region: '320508', lat: 31.31, lng: 120.62 } as Alert)).toBe(latLngToCell(31.31, 120.62, 9));
    expect(suggestForAlert(alert('a1')).target).toEqual({ alert: 'a1' });
    expect(suggestForCell(c8)).toEqual({ target: { cell: c9 }, cell9: c9 });
  });

  it('formats durations and distances', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(42.9)).toBe('0:42');
    expect(formatDuration(725)).toBe('12:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDistance(812)).toBe('812 m');
    expect(formatDistance(2440)).toBe('2.4 km');
  });

  it('gates actions by role and builds the suggest URL', () => {
    expect(may('admin', 'dispatcher')).toBe(true);
    expect(may('dispatcher', 'dispatcher')).toBe(true);
    expect(may('operator', 'dispatcher')).toBe(false);
    expect(may('operator', 'operator')).toBe(true);
    expect(may('wall', 'operator')).toBe(false);
    expect(may('feed', 'wall')).toBe(false);
    expect(suggestURL('89309a4e1bbffff', 5)).toBe('/api/v1/dispatch/suggest?cell=89309a4e1bbffff&limit=5');
    expect(failText({ ok: false, status: 403, error: 'forbidden', conflict: false })).toContain('Not allowed');
  });
});

describe('layers: alerts, dispatch lines and tracks', () => {
  const input = (over: Partial<LayerInput> = {}): LayerInput => ({
    cells: [{ cell: '88309a4e1bfffff', count: 3 }],
    units: [],
    scale: fixedScale(DEFAULT_BREAKS, 8, '1h'),
    heatVersion: 1,
    extrude: false,
    selected: '',
    wall: true,
    ...over,
  });
  type Props = Record<string, unknown> & { data: unknown[] };
  const props = (l: { props: unknown }) => l.props as Props;

  it('draws a line from the unit to the target, in the unit’s status colour', () => {
    const units = new Map([['SU-car-012', unit('SU-car-012', 'dispatched', 31.29, 120.59)]]);
    const lines = dispatchLines([dispatch('d1'), dispatch('d2', { unit: 'ghost', status: 'on_scene' }), dispatch('d3', { status: 'cleared' })], units);
    expect(lines.map((l) => l.id)).toEqual(['d1', 'd2']);
    expect(lines[0].from).toEqual([120.59, 31.29]);
    expect(lines[0].to).toEqual([120.61, 31.31]);
    expect(lines[1].from).toBeUndefined(); // not in the units layer: only its target
    expect(lineColor(lines[0])).toEqual(statusColor('dispatched'));
    // On scene: the same hue, fainter.
    const on = { ...lines[0], status: 'on_scene' };
    expect(lineColor(on).slice(0, 3)).toEqual(statusColor('dispatched').slice(0, 3));
    expect(lineColor(on)[3]).toBeLessThan(255);
    // Without lat/lng the target is the cell's centre.
    const [lat, lng] = cellToLatLng('89309a4e1bbffff');
    expect(targetOf(dispatch('d', { lat: 0, lng: 0 }))).toEqual([lng, lat]);
  });

  it('adds the layers only when there is something to draw, in a stable order', () => {
    expect(buildLayers(input()).map((l) => l.id)).toEqual([HEAT_ID, UNITS_ID]);
    const units = new Map([['SU-car-012', unit('SU-car-012', 'dispatched', 31.29, 120.59)]]);
    const lines = dispatchLines([dispatch('d1'), dispatch('d2', { unit: 'ghost', status: 'on_scene' })], units);
    const tracks = trackPaths(lines, new Map([['SU-car-012', [[120.58, 31.28], [120.59, 31.29]] as [number, number][]], ['ghost', [[1, 2]] as [number, number][]]]));
    expect(tracks.map((t) => t.unit)).toEqual(['SU-car-012']); // one point is no path
    const layers = buildLayers(input({ alerts: [alert('a1', { severity: 4 })], dispatches: lines, tracks }));
    expect(layers.map((l) => l.id)).toEqual([HEAT_ID, ALERTS_ID, TRACKS_ID, DISPATCHES_ID, UNITS_ID, DISPATCH_TARGETS_ID]);
    const byId = Object.fromEntries(layers.map((l) => [l.id, props(l)]));
    expect(byId[DISPATCHES_ID].data.map((l) => (l as { id: string }).id)).toEqual(['d1']); // only lines with a unit position
    expect(byId[DISPATCH_TARGETS_ID].data).toHaveLength(2);
    const ring = byId[ALERTS_ID].getLineColor as (a: Alert) => number[];
    expect(ring(alert('a1', { severity: 4 }))).toEqual(severityColor(4));
    expect(ring(alert('a1', { severity: 4, status: 'acknowledged' }))[3]).toBeLessThan(255);
    const fill = byId[DISPATCH_TARGETS_ID].getFillColor as (l: unknown) => number[];
    expect(fill(lines[1])).toEqual(ON_SCENE_COLOR);
    expect(fill(lines[0])[3]).toBe(0); // hollow while on the way
    expect(byId[DISPATCHES_ID].pickable).toBe(true);
    // Rings never take a click from the heat under them.
    expect(byId[ALERTS_ID].pickable).toBe(false);
    expect(props(buildLayers(input({ wall: false, alerts: [alert('a1')] }))[1]).pickable).toBe(false);
  });

  it('clamps severities to the four colours', () => {
    expect(severityColor(0)).toEqual(severityColor(1));
    expect(severityColor(9)).toEqual(severityColor(4));
  });
});
