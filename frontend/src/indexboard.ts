// The wall's safety index board (the index mode, /?view=wall&mode=index): the
// city's index with its band, its change and its trend over 30 days, the band
// legend, and the best and the worst ten streets with arrows for movers.
// Every figure is the server's (the index layer; the trend from
// GET /api/v1/index/{city}).

import { getIndexDetail } from './api';
import { el } from './hud';
import type { IndexLayer, IndexRow } from './protocol';
import { BAND_COLORS, BAND_LABELS, BANDS, bandColor, board, changeArrow, formatIndex, sparkline } from './safety';

/** How often the trend is asked again: it moves once an hour at most. */
const TREND_REFRESH_MS = 10 * 60_000;
const TREND_DAYS = 30;

function chip(band: string): HTMLElement {
  const c = el('span', { class: 'band-chip', 'data-band': band }, BAND_LABELS[band as keyof typeof BAND_LABELS]?.split(' ')[0] ?? band);
  c.style.background = bandColor(band);
  return c;
}

function arrow(change: number): HTMLElement {
  const a = changeArrow(change);
  return el('span', { class: `change ${a.dir}`, 'data-change': a.dir }, a.text ? `${a.arrow}${a.text}` : '');
}

export class IndexBoard {
  private city: HTMLElement;
  private trend: HTMLElement;
  private best: HTMLElement;
  private worst: HTMLElement;
  private trendFor = '';
  private trendAt = 0;

  /** box: the city and the best ten; worstBox: the worst ten; legend: the bands. */
  constructor(box: HTMLElement, worstBox: HTMLElement, legend: HTMLElement) {
    this.city = el('div', { class: 'index-city', 'data-testid': 'index-city' }, '–');
    this.trend = el('div', { class: 'index-trend', 'data-testid': 'index-trend' });
    this.best = el('ol', { class: 'index-board', 'data-testid': 'index-best' });
    this.worst = el('ol', { class: 'index-board', 'data-testid': 'index-worst' });
    box.replaceChildren(this.city, this.trend, el('h3', {}, '最好十个街道 Best ten streets'), this.best);
    worstBox.replaceChildren(this.worst);
    legend.replaceChildren(
      el('div', { class: 'legend-title' }, '平安指数 Safety index'),
      ...BANDS.map((b) => {
        const sw = el('span', { class: 'swatch' });
        sw.style.background = BAND_COLORS[b];
        return el('div', { class: 'legend-row', 'data-band': b }, sw, el('span', {}, BAND_LABELS[b]));
      }),
    );
  }

  update(l: IndexLayer | null): void {
    if (!l) return;
    const c = l.city;
    if (c) {
      this.city.dataset.band = c.band;
      this.city.dataset.index = String(c.index);
      this.city.replaceChildren(
        el('span', { class: 'label' }, `${c.name} · ${l.period}`),
        el('span', { class: 'value' }, formatIndex(c.index)),
        chip(c.band),
        arrow(c.change),
      );
      this.loadTrend(c.code);
    }
    const { best, worst } = board(l.streets, 10);
    const row = (r: IndexRow, i: number) =>
      el(
        'li',
        { 'data-code': r.code, 'data-band': r.band },
        el('span', { class: 'rank' }, String(i + 1)),
        el('span', { class: 'name' }, r.name),
        el('span', { class: 'value' }, formatIndex(r.index)),
        arrow(r.change),
      );
    this.best.replaceChildren(...best.map(row));
    this.worst.replaceChildren(...worst.map(row));
  }

  private loadTrend(code: string): void {
    const now = Date.now();
    if (code === this.trendFor && now - this.trendAt < TREND_REFRESH_MS) return;
    this.trendFor = code;
    this.trendAt = now;
    void getIndexDetail(code, TREND_DAYS).then((r) => {
      if (!r.ok) return;
      // Days once there are two; until then the hours kept for the last week.
      const daily = r.value.daily.length >= 2;
      const pts = (daily ? r.value.daily : r.value.hourly).map((p) => p.index);
      const d = sparkline(pts, 200, 40);
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('viewBox', '0 0 200 40');
      svg.setAttribute('preserveAspectRatio', 'none');
      if (d) {
        const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
        path.setAttribute('d', d);
        svg.append(path);
      }
      this.trend.dataset.points = String(pts.length);
      const label = !d ? '走势待积累 Trend builds up hour by hour' : daily ? `${TREND_DAYS} 天走势 ${TREND_DAYS}-day trend` : '近7天逐时 Hourly, last 7 days';
      this.trend.dataset.kind = daily ? 'daily' : 'hourly';
      this.trend.replaceChildren(svg, el('span', { class: 'muted' }, label));
    });
  }
}
