// Cases (docs/API.md "Cases"): the words, figures and choices the wall's case
// strip and the console's case pages use. Pure: the DOM is caseswall.ts,
// casespanel.ts, casepage.ts and caseform.ts.

import { may } from './api';
import type { Districts } from './districts';
import {
  CASE_ACTIONS,
  CASE_LEVELS,
  type Case,
  type CaseActionBody,
  type CaseCatalogue,
  type CaseMarker,
  type CasesLayer,
  type CaseStatsRow,
  type CaseSubcategory,
  type Incident,
} from './protocol';

/** State names, bilingual: the wall counts a case waiting for a step by that step's name. */
export const CASE_STATE_LABELS: Record<string, string> = {
  registered: '待受理 To accept',
  accepted: '待派遣 To assign',
  assigned: '待处理 To handle',
  handled: '待核查 To check',
  verified: '待结案 To close',
  closed: '已结案 Closed',
  rated: '已评价 Rated',
  rejected: '不予受理 Rejected',
  suspended: '挂起 Suspended',
};

/** stateLabel: the bilingual name, else the server's label, else the code. */
export function stateLabel(state: string, label?: string): string {
  return CASE_STATE_LABELS[state] ?? (label ? `${label} ${state}` : state);
}

export const CASE_ACTION_LABELS: Record<string, string> = {
  accept: '受理 Accept',
  reject: '不予受理 Reject',
  assign: '派遣 Assign',
  handle: '处置反馈 Handle',
  verify: '核查通过 Verify',
  return: '核查退回 Return',
  close: '结案 Close',
  rate: '评价 Rate',
  escalate: '上报 Escalate',
  transfer: '转办 Transfer',
  suspend: '挂起 Suspend',
  resume: '恢复 Resume',
  reopen: '重启 Reopen',
  register: '登记 Register',
};

export function actionLabel(a: string): string {
  return CASE_ACTION_LABELS[a] ?? a;
}

export const CASE_LEVEL_LABELS: Record<string, string> = {
  city: '市 City',
  district: '区 District',
  street: '街道 Street',
  community: '社区 Community',
  grid: '网格 Grid',
};

/** One figure of the wall's case strip. */
export interface StripItem {
  key: 'registered' | 'accepted' | 'assigned' | 'handled' | 'verified' | 'suspended' | 'overdue' | 'closed';
  zh: string;
  en: string;
}

/** The strip, in the order of the loop: the five waiting steps, suspended, overdue, closed today. */
export const CASE_STRIP: readonly StripItem[] = [
  { key: 'registered', zh: '待受理', en: 'To accept' },
  { key: 'accepted', zh: '待派遣', en: 'To assign' },
  { key: 'assigned', zh: '待处理', en: 'To handle' },
  { key: 'handled', zh: '待核查', en: 'To check' },
  { key: 'verified', zh: '待结案', en: 'To close' },
  { key: 'suspended', zh: '挂起', en: 'Suspended' },
  { key: 'overdue', zh: '超期', en: 'Overdue' },
  { key: 'closed', zh: '今日结案', en: 'Closed today' },
];

export type StripCounts = Record<StripItem['key'], number>;

/**
 * stripCounts: the strip's figures, all from the cases layer (undefined
 * before it is seen). A state the layer leaves out has none. Closed today is
 * the layer's `closed` and `rated` (closed today, rated since or not).
 */
export function stripCounts(l: CasesLayer | null): StripCounts | undefined {
  if (!l) return undefined;
  const c = l.counts ?? {};
  const n = (k: string) => c[k] ?? 0;
  return {
    registered: n('registered'),
    accepted: n('accepted'),
    assigned: n('assigned'),
    handled: n('handled'),
    verified: n('verified'),
    suspended: n('suspended'),
    overdue: l.overdue ?? 0,
    closed: n('closed') + n('rated'),
  };
}

/** formatSpan: a stretch of time for a deadline: "12 min", "3.5 h", "2.5 d". */
export function formatSpan(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 3_600_000) return `${Math.floor(t / 60_000)} min`;
  if (t < 48 * 3_600_000) return `${(t / 3_600_000).toFixed(1)} h`;
  return `${(t / 86_400_000).toFixed(1)} d`;
}

/** overdueMs: how long past its deadline a case is at now (0 without one, or before it). */
export function overdueMs(c: { due?: string }, now: number): number {
  const d = c.due ? Date.parse(c.due) : NaN;
  return Number.isFinite(d) ? Math.max(0, now - d) : 0;
}

/** formatOverdue: "超期 3.5 h", from the deadline to now (calendar time). */
export function formatOverdue(c: { due?: string }, now: number): string {
  return `超期 ${formatSpan(overdueMs(c, now))}`;
}

/** formatLimit: a subcategory's time limit in working time: "2 h", or "3 d (22.5 h)" for whole working days. */
export function formatLimit(minutes: number, workingDay = 7.5): string {
  const h = Math.round((minutes / 60) * 10) / 10;
  const hs = Number.isInteger(h) ? String(h) : h.toFixed(1);
  const day = workingDay * 60;
  if (day > 0 && minutes >= day && Math.abs(minutes / day - Math.round(minutes / day)) < 1e-9) return `${Math.round(minutes / day)} d (${hs} h)`;
  return `${hs} h`;
}

/** What a case's deadline says: a tone for the styles and the words. */
export interface Deadline {
  tone: 'overdue' | 'warning' | 'running' | 'stopped' | 'none' | 'done';
  text: string;
}

/**
 * deadline: where a case stands against its clock at now. The clock starts at
 * the first assignment, stops while suspended, and matters until handling.
 */
export function deadline(c: Pick<Case, 'state' | 'due' | 'overdue' | 'warning' | 'onTime' | 'handledAt'>, now: number): Deadline {
  const due = c.due ? Date.parse(c.due) : NaN;
  if (c.state === 'suspended') return { tone: 'stopped', text: '挂起 · 计时暂停 Clock stopped' };
  if (!Number.isFinite(due)) return { tone: 'none', text: '未派遣 · 未计时 Clock not started' };
  if (c.state !== 'assigned') {
    if (c.handledAt) return { tone: 'done', text: c.onTime ? '按期处置 Handled on time' : '超期处置 Handled late' };
    return { tone: 'none', text: '' };
  }
  if (c.overdue || now > due) return { tone: 'overdue', text: `超期 Overdue ${formatSpan(now - due)}` };
  return { tone: c.warning ? 'warning' : 'running', text: `${c.warning ? '预警 Warning · ' : ''}剩余 Left ${formatSpan(due - now)}` };
}

/** formatTime: "12-07 09:30" in the page's time zone. */
export function formatTime(iso: string | undefined): string {
  const t = iso ? new Date(iso) : null;
  if (!t || !Number.isFinite(t.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}`;
}

/**
 * caseButtons: the actions to offer: those the case's state allows (the
 * server's `actions`), in the order of the loop, when the role may move cases
 * (dispatcher and up); none otherwise.
 */
export function caseButtons(actions: readonly string[] | undefined, role: string): string[] {
  if (!may(role, 'dispatcher')) return [];
  const known = CASE_ACTIONS as readonly string[];
  return known.filter((a) => (actions ?? []).includes(a));
}

/** What an action's form asks for; an action with none is taken at once. */
export interface ActionFields {
  note?: 'required' | 'optional';
  /** A level, a region at it and a department (assign, escalate). */
  route?: boolean;
  department?: 'required';
  satisfaction?: boolean;
}

/** actionFields: the inputs an action needs (docs/API.md's table). */
export function actionFields(action: string): ActionFields {
  switch (action) {
    case 'reject':
    case 'handle':
    case 'return':
    case 'suspend':
      return { note: 'required' };
    case 'assign':
    case 'escalate':
      return { route: true, note: 'optional' };
    case 'transfer':
      return { department: 'required', note: 'optional' };
    case 'rate':
      return { satisfaction: true };
  }
  return {};
}

/** needsForm: the action asks for something before it is sent. */
export function needsForm(action: string): boolean {
  return Object.keys(actionFields(action)).length > 0;
}

/** NOTE_PROMPTS: what a required note is for, per action. */
export const NOTE_PROMPTS: Record<string, string> = {
  reject: '不予受理理由 Why it is not a case',
  handle: '处置情况 What was done',
  return: '退回原因 Why the check failed',
  suspend: '挂起事由 The approved reason',
};

/**
 * actionBody: the body to send from the form's values (trimmed, empty ones
 * left out), or the reason it cannot be sent yet.
 */
export function actionBody(action: string, v: CaseActionBody): { ok: true; body: CaseActionBody } | { ok: false; error: string } {
  const f = actionFields(action);
  const body: CaseActionBody = {};
  const note = (v.note ?? '').trim();
  if (note) body.note = note;
  if (f.note === 'required' && !note) return { ok: false, error: `请填写 Required: ${NOTE_PROMPTS[action] ?? 'note'}` };
  if (f.route) {
    for (const k of ['level', 'region', 'department'] as const) {
      const x = (v[k] ?? '').trim();
      if (x) body[k] = x;
    }
  }
  if (f.department) {
    const d = (v.department ?? '').trim();
    if (!d) return { ok: false, error: '请填写部门 Required: the department' };
    body.department = d;
  }
  if (f.satisfaction) {
    const s = Number(v.satisfaction);
    if (!Number.isInteger(s) || s < 1 || s > 5) return { ok: false, error: '请选择满意度 1–5 Required: satisfaction 1 to 5' };
    body.satisfaction = s;
    const c = (v.comment ?? '').trim();
    if (c) body.comment = c;
  }
  return { ok: true, body };
}

/** regionAt: the code of the region at a level holding the case's place ('' at the city level: the server's default). */
export function regionAt(c: Pick<Case, 'regions'>, level: string): string {
  if (level === 'city') return '';
  return (c.regions as Record<string, string | undefined>)[level] ?? '';
}

/** assignDefaults: the route an assign form starts from: the case's level, region and department. */
export function assignDefaults(c: Pick<Case, 'level' | 'region' | 'department' | 'regions'>): { level: string; region: string; department: string } {
  const level = c.level && (CASE_LEVELS as readonly string[]).includes(c.level) ? c.level : 'street';
  return { level, region: c.region || regionAt(c, level), department: c.department ?? '' };
}

/** levelsAbove: the levels an escalation may name, lowest first. */
export function levelsAbove(level: string | undefined): string[] {
  const i = (CASE_LEVELS as readonly string[]).indexOf(level ?? '');
  return CASE_LEVELS.slice(i < 0 ? 0 : i + 1);
}

/** departments: every department of the catalogue, once each, in its order. */
export function departments(cat: CaseCatalogue | undefined): string[] {
  const out: string[] = [];
  for (const c of cat?.categories ?? []) for (const s of c.subcategories ?? []) if (s.department && !out.includes(s.department)) out.push(s.department);
  return out;
}

/** subcategories: every subcategory of the catalogue, category by category. */
export function subcategories(cat: CaseCatalogue | undefined): CaseSubcategory[] {
  return (cat?.categories ?? []).flatMap((c) => c.subcategories ?? []);
}

/** subcategoryLabel: the catalogue's name of a subcategory, else its code. */
export function subcategoryLabel(cat: CaseCatalogue | undefined, code: string): string {
  return subcategories(cat).find((s) => s.code === code)?.label ?? code;
}

export function channelLabel(cat: CaseCatalogue | undefined, code: string): string {
  return cat?.channels?.find((c) => c.code === code)?.label ?? code;
}

/**
 * What an incident's category suggests, best first: subcategory codes or
 * category codes of the catalogue (the first one it has wins).
 */
export const INCIDENT_GUESS: Record<string, string[]> = {
  fire: ['safety.fire-hazard', 'safety'],
  noise: ['dispute.neighbour', 'dispute'],
  dispute: ['dispute.neighbour', 'dispute'],
  'public-order': ['dispute.neighbour', 'dispute'],
  environment: ['env.exposed-garbage', 'environment'],
  traffic: ['facility.manhole', 'facility'],
  medical: ['safety'],
  theft: ['safety'],
};

/** The channel a case from an incident comes by: the police, whose incidents these are. */
export const INCIDENT_CHANNEL = 'police-110';

/**
 * guessSubcategory: the subcategory a case from this incident most likely is:
 * one whose Chinese name the title holds, else what the incident's category
 * suggests (INCIDENT_GUESS, or a category of the same code), else the
 * catalogue's first. '' for an empty catalogue.
 */
export function guessSubcategory(i: Pick<Incident, 'category' | 'title'>, cat: CaseCatalogue | undefined): string {
  const subs = subcategories(cat);
  if (subs.length === 0) return '';
  const title = i.title ?? '';
  if (title) {
    for (const s of subs) {
      const zh = s.label.split(' ')[0];
      if (zh && (title.includes(zh) || zh.includes(title))) return s.code;
    }
  }
  const category = (i.category ?? '').toLowerCase();
  for (const want of [...(INCIDENT_GUESS[category] ?? []), category]) {
    if (!want) continue;
    const sub = subs.find((s) => s.code === want);
    if (sub) return sub.code;
    const inCat = subs.find((s) => s.category === want);
    if (inCat) return inCat.code;
  }
  return subs[0].code;
}

/** defaultChannel: the police channel if the catalogue has it, else its first. */
export function defaultChannel(cat: CaseCatalogue | undefined): string {
  const ch = cat?.channels ?? [];
  return ch.find((c) => c.code === INCIDENT_CHANNEL)?.code ?? ch[0]?.code ?? '';
}

/** incidentCaseTitle: what a case from an incident is called: its title, else its address, else its category and id. */
export function incidentCaseTitle(i: Pick<Incident, 'id' | 'title' | 'address' | 'category'>): string {
  return (i.title || i.address || `${i.category ?? 'incident'} ${i.id}`).slice(0, 256);
}

/** A street's place in the ranking (null: no rate yet). */
export interface Ranked {
  rank: number | null;
  row: CaseStatsRow;
}

/**
 * rankStreets: the regions by on-time closure rate, best first (ties by
 * closure rate, then by more cases due, then by code). With more than 2n
 * ranked, the best n and the worst n; else all ranked, then (as space allows,
 * up to 2n rows) regions with cases but no rate yet.
 */
export function rankStreets(rows: CaseStatsRow[], n = 5): { top: Ranked[]; bottom: Ranked[] } {
  const rated = rows
    .filter((r) => r.onTimeRate !== null && r.onTimeRate !== undefined)
    .sort(
      (a, b) =>
        (b.onTimeRate as number) - (a.onTimeRate as number) ||
        (b.closureRate ?? -1) - (a.closureRate ?? -1) ||
        b.due - a.due ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
    )
    .map((row, i) => ({ rank: i + 1, row }));
  if (rated.length > 2 * n) return { top: rated.slice(0, n), bottom: rated.slice(-n) };
  const busy = (r: CaseStatsRow) => r.registered + Object.values(r.counts ?? {}).reduce((x, y) => x + y, 0);
  const rest = rows
    .filter((r) => (r.onTimeRate === null || r.onTimeRate === undefined) && busy(r) > 0)
    .sort((a, b) => busy(b) - busy(a) || (a.code < b.code ? -1 : 1))
    .slice(0, Math.max(0, 2 * n - rated.length))
    .map((row) => ({ rank: null, row }));
  return { top: [...rated, ...rest], bottom: [] };
}

/** formatRate: "92.9%", or "—" for no rate. */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  const p = Math.round(r * 1000) / 10;
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)}%`;
}

/**
 * RegionNames: the names of the regions the case lists mention, by code:
 * the districts from the profile, the streets (and other levels) from the
 * answers of GET /api/v1/cases/stats.
 */
export class RegionNames {
  private names = new Map<string, string>();

  constructor(districts?: Districts) {
    for (const d of districts?.list ?? []) this.names.set(d.id, d.name);
  }

  /** learn takes the names of a stats answer's rows. */
  learn(rows: { code: string; name?: string }[]): void {
    for (const r of rows) if (r.name) this.names.set(r.code, r.name);
  }

  name(code: string | undefined): string {
    return (code && this.names.get(code)) || '';
  }

  /** place: "横塘街道 · 虎丘区" for a case's street and district, names where known, else codes. */
  place(c: { street?: string; district?: string }): string {
    const parts = [c.street ? this.name(c.street) || c.street : '', c.district ? this.name(c.district) || c.district : ''].filter(Boolean);
    return parts.join(' · ') || '—';
  }
}

/** markerPlace: a marker's street and district. */
export function markerPlace(m: CaseMarker, names: RegionNames): string {
  return names.place(m);
}

/** casePlace: a case's street and district. */
export function casePlace(c: Pick<Case, 'regions'>, names: RegionNames): string {
  return names.place({ street: c.regions?.street, district: c.regions?.district });
}

/** caseFailText: a refused case call in the dispatcher's words; a 409 says where the case stands now. */
export function caseFailText(o: { status: number; error: string; state?: string }): string {
  if (o.status === 0) return '无法连接 Cannot reach the server';
  if (o.status === 403) return `无权限 Not allowed (${o.error})`;
  if (o.status === 409) return `状态已变 Conflict: ${o.error}` + (o.state ? ` — 当前 now ${stateLabel(o.state)}` : '');
  if (o.status === 404) return `无此案件 No such case (${o.error})`;
  if (o.status === 503) return `暂不可用 Unavailable, try again (${o.error})`;
  return o.error;
}
