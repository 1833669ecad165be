// The console's alert and dispatch panels: the open alerts (acknowledge,
// resolve), dispatch suggestions for an alert or a cell (dispatch in one
// click), and the active dispatches (clear, cancel). Rows are kept by id and
// updated in place (syncRows), so live updates never swallow a click.

import {
  ackAlert,
  cancelDispatch,
  clearDispatch,
  createDispatch,
  getAlerts,
  getSuggestions,
  may,
  resolveAlert,
  type DispatchTarget,
  type Outcome,
} from './api';
import type { Districts } from './districts';
import { dispatchTarget, IncidentPick, incidentText, targetLabel } from './incidents';
import { incidentsBox } from './incidentspanel';
import { el, formatAge, sevChip, STATUS_LABELS } from './hud';
import { statusColor } from './layers';
import { placeOf } from './places';
import {
  alertPlace,
  ALERT_STATUS_LABELS,
  DISPATCH_LABELS,
  dispatchOverdue,
  formatDistance,
  formatDuration,
  kindLabel,
  placeName,
  syncRows,
  targetCell9,
} from './ops';
import type { Alert, Dispatch, Suggestion, Unit, Window } from './protocol';
import { dispatchSeconds } from './store';

/** Rows shown at most; the rest are counted. */
const MAX_ROWS = 200;
/** Units a suggestion list asks for. */
export const SUGGEST_LIMIT = 6;

function button(label: string, testid: string, enabled: boolean, why: string, onClick: (b: HTMLButtonElement) => void): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-testid': testid }, label) as HTMLButtonElement;
  b.disabled = !enabled;
  if (!enabled) b.title = why;
  b.addEventListener('click', (ev) => {
    ev.stopPropagation();
    onClick(b);
  });
  return b;
}

/** noteInput: an optional note to go with an action (at most 1,000 bytes on the server). */
export function noteInput(testid: string, placeholder = '备注（可选） Note (optional)'): HTMLInputElement {
  return el('input', { type: 'text', class: 'note-input', 'data-testid': testid, maxlength: '300', placeholder }) as HTMLInputElement;
}

/**
 * noteAction makes a panel button's handler: it sends the note along, says
 * why when the call is refused, and hands the new state to done.
 */
function noteAction<T>(note: HTMLInputElement, msg: HTMLElement, done: (v: T) => void) {
  return (b: HTMLButtonElement, call: (note?: string) => Promise<Outcome<T>>): void => {
    b.disabled = true;
    msg.textContent = '';
    void call(note.value.trim() || undefined).then((r) => {
      b.disabled = false;
      if (!r.ok) {
        msg.textContent = failText(r);
        return;
      }
      note.value = '';
      done(r.value);
    });
  };
}

/** failText: what a refused call means, in the operator's words. */
export function failText(o: Extract<Outcome<unknown>, { ok: false }>): string {
  if (o.status === 403) return `无权限 Not allowed (${o.error})`;
  if (o.status === 0) return `无法连接 Cannot reach the server`;
  return o.error;
}

export interface AlertsPanelOptions {
  role: string;
  districts: Districts;
  onPick: (a: Alert) => void;
}

/** AlertsPanel: the open (and acknowledged) alerts, newest first. */
export class AlertsPanel {
  private list: HTMLElement;
  private more: HTMLElement;
  private alerts: Alert[] = [];
  private resolved: ResolvedAlerts;

  constructor(
    box: HTMLElement,
    private o: AlertsPanelOptions,
  ) {
    this.list = el('ul', { class: 'ops-list alerts-list', 'data-testid': 'alerts-list' });
    this.more = el('div', { class: 'muted more' });
    const openBox = el('div', {}, this.list, this.more);
    const resolvedBox = el('div', { hidden: '' });
    this.resolved = new ResolvedAlerts(resolvedBox, o);
    const tab = (label: string, which: 'open' | 'resolved') => {
      const b = el('button', { type: 'button', role: 'tab', class: 'tab', 'data-testid': `alerts-tab-${which}`, 'aria-selected': String(which === 'open') }, label);
      b.addEventListener('click', () => {
        for (const t of Array.from(tabs.children)) t.setAttribute('aria-selected', String(t === b));
        openBox.hidden = which !== 'open';
        resolvedBox.hidden = which !== 'resolved';
        this.resolved.active(which === 'resolved');
      });
      return b;
    };
    const tabs = el('div', { class: 'tabs', role: 'tablist' }, tab('当前 Open', 'open'), tab('已解除 Resolved', 'resolved'));
    box.replaceChildren(tabs, openBox, resolvedBox);
  }

  update(alerts: Alert[], now: number): void {
    this.alerts = alerts;
    const shown = alerts.slice(0, MAX_ROWS);
    syncRows(this.list, shown, (a) => a.id, (a) => this.row(a), (row, a) => this.fill(row, a, now));
    this.more.textContent = alerts.length > shown.length ? `+${alerts.length - shown.length} …` : alerts.length === 0 ? '无告警 No open alerts' : '';
  }

  /** tick refreshes the ages. */
  tick(now: number): void {
    for (const row of Array.from(this.list.children) as HTMLElement[]) {
      const age = row.querySelector('.age');
      const at = Number(row.dataset.openedAt);
      if (age && at) age.textContent = formatAge(Math.max(0, now - at));
    }
  }

  private row(a: Alert): HTMLElement {
    const row = el('li', { class: 'ops-row alert-row', 'data-testid': 'alert-row', 'data-alert-id': a.id, tabindex: '0' });
    const ok = may(this.o.role, 'operator');
    const why = '需要值班员权限 Operator role needed';
    const msg = el('div', { class: 'row-error', role: 'alert' });
    const act = (b: HTMLButtonElement, call: () => Promise<Outcome<Alert>>) => {
      b.disabled = true;
      msg.textContent = '';
      void call().then((r) => {
        b.disabled = false;
        if (r.ok) this.fill(row, r.value, Date.now());
        else msg.textContent = failText(r);
      });
    };
    const ack = button('确认 Ack', 'alert-ack', ok, why, (b) => act(b, () => ackAlert(row.dataset.alertId ?? a.id)));
    const resolve = button('解除 Resolve', 'alert-resolve', ok, why, (b) => act(b, () => resolveAlert(row.dataset.alertId ?? a.id)));
    row.append(
      el('div', { class: 'row-head' }, el('span', { class: 'chip-slot' }), el('b', { class: 'kind' }), el('span', { class: 'status' }), el('span', { class: 'age muted' })),
      el('div', { class: 'place muted' }),
      el('div', { class: 'message' }),
      el('div', { class: 'row-actions' }, ack, resolve),
      msg,
    );
    row.addEventListener('click', () => {
      const cur = this.alerts.find((x) => x.id === a.id) ?? a;
      this.o.onPick(cur);
    });
    return row;
  }

  private fill(row: HTMLElement, a: Alert, now: number): void {
    row.dataset.status = a.status;
    row.dataset.kind = a.kind;
    const opened = Date.parse(a.openedAt);
    row.dataset.openedAt = String(Number.isFinite(opened) ? opened : 0);
    row.classList.toggle('acked', a.status === 'acknowledged');
    if (row.dataset.severity !== String(a.severity)) {
      row.dataset.severity = String(a.severity);
      row.querySelector('.chip-slot')?.replaceChildren(sevChip(a.severity));
    }
    (row.querySelector('.kind') as HTMLElement).textContent = kindLabel(a.kind);
    (row.querySelector('.status') as HTMLElement).textContent = ALERT_STATUS_LABELS[a.status] ?? a.status;
    (row.querySelector('.age') as HTMLElement).textContent = Number.isFinite(opened) ? formatAge(Math.max(0, now - opened)) : '';
    (row.querySelector('.place') as HTMLElement).textContent = alertPlace(a, this.o.districts) + (a.ackedBy ? ` · ${a.ackedBy}` : '');
    (row.querySelector('.message') as HTMLElement).textContent = a.message ?? '';
    const ack = row.querySelector('[data-testid="alert-ack"]') as HTMLButtonElement;
    ack.hidden = a.status !== 'open';
  }
}

/** How many resolved alerts the history lists, and how often it asks again while shown. */
const RESOLVED_LIMIT = 100;
const RESOLVED_REFRESH_MS = 15_000;

/**
 * ResolvedAlerts: the history of resolved alerts, newest first, with who
 * resolved each (or "auto" when its condition cleared), when, and the notes
 * given. Asked of the server (GET /api/v1/alerts?status=resolved) while shown.
 */
class ResolvedAlerts {
  private list: HTMLElement;
  private note: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    box: HTMLElement,
    private o: AlertsPanelOptions,
  ) {
    this.list = el('ul', { class: 'ops-list alerts-list resolved', 'data-testid': 'resolved-list' });
    this.note = el('div', { class: 'muted more' });
    box.replaceChildren(this.list, this.note);
  }

  active(on: boolean): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!on) return;
    void this.load();
    this.timer = setInterval(() => void this.load(), RESOLVED_REFRESH_MS);
  }

  private async load(): Promise<void> {
    let got: Alert[];
    try {
      got = (await getAlerts('resolved', RESOLVED_LIMIT)).alerts ?? [];
    } catch (e) {
      this.note.textContent = `历史不可用 History unavailable: ${String(e)}`;
      return;
    }
    syncRows(this.list, got, (a) => a.id, (a) => this.row(a), (row, a) => this.fill(row, a));
    this.note.textContent = got.length === 0 ? '无已解除告警 No resolved alerts' : got.length >= RESOLVED_LIMIT ? `最近 ${RESOLVED_LIMIT} 条 The last ${RESOLVED_LIMIT}` : '';
    this.list.dataset.loaded = '1';
  }

  private row(a: Alert): HTMLElement {
    const row = el(
      'li',
      { class: 'ops-row alert-row', 'data-testid': 'resolved-row', 'data-alert-id': a.id, tabindex: '0' },
      el('div', { class: 'row-head' }, sevChip(a.severity), el('b', { class: 'kind' }, kindLabel(a.kind)), el('span', { class: 'when muted' })),
      el('div', { class: 'place muted' }),
      el('div', { class: 'who' }),
      el('div', { class: 'note' }),
    );
    row.addEventListener('click', () => this.o.onPick(a));
    return row;
  }

  private fill(row: HTMLElement, a: Alert): void {
    (row.querySelector('.when') as HTMLElement).textContent = a.resolvedAt ? new Date(a.resolvedAt).toLocaleString() : '';
    (row.querySelector('.place') as HTMLElement).textContent = alertPlace(a, this.o.districts);
    const by = a.resolution === 'auto' ? '自动 Auto (condition cleared)' : `解除 Resolved by ${a.resolvedBy ?? '?'}`;
    (row.querySelector('.who') as HTMLElement).textContent = [by, a.ackedBy && `确认 Ack ${a.ackedBy}`].filter(Boolean).join(' · ');
    const notes = alertNotes(a).map(([k, v]) => `${k}: ${v}`).join(' / ');
    const n = row.querySelector('.note') as HTMLElement;
    n.textContent = notes;
    n.dataset.testid = notes ? 'resolved-note' : '';
    row.dataset.resolution = a.resolution ?? '';
  }
}

export interface DispatchesPanelOptions {
  role: string;
  districts: Districts;
  onPick: (d: Dispatch) => void;
}

/** DispatchesPanel: the active dispatches, newest first, with elapsed or response time. */
export class DispatchesPanel {
  private list: HTMLElement;
  private empty: HTMLElement;
  private dispatches: Dispatch[] = [];

  constructor(
    box: HTMLElement,
    private o: DispatchesPanelOptions,
  ) {
    this.list = el('ul', { class: 'ops-list dispatches-list', 'data-testid': 'dispatches-list' });
    this.empty = el('div', { class: 'muted more' });
    box.replaceChildren(this.list, this.empty);
  }

  update(active: Dispatch[], unitStatus: (unit: string) => string, now: number): void {
    this.dispatches = active;
    syncRows(this.list, active, (d) => d.id, (d) => this.row(d), (row, d) => this.fill(row, d, unitStatus(d.unit), now));
    this.empty.textContent = active.length === 0 ? '无派单 No active orders' : '';
  }

  tick(now: number): void {
    for (const d of this.dispatches) {
      const row = this.list.querySelector(`[data-dispatch-id="${CSS.escape(d.id)}"]`) as HTMLElement | null;
      if (row) this.time(row, d, now);
    }
  }

  private row(d: Dispatch): HTMLElement {
    const row = el('li', { class: 'ops-row dispatch-row', 'data-testid': 'dispatch-row', 'data-dispatch-id': d.id, 'data-unit': d.unit, tabindex: '0' });
    const ok = may(this.o.role, 'dispatcher');
    const why = '需要调度员权限 Dispatcher role needed';
    const msg = el('div', { class: 'row-error', role: 'alert' });
    const act = (b: HTMLButtonElement, call: () => Promise<Outcome<Dispatch>>) => {
      b.disabled = true;
      msg.textContent = '';
      void call().then((r) => {
        b.disabled = false;
        if (!r.ok) msg.textContent = failText(r);
        else if (r.value) row.dataset.status = r.value.status;
      });
    };
    row.append(
      el('div', { class: 'row-head' }, el('span', { class: 'dot' }), el('b', { class: 'unit' }, d.unit), el('span', { class: 'status' }), el('span', { class: 'elapsed', 'data-testid': 'dispatch-elapsed' })),
      el('div', { class: 'place muted' }),
      el(
        'div',
        { class: 'row-actions' },
        button('结束 Clear', 'dispatch-clear', ok, why, (b) => act(b, () => clearDispatch(d.id))),
        button('撤销 Cancel', 'dispatch-cancel', ok, why, (b) => act(b, () => cancelDispatch(d.id))),
      ),
      msg,
    );
    row.addEventListener('click', () => this.o.onPick(this.dispatches.find((x) => x.id === d.id) ?? d));
    return row;
  }

  private fill(row: HTMLElement, d: Dispatch, unitStatus: string, now: number): void {
    row.dataset.status = d.status;
    const c = statusColor(unitStatus || 'dispatched');
    (row.querySelector('.dot') as HTMLElement).style.background = `rgba(${c.join(',')})`;
    (row.querySelector('.status') as HTMLElement).textContent = DISPATCH_LABELS[d.status] ?? d.status;
    (row.querySelector('.place') as HTMLElement).textContent = `→ ${[placeName(d, this.o.districts), placeOf(d.cell), d.assignedBy].filter(Boolean).join(' · ')}`;
    this.time(row, d, now);
  }

  private time(row: HTMLElement, d: Dispatch, now: number): void {
    const s = dispatchSeconds(d, now);
    const e = row.querySelector('.elapsed') as HTMLElement;
    e.textContent = (d.status === 'on_scene' ? '响应 Response ' : '') + formatDuration(s);
    row.classList.toggle('overdue', dispatchOverdue(d, s));
  }
}

/** What the suggestions are for: the POST body's target, and the res-9 cell to ask about. */
export interface SuggestFor {
  target: DispatchTarget;
  cell9: string;
}

export function suggestForAlert(a: Alert): SuggestFor {
  return { target: { alert: a.id }, cell9: targetCell9(a) };
}

export function suggestForCell(cell: string): SuggestFor {
  const c9 = targetCell9({ cell, lat: 0, lng: 0 });
  return { target: { cell: c9 }, cell9: c9 };
}

/**
 * suggestionsBox: a box that asks GET /api/v1/dispatch/suggest for the place
 * and lists the units with a Dispatch button each. A 409 says plainly that
 * another dispatcher took the unit, and the list is asked again. With an
 * incident picked (pick), the buttons dispatch to it instead of the place;
 * the box says which, and the pick can be cleared there.
 */
export function suggestionsBox(f: SuggestFor, role: string, onDispatched?: (d: Dispatch) => void, pick?: IncidentPick): HTMLElement {
  const list = el('ul', { class: 'ops-list suggestions', 'data-testid': 'suggestions', 'data-cell': f.cell9 });
  const result = el('div', { class: 'dispatch-result', 'data-testid': 'dispatch-result', role: 'status' });
  const target = el('div', { class: 'dispatch-target', 'data-testid': 'dispatch-target' });
  const ok = may(role, 'dispatcher');
  const note = noteInput('dispatch-note', '派单备注 Note for the unit (optional)');
  note.disabled = !ok;
  const box = el('div', { class: 'suggest-box' }, el('h4', {}, '调度建议 Dispatch suggestions'), target, note, list, result);

  const showTarget = () => {
    const i = pick?.incident;
    if (!i) {
      delete target.dataset.incident;
      target.classList.remove('incident');
      target.replaceChildren('派往 To: ', el('span', { class: 'muted' }, targetLabel(f.target)));
      return;
    }
    target.dataset.incident = i.id;
    target.classList.add('incident');
    const clear = el('button', { type: 'button', class: 'clear-target', 'data-testid': 'incident-clear', 'aria-label': 'clear the incident' }, '× 清除 Clear') as HTMLButtonElement;
    clear.addEventListener('click', (ev) => {
      ev.stopPropagation();
      pick?.set(undefined);
    });
    target.replaceChildren('派往事件 To incident: ', el('b', {}, incidentText(i)), ' ', el('span', { class: 'muted cell-id' }, i.id), ' ', clear);
  };
  showTarget();
  pick?.onChange(showTarget);

  const load = async () => {
    list.dataset.loaded = '';
    let got: Suggestion[];
    try {
      got = (await getSuggestions(f.cell9, SUGGEST_LIMIT)).suggestions ?? [];
    } catch (e) {
      list.replaceChildren(el('li', { class: 'muted' }, `建议不可用 Suggestions unavailable: ${String(e)}`));
      list.dataset.loaded = '1';
      return;
    }
    list.replaceChildren(
      ...(got.length ? got.map((s) => row(s)) : [el('li', { class: 'muted' }, '附近无力量 No units nearby')]),
    );
    list.dataset.loaded = '1';
  };

  const row = (s: Suggestion): HTMLElement => {
    const c = statusColor(s.status);
    const dot = el('span', { class: 'dot' });
    dot.style.background = `rgba(${c.join(',')})`;
    const info = `${s.kind} · ${formatDistance(s.distanceMeters)} · ~${Math.max(1, Math.round(s.etaSeconds / 60))} min` + (s.dispatch ? ` · ${s.dispatch}` : '');
    const b = button('派遣 Dispatch', 'dispatch-btn', ok, '需要调度员权限 Dispatcher role needed', (btn) => {
      btn.disabled = true;
      result.textContent = '…';
      result.className = 'dispatch-result';
      void createDispatch(s.unit, dispatchTarget(f.target, pick?.incident), note.value.trim() || undefined).then((r) => {
        if (r.ok) {
          note.value = '';
          result.textContent = `已派出 Dispatched ${r.value.unit} → ${r.value.id}` + (r.value.incident ? ` (${r.value.incident})` : '');
          result.dataset.dispatchId = r.value.id;
          result.dataset.outcome = 'ok';
          result.classList.add('ok');
          onDispatched?.(r.value);
          void load();
          return;
        }
        btn.disabled = false;
        result.dataset.outcome = r.conflict ? 'conflict' : 'error';
        result.classList.add('error');
        result.textContent = r.conflict
          ? `已被其他调度员派出 Taken by another dispatcher: ${s.unit}${r.dispatch ? ' (' + r.dispatch + ')' : ''}`
          : `派遣失败 Dispatch failed: ${failText(r)}`;
        if (r.conflict) void load();
      });
    });
    return el(
      'li',
      { class: 'ops-row suggestion' + (s.available ? '' : ' unavailable'), 'data-testid': 'suggestion', 'data-unit': s.unit, 'data-available': String(s.available) },
      el('div', { class: 'row-head' }, dot, el('b', { class: 'unit' }, s.unit), b),
      el('div', { class: 'place muted' }, info),
    );
  };

  void load();
  return box;
}

/** What showAlert and showDispatch may link to. */
export interface PanelLinks {
  /** Open an incident's page. */
  onIncident?: (id: string) => void;
}

/** alertNotes: the notes people gave at each step, with who gave them. */
export function alertNotes(a: Alert): [string, string][] {
  const out: [string, string][] = [];
  if (a.ackNote) out.push(['确认 Ack', `${a.ackNote} — ${a.ackedBy ?? ''}`]);
  if (a.resolveNote) out.push(['解除 Resolve', `${a.resolveNote} — ${a.resolvedBy ?? ''}`]);
  if (!out.length && a.note) out.push(['备注 Note', a.note]);
  return out;
}

function incidentLink(id: string | undefined, links: PanelLinks): HTMLElement | string {
  if (!id || !links.onIncident) return '';
  const b = el('button', { type: 'button', class: 'link', 'data-testid': 'open-incident', 'data-incident-id': id }, `事件 Incident ${id} →`);
  b.addEventListener('click', () => links.onIncident?.(id));
  return b;
}

/**
 * showAlert fills the side panel with one alert: what and where, who did what
 * with it and their notes, Acknowledge and Resolve with a note (operators),
 * its dispatch suggestions and, for a cell alert, the cell's incidents over
 * the console's window.
 */
export function showAlert(panel: HTMLElement, a: Alert, role: string, districts: Districts, onClose: () => void, win: Window = '1h', links: PanelLinks = {}): void {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  const status = el('div', { class: 'muted', 'data-testid': 'picked-alert-status' });
  const notes = el('dl', { class: 'cell-counts alert-notes', 'data-testid': 'alert-notes' });
  const fill = (x: Alert) => {
    status.textContent = [ALERT_STATUS_LABELS[x.status] ?? x.status, x.ackedBy && `确认 ${x.ackedBy}`, x.resolvedBy && `解除 ${x.resolvedBy}`].filter(Boolean).join(' · ');
    status.dataset.status = x.status;
    notes.replaceChildren(...alertNotes(x).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-testid': 'alert-note-text' }, v)]));
  };
  fill(a);
  panel.replaceChildren(
    close,
    el('h3', {}, sevChip(a.severity), ' ', el('span', { 'data-testid': 'picked-alert', 'data-alert-id': a.id }, kindLabel(a.kind))),
    el('div', { class: 'muted' }, alertPlace(a, districts)),
    el('div', {}, a.message ?? ''),
    status,
    notes,
    incidentLink(a.incident, links),
    ...alertActions(a, role, fill),
    ...alertBoxes(a, role, win, links.onIncident),
  );
  panel.dataset.region = '';
  panel.dataset.alert = a.id;
  delete panel.dataset.case;
  delete panel.dataset.incident;
  panel.hidden = false;
}

/** alertActions: a note and the Acknowledge and Resolve buttons that carry it (operators). */
function alertActions(a: Alert, role: string, fill: (a: Alert) => void): HTMLElement[] {
  if (!may(role, 'operator') || a.status === 'resolved') return [];
  const note = noteInput('alert-note');
  const msg = el('div', { class: 'row-error', role: 'alert' });
  const act = noteAction<Alert>(note, msg, (x) => {
    fill(x);
    ack.hidden = x.status !== 'open';
    if (x.status === 'resolved') box.replaceChildren(el('div', { class: 'muted' }, '已解除 Resolved'));
  });
  const ack = button('确认 Ack', 'alert-panel-ack', true, '', (b) => act(b, (n) => ackAlert(a.id, n)));
  ack.hidden = a.status !== 'open';
  const resolve = button('解除 Resolve', 'alert-panel-resolve', true, '', (b) => act(b, (n) => resolveAlert(a.id, n)));
  const box = el('div', { class: 'row-actions note-actions' }, note, ack, resolve);
  return [box, msg];
}

function alertBoxes(a: Alert, role: string, win: Window, onIncident?: (id: string) => void): HTMLElement[] {
  if (!may(role, 'operator')) {
    const out = [el('div', { class: 'muted' }, '调度建议需要值班员权限 Suggestions need the operator role')];
    return a.cell ? [incidentsBox(a.cell, win, role, undefined, onIncident), ...out] : out;
  }
  const pick = new IncidentPick();
  const sugg = suggestionsBox(suggestForAlert(a), role, undefined, pick);
  return a.cell ? [incidentsBox(a.cell, win, role, pick, onIncident), sugg] : [sugg];
}

/**
 * showDispatch fills the side panel with one order: the unit, where it goes,
 * its times, who sent it and the notes, and (dispatchers) Clear and Cancel
 * with a note.
 */
export function showDispatch(panel: HTMLElement, d: Dispatch, role: string, districts: Districts, onClose: () => void, links: PanelLinks = {}): void {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  const facts = el('dl', { class: 'cell-counts', 'data-testid': 'dispatch-facts' });
  const fill = (x: Dispatch) => {
    const rows: [string, string, string][] = [
      ['状态 Status', DISPATCH_LABELS[x.status] ?? x.status, 'dispatch-status'],
      ['派往 To', [placeName(x, districts), placeOf(x.cell)].filter(Boolean).join(' · ') || x.cell, 'dispatch-place'],
      ['派单 Ordered', `${new Date(x.assignedAt).toLocaleTimeString()} · ${x.assignedBy ?? ''}`, 'dispatch-assigned'],
    ];
    if (x.note) rows.push(['派单备注 Note', x.note, 'dispatch-note-text']);
    if (x.onSceneAt) rows.push(['到场 On scene', new Date(x.onSceneAt).toLocaleTimeString(), 'dispatch-onscene']);
    if (x.clearedAt) rows.push([x.status === 'cancelled' ? '撤销 Cancelled' : '结束 Cleared', `${new Date(x.clearedAt).toLocaleTimeString()} · ${x.clearedBy ?? ''}`, 'dispatch-ended']);
    if (x.endNote) rows.push(['结束备注 End note', x.endNote, 'dispatch-endnote-text']);
    facts.replaceChildren(...rows.flatMap(([k, v, t]) => [el('dt', {}, k), el('dd', { 'data-testid': t }, v)]));
    panel.dataset.dispatchStatus = x.status;
  };
  fill(d);
  const parts: (HTMLElement | string)[] = [
    close,
    el('h3', {}, '派单 Order ', el('b', { 'data-testid': 'picked-dispatch', 'data-dispatch-id': d.id }, d.unit)),
    facts,
    incidentLink(d.incident, links),
  ];
  const active = d.status !== 'cleared' && d.status !== 'cancelled';
  if (active && may(role, 'dispatcher')) {
    const note = noteInput('dispatch-end-note');
    const msg = el('div', { class: 'row-error', role: 'alert' });
    const act = noteAction<Dispatch>(note, msg, (x) => {
      fill(x);
      box.replaceChildren();
    });
    const box = el(
      'div',
      { class: 'row-actions note-actions' },
      note,
      button('结束 Clear', 'dispatch-panel-clear', true, '', (b) => act(b, (n) => clearDispatch(d.id, n))),
      button('撤销 Cancel', 'dispatch-panel-cancel', true, '', (b) => act(b, (n) => cancelDispatch(d.id, n))),
    );
    parts.push(box, msg);
  }
  panel.replaceChildren(...parts);
  panel.dataset.dispatch = d.id;
  delete panel.dataset.region;
  delete panel.dataset.alert;
  delete panel.dataset.case;
  delete panel.dataset.incident;
  panel.hidden = false;
}

/**
 * showUnit fills the side panel with one unit (found by the search box): its
 * status, when it last reported, and the order it is on, if any.
 */
export function showUnit(panel: HTMLElement, u: Unit, order: Dispatch | undefined, onClose: () => void, onOrder: (d: Dispatch) => void): void {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  const dot = el('span', { class: 'dot' });
  dot.style.background = `rgba(${statusColor(u.status).join(',')})`;
  const rows: [string, string, string][] = [
    ['状态 Status', STATUS_LABELS[u.status] ?? u.status, 'unit-status'],
    ['类型 Kind', u.kind ?? '—', 'unit-kind'],
    ['位置 Place', placeOf(u.cell) || `${u.lat.toFixed(4)}, ${u.lng.toFixed(4)}`, 'unit-place'],
    ['上报 Last report', u.time ? new Date(u.time).toLocaleTimeString() : '—', 'unit-time'],
  ];
  const parts: (HTMLElement | string)[] = [
    close,
    el('h3', {}, dot, ' ', el('span', { 'data-testid': 'picked-unit', 'data-unit': u.unit }, u.unit)),
    el('dl', { class: 'cell-counts' }, ...rows.flatMap(([k, v, t]) => [el('dt', {}, k), el('dd', { 'data-testid': t }, v)])),
  ];
  if (order) {
    const b = el('button', { type: 'button', class: 'link', 'data-testid': 'unit-order', 'data-dispatch-id': order.id }, `派单 Order ${order.id} · ${DISPATCH_LABELS[order.status] ?? order.status} →`);
    b.addEventListener('click', () => onOrder(order));
    parts.push(b);
  }
  panel.replaceChildren(...parts);
  panel.dataset.unit = u.unit;
  delete panel.dataset.region;
  delete panel.dataset.alert;
  delete panel.dataset.case;
  delete panel.dataset.incident;
  panel.hidden = false;
}
