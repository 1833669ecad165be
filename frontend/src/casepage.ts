// One case in the console's side panel: its fields, its deadline, its
// timeline, and a button for each action its state allows that the person's
// role may take (dispatcher and up). An action that needs something (a note,
// a route, a department, a rating) asks for it in the page first. After an
// action the page shows the case the server answered; a refusal shows the
// server's words (a 409 where the case stands now) and the case as it is.

import { getCase, getCatalogue, moveCase, may } from './api';
import {
  actionBody,
  actionFields,
  actionLabel,
  assignDefaults,
  CASE_LEVEL_LABELS,
  caseButtons,
  caseFailText,
  casePlace,
  channelLabel,
  deadline,
  departments,
  formatLimit,
  formatTime,
  levelsAbove,
  needsForm,
  NOTE_PROMPTS,
  regionAt,
  stateLabel,
  subcategoryLabel,
  type RegionNames,
} from './cases';
import { el } from './hud';
import { caseColor } from './layers';
import { CASE_LEVELS, type CaseActionBody, type CaseAnswer, type CaseCatalogue, type CasesLayer, type CaseStep } from './protocol';

export interface CasePageOptions {
  role: string;
  names: RegionNames;
  onClose: () => void;
  /** An action here changed the case. */
  onChanged?: (c: CaseAnswer) => void;
}

let datalistSeq = 0;

export class CasePage {
  private c: CaseAnswer | null = null;
  private cat: CaseCatalogue | undefined;
  private title: HTMLElement;
  private dot: HTMLElement;
  private root: HTMLElement;
  private fields: HTMLElement;
  private actions: HTMLElement;
  private form: HTMLElement;
  private msg: HTMLElement;
  private timeline: HTMLElement;
  private busy = false;

  constructor(
    private readonly panel: HTMLElement,
    readonly id: string,
    private readonly o: CasePageOptions,
  ) {
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
    close.addEventListener('click', o.onClose);
    this.dot = el('span', { class: 'dot' });
    this.title = el('span', { class: 'title' }, '…');
    this.fields = el('dl', { class: 'case-fields', 'data-testid': 'case-fields' });
    this.actions = el('div', { class: 'case-actions', 'data-testid': 'case-actions' });
    this.form = el('div', { class: 'case-action-form', 'data-testid': 'case-action-form', hidden: '' });
    this.msg = el('div', { class: 'case-message', 'data-testid': 'case-message', role: 'status' });
    this.timeline = el('ol', { class: 'case-timeline', 'data-testid': 'case-timeline' });
    this.root = el(
      'div',
      { class: 'case-page', 'data-testid': 'case-page', 'data-case-id': id },
      el('h3', {}, this.dot, ' ', this.title),
      el('div', { class: 'cell-id' }, id),
      this.fields,
      this.actions,
      this.form,
      this.msg,
      el('h4', {}, '流转记录 Timeline'),
      this.timeline,
    );
    panel.replaceChildren(close, this.root);
    panel.dataset.case = id;
    delete panel.dataset.region;
    delete panel.dataset.alert;
    panel.hidden = false;
    void getCatalogue().then(
      (cat) => {
        this.cat = cat;
        if (this.c) this.showFields(this.c);
      },
      () => undefined,
    );
    void this.load();
  }

  /** shown: the page is still the panel's. */
  get shown(): boolean {
    return this.panel.dataset.case === this.id && !this.panel.hidden && this.panel.contains(this.root);
  }

  /** load asks for the case again and shows it. */
  async load(): Promise<void> {
    const r = await getCase(this.id);
    if (!this.shown) return;
    if (!r.ok) {
      this.say(caseFailText(r), 'error');
      this.root.dataset.loaded = '1';
      return;
    }
    this.render(r.value);
  }

  /**
   * layerChanged: the cases layer moved; if it says this case moved since it
   * was shown (by another dispatcher, or the simulator), ask for it again,
   * unless a form is open or an action is on its way.
   */
  layerChanged(l: CasesLayer | null): void {
    if (!l || !this.c || !this.shown || this.busy || !this.form.hidden) return;
    const marker = [...(l.open ?? []), ...(l.overdueList ?? [])].find((m) => m.id === this.id);
    const last = this.c.timeline?.[this.c.timeline.length - 1]?.at;
    const newer = (l.recent ?? []).some((ch) => ch.id === this.id && (!last || Date.parse(ch.at) > Date.parse(last)));
    if (newer || (marker && marker.state !== this.c.state)) void this.load();
  }

  private render(c: CaseAnswer): void {
    this.c = c;
    this.root.dataset.state = c.state;
    this.root.dataset.version = String(c.version);
    this.root.dataset.loaded = '1';
    this.dot.style.background = `rgba(${caseColor(c.state).join(',')})`;
    this.title.textContent = c.title;
    this.showFields(c);
    this.showActions(c);
    this.timeline.replaceChildren(...(c.timeline ?? []).map((s) => this.step(s)));
  }

  private showFields(c: CaseAnswer): void {
    const now = Date.now();
    const d = deadline(c, now);
    const names = this.o.names;
    const rows: [string, string | Node, string][] = [
      ['状态 State', stateLabel(c.state, c.label), 'case-state'],
      ['类别 Kind', subcategoryLabel(this.cat, c.subcategory) + (c.emergency ? ' · 紧急 Emergency' : ''), 'case-kind'],
      ['渠道 Channel', channelLabel(this.cat, c.channel), 'case-channel'],
      ['地点 Place', `${casePlace(c, names)} · ${c.lat.toFixed(4)}, ${c.lng.toFixed(4)}`, 'case-place'],
      ['责任 Assigned to', [c.level ? CASE_LEVEL_LABELS[c.level] ?? c.level : '', c.region ? names.name(c.region) || c.region : '', c.department ?? ''].filter(Boolean).join(' · ') || '—', 'case-route'],
      ['时限 Limit', formatLimit(c.limitMinutes, this.cat?.workingDay), 'case-limit'],
      ['期限 Due', '', 'case-deadline'],
      ['登记 Registered', `${formatTime(c.createdAt)} · ${c.createdBy}`, 'case-created'],
    ];
    if (c.incident) rows.push(['事件 Incident', c.incident, 'case-incident']);
    if (c.reporter && (c.reporter.name || c.reporter.phone)) rows.push(['报告人 Reporter', [c.reporter.name, c.reporter.phone].filter(Boolean).join(' · '), 'case-reporter']);
    if (c.description) rows.push(['描述 Description', c.description, 'case-description']);
    if (c.rework || c.escalations || c.transfers || c.reopened)
      rows.push(['次数 Counts', `退回 rework ${c.rework} · 上报 escalated ${c.escalations} · 转办 transferred ${c.transfers} · 重启 reopened ${c.reopened}`, 'case-counts']);
    if (c.satisfaction) rows.push(['评价 Rating', `${'★'.repeat(c.satisfaction)}${'☆'.repeat(Math.max(0, 5 - c.satisfaction))}${c.comment ? ' · ' + c.comment : ''}`, 'case-rating']);
    this.fields.replaceChildren(
      ...rows.flatMap(([k, v, id]) => {
        const dd = el('dd', { 'data-testid': id }, v);
        if (id === 'case-deadline') {
          dd.replaceChildren(c.due ? formatTime(c.due) + ' ' : '', el('span', { class: `deadline ${d.tone}` }, d.text));
          dd.dataset.tone = d.tone;
        }
        return [el('dt', {}, k), dd];
      }),
    );
  }

  private showActions(c: CaseAnswer): void {
    const allowed = caseButtons(c.actions, this.o.role);
    this.actions.replaceChildren(
      ...allowed.map((a) => {
        const b = el('button', { type: 'button', 'data-testid': `case-action-${a}`, 'data-action': a }, actionLabel(a)) as HTMLButtonElement;
        b.addEventListener('click', () => (needsForm(a) ? this.showForm(a) : this.send(a, {})));
        return b;
      }),
    );
    if (allowed.length === 0 && (c.actions ?? []).length > 0 && !may(this.o.role, 'dispatcher')) {
      this.actions.append(el('span', { class: 'muted' }, '办理案件需要调度员权限 Moving a case needs the dispatcher role'));
    }
    this.closeForm();
  }

  private closeForm(): void {
    this.form.hidden = true;
    this.form.replaceChildren();
    delete this.form.dataset.action;
  }

  /** showForm asks, in the page, for what the action needs; Submit sends it. */
  private showForm(a: string): void {
    const c = this.c;
    if (!c) return;
    const f = actionFields(a);
    const parts: HTMLElement[] = [el('div', { class: 'form-title' }, actionLabel(a))];
    const values: Record<string, () => string> = {};
    const depts = departments(this.cat);
    const list = `case-departments-${++datalistSeq}`;
    if (f.route) {
      const def = assignDefaults(c);
      const escalate = a === 'escalate';
      const levels = escalate ? levelsAbove(c.level) : [...CASE_LEVELS];
      const level = el('select', { 'data-testid': 'case-form-level' }) as HTMLSelectElement;
      if (escalate) level.append(el('option', { value: '' }, '上一级 The next level up'));
      for (const lv of levels) level.append(el('option', { value: lv }, CASE_LEVEL_LABELS[lv] ?? lv));
      level.value = escalate ? '' : def.level;
      const region = el('input', { 'data-testid': 'case-form-region', size: '14', placeholder: '默认 default' }) as HTMLInputElement;
      region.value = escalate ? '' : def.region;
      level.addEventListener('change', () => (region.value = level.value ? regionAt(c, level.value) : ''));
      const dept = el('input', { 'data-testid': 'case-form-department', list, size: '18' }) as HTMLInputElement;
      dept.value = def.department;
      parts.push(
        el('label', {}, '层级 Level ', level),
        el('label', {}, '区域 Region ', region),
        el('label', {}, '部门 Department ', dept),
      );
      values.level = () => level.value;
      values.region = () => region.value;
      values.department = () => dept.value;
    }
    if (f.department) {
      const dept = el('input', { 'data-testid': 'case-form-department', list, size: '18', required: '' }) as HTMLInputElement;
      parts.push(el('label', {}, '转至部门 To department ', dept));
      values.department = () => dept.value;
    }
    if (f.satisfaction) {
      const sat = el('select', { 'data-testid': 'case-form-satisfaction' }) as HTMLSelectElement;
      sat.append(el('option', { value: '' }, '请选择 Choose'));
      for (let i = 5; i >= 1; i--) sat.append(el('option', { value: String(i) }, `${i} ${'★'.repeat(i)}`));
      const comment = el('input', { 'data-testid': 'case-form-comment', size: '24', placeholder: '回访意见 Comment' }) as HTMLInputElement;
      parts.push(el('label', {}, '满意度 Satisfaction ', sat), el('label', {}, comment));
      values.satisfaction = () => sat.value;
      values.comment = () => comment.value;
    }
    if (f.note) {
      const note = el('textarea', { 'data-testid': 'case-form-note', rows: '2', placeholder: f.note === 'required' ? `${NOTE_PROMPTS[a] ?? '说明 Note'} (必填 required)` : '备注 Note (optional)' }) as HTMLTextAreaElement;
      if (f.note === 'required') note.required = true;
      parts.push(note);
      values.note = () => note.value;
    }
    const submit = el('button', { type: 'button', class: 'primary', 'data-testid': 'case-action-submit' }, `确定 Submit · ${actionLabel(a)}`) as HTMLButtonElement;
    const cancel = el('button', { type: 'button', 'data-testid': 'case-action-cancel' }, '取消 Cancel') as HTMLButtonElement;
    submit.addEventListener('click', () => {
      const v: CaseActionBody = {};
      for (const [k, get] of Object.entries(values)) (v as Record<string, string>)[k] = get();
      const b = actionBody(a, v as CaseActionBody);
      if (!b.ok) {
        this.say(b.error, 'invalid');
        return;
      }
      this.send(a, b.body);
    });
    cancel.addEventListener('click', () => this.closeForm());
    parts.push(el('div', { class: 'row-actions' }, submit, cancel), el('datalist', { id: list }, ...depts.filter((d) => a !== 'transfer' || d !== c.department).map((d) => el('option', { value: d }))));
    this.form.replaceChildren(...parts);
    this.form.dataset.action = a;
    this.form.hidden = false;
    this.say('', '');
    (this.form.querySelector('textarea, select, input') as HTMLElement | null)?.focus();
  }

  /** send takes the action; the page then shows the case as the server answered it. */
  private send(a: string, body: CaseActionBody): void {
    if (this.busy) return;
    this.busy = true;
    for (const b of Array.from(this.root.querySelectorAll('button')) as HTMLButtonElement[]) b.disabled = true;
    this.say('…', 'pending');
    void moveCase(this.id, a, body).then(async (r) => {
      this.busy = false;
      for (const b of Array.from(this.root.querySelectorAll('button')) as HTMLButtonElement[]) b.disabled = false;
      if (!this.shown) return;
      if (r.ok) {
        this.render(r.value);
        this.say(`已办理 Done: ${actionLabel(a)} → ${stateLabel(r.value.state, r.value.label)}`, 'ok');
        this.o.onChanged?.(r.value);
        return;
      }
      this.say(caseFailText(r), r.conflict ? 'conflict' : 'error');
      this.msg.dataset.status = String(r.status);
      // A conflict or a refusal: show the case as it stands now (the message stays).
      if (r.status === 409 || r.status === 403 || r.status === 404) {
        const keep = this.msg.textContent ?? '';
        const outcome = this.msg.dataset.outcome ?? '';
        await this.load();
        this.say(keep, outcome);
        this.msg.dataset.status = String(r.status);
      }
    });
  }

  private say(text: string, outcome: string): void {
    this.msg.textContent = text;
    this.msg.dataset.outcome = outcome;
    delete this.msg.dataset.status;
    this.msg.className = `case-message ${outcome}`;
  }

  private step(s: CaseStep): HTMLElement {
    const names = this.o.names;
    const route = [s.level ? CASE_LEVEL_LABELS[s.level] ?? s.level : '', s.region ? names.name(s.region) || s.region : '', s.department ?? ''].filter(Boolean).join(' · ');
    return el(
      'li',
      { class: 'case-step', 'data-testid': 'case-step', 'data-action': s.action, 'data-to': String(s.to) },
      el(
        'div',
        { class: 'row-head' },
        el('b', {}, actionLabel(s.action)),
        el('span', { class: 'muted' }, `${s.from ? stateLabel(String(s.from)).split(' ')[0] + ' → ' : ''}${stateLabel(String(s.to)).split(' ')[0]}`),
        el('span', { class: 'age muted', title: s.at }, formatTime(s.at)),
      ),
      el('div', { class: 'muted who' }, `${s.by}${s.actorRegion && s.actorLevel !== 'city' ? ' · ' + (names.name(s.actorRegion) || s.actorRegion) : ''}${route ? ' · ' + route : ''}`),
      ...(s.note ? [el('div', { class: 'note', 'data-testid': 'case-step-note' }, s.note)] : []),
      ...(s.satisfaction ? [el('div', { class: 'note' }, '★'.repeat(s.satisfaction))] : []),
    );
  }
}
