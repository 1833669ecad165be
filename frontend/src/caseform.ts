// Registering a case from an incident in two clicks: the incident row's
// Register button opens this form, prefilled from the incident (its title, its
// place, its id, the police channel, the subcategory its category suggests);
// Submit is the second click. The case's id is made from the incident's, so a
// second registration of the same incident answers the case it already has.

import { getCatalogue, registerCase } from './api';
import { caseFailText, defaultChannel, guessSubcategory, incidentCaseTitle, stateLabel } from './cases';
import { el } from './hud';
import type { Case, CaseCatalogue, Incident, NewCase } from './protocol';

/** caseIdFor: the id of the case registered from an incident ('' if the incident's id is too long to carry). */
export function caseIdFor(i: Pick<Incident, 'id'>): string {
  const id = `inc-${i.id}`;
  return new TextEncoder().encode(id).length <= 128 ? id : '';
}

/** newCaseFrom: the POST body of a case from an incident, as the form's values say. */
export function newCaseFrom(i: Incident, v: { title: string; subcategory: string; channel: string; description: string }): NewCase {
  const body: NewCase = { title: v.title.trim() || incidentCaseTitle(i), subcategory: v.subcategory, channel: v.channel, lat: i.lat, lng: i.lng, incident: i.id };
  const id = caseIdFor(i);
  if (id) body.id = id;
  if (v.description.trim()) body.description = v.description.trim();
  return body;
}

/**
 * caseForm: the form for an incident; onRegistered gets the case the server
 * answered (a new one, or the one the incident already has).
 */
export function caseForm(i: Incident, onClose: () => void, onRegistered?: (c: Case) => void): HTMLElement {
  const form = el('div', { class: 'case-form', 'data-testid': 'case-form', 'data-incident-id': i.id }, el('div', { class: 'muted' }, '…'));
  form.addEventListener('click', (ev) => ev.stopPropagation());
  void getCatalogue().then(
    (cat) => fill(form, i, cat, onClose, onRegistered),
    (e: unknown) => form.replaceChildren(el('div', { class: 'row-error' }, `目录不可用 Catalogue unavailable: ${String(e)}`)),
  );
  return form;
}

function fill(form: HTMLElement, i: Incident, cat: CaseCatalogue, onClose: () => void, onRegistered?: (c: Case) => void): void {
  const title = el('input', { 'data-testid': 'case-title', maxlength: '256', size: '26' }) as HTMLInputElement;
  title.value = incidentCaseTitle(i);
  const sub = el('select', { 'data-testid': 'case-subcategory' }) as HTMLSelectElement;
  for (const c of cat.categories ?? []) {
    sub.append(el('optgroup', { label: c.label }, ...(c.subcategories ?? []).map((s) => el('option', { value: s.code }, s.label))));
  }
  sub.value = guessSubcategory(i, cat);
  const channel = el('select', { 'data-testid': 'case-channel' }) as HTMLSelectElement;
  for (const ch of cat.channels ?? []) channel.append(el('option', { value: ch.code }, ch.label));
  channel.value = defaultChannel(cat);
  const desc = el('input', { 'data-testid': 'case-description', size: '26', placeholder: '描述 Description' }) as HTMLInputElement;
  desc.value = i.address ?? '';
  const result = el('div', { class: 'case-result', 'data-testid': 'case-result', role: 'status' });
  const submit = el('button', { type: 'button', class: 'primary', 'data-testid': 'case-submit' }, '提交立案 Submit') as HTMLButtonElement;
  const cancel = el('button', { type: 'button', 'data-testid': 'case-cancel' }, '取消 Cancel') as HTMLButtonElement;
  cancel.addEventListener('click', onClose);
  submit.addEventListener('click', () => {
    submit.disabled = true;
    result.textContent = '…';
    result.className = 'case-result';
    void registerCase(newCaseFrom(i, { title: title.value, subcategory: sub.value, channel: channel.value, description: desc.value })).then((r) => {
      if (!r.ok) {
        submit.disabled = false;
        result.dataset.outcome = 'error';
        result.classList.add('error');
        result.textContent = `立案失败 Not registered: ${caseFailText(r)}`;
        return;
      }
      const c = r.value;
      result.dataset.outcome = 'ok';
      result.dataset.caseId = c.id;
      result.classList.add('ok');
      result.textContent = `${r.status === 200 ? '已有案件 Already registered' : '已立案 Registered'}: ${c.id} · ${stateLabel(c.state, c.label)}`;
      onRegistered?.(c);
    });
  });
  form.replaceChildren(
    el('div', { class: 'form-title' }, '立案 Register a case ', el('span', { class: 'muted cell-id' }, `${i.lat.toFixed(4)}, ${i.lng.toFixed(4)}`)),
    el('label', {}, '标题 Title ', title),
    el('label', {}, '类别 Kind ', sub),
    el('label', {}, '渠道 Channel ', channel),
    el('label', {}, desc),
    el('div', { class: 'row-actions' }, submit, cancel),
    result,
  );
  form.dataset.loaded = '1';
}
