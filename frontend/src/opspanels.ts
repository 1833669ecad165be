// The console's alert and dispatch panels: the open alerts (acknowledge,
// resolve), dispatch suggestions for an alert or a cell (dispatch in one
// click), and the active dispatches (clear, cancel). Rows are kept by id and
// updated in place (syncRows), so live updates never swallow a click.

import {
  ackAlert,
  cancelDispatch,
  clearDispatch,
  createDispatch,
  getSuggestions,
  may,
  resolveAlert,
  type DispatchTarget,
  type Outcome,
} from './api';
import type { Districts } from './districts';
import { dispatchTarget, IncidentPick, incidentText, targetLabel } from './incidents';
import { incidentsBox } from './incidentspanel';
import { el, formatAge, sevChip } from './hud';
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
import type { Alert, Dispatch, Suggestion, Window } from './protocol';
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

  constructor(
    box: HTMLElement,
    private o: AlertsPanelOptions,
  ) {
    this.list = el('ul', { class: 'ops-list alerts-list', 'data-testid': 'alerts-list' });
    this.more = el('div', { class: 'muted more' });
    box.replaceChildren(this.list, this.more);
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
  const box = el('div', { class: 'suggest-box' }, el('h4', {}, '调度建议 Dispatch suggestions'), target, list, result);
  const ok = may(role, 'dispatcher');

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
      void createDispatch(s.unit, dispatchTarget(f.target, pick?.incident)).then((r) => {
        if (r.ok) {
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

/**
 * showAlert fills the side panel with one alert, its dispatch suggestions and,
 * for a cell alert, the cell's incidents over the console's window.
 */
export function showAlert(panel: HTMLElement, a: Alert, role: string, districts: Districts, onClose: () => void, win: Window = '1h'): void {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  panel.replaceChildren(
    close,
    el('h3', {}, sevChip(a.severity), ' ', el('span', { 'data-testid': 'picked-alert', 'data-alert-id': a.id }, kindLabel(a.kind))),
    el('div', { class: 'muted' }, alertPlace(a, districts)),
    el('div', {}, a.message ?? ''),
    ...alertBoxes(a, role, win),
  );
  panel.dataset.region = '';
  panel.dataset.alert = a.id;
  delete panel.dataset.case;
  panel.hidden = false;
}

function alertBoxes(a: Alert, role: string, win: Window): HTMLElement[] {
  if (!may(role, 'operator')) {
    const out = [el('div', { class: 'muted' }, '调度建议需要值班员权限 Suggestions need the operator role')];
    return a.cell ? [incidentsBox(a.cell, win, role), ...out] : out;
  }
  const pick = new IncidentPick();
  const sugg = suggestionsBox(suggestForAlert(a), role, undefined, pick);
  return a.cell ? [incidentsBox(a.cell, win, role, pick), sugg] : [sugg];
}
