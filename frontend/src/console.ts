// Console-only pieces: the topic controls and the picked-cell panel.

import { cellToLatLng } from 'h3-js';
import { getHeat, getPlaces, getRegion, getRegionChildren, may, type RegionFigures } from './api';
import { IncidentPick } from './incidents';
import { incidentsBox } from './incidentspanel';
import { suggestForCell, suggestionsBox } from './opspanels';
import type { Config, Mode } from './config';
import { indexSection } from './indexpanel';
import type { Districts } from './districts';
import { el, formatCount, STATUS_LABELS, WINDOW_LABELS } from './hud';
import { RESOLUTIONS, WINDOWS, type Res, type Unit, type Window } from './protocol';
import { LEVEL_LABELS, LEVELS, type RegionHit } from './regions';

import { CATEGORIES, type Category } from './categories';
export { CATEGORIES, knownCategory, type Category } from './categories';

function select(name: string, options: [string, string][], value: string, onChange: (v: string) => void): HTMLElement {
  const s = el('select', { name, 'data-testid': `ctl-${name}` }) as HTMLSelectElement;
  for (const [v, label] of options) s.append(el('option', { value: v }, label));
  s.value = value;
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

/**
 * buildControls fills the controls box; onChange gets the whole new config:
 * the current one (config()) with the control's change, so one control never
 * undoes another's.
 */
export function buildControls(box: HTMLElement, config: () => Config, onChange: (c: Config) => void, signOut?: () => void, categories: Category[] = CATEGORIES): void {
  const cfg = config();
  const set = (patch: Partial<Config>) => onChange({ ...config(), ...patch });
  // The profile's categories only, by their labels: free text let "bogus"
  // through, with zeros everywhere and nothing said.
  const cat = select('category', [['', '全部 All'], ...categories.map((c): [string, string] => [c.code, c.label])], cfg.category, (v) => set({ category: v }));
  const extrude = el('input', { type: 'checkbox', name: 'extrude', 'data-testid': 'ctl-extrude' }) as HTMLInputElement;
  extrude.checked = cfg.extrude;
  extrude.addEventListener('change', () => set({ extrude: extrude.checked }));
  box.replaceChildren(
    el('label', {}, '分辨率 Res ', select('res', RESOLUTIONS.map((r) => [String(r), String(r)]), String(cfg.res), (v) => set({ res: Number(v) as Res }))),
    el('label', {}, '时窗 Window ', select('window', WINDOWS.map((w) => [w, WINDOW_LABELS[w]]), cfg.window, (v) => set({ window: v as Window }))),
    el('label', {}, '类别 Category ', cat),
    el(
      'label',
      {},
      '等级 Severity ≥ ',
      select('minSeverity', [1, 2, 3, 4].map((s) => [String(s), String(s)]), String(cfg.minSeverity), (v) => set({ minSeverity: Number(v) })),
    ),
    el('label', {}, extrude, ' 3D'),
    el('label', {}, '地图 Map ', select('mode', [['heat', '热力 Heat'], ['index', '平安指数 Safety index']], cfg.mode, (v) => set({ mode: v as Mode }))),
  );
  if (signOut) {
    const b = el('button', { type: 'button' }, '退出 Sign out');
    b.addEventListener('click', signOut);
    box.append(b);
  }
}

/** distanceM: great-circle distance in metres. */
export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lng2 - lng1) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** nearestUnits returns the n closest available units to a point, closest first. */
export function nearestUnits(units: Iterable<Unit>, lat: number, lng: number, n: number): { unit: Unit; m: number }[] {
  const out: { unit: Unit; m: number }[] = [];
  for (const u of units) if (u.status === 'available') out.push({ unit: u, m: distanceM(lat, lng, u.lat, u.lng) });
  return out.sort((a, b) => a.m - b.m).slice(0, n);
}

/**
 * showCell fills the cell panel: district, counts in every window, the cell's
 * incidents over the console's window, and the dispatch suggestions (or, for a
 * wall role, the nearest available units). Picking one of the incidents makes
 * the suggestions dispatch to it.
 */
export async function showCell(
  panel: HTMLElement,
  cell: string,
  cfg: Config,
  districts: Districts,
  units: Iterable<Unit>,
  onClose: () => void,
  role = 'admin',
  onIncident?: (id: string) => void,
): Promise<void> {
  const [lat, lng] = cellToLatLng(cell);
  const counts = el('dl', { class: 'cell-counts' });
  const near = nearestUnits(units, lat, lng, 3);
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  const pick = may(role, 'operator') ? new IncidentPick() : undefined;
  // The place by name (street · community), never by hexagon id: the id is
  // kept in data-cell for tools and tests.
  const placeName = el('span', { 'data-testid': 'picked-cell', 'data-cell': cell }, '…');
  getPlaces([cell]).then(
    (r) => (placeName.textContent = r.places[0]?.name || '—'),
    () => (placeName.textContent = '—'),
  );
  panel.replaceChildren(
    close,
    el('h3', {}, districts.ofCell(cell)?.name ?? '—', ' ', placeName),
    el('div', { class: 'muted' }, `res ${cfg.res} · ${lat.toFixed(4)}, ${lng.toFixed(4)}${cfg.category ? ' · ' + cfg.category : ''}${cfg.minSeverity > 1 ? ' · ≥' + cfg.minSeverity : ''}`),
    counts,
    incidentsBox(cell, cfg.window, role, pick, onIncident),
    // Operators and up get the server's suggestions with a Dispatch button each;
    // a wall role sees the nearest available units it knows of.
    pick
      ? suggestionsBox(suggestForCell(cell), role, undefined, pick)
      : el(
          'div',
          {},
          el('h4', {}, '最近待命力量 Nearest available units'),
          el(
            'ul',
            { class: 'near' },
            ...(near.length
              ? near.map((n) => el('li', {}, `${n.unit.unit} · ${n.unit.kind} · ${(n.m / 1000).toFixed(1)} km`))
              : [el('li', { class: 'muted' }, STATUS_LABELS.available + ': 0')]),
          ),
        ),
  );
  delete panel.dataset.region;
  delete panel.dataset.alert;
  delete panel.dataset.case;
  panel.hidden = false;
  // A tiny bbox around the centre selects exactly this cell at this resolution.
  const e = 1e-6;
  const bbox: [number, number, number, number] = [lng - e, lat - e, lng + e, lat + e];
  const results = await Promise.all(
    WINDOWS.map((w) => getHeat({ res: cfg.res, window: w, bbox, category: cfg.category, minSeverity: cfg.minSeverity }).then((r) => r.total, () => undefined)),
  );
  counts.replaceChildren(...WINDOWS.flatMap((w, i) => [el('dt', {}, WINDOW_LABELS[w]), el('dd', { 'data-testid': `cell-count-${w}` }, formatCount(results[i]))]));
}

export const SEVERITY_LABELS = ['1 轻 Minor', '2 一般 Moderate', '3 较重 Serious', '4 严重 Critical'];
export const GENERATED_LABEL = 'generated (生成)';

/** regionRows: the figures as [label, value, testid] rows for the panel (pure). */
export function regionRows(f: RegionFigures): [string, string, string][] {
  const rows: [string, string, string][] = [
    ['事件 Incidents', formatCount(f.incidents), 'region-incidents'],
    ['在岗力量 Units on duty', formatCount(f.unitsOnDuty), 'region-units'],
  ];
  (f.bySeverity ?? []).forEach((n, i) => rows.push([`等级 Severity ${SEVERITY_LABELS[i] ?? i + 1}`, formatCount(n), `region-sev-${i + 1}`]));
  for (const [c, n] of Object.entries(f.byCategory ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
    rows.push([c, formatCount(n), `region-cat-${c}`]);
  return rows;
}

/**
 * showRegion fills the side panel with a clicked region's figures over the
 * console's window; a generated region (its shape made up by citygrid) says so.
 */
export async function showRegion(
  panel: HTMLElement,
  hit: RegionHit,
  win: Window,
  onClose: () => void,
  onPick?: (child: RegionHit) => void,
  onCase?: (id: string) => void,
): Promise<void> {
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', onClose);
  const body = el('dl', { class: 'cell-counts region-figures', 'data-testid': 'region-figures' }, el('dt', {}, '…'), el('dd', {}, ''));
  const tag = el('span', { class: 'generated', 'data-testid': 'region-generated' }, hit.generated ? GENERATED_LABEL : '');
  panel.replaceChildren(
    close,
    el('h3', {}, el('span', { 'data-testid': 'region-name' }, hit.name), ' ', el('span', { class: 'cell-id', 'data-testid': 'region-code' }, hit.code)),
    el('div', { class: 'muted', 'data-testid': 'region-level' }, `${LEVEL_LABELS[hit.level]} · ${WINDOW_LABELS[win]} `, tag),
    body,
    indexSection(hit.level, hit.code, onCase),
  );
  panel.dataset.region = `${hit.level}:${hit.code}`;
  delete panel.dataset.alert;
  delete panel.dataset.case;
  panel.hidden = false;
  let f: RegionFigures | undefined;
  try {
    f = await getRegion(hit.level, hit.code, win);
  } catch (e) {
    body.replaceChildren(el('dt', {}, '错误 Error'), el('dd', {}, String(e)));
    return;
  }
  if (panel.dataset.region !== `${hit.level}:${hit.code}`) return; // another click came first
  if (!f) {
    body.replaceChildren(el('dt', {}, '无数据 No figures'), el('dd', {}, '–'));
    return;
  }
  tag.textContent = f.generated ? GENERATED_LABEL : '';
  body.replaceChildren(...regionRows(f).flatMap(([k, v, id]) => [el('dt', {}, k), el('dd', { 'data-testid': id }, v)]));
  // Drill down: the level below, busiest first, each a click away.
  const below = LEVELS[LEVELS.indexOf(hit.level) + 1];
  if (!below) return;
  const list = el('ol', { class: 'region-children', 'data-testid': 'region-children' });
  panel.append(el('h4', {}, `${LEVEL_LABELS[below]}`), list);
  let kids: RegionFigures[];
  try {
    kids = await getRegionChildren(below, hit.code, win);
  } catch {
    return;
  }
  if (panel.dataset.region !== `${hit.level}:${hit.code}`) return;
  kids.sort((a, b) => b.incidents - a.incidents || a.code.localeCompare(b.code));
  list.replaceChildren(
    ...kids.slice(0, 30).map((k) => {
      const li = el('li', { class: onPick ? 'pickable' : '', 'data-code': k.code }, el('span', {}, k.name), el('span', { class: 'value' }, formatCount(k.incidents)));
      if (onPick) li.addEventListener('click', () => onPick({ level: below, code: k.code, name: k.name, generated: k.generated }));
      return li;
    }),
  );
}
