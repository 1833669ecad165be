// The leadership briefing's figures as the page lays them out (pure): the
// answer of GET /api/v1/briefing, the districts' case figures and safety
// index joined into one row per district, numbers in the page's words, the
// charts' shapes and the tables as CSV. The page itself is briefing.ts.

/** A set of durations (GET /api/v1/briefing). */
export interface Timing {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  withinTarget?: number | null;
}

/** A comparison period's incidents. */
export interface Period {
  from: string;
  to: string;
  total: number;
  byDistrict: Record<string, number>;
  change: number | null;
}

/** GET /api/v1/briefing: the figures of [from, to), by event time. */
export interface Briefing {
  from: string;
  to: string;
  incidents: {
    total: number;
    byCategory: Record<string, number>;
    byDistrict: Record<string, number>;
    byHour?: { start: string; count: number }[];
    previous?: Period | null;
    weekBefore?: Period | null;
    hottest?: { cell: string; name: string; district?: string; count: number }[];
  };
  alerts: {
    total: number;
    byKind: Record<string, number>;
    byDistrict?: Record<string, number>;
    ack?: Timing;
    ackByKind?: Record<string, Timing>;
  };
  /** The cases' figures over the window (as GET /api/v1/cases/stats counts them). */
  cases?: { city?: CaseFigures | null; byDistrict?: Record<string, CaseFigures> };
  /**
   * The districts' safety index as it stood at the window's end (asOf, the
   * hour of `to`; change since the hour of `from`), or, `live`, as it stands now.
   */
  safety?: {
    asOf?: string;
    since?: string;
    live?: boolean;
    rows: { code: string; name: string; index: number; band: string; rankInLevel: number; change: number | null }[];
  } | null;
  dispatches: {
    total: number;
    arrived?: number;
    cancelled?: number;
    byDistrict?: Record<string, number>;
    response?: Timing;
    responseByDistrict?: Record<string, Timing>;
  };
}

/** A region's case figures (the part the briefing shows). */
export interface CaseFigures {
  registered: number;
  closed: number;
  onTimeRate: number | null;
}

/** One district's line of the briefing's district table. */
export interface DistrictLine {
  code: string;
  name: string;
  incidents: number;
  /** Against the previous period and the same period a week before; null when not known. */
  change: number | null;
  weekChange: number | null;
  alerts: number;
  dispatches: number;
  responseMedian: number | null;
  casesRegistered: number | null;
  onTimeRate: number | null;
  index: number | null;
  band: string;
}

/** change: (now − then) ÷ then, or null when then had none (or is unknown). */
export function change(now: number, then: number | undefined): number | null {
  if (then === undefined || then <= 0) return null;
  return (now - then) / then;
}

/** formatChange: "+12%", "−5%", "持平 0%", or "—" when not known. */
export function formatChange(c: number | null | undefined): string {
  if (c === null || c === undefined || !Number.isFinite(c)) return '—';
  const p = Math.round(c * 100);
  if (p === 0) return '持平 0%';
  return p > 0 ? `+${p}%` : `−${-p}%`;
}

/** formatSeconds: "45 s", "7.5 min", "1.2 h"; "—" when none. */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** formatShare: a rate 0..1 as "87%"; "—" when none. */
export function formatShare(r: number | null | undefined): string {
  return r === null || r === undefined || !Number.isFinite(r) ? '—' : `${Math.round(r * 100)}%`;
}

/**
 * districtLines joins the briefing's figures, the districts' case figures
 * and their safety index into one line per district (every district the
 * profile names, busiest first).
 */
export function districtLines(
  b: Briefing,
  districts: { id: string; name: string }[],
  cases: Map<string, { registered: number; onTimeRate: number | null }>,
  index: Map<string, { index: number; band: string }>,
): DistrictLine[] {
  const inc = b.incidents;
  return districts
    .map((d) => {
      const n = inc.byDistrict[d.id] ?? 0;
      const prev = inc.previous ? (inc.previous.byDistrict[d.id] ?? 0) : undefined;
      const week = inc.weekBefore ? (inc.weekBefore.byDistrict[d.id] ?? 0) : undefined;
      const c = cases.get(d.id);
      const ix = index.get(d.id);
      return {
        code: d.id,
        name: d.name,
        incidents: n,
        change: change(n, prev),
        weekChange: change(n, week),
        alerts: b.alerts.byDistrict?.[d.id] ?? 0,
        dispatches: b.dispatches.byDistrict?.[d.id] ?? 0,
        responseMedian: b.dispatches.responseByDistrict?.[d.id]?.medianSeconds ?? null,
        casesRegistered: c ? c.registered : null,
        onTimeRate: c ? c.onTimeRate : null,
        index: ix ? ix.index : null,
        band: ix ? ix.band : '',
      };
    })
    .sort((a, b) => b.incidents - a.incidents || a.code.localeCompare(b.code));
}

/** sortedCounts: a count map as [key, n] rows, most first (then by key). */
export function sortedCounts(m: Record<string, number> | undefined): [string, number][] {
  return Object.entries(m ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * seriesPath is an SVG path of counts over a w × h box (0 at the bottom, the
 * largest at the top); '' for fewer than two counts.
 */
export function seriesPath(counts: readonly number[], w: number, h: number): string {
  if (counts.length < 2) return '';
  const top = Math.max(1, ...counts);
  return counts.map((c, i) => `${i === 0 ? 'M' : 'L'}${((i / (counts.length - 1)) * w).toFixed(1)},${(h - (c / top) * h).toFixed(1)}`).join(' ');
}

/** barWidths: each value's bar as a share (0..1) of the largest. */
export function barWidths(values: readonly number[]): number[] {
  const top = Math.max(0, ...values);
  return values.map((v) => (top > 0 ? v / top : 0));
}

/** csv: rows as CSV (RFC 4180: a field with a comma, quote or line break is quoted), with a BOM so spreadsheet programs read the Chinese right. */
export function csv(header: string[], rows: (string | number | null)[][]): string {
  const field = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\ufeff' + [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** formatIndexChange: "+1.2", "-0.4", "0.0", or "—" when there is no mark to compare with. */
export function formatIndexChange(c: number | null | undefined): string {
  if (c === null || c === undefined) return '—';
  return c > 0 ? `+${c.toFixed(1)}` : c.toFixed(1);
}
