// A region's safety index in the console's region panel: the index, its band
// and change, each sub-index with what it cost (the points lost, and the
// weighted count against what is normal for the region), and the open cases
// behind it. Every figure is the server's (GET /api/v1/index/{code}).

import { getCases, getIndexDetail } from './api';
import { el } from './hud';
import type { IndexDetail, IndexInput } from './protocol';
import { bandColor, BAND_LABELS, changeArrow, formatIndex, SUB_LABELS } from './safety';

/** inputRows: the sub-indices, the costliest first, as [label, score, what it cost]. */
export function inputRows(d: Pick<IndexDetail, 'inputs'>): { sub: string; label: string; score: string; lost: string; why: string }[] {
  return [...d.inputs]
    .sort((a, b) => b.lost - a.lost || a.sub.localeCompare(b.sub))
    .map((i: IndexInput) => ({
      sub: i.sub,
      label: SUB_LABELS[i.sub as keyof typeof SUB_LABELS] ?? i.sub,
      score: formatIndex(i.score),
      lost: i.lost > 0 ? `−${i.lost.toFixed(1)}` : '0',
      why: `${i.weighted.toFixed(1)} / ${i.expected.toFixed(1)}`,
    }));
}

/**
 * indexSection returns the section and fills it when the server answers; a
 * region the index does not know (404) says so.
 */
export function indexSection(level: string, code: string, onCase?: (id: string) => void): HTMLElement {
  const box = el('div', { class: 'index-panel', 'data-testid': 'region-index', 'data-code': code }, el('div', { class: 'muted' }, '…'));
  void getIndexDetail(code, 30).then(async (r) => {
    if (!r.ok) {
      box.replaceChildren(el('div', { class: 'muted' }, r.status === 404 ? '无平安指数 No safety index here' : `指数不可用 Index unavailable: ${r.error}`));
      return;
    }
    const d = r.value;
    const a = changeArrow(d.change);
    const chip = el('span', { class: 'band-chip', 'data-testid': 'region-index-band', 'data-band': d.band }, BAND_LABELS[d.band as keyof typeof BAND_LABELS] ?? d.band);
    chip.style.background = bandColor(d.band);
    box.dataset.band = d.band;
    box.replaceChildren(
      el('h4', {}, `平安指数 Safety index · ${d.period}`),
      el(
        'div',
        { class: 'index-city' },
        el('span', { class: 'value', 'data-testid': 'region-index-value' }, formatIndex(d.index)),
        chip,
        el('span', { class: `change ${a.dir}` }, a.text ? `${a.arrow}${a.text}` : ''),
        el('span', { class: 'muted' }, `第 ${d.rank} 名 rank ${d.rank} · ${d.rankInLevel} in level`),
      ),
      el('div', { class: 'muted' }, '分项 · 扣分 · 加权事件/常值  Sub-index · points lost · weighted / normal'),
      ...inputRows(d).map((x) =>
        el('div', { class: 'sub-row', 'data-testid': 'region-index-sub', 'data-sub': x.sub }, el('span', {}, `${x.label} ${x.score}`), el('b', {}, x.lost), el('span', { class: 'muted' }, x.why)),
      ),
    );
    const cases = await getCases({ state: 'open', level, code, limit: 5 });
    if (!cases.ok || cases.value.cases.length === 0) return;
    box.append(
      el('h4', {}, '未结案件 Open cases'),
      ...cases.value.cases.map((k) => {
        const b = el('button', { type: 'button', class: 'link', 'data-testid': 'region-index-case', 'data-case-id': k.id }, `${k.title} · ${k.label ?? k.state}`);
        b.addEventListener('click', () => onCase?.(k.id));
        return el('div', {}, b);
      }),
    );
  });
  return box;
}
