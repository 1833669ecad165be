// The console's search box: a place by name (districts down to grids), an
// incident by its id, a unit by its call sign, all through one server call
// (GET /api/v1/search). Typing lists what it may mean; Enter takes the first.

import { search } from './api';
import { el } from './hud';
import type { SearchResult } from './protocol';
import { LEVEL_LABELS } from './regions';

/** How long typing must pause before the server is asked. */
const DEBOUNCE_MS = 200;

const TYPE_LABELS: Record<string, string> = { region: '地 Place', incident: '事 Incident', unit: '警 Unit' };

/** resultLabel: how one result reads in the list: its kind, name and what tells it apart. */
export function resultLabel(r: SearchResult): { kind: string; name: string; detail: string } {
  const detail = r.type === 'region' && r.level ? r.detail.replace(r.level, LEVEL_LABELS[r.level as keyof typeof LEVEL_LABELS] ?? r.level) : r.detail;
  return { kind: TYPE_LABELS[r.type] ?? r.type, name: r.name, detail };
}

/**
 * searchBox returns the box; onPick gets the result taken (clicked, or the
 * first on Enter). A newer query's answer always wins over an older one's.
 */
export function searchBox(onPick: (r: SearchResult) => void): HTMLElement {
  const input = el('input', {
    type: 'search',
    name: 'q',
    'data-testid': 'search-input',
    placeholder: '搜索 地名 / 事件号 / 警号  Search place, incident, unit',
    maxlength: '64',
    autocomplete: 'off',
    'aria-label': 'search',
  }) as HTMLInputElement;
  const list = el('ul', { class: 'search-results', 'data-testid': 'search-results', role: 'listbox', hidden: '' });
  const box = el('div', { class: 'search-box' }, input, list);
  let results: SearchResult[] = [];
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const take = (r: SearchResult) => {
    list.hidden = true;
    input.value = r.name;
    onPick(r);
  };
  const show = (q: string, rs: SearchResult[], error?: string) => {
    results = rs;
    list.dataset.q = q;
    list.replaceChildren(
      ...(error
        ? [el('li', { class: 'row-error' }, error)]
        : rs.length === 0
          ? [el('li', { class: 'muted', 'data-testid': 'search-none' }, '无结果 Nothing found')]
          : rs.map((r) => {
              const l = resultLabel(r);
              const li = el(
                'li',
                { role: 'option', 'data-testid': 'search-result', 'data-type': r.type, 'data-code': r.code, tabindex: '0' },
                el('span', { class: 'kind muted' }, l.kind),
                ' ',
                el('b', {}, l.name),
                ' ',
                el('span', { class: 'muted' }, l.detail),
              );
              li.addEventListener('click', () => take(r));
              li.addEventListener('keydown', (ev) => {
                if (ev.key === 'Enter') take(r);
              });
              return li;
            })),
    );
    list.hidden = false;
  };
  const ask = async (q: string) => {
    const n = ++asked;
    const r = await search(q);
    if (n !== asked) return; // a newer query is on its way
    if (r.ok) show(q, r.value.results);
    else show(q, [], r.status === 400 ? r.error : `搜索不可用 Search unavailable: ${r.error}`);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      asked++;
      list.hidden = true;
      return;
    }
    timer = setTimeout(() => void ask(q), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      list.hidden = true;
      return;
    }
    if (ev.key !== 'Enter') return;
    const q = input.value.trim();
    if (!q) return;
    clearTimeout(timer);
    // The list on screen answers this very text: take its first; else ask now.
    if (!list.hidden && list.dataset.q === q && results[0]) take(results[0]);
    else void ask(q).then(() => results[0] && list.dataset.q === q && take(results[0]));
  });
  return box;
}
