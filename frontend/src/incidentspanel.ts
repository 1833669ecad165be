// The side panel's list of a picked cell's incidents, newest first, each with
// a button that makes it the target of the suggestions' Dispatch buttons, and
// one that registers a case from it (caseform.ts).

import { getIncidents, INCIDENTS_LIMIT, may } from './api';
import { caseForm } from './caseform';
import { el, sevChip, WINDOW_LABELS } from './hud';
import { incidentAgo, incidentsFailText, incidentText, type IncidentPick } from './incidents';
import type { Incident, Window } from './protocol';

/**
 * incidentsBox asks GET /api/v1/incidents for the cell over the console's
 * window and lists them. With a pick (operators and up, where suggestions are
 * shown), each row can be picked as the dispatch target; dispatchers only.
 * With onOpen, each row opens the incident's page.
 */
export function incidentsBox(cell: string, win: Window, role: string, pick?: IncidentPick, onOpen?: (id: string) => void): HTMLElement {
  const list = el('ul', { class: 'ops-list incidents', 'data-testid': 'incidents', 'data-cell': cell });
  const note = el('div', { class: 'muted more', 'data-testid': 'incidents-note' }, '…');
  const box = el('div', { class: 'incidents-box' }, el('h4', {}, '事件 Incidents ', el('span', { class: 'muted' }, WINDOW_LABELS[win] ?? win)), list, note);
  const ok = may(role, 'dispatcher');
  const registers = may(role, 'operator');

  const mark = () => {
    const id = pick?.incident?.id;
    for (const row of Array.from(list.children) as HTMLElement[]) {
      const on = !!id && row.dataset.incidentId === id;
      row.classList.toggle('selected', on);
      row.dataset.selected = on ? '1' : '';
      const b = row.querySelector('[data-testid="incident-select"]');
      if (b) {
        b.textContent = on ? '已选 Selected' : '选为目标 Target';
        b.setAttribute('aria-pressed', String(on));
      }
    }
  };
  pick?.onChange(mark);

  const row = (i: Incident, now: number): HTMLElement => {
    const meta = [i.category ?? 'other', i.source].filter(Boolean).join(' · ');
    const r = el(
      'li',
      { class: 'ops-row incident-row', 'data-testid': 'incident-row', 'data-incident-id': i.id, 'data-cell': i.cell },
      el('div', { class: 'row-head' }, sevChip(i.severity), el('b', { class: 'category' }, meta), el('span', { class: 'age muted', title: i.time }, incidentAgo(i, now))),
      el('div', { class: 'message' }, incidentText(i)),
    );
    if (onOpen) {
      const b = el('button', { type: 'button', class: 'link', 'data-testid': 'incident-open' }, '详情 Detail');
      b.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onOpen(i.id);
      });
      r.querySelector('.row-head')?.append(b);
    }
    if (pick) {
      const b = el('button', { type: 'button', 'data-testid': 'incident-select', 'aria-pressed': 'false' }, '选为目标 Target') as HTMLButtonElement;
      b.disabled = !ok;
      if (!ok) b.title = '需要调度员权限 Dispatcher role needed';
      b.addEventListener('click', (ev) => {
        ev.stopPropagation();
        pick.set(pick.incident?.id === i.id ? undefined : i);
      });
      r.querySelector('.row-head')?.append(b);
    }
    if (registers) {
      // Click 1 opens the form prefilled from the incident; its Submit is click 2.
      const b = el('button', { type: 'button', class: 'case-register', 'data-testid': 'case-register', 'aria-expanded': 'false' }, '立案 Register case') as HTMLButtonElement;
      const close = () => {
        r.querySelector('[data-testid="case-form"]')?.remove();
        b.setAttribute('aria-expanded', 'false');
      };
      b.addEventListener('click', (ev) => {
        ev.stopPropagation();
        if (r.querySelector('[data-testid="case-form"]')) return close();
        r.append(caseForm(i, close));
        b.setAttribute('aria-expanded', 'true');
      });
      r.querySelector('.row-head')?.append(b);
    }
    return r;
  };

  void getIncidents(cell, win, INCIDENTS_LIMIT).then((r) => {
    if (!r.ok) {
      list.replaceChildren();
      note.textContent = incidentsFailText(r.status, r.error);
      note.className = 'row-error';
      note.dataset.status = String(r.status);
    } else {
      const now = Date.now();
      const got = r.value.incidents;
      list.replaceChildren(...got.map((i) => row(i, now)));
      note.textContent = r.value.truncated ? '更多 more…' : got.length === 0 ? '无事件 No incidents in the window' : '';
      note.dataset.truncated = String(r.value.truncated);
      mark();
    }
    list.dataset.loaded = '1';
  });
  return box;
}
