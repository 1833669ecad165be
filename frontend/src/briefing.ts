// The leadership briefing (/?view=briefing&from=&to=): the figures for the
// morning meeting, for a large screen and for print (A4). In Chinese, with
// the city's figures first, then each district's: incidents by category and
// against the previous period and the same period a week before, by hour,
// the hottest places on a small map, alerts and how fast they were
// acknowledged, dispatch response times, cases, and the safety index
// ranking. Every figure is the server's: GET /api/v1/briefing (by event
// time, with the cases' figures over the window and the districts' index),
// and the city's index (GET /api/v1/index?level=city).

import { cellToLatLng } from 'h3-js';
import {
  barWidths,
  csv,
  districtLines,
  formatChange,
  formatIndexChange,
  formatSeconds,
  formatShare,
  seriesPath,
  sortedCounts,
  type Briefing,
} from './briefingdata';
import type { Category } from './categories';
import type { Districts } from './districts';
import { el } from './hud';
import { kindLabel } from './ops';
import type { IndexRow } from './protocol';
import { BAND_LABELS, bandColor, formatIndex } from './safety';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

async function getJSON<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `${url.split('?')[0]}: ${r.status}`);
  }
  return (await r.json()) as T;
}

/** indexAsOf says when the ranking stood: at the window's end, or now (the marks of then are missing). */
export function indexAsOf(s: Briefing['safety']): string {
  if (!s?.asOf) return '';
  if (s.live) return `当前 As it stands now (${timeText(s.asOf)}); 期末的记录缺失 no record of the window's end`;
  return `截至 As of ${timeText(s.asOf)}` + (s.since ? ` · 变化自 change since ${timeText(s.since)}` : '');
}

/** timeText: a time as the briefing says it, in the browser's zone: "2026-12-04 08:00". */
export function timeText(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function kpi(label: string, value: string, sub: string, testid: string): HTMLElement {
  return el('div', { class: 'kpi', 'data-testid': testid }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), el('div', { class: 'sub' }, sub));
}

function table(testid: string, head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return el(
    'table',
    { class: 'brief-table', 'data-testid': testid },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))),
  );
}

/** download offers a table as a CSV file (made here: nothing more to ask the server). */
function csvLink(name: string, header: string[], rows: (string | number | null)[][]): HTMLElement {
  const a = el('a', { class: 'csv', 'data-testid': `csv-${name}`, download: `briefing-${name}.csv` }, `CSV ${name}`) as HTMLAnchorElement;
  a.href = URL.createObjectURL(new Blob([csv(header, rows)], { type: 'text/csv;charset=utf-8' }));
  return a;
}

/** hourChart: incidents by hour as a line, with the hours marked every six. */
function hourChart(hours: { start: string; count: number }[]): HTMLElement {
  const w = 600;
  const h = 120;
  const s = svg('svg', { viewBox: `0 0 ${w} ${h + 18}`, class: 'chart', 'data-testid': 'chart-hours', 'data-points': String(hours.length) });
  s.append(svg('path', { d: seriesPath(hours.map((x) => x.count), w, h), class: 'line' }));
  hours.forEach((x, i) => {
    if (i % 6 !== 0) return;
    const t = svg('text', { x: String((i / Math.max(1, hours.length - 1)) * w), y: String(h + 14), class: 'tick' });
    t.textContent = `${new Date(x.start).getHours()}时`;
    s.append(t);
  });
  const peak = Math.max(0, ...hours.map((x) => x.count));
  const label = svg('text', { x: '4', y: '12', class: 'tick' });
  label.textContent = `峰值 ${peak}`;
  s.append(label);
  return el('div', { class: 'chart-box' }, s as unknown as HTMLElement);
}

/** hotMap: the districts' outlines with the hottest places as dots sized by count. */
function hotMap(districts: Districts, hottest: { cell: string; count: number }[]): HTMLElement {
  const [w0, s0, e0, n0] = districts.bbox;
  const w = 300;
  const h = Math.round((w * (n0 - s0)) / ((e0 - w0) * Math.cos((((s0 + n0) / 2) * Math.PI) / 180)));
  const x = (lng: number) => (((lng - w0) / (e0 - w0)) * w).toFixed(1);
  const y = (lat: number) => (((n0 - lat) / (n0 - s0)) * h).toFixed(1);
  const s = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'hot-map', 'data-testid': 'hot-map' });
  for (const d of districts.list) {
    for (const poly of d.polygons) {
      const ring = poly[0];
      s.append(svg('path', { d: ring.map((p, i) => `${i ? 'L' : 'M'}${x(p[0])},${y(p[1])}`).join(' ') + 'Z', class: 'district' }));
    }
  }
  const top = Math.max(1, ...hottest.map((c) => c.count));
  hottest.forEach((c, i) => {
    const [lat, lng] = cellToLatLng(c.cell);
    s.append(svg('circle', { cx: x(lng), cy: y(lat), r: (3 + 6 * Math.sqrt(c.count / top)).toFixed(1), class: 'hot' }));
    const t = svg('text', { x: x(lng), y: y(lat), class: 'hot-rank' });
    t.textContent = String(i + 1);
    s.append(t);
  });
  return el('div', { class: 'map-box' }, s as unknown as HTMLElement);
}

function bandChip(band: string): HTMLElement {
  const c = el('span', { class: 'band-chip', 'data-band': band }, (BAND_LABELS[band as keyof typeof BAND_LABELS] ?? band).split(' ')[0]);
  c.style.background = bandColor(band);
  return c;
}

/**
 * showBriefing fills root with the briefing of the URL's window (the server's
 * default, yesterday 08:00 to today 08:00 in the profile's zone, without one).
 */
export async function showBriefing(root: HTMLElement, districts: Districts, categories: Category[], cityName: string, search: string): Promise<void> {
  const q = new URLSearchParams(search);
  const win = new URLSearchParams();
  for (const k of ['from', 'to']) if (q.get(k)) win.set(k, q.get(k) as string);
  root.replaceChildren(el('div', { class: 'briefing-loading' }, '简报生成中… Preparing the briefing…'));
  let b: Briefing;
  try {
    b = await getJSON<Briefing>('/api/v1/briefing?' + win.toString());
  } catch (e) {
    root.replaceChildren(el('div', { class: 'row-error', 'data-testid': 'briefing-error' }, `简报不可用 Briefing unavailable: ${String(e)}`));
    return;
  }
  // The cases and the districts' index come with the briefing; the city's index is asked apart.
  const indexCity = await getJSON<{ rows: IndexRow[] }>('/api/v1/index?level=city').catch(() => null);
  const caseMap = new Map(Object.entries(b.cases?.byDistrict ?? {}).map(([code, f]) => [code, { registered: f.registered, onTimeRate: f.onTimeRate }]));
  const indexRows = b.safety?.rows ?? [];
  const indexMap = new Map(indexRows.map((r) => [r.code, { index: r.index, band: r.band }]));
  const lines = districtLines(b, districts.list, caseMap, indexMap);
  const catLabel = new Map(categories.map((c) => [c.code, c.label]));
  const inc = b.incidents;
  const city = b.cases?.city;
  const cityIndex = indexCity?.rows[0];

  const print = el('button', { type: 'button', class: 'print', 'data-testid': 'print' }, '打印 Print');
  print.addEventListener('click', () => window.print());

  const catRows = sortedCounts(inc.byCategory);
  const kindRows = sortedCounts(b.alerts.byKind);
  const districtHead = ['区 District', '事件', '环比', '同比上周', '告警', '派单', '到场中位', '案件', '按期结案率', '平安指数'];
  const districtCSV = lines.map((l) => [l.name, l.incidents, formatChange(l.change), formatChange(l.weekChange), l.alerts, l.dispatches, l.responseMedian, l.casesRegistered, l.onTimeRate, l.index]);
  const bars = barWidths(lines.map((l) => l.incidents));

  const page = el(
    'div',
    { class: 'briefing', 'data-testid': 'briefing', 'data-from': b.from, 'data-to': b.to },
    el(
      'header',
      { class: 'brief-head' },
      el('h1', {}, `${cityName} 社会治理简报`),
      el('div', { class: 'period', 'data-testid': 'briefing-period' }, `${timeText(b.from)} — ${timeText(b.to)}`),
      el('div', { class: 'actions' }, print, csvLink('districts', districtHead, districtCSV), csvLink('categories', ['类别', '事件'], catRows), csvLink('alerts', ['告警类别', '数量'], kindRows)),
    ),
    el(
      'section',
      { class: 'kpis' },
      kpi('事件 Incidents', String(inc.total), `环比 ${formatChange(inc.previous?.change)} · 同比上周 ${formatChange(inc.weekBefore?.change)}`, 'kpi-incidents'),
      kpi('告警 Alerts', String(b.alerts.total), `确认中位 ${formatSeconds(b.alerts.ack?.medianSeconds)} · 90% ${formatSeconds(b.alerts.ack?.p90Seconds)}`, 'kpi-alerts'),
      kpi(
        '派单 Dispatches',
        String(b.dispatches.total),
        `到场中位 ${formatSeconds(b.dispatches.response?.medianSeconds)} · 90% ${formatSeconds(b.dispatches.response?.p90Seconds)} · 达标 ${formatShare(b.dispatches.response?.withinTarget)}`,
        'kpi-dispatches',
      ),
      kpi('案件 Cases', city ? String(city.registered) : '—', city ? `结案 ${city.closed} · 按期结案率 ${formatShare(city.onTimeRate)}` : '', 'kpi-cases'),
      kpi('平安指数 Safety index', cityIndex ? formatIndex(cityIndex.index) : '—', cityIndex ? (BAND_LABELS[cityIndex.band as keyof typeof BAND_LABELS] ?? cityIndex.band) : '', 'kpi-index'),
    ),
    el('section', { class: 'brief-sec' }, el('h2', {}, '分时事件 Incidents by hour'), hourChart(inc.byHour ?? [])),
    el(
      'section',
      { class: 'brief-sec' },
      el('h2', {}, '各区 Districts'),
      table(
        'briefing-districts',
        districtHead,
        lines.map((l, i) => {
          const bar = el('span', { class: 'bar' });
          bar.style.width = `${Math.round(bars[i] * 100)}%`;
          return [
            l.name,
            el('span', { class: 'num', 'data-code': l.code, 'data-testid': 'district-incidents' }, String(l.incidents), bar),
            formatChange(l.change),
            formatChange(l.weekChange),
            String(l.alerts),
            String(l.dispatches),
            formatSeconds(l.responseMedian),
            l.casesRegistered === null ? '—' : String(l.casesRegistered),
            formatShare(l.onTimeRate),
            l.index === null ? '—' : el('span', {}, formatIndex(l.index), ' ', bandChip(l.band)),
          ];
        }),
      ),
    ),
    el(
      'section',
      { class: 'brief-sec two' },
      el('div', {}, el('h2', {}, '事件类别 By category'), table('briefing-categories', ['类别', '事件'], catRows.map(([c, n]) => [catLabel.get(c) ?? c, String(n)]))),
      el(
        'div',
        {},
        el('h2', {}, '告警 Alerts by kind'),
        table('briefing-alerts', ['类别', '数量', '确认中位'], kindRows.map(([k, n]) => [kindLabel(k), String(n), formatSeconds(b.alerts.ackByKind?.[k]?.medianSeconds)])),
      ),
    ),
    el(
      'section',
      { class: 'brief-sec two' },
      el(
        'div',
        {},
        el('h2', {}, '热点 Hottest places'),
        table('briefing-hottest', ['#', '地点', '事件'], (inc.hottest ?? []).slice(0, 10).map((h, i) => [String(i + 1), h.name || h.cell, String(h.count)])),
      ),
      hotMap(districts, (inc.hottest ?? []).slice(0, 10)),
    ),
    el(
      'section',
      { class: 'brief-sec' },
      el('h2', {}, '平安指数排名 Safety index ranking'),
      el('p', { class: 'muted', 'data-testid': 'briefing-index-asof' }, indexAsOf(b.safety)),
      table(
        'briefing-index',
        ['名次', '区', '指数', '等级', b.safety?.live ? '较上期' : '期内变化'],
        indexRows.map((r) => [String(r.rankInLevel), r.name, formatIndex(r.index), bandChip(r.band), formatIndexChange(r.change)]),
      ),
    ),
    el('footer', { class: 'brief-foot muted' }, `按事件发生时间统计 Counted by event time · 生成于 ${timeText(new Date().toISOString())}`),
  );
  root.replaceChildren(page);
}

