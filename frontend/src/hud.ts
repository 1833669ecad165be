// The HUD: DOM around the map. Counters, units by status, hottest cells,
// districts, the ticker, the legend, the clock and the connection badge, and
// the boxes the case screens fill (caseswall.ts, casespanel.ts).
// Every label is bilingual; nothing is hover-only. It only writes the DOM;
// main.ts decides when.

import type { Districts } from './districts';
import { breakdown, DISPATCH_LABELS, dispatchOverdue, formatDuration, placeName } from './ops';
import { regionIncidents } from './store';
import { STATUSES, WINDOWS, type AlertCounts, type CellCount, type Dispatch, type RegionFigures, type Window } from './protocol';
import { alertTotal, dispatchSeconds, type Health, type Rise, type StatusCounts } from './store';
import { legendLabels, type Scale } from './scale';
import { severityColor, statusColor } from './layers';

type Child = Node | string;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/** sevChip: "S3" in its severity's colour. */
export function sevChip(sev: number): HTMLElement {
  const c = severityColor(sev);
  const chip = el('span', { class: 'sev', 'data-severity': String(sev) }, `S${sev}`);
  chip.style.borderColor = `rgb(${c[0]},${c[1]},${c[2]})`;
  chip.style.color = `rgb(${c[0]},${c[1]},${c[2]})`;
  return chip;
}

export const WINDOW_LABELS: Record<Window, string> = {
  '15m': '15 分钟 · 15 min',
  '1h': '1 小时 · 1 h',
  '24h': '24 小时 · 24 h',
};

export const STATUS_LABELS: Record<string, string> = {
  available: '待命 Available',
  dispatched: '已出动 En route',
  busy: '处置 Busy',
  'off-duty': '下班 Off duty',
};

export const HEALTH_LABELS: Record<Health, string> = {
  live: '实时 LIVE',
  stale: '数据滞后 STALE',
  down: '连接中断 OFFLINE',
  connecting: '连接中 CONNECTING',
  replay: '回放 REPLAY',
};

export function formatCount(n: number | undefined): string {
  return n === undefined ? '–' : n.toLocaleString('en-US');
}

/** formatAge: "0.4 s", "12 s", "3 min". */
export function formatAge(ms: number): string {
  if (ms < 10_000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 120_000) return Math.round(ms / 1000) + ' s';
  return Math.round(ms / 60_000) + ' min';
}

export class Hud {
  readonly mapBox: HTMLElement;
  readonly controls: HTMLElement;
  readonly cellPanel: HTMLElement;
  /** Console: the alerts panel's box and the dispatches panel's box (opspanels.ts fills them). */
  readonly alertsBox: HTMLElement;
  readonly dispatchesBox: HTMLElement;
  /** The case loop strip under the map, the wall's overdue cases and street ranking, the map's case legend (caseswall.ts). */
  readonly caseStrip: HTMLElement;
  readonly caseOverdueBox: HTMLElement;
  readonly caseRankBox: HTMLElement;
  readonly caseLegend: HTMLElement;
  /** Console: the case queue's box (casespanel.ts). */
  readonly casesBox: HTMLElement;
  /** The safety index mode's board and band legend (indexboard.ts). */
  readonly indexBox: HTMLElement;
  readonly indexWorstBox: HTMLElement;
  /** The replay bar's box (replaybar.ts), hidden unless replaying. */
  readonly replayBox: HTMLElement;
  readonly bandLegend: HTMLElement;
  private alertsTotal: HTMLElement;
  private alertsUnacked: HTMLElement;
  private alertsKinds: HTMLElement;
  private alertsSev: HTMLElement;
  private wallDispatches: HTMLElement;
  private wallDispatchCount: HTMLElement;
  private counts = new Map<Window, HTMLElement>();
  private counterBoxes = new Map<Window, HTMLElement>();
  private units = new Map<string, HTMLElement>();
  private hotList: HTMLElement;
  private districtBody: HTMLElement;
  private ticker: HTMLElement;
  private legend: HTMLElement;
  private badge: HTMLElement;
  private badgeText: HTMLElement;
  private badgeAge: HTMLElement;
  private clock: HTMLElement;
  private unitsTotal: HTMLElement;
  private lastLegend = '';
  private user: HTMLElement;
  private tourCaption: HTMLElement;

  constructor(root: HTMLElement, liveWindow: Window, profileName: string) {
    this.user = el('div', { class: 'user console-only', 'data-testid': 'user' });
    this.clock = el('div', { class: 'clock', 'data-testid': 'clock' });
    this.badgeText = el('span', { class: 'badge-text' });
    this.badgeAge = el('span', { class: 'badge-age', 'data-testid': 'badge-age' });
    this.badge = el('div', { class: 'badge', 'data-testid': 'badge', 'data-health': 'connecting' }, this.badgeText, this.badgeAge);
    const top = el(
      'header',
      { class: 'top' },
      el('div', { class: 'title' }, el('span', { class: 'zh' }, '市域社会治理指挥中心'), el('span', { class: 'en' }, `citygrid · ${profileName} Command Center`)),
      el('div', { class: 'top-right' }, this.user, this.clock, this.badge),
    );

    const countBox = el('div', { class: 'counters' });
    for (const w of WINDOWS) {
      const v = el('div', { class: 'value', 'data-testid': `count-${w}` }, '–');
      this.counts.set(w, v);
      const box = el('div', { class: 'counter' }, el('div', { class: 'label' }, WINDOW_LABELS[w]), v);
      this.counterBoxes.set(w, box);
      countBox.append(box);
    }
    this.setLiveWindow(liveWindow);
    this.alertsTotal = el('div', { class: 'value', 'data-testid': 'alerts-total' }, '–');
    this.alertsUnacked = el('span', { class: 'muted', 'data-testid': 'alerts-unacked' });
    this.alertsKinds = el('div', { class: 'chips', 'data-testid': 'alerts-by-kind' });
    this.alertsSev = el('div', { class: 'chips', 'data-testid': 'alerts-by-severity' });
    this.wallDispatchCount = el('span', { class: 'muted', 'data-testid': 'dispatches-total' });
    this.wallDispatches = el('ul', { class: 'ops-list wall-dispatches', 'data-testid': 'wall-dispatches' });
    const unitBox = el('div', { class: 'units' });
    for (const st of STATUSES) {
      const v = el('span', { class: 'value', 'data-testid': `units-${st}` }, '–');
      this.units.set(st, v);
      const dot = el('span', { class: 'dot' });
      dot.style.background = `rgba(${statusColor(st).join(',')})`;
      unitBox.append(el('div', { class: 'unit-row' }, dot, el('span', { class: 'label' }, STATUS_LABELS[st]), v));
    }
    this.unitsTotal = el('span', { class: 'muted', 'data-testid': 'units-total' });
    this.indexWorstBox = el('div', { class: 'index-box', 'data-testid': 'index-worst-box' });
    const left = el(
      'aside',
      { class: 'panel left' },
      el('h2', { class: 'heat-only-wall' }, '事件 Incidents'),
      el('div', { class: 'heat-only-wall' }, countBox),
      el(
        'div',
        { class: 'counter alerts heat-only-wall', 'data-testid': 'alerts-counter' },
        el('div', { class: 'label' }, '告警 Open alerts ', this.alertsUnacked),
        this.alertsTotal,
        this.alertsKinds,
        this.alertsSev,
      ),
      // On the wall, the index mode's worst ten streets take the place of the counters, units and orders.
      el('h2', { class: 'index-only' }, '最差十个街道 Worst ten streets'),
      el('div', { class: 'index-only' }, this.indexWorstBox),
      el('h2', { class: 'heat-only-wall' }, '巡逻力量 Units ', this.unitsTotal),
      el('div', { class: 'heat-only-wall' }, unitBox),
      el('h2', { class: 'wall-only heat-only' }, '指挥派单 Orders ', this.wallDispatchCount),
      el('div', { class: 'wall-only heat-only' }, this.wallDispatches),
    );

    this.hotList = el('ol', { class: 'hotlist', 'data-testid': 'hot-list' });
    this.districtBody = el('tbody', { 'data-testid': 'districts' });
    this.alertsBox = el('div', { class: 'ops-box', 'data-testid': 'alerts-panel' });
    this.dispatchesBox = el('div', { class: 'ops-box', 'data-testid': 'dispatches-panel' });
    this.casesBox = el('div', { class: 'ops-box', 'data-testid': 'cases-panel' });
    this.caseOverdueBox = el('div', { class: 'case-overdue-box' });
    this.caseRankBox = el('div', { class: 'case-rank-box' });
    this.indexBox = el('div', { class: 'index-box', 'data-testid': 'index-box' });
    const right = el(
      'aside',
      { class: 'panel right' },
      el('h2', { class: 'console-only' }, '告警 Alerts'),
      el('div', { class: 'console-only' }, this.alertsBox),
      el('h2', { class: 'console-only' }, '指挥派单 Orders'),
      el('div', { class: 'console-only' }, this.dispatchesBox),
      el('h2', { class: 'console-only' }, '案件 Cases'),
      el('div', { class: 'console-only' }, this.casesBox),
      el('h2', { class: 'index-only' }, '平安指数 Safety index'),
      el('div', { class: 'index-only' }, this.indexBox),
      el('h2', { class: 'heat-only' }, '最热区块 Hottest hexagons'),
      el('div', { class: 'heat-only' }, this.hotList),
      el('h2', {}, '各区 Districts'),
      el('table', { class: 'districts' }, el('thead', {}, el('tr', {}, el('th', {}, '区 District'), el('th', {}, '事件 Incidents'), el('th', {}, '在岗 On duty'))), this.districtBody),
      el('h2', { class: 'wall-only' }, '超期案件 Overdue cases'),
      el('div', { class: 'wall-only' }, this.caseOverdueBox),
      el('h2', { class: 'wall-only' }, '街道按期结案率 On-time closure by street'),
      el('div', { class: 'wall-only' }, this.caseRankBox),
    );
    this.caseStrip = el('section', { class: 'case-strip', 'data-testid': 'case-strip' });

    this.ticker = el('div', { class: 'ticker-items', 'data-testid': 'ticker' });
    const bottom = el('footer', { class: 'ticker' }, el('span', { class: 'ticker-title' }, '最新 Latest'), this.ticker);

    this.legend = el('div', { class: 'legend heat-only', 'data-testid': 'legend' });
    this.bandLegend = el('div', { class: 'legend index-only', 'data-testid': 'band-legend' });
    this.caseLegend = el('div', { class: 'legend case-legend', 'data-testid': 'case-legend' });
    this.mapBox = el('main', { class: 'map', id: 'map' });
    this.controls = el('div', { class: 'controls', 'data-testid': 'controls' });
    this.cellPanel = el('div', { class: 'cell-panel', 'data-testid': 'cell-panel', hidden: '' });
    const banner = el('div', { class: 'not-live', 'data-testid': 'not-live' }, '数据非实时 · DATA NOT LIVE');
    this.tourCaption = el('div', { class: 'tour-caption', 'data-testid': 'tour-caption' });
    this.replayBox = el('div', { class: 'replay-bar', 'data-testid': 'replay-bar', hidden: '' });
    const legends = el('div', { class: 'legends' }, this.legend, this.bandLegend, this.caseLegend);
    const mapWrap = el('div', { class: 'map-wrap' }, this.mapBox, legends, this.controls, this.cellPanel, banner, this.tourCaption, this.replayBox);

    root.replaceChildren(top, left, mapWrap, this.caseStrip, right, bottom);
  }

  /** setLiveWindow marks the counter of the window the map shows. */
  setLiveWindow(live: Window): void {
    for (const [w, box] of this.counterBoxes) box.classList.toggle('live', w === live);
  }

  /** setTourCaption says which place the kiosk tour shows, and its figures. */
  setTourCaption(text: string): void {
    this.tourCaption.textContent = text;
  }

  /** setUser says who is signed in (the console's top bar). */
  setUser(text: string): void {
    this.user.textContent = text;
  }

  setCount(w: Window, n: number | undefined): void {
    const e = this.counts.get(w);
    if (e) e.textContent = formatCount(n);
  }

  /** setAlerts: the open-alert counter (open + acknowledged) and its breakdown by kind and severity. */
  setAlerts(c: AlertCounts | null): void {
    this.alertsTotal.textContent = formatCount(alertTotal(c));
    this.alertsTotal.dataset.open = String(c?.open ?? '');
    this.alertsTotal.dataset.acknowledged = String(c?.acknowledged ?? '');
    this.alertsUnacked.textContent = c ? `(${formatCount(c.open)} 未确认 unacked)` : '';
    const b = breakdown(c);
    this.alertsKinds.replaceChildren(
      ...b.kinds.map((k) => el('span', { class: 'chip', 'data-kind': k.key, 'data-n': String(k.n) }, `${k.label} `, el('b', {}, formatCount(k.n)))),
    );
    this.alertsSev.replaceChildren(
      ...b.severities.map((s) => {
        const chip = el('span', { class: 'chip sev', 'data-severity': s.key, 'data-n': String(s.n) }, `${s.label} `, el('b', {}, formatCount(s.n)));
        const col = severityColor(Number(s.key));
        chip.style.borderColor = `rgb(${col[0]},${col[1]},${col[2]})`;
        return chip;
      }),
    );
  }

  /** setWallDispatches: the active dispatches on the wall, newest first (at most 6 rows). */
  setWallDispatches(active: Dispatch[], unitStatus: (unit: string) => string, districts: Districts, now: number): void {
    this.wallDispatchCount.textContent = `(${active.length})`;
    this.wallDispatches.replaceChildren(
      ...active.slice(0, 6).map((d) => {
        const s = dispatchSeconds(d, now);
        const dot = el('span', { class: 'dot' });
        dot.style.background = `rgba(${statusColor(unitStatus(d.unit) || 'dispatched').join(',')})`;
        return el(
          'li',
          {
            class: 'ops-row wall-dispatch' + (dispatchOverdue(d, s) ? ' overdue' : ''),
            'data-testid': 'wall-dispatch',
            'data-dispatch-id': d.id,
            'data-unit': d.unit,
            'data-status': d.status,
          },
          el(
            'div',
            { class: 'row-head' },
            dot,
            el('b', { class: 'unit' }, d.unit),
            el('span', { class: 'status' }, DISPATCH_LABELS[d.status] ?? d.status),
            el('span', { class: 'elapsed' }, formatDuration(s)),
          ),
          el('div', { class: 'place muted' }, `→ ${placeName(d, districts)}`),
        );
      }),
    );
  }

  setUnits(c: StatusCounts): void {
    let total = 0;
    for (const [st, e] of this.units) {
      e.textContent = formatCount(c[st] ?? 0);
    }
    for (const v of Object.values(c)) total += v;
    this.unitsTotal.textContent = `(${total})`;
  }

  /**
   * setHottest lists the hottest hexagons by place (district, then street and
   * community as the server names them; "…" until it has), never by H3 id.
   * onPick, when given (the console), makes each row pick its hexagon.
   */
  setHottest(cells: CellCount[], districts: Districts, place: (cell: string) => string | undefined, onPick?: (cell: string) => void): void {
    this.hotList.replaceChildren(
      ...cells.map((c) => {
        const li = el(
          'li',
          { 'data-cell': c.cell },
          el('span', { class: 'cell-district' }, districts.ofCell(c.cell)?.name ?? '—'),
          el('span', { class: 'cell-place' }, place(c.cell) ?? '…'),
          el('span', { class: 'value' }, formatCount(c.count)),
        );
        if (onPick) {
          li.classList.add('pickable');
          li.addEventListener('click', () => onPick(c.cell));
        }
        return li;
      }),
    );
  }

  /**
   * setDistricts shows the server's figures of each district (the regions
   * layer, the same as GET /api/v1/regions/district), busiest first. They are
   * never summed in the page from the heat cells: a cell's centre is not
   * where its incidents are, and the table contradicted the API.
   */
  setDistricts(rows: RegionFigures[] | null, filter: { category: string; minSeverity: number }): void {
    const counted = (rows ?? []).map((r) => ({ r, n: regionIncidents(r, filter) }));
    counted.sort((a, b) => b.n - a.n || a.r.code.localeCompare(b.r.code));
    this.districtBody.replaceChildren(
      ...counted.map(({ r, n }) =>
        el('tr', { 'data-code': r.code }, el('td', {}, r.name), el('td', { class: 'num' }, formatCount(n)), el('td', { class: 'num' }, formatCount(r.unitsOnDuty))),
      ),
    );
  }

  setTicker(rises: Rise[], districts: Districts, place: (cell: string) => string | undefined, now: number): void {
    this.ticker.replaceChildren(
      ...rises.slice(0, 8).map((r) =>
        el('span', { class: 'tick-item' }, el('b', {}, `+${r.by}`), ` ${districts.ofCell(r.cell)?.name ?? '—'} ${place(r.cell) ?? ''}`, el('span', { class: 'muted' }, ` ${formatAge(now - r.at)}`)),
      ),
    );
  }

  setLegend(scale: Scale, title: string): void {
    const key = scale.bounds.join(',') + title;
    if (key === this.lastLegend) return;
    this.lastLegend = key;
    const labels = legendLabels(scale);
    this.legend.replaceChildren(
      el('div', { class: 'legend-title' }, title),
      ...scale.colors.map((c, i) => {
        const sw = el('span', { class: 'swatch' });
        sw.style.background = `rgb(${c[0]},${c[1]},${c[2]})`;
        return el('div', { class: 'legend-row' }, sw, el('span', {}, labels[i]));
      }),
    );
  }

  setBadge(h: Health, ageMs: number | undefined, detail: string): void {
    this.badge.dataset.health = h;
    this.badgeText.textContent = HEALTH_LABELS[h];
    this.badgeAge.textContent = ageMs === undefined ? detail : `${formatAge(ageMs)}${detail ? ' · ' + detail : ''}`;
  }

  setClock(d: Date): void {
    const p = (n: number) => String(n).padStart(2, '0');
    this.clock.textContent = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
}
