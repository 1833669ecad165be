// The console's case queue: filters (state, region, overdue, text) over GET
// /api/v1/cases, rows kept by id and updated in place (syncRows), a click
// opens the case page (casepage.ts). It asks again when the cases layer
// changes (at most every few seconds), so a case registered or moved anywhere
// shows without a reload.

import { CASES_LIMIT, getCases, type CaseQuery } from './api';
import { caseFailText, casePlace, deadline, stateLabel, type RegionNames } from './cases';
import { el, formatCount } from './hud';
import { caseColor } from './layers';
import { syncRows } from './ops';
import { CASE_STATES, type Case } from './protocol';

/** The least time between two queries the cases layer sets off. */
export const QUEUE_REFRESH_MS = 3000;
/** How often the queue is asked again regardless (deadlines pass without a change). */
export const QUEUE_POLL_MS = 30_000;

export interface CasesPanelOptions {
  names: RegionNames;
  onPick: (c: Case) => void;
}

function select(testid: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = el('select', { 'data-testid': testid }) as HTMLSelectElement;
  for (const [v, label] of options) s.append(el('option', { value: v }, label));
  s.value = value;
  return s;
}

/** queueQuery: the query of the filters' values (a region only with both level and code). */
export function queueQuery(v: { state: string; level: string; code: string; overdue: boolean; q: string }): CaseQuery {
  const q: CaseQuery = { state: v.state, limit: CASES_LIMIT };
  const code = v.code.trim();
  if (v.level && code) {
    q.level = v.level;
    q.code = code;
  }
  if (v.overdue) q.overdue = true;
  if (v.q.trim()) q.q = v.q.trim();
  return q;
}

export class CasesPanel {
  private list: HTMLElement;
  private total: HTMLElement;
  private error: HTMLElement;
  private state: HTMLSelectElement;
  private level: HTMLSelectElement;
  private code: HTMLInputElement;
  private overdue: HTMLInputElement;
  private q: HTMLInputElement;
  private cases: Case[] = [];
  private seq = 0;
  private lastQuery = 0;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private typing: ReturnType<typeof setTimeout> | undefined;

  constructor(
    box: HTMLElement,
    private readonly o: CasesPanelOptions,
  ) {
    this.state = select('cases-state', [['open', '未结 Open'], ['', '全部 All'], ...CASE_STATES.map((s) => [s, stateLabel(s)] as [string, string])], 'open');
    this.level = select('cases-level', [['', '全市 Whole city'], ['district', '区 District'], ['street', '街道 Street'], ['community', '社区 Community'], ['grid', '网格 Grid']], '');
    this.code = el('input', { 'data-testid': 'cases-code', placeholder: '区划代码 code', size: '10' }) as HTMLInputElement;
    this.overdue = el('input', { type: 'checkbox', 'data-testid': 'cases-overdue' }) as HTMLInputElement;
    this.q = el('input', { type: 'search', 'data-testid': 'cases-q', placeholder: '搜索 Search', size: '12' }) as HTMLInputElement;
    const now = () => this.refresh();
    for (const e of [this.state, this.level, this.overdue]) e.addEventListener('change', now);
    this.code.addEventListener('change', now);
    this.q.addEventListener('input', () => {
      clearTimeout(this.typing);
      this.typing = setTimeout(now, 300);
    });
    this.list = el('ul', { class: 'ops-list cases-list', 'data-testid': 'cases-list' });
    this.total = el('div', { class: 'muted more', 'data-testid': 'cases-total' });
    this.error = el('div', { class: 'row-error', role: 'alert' });
    box.replaceChildren(
      el(
        'div',
        { class: 'case-filters' },
        el('label', {}, '状态 State ', this.state),
        el('label', {}, this.overdue, ' 超期 Overdue'),
        el('label', {}, '区域 Region ', this.level, ' ', this.code),
        el('label', {}, this.q),
      ),
      this.list,
      this.total,
      this.error,
    );
    setInterval(() => this.refresh(), QUEUE_POLL_MS);
    this.refresh();
  }

  /** layerChanged: the cases layer moved; ask again, at most every QUEUE_REFRESH_MS. */
  layerChanged(): void {
    if (this.pending) return;
    const wait = Math.max(0, this.lastQuery + QUEUE_REFRESH_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.refresh();
    }, wait);
  }

  /** refresh asks for the queue as the filters say now; an older answer arriving late is dropped. */
  refresh(): void {
    this.lastQuery = Date.now();
    const seq = ++this.seq;
    const q = queueQuery({ state: this.state.value, level: this.level.value, code: this.code.value, overdue: this.overdue.checked, q: this.q.value });
    this.list.dataset.query = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
    void getCases(q).then((r) => {
      if (seq !== this.seq) return;
      if (!r.ok) {
        this.error.textContent = `案件不可用 Cases unavailable: ${caseFailText(r)}`;
        this.list.dataset.loaded = '1';
        return;
      }
      this.error.textContent = '';
      this.update(r.value.cases ?? [], r.value.total ?? 0, Date.now());
    });
  }

  private update(cases: Case[], total: number, now: number): void {
    this.cases = cases;
    syncRows(this.list, cases, (c) => c.id, (c) => this.row(c), (row, c) => this.fill(row, c, now));
    this.total.textContent = total === 0 ? '无案件 No cases' : `共 ${formatCount(total)} 件 total` + (total > cases.length ? ` · 显示 shown ${cases.length}` : '');
    this.total.dataset.total = String(total);
    this.list.dataset.loaded = '1';
  }

  private row(c: Case): HTMLElement {
    const row = el(
      'li',
      { class: 'ops-row case-row', 'data-testid': 'case-row', 'data-case-id': c.id, tabindex: '0' },
      el('div', { class: 'row-head' }, el('span', { class: 'dot' }), el('span', { class: 'status' }), el('b', { class: 'title' }), el('span', { class: 'elapsed' })),
      el('div', { class: 'place muted' }),
    );
    const pick = () => this.o.onPick(this.cases.find((x) => x.id === c.id) ?? c);
    row.addEventListener('click', pick);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') pick();
    });
    return row;
  }

  private fill(row: HTMLElement, c: Case, now: number): void {
    row.dataset.state = c.state;
    row.dataset.version = String(c.version);
    (row.querySelector('.dot') as HTMLElement).style.background = `rgba(${caseColor(c.state).join(',')})`;
    (row.querySelector('.status') as HTMLElement).textContent = c.label || c.state;
    (row.querySelector('.title') as HTMLElement).textContent = c.title;
    const d = deadline(c, now);
    const e = row.querySelector('.elapsed') as HTMLElement;
    e.textContent = d.tone === 'overdue' || d.tone === 'warning' ? d.text : '';
    row.classList.toggle('overdue', d.tone === 'overdue');
    row.classList.toggle('warning', d.tone === 'warning');
    (row.querySelector('.place') as HTMLElement).textContent = `${casePlace(c, this.o.names)} · ${c.id}`;
  }
}
