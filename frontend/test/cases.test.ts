import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseStatsURL, casesURL, caseURL, CASES_LIMIT } from '../src/api';
import { caseIdFor, newCaseFrom } from '../src/caseform';
import {
  actionBody,
  actionFields,
  assignDefaults,
  caseButtons,
  caseFailText,
  deadline,
  defaultChannel,
  departments,
  formatLimit,
  formatOverdue,
  formatRate,
  formatSpan,
  guessSubcategory,
  incidentCaseTitle,
  levelsAbove,
  needsForm,
  overdueMs,
  rankStreets,
  regionAt,
  RegionNames,
  stateLabel,
  stripCounts,
} from '../src/cases';
import { queueQuery } from '../src/casespanel';
import { parseConfig } from '../src/config';
import { Districts, type FeatureCollection } from '../src/districts';
import { buildLayers, caseColor, CASE_COLORS, casePoints, CASES_ID, OVERDUE_RING, UNITS_ID, type LayerInput } from '../src/layers';
import { LAYER_SETS, subscription } from '../src/live';
import { CASE_ACTIONS, OPEN_CASE_STATES, type Case, type CaseCatalogue, type CaseMarker, type CasesLayer, type CaseStatsRow, type SnapshotFrame, type DeltaFrame, parseFrame } from '../src/protocol';
import { DEFAULT_BREAKS, fixedScale } from '../src/scale';
import { apply, newStore } from '../src/store';
import { STATUS_COLORS } from '../src/layers';
import { RAMP } from '../src/scale';

const T0 = Date.parse('2026-11-27T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The profile's catalogue as the server sends it (the file, without the limits the server works out). */
const raw = JSON.parse(readFileSync(resolve(__dirname, '../../profiles/suzhou/cases.json'), 'utf8')) as {
  channels: CaseCatalogue['channels'];
  categories: { code: string; label: string; subcategories: { code: string; label: string; hours?: number; days?: number; department: string; level: string }[] }[];
};
const CATALOGUE: CaseCatalogue = {
  channels: raw.channels,
  categories: raw.categories.map((c) => ({
    ...c,
    subcategories: c.subcategories.map((s) => ({ ...s, category: c.code, limitMinutes: (s.hours ?? (s.days ?? 0) * 7.5) * 60 })),
  })),
  states: [],
  workingDay: 7.5,
};

const suzhou = JSON.parse(readFileSync(resolve(__dirname, '../../profiles/suzhou/districts.geojson'), 'utf8')) as FeatureCollection;

const marker = (id: string, over: Partial<CaseMarker> = {}): CaseMarker => ({ id, title: `case ${id}`, state: 'assigned', label: '待处理', lat: 31.3, lng: 120.6, district: '320508', street: '320508018', overdue: false, ...over });

const layer = (over: Partial<CasesLayer> = {}): CasesLayer => ({
  counts: { registered: 3, accepted: 5, assigned: 40, handled: 6, verified: 2, suspended: 1, closed: 12, rated: 4 },
  byDistrict: { '320508': 17 },
  overdue: 3,
  overdueList: [],
  open: [],
  recent: [],
  ...over,
});

const kase = (over: Partial<Case> = {}): Case => ({
  id: 'case-1',
  title: '井盖缺失 人民路',
  category: 'facility',
  subcategory: 'facility.manhole',
  channel: 'hotline-12345',
  lat: 31.3,
  lng: 120.6,
  cell: '89309a4e1bfffff',
  regions: { district: '320508', street: '320508018', community: '320508018001', grid: '320508018001001' },
  state: 'accepted',
  label: '待派遣',
  level: 'street',
  region: '320508018',
  department: '市政所 Municipal works',
  limitMinutes: 120,
  createdAt: iso(T0),
  createdBy: 'hotline-12345',
  onTime: false,
  rework: 0,
  escalations: 0,
  transfers: 0,
  reopened: 0,
  overdue: false,
  version: 2,
  ...over,
});

const row = (code: string, onTimeRate: number | null, over: Partial<CaseStatsRow> = {}): CaseStatsRow => ({
  code,
  name: `街道${code}`,
  counts: { registered: 0, accepted: 0, assigned: 0, handled: 0, verified: 0, suspended: 0 },
  overdue: 0,
  registered: 0,
  closed: 0,
  due: 10,
  suspended: 0,
  closedDue: 0,
  closedOnTime: 0,
  closureRate: onTimeRate,
  onTimeRate,
  rework: 0,
  rated: 0,
  satisfaction: null,
  handlingHours: null,
  ...over,
});

describe('cases: the wall strip', () => {
  it('takes every figure from the cases layer; a state left out has none', () => {
    expect(stripCounts(null)).toBeUndefined();
    expect(stripCounts(layer())).toEqual({ registered: 3, accepted: 5, assigned: 40, handled: 6, verified: 2, suspended: 1, overdue: 3, closed: 16 });
    const few = stripCounts(layer({ counts: { assigned: 2 }, overdue: 0 }));
    expect(few).toEqual({ registered: 0, accepted: 0, assigned: 2, handled: 0, verified: 0, suspended: 0, overdue: 0, closed: 0 });
  });

  it('says how long a case is overdue', () => {
    expect(formatSpan(0)).toBe('0 min');
    expect(formatSpan(59 * 60_000)).toBe('59 min');
    expect(formatSpan(90 * 60_000)).toBe('1.5 h');
    expect(formatSpan(47 * 3_600_000)).toBe('47.0 h');
    expect(formatSpan(60 * 3_600_000)).toBe('2.5 d');
    expect(formatSpan(-5)).toBe('0 min');
    expect(overdueMs({ due: iso(T0) }, T0 + 3_600_000)).toBe(3_600_000);
    expect(overdueMs({ due: iso(T0) }, T0 - 1000)).toBe(0);
    expect(overdueMs({}, T0)).toBe(0);
    expect(overdueMs({ due: 'junk' }, T0)).toBe(0);
    expect(formatOverdue({ due: iso(T0) }, T0 + 3.5 * 3_600_000)).toBe('超期 3.5 h');
  });

  it('names every state in both languages', () => {
    for (const s of OPEN_CASE_STATES) expect(stateLabel(s)).toMatch(/^\p{Script=Han}+ [A-Z]/u);
    expect(stateLabel('assigned')).toBe('待处理 To handle');
    expect(stateLabel('someday', '将来')).toBe('将来 someday');
    expect(stateLabel('someday')).toBe('someday');
  });

  it('ranks the streets by on-time closure, best and worst, rates "—" when null', () => {
    const rows = Array.from({ length: 14 }, (_, i) => row(`3205080${String(i).padStart(2, '0')}`, i === 13 ? null : i / 12));
    const r = rankStreets(rows, 5);
    expect(r.top.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(r.top[0].row.onTimeRate).toBe(1);
    expect(r.bottom.map((x) => x.rank)).toEqual([9, 10, 11, 12, 13]);
    expect(r.bottom[4].row.onTimeRate).toBe(0);
    // Ties: the closure rate, then more cases due, then the code.
    const tied = rankStreets([row('b', 0.5, { closureRate: 0.6 }), row('a', 0.5, { closureRate: 0.6 }), row('c', 0.5, { closureRate: 0.9 }), row('d', 0.5, { closureRate: 0.6, due: 30 })]);
    expect(tied.top.map((x) => x.row.code)).toEqual(['c', 'd', 'a', 'b']);
    // Few rated: all of them, then the busiest without a rate, as space allows.
    const few = rankStreets([row('x', null, { registered: 2 }), row('y', 0.8), row('z', null), row('w', null, { counts: { assigned: 5 } })], 5);
    expect(few.top.map((x) => [x.row.code, x.rank])).toEqual([
      ['y', 1],
      ['w', null],
      ['x', null],
    ]);
    expect(few.bottom).toEqual([]);
    expect(rankStreets([]).top).toEqual([]);
    expect(formatRate(null)).toBe('—');
    expect(formatRate(undefined)).toBe('—');
    expect(formatRate(0.9286)).toBe('92.9%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0)).toBe('0%');
  });

  it('names places by the profile and the stats answers', () => {
    const names = new RegionNames(new Districts(suzhou));
    expect(names.place({ district: '320508', street: '320508018' })).toBe('320508018 · 姑苏区');
    names.learn([{ code: '320508018', name: '虎丘街道' }, { code: '320508019' }]);
    expect(names.place({ district: '320508', street: '320508018' })).toBe('虎丘街道 · 姑苏区');
    expect(names.name('320508019')).toBe('');
    expect(names.place({})).toBe('—');
  });
});

describe('cases: the map layer', () => {
  const base: LayerInput = { cells: [], units: [], scale: fixedScale(DEFAULT_BREAKS, 8, '1h'), heatVersion: 1, extrude: false, selected: '', wall: true };

  it('draws the open and overdue markers once each, overdue ones on top', () => {
    const l = layer({ open: [marker('a'), marker('b', { overdue: true }), marker('c', { state: 'registered' })], overdueList: [marker('b', { overdue: true }), marker('old', { overdue: true })] });
    expect(casePoints(l).map((m) => m.id)).toEqual(['a', 'c', 'b', 'old']);
    expect(casePoints(null)).toEqual([]);
  });

  it('colours by state apart from the heat and the units; overdue cases larger in a red ring', () => {
    const layers = buildLayers({ ...base, cases: [marker('a', { state: 'registered' }), marker('b', { overdue: true })] });
    const ids = layers.map((x) => x.id);
    expect(ids).toContain(CASES_ID);
    expect(ids.indexOf(CASES_ID)).toBeLessThan(ids.indexOf(UNITS_ID));
    const cl = layers.find((x) => x.id === CASES_ID)!;
    const p = cl.props as unknown as {
      pickable: boolean;
      getFillColor: (m: CaseMarker) => number[];
      getLineColor: (m: CaseMarker) => number[];
      getRadius: (m: CaseMarker) => number;
      getLineWidth: (m: CaseMarker) => number;
    };
    expect(p.pickable).toBe(true);
    expect(p.getFillColor(marker('a', { state: 'registered' }))).toEqual(CASE_COLORS.registered);
    expect(p.getLineColor(marker('b', { overdue: true }))).toEqual(OVERDUE_RING);
    expect(p.getRadius(marker('b', { overdue: true }))).toBeGreaterThan(p.getRadius(marker('a')));
    expect(p.getLineWidth(marker('b', { overdue: true }))).toBeGreaterThan(p.getLineWidth(marker('a')));
    // No colour of a state is a heat colour or a unit's.
    const taken = [...RAMP, ...Object.values(STATUS_COLORS)].map((c) => c.slice(0, 3).join(','));
    for (const st of OPEN_CASE_STATES) expect(taken).not.toContain(caseColor(st).slice(0, 3).join(','));
    expect(new Set(OPEN_CASE_STATES.map((s) => caseColor(s).join(','))).size).toBe(OPEN_CASE_STATES.length);
    expect(buildLayers({ ...base, cases: [] }).map((x) => x.id)).not.toContain(CASES_ID);
  });
});

describe('cases: the layer in the store', () => {
  const snap = (over: Partial<SnapshotFrame> = {}): SnapshotFrame => ({ type: 'snapshot', v: 1, seq: 1, tick: 1, res: 8, window: '1h', asOf: iso(T0), total: 0, cells: [], units: [], ...over });
  const delta = (seq: number, over: Partial<DeltaFrame> = {}): DeltaFrame => ({ type: 'delta', v: 1, seq, tick: seq, res: 8, window: '1h', asOf: iso(T0), ...over });

  it('takes it whole, keeps it without the key, ignores a repeat, drops it on a snapshot without it', () => {
    const s = newStore();
    expect(s.cases).toBeNull();
    apply(s, parseFrame(JSON.stringify(snap({ cases: layer() })))!, 1000);
    expect(s.cases?.counts.assigned).toBe(40);
    expect(s.casesVersion).toBe(1);
    expect(apply(s, delta(2), 1100)).toBe('unchanged');
    expect(s.cases?.overdue).toBe(3);
    expect(apply(s, delta(3, { cases: layer() }), 1200)).toBe('unchanged');
    expect(s.casesVersion).toBe(1);
    expect(apply(s, delta(4, { cases: layer({ counts: { registered: 1 } }) }), 1300)).toBe('changed');
    expect(s.cases?.counts).toEqual({ registered: 1 });
    expect(s.casesVersion).toBe(2);
    apply(s, snap({ seq: 5 }), 1400);
    expect(s.cases).toBeNull();
    expect(s.casesVersion).toBe(3);
  });

  it('subscribes to the cases and index layers, with fewer layers for an older server', () => {
    const c = parseConfig('');
    expect(subscription(c).layers).toEqual(['heat', 'units', 'alerts', 'dispatches', 'cases', 'regions', 'index']);
    expect(subscription(c, 1).layers).toEqual(['heat', 'units', 'alerts', 'dispatches', 'cases', 'regions']);
    expect(subscription(c, 2).layers).toEqual(['heat', 'units', 'alerts', 'dispatches', 'cases']);
    expect(subscription(c, 3).layers).toEqual(['heat', 'units', 'alerts', 'dispatches']);
    expect(subscription(c, 4).layers).toEqual(['heat', 'units']);
    expect(subscription(c, 9).layers).toEqual(LAYER_SETS[LAYER_SETS.length - 1]);
  });
});

describe('cases: the console', () => {
  it('asks the API as the filters say', () => {
    const u = (s: string) => new URL(s, 'http://x');
    const q = u(casesURL(queueQuery({ state: 'open', level: 'street', code: ' 320508018 ', overdue: true, q: ' 井盖 ' })));
    expect(q.pathname).toBe('/api/v1/cases');
    expect(Object.fromEntries(q.searchParams)).toEqual({ state: 'open', level: 'street', code: '320508018', overdue: 'true', q: '井盖', limit: String(CASES_LIMIT) });
    // A level without a code (or a code without a level) asks for the whole city.
    expect(Object.fromEntries(u(casesURL(queueQuery({ state: '', level: 'street', code: '', overdue: false, q: '' }))).searchParams)).toEqual({ limit: String(CASES_LIMIT) });
    expect(Object.fromEntries(u(casesURL(queueQuery({ state: 'assigned', level: '', code: '3205', overdue: false, q: '' }))).searchParams)).toEqual({ state: 'assigned', limit: String(CASES_LIMIT) });
    expect(caseURL('a/b c')).toBe('/api/v1/cases/a%2Fb%20c');
    expect(caseURL('k1', 'handle')).toBe('/api/v1/cases/k1/handle');
    expect(caseStatsURL('street')).toBe('/api/v1/cases/stats?level=street');
    expect(caseStatsURL('street', '320508')).toBe('/api/v1/cases/stats?level=street&code=320508');
  });

  it('offers the actions the state allows, in the loop order, to dispatchers and up only', () => {
    const registered = ['accept', 'reject'];
    const assigned = ['assign', 'handle', 'escalate', 'transfer', 'suspend'];
    for (const role of ['wall', 'operator', 'nobody', '']) {
      expect(caseButtons(registered, role)).toEqual([]);
      expect(caseButtons(assigned, role)).toEqual([]);
    }
    for (const role of ['dispatcher', 'admin']) {
      expect(caseButtons(registered, role)).toEqual(['accept', 'reject']);
      expect(caseButtons(['suspend', 'handle', 'assign', 'transfer', 'escalate'], role)).toEqual(['assign', 'handle', 'escalate', 'transfer', 'suspend']);
      expect(caseButtons(['verify', 'return'], role)).toEqual(['verify', 'return']);
      expect(caseButtons(['reopen'], role)).toEqual(['reopen']);
      expect(caseButtons(['fly', 'close'], role)).toEqual(['close']);
      expect(caseButtons(undefined, role)).toEqual([]);
    }
  });

  it('asks for what each action needs, and nothing for the others', () => {
    for (const a of ['reject', 'handle', 'return', 'suspend']) expect(actionFields(a).note).toBe('required');
    expect(actionFields('assign')).toEqual({ route: true, note: 'optional' });
    expect(actionFields('escalate')).toEqual({ route: true, note: 'optional' });
    expect(actionFields('transfer').department).toBe('required');
    expect(actionFields('rate').satisfaction).toBe(true);
    for (const a of ['accept', 'verify', 'close', 'resume', 'reopen']) expect(needsForm(a)).toBe(false);
    expect(CASE_ACTIONS.filter(needsForm)).toEqual(['reject', 'assign', 'handle', 'return', 'rate', 'escalate', 'transfer', 'suspend']);

    expect(actionBody('handle', { note: '  ' })).toMatchObject({ ok: false });
    expect(actionBody('handle', { note: ' 已修复 fixed ' })).toEqual({ ok: true, body: { note: '已修复 fixed' } });
    expect(actionBody('accept', {})).toEqual({ ok: true, body: {} });
    expect(actionBody('assign', { level: 'street', region: '320508018', department: ' ', note: '' })).toEqual({ ok: true, body: { level: 'street', region: '320508018' } });
    expect(actionBody('transfer', { department: '' })).toMatchObject({ ok: false });
    expect(actionBody('transfer', { department: '城管中队 City management' })).toEqual({ ok: true, body: { department: '城管中队 City management' } });
    expect(actionBody('rate', {})).toMatchObject({ ok: false });
    expect(actionBody('rate', { satisfaction: 6 })).toMatchObject({ ok: false });
    expect(actionBody('rate', { satisfaction: '4' as unknown as number, comment: ' ok ' })).toEqual({ ok: true, body: { satisfaction: 4, comment: 'ok' } });
  });

  it('starts an assignment from the case, and escalates only upwards', () => {
    expect(assignDefaults(kase())).toEqual({ level: 'street', region: '320508018', department: '市政所 Municipal works' });
    expect(assignDefaults(kase({ level: undefined, region: undefined, department: undefined }))).toEqual({ level: 'street', region: '320508018', department: '' });
    expect(regionAt(kase(), 'community')).toBe('320508018001');
    expect(regionAt(kase(), 'city')).toBe('');
    expect(levelsAbove('community')).toEqual(['street', 'district', 'city']);
    expect(levelsAbove('district')).toEqual(['city']);
    expect(levelsAbove('city')).toEqual([]);
    expect(levelsAbove(undefined)).toEqual(['community', 'street', 'district', 'city']);
    expect(departments(CATALOGUE)).toContain('市政所 Municipal works');
    expect(new Set(departments(CATALOGUE)).size).toBe(departments(CATALOGUE).length);
  });

  it('tells the deadline as the clock stands', () => {
    const due = iso(T0 + 2 * 3_600_000);
    expect(deadline(kase({ state: 'accepted' }), T0).tone).toBe('none');
    expect(deadline(kase({ state: 'assigned', due }), T0)).toEqual({ tone: 'running', text: '剩余 Left 2.0 h' });
    expect(deadline(kase({ state: 'assigned', due, warning: true }), T0 + 100 * 60_000).tone).toBe('warning');
    expect(deadline(kase({ state: 'assigned', due, overdue: true }), T0 + 3 * 3_600_000)).toEqual({ tone: 'overdue', text: '超期 Overdue 1.0 h' });
    expect(deadline(kase({ state: 'suspended', due }), T0 + 3 * 3_600_000).tone).toBe('stopped');
    expect(deadline(kase({ state: 'handled', due, handledAt: iso(T0), onTime: true }), T0 + 3 * 3_600_000)).toEqual({ tone: 'done', text: '按期处置 Handled on time' });
    expect(formatLimit(120)).toBe('2 h');
    expect(formatLimit(90)).toBe('1.5 h');
    expect(formatLimit(900, 7.5)).toBe('2 d (15 h)');
    expect(formatLimit(1350, 7.5)).toBe('3 d (22.5 h)');
    expect(formatLimit(450, 7.5)).toBe('1 d (7.5 h)');
  });

  it('says what a refusal means; a 409 says where the case stands now', () => {
    expect(caseFailText({ status: 409, error: 'case k1 is handled (待核查): cannot assign it', state: 'handled' })).toBe(
      '状态已变 Conflict: case k1 is handled (待核查): cannot assign it — 当前 now 待核查 To check',
    );
    expect(caseFailText({ status: 400, error: 'note: required: why the check failed' })).toBe('note: required: why the check failed');
    expect(caseFailText({ status: 403, error: 'outside your scope' })).toContain('Not allowed');
    expect(caseFailText({ status: 0, error: 'TypeError' })).toContain('Cannot reach');
  });
});

describe('cases: registering from an incident', () => {
  const inc = { id: '110-20261127-0042', severity: 2, lat: 31.3, lng: 120.6, time: iso(T0), cell: '89309a4e1bfffff' };

  it('guesses the kind from the title, then the category, else the first', () => {
    expect(guessSubcategory({ title: '井盖缺失 人民路', category: 'traffic' }, CATALOGUE)).toBe('facility.manhole');
    expect(guessSubcategory({ title: '路灯损坏', category: 'other' }, CATALOGUE)).toBe('facility.streetlight');
    expect(guessSubcategory({ category: 'fire' }, CATALOGUE)).toBe('safety.fire-hazard');
    expect(guessSubcategory({ category: 'noise' }, CATALOGUE)).toBe('dispute.neighbour');
    expect(guessSubcategory({ category: 'environment' }, CATALOGUE)).toBe('env.exposed-garbage');
    expect(guessSubcategory({ category: 'dispute' }, CATALOGUE)).toBe('dispute.neighbour');
    expect(guessSubcategory({ category: 'medical' }, CATALOGUE)).toBe('safety.fire-hazard');
    expect(guessSubcategory({ category: 'facility' }, CATALOGUE)).toBe('facility.streetlight'); // a category of the same code
    expect(guessSubcategory({ category: 'martian' }, CATALOGUE)).toBe(CATALOGUE.categories[0].subcategories[0].code);
    expect(guessSubcategory({}, CATALOGUE)).toBe(CATALOGUE.categories[0].subcategories[0].code);
    expect(guessSubcategory({ category: 'fire' }, undefined)).toBe('');
  });

  it('comes by the police channel when the catalogue has it', () => {
    expect(defaultChannel(CATALOGUE)).toBe('police-110');
    expect(defaultChannel({ ...CATALOGUE, channels: [{ code: 'grid-worker', label: 'g' }] })).toBe('grid-worker');
    expect(defaultChannel(undefined)).toBe('');
  });

  it('builds the body from the incident and the form', () => {
    expect(incidentCaseTitle({ ...inc, title: '施工噪音' })).toBe('施工噪音');
    expect(incidentCaseTitle({ ...inc, address: '人民路1号' })).toBe('人民路1号');
    expect(incidentCaseTitle({ ...inc, category: 'noise' })).toBe('noise 110-20261127-0042');
    expect(newCaseFrom({ ...inc, title: 't' }, { title: ' 施工噪音 ', subcategory: 'dispute.neighbour', channel: 'police-110', description: '' })).toEqual({
      id: 'inc-110-20261127-0042',
      title: '施工噪音',
      subcategory: 'dispute.neighbour',
      channel: 'police-110',
      lat: 31.3,
      lng: 120.6,
      incident: '110-20261127-0042',
    });
    expect(newCaseFrom({ ...inc, title: 't' }, { title: '', subcategory: 's', channel: 'c', description: ' 人民路 ' })).toMatchObject({ title: 't', description: '人民路' });
    expect(caseIdFor({ id: 'x'.repeat(124) })).toBe('inc-' + 'x'.repeat(124));
    expect(caseIdFor({ id: 'x'.repeat(125) })).toBe('');
  });
});
