// The case loop on the screens (docs/API.md "Cases"): the strip under the map
// (the waiting steps, suspended, overdue, closed today: every figure from the
// websocket's cases layer), the map's case legend, and on the wall the most
// overdue cases and the streets ranked by on-time closure (GET
// /api/v1/cases/stats, every 60 s).

import { getCaseStats, type Fetched } from './api';
import { CASE_STRIP, formatOverdue, formatRate, markerPlace, rankStreets, stateLabel, stripCounts, type Ranked, type RegionNames, type StripItem } from './cases';
import { el, formatCount, type Hud } from './hud';
import { caseColor, CASE_COLORS, OVERDUE_RING } from './layers';
import { syncRows } from './ops';
import type { CaseMarker, CasesLayer, CaseStatsResponse } from './protocol';

/** Overdue cases the wall lists. */
export const WALL_OVERDUE_ROWS = 5;
/** Streets at each end of the ranking. */
export const RANK_ROWS = 5;
/** How often the ranking is asked for. */
export const STATS_POLL_MS = 60_000;

const rgb = (c: number[]) => `rgb(${c[0]},${c[1]},${c[2]})`;

export class CaseWall {
  private counts = new Map<StripItem['key'], HTMLElement>();
  private overdueList: HTMLElement;
  private overdueNote: HTMLElement;
  private rank: HTMLElement;
  private rankTop: HTMLElement;
  private rankBottom: HTMLElement;
  private rankNote: HTMLElement;
  private layer: CasesLayer | null = null;

  constructor(
    hud: Hud,
    private readonly names: RegionNames,
  ) {
    const cells = CASE_STRIP.map((it) => {
      const v = el('div', { class: 'value', 'data-testid': `case-count-${it.key}` }, '–');
      this.counts.set(it.key, v);
      const dot = el('span', { class: 'dot' });
      if (CASE_COLORS[it.key]) dot.style.background = rgb(caseColor(it.key));
      else if (it.key === 'overdue') {
        dot.style.borderColor = rgb(OVERDUE_RING);
        dot.style.background = rgb(caseColor('assigned'));
      }
      else dot.classList.add('none');
      return el('div', { class: `case-count ${it.key}`, 'data-key': it.key }, el('div', { class: 'label' }, dot, el('span', { class: 'zh' }, it.zh), ' ', el('span', { class: 'en' }, it.en)), v);
    });
    hud.caseStrip.replaceChildren(el('div', { class: 'case-strip-title' }, el('span', { class: 'zh' }, '案件闭环'), el('span', { class: 'en' }, 'Case loop')), ...cells);

    hud.caseLegend.replaceChildren(
      el('div', { class: 'legend-title' }, '案件 Open cases'),
      ...Object.keys(CASE_COLORS).map((st) => {
        const sw = el('span', { class: 'swatch round' });
        sw.style.background = rgb(caseColor(st));
        return el('div', { class: 'legend-row', 'data-state': st }, sw, el('span', {}, stateLabel(st)));
      }),
      (() => {
        // Only a case waiting for handling can be overdue: its dot, larger, in the red ring.
        const sw = el('span', { class: 'swatch round ring' });
        sw.style.borderColor = rgb(OVERDUE_RING);
        sw.style.background = rgb(caseColor('assigned'));
        return el('div', { class: 'legend-row', 'data-state': 'overdue' }, sw, el('span', {}, '超期 Overdue'));
      })(),
    );

    this.overdueList = el('ul', { class: 'ops-list case-overdue-list', 'data-testid': 'case-overdue-list' });
    this.overdueNote = el('div', { class: 'muted more' });
    hud.caseOverdueBox.replaceChildren(this.overdueList, this.overdueNote);

    this.rankTop = el('ol', { class: 'case-rank-list', 'data-testid': 'case-rank-top' });
    this.rankBottom = el('ol', { class: 'case-rank-list', 'data-testid': 'case-rank-bottom' });
    this.rankNote = el('div', { class: 'muted more', 'data-testid': 'case-rank-note' }, '…');
    this.rank = el(
      'div',
      { class: 'case-rank', 'data-testid': 'case-rank' },
      el('div', { class: 'case-rank-col' }, el('div', { class: 'muted sub' }, '前列 Best'), this.rankTop),
      el('div', { class: 'case-rank-col bottom' }, el('div', { class: 'muted sub' }, '末位 Worst'), this.rankBottom),
    );
    hud.caseRankBox.replaceChildren(this.rank, this.rankNote);
  }

  /** update shows the cases layer as it now is (null: not seen yet). */
  update(l: CasesLayer | null, now: number): void {
    this.layer = l;
    const c = stripCounts(l);
    for (const [k, e] of this.counts) {
      e.textContent = formatCount(c?.[k]);
      e.parentElement?.classList.toggle('alarm', k === 'overdue' && (c?.overdue ?? 0) > 0);
    }
    const closed = this.counts.get('closed');
    if (closed) {
      closed.dataset.closed = String(l?.counts?.closed ?? 0);
      closed.dataset.rated = String(l?.counts?.rated ?? 0);
    }
    this.showOverdue(now);
  }

  /** tick moves the overdue durations on. */
  tick(now: number): void {
    for (const row of Array.from(this.overdueList.children) as HTMLElement[]) {
      const e = row.querySelector('.elapsed');
      if (e) e.textContent = formatOverdue({ due: row.dataset.due }, now);
    }
  }

  private showOverdue(now: number): void {
    const all = this.layer?.overdueList ?? [];
    const shown = all.slice(0, WALL_OVERDUE_ROWS);
    syncRows(
      this.overdueList,
      shown,
      (m) => m.id,
      (m) => this.overdueRow(m),
      (row, m) => {
        row.dataset.due = m.due ?? '';
        (row.querySelector('.title') as HTMLElement).textContent = m.title || m.id;
        (row.querySelector('.place') as HTMLElement).textContent = markerPlace(m, this.names);
        (row.querySelector('.elapsed') as HTMLElement).textContent = formatOverdue(m, now);
      },
    );
    this.overdueNote.textContent = all.length > shown.length ? `+${all.length - shown.length} …` : this.layer && all.length === 0 ? '无超期案件 No overdue cases' : '';
  }

  private overdueRow(m: CaseMarker): HTMLElement {
    return el(
      'li',
      { class: 'ops-row case-overdue overdue', 'data-testid': 'case-overdue', 'data-case-id': m.id },
      el('div', { class: 'row-head' }, el('b', { class: 'title' }), el('span', { class: 'elapsed' })),
      el('div', { class: 'place muted' }),
    );
  }

  /** setRanking shows the streets' on-time closure over the last 30 days, or why not. */
  setRanking(r: Fetched<CaseStatsResponse>): void {
    this.rank.dataset.loaded = '1';
    if (!r.ok) {
      this.rankNote.textContent = `排名不可用 Ranking unavailable: ${r.error}`;
      this.rankNote.className = 'row-error';
      return;
    }
    this.rankNote.className = 'muted more';
    const { top, bottom } = rankStreets(r.value.rows ?? [], RANK_ROWS);
    const row = (x: Ranked) =>
      el(
        'li',
        { class: 'case-rank-row' + (x.rank === null ? ' unranked' : ''), 'data-testid': 'case-rank-row', 'data-code': x.row.code, 'data-rank': x.rank === null ? '' : String(x.rank) },
        el('span', { class: 'rank' }, x.rank === null ? '·' : String(x.rank)),
        el('span', { class: 'name' }, x.row.name || x.row.code),
        el('span', { class: 'rate', 'data-testid': 'case-rank-rate' }, formatRate(x.row.onTimeRate)),
      );
    this.rankTop.replaceChildren(...top.map(row));
    this.rankBottom.replaceChildren(...bottom.map(row));
    this.rankBottom.parentElement?.toggleAttribute('hidden', bottom.length === 0);
    this.rankNote.textContent = top.length === 0 ? '近30天暂无数据 No figures in the last 30 days' : '近30天 Last 30 days · 按期结案率 on-time closure';
    // Street names came with the answer: the overdue list can use them.
    this.showOverdue(Date.now());
  }
}

/**
 * pollCaseStats asks for the streets' figures now and every STATS_POLL_MS:
 * their names for every case list, their ranking for the wall.
 */
export function pollCaseStats(wall: CaseWall, names: RegionNames): () => Promise<void> {
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      const r = await getCaseStats('street');
      if (r.ok) names.learn(r.value.rows ?? []);
      wall.setRanking(r);
    } finally {
      polling = false;
    }
  };
  setInterval(poll, STATS_POLL_MS);
  void poll();
  return poll;
}
