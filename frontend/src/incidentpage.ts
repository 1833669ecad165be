// One incident's page in the console's side panel: where and what it is, who
// reported it, where it stands, and its history (alerts, units sent, cases,
// with who did what and the notes they gave), with the dispatch suggestions
// aimed at it. Opened from the search box, a cell's incident list or an alert.

import { getIncident, getPlaces, may } from './api';
import { caseForm } from './caseform';
import { el, sevChip } from './hud';
import { IncidentPick, incidentText } from './incidents';
import { suggestionsBox } from './opspanels';
import { ALERT_STATUS_LABELS, kindLabel } from './ops';
import type { Alert, HistoryStep, IncidentDetail } from './protocol';

/** What an incident's status is called on the console. */
export const INCIDENT_STATUS_LABELS: Record<string, string> = {
  reported: '已报 Reported',
  acknowledged: '已确认 Acknowledged',
  dispatched: '已派单 Ordered',
  on_scene: '已到场 On scene',
  cleared: '已处置 Cleared',
};

const STEP_LABELS: Record<string, string> = {
  reported: '报警 Reported',
  'alert.open': '告警 Alert opened',
  'alert.ack': '确认 Acknowledged',
  'alert.resolve': '解除 Resolved',
  'dispatch.assign': '派单 Ordered',
  'dispatch.en_route': '出发 En route',
  'dispatch.on_scene': '到场 On scene',
  'dispatch.clear': '结束 Cleared',
  'dispatch.cancel': '撤销 Cancelled',
};

/** stepLabel names a history step; a case's step is "案件 Case <action>". */
export function stepLabel(what: string): string {
  if (STEP_LABELS[what]) return STEP_LABELS[what];
  if (what.startsWith('case.')) return `案件 Case ${what.slice(5)}`;
  return what;
}

/** clockTime: a time of day (HH:MM:SS, the browser's zone), or '' for a bad time. */
export function clockTime(iso: string | undefined): string {
  const t = Date.parse(iso ?? '');
  if (!Number.isFinite(t)) return '';
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** historyLine: one step as the list says it: time, what, who, and the note. */
export function historyLine(h: HistoryStep): { time: string; what: string; who: string; note: string } {
  return { time: clockTime(h.at), what: stepLabel(h.what), who: h.by ?? '', note: h.note ?? '' };
}

export interface IncidentPageOptions {
  role: string;
  onClose: () => void;
  /** Open a case of the incident. */
  onCase?: (id: string) => void;
  /** Open an alert of the incident (to acknowledge or resolve it). */
  onAlert?: (a: Alert) => void;
}

/**
 * showIncident fills the side panel with one incident. The panel says plainly
 * when the id is not among the last day's incidents (404) or the server
 * cannot answer.
 */
export async function showIncident(panel: HTMLElement, id: string, o: IncidentPageOptions): Promise<IncidentDetail | undefined> {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', o.onClose);
  const body = el('div', { class: 'incident-page', 'data-testid': 'incident-page', 'data-incident-id': id }, el('div', { class: 'muted' }, '…'));
  panel.replaceChildren(close, body);
  panel.dataset.incident = id;
  delete panel.dataset.region;
  delete panel.dataset.alert;
  delete panel.dataset.case;
  panel.hidden = false;
  const r = await getIncident(id);
  if (panel.dataset.incident !== id) return undefined; // another pick came first
  if (!r.ok) {
    const why = r.status === 404 ? '近24小时无此事件 No such incident in the last 24 h' : `事件不可用 Incident unavailable: ${r.error}`;
    body.replaceChildren(el('h3', {}, id), el('div', { class: 'row-error', 'data-testid': 'incident-error', 'data-status': String(r.status) }, why));
    return undefined;
  }
  const d = r.value;
  const i = d.incident;
  const place = el('span', { 'data-testid': 'incident-place' }, '');
  getPlaces([i.cell]).then(
    (p) => (place.textContent = p.places[0]?.name ?? ''),
    () => undefined,
  );
  const facts: [string, string, string][] = [
    ['状态 Status', INCIDENT_STATUS_LABELS[d.status] ?? d.status, 'incident-status'],
    ['地址 Address', i.address ?? '—', 'incident-address'],
    ['来源 Source', [i.source, i.by].filter(Boolean).join(' · ') || '—', 'incident-source'],
    ['时间 Time', new Date(i.time).toLocaleString(), 'incident-time'],
    ['类别 Category', i.category ?? '—', 'incident-category'],
  ];
  const history = el(
    'ol',
    { class: 'incident-history', 'data-testid': 'incident-history' },
    ...d.history.map((h) => {
      const l = historyLine(h);
      return el(
        'li',
        { 'data-what': h.what, 'data-ref': h.ref ?? '' },
        el('span', { class: 'time muted' }, l.time),
        ' ',
        el('b', {}, l.what),
        l.who ? el('span', { class: 'muted' }, ` · ${l.who}`) : '',
        l.note ? el('div', { class: 'note', 'data-testid': 'history-note' }, `“${l.note}”`) : '',
      );
    }),
  );
  const cases = d.cases.map((k) => {
    const b = el('button', { type: 'button', class: 'link', 'data-testid': 'incident-case', 'data-case-id': k.id }, `${k.id} · ${k.label ?? k.state}`);
    b.addEventListener('click', () => o.onCase?.(k.id));
    return b;
  });
  const alerts = d.alerts.map((a) => {
    const b = el('button', { type: 'button', class: 'link', 'data-testid': 'incident-alert', 'data-alert-id': a.id }, `${kindLabel(a.kind)} · ${ALERT_STATUS_LABELS[a.status] ?? a.status} →`);
    b.addEventListener('click', () => o.onAlert?.(a));
    return b;
  });
  body.dataset.status = d.status;
  body.replaceChildren(
    el('h3', {}, sevChip(i.severity), ' ', el('span', { 'data-testid': 'incident-title' }, incidentText(i))),
    el('div', { class: 'muted' }, place, ' ', el('span', { class: 'cell-id' }, i.id)),
    el('dl', { class: 'cell-counts' }, ...facts.flatMap(([k, v, t]) => [el('dt', {}, k), el('dd', { 'data-testid': t }, v)])),
    el('h4', {}, '经过 History'),
    history,
    ...(alerts.length ? [el('h4', {}, '告警 Alerts'), el('div', {}, ...alerts)] : []),
    ...(cases.length ? [el('h4', {}, '案件 Cases'), el('div', {}, ...cases)] : []),
  );
  if (may(o.role, 'operator')) {
    const pick = new IncidentPick();
    pick.set(i);
    const reg = el('button', { type: 'button', class: 'case-register', 'data-testid': 'case-register' }, '立案 Register case') as HTMLButtonElement;
    const formBox = el('div');
    reg.addEventListener('click', () => {
      if (formBox.querySelector('[data-testid="case-form"]')) formBox.replaceChildren();
      else formBox.replaceChildren(caseForm(i, () => formBox.replaceChildren(), () => void showIncident(panel, id, o)));
    });
    body.append(el('div', { class: 'row-actions' }, reg), formBox, suggestionsBox({ target: { incident: i.id }, cell9: i.cell }, o.role, undefined, pick));
  }
  return d;
}
